package vod

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/edge/media"
)

// videoAsset is a synthetic MP4 index: video frames every 40 ms with key
// frames at the given milliseconds, no audio.
func videoAsset(keys []uint32, end uint32) *media.Asset {
	a := longAsset(0)
	a.Tracks = a.Tracks[:1]
	key := map[uint32]bool{}
	for _, k := range keys {
		key[k] = true
	}
	for ms := uint32(0); ms < end; ms += 40 {
		a.Tags = append(a.Tags, media.Tag{Offset: int64(ms) * 100, Size: 100, Time: ms, Type: media.TypeVideo, Key: key[ms], PrefixLen: 5})
	}
	return a
}

func starts(p *Presentation) []uint32 {
	var s []uint32
	for _, seg := range p.segs {
		s = append(s, seg.start)
	}
	return s
}

func equal(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestCutsAtTheKeyFrameNearestTheTarget: segments start at key frames,
// each at the one nearest to the target after the previous cut.
func TestCutsAtTheKeyFrameNearestTheTarget(t *testing.T) {
	for _, c := range []struct {
		name   string
		keys   []uint32
		end    uint32
		target time.Duration
		want   []uint32
	}{
		{"every second", []uint32{0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 11000, 12000, 13000}, 14000, 0, []uint32{0, 6000, 12000}},
		{"just short of the target", []uint32{0, 5960, 11960, 17960}, 20000, 0, []uint32{0, 5960, 11960, 17960}},
		{"far apart", []uint32{0, 4000, 8000, 12000, 16000}, 18000, 0, []uint32{0, 8000, 16000}},
		{"nearer below", []uint32{0, 5000, 9000}, 12000, 0, []uint32{0, 5000}},
		{"long tail", []uint32{0, 5000, 9000}, 30000, 0, []uint32{0, 5000, 9000}},
		{"one key frame", []uint32{0}, 20000, 0, []uint32{0}},
		{"two-second option", []uint32{0, 1000, 2000, 3000, 4000, 5000}, 6000, 2 * time.Second, []uint32{0, 2000, 4000}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := New(videoAsset(c.keys, c.end), Options{SegmentDuration: c.target})
			if err != nil {
				t.Fatal(err)
			}
			if got := starts(p); !equal(got, c.want) {
				t.Errorf("segments start at %v, want %v", got, c.want)
			}
			if d := p.Duration(); d != time.Duration(c.end)*time.Millisecond {
				t.Errorf("duration %v, want %d ms", d, c.end)
			}
		})
	}
}

