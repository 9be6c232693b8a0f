package edge_test

import (
	"context"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/edge/origin"
)

// httpEnv is an edge with its HTTP delivery on a loopback port.
type httpEnv struct {
	*env
	url     string // http://127.0.0.1:port
	port    string
	handler *edge.HTTPHandler
}

func startHTTPEnv(t *testing.T, hc edge.HTTPConfig, o origin.Origin, tune func(*edge.Config)) *httpEnv {
	t.Helper()
	e := startEnvConfig(t, edge.Hooks{}, o, tune)
	if hc.SegmentCacheDir == "" {
		hc.SegmentCacheDir = t.TempDir()
	}
	hh := e.edge.HTTPHandler(hc)
	srv := httptest.NewUnstartedServer(hh)
	srv.Listener = edge.ServeSegmentsWithSendfile(srv.Config, srv.Listener) // as the node serves it
	srv.Start()
	t.Cleanup(func() { srv.Close(); hh.Close() })
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return &httpEnv{env: e, url: srv.URL, port: port, handler: hh}
}

// response is what a viewer got.
type response struct {
	*http.Response
	body string
}

// do sends method to path on the edge with Host host and extra headers
// (name, value pairs).
func (h *httpEnv) do(t *testing.T, method, host, path string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, h.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
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
	return response{resp, string(b)}
}

func (h *httpEnv) get(t *testing.T, host, path string, headers ...string) response {
	t.Helper()
	return h.do(t, http.MethodGet, host, path, headers...)
}

// wantError checks an XML error document.
func wantError(t *testing.T, r response, status int, code, message string) {
	t.Helper()
	var doc struct {
		XMLName xml.Name `xml:"Error"`
		Code    string
		Message string
	}
	if r.StatusCode != status || xml.Unmarshal([]byte(r.body), &doc) != nil || doc.Code != code ||
		(message != "" && doc.Message != message) || !strings.HasPrefix(r.body, "<?xml") {
		t.Fatalf("got %d %q, want %d %s %q", r.StatusCode, r.body, status, code, message)
	}
	if r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("error without CORS headers: %v", r.Header)
	}
}

func TestHTTPRoutesByHost(t *testing.T) {
	h := startHTTPEnv(t, edge.HTTPConfig{}, nil, nil)
	id, domain := h.createDist(t, "media.example.com")
	writeObject(t, h.env, "videos/a.flv", "flv bytes")
	for _, host := range []string{domain, strings.ToUpper(domain), domain + ":" + h.port, domain + ".localhost:" + h.port,
		"Media.Example.COM", "media.example.com.localhost", "media.example.com."} {
		if r := h.get(t, host, "/videos/a.flv"); r.StatusCode != 200 || r.body != "flv bytes" {
			t.Errorf("Host %s: %d %q", host, r.StatusCode, r.body)
		}
	}
	wantError(t, h.get(t, "nosuch.cloudfront.net", "/videos/a.flv"), 404, "NoSuchDistribution", "")
	wantError(t, h.get(t, "localhost", "/videos/a.flv"), 404, "NoSuchDistribution", "")
	wantError(t, h.get(t, domain, "/videos/missing.flv"), 404, "NoSuchKey", "The specified key does not exist.")
	wantError(t, h.get(t, domain, "/"), 404, "NoSuchKey", "")
	wantError(t, h.get(t, domain, "/videos/a.flv/"), 404, "NoSuchKey", "")
	wantError(t, h.do(t, http.MethodPost, domain, "/videos/a.flv"), 405, "MethodNotAllowed", "")
	setEnabled(t, h.cf, id, false)
	wantError(t, h.get(t, domain, "/videos/a.flv"), 403, "DistributionDisabled", "")
}

