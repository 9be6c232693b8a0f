package edge

import (
	"strings"
	"testing"
)

func TestSplitObjectPath(t *testing.T) {
	for path, want := range map[string]objectPath{
		"/videos/clip.mp4":                {key: "videos/clip.mp4", format: "mp4"},
		"/videos/clip.MP4/index.m3u8":     {key: "videos/clip.MP4", rest: "index.m3u8", format: "mp4", sub: true},
		"/a.flv/ts/seg-1.ts":              {key: "a.flv", rest: "ts/seg-1.ts", format: "flv", sub: true},
		"/a.mp3/":                         {key: "a.mp3", format: "mp3", sub: true},
		"/x.mov.d/b.m4a/dash/audio-1.m4s": {key: "x.mov.d/b.m4a", rest: "dash/audio-1.m4s", format: "mp4", sub: true},
		"/notes.txt":                      {key: "notes.txt"},
		"/dir.txt/clip.f4v/player":        {key: "dir.txt/clip.f4v", rest: "player", format: "mp4", sub: true},
	} {
		if got := splitObjectPath(path); got != want {
			t.Errorf("splitObjectPath(%q) = %+v, want %+v", path, got, want)
		}
	}
}

// FuzzSplitObjectPath: K and rest put back together are the path, and no
// element of K before its last has a media extension.
func FuzzSplitObjectPath(f *testing.F) {
	for _, s := range []string{"/videos/clip.mp4/index.m3u8", "/a.flv/", "//", "/a.mp4/b.mp4/c", "/x.MP3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		p := splitObjectPath(path)
		joined := p.key
		if p.sub {
			joined += "/" + p.rest
		}
		if joined != strings.TrimPrefix(path, "/") {
			t.Fatalf("splitObjectPath(%q) = %+v does not rebuild the path", path, p)
		}
		elems := strings.Split(p.key, "/")
		for _, e := range elems[:len(elems)-1] {
			if splitObjectPath(e + "/x").sub {
				t.Fatalf("splitObjectPath(%q) = %+v: K continues past the media element %q", path, p, e)
			}
		}
	})
}
