package vod

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/streamfront/streamfront/internal/edge/media"
)

// Names below the object key K. Playlists and the manifest list the others
// relatively: "V/init.mp4", "V/seg-N.m4s"; "V/seg-N.ts" (from
// ts/index.m3u8); "dash/V/video-init.mp4", "dash/V/video-N.m4s",
// "dash/V/audio-init.mp4", "dash/V/audio-N.m4s" (N from 1), where V names
// the object version (Options.Version; without one, names have no V).
// With MP3 audio, HLSPlaylist lists "ts/V/seg-N.ts" (see mp3).
//
// A segment requested without V is the current version's, kept by caches a
// minute only, since its name does not change when the object does; one
// requested with another version's V is 404: its playlist is out of date.
const (
	HLSPlaylist   = "index.m3u8"
	TSPlaylist    = "ts/index.m3u8"
	DASHManifest  = "manifest.mpd"
	hlsInit       = "init.mp4"
	cacheSegments = "public, max-age=31536000, immutable"
	cachePlaylist = "public, max-age=60"
)

// Serve answers GET or HEAD for rest, the path below the object key:
// HLSPlaylist, TSPlaylist, DASHManifest, or an init or segment name they
// list. obj reads the object's bytes; query ("" or "?…") is appended to
// every URL a playlist or manifest lists. It sets Content-Type,
// Content-Length and Cache-Control, answers 404 for a rest it does not
// know, and writes nothing else.
func (p *Presentation) Serve(w http.ResponseWriter, r *http.Request, obj io.ReaderAt, rest, query string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	query = cleanQuery(query)
	switch rest {
	case HLSPlaylist:
		body := p.playlist(7, p.dir+hlsInit, p.dir+"seg-", ".m4s", query)
		if p.mp3() {
			body = p.playlist(3, "", "ts/"+p.dir+"seg-", ".ts", query)
		}
		send(w, r, "application/vnd.apple.mpegurl", cachePlaylist, body)
		return
	case TSPlaylist:
		body := p.playlist(3, "", p.dir+"seg-", ".ts", query)
		send(w, r, "application/vnd.apple.mpegurl", cachePlaylist, body)
		return
	case DASHManifest:
		send(w, r, "application/dash+xml", cachePlaylist, p.manifest(query))
		return
	}
	name, dir, versioned := splitVersion(rest)
	cache := cacheSegments
	switch {
	case versioned && dir != p.dir:
		http.Error(w, "This segment belongs to another version of the object: fetch the playlist again.", http.StatusNotFound)
		return
	case !versioned && p.dir != "":
		cache = cachePlaylist
	}
	p.serveSegment(w, r, obj, name, cache)
}

// serveSegment answers the init or media segment name (without version).
func (p *Presentation) serveSegment(w http.ResponseWriter, r *http.Request, obj io.ReaderAt, name, cache string) {
	if name == hlsInit {
		send(w, r, p.mimeType(), cache, p.muxed)
		return
	}
	if n, ok := number(name, "seg-", ".m4s", len(p.segs)); ok {
		p.serveFragment(w, r, obj, n-1, p.tracks, nil, cache)
		return
	}
	if n, ok := number(name, "ts/seg-", ".ts", len(p.segs)); ok {
		p.serveTS(w, r, obj, n-1, cache)
		return
	}
	for _, t := range p.tracks {
		if name == "dash/"+t.name+"-init.mp4" {
			send(w, r, t.mime(), cache, t.init)
			return
		}
		if n, ok := number(name, "dash/"+t.name+"-", ".m4s", len(t.segs)); ok {
			p.serveFragment(w, r, obj, t.segs[n-1], []*track{t}, []uint32{1}, cache)
			return
		}
	}
	http.NotFound(w, r)
}

// versionDir is the directory segments of version are listed under: "v"
// and 10 hex digits of its SHA-256, then "/"; "" for no version.
func versionDir(version string) string {
	if version == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(version))
	return "v" + hex.EncodeToString(sum[:5]) + "/"
}

