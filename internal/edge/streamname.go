package edge

import (
	"path"
	"strings"
)

// parseStreamName reads a play name as CloudFront did: "videos/clip" is
// videos/clip.flv, "mp4:videos/clip.mp4" is that key (MP4, F4V, MOV),
// "mp3:audio/track" is audio/track.mp3. A query (signed URL parameters)
// follows the first '?'. ok is false for an empty key.
func parseStreamName(name string) (p PlayRequest, ok bool) {
	p.Name = name
	p.Stream, p.Query, _ = strings.Cut(name, "?")
	prefix, rest, hasPrefix := strings.Cut(p.Stream, ":")
	if !hasPrefix {
		prefix, rest = "flv", p.Stream
	}
	switch strings.ToLower(prefix) {
	case "flv":
		p.Format, p.Key = "flv", withExt(rest, ".flv")
	case "mp4", "f4v", "mov":
		p.Format, p.Key = "mp4", rest
		if path.Ext(rest) == "" {
			p.Key = rest + ".mp4"
		}
	case "mp3":
		p.Format, p.Key = "mp3", withExt(rest, ".mp3")
	default:
		return p, false
	}
	p.Ext = strings.TrimPrefix(path.Ext(p.Key), ".")
	return p, rest != ""
}

func withExt(key, ext string) string {
	if strings.HasSuffix(strings.ToLower(key), ext) {
		return key
	}
	return key + ext
}