// writeObject stores body as key of the media bucket.
func writeObject(t *testing.T, e *env, key, body string) string {
	t.Helper()
	path := filepath.Join(e.dir, bucket, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestHTTPProgressiveDownload(t *testing.T) {
	h := startHTTPEnv(t, edge.HTTPConfig{}, nil, nil)
	_, domain := h.createDist(t)
	body := strings.Repeat("0123456789", 5000) // spans several cache blocks
	path := writeObject(t, h.env, "videos/clip.mp4", body)
	mod := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	os.Chtimes(path, mod, mod)

	r := h.get(t, domain, "/videos/clip.mp4")
	if r.StatusCode != 200 || r.body != body || r.Header.Get("Content-Type") != "video/mp4" ||
		r.Header.Get("Last-Modified") != mod.Format(http.TimeFormat) || r.Header.Get("Accept-Ranges") != "bytes" ||
		!strings.Contains(r.Header.Get("Cache-Control"), "max-age=") {
		t.Fatalf("GET: %d %v", r.StatusCode, r.Header)
	}
	etag := r.Header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) {
		t.Fatalf("ETag %q", etag)
	}
	head := h.do(t, http.MethodHead, domain, "/videos/clip.mp4")
	if head.StatusCode != 200 || head.body != "" || head.Header.Get("Content-Length") != "50000" {
		t.Fatalf("HEAD: %d %v %q", head.StatusCode, head.Header, head.body)
	}
	part := h.get(t, domain, "/videos/clip.mp4", "Range", "bytes=20000-20009")
	if part.StatusCode != 206 || part.body != body[20000:20010] || part.Header.Get("Content-Range") != "bytes 20000-20009/50000" {
		t.Fatalf("range: %d %v %q", part.StatusCode, part.Header, part.body)
	}
	if tail := h.get(t, domain, "/videos/clip.mp4", "Range", "bytes=-5"); tail.StatusCode != 206 || tail.body != body[len(body)-5:] {
		t.Fatalf("suffix range: %d %q", tail.StatusCode, tail.body)
	}
	if r := h.get(t, domain, "/videos/clip.mp4", "Range", "bytes=60000-"); r.StatusCode != 416 ||
		r.Header.Get("Content-Range") != "bytes */50000" {
		t.Fatalf("unsatisfiable range: %d %v", r.StatusCode, r.Header)
	}
	if r := h.get(t, domain, "/videos/clip.mp4", "If-None-Match", etag); r.StatusCode != 304 || r.body != "" {
		t.Fatalf("If-None-Match: %d", r.StatusCode)
	}
	if r := h.get(t, domain, "/videos/clip.mp4", "If-Modified-Since", mod.Format(http.TimeFormat)); r.StatusCode != 304 {
		t.Fatalf("If-Modified-Since: %d", r.StatusCode)
	}
	if r := h.get(t, domain, "/videos/clip.mp4", "Range", "bytes=0-3", "If-Range", `"stale"`); r.StatusCode != 200 || r.body != body {
		t.Fatalf("If-Range with another version: %d", r.StatusCode)
	}
	for key, want := range map[string]string{"a.flv": "video/x-flv", "a.mp3": "audio/mpeg", "a.m4a": "audio/mp4",
		"a.mov": "video/quicktime", "a.bin": "application/octet-stream", "notes.txt": "text/plain; charset=utf-8"} {
		writeObject(t, h.env, key, "x")
		if got := h.get(t, domain, "/"+key).Header.Get("Content-Type"); got != want {
			t.Errorf("%s: Content-Type %q, want %q", key, got, want)
		}
	}
}

func TestHTTPCORS(t *testing.T) {
	h := startHTTPEnv(t, edge.HTTPConfig{}, nil, nil)
	_, domain := h.createDist(t)
	writeObject(t, h.env, "videos/clip.mp4", "0123456789")
	pre := h.do(t, http.MethodOptions, domain, "/videos/clip.mp4/index.m3u8", "Origin", "http://page.example",
		"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "range")
	if pre.StatusCode != 204 || pre.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(pre.Header.Get("Access-Control-Allow-Methods"), "GET") ||
		!strings.Contains(pre.Header.Get("Access-Control-Allow-Headers"), "Range") {
		t.Fatalf("preflight: %d %v", pre.StatusCode, pre.Header)
	}
	r := h.get(t, domain, "/videos/clip.mp4", "Origin", "http://page.example", "Range", "bytes=0-1")
	expose := r.Header.Get("Access-Control-Expose-Headers")
	if r.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(expose, "Content-Range") ||
		!strings.Contains(expose, "Content-Length") {
		t.Fatalf("GET: %v", r.Header)
	}
}

// TestHTTPDisableAppliesAtSync: an edge following the store keeps serving
// a disabled distribution until it applies the change, then refuses it.
func TestHTTPDisableAppliesAtSync(t *testing.T) {
	h := startHTTPEnv(t, edge.HTTPConfig{}, nil, nil)
	f := edge.NewFollower(h.api.Store, nil, "edge-http", time.Hour, nil)
	srv := edge.New(edge.Config{Router: f, Origin: h.cache})
	hh := srv.HTTPHandler(edge.HTTPConfig{SegmentCacheDir: t.TempDir()})
	ts := httptest.NewServer(hh)
	t.Cleanup(func() { ts.Close(); hh.Close() })
	h.url = ts.URL
	id, domain := h.createDist(t)
	writeObject(t, h.env, "a.mp3", "mp3")
	if err := f.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := h.get(t, domain, "/a.mp3"); r.StatusCode != 200 {
		t.Fatalf("enabled: %d", r.StatusCode)
	}
	setEnabled(t, h.cf, id, false)
	if r := h.get(t, domain, "/a.mp3"); r.StatusCode != 200 {
		t.Fatalf("before the edge applied the disable: %d", r.StatusCode)
	}
	if err := f.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantError(t, h.get(t, domain, "/a.mp3"), 403, "DistributionDisabled", "")
}

// loggedConfig is a distribution config logging to the logs bucket.
func loggedConfig() *types.StreamingDistributionConfig {
	cfg := newDistConfig()
	cfg.Logging = &types.StreamingLoggingConfig{Enabled: aws.Bool(true), Bucket: aws.String("logs.s3.amazonaws.com"), Prefix: aws.String("web/")}
	return cfg
}
