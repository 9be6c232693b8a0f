package edge_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/testenv"
)

// TestRtmpdumpDownloadsThroughAlias downloads a clip with rtmpdump through
// a CNAME of the distribution and checks the FLV is complete and playable.
func TestRtmpdumpDownloadsThroughAlias(t *testing.T) {
	testenv.Require(t, "rtmpdump")
	e := startEnv(t, edge.Hooks{}, nil)
	e.createDist(t, "video.example.com")
	src := e.makeMedia(t, "videos/clip.mp4", "mp4", 3)
	out := filepath.Join(t.TempDir(), "dump.flv")
	cmd := exec.Command("rtmpdump", "-q", "-r", "rtmp://"+e.addr+"/cfx/st", "-a", "cfx/st",
		"-t", "rtmp://VIDEO.example.com/cfx/st", "-y", "mp4:videos/clip.mp4", "-o", out)
	if b, err := runWithTimeout(cmd, 60*time.Second); err != nil {
		t.Fatalf("rtmpdump: %v\n%s", err, b)
	}
	wantV, _ := frameCounts(t, src)
	gotV, gotA := frameCounts(t, out)
	if gotV != wantV || gotA < audioPackets(t, src)-2 {
		t.Errorf("rtmpdump FLV has %d video / %d audio frames, source %d / %d packets", gotV, gotA, wantV, audioPackets(t, src))
	}
}

// TestRefusals provokes every refusal: unknown host, wrong application,
// disabled and deleted distributions, missing objects, publishing.
func TestRefusals(t *testing.T) {
	e := startEnv(t, edge.Hooks{}, nil)
	id, domain := e.createDist(t)
	e.makeMedia(t, "videos/clip.flv", "flv", 1)

	t.Run("unknown host", func(t *testing.T) {
		p := dialPlayer(t, e.addr)
		if code := p.connect("s0000000000000.cloudfront.net"); code != "NetConnection.Connect.Rejected" {
			t.Fatalf("connect: %s", code)
		}
		if _, err := e.ffmpegPlay(t, "s0000000000000.cloudfront.net", "videos/clip"); err == nil {
			t.Fatal("ffmpeg played from an unknown host")
		}
	})
	t.Run("missing object", func(t *testing.T) {
		p := dialPlayer(t, e.addr)
		if code := p.connect(domain); code != "NetConnection.Connect.Success" {
			t.Fatalf("connect: %s", code)
		}
		for _, name := range []string{"videos/nope", "mp4:videos/nope.mp4", "mp3:nope", "../media/videos/clip", "mp4:", "rtmpe:x"} {
			p.play(name, 0, 1000)
			if code := p.waitCode(); code != "NetStream.Play.StreamNotFound" {
				t.Errorf("play %q: %s", name, code)
			}
		}
		b, err := runWithTimeout(exec.Command("rtmpdump", "-r", "rtmp://"+e.addr+"/cfx/st", "-a", "cfx/st",
			"-t", "rtmp://"+domain+"/cfx/st", "-y", "videos/nope", "-o", filepath.Join(t.TempDir(), "x.flv")), 30*time.Second)
		if err == nil || !strings.Contains(string(b), "NetStream.Play.StreamNotFound") {
			t.Errorf("rtmpdump of a missing object: %v\n%s", err, b)
		}
	})
	t.Run("publish", func(t *testing.T) {
		p := dialPlayer(t, e.addr)
		p.connect(domain)
		p.command(0, "createStream", nil)
		p.command(1, "publish", nil, "videos/clip", "live")
		if code := p.waitCode(); code != "NetStream.Publish.BadName" {
			t.Errorf("publish: %s", code)
		}
	})

	// A connection made while enabled is refused its next play once the
	// distribution is disabled; new connections are refused at connect.
	early := dialPlayer(t, e.addr)
	if code := early.connect(domain); code != "NetConnection.Connect.Success" {
		t.Fatalf("connect: %s", code)
	}
	etag := setEnabled(t, e.cf, id, false)
	t.Run("disabled", func(t *testing.T) {
		early.play("videos/clip", 0, 1000)
		if code := early.waitCode(); code != "NetStream.Play.Failed" {
			t.Errorf("play on disabled distribution: %s", code)
		}
		if code := dialPlayer(t, e.addr).connect(domain); code != "NetConnection.Connect.Rejected" {
			t.Errorf("connect to disabled distribution: %s", code)
		}
		if _, err := e.ffmpegPlay(t, domain, "videos/clip"); err == nil {
			t.Error("ffmpeg played a disabled distribution")
		}
	})
	t.Run("deleted", func(t *testing.T) {
		testenv.WaitDeployed(t, e.cf, id)
		if _, err := e.cf.DeleteStreamingDistribution(context.Background(), &cloudfront.DeleteStreamingDistributionInput{
			Id: aws.String(id), IfMatch: aws.String(etag)}); err != nil {
			t.Fatal(err)
		}
		if code := dialPlayer(t, e.addr).connect(domain); code != "NetConnection.Connect.Rejected" {
			t.Errorf("connect to deleted distribution: %s", code)
		}
	})
	t.Run("wrong application", func(t *testing.T) {
		_, domain := e.createDist(t)
		out := filepath.Join(t.TempDir(), "x.flv")
		b, err := runWithTimeout(exec.Command("ffmpeg", "-v", "error", "-rtmp_app", "live", "-rtmp_tcurl", "rtmp://"+domain+"/live",
			"-rtmp_playpath", "videos/clip", "-i", "rtmp://"+e.addr+"/live", "-c", "copy", "-f", "flv", out), 30*time.Second)
		if err == nil {
			t.Errorf("ffmpeg played application live: %s", b)
		}
	})
}

