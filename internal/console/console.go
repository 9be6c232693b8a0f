// Package console serves the web console at /_streamfront/console/: static
// files built from web/console (committed in dist/ and embedded, so the
// binary needs no Node.js) and a read-only config.json. The page does
// everything else through the public API, signed in the browser; this
// package has no endpoint that changes state.
package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"strings"
)

// Prefix is where the console is served on the API listener; Path (without
// the slash) redirects to it, and is what to mount the Handler on.
const (
	Prefix = Path + "/"
	Path   = "/_streamfront/console"
)

//go:embed dist
var dist embed.FS

// Options tell the page about the server it runs on.
type Options struct {
	// Secure is true when the API requires SigV4 signatures from an
	// accounts file (the sign-in page says which keys work).
	Secure bool
	// HTTPEdge is the address of the HTTP edge listener (host:port), or ""
	// when none runs; the page builds HLS/DASH URLs on its port.
	HTTPEdge string
	// HTTPEdgeTLS is true when HTTPEdge serves HTTPS.
	HTTPEdgeTLS bool
	// RTMPEdge is the address of the RTMP edge listener, or "".
	RTMPEdge string
}

// pageConfig is config.json: what the page may know about the server.
type pageConfig struct {
	Mode           string `json:"mode"`
	HTTPEdgePort   string `json:"httpEdgePort,omitempty"`
	HTTPEdgeScheme string `json:"httpEdgeScheme,omitempty"`
	RTMPEdge       string `json:"rtmpEdge,omitempty"`
}

// Handler serves the console; mount it at Path.
func Handler(o Options) http.Handler {
	files, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded at build time
	}
	static := http.StripPrefix(Prefix, http.FileServerFS(files))
	etags := contentETags(files)
	cfg := configJSON(o)
	csp := contentSecurityPolicy(o)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "the console is read-only: it changes things through the API", http.StatusMethodNotAllowed)
			return
		}
		switch r.URL.Path {
		case Path:
			http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
		case Prefix + "config.json":
			h.Set("Content-Type", "application/json")
			w.Write(cfg)
		case Prefix + "index.html":
			// FileServer would redirect it to Prefix; serve Prefix directly.
			http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
		default:
			// Embedded files have no modification time: an ETag of their
			// content lets the browser revalidate instead of refetching.
			if tag, ok := etags[strings.TrimPrefix(r.URL.Path, Prefix)]; ok {
				h.Set("ETag", tag)
			}
			static.ServeHTTP(w, r)
		}
	})
}

// contentETags maps each file name ("" for index.html, as served at
// Prefix) to a strong ETag of its bytes.
func contentETags(files fs.FS) map[string]string {
	tags := map[string]string{}
	fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		tag := `"` + hex.EncodeToString(sum[:16]) + `"`
		tags[name] = tag
		if name == "index.html" {
			tags[""] = tag
		}
		return nil
	})
	return tags
}

func (o Options) edgeScheme() string {
	if o.HTTPEdgeTLS {
		return "https"
	}
	return "http"
}

func configJSON(o Options) []byte {
	c := pageConfig{Mode: "open", RTMPEdge: o.RTMPEdge}
	if o.Secure {
		c.Mode = "secure"
	}
	if _, port, err := net.SplitHostPort(o.HTTPEdge); err == nil {
		c.HTTPEdgePort, c.HTTPEdgeScheme = port, o.edgeScheme()
	}
	b, _ := json.Marshal(c)
	return b
}

// contentSecurityPolicy allows the console's own script and style only (no
// inline script), API calls and /metrics on this origin, and HLS from the
// HTTP edge (Host <domain>.localhost:<port>); hls.js plays through a blob:
// MediaSource URL.
func contentSecurityPolicy(o Options) string {
	edge := ""
	if _, port, err := net.SplitHostPort(o.HTTPEdge); err == nil {
		edge = " " + o.edgeScheme() + "://*.localhost:" + port
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"connect-src 'self'" + edge,
		"media-src 'self' blob:" + edge,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}
