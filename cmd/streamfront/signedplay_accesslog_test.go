package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/streamfront/streamfront/internal/edge/origin"
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
	dir, keys := originWithClip(t), filepath.Join(t.TempDir(), "keys.toml")
	keyID, priv := signerFor(t, keys)
	addr, rtmp, rtmpt := testenv.FreeAddr(t), testenv.FreeAddr(t), testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", t.TempDir(), "--key-pairs", keys,
		"--rtmp-listen", rtmp, "--rtmpt-listen", rtmpt, "--origin-dir", dir, "--access-log-interval", "1h")
	id, domain := createDistribution(t, testenv.Client(p.URL, "AKID", "secret"), true)

	signed := signName(t, keyID, priv, domain, "videos/clip")
	if err := ffmpegPlay(t, "rtmp://"+rtmp+"/cfx/st", domain, signed); err != nil {
		t.Fatalf("signed play over RTMP: %v", err)
	}
	if err := ffmpegPlay(t, "rtmpt://"+rtmpt+"/cfx/st", domain, signed); err != nil {
		t.Fatalf("signed play over RTMPT: %v", err)
	}
	if err := ffmpegPlay(t, "rtmp://"+rtmp+"/cfx/st", domain, "videos/clip"); err == nil {
		t.Fatal("unsigned play of a distribution with trusted signers succeeded")
	}
	stopProc(t, p.Cmd) // the access log is written at shutdown, not at the hourly interval
	want := "OK videos/clip|OK videos/clip|NetStream.Play.Failed videos/clip"
	if got := loggedPlays(t, dirLogs(t, filepath.Join(dir, "logs", "cf"), id)); got != want {
		t.Fatalf("logged plays %q, want %q", got, want)
	}
}

// TestEdgeCommandVerifiesSignedPlays: `streamfront edge` alone loads the
// key pairs with --key-pairs, verifies signed plays and writes access logs.
func TestEdgeCommandVerifiesSignedPlays(t *testing.T) {
	testenv.Require(t, "ffmpeg")
	dir, keys, dataDir := originWithClip(t), filepath.Join(t.TempDir(), "keys.toml"), t.TempDir()
	keyID, priv := signerFor(t, keys)
	addr, rtmp := testenv.FreeAddr(t), testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", dataDir, "--deploy-delay", "50ms")
	edgeProc := startEdgeProc(t, rtmp, "--data-dir", dataDir, "--origin-dir", dir, "--key-pairs", keys, "--access-log-interval", "1h")
	c := testenv.Client(p.URL, "AKID", "secret")
	id, domain := createDistribution(t, c, true)
	testenv.WaitDeployed(t, c, id)

	if err := ffmpegPlay(t, "rtmp://"+rtmp+"/cfx/st", domain, signName(t, keyID, priv, domain, "videos/clip")); err != nil {
		t.Fatalf("signed play: %v", err)
	}
	if err := ffmpegPlay(t, "rtmp://"+rtmp+"/cfx/st", domain, signName(t, "APKANOTAKEYPAIR001", priv, domain, "videos/clip")); err == nil {
		t.Fatal("a play signed with an unknown key pair succeeded")
	}
	stopProc(t, edgeProc)
	want := "OK videos/clip|NetStream.Play.Failed videos/clip"
	if got := loggedPlays(t, dirLogs(t, filepath.Join(dir, "logs", "cf"), id)); got != want {
		t.Fatalf("logged plays %q, want %q", got, want)
	}
}

