package edge

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// The player page's files, shipped in the binary. hls.min.js and its
// licence are hls.js's release as pinned by web/player/package-lock.json
// (TestPlayerAssetsMatchTheNPMRelease keeps them equal).
//
//go:embed player/hls.min.js player/hls.js-LICENSE player/player.js player/player.html
var playerFiles embed.FS

// playerAssetsPath serves the page's scripts for every host, signed or not:
// they are code, not media, and the same for every distribution.
const playerAssetsPath = "/_streamfront/player/"

var playerPage = template.Must(template.ParseFS(playerFiles, "player/player.html"))

// playerCSP allows the page its own scripts and media only (hls.js feeds
// the video element from blob: URLs and may run a worker).
const playerCSP = "default-src 'none'; script-src 'self'; connect-src 'self'; media-src 'self' blob:; " +
	"worker-src 'self' blob:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors *"

// servePlayer answers /K/player: a page playing /K/index.m3u8, with the
// signed query of the page carried onto the playlist.
func (h *HTTPHandler) servePlayer(q *request) {
	if _, err := h.s.assets.cache.Stat(q.r.Context(), q.route.Bucket, q.path.key); err != nil {
		h.originError(q, err)
		return
	}
	var page bytes.Buffer
	base := path.Base(q.path.key)
	err := playerPage.Execute(&page, map[string]any{
		"Title":      base,
		"Playlist":   template.URL("index.m3u8" + q.query),
		"TSPlaylist": template.URL("ts/index.m3u8" + q.query),
		"Manifest":   template.URL("manifest.mpd" + q.query),
		"Object":     template.URL("../" + url.PathEscape(base) + q.query),
	})
	if err != nil {
		h.s.cfg.Logger.Error("player page", "err", err)
		writeError(q.w, q.r, http.StatusInternalServerError, "InternalError", "The player page could not be made.")
		return
	}
	hd := q.w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", playerCSP)
	hd.Set("Cache-Control", "no-cache")
	http.ServeContent(q.w, q.r, "", time.Time{}, bytes.NewReader(page.Bytes()))
}

// playerAsset is one embedded script with its entity tag.
type playerAsset struct {
	body []byte
	etag string
}

var playerAssets = loadPlayerAssets()

func loadPlayerAssets() map[string]playerAsset {
	out := map[string]playerAsset{}
	for _, name := range []string{"hls.min.js", "player.js", "hls.js-LICENSE"} {
		b, err := playerFiles.ReadFile("player/" + name)
		if err != nil {
			panic(err) // embedded above
		}
		sum := sha256.Sum256(b)
		out[name] = playerAsset{body: b, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
	}
	return out
}

// servePlayerAsset answers /_streamfront/player/<name>.
func servePlayerAsset(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, playerAssetsPath)
	a, ok := playerAssets[name]
	switch {
	case !ok:
		writeNoSuchKey(w, r)
		return
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "The method "+r.Method+" is not allowed; use GET or HEAD.")
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/javascript; charset=utf-8")
	if strings.HasSuffix(name, "LICENSE") {
		hd.Set("Content-Type", "text/plain; charset=utf-8")
	}
	hd.Set("ETag", a.etag)
	hd.Set("Cache-Control", "public, max-age=86400")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}
