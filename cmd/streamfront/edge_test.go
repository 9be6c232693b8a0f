package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

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
		StreamingDistributionConfig: &types.StreamingDistributionConfig{
			CallerReference: aws.String("serve-edge"), Comment: aws.String(""), Enabled: aws.Bool(true),
			S3Origin:       &types.S3Origin{DomainName: aws.String("media.s3.amazonaws.com"), OriginAccessIdentity: aws.String("")},
			TrustedSigners: &types.TrustedSigners{Enabled: aws.Bool(false), Quantity: aws.Int32(0)},
		}})
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
}
