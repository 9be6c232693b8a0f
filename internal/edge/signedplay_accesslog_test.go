package edge_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/message"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/edge/accesslog"
	"github.com/streamfront/streamfront/internal/edge/distsettings"
	"github.com/streamfront/streamfront/internal/testenv"
)

const keyPairID = "APKAEDGEHOOKSTEST1"

// hookedEnv is an edge whose hooks verify signed plays with one registered
// key pair and write access logs below logRoot.
type hookedEnv struct {
	*env
	key     *rsa.PrivateKey
	logRoot string
	log     *accesslog.Writer
}

func startHookedEnv(t *testing.T) *hookedEnv {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	h := &hookedEnv{key: key, logRoot: t.TempDir()}
	h.log, err = accesslog.New(accesslog.Options{Sink: accesslog.DirSink{Root: h.logRoot}, FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.log.Close(context.Background()) })
	signers := cf.SingleAccount{ID: testenv.AccountID, KeyPairs: []cf.KeyPair{{ID: keyPairID, Public: &key.PublicKey, Active: true}}}
	h.env = startEnv(t, distsettings.New(distsettings.Config{Keys: signers, AccessLog: h.log}), nil)
	return h
}

// createConfigured creates a distribution of the media bucket with trusted
// signers ("self") and/or logging to the logs bucket under prefix rtmp/.
func (h *hookedEnv) createConfigured(t *testing.T, signed, logged bool) (id, domain string) {
	t.Helper()
	cfg := newDistConfig()
	if signed {
		cfg.TrustedSigners = &types.TrustedSigners{Enabled: aws.Bool(true), Quantity: aws.Int32(1), Items: []string{"self"}}
	}
	if logged {
		cfg.Logging = &types.StreamingLoggingConfig{Enabled: aws.Bool(true), Bucket: aws.String("logs.s3.amazonaws.com"), Prefix: aws.String("rtmp/")}
	}
	return h.create(t, cfg)
}

