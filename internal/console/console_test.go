package console_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/streamfront/streamfront/internal/console"
)

func get(t *testing.T, h http.Handler, method, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Result()
}

// TestHandlerServesTheConsole: the page, its script and style, each with the
// Content-Security-Policy.
func TestHandlerServesTheConsole(t *testing.T) {
	h := console.Handler(console.Options{HTTPEdge: "127.0.0.1:8080", RTMPEdge: "127.0.0.1:1935"})
	for path, typ := range map[string]string{
		"/_streamfront/console/":          "text/html",
		"/_streamfront/console/app.js":    "text/javascript",
		"/_streamfront/console/style.css": "text/css",
	} {
		resp := get(t, h, http.MethodGet, path)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), typ) || len(body) == 0 {
			t.Errorf("GET %s: %d %q, %d bytes", path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "default-src 'none'", "connect-src 'self' http://*.localhost:8080", "media-src 'self' blob: http://*.localhost:8080"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("CSP allows inline or eval: %q", csp)
		}
	}
	// Revalidation by ETag: the same bytes answer 304.
	first := get(t, h, http.MethodGet, "/_streamfront/console/app.js")
	tag := first.Header.Get("ETag")
	req := httptest.NewRequest(http.MethodGet, "/_streamfront/console/app.js", nil)
	req.Header.Set("If-None-Match", tag)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if tag == "" || rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match %q: %d, want 304", tag, rec.Code)
	}
	if resp := get(t, h, http.MethodGet, "/_streamfront/console"); resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != console.Prefix {
		t.Errorf("GET /_streamfront/console: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := get(t, h, http.MethodGet, "/_streamfront/console/nope.js"); resp.StatusCode != 404 {
		t.Errorf("missing file: %d", resp.StatusCode)
	}
}

// TestHandlerHasNoSideDoor: nothing under the console changes state.
func TestHandlerHasNoSideDoor(t *testing.T) {
	h := console.Handler(console.Options{})
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		for _, p := range []string{"/_streamfront/console/", "/_streamfront/console/config.json", "/_streamfront/console/app.js"} {
			if resp := get(t, h, m, p); resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: %d, want 405", m, p, resp.StatusCode)
			}
		}
	}
}

// TestConfigJSON: the page learns the mode and the edge ports, nothing more.
func TestConfigJSON(t *testing.T) {
	for _, c := range []struct {
		o    console.Options
		want map[string]string
	}{
		{console.Options{}, map[string]string{"mode": "open"}},
		{console.Options{Secure: true, HTTPEdge: "0.0.0.0:8081", RTMPEdge: "127.0.0.1:1935"},
			map[string]string{"mode": "secure", "httpEdgePort": "8081", "httpEdgeScheme": "http", "rtmpEdge": "127.0.0.1:1935"}},
		{console.Options{HTTPEdge: "127.0.0.1:8443", HTTPEdgeTLS: true},
			map[string]string{"mode": "open", "httpEdgePort": "8443", "httpEdgeScheme": "https"}},
	} {
		resp := get(t, console.Handler(c.o), http.MethodGet, "/_streamfront/console/config.json")
		var got map[string]string
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(c.want) {
			t.Errorf("%+v: config %v, want %v", c.o, got, c.want)
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("%+v: config[%s] = %q, want %q", c.o, k, got[k], v)
			}
		}
		if csp := resp.Header.Get("Content-Security-Policy"); c.o.HTTPEdge == "" && strings.Contains(csp, "localhost") {
			t.Errorf("CSP names an HTTP edge that does not run: %q", csp)
		}
	}
}

// TestServeConsoleFlag: the binary serves the console by default and not
// with --console=false.
func TestServeConsoleFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		want int
	}{{nil, http.StatusOK}, {[]string{"--console=false"}, http.StatusBadRequest}} {
		srv := startServe(t, c.args...)
		resp, err := http.Get(srv.URL + console.Prefix)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("serve %v: GET %s = %d, want %d", c.args, console.Prefix, resp.StatusCode, c.want)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); (c.want == http.StatusOK) != (csp != "") {
			t.Errorf("serve %v: CSP %q", c.args, csp)
		}
	}
}
