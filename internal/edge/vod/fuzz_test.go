package vod

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"

	"github.com/streamfront/streamfront/internal/edge/media"
)

// FuzzServe packages whatever media.Parse accepts and serves every name the
// presentation lists: New may refuse, Serve may answer 502 for bytes that
// are not there, neither may panic, and every listed name answers.
func FuzzServe(f *testing.F) {
	for _, name := range []string{"tiny.flv", "tiny.mp4", "tiny.mp3"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, format := range []string{"flv", "mp4", "mp3"} {
			a, err := media.Parse(format, bytes.NewReader(b), int64(len(b)))
			if err != nil {
				continue
			}
			p, err := New(a, Options{SegmentDuration: 500 * 1e6})
			if err != nil {
				continue
			}
			names := []string{HLSPlaylist, TSPlaylist, DASHManifest, hlsInit}
			for n := 1; n <= p.Segments(); n++ {
				names = append(names, "seg-"+strconv.Itoa(n)+".m4s", "ts/seg-"+strconv.Itoa(n)+".ts")
			}
			for _, tr := range p.tracks {
				names = append(names, "dash/"+tr.name+"-init.mp4")
				for n := 1; n <= len(tr.segs); n++ {
					names = append(names, "dash/"+tr.name+"-"+strconv.Itoa(n)+".m4s")
				}
			}
			for _, rest := range names {
				w := httptest.NewRecorder()
				p.Serve(w, httptest.NewRequest(http.MethodGet, "/"+rest, nil), bytes.NewReader(b), rest, "?q=1")
				if w.Code != 200 && w.Code != http.StatusBadGateway {
					t.Fatalf("%s %s: %d %s", format, rest, w.Code, w.Body)
				}
			}
		}
	})
}
