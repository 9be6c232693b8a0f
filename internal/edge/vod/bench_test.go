package vod

import (
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"sort"
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

// synthetic is the object of a longAsset: each video sample one NAL unit
// (its 4-byte length and header, then zeros), everything else zeros.
// Reading it costs about a copy, like a block cache hit.
type synthetic struct{ video []media.Tag }

func newSynthetic(a *media.Asset) synthetic {
	var s synthetic
	for _, t := range a.Tags {
		if t.Type == media.TypeVideo {
			s.video = append(s.video, t)
		}
	}
	return s
}

func (s synthetic) ReadAt(b []byte, off int64) (int, error) {
	clear(b)
	i := sort.Search(len(s.video), func(i int) bool { return s.video[i].Offset+int64(s.video[i].Size) > off })
	for ; i < len(s.video) && s.video[i].Offset < off+int64(len(b)); i++ {
		t := s.video[i]
		var h [5]byte
		binary.BigEndian.PutUint32(h[:], t.Size-4)
		h[4] = 0x41
		if t.Key {
			h[4] = 0x65
		}
		for k := range h {
			if at := t.Offset + int64(k) - off; at >= 0 && at < int64(len(b)) {
				b[at] = h[k]
			}
		}
	}
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
	a := longAsset(2 * time.Hour)
	p, err := New(a, Options{})
	if err != nil {
		b.Fatal(err)
	}
	obj := newSynthetic(a)
	mid := strconv.Itoa(p.Segments() / 2)
	for _, rest := range []string{"seg-" + mid + ".m4s", "dash/video-" + mid + ".m4s", "ts/seg-" + mid + ".ts", HLSPlaylist, DASHManifest} {
		b.Run(rest, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/"+rest, nil)
			w := &discard{h: http.Header{}}
			p.Serve(w, r, obj, rest, "")
			size, _ := strconv.Atoi(w.h.Get("Content-Length"))
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				p.Serve(w, r, obj, rest, "")
			}
		})
	}
}