// TestServeAccessLogsToS3Origin: with an S3-compatible origin (gofakes3 on
// loopback), the media comes from its bucket and the access log goes to the
// logging bucket there.
func TestServeAccessLogsToS3Origin(t *testing.T) {
	testenv.Require(t, "ffmpeg")
	s3srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer s3srv.Close()
	client := origin.NewS3Client(origin.S3Config{Endpoint: s3srv.URL, AccessKey: "AKID", SecretKey: "secret"})
	ctx := context.Background()
	clip, err := os.ReadFile(filepath.Join(originWithClip(t), "media", "videos", "clip.flv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"media", "logs"} {
		if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("media"), Key: aws.String("videos/clip.flv"),
		Body: bytes.NewReader(clip)}); err != nil {
		t.Fatal(err)
	}
	addr, rtmp := testenv.FreeAddr(t), testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", t.TempDir(), "--rtmp-listen", rtmp,
		"--origin-endpoint", s3srv.URL, "--origin-access-key", "AKID", "--origin-secret-key", "secret",
		"--access-log-interval", "1h")
	id, domain := createDistribution(t, testenv.Client(p.URL, "AKID", "secret"), false)
	if err := ffmpegPlay(t, "rtmp://"+rtmp+"/cfx/st", domain, "videos/clip"); err != nil {
		t.Fatalf("play from the S3 origin: %v", err)
	}
	stopProc(t, p.Cmd)

	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("logs"), Prefix: aws.String("cf/")})
	if err != nil {
		t.Fatal(err)
	}
	var bodies [][]byte
	for _, o := range list.Contents {
		if !regexp.MustCompile(`^cf/` + id + `\.\d{4}-\d{2}-\d{2}-\d{2}\.[A-Z2-7]+\.gz$`).MatchString(*o.Key) {
			t.Fatalf("log object %q", *o.Key)
		}
		obj, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("logs"), Key: o.Key})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(obj.Body)
		bodies = append(bodies, b)
	}
	if got := loggedPlays(t, bodies); got != "OK videos/clip" {
		t.Fatalf("logged plays %q in %d objects", got, len(bodies))
	}
}

// originWithClip returns a directory origin whose media bucket holds a
// one-second FLV, videos/clip.flv.
func originWithClip(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "media", "videos"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-f", "flv",
		filepath.Join(dir, "media", "videos", "clip.flv")).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return dir
}

// signerFor creates a key pair of the open account in file (with auth's
// createKeyPair, which runs `keypair create`) and loads its private key.
func signerFor(t *testing.T, file string) (string, crypto.Signer) {
	t.Helper()
	id, pem := createKeyPair(t, file, testenv.AccountID)
	priv, err := sign.LoadPEMPrivKey(strings.NewReader(pem))
	if err != nil {
		t.Fatalf("private key: %v", err)
	}
	return id, priv
}

