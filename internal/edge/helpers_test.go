package edge_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/edge/origin"
	"github.com/streamfront/streamfront/internal/edge/rtmpt"
	"github.com/streamfront/streamfront/internal/testenv"
)

// bucket is the origin bucket of test distributions (a sub-directory of the
// directory origin).
const bucket = "media"

// testBlockSize is small so that test clips span many cache blocks.
const testBlockSize = 16 << 10

// env is an API server plus an RTMP edge on loopback, serving a directory origin.
type env struct {
	api   *testenv.Server
	cf    *cloudfront.Client
	edge  *edge.Server
	addr  string // RTMP listen address
	dir   string // origin root
	cache *origin.Cache
	reg   *prometheus.Registry // the edge's metrics
}

func startEnv(t *testing.T, hooks edge.Hooks, o origin.Origin) *env {
	t.Helper()
	return startEnvConfig(t, hooks, o, nil)
}

// startEnvConfig is startEnv with tune applied to the edge's Config.
func startEnvConfig(t *testing.T, hooks edge.Hooks, o origin.Origin, tune func(*edge.Config)) *env {
	t.Helper()
	e := &env{api: testenv.Start(t, testenv.Options{}), dir: t.TempDir()}
	if err := os.MkdirAll(filepath.Join(e.dir, bucket), 0o755); err != nil {
		t.Fatal(err)
	}
	if o == nil {
		o = origin.Dir{Root: e.dir}
	}
	e.cf = e.api.Client()
	e.cache = origin.NewCache(o, 64<<20, testBlockSize)
	e.reg = prometheus.NewRegistry()
	cfg := edge.Config{Router: edge.StoreRouter{Store: e.api.Store}, Origin: e.cache, Hooks: hooks,
		Metrics: edge.NewMetrics(e.reg, e.cache)}
	if tune != nil {
		tune(&cfg)
	}
	e.edge = edge.New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.addr = ln.Addr().String()
	go e.edge.Serve(ln)
	t.Cleanup(func() { e.edge.Close() })
	return e
}

// playerOf starts an env with one distribution whose bucket holds a
// generated clip (see makeMedia), and connects a player to it.
func playerOf(t *testing.T, kind, key string, secs int) *player {
	t.Helper()
	e := startEnv(t, edge.Hooks{}, nil)
	_, domain := e.createDist(t)
	e.makeMedia(t, key, kind, secs)
	return connectedPlayer(t, dialPlayer(t, e.addr), domain)
}

// connectedPlayer connects p to domain's distribution.
func connectedPlayer(t *testing.T, p *player, domain string) *player {
	t.Helper()
	if code := p.connect(domain); code != "NetConnection.Connect.Success" {
		t.Fatalf("connect: %s", code)
	}
	return p
}

// createDist creates an enabled distribution of the media bucket and
// returns its id and domain name.
func (e *env) createDist(t *testing.T, aliases ...string) (id, domain string) {
	t.Helper()
	cfg := newDistConfig()
	cfg.Comment = aws.String("edge test")
	if len(aliases) > 0 {
		cfg.Aliases = &types.Aliases{Quantity: aws.Int32(int32(len(aliases))), Items: aliases}
	}
	return e.create(t, cfg)
}

// newDistConfig is an enabled distribution of the media bucket with a
// fresh CallerReference.
func newDistConfig() *types.StreamingDistributionConfig {
	cfg := testenv.DistConfig(fmt.Sprintf("edge-%d", time.Now().UnixNano()))
	cfg.S3Origin.DomainName = aws.String(bucket + ".s3.amazonaws.com")
	return cfg
}