// canned signs stream as a player's signed stream name, the way the AWS SDK
// signs rtmp:// URLs.
func canned(t *testing.T, id string, key *rsa.PrivateKey, stream string, expires time.Time) string {
	t.Helper()
	s, err := sign.NewURLSigner(id, key).Sign("rtmp://any.cloudfront.net/"+stream, expires)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func custom(t *testing.T, key *rsa.PrivateKey, stream, resource, sourceIP string) string {
	t.Helper()
	p := &sign.Policy{Statements: []sign.Statement{{Resource: resource, Condition: sign.Condition{
		DateLessThan: sign.NewAWSEpochTime(time.Now().Add(time.Hour)),
		IPAddress:    &sign.IPAddress{SourceIP: sourceIP},
	}}}}
	s, err := sign.NewURLSigner(keyPairID, key).SignWithPolicy("rtmp://any.cloudfront.net/"+stream, p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// playStatus plays name with the Go player and returns the first play
// status code and its description.
func playStatus(t *testing.T, addr, domain, name string) (code, desc string) {
	t.Helper()
	p := dialPlayer(t, addr)
	if c := p.connect(domain); c != "NetConnection.Connect.Success" {
		t.Fatalf("connect: %s", c)
	}
	p.play(name, 0, 3000)
	for {
		if c, ok := p.read().(*message.CommandAMF0); ok && c.Name == "onStatus" {
			for _, a := range c.Arguments {
				if o, ok := a.(amf0.Object); ok {
					code, _ = o.GetString("code")
					desc, _ = o.GetString("description")
				}
			}
			if code != "NetStream.Play.Reset" {
				return code, desc
			}
		}
	}
}

// TestSignedPlays plays a distribution with trusted signers with real
// clients: valid canned and custom signatures play every frame; unsigned,
// expired, wrong-key, unknown-key and tampered names are refused.
func TestSignedPlays(t *testing.T) {
	h := startHookedEnv(t)
	_, domain := h.createConfigured(t, true, false)
	const stream = "mp4:videos/clip.mp4"
	src := h.makeMedia(t, "videos/clip.mp4", "mp4", 2)
	wantV, _ := frameCounts(t, src)

	t.Run("ffmpeg canned", func(t *testing.T) {
		out, err := h.ffmpegPlay(t, domain, canned(t, keyPairID, h.key, stream, time.Now().Add(time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := frameCounts(t, out); v != wantV {
			t.Fatalf("video frames %d, source %d", v, wantV)
		}
	})
	t.Run("ffmpeg custom policy", func(t *testing.T) {
		out, err := h.ffmpegPlay(t, domain, custom(t, h.key, stream, "mp4:videos/*", "127.0.0.0/8"))
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := frameCounts(t, out); v != wantV {
			t.Fatalf("video frames %d, source %d", v, wantV)
		}
	})
	t.Run("rtmpdump canned", func(t *testing.T) {
		testenv.Require(t, "rtmpdump")
		out := filepath.Join(t.TempDir(), "dump.flv")
		signed := canned(t, keyPairID, h.key, stream, time.Now().Add(time.Hour))
		cmd := exec.Command("rtmpdump", "-q", "-r", "rtmp://"+h.addr+"/cfx/st", "-a", "cfx/st",
			"-t", "rtmp://"+domain+"/cfx/st", "-y", signed, "-o", out)
		if b, err := runWithTimeout(cmd, 60*time.Second); err != nil {
			t.Fatalf("rtmpdump: %v\n%s", err, b)
		}
		if v, _ := frameCounts(t, out); v != wantV {
			t.Fatalf("video frames %d, source %d", v, wantV)
		}
	})

	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	good := canned(t, keyPairID, h.key, stream, time.Now().Add(time.Hour))
	refusals := []struct{ name, stream, reason string }{
		{"unsigned", stream, "missing signing parameters"},
		{"expired", canned(t, keyPairID, h.key, stream, time.Now().Add(-time.Minute)), "expired"},
		{"wrong key", canned(t, keyPairID, otherKey, stream, time.Now().Add(time.Hour)), "bad signature"},
		{"unknown key", canned(t, "APKANOTREGISTERED1", otherKey, stream, time.Now().Add(time.Hour)), "unknown or inactive key pair"},
		{"tampered expiry", strings.Replace(good, "Expires=1", "Expires=2", 1), "bad signature"},
		{"other object", strings.Replace(good, "clip.mp4", "clip2.mp4", 1), "bad signature"},
		{"ip not allowed", custom(t, h.key, stream, stream, "192.0.2.0/24"), "client IP not allowed"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			code, desc := playStatus(t, h.addr, domain, tc.stream)
			if code != "NetStream.Play.Failed" || !strings.Contains(desc, tc.reason) {
				t.Fatalf("play status %s %q, want NetStream.Play.Failed naming %q", code, desc, tc.reason)
			}
		})
	}
	t.Run("ffmpeg refused", func(t *testing.T) {
		if _, err := h.ffmpegPlay(t, domain, refusals[1].stream); err == nil {
			t.Fatal("ffmpeg played an expired stream name")
		}
	})
	t.Run("rtmpdump refused", func(t *testing.T) {
		testenv.Require(t, "rtmpdump")
		out := filepath.Join(t.TempDir(), "dump.flv")
		b, err := runWithTimeout(exec.Command("rtmpdump", "-r", "rtmp://"+h.addr+"/cfx/st", "-a", "cfx/st",
			"-t", "rtmp://"+domain+"/cfx/st", "-y", refusals[2].stream, "-o", out), 30*time.Second)
		if err == nil || !strings.Contains(string(b), "NetStream.Play.Failed") {
			t.Fatalf("rtmpdump with a wrong key: %v\n%s", err, b)
		}
		if st, err := os.Stat(out); err == nil && st.Size() > 13 {
			t.Fatalf("rtmpdump received %d bytes of a refused stream", st.Size())
		}
	})
}

// TestUnsignedDistributionIgnoresSignatures: without trusted signers, a
// plain name plays.
func TestUnsignedDistributionIgnoresSignatures(t *testing.T) {
	h := startHookedEnv(t)
	_, domain := h.createConfigured(t, false, false)
	h.makeMedia(t, "videos/clip.flv", "flv", 1)
	if code, _ := playStatus(t, h.addr, domain, "videos/clip"); code != "NetStream.Play.Start" {
		t.Fatalf("play status %s", code)
	}
}

// countingProxy forwards TCP to target and counts the bytes the server
// sends, to check the access log's sc-bytes against the wire.
func countingProxy(t *testing.T, target string) (addr string, sent func() int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		s, err := net.Dial("tcp", target)
		if err != nil {
			return
		}
		defer s.Close()
		go func() {
			io.Copy(s, c)
			s.(*net.TCPConn).CloseWrite() // pass the client's close on
		}()
		m, _ := io.Copy(c, s)
		n.Store(m)
	}()
	return ln.Addr().String(), func() int64 { <-done; return n.Load() }
}

// TestAccessLogOfAPlay plays a logged distribution with ffmpeg and reads
// the log file from the logging bucket: the events of the play, its fields,
// and sc-bytes equal to the bytes that crossed the wire.
func TestAccessLogOfAPlay(t *testing.T) {
	h := startHookedEnv(t)
	id, domain := h.createConfigured(t, false, true)
	h.makeMedia(t, "videos/clip.mp4", "mp4", 2)
	proxy, sent := countingProxy(t, h.addr)
	rtmpAddr := h.addr
	h.addr = proxy // ffmpegPlay dials e.addr
	if _, err := h.ffmpegPlay(t, domain, "mp4:videos/clip.mp4?viewer=42"); err != nil {
		t.Fatal(err)
	}
	h.addr = rtmpAddr
	wire := sent()
	h.edge.Close() // waits for the disconnect event
	if err := h.log.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	files, _ := filepath.Glob(filepath.Join(h.logRoot, "logs", "rtmp", id+".*.gz"))
	if len(files) != 1 {
		t.Fatalf("log files %v", files)
	}
	hour := time.Now().UTC().Format("2006-01-02-15")
	if name := filepath.Base(files[0]); !strings.HasPrefix(name, id+"."+hour+".") && !strings.HasPrefix(name, id+"."+time.Now().UTC().Add(-time.Hour).Format("2006-01-02-15")+".") {
		t.Fatalf("log file %s is not named after the hour %s", name, hour)
	}
	recs := readLog(t, files[0])
	var kinds []string
	for _, r := range recs {
		kinds = append(kinds, r["x-event"])
	}
	if got := strings.Join(kinds, " "); got != "connect play stop disconnect" {
		t.Fatalf("events %q", got)
	}
	var last int64
	for _, r := range recs {
		n, err := strconv.ParseInt(r["sc-bytes"], 10, 64)
		if err != nil || n < last {
			t.Fatalf("sc-bytes %q after %d", r["sc-bytes"], last)
		}
		last = n
		if r["c-ip"] != "127.0.0.1" || r["x-cf-status"] != "OK" || r["cs-uri-stem"] != "rtmp://"+domain+"/cfx/st" || r["x-cf-client-id"] == "-" {
			t.Errorf("record %v", r)
		}
	}
	// sc-bytes counts RTMP traffic after the handshake (S0+S1+S2, 3073
	// bytes): CloudFront's own sample logs a connect with fewer bytes than
	// a handshake.
	if last != wire-3073 {
		t.Errorf("disconnect sc-bytes %d, the wire carried %d after the handshake", last, wire-3073)
	}
	play := recs[1]
	if play["x-sname"] != "videos/clip.mp4" || play["x-sname-query"] != "viewer=42" || play["x-file-ext"] != "mp4" || play["x-sid"] != "1" {
		t.Errorf("play record %v", play)
	}
	if recs[0]["x-sname"] != "-" || recs[0]["x-sid"] != "-" {
		t.Errorf("connect record %v", recs[0])
	}
}

// readLog parses a gzip access-log file by its #Fields line.
func readLog(t *testing.T, path string) []map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	var fields []string
	var out []map[string]string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "#Version: 1.0":
		case strings.HasPrefix(line, "#Fields: "):
			fields = strings.Fields(strings.TrimPrefix(line, "#Fields: "))
		default:
			vals := strings.Split(line, "\t")
			if len(vals) != len(fields) || len(fields) != 17 {
				t.Fatalf("line %q does not fit fields %v", line, fields)
			}
			r := map[string]string{}
			for i, f := range fields {
				r[f] = vals[i]
			}
			out = append(out, r)
		}
	}
	return out
}

// TestPlaysThroughRTMPT serves the edge on an RTMPT tunnel and plays a
// signed stream name with ffmpeg's and rtmpdump's rtmpt:// clients: every
// video frame arrives, and the policy's IP condition sees the HTTP client's
// address.
func TestPlaysThroughRTMPT(t *testing.T) {
	h := startHookedEnv(t)
	_, domain := h.createConfigured(t, true, false)
	src := h.makeMedia(t, "videos/clip.mp4", "mp4", 2)
	wantV, _ := frameCounts(t, src)

	rtmptAddr := serveRTMPT(t, h.edge)

	signed := custom(t, h.key, "mp4:videos/clip.mp4", "mp4:videos/clip.mp4", "127.0.0.1/32")
	out := filepath.Join(t.TempDir(), "rtmpt.flv")
	cmd := exec.Command("ffmpeg", "-v", "error", "-y",
		"-rtmp_app", edge.App, "-rtmp_tcurl", "rtmp://"+domain+"/"+edge.App, "-rtmp_playpath", signed,
		"-i", "rtmpt://"+rtmptAddr+"/"+edge.App, "-c", "copy", "-f", "flv", out)
	if b, err := runWithTimeout(cmd, 90*time.Second); err != nil {
		t.Fatalf("ffmpeg over RTMPT: %v\n%s", err, b)
	}
	if v, _ := frameCounts(t, out); v != wantV {
		t.Fatalf("video frames over RTMPT %d, source %d", v, wantV)
	}

	// librtmp's RTMPT client reads the interval byte and Content-Length
	// differently from ffmpeg's.
	testenv.Require(t, "rtmpdump")
	dump := filepath.Join(t.TempDir(), "rtmpt-dump.flv")
	b, err := runWithTimeout(exec.Command("rtmpdump", "-q", "-r", "rtmpt://"+rtmptAddr+"/cfx/st", "-a", "cfx/st",
		"-t", "rtmp://"+domain+"/cfx/st", "-y", signed, "-o", dump), 90*time.Second)
	if err != nil {
		t.Fatalf("rtmpdump over RTMPT: %v\n%s", err, b)
	}
	if v, _ := frameCounts(t, dump); v != wantV {
		t.Fatalf("video frames of rtmpdump over RTMPT %d, source %d", v, wantV)
	}
}

// TestAccessLogOfARefusedPlay: a refused play is logged with the refusal
// code as x-cf-status.
func TestAccessLogOfARefusedPlay(t *testing.T) {
	h := startHookedEnv(t)
	id, domain := h.createConfigured(t, true, true)
	if code, _ := playStatus(t, h.addr, domain, "videos/clip"); code != "NetStream.Play.Failed" {
		t.Fatalf("unsigned play: %s", code)
	}
	h.edge.Close()
	if err := h.log.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(h.logRoot, "logs", "rtmp", id+".*.gz"))
	if len(files) != 1 {
		t.Fatalf("log files %v", files)
	}
	recs := readLog(t, files[0])
	if len(recs) < 2 || recs[1]["x-event"] != "play" || recs[1]["x-cf-status"] != "NetStream.Play.Failed" || recs[1]["x-sname"] != "videos/clip" {
		t.Fatalf("records %v", recs)
	}
}