// setEnabled updates the distribution's Enabled flag and returns the new ETag.
func setEnabled(t *testing.T, c *cloudfront.Client, id string, enabled bool) string {
	t.Helper()
	ctx := context.Background()
	got, err := c.GetStreamingDistributionConfig(ctx, &cloudfront.GetStreamingDistributionConfigInput{Id: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := got.StreamingDistributionConfig
	cfg.Enabled = aws.Bool(enabled)
	out, err := c.UpdateStreamingDistribution(ctx, &cloudfront.UpdateStreamingDistributionInput{
		Id: aws.String(id), IfMatch: got.ETag, StreamingDistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return *out.ETag
}

// TestRTMPE plays over an encrypted (rtmpe://) connection, as CloudFront
// allowed, with rtmpdump (Debian's ffmpeg has no rtmpe protocol).
func TestRTMPE(t *testing.T) {
	testenv.Require(t, "rtmpdump")
	e := startEnv(t, edge.Hooks{}, nil)
	_, domain := e.createDist(t)
	src := e.makeMedia(t, "videos/clip.flv", "flv", 2)
	wantV, wantA := frameCounts(t, src)
	out := filepath.Join(t.TempDir(), "rtmpe.flv")
	cmd := exec.Command("rtmpdump", "-q", "-r", "rtmpe://"+e.addr+"/cfx/st", "-a", "cfx/st",
		"-t", "rtmpe://"+domain+"/cfx/st", "-y", "videos/clip", "-o", out)
	if b, err := runWithTimeout(cmd, 60*time.Second); err != nil {
		t.Fatalf("rtmpdump rtmpe: %v\n%s", err, b)
	}
	if v, a := frameCounts(t, out); v != wantV || a != wantA {
		t.Errorf("rtmpdump over RTMPE: %d video / %d audio frames, source %d / %d", v, a, wantV, wantA)
	}

	// rtmpte:// is RTMPE inside the RTMPT tunnel.
	rtmptAddr := serveRTMPT(t, e.edge)
	out = filepath.Join(t.TempDir(), "rtmpte.flv")
	cmd = exec.Command("rtmpdump", "-q", "-r", "rtmpte://"+rtmptAddr+"/cfx/st", "-a", "cfx/st",
		"-t", "rtmpte://"+domain+"/cfx/st", "-y", "videos/clip", "-o", out)
	if b, err := runWithTimeout(cmd, 90*time.Second); err != nil {
		t.Fatalf("rtmpdump rtmpte: %v\n%s", err, b)
	}
	if v, a := frameCounts(t, out); v != wantV || a != wantA {
		t.Errorf("rtmpdump over RTMPTE: %d video / %d audio frames, source %d / %d", v, a, wantV, wantA)
	}
}
