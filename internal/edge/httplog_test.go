package edge_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/edge"
	"github.com/streamfront/streamfront/internal/edge/accesslog"
)

// webLogLines reads every web log file below root/logs/web/ as records
// keyed by field name.
func webLogLines(t *testing.T, root string) []map[string]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(root, "logs", "web", "*.gz"))
	var out []map[string]string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		text, _ := io.ReadAll(zr)
		if !strings.HasPrefix(string(text), accesslog.WebHeader) {
			t.Fatalf("%s does not start with the web header: %q", f, text)
		}
		sc := bufio.NewScanner(strings.NewReader(strings.TrimPrefix(string(text), accesslog.WebHeader)))
		names := strings.Fields(strings.TrimPrefix(strings.Split(accesslog.WebHeader, "\n")[1], "#Fields: "))
		for sc.Scan() {
			vals := strings.Split(sc.Text(), "\t")
			if len(vals) != len(names) {
				t.Fatalf("line %q has %d fields, want %d", sc.Text(), len(vals), len(names))
			}
			rec := map[string]string{}
			for i, n := range names {
				rec[n] = vals[i]
			}
			out = append(out, rec)
		}
	}
	return out
}

func TestHTTPAccessLogAndMetrics(t *testing.T) {
	logRoot := t.TempDir()
	logs, err := accesslog.New(accesslog.Options{Sink: accesslog.DirSink{Root: logRoot}, FlushInterval: time.Hour,
		SpoolDir: t.TempDir(), EdgeLocation: "TST1"})
	if err != nil {
		t.Fatal(err)
	}
	h := startHTTPEnv(t, edge.HTTPConfig{AccessLog: logs}, nil, nil)
	_, domain := h.create(t, loggedConfig())
	_, unlogged := h.createDist(t)
	writeObject(t, h.env, "videos/clip.mp4", "0123456789")

	host := domain + ".localhost:" + h.port
	h.get(t, host, "/videos/clip.mp4?lang=en", "Range", "bytes=2-5", "User-Agent", "Test Player/1.0", "Referer", "http://page.example/",
		"Cookie", "CloudFront-Signature=secret")
	h.get(t, host, "/videos/missing.mp4")
	h.get(t, unlogged, "/videos/clip.mp4")
	if err := logs.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := webLogLines(t, logRoot)
	if len(lines) != 2 {
		t.Fatalf("%d web log lines, want 2: %v", len(lines), lines)
	}
	got := lines[0]
	if lines[0]["sc-status"] != "206" {
		got = lines[1]
	}
	want := map[string]string{
		"x-edge-location": "TST1", "c-ip": "127.0.0.1", "cs-method": "GET", "cs(Host)": domain,
		"cs-uri-stem": "/videos/clip.mp4", "sc-status": "206", "cs(Referer)": "http://page.example/",
		"cs(User-Agent)": "Test%20Player/1.0", "cs-uri-query": "lang=en", "x-host-header": host, "cs-protocol": "http",
		"cs-protocol-version": "HTTP/1.1", "sc-content-type": "video/mp4", "sc-content-len": "4",
		"sc-range-start": "2", "sc-range-end": "5", "x-edge-result-type": "Hit", "cs(Cookie)": "-",
	}
	for f, v := range want {
		if got[f] != v {
			t.Errorf("%s = %q, want %q", f, got[f], v)
		}
	}
	if got["x-edge-request-id"] == "-" || got["sc-bytes"] == "0" || got["c-port"] == "-" {
		t.Errorf("line %v", got)
	}
	if lines[0]["sc-status"]+lines[1]["sc-status"] != "206404" && lines[0]["sc-status"]+lines[1]["sc-status"] != "404206" {
		t.Errorf("statuses logged: %v", lines)
	}

	if v, _ := metric(t, h.reg, "streamfront_edge_http_requests_total", "result", "206"); v != 1 {
		t.Errorf("206 requests: %v", v)
	}
	if v, _ := metric(t, h.reg, "streamfront_edge_http_requests_total", "result", "404"); v != 1 {
		t.Errorf("404 requests: %v", v)
	}
	if v, _ := metric(t, h.reg, "streamfront_edge_sent_bytes_total", "protocol", "http"); v == 0 {
		t.Error("no HTTP bytes counted")
	}
	// One client watching the same key of two distributions.
	if v, _ := metric(t, h.reg, "streamfront_edge_http_viewers"); v != 2 {
		t.Errorf("HTTP viewers: %v, want 2", v)
	}
}