// createDistribution creates a distribution of the media bucket logging to
// logs/cf/, with trusted signers ("self") when signed.
func createDistribution(t *testing.T, c *cloudfront.Client, signed bool) (id, domain string) {
	t.Helper()
	cfg := testenv.DistConfig("hooks-" + t.Name())
	if signed {
		cfg.TrustedSigners = &types.TrustedSigners{Enabled: aws.Bool(true), Quantity: aws.Int32(1), Items: []string{"self"}}
	}
	cfg.Logging = &types.StreamingLoggingConfig{Enabled: aws.Bool(true), Bucket: aws.String("logs.s3.amazonaws.com"), Prefix: aws.String("cf/")}
	out, err := c.CreateStreamingDistribution(context.Background(),
		&cloudfront.CreateStreamingDistributionInput{StreamingDistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return *out.StreamingDistribution.Id, *out.StreamingDistribution.DomainName
}

func signName(t *testing.T, keyID string, key crypto.Signer, domain, stream string) string {
	t.Helper()
	s, err := sign.NewURLSigner(keyID, key).Sign("rtmp://"+domain+"/"+stream, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ffmpegPlay copies a play of stream from the distribution domain through
// the edge at url (rtmp:// or rtmpt://).
func ffmpegPlay(t *testing.T, url, domain, stream string) error {
	cmd := exec.Command("ffmpeg", "-v", "error", "-rtmp_app", "cfx/st", "-rtmp_tcurl", "rtmp://"+domain+"/cfx/st",
		"-rtmp_playpath", stream, "-i", url, "-c", "copy", "-f", "flv", filepath.Join(t.TempDir(), "out.flv"))
	if b, err := cmd.CombinedOutput(); err != nil {
		return &playError{err, string(b)}
	}
	return nil
}

type playError struct {
	err    error
	output string
}

func (e *playError) Error() string { return e.err.Error() + ": " + e.output }

// stopProc sends SIGTERM and waits for a clean exit.
func stopProc(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

// dirLogs reads the log files of distribution id in a directory bucket.
func dirLogs(t *testing.T, dir, id string) [][]byte {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, id+".*.gz"))
	if len(files) == 0 {
		t.Fatalf("no access log in %s", dir)
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// loggedPlays lists the play lines of gzip log files as "status sname",
// joined by "|".
func loggedPlays(t *testing.T, files [][]byte) string {
	t.Helper()
	var plays []string
	for _, raw := range files {
		for _, v := range logRecords(t, raw) {
			if len(v) == 17 && v[4] == "play" {
				plays = append(plays, v[6]+" "+v[13])
			}
		}
	}
	return strings.Join(plays, "|")
}

// TestAccessLogSurvivesSIGKILL: serve logs a play to its access-log spool
// (in --data-dir), is killed with SIGKILL long before its hourly flush, and
// the restarted process stores the log file with the whole session.
func TestAccessLogSurvivesSIGKILL(t *testing.T) {
	testenv.Require(t, "ffmpeg")
	dir, dataDir := originWithClip(t), t.TempDir()
	start := func() (*testenv.Proc, string) {
		addr, rtmp := testenv.FreeAddr(t), testenv.FreeAddr(t)
		return testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", dataDir,
			"--rtmp-listen", rtmp, "--origin-dir", dir, "--access-log-interval", "1h"), rtmp
	}
	p, rtmp := start()
	id, domain := createDistribution(t, testenv.Client(p.URL, "AKID", "secret"), false)
	if err := ffmpegPlay(t, "rtmp://"+rtmp+"/cfx/st", domain, "videos/clip"); err != nil {
		t.Fatal(err)
	}
	// The edge logs the disconnect once it sees the viewer leave.
	spooled := func() string {
		files, _ := filepath.Glob(filepath.Join(dataDir, "accesslog-spool", "*", id+".*.spool"))
		var all []byte
		for _, f := range files {
			b, _ := os.ReadFile(f)
			all = append(all, b...)
		}
		return string(all)
	}
	waitFor(t, func() bool { return strings.Contains(spooled(), "\tdisconnect\t") })
	p.Kill()
	logs := filepath.Join(dir, "logs", "cf")
	if stored, _ := filepath.Glob(filepath.Join(logs, id+".*.gz")); len(stored) != 0 {
		t.Fatalf("log stored before the restart: %v", stored)
	}

	start()
	waitFor(t, func() bool { stored, _ := filepath.Glob(filepath.Join(logs, id+".*.gz")); return len(stored) == 1 })
	var events []string
	var bytesSent []int
	for _, r := range logRecords(t, dirLogs(t, logs, id)[0]) {
		n, _ := strconv.Atoi(r[5])
		events, bytesSent = append(events, r[4]), append(bytesSent, n)
	}
	if got := strings.Join(events, " "); got != "connect play stop disconnect" {
		t.Fatalf("events %q after the kill, want the whole session", got)
	}
	clip, err := os.Stat(filepath.Join(dir, "media", "videos", "clip.flv"))
	if err != nil {
		t.Fatal(err)
	}
	if b := bytesSent; b[0] <= 0 || b[1] < b[0] || int64(b[2]-b[1]) < clip.Size()/2 || b[3] < b[2] {
		t.Fatalf("sc-bytes %v: want running totals with the %d-byte clip sent between play and stop", b, clip.Size())
	}
}

// logRecords splits a gzip log file into its event lines' fields.
func logRecords(t *testing.T, gz []byte) [][]string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "#") {
			out = append(out, strings.Split(sc.Text(), "\t"))
		}
	}
	return out
}
