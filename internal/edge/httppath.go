package edge

import (
	"context"
	"errors"
	"mime"
	"net"
	"path"
	"strings"
)

// localhostSuffix may follow a distribution's DomainName or Alias: browsers
// resolve every *.localhost name to loopback, so a viewer on the edge's
// machine plays with no DNS or hosts-file change.
const localhostSuffix = ".localhost"

// requestHost is the Host header's name, lower case, without port or a
// trailing dot.
func requestHost(hostHeader string) string {
	h := hostHeader
	if host, _, err := net.SplitHostPort(hostHeader); err == nil {
		h = host
	}
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// routeHost finds the distribution of a request's host: the name itself,
// or the name before a .localhost suffix.
func routeHost(ctx context.Context, r Router, host string) (*Route, error) {
	route, err := r.Route(ctx, host)
	if errors.Is(err, ErrNoRoute) {
		if base, ok := strings.CutSuffix(host, localhostSuffix); ok && base != "" {
			return r.Route(ctx, base)
		}
	}
	return route, err
}

// mediaFormats maps the extensions of objects HTTP delivery packages to the
// formats media.Parse reads.
var mediaFormats = map[string]string{
	".mp4": "mp4", ".m4v": "mp4", ".m4a": "mp4", ".mov": "mp4", ".f4v": "mp4",
	".flv": "flv", ".mp3": "mp3",
}

// objectPath is a request path split into an object key and what follows.
type objectPath struct {
	key    string // object key K, without the leading '/'
	rest   string // below K: "index.m3u8", "player", …; "" for K itself
	format string // media.Parse format of K, "" if K is no media object
	sub    bool   // the path continues below K (rest may still be "")
}

// splitObjectPath splits a decoded URL path: K ends at the first path
// element with a media extension that is followed by '/'.
func splitObjectPath(p string) objectPath {
	p = strings.TrimPrefix(p, "/")
	start := 0
	for start < len(p) {
		end := strings.IndexByte(p[start:], '/')
		if end < 0 {
			break
		}
		elem := p[start : start+end]
		if f, ok := mediaFormats[strings.ToLower(path.Ext(elem))]; ok {
			return objectPath{key: p[:start+end], rest: p[start+end+1:], format: f, sub: true}
		}
		start += end + 1
	}
	return objectPath{key: p, format: mediaFormats[strings.ToLower(path.Ext(p))]}
}

// progressiveTypes are the Content-Types of the objects a distribution
// usually holds; other extensions go through mime.TypeByExtension.
var progressiveTypes = map[string]string{
	".mp4": "video/mp4", ".m4v": "video/mp4", ".f4v": "video/mp4", ".m4a": "audio/mp4",
	".mov": "video/quicktime", ".flv": "video/x-flv", ".mp3": "audio/mpeg",
	".m3u8": "application/vnd.apple.mpegurl", ".mpd": "application/dash+xml", ".ts": "video/mp2t",
}

// contentType is the Content-Type of an object by its key's extension.
func contentType(key string) string {
	ext := strings.ToLower(path.Ext(key))
	if t, ok := progressiveTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}
