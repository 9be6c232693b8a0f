package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/streamfront/streamfront/internal/testenv"
)

// TestServeSignedURLsAccessLogsAndRTMPT runs the binary as an operator
// would: a key pair from `streamfront keypair create`, `serve` with
// --key-pairs, --origin-dir and --rtmpt-listen, a distribution with trusted
// signers and logging created through the SDK. ffmpeg plays a signed name
// over RTMP and RTMPT, an unsigned one is refused, and after SIGTERM the
// access log is in the logging bucket with every play.
func TestServeSignedURLsAccessLogsAndRTMPT(t *testing.T) {
	testenv.Require(t, "ffmpeg")
	dir, keys := t.TempDir(), filepath.Join(t.TempDir(), "keys.toml")
	if err := os.MkdirAll(filepath.Join(dir, "media", "videos"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-f", "flv",
		filepath.Join(dir, "media", "videos", "clip.flv")).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	kp := exec.Command(testenv.Binary(t), "keypair", "create", "--accounts", keys, "--account", testenv.AccountID)
	var stderr bytes.Buffer
	kp.Stderr = &stderr
	pem, err := kp.Output()
	if err != nil {
		t.Fatalf("keypair create: %v\n%s", err, stderr.String())
	}
	keyID := regexp.MustCompile(`KeyPairId: (\S+)`).FindStringSubmatch(stderr.String())
	if keyID == nil {
		t.Fatalf("no KeyPairId in %q", stderr.String())
	}
	priv, err := sign.LoadPEMPrivKey(bytes.NewReader(pem))
	if err != nil {
		t.Fatalf("private key: %v", err)
	}

	addr, rtmp, rtmpt := testenv.FreeAddr(t), testenv.FreeAddr(t), testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", t.TempDir(), "--key-pairs", keys,
		"--rtmp-listen", rtmp, "--rtmpt-listen", rtmpt, "--origin-dir", dir, "--access-log-interval", "1h")
	c := testenv.Client(p.URL, "AKID", "secret")
	out, err := c.CreateStreamingDistribution(context.Background(), &cloudfront.CreateStreamingDistributionInput{
		StreamingDistributionConfig: &types.StreamingDistributionConfig{
			CallerReference: aws.String("signed-logged"), Comment: aws.String(""), Enabled: aws.Bool(true),
			S3Origin:       &types.S3Origin{DomainName: aws.String("media.s3.amazonaws.com"), OriginAccessIdentity: aws.String("")},
			TrustedSigners: &types.TrustedSigners{Enabled: aws.Bool(true), Quantity: aws.Int32(1), Items: []string{"self"}},
			Logging: &types.StreamingLoggingConfig{Enabled: aws.Bool(true), Bucket: aws.String("logs.s3.amazonaws.com"),
				Prefix: aws.String("cf/")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	id, domain := *out.StreamingDistribution.Id, *out.StreamingDistribution.DomainName

	signed, err := sign.NewURLSigner(keyID[1], priv).Sign("rtmp://"+domain+"/videos/clip", time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	play := func(url, stream string) error {
		cmd := exec.Command("ffmpeg", "-v", "error", "-rtmp_app", "cfx/st", "-rtmp_tcurl", "rtmp://"+domain+"/cfx/st",
			"-rtmp_playpath", stream, "-i", url, "-c", "copy", "-f", "flv", filepath.Join(t.TempDir(), "out.flv"))
		if b, err := cmd.CombinedOutput(); err != nil {
			return &playError{err, string(b)}
		}
		return nil
	}
	if err := play("rtmp://"+rtmp+"/cfx/st", signed); err != nil {
		t.Fatalf("signed play over RTMP: %v", err)
	}
	if err := play("rtmpt://"+rtmpt+"/cfx/st", signed); err != nil {
		t.Fatalf("signed play over RTMPT: %v", err)
	}
	if err := play("rtmp://"+rtmp+"/cfx/st", "videos/clip"); err == nil {
		t.Fatal("unsigned play of a distribution with trusted signers succeeded")
	}

	// Shut down: the access log is written then, not at the hourly interval.
	p.Cmd.Process.Signal(syscall.SIGTERM)
	if err := p.Cmd.Wait(); err != nil {
		t.Fatalf("serve exit: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "logs", "cf", id+".*.gz"))
	if len(files) == 0 {
		t.Fatalf("no access log in %s", filepath.Join(dir, "logs", "cf"))
	}
	var plays []string
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(zr)
		for sc.Scan() {
			if v := strings.Split(sc.Text(), "\t"); len(v) == 17 && v[4] == "play" {
				plays = append(plays, v[6]+" "+v[13])
			}
		}
	}
	want := "OK videos/clip|OK videos/clip|NetStream.Play.Failed videos/clip"
	if got := strings.Join(plays, "|"); got != want {
		t.Fatalf("logged plays %q, want %q", got, want)
	}
}

type playError struct {
	err    error
	output string
}

func (e *playError) Error() string { return e.err.Error() + ": " + e.output }