// create creates cfg and returns the new distribution's id and domain name.
func (e *env) create(t *testing.T, cfg *types.StreamingDistributionConfig) (id, domain string) {
	t.Helper()
	out, err := e.cf.CreateStreamingDistribution(context.Background(),
		&cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return *out.StreamingDistribution.Id, *out.StreamingDistribution.DomainName
}

// makeMedia writes a generated clip of secs seconds to the media bucket:
// kind "flv" (H.264/AAC in FLV), "mp4" (H.264/AAC), "mp3", or one of the
// variants below.
func (e *env) makeMedia(t *testing.T, key, kind string, secs int) string {
	t.Helper()
	testenv.Require(t, "ffmpeg")
	path := filepath.Join(e.dir, bucket, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	d := strconv.Itoa(secs)
	args := []string{"-v", "error", "-y"}
	video := []string{"-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=" + d}
	audio := []string{"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=" + d}
	h264 := []string{"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p"}
	switch kind {
	case "mp4-bframes": // B-frames: composition offsets and an edit list
		args = append(append(append(args, video...), audio...), "-c:v", "libx264", "-preset", "veryfast", "-bf", "3",
			"-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mp4", path)
	case "mov": // QuickTime container, AAC in stereo at 48 kHz
		args = append(append(append(args, video...), "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration="+d),
			h264...)
		args = append(args, "-c:a", "aac", "-ac", "2", "-f", "mov", path)
	case "mp4-mp3", "mov-mp3": // MP3 audio: an mp4a entry with object type 0x6B in MP4, .mp3 in MOV
		args = append(append(append(append(args, video...), audio...), h264...), "-c:a", "libmp3lame", "-f", kind[:3], path)
	case "mp4-hevc": // as Apple's players want it: hvc1, parameter sets out of band
		args = append(append(append(args, video...), audio...), "-c:v", "libx265", "-preset", "ultrafast",
			"-x265-params", "log-level=error", "-tag:v", "hvc1", "-c:a", "aac", "-f", "mp4", path)
	case "mp4-mpeg4": // MPEG-4 Part 2 video
		args = append(append(append(args, video...), audio...), "-c:v", "mpeg4", "-c:a", "aac", "-f", "mp4", path)
	case "mp4-ac3": // AC-3 audio
		args = append(append(append(append(args, video...), audio...), h264...), "-c:a", "ac3", "-f", "mp4", path)
	case "flv-sorenson": // Flash 6 era: Sorenson Spark video, MP3 audio
		args = append(append(append(args, video...), audio...), "-c:v", "flv", "-c:a", "libmp3lame", "-f", "flv", path)
	case "mp4-faststart-video-only":
		args = append(append(append(args, video...), h264...), "-movflags", "+faststart", "-f", "mp4", path)
	case "mp3-22k-mono":
		args = append(append(args, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=22050:duration="+d),
			"-c:a", "libmp3lame", "-ac", "1", "-b:a", "32k", "-f", "mp3", path)
	case "flv":
		args = append(append(append(append(args, video...), audio...), h264...), "-c:a", "aac", "-f", "flv", path)
	case "mp4":
		args = append(append(append(append(args, video...), audio...), h264...), "-c:a", "aac", "-f", "mp4", path)
	case "mp3":
		args = append(append(args, audio...), "-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3", path)
	default:
		t.Fatalf("unknown kind %q", kind)
	}
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return path
}

// ffmpegPlay copies a play of stream through domain into an FLV file.
func (e *env) ffmpegPlay(t *testing.T, domain, stream string) (string, error) {
	t.Helper()
	f := e.ffmpegCopy(t, domain, stream)
	return f.out, f.run()
}

// ffmpegCopy is an ffmpeg that copies a play into the FLV file out. It is
// made on the test's goroutine (which may skip for want of ffmpeg) and may
// run on any.
type ffmpegCopy struct {
	cmd *exec.Cmd
	out string
}

func (e *env) ffmpegCopy(t *testing.T, domain, stream string) *ffmpegCopy {
	t.Helper()
	testenv.Require(t, "ffmpeg")
	out := filepath.Join(t.TempDir(), "play.flv")
	cmd := exec.Command("ffmpeg", "-v", "error", "-y",
		"-rtmp_app", edge.App, "-rtmp_tcurl", "rtmp://"+domain+"/"+edge.App, "-rtmp_playpath", stream,
		"-i", "rtmp://"+e.addr+"/"+edge.App, "-c", "copy", "-f", "flv", out)
	return &ffmpegCopy{cmd: cmd, out: out}
}

// run runs ffmpeg to its end (a minute at most).
func (f *ffmpegCopy) run() error {
	if b, err := runWithTimeout(f.cmd, 60*time.Second); err != nil {
		return fmt.Errorf("ffmpeg: %v: %s", err, b)
	}
	return nil
}

// frameCounts returns the number of decoded video and audio frames of path.
func frameCounts(t *testing.T, path string) (video, audio int) {
	t.Helper()
	testenv.Require(t, "ffprobe")
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames",
		"-show_entries", "stream=codec_type,nb_read_frames", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		typ, n, _ := strings.Cut(line, ",")
		v, _ := strconv.Atoi(n)
		switch typ {
		case "video":
			video = v
		case "audio":
			audio = v
		}
	}
	return video, audio
}

// videoPTS returns the presentation times (seconds) of path's video
// packets in decode order: with B-frames they are not monotonic.
func videoPTS(t *testing.T, path string) []float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=pts_time",
		"-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var pts []float64
	for _, line := range strings.Fields(string(out)) {
		v, err := strconv.ParseFloat(strings.TrimSuffix(line, ","), 64)
		if err != nil {
			t.Fatalf("ffprobe pts %q: %v", line, err)
		}
		pts = append(pts, v)
	}
	return pts
}

// audioPackets returns the number of audio packets stored in path.
func audioPackets(t *testing.T, path string) int {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_packets", "-select_streams", "a",
		"-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	if strings.TrimSpace(string(out)) == "" {
		return 0 // no audio stream
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("ffprobe %s: %q", path, out)
	}
	return n
}

func runWithTimeout(cmd *exec.Cmd, d time.Duration) ([]byte, error) {
	var buf strings.Builder
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return []byte(buf.String()), err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		return []byte(buf.String()), fmt.Errorf("timed out after %v", d)
	}
}

// serveRTMPT serves srv through an RTMPT tunnel on a loopback port until the
// test ends and returns the tunnel's address.
func serveRTMPT(t *testing.T, srv *edge.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tun := rtmpt.New(ln.Addr(), rtmpt.Options{})
	hs := &http.Server{Handler: tun}
	go hs.Serve(ln)
	go srv.Serve(tun)
	t.Cleanup(func() { hs.Close(); tun.Close() })
	return ln.Addr().String()
}
