package vod

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/edge/media"
	"github.com/streamfront/streamfront/internal/testtool"
)

// fixtureSecs is the length of every generated clip: three segments of
// about 6 s, the last one shorter.
const fixtureSecs = "15"

// fixtures holds the clips made so far (tests share them: ffmpeg is slow).
var fixtures struct {
	sync.Mutex
	dir   string
	paths map[string][2]string
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vod-fixtures-")
	if err != nil {
		panic(err)
	}
	fixtures.dir, fixtures.paths = dir, map[string][2]string{}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fixture returns the path and media.Parse format of a clip of the given
// kind, made with ffmpeg on first use.
func fixture(t *testing.T, kind string) (string, string) {
	t.Helper()
	testtool.Require(t, "ffmpeg")
	fixtures.Lock()
	defer fixtures.Unlock()
	if f, ok := fixtures.paths[kind]; ok {
		return f[0], f[1]
	}
	path, format := makeFixture(t, fixtures.dir, kind)
	fixtures.paths[kind] = [2]string{path, format}
	return path, format
}

// makeFixture makes a clip of the given kind in dir with ffmpeg.
func makeFixture(t *testing.T, dir, kind string) (string, string) {
	t.Helper()
	video := []string{"-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=" + fixtureSecs}
	audio := []string{"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=" + fixtureSecs}
	h264 := []string{"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p"}
	aac := []string{"-c:a", "aac"}
	mp3 := []string{"-c:a", "libmp3lame", "-b:a", "128k"}
	var args []string
	ext, format := "mp4", "mp4"
	join := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	switch kind {
	case "mp4": // moov at the end, as ffmpeg writes it by default
		args = join(video, audio, h264, aac)
	case "mp4-faststart":
		args = join(video, audio, h264, aac, []string{"-movflags", "+faststart"})
	case "mp4-mp3":
		args = join(video, audio, h264, mp3)
	case "mp4-bframes": // B-frames, 29.97 fps, an edit list, key frames every 2 s
		args = join([]string{"-f", "lavfi", "-i", "testsrc=size=320x240:rate=30000/1001:duration=" + fixtureSecs}, audio,
			[]string{"-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-g", "60", "-pix_fmt", "yuv420p"}, aac)
	case "mov":
		args, ext = join(video, audio, h264, aac), "mov"
	case "flv":
		args, ext, format = join(video, audio, h264, aac), "flv", "flv"
	case "flv-mp3":
		args, ext, format = join(video, audio, h264, mp3), "flv", "flv"
	case "mp3":
		args, ext, format = join(audio, mp3), "mp3", "mp3"
	case "mp4-hevc":
		args = join(video, audio, []string{"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error"}, aac)
	case "mp4-mpeg4":
		args = join(video, audio, []string{"-c:v", "mpeg4"}, aac)
	case "flv-sorenson":
		args, ext, format = join(video, audio, []string{"-c:v", "flv1"}, mp3), "flv", "flv"
	case "flv-adpcm":
		args, ext, format = join(video, []string{"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=" + fixtureSecs},
			h264, []string{"-c:a", "adpcm_swf"}), "flv", "flv"
	default:
		t.Fatalf("unknown fixture %q", kind)
	}
	path := filepath.Join(dir, kind+"."+ext)
	args = append(append([]string{"-v", "error", "-y"}, args...), path)
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", kind, err, out)
	}
	return path, format
}

// parse indexes the file at path.
func parse(t testing.TB, path, format string) *media.Asset {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	a, err := media.Parse(format, f, st.Size())
	if err != nil {
		t.Fatalf("media.Parse(%s): %v", path, err)
	}
	return a
}

// served is a presentation behind an HTTP server: "/<rest>" goes to Serve
// with the file as the object and the request's query passed on.
type served struct {
	*httptest.Server
	p *Presentation
}

func serve(t *testing.T, path, format string) *served {
	t.Helper()
	return serveWith(t, path, format, Options{})
}

func serveWith(t *testing.T, path, format string, o Options) *served {
	t.Helper()
	p, err := New(parse(t, path, format), o)
	if err != nil {
		t.Fatalf("New(%s): %v", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := ""
		if r.URL.RawQuery != "" {
			q = "?" + r.URL.RawQuery
		}
		p.Serve(w, r, f, strings.TrimPrefix(r.URL.Path, "/"), q)
	}))
	t.Cleanup(srv.Close)
	return &served{srv, p}
}

// probe is what ffprobe reads of a file or URL.
type probe struct {
	Streams []struct {
		CodecType string `json:"codec_type"`
		CodecName string `json:"codec_name"`
		Packets   string `json:"nb_read_packets"`
	} `json:"streams"`
	Packets []struct {
		CodecType string `json:"codec_type"`
		PTS       string `json:"pts_time"`
		DTS       string `json:"dts_time"`
	} `json:"packets"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

// ffprobe reads every packet of url (of the streams stream selects, if not "").
func ffprobe(t *testing.T, url, stream string) probe {
	t.Helper()
	testtool.Require(t, "ffprobe")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{"-v", "error", "-count_packets", "-show_packets", "-of", "json",
		"-show_entries", "stream=codec_type,codec_name,nb_read_packets:packet=codec_type,pts_time,dts_time:format=duration"}
	if stream != "" {
		args = append(args, "-select_streams", stream)
	}
	out, err := exec.CommandContext(ctx, "ffprobe", append(args, url)...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("ffprobe %s: %v\n%s", url, err, msg)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("ffprobe %s: %v", url, err)
	}
	return p
}

// counts maps codec type ("video", "audio") to codec name and packet count.
func (p probe) counts() map[string]string {
	m := map[string]string{}
	for _, s := range p.Streams {
		m[s.CodecType] = s.CodecName + " " + s.Packets
	}
	return m
}

func (p probe) duration(t *testing.T) float64 {
	t.Helper()
	d, err := strconv.ParseFloat(p.Format.Duration, 64)
	if err != nil {
		t.Fatalf("ffprobe duration %q: %v", p.Format.Duration, err)
	}
	return d
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	return do(t, http.MethodGet, url)
}

func do(t *testing.T, method, url string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}