// splitVersion takes the version directory out of a segment's path:
// "ts/v0123456789/seg-1.ts" is name "ts/seg-1.ts", dir "v0123456789/".
func splitVersion(rest string) (name, dir string, versioned bool) {
	i := strings.LastIndexByte(rest, '/')
	if i < 0 {
		return rest, "", false
	}
	j := strings.LastIndexByte(rest[:i], '/') + 1 // start of the last directory
	d := rest[j:i]
	if len(d) != 11 || d[0] != 'v' || strings.Trim(d[1:], "0123456789abcdef") != "" {
		return rest, "", false
	}
	return rest[:j] + rest[i+1:], d + "/", true
}

// number parses prefix + N + suffix with 1 <= N <= max, N in canonical form.
func number(rest, prefix, suffix string, max int) (int, bool) {
	s, ok := strings.CutPrefix(rest, prefix)
	if !ok {
		return 0, false
	}
	if s, ok = strings.CutSuffix(s, suffix); !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max || strconv.Itoa(n) != s {
		return 0, false
	}
	return n, true
}

// serveFragment answers segment n of the tracks ts as one fMP4 fragment;
// ids are their track IDs (nil: 1, 2, … as in the muxed init segment).
func (p *Presentation) serveFragment(w http.ResponseWriter, r *http.Request, obj io.ReaderAt, n int, ts []*track, ids []uint32, cache string) {
	samples, data, err := p.readSegment(obj, n, ts)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if ids == nil {
		for _, t := range ts {
			ids = append(ids, t.id)
		}
	}
	f, err := newFragment(uint32(n+1), ids, samples, data)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	mime := p.mimeType()
	if len(ts) == 1 {
		mime = ts[0].mime()
	}
	header(w, mime, cache, f.Size())
	if r.Method == http.MethodGet {
		f.WriteTo(w)
	}
}

// serveTS answers segment n as MPEG-TS.
func (p *Presentation) serveTS(w http.ResponseWriter, r *http.Request, obj io.ReaderAt, n int, cache string) {
	samples, _, err := p.readSegment(obj, n, p.tracks)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	send(w, r, "video/mp2t", cache, p.tsSegment(n, samples))
}

func send(w http.ResponseWriter, r *http.Request, mime, cache string, body []byte) {
	header(w, mime, cache, int64(len(body)))
	if r.Method == http.MethodGet {
		w.Write(body)
	}
}

func header(w http.ResponseWriter, mime, cache string, size int64) {
	h := w.Header()
	h.Set("Content-Type", mime)
	h.Set("Cache-Control", cache)
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
}

// mp3 reports whether the audio is MP3, which browsers' Media Source
// Extensions do not take in fMP4 (Chromium: isTypeSupported is false for
// every MP3-in-MP4 codecs string) but do in MPEG-TS (hls.js hands the MP3
// frames over as audio/mpeg). HLSPlaylist then lists the TS segments, so
// the playlist a browser player is given plays; the fMP4 segments are still
// served (players other than browsers' take them) and DASH keeps MP3 in
// fMP4, the standard carriage ("mp4a.6B").
func (p *Presentation) mp3() bool {
	return p.audio != nil && p.audio.codec == media.CodecMP3
}

// mimeType is the type of the muxed fMP4 init and segments.
func (p *Presentation) mimeType() string {
	if p.video == nil {
		return "audio/mp4"
	}
	return "video/mp4"
}

func (t *track) mime() string {
	if t.name == "video" {
		return "video/mp4"
	}
	return "audio/mp4"
}

// cleanQuery percent-encodes what may not stand in a URL inside a playlist
// line, a quoted attribute or XML: the edge passes the viewer's query as sent.
func cleanQuery(q string) string {
	if q == "" {
		return ""
	}
	if !strings.HasPrefix(q, "?") {
		q = "?" + q
	}
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '\'' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
