package edge_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/streamfront/streamfront/internal/edge"
)

func TestHTTPPlayerPage(t *testing.T) {
	h := startHTTPEnv(t, edge.HTTPConfig{}, nil, nil)
	_, domain := h.createDist(t)
	writeObject(t, h.env, "videos/my clip.mp4", "x")
	r := h.get(t, domain, "/videos/my%20clip.mp4/player")
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("page: %d %v", r.StatusCode, r.Header)
	}
	for _, want := range []string{`data-src="index.m3u8"`, `src="/_streamfront/player/hls.min.js"`,
		`src="/_streamfront/player/player.js"`, `href="../my%20clip.mp4"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("page lacks %s:\n%s", want, r.body)
		}
	}
	// No inline script: a Content-Security-Policy without 'unsafe-inline' scripts holds.
	if strings.Count(r.body, "<script") != strings.Count(r.body, "<script src=") ||
		!strings.Contains(r.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("inline script or no CSP: %v\n%s", r.Header, r.body)
	}
	wantError(t, h.get(t, domain, "/videos/gone.mp4/player"), 404, "NoSuchKey", "")

	for name, typ := range map[string]string{"hls.min.js": "text/javascript", "player.js": "text/javascript"} {
		a := h.get(t, "any.host.example", "/_streamfront/player/"+name)
		if a.StatusCode != 200 || !strings.HasPrefix(a.Header.Get("Content-Type"), typ) || a.Header.Get("ETag") == "" {
			t.Errorf("%s: %d %v", name, a.StatusCode, a.Header)
		}
	}
	wantError(t, h.get(t, domain, "/_streamfront/player/nosuch.js"), 404, "NoSuchKey", "")
}

// TestPlayerAssetsMatchTheNPMRelease: the hls.js shipped in the binary is
// the release web/player/package-lock.json pins, licence included (run
// `npm ci --prefix web/player` first; scripts/test does).
func TestPlayerAssetsMatchTheNPMRelease(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Join(filepath.Dir(file), "..", "..")
	npm := filepath.Join(repo, "web", "player", "node_modules", "hls.js")
	if _, err := os.Stat(npm); err != nil {
		if os.Getenv("STREAMFRONT_REQUIRE_ALL") == "1" {
			t.Fatalf("web/player/node_modules is missing: run npm ci --prefix web/player (%v)", err)
		}
		t.Skip("web/player/node_modules is missing: run npm ci --prefix web/player")
	}
	for shipped, release := range map[string]string{
		"hls.min.js": filepath.Join(npm, "dist", "hls.min.js"), "hls.js-LICENSE": filepath.Join(npm, "LICENSE"),
	} {
		a, err := os.ReadFile(filepath.Join(filepath.Dir(file), "player", shipped))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(release)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("internal/edge/player/%s differs from %s: copy it again after changing web/player", shipped, release)
		}
	}
}
