package edge

import "testing"

func TestParseStreamName(t *testing.T) {
	cases := []struct {
		name                            string
		key, format, ext, stream, query string
		ok                              bool
	}{
		{"videos/clip", "videos/clip.flv", "flv", "flv", "videos/clip", "", true},
		{"videos/clip.flv", "videos/clip.flv", "flv", "flv", "videos/clip.flv", "", true},
		{"flv:videos/clip", "videos/clip.flv", "flv", "flv", "flv:videos/clip", "", true},
		{"mp4:videos/clip.mp4", "videos/clip.mp4", "mp4", "mp4", "mp4:videos/clip.mp4", "", true},
		{"mp4:videos/clip.f4v", "videos/clip.f4v", "mp4", "f4v", "mp4:videos/clip.f4v", "", true},
		{"mp4:videos/clip", "videos/clip.mp4", "mp4", "mp4", "mp4:videos/clip", "", true},
		{"mp3:audio/track", "audio/track.mp3", "mp3", "mp3", "mp3:audio/track", "", true},
		{"mp4:a.mp4?Expires=1&Signature=x~y&Key-Pair-Id=K", "a.mp4", "mp4", "mp4", "mp4:a.mp4", "Expires=1&Signature=x~y&Key-Pair-Id=K", true},
		{"mp4:", ".mp4", "mp4", "mp4", "mp4:", "", false},
		{"", ".flv", "flv", "flv", "", "", false},
		{"rtmpe:x", "", "", "", "rtmpe:x", "", false},
	}
	for _, c := range cases {
		p, ok := parseStreamName(c.name)
		if ok != c.ok || (ok && (p.Key != c.key || p.Format != c.format || p.Ext != c.ext)) || p.Stream != c.stream || p.Query != c.query {
			t.Errorf("parseStreamName(%q) = %+v, %v", c.name, p, ok)
		}
	}
}
