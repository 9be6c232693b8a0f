package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/testenv"
)

// firstDistribution is the README's first distribution, created with the
// AWS CLI; it returns the domain name.
func firstDistribution(t *testing.T, api string) string {
	t.Helper()
	aws := testenv.Require(t, "/usr/bin/aws")
	cmd := exec.Command(aws, "--endpoint-url", api, "cloudfront", "create-streaming-distribution",
		"--streaming-distribution-config", `{"CallerReference": "first", "S3Origin": {"DomainName": "media.s3.amazonaws.com", "OriginAccessIdentity": ""}, "Comment": "", "TrustedSigners": {"Enabled": false, "Quantity": 0}, "Enabled": true}`,
		"--query", "StreamingDistribution.DomainName", "--output", "text")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("aws: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// makeClip is the README's ffmpeg command: a 10 s H.264/AAC MP4 at path.
func makeClip(t *testing.T, path string) {
	t.Helper()
	testenv.Require(t, "ffmpeg")
	os.MkdirAll(filepath.Dir(path), 0o755)
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25:duration=10",
		"-f", "lavfi", "-i", "sine=frequency=440:duration=10", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
		path).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
}

// fetch GETs url with Host host through client.
func fetch(t *testing.T, client *http.Client, url, host string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Host = host
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestServeOutOfTheBox follows the README's first screen: serve with no
// origin flag serves <data-dir>/origin/<bucket>; a clip put there plays at
// http://<domain>.localhost:<port>/<key>/player.
func TestServeOutOfTheBox(t *testing.T) {
	data := t.TempDir()
	addr, httpAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", data, "--http-listen", httpAddr)
	if fi, err := os.Stat(filepath.Join(data, "origin")); err != nil || !fi.IsDir() {
		t.Fatalf("serve did not make its origin directory: %v", err)
	}
	makeClip(t, filepath.Join(data, "origin", "media", "videos", "clip.mp4"))
	domain := firstDistribution(t, p.URL)
	_, port, _ := strings.Cut(httpAddr, ":")
	host := domain + ".localhost:" + port

	resp, page := fetch(t, http.DefaultClient, "http://"+httpAddr+"/videos/clip.mp4/player", host)
	if resp.StatusCode != 200 || !strings.Contains(page, "hls.min.js") {
		t.Fatalf("player page: %d\n%s", resp.StatusCode, page)
	}
	resp, pl := fetch(t, http.DefaultClient, "http://"+httpAddr+"/videos/clip.mp4/index.m3u8", host)
	if resp.StatusCode != 200 || !strings.Contains(pl, "#EXT-X-ENDLIST") {
		t.Fatalf("playlist: %d\n%s", resp.StatusCode, pl)
	}
	for _, line := range strings.Split(pl, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if resp, _ := fetch(t, http.DefaultClient, "http://"+httpAddr+"/videos/clip.mp4/"+line, host); resp.StatusCode != 200 {
			t.Errorf("segment %s: %d", line, resp.StatusCode)
		}
	}
	if resp, js := fetch(t, http.DefaultClient, "http://"+httpAddr+"/_streamfront/player/hls.min.js", host); resp.StatusCode != 200 || len(js) < 100000 {
		t.Errorf("hls.js: %d, %d bytes", resp.StatusCode, len(js))
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key as PEM files.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "streamfront test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"*.cloudfront.net"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

func TestServeHTTPDeliveryOverTLS(t *testing.T) {
	data := t.TempDir()
	certFile, keyFile := selfSigned(t)
	addr, httpAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", data, "--http-listen", httpAddr,
		"--http-tls-cert", certFile, "--http-tls-key", keyFile)
	os.MkdirAll(filepath.Join(data, "origin", "media"), 0o755)
	os.WriteFile(filepath.Join(data, "origin", "media", "a.mp3"), []byte("not really an mp3"), 0o644)
	domain := firstDistribution(t, p.URL)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}}
	resp, body := fetch(t, client, "https://"+httpAddr+"/a.mp3", domain)
	if resp.StatusCode != 200 || body != "not really an mp3" || resp.TLS == nil || resp.ProtoMajor != 2 {
		t.Fatalf("HTTPS: %d %q %v %s", resp.StatusCode, body, resp.TLS != nil, resp.Proto)
	}
	if resp, err := http.Get("http://" + httpAddr + "/a.mp3"); err == nil && resp.StatusCode == 200 {
		t.Error("plain HTTP served on the HTTPS listener")
	}

	// A certificate without its key is refused at start.
	_, stderr, err := run(t, "serve", "--listen", testenv.FreeAddr(t), "--data-dir", t.TempDir(), "--http-tls-cert", certFile)
	if err == nil || !strings.Contains(stderr, "--http-tls-cert and --http-tls-key go together") {
		t.Errorf("cert without key: %v %s", err, stderr)
	}
	_, stderr, err = run(t, "serve", "--listen", testenv.FreeAddr(t), "--data-dir", t.TempDir(), "--http-tls-cert", keyFile, "--http-tls-key", keyFile)
	if err == nil || !strings.Contains(stderr, "--http-tls-cert/--http-tls-key") {
		t.Errorf("bad certificate: %v %s", err, stderr)
	}
}

// TestServeEdgeFalse: an API-only node runs no edge, and refuses an origin.
func TestServeEdgeFalse(t *testing.T) {
	data := t.TempDir()
	addr, httpAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
	testenv.StartProc(t, addr, "serve", "--listen", addr, "--data-dir", data, "--http-listen", httpAddr, "--edge=false")
	if _, err := http.Get("http://" + httpAddr + "/"); err == nil {
		t.Error("--edge=false serves HTTP delivery")
	}
	if _, err := os.Stat(filepath.Join(data, "origin")); err == nil {
		t.Error("--edge=false made an origin directory")
	}
	_, stderr, err := run(t, "serve", "--listen", testenv.FreeAddr(t), "--data-dir", t.TempDir(), "--edge=false", "--origin-dir", data)
	if err == nil || !strings.Contains(stderr, "--edge=false runs no edge") {
		t.Errorf("--edge=false with an origin: %v %s", err, stderr)
	}
}
