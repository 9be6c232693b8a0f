package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/streamfront/streamfront/internal/store/postgres/pgtest"
	"github.com/streamfront/streamfront/internal/testenv"
)

// `serve --origin-dir` runs the RTMP edge next to the API: a distribution
// created through the SDK plays its origin's FLV through ffmpeg.
func TestServeRunsEdge(t *testing.T) {
	testenv.Require(t, "ffmpeg")
	testenv.Require(t, "ffprobe")
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "media", "videos"), 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "media", "videos", "clip.flv")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-f", "flv", src).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	addr, rtmp := testenv.FreeAddr(t), testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", t.TempDir(),
		"--rtmp-listen", rtmp, "--origin-dir", dir, "--domain-suffix", "stream.example.com")
	c := testenv.Client(p.URL, "AKID", "secret")
	out, err := c.CreateStreamingDistribution(context.Background(), &cloudfront.CreateStreamingDistributionInput{
		StreamingDistributionConfig: testenv.DistConfig("serve-edge")})
	if err != nil {
		t.Fatal(err)
	}
	domain := *out.StreamingDistribution.DomainName
	if !strings.HasSuffix(domain, ".stream.example.com") {
		t.Fatalf("domain %s", domain)
	}
	played := filepath.Join(t.TempDir(), "out.flv")
	if b, err := exec.Command("ffmpeg", "-v", "error", "-rtmp_app", "cfx/st", "-rtmp_tcurl", "rtmp://"+domain+"/cfx/st",
		"-rtmp_playpath", "videos/clip", "-i", "rtmp://"+rtmp+"/cfx/st", "-c", "copy", "-f", "flv", played).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg play: %v\n%s", err, b)
	}
	count := func(path string) string {
		b, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames",
			"-of", "csv=p=0", path).Output()
		if err != nil {
			t.Fatalf("ffprobe: %v", err)
		}
		return strings.TrimSpace(string(b))
	}
	if got, want := count(played), count(src); got != want || want != "25" {
		t.Errorf("played %s frames, source %s", got, want)
	}
	// The edge's metrics are on the API's /metrics.
	if code, body := testenv.Get(t, p.URL+"/metrics"); code != 200 || !strings.Contains(body, `streamfront_edge_plays_total{result="ok"} 1`) ||
		!strings.Contains(body, "streamfront_edge_origin_fetches_total 1") {
		t.Errorf("/metrics (%d) lacks the edge's play and origin fetch:\n%s", code, body)
	}
}

// `streamfront edge` runs an edge alone on the API's store: it plays, and
// deployments wait for it while it counts as live.
func TestEdgeCommandFollowsTheStore(t *testing.T) {
	dataDir := t.TempDir()
	followTheStore(t, []string{"--data-dir", dataDir}, []string{"--data-dir", dataDir})
}

// The same with API and edge processes on PostgreSQL, as several nodes run.
func TestEdgeCommandFollowsPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	followTheStore(t, []string{"--store", dsn, "--data-dir", t.TempDir()}, []string{"--store", dsn, "--data-dir", t.TempDir()}) // the edge keeps its access-log spool in --data-dir
}