// TestGetStreamLengthNeedsASignature: on a distribution with trusted
// signers, getStreamLength of an unsigned name answers 0, as for a missing
// object; a signed one gets the duration.
func TestGetStreamLengthNeedsASignature(t *testing.T) {
	h := startHookedEnv(t)
	_, domain := h.createConfigured(t, true, false)
	h.makeMedia(t, "videos/clip.flv", "flv", 2)
	length := func(name string) float64 {
		p := dialPlayer(t, h.addr)
		if c := p.connect(domain); c != "NetConnection.Connect.Success" {
			t.Fatalf("connect: %s", c)
		}
		p.command(0, "getStreamLength", nil, name)
		for {
			if c, ok := p.read().(*message.CommandAMF0); ok && c.Name == "_result" && c.CommandID == p.txid {
				secs, _ := c.Arguments[len(c.Arguments)-1].(float64)
				return secs
			}
		}
	}
	if secs := length("videos/clip"); secs != 0 {
		t.Fatalf("unsigned getStreamLength = %v, want 0", secs)
	}
	if secs := length(canned(t, keyPairID, h.key, "videos/clip", time.Now().Add(time.Hour))); secs < 1.9 || secs > 2.1 {
		t.Fatalf("signed getStreamLength = %v, want about 2", secs)
	}
}
