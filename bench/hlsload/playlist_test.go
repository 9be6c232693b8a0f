package main

import (
	"strings"
	"testing"
	"time"
)

// ffmpeg -f hls -hls_segment_type fmp4 -hls_playlist_type vod writes this.
const ffmpegPlaylist = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:6
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI="init.mp4"
#EXTINF:6.000000,
seg0.m4s
#EXTINF:6.000000,
seg1.m4s
#EXTINF:2.520000,
seg2.m4s
#EXT-X-ENDLIST
`

func TestParsePlaylist(t *testing.T) {
	p, err := parsePlaylist([]byte(ffmpegPlaylist), "http://127.0.0.1:8080/cold/x/index.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	if p.target != 6*time.Second || p.init != "http://127.0.0.1:8080/cold/x/init.mp4" || len(p.segments) != 3 {
		t.Fatalf("target %v, init %q, %d segments", p.target, p.init, len(p.segments))
	}
	last := p.segments[2]
	if last.url != "http://127.0.0.1:8080/cold/x/seg2.m4s" || last.start != 12*time.Second || last.duration != 2520*time.Millisecond {
		t.Errorf("last segment %+v", last)
	}
	if p.mediaDuration() != 14520*time.Millisecond {
		t.Errorf("media duration %v", p.mediaDuration())
	}
}

// A relative URI carrying a query (a signed playlist's) and an attribute list
// with a quoted comma resolve as a player resolves them.
func TestParsePlaylistQueryAndAttributes(t *testing.T) {
	body := "#EXTM3U\n#EXT-X-TARGETDURATION:7\n#EXT-X-MAP:ID=\"a,b\",URI=\"init.mp4?Expires=1&Signature=x\"\n" +
		"#EXTINF:6.4,title\r\nseg-1.m4s?Expires=1&Signature=x\n#EXT-X-ENDLIST\n"
	p, err := parsePlaylist([]byte(body), "http://h/videos/clip.mp4/index.m3u8?Expires=1&Signature=x")
	if err != nil {
		t.Fatal(err)
	}
	if p.init != "http://h/videos/clip.mp4/init.mp4?Expires=1&Signature=x" {
		t.Errorf("init %q", p.init)
	}
	if s := p.segments[0]; s.url != "http://h/videos/clip.mp4/seg-1.m4s?Expires=1&Signature=x" || s.duration != 6400*time.Millisecond {
		t.Errorf("segment %+v", s)
	}
}

func TestParsePlaylistRefuses(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"not a playlist", "<html>", "#EXTM3U"},
		{"master", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n", "master playlist"},
		{"no map", "#EXTM3U\n#EXTINF:6,\ns.ts\n", "EXT-X-MAP"},
		{"no segments", "#EXTM3U\n#EXT-X-MAP:URI=\"i.mp4\"\n#EXT-X-ENDLIST\n", "no segment"},
		{"uri without extinf", "#EXTM3U\n#EXT-X-MAP:URI=\"i.mp4\"\ns.m4s\n", "line 3: segment \"s.m4s\" without #EXTINF"},
		{"bad duration", "#EXTM3U\n#EXTINF:abc,\ns.m4s\n", "line 2: bad #EXTINF"},
		{"byte range", "#EXTM3U\n#EXT-X-MAP:URI=\"i.mp4\"\n#EXTINF:6,\n#EXT-X-BYTERANGE:100@0\ns.m4s\n", "byte-range"},
		{"map without uri", "#EXTM3U\n#EXT-X-MAP:BYTERANGE=\"1@0\"\n", "without URI"},
	} {
		_, err := parsePlaylist([]byte(tc.body), "http://h/k/index.m3u8")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