// followTheStore runs serve with apiStore flags and edge with edgeStore flags.
func followTheStore(t *testing.T, apiStore, edgeStore []string) {
	t.Helper()
	testenv.Require(t, "ffmpeg")
	originDir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(originDir, "media"), 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(originDir, "media", "track.mp3")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=1",
		"-c:a", "libmp3lame", src).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	addr, rtmp, metricsAddr := testenv.FreeAddr(t), testenv.FreeAddr(t), testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, append([]string{"serve", "--listen", addr, "--deploy-delay", "50ms", "--edge-live", "3s"}, apiStore...)...)
	edgeProc := startEdgeProc(t, rtmp, append([]string{"--origin-dir", originDir, "--metrics-listen", metricsAddr}, edgeStore...)...)

	c := testenv.Client(p.URL, "AKID", "secret")
	create := func(ref string) (id, domain string) {
		out, err := c.CreateStreamingDistribution(context.Background(), &cloudfront.CreateStreamingDistributionInput{
			StreamingDistributionConfig: testenv.DistConfig(ref)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.StreamingDistribution.Id, *out.StreamingDistribution.DomainName
	}
	id, domain := create("edge-cmd-1")
	testenv.WaitDeployed(t, c, id)
	played := filepath.Join(t.TempDir(), "out.flv")
	if b, err := exec.Command("ffmpeg", "-v", "error", "-rtmp_app", "cfx/st", "-rtmp_tcurl", "rtmp://"+domain+"/cfx/st",
		"-rtmp_playpath", "mp3:track", "-i", "rtmp://"+rtmp+"/cfx/st", "-c", "copy", "-f", "flv", played).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg play through the edge process: %v\n%s", err, b)
	}
	if code, body := testenv.Get(t, "http://"+metricsAddr+"/metrics"); code != 200 || !strings.Contains(body, `streamfront_edge_plays_total{result="ok"} 1`) {
		t.Errorf("edge --metrics-listen (%d) lacks the play:\n%s", code, body)
	}

	// A killed edge still counts as live until its last heartbeat is older
	// than --edge-live (3 s here; it beat at most 1 s ago): a new
	// distribution waits for it, then deploys without it. (SIGSTOP would be kinder but could freeze the
	// edge inside a SQLite write and so block the API.)
	edgeProc.Process.Kill()
	edgeProc.Wait()
	id2, _ := create("edge-cmd-2")
	for range 3 {
		out, err := c.GetStreamingDistribution(context.Background(), &cloudfront.GetStreamingDistributionInput{Id: aws.String(id2)})
		if err != nil {
			t.Fatal(err)
		}
		if s := *out.StreamingDistribution.Status; s != "InProgress" {
			t.Fatalf("deployed while the edge still counted as live: %s", s)
		}
		time.Sleep(50 * time.Millisecond)
	}
	testenv.WaitDeployed(t, c, id2)
}

// startEdgeProc runs `streamfront edge --rtmp-listen rtmp args...` (its
// HTTP delivery on a free port unless args name one) until the test ends and
// waits until it listens.
func startEdgeProc(t *testing.T, rtmp string, args ...string) *exec.Cmd {
	t.Helper()
	if !slices.Contains(args, "--http-listen") {
		args = append(args, "--http-listen", "127.0.0.1:0")
	}
	cmd := exec.Command(testenv.Binary(t), append([]string{"edge", "--rtmp-listen", rtmp}, args...)...)
	testenv.LogOnFailure(t, cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitListening(t, rtmp)
	return cmd
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			conn.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not listening: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Bad edge flags stop the process with a clear message.
func TestEdgeFlagsRefused(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--origin-dir", dir, "--origin-endpoint", "http://127.0.0.1:9"}, "use one of --origin-dir and --origin-endpoint"},
		{[]string{"serve", "--origin-endpoint", "ftp://example.com"}, "--origin-endpoint must be an http(s) URL"},
		{[]string{"serve", "--origin-dir", dir, "--origin-cache-bytes", "1000"}, "--origin-cache-bytes must be at least"},
		{[]string{"edge", "--data-dir", dir}, "an origin is required"},
		{[]string{"serve", "--edge-live", "1s"}, "--edge-live must be at least 2s"},
		{[]string{"edge", "--origin-dir", dir, "--edge-live", "5s"}, "flag provided but not defined: -edge-live"}, // serve's deployer rule
		{[]string{"serve", "--origin-dir", dir, "--rtmp-idle-timeout", "0s"}, "--rtmp-idle-timeout must be positive"},
		{[]string{"serve", "--origin-dir", dir, "--access-log-spool", filepath.Join(notDir, "spool")}, "access log spool: "},
	} {
		args := append(c.args, "--listen", testenv.FreeAddr(t), "--rtmp-listen", testenv.FreeAddr(t))
		if c.args[0] == "serve" {
			args = append(args, "--data-dir", t.TempDir())
		} else {
			args = append(c.args, "--rtmp-listen", testenv.FreeAddr(t))
		}
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("%v: %v\n%s\nwant an error containing %q", c.args, err, out, c.want)
		}
	}
}
