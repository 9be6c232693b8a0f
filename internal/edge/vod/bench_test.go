package vod

import (
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/edge/media"
)

// longAsset is the index of a synthetic MP4 of d: H.264 at 25 fps (50 kbit
// frames, a key frame every 2 s) and AAC-LC at 44.1 kHz, interleaved in
// half-second chunks as muxers write them. Its bytes are zeros (zeroObject).
func longAsset(d time.Duration) *media.Asset {
	avcC, _ := hex.DecodeString("0142c00dffe100166742c00dda0507ec0440000003004000000c83c50aa801000468ce0fc8")
	a := &media.Asset{Format: "mp4", HasVideo: true,
		Headers: []media.Header{{Type: media.TypeVideo, Body: append([]byte{0x17, 0, 0, 0, 0}, avcC...)},
			{Type: media.TypeAudio, Body: []byte{0xaf, 0, 0x12, 0x10}}},
		Tracks: []media.Track{{Type: media.TypeVideo, Codec: media.CodecH264}, {Type: media.TypeAudio, Codec: media.CodecAAC}}}
	var off int64 = 48
	frames := int(d / (40 * time.Millisecond))
	audio := 0
	for v := 0; v < frames; v++ {
		ms := uint32(v * 40)
		size := uint32(6000)
		if v%50 == 0 {
			size = 30000
		}
		a.Tags = append(a.Tags, media.Tag{Offset: off, Size: size, Time: ms, Type: media.TypeVideo, Key: v%50 == 0, PrefixLen: 5})
		off += int64(size)
		for ; int64(audio)*1024*1000/44100 <= int64(ms)+40; audio++ {
			a.Tags = append(a.Tags, media.Tag{Offset: off, Size: 370, Time: uint32(int64(audio) * 1024 * 1000 / 44100), Type: media.TypeAudio, PrefixLen: 2})
			off += 370
		}
	}
	return a
}

// zeroObject is an object of zeros: reading it costs a copy, like a block cache hit.
type zeroObject struct{}

func (zeroObject) ReadAt(b []byte, off int64) (int, error) {
	clear(b)
	return len(b), nil
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkNew plans a two-hour asset (about 490,000 samples).
func BenchmarkNew(b *testing.B) {
	a := longAsset(2 * time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(a, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(a.Tags)), "samples")
}

// BenchmarkServe answers a segment (or playlist) from the middle of a
// two-hour asset; bytes/op is the size of the answer.
func BenchmarkServe(b *testing.B) {
	p, err := New(longAsset(2*time.Hour), Options{})
	if err != nil {
		b.Fatal(err)
	}
	mid := strconv.Itoa(p.Segments() / 2)
	for _, rest := range []string{"seg-" + mid + ".m4s", "dash/video-" + mid + ".m4s", "ts/seg-" + mid + ".ts", HLSPlaylist, DASHManifest} {
		b.Run(rest, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/"+rest, nil)
			w := &discard{h: http.Header{}}
			p.Serve(w, r, zeroObject{}, rest, "")
			size, _ := strconv.Atoi(w.h.Get("Content-Length"))
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				p.Serve(w, r, zeroObject{}, rest, "")
			}
		})
	}
}