// TestAudioOnlyCutsAnyFrame: without video a segment may start at any audio
// frame, so segments are as near 6 s as the frames allow.
func TestAudioOnlyCutsAnyFrame(t *testing.T) {
	a := longAsset(0)
	a.Tracks, a.Headers, a.HasVideo = a.Tracks[1:], a.Headers[1:], false
	for f := int64(0); f*1024*1000/44100 < 20000; f++ {
		a.Tags = append(a.Tags, media.Tag{Offset: f * 300, Size: 300, Time: uint32(f * 1024 * 1000 / 44100), Type: media.TypeAudio, PrefixLen: 2})
	}
	p, err := New(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := starts(p); len(got) != 4 || got[1] < 5980 || got[1] > 6020 || got[2] < 11980 || got[2] > 12020 {
		t.Errorf("segments start at %v, want about 0, 6000, 12000, 18000", got)
	}
	// AAC timestamps land on the frame grid: every frame lasts 1024 samples.
	ss, _, err := p.readSegment(zeroes{}, 1, p.tracks)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range ss[0] {
		if s.dur != 1024 || s.dts%1024 != 0 {
			t.Fatalf("frame %d: dts %d, duration %d", i, s.dts, s.dur)
		}
	}
}

type zeroes struct{}

func (zeroes) ReadAt(b []byte, off int64) (int, error) { clear(b); return len(b), nil }

// TestRefusesUnplayableFLVCodecs: an FLV track of a codec browsers cannot
// decode is an ErrCodec and a media.CodecError naming it; a video-only or
// audio-only asset of playable codecs is fine.
func TestRefusesUnplayableFLVCodecs(t *testing.T) {
	a := videoAsset([]uint32{0}, 1000)
	a.Tracks = append(a.Tracks, media.Track{Type: media.TypeAudio, Codec: "Nellymoser"})
	_, err := New(a, Options{})
	var ce *media.CodecError
	if !errors.Is(err, ErrCodec) || !errors.As(err, &ce) || ce.Track != "audio" || ce.Codec != "Nellymoser" {
		t.Errorf("New = %v, want ErrCodec naming audio codec Nellymoser", err)
	}
	a.Tracks = []media.Track{{Type: media.TypeVideo, Codec: "VP6"}}
	if _, err := New(a, Options{}); !errors.As(err, &ce) || ce.Codec != "VP6" {
		t.Errorf("New = %v, want a CodecError naming VP6", err)
	}
	a.Headers = nil
	a.Tracks = []media.Track{{Type: media.TypeVideo, Codec: media.CodecH264}}
	if _, err := New(a, Options{}); !errors.Is(err, ErrCodec) || !strings.Contains(err.Error(), "sequence header") {
		t.Errorf("New without an AVC sequence header = %v", err)
	}
}

// TestQueryIsCleaned: a query is listed as given, except for what could
// break a playlist line, a quoted attribute or XML.
func TestQueryIsCleaned(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "",
		"?a=1&b=2":             "?a=1&b=2",
		"a=1":                  "?a=1",
		"?x=\"y\"\n#EXT-X-END": "?x=%22y%22%0A#EXT-X-END",
		"?<a>'":                "?%3Ca%3E%27",
	} {
		if got := cleanQuery(in); got != want {
			t.Errorf("cleanQuery(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestConcurrentServe: one Presentation serves many viewers at once, each
// getting the same bytes (run under -race by scripts/test).
func TestConcurrentServe(t *testing.T) {
	a := longAsset(time.Minute)
	p, err := New(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	obj := newSynthetic(a)
	names := []string{HLSPlaylist, TSPlaylist, DASHManifest, "init.mp4", "dash/video-init.mp4", "dash/audio-init.mp4"}
	for n := 1; n <= p.Segments(); n++ {
		names = append(names, "seg-"+strconv.Itoa(n)+".m4s", "ts/seg-"+strconv.Itoa(n)+".ts",
			"dash/video-"+strconv.Itoa(n)+".m4s", "dash/audio-"+strconv.Itoa(n)+".m4s")
	}
	fetch := func(rest string) []byte {
		w := httptest.NewRecorder()
		p.Serve(w, httptest.NewRequest(http.MethodGet, "/"+rest, nil), obj, rest, "?v=1")
		if w.Code != 200 {
			return nil
		}
		return w.Body.Bytes()
	}
	want := map[string][]byte{}
	for _, rest := range names {
		if want[rest] = fetch(rest); want[rest] == nil {
			t.Fatalf("%s: not served", rest)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(names))
	for range 8 {
		wg.Go(func() {
			for _, rest := range names {
				if !bytes.Equal(fetch(rest), want[rest]) {
					errs <- rest
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for rest := range errs {
		t.Errorf("%s differs when served concurrently", rest)
	}
}

// TestFLVTagsThatAreNotSamples: an FLV's repeated sequence headers (AVC
// packet type 0, AAC packet type 0) stay out of the segments; composition
// times come from the tags' own headers.
func TestFLVTagsThatAreNotSamples(t *testing.T) {
	a := longAsset(0)
	a.Format = "flv"
	var obj []byte
	add := func(typ uint8, ms uint32, key bool, body ...byte) {
		a.Tags = append(a.Tags, media.Tag{Offset: int64(len(obj)), Size: uint32(len(body)), Time: ms, Type: typ, Key: key})
		obj = append(obj, body...)
	}
	nal := []byte{0, 0, 0, 2, 0x65, 0x88}
	add(media.TypeVideo, 0, true, append([]byte{0x17, 1, 0, 0, 40}, nal...)...)
	add(media.TypeAudio, 0, false, 0xaf, 1, 0x21, 0x10)
	add(media.TypeVideo, 40, false, append([]byte{0x27, 0, 0, 0, 0}, nal...)...) // a repeated AVC sequence header
	add(media.TypeAudio, 23, false, 0xaf, 0, 0x12, 0x10)                         // a repeated AudioSpecificConfig
	add(media.TypeVideo, 40, false, append([]byte{0x27, 1, 0, 0, 0}, nal...)...)
	add(media.TypeAudio, 46, false, 0xaf, 1, 0x21, 0x10)
	add(media.TypeVideo, 80, false, 0x17, 2, 0, 0, 0) // AVC end of sequence: no NAL units
	p, err := New(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ss, data, err := p.readSegment(bytes.NewReader(obj), 0, p.tracks)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss[0]) != 2 || len(ss[1]) != 2 || len(data) != 2*len(nal)+2*2 {
		t.Fatalf("%d video and %d audio samples, %d bytes", len(ss[0]), len(ss[1]), len(data))
	}
	if ss[0][0].cto != 40*90 || !bytes.Equal(ss[0][0].data, nal) || !bytes.Equal(ss[1][1].data, []byte{0x21, 0x10}) {
		t.Errorf("samples %+v", ss)
	}
}
