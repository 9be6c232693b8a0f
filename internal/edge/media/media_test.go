package media

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"testing"
)

// TestCodecErrorIsUnsupported: a CodecError, wrapped or not, is an
// ErrUnsupported and names the track and the codec.
func TestCodecErrorIsUnsupported(t *testing.T) {
	err := fmt.Errorf("open: %w", &CodecError{Track: "video", Codec: codecName("hvc1", 0)})
	var ce *CodecError
	if !errors.Is(err, ErrUnsupported) || !errors.As(err, &ce) || ce.Error() != "unsupported video codec hvc1 (HEVC)" {
		t.Fatalf("%v: Is ErrUnsupported %v, As %v", err, errors.Is(err, ErrUnsupported), ce)
	}
	for _, c := range []struct {
		entry      string
		objectType byte
		want       string
	}{{"mp4a", 0xa5, "mp4a (AC-3)"}, {"mp4a", 0x01, "mp4a (object type 0x01)"}, {"xyz1", 0, `"xyz1"`}} {
		if got := codecName(c.entry, c.objectType); got != c.want {
			t.Errorf("codecName(%q, %#x) = %q, want %q", c.entry, c.objectType, got, c.want)
		}
	}
}

func TestSeekIndex(t *testing.T) {
	a := &Asset{HasVideo: true, Tags: []Tag{
		{Type: TypeVideo, Time: 0, Key: true}, {Type: TypeAudio, Time: 0},
		{Type: TypeVideo, Time: 40}, {Type: TypeAudio, Time: 1000},
		{Type: TypeVideo, Time: 1000, Key: true}, {Type: TypeVideo, Time: 1040},
		{Type: TypeVideo, Time: 2000, Key: true},
	}}
	for _, c := range []struct {
		ms   uint32
		want int
	}{{0, 0}, {500, 0}, {999, 0}, {1000, 3}, {1500, 3}, {2000, 6}, {9000, 6}} {
		if got := a.SeekIndex(c.ms); got != c.want {
			t.Errorf("SeekIndex(%d) = %d, want %d", c.ms, got, c.want)
		}
	}
	audio := &Asset{Tags: []Tag{{Type: TypeAudio, Time: 0}, {Type: TypeAudio, Time: 26}, {Type: TypeAudio, Time: 52}}}
	for _, c := range []struct {
		ms   uint32
		want int
	}{{0, 0}, {20, 1}, {26, 1}, {60, 2}} {
		if got := audio.SeekIndex(c.ms); got != c.want {
			t.Errorf("audio SeekIndex(%d) = %d, want %d", c.ms, got, c.want)
		}
	}
}

func TestMPEGHeader(t *testing.T) {
	for _, c := range []struct {
		h                   []byte
		size, samples, rate int
		stereo              bool
	}{
		{[]byte{0xff, 0xfb, 0x90, 0x44}, 417, 1152, 44100, true}, // MPEG-1 L3 128k 44.1k joint stereo
		{[]byte{0xff, 0xfb, 0x92, 0x44}, 418, 1152, 44100, true}, // padded
		{[]byte{0xff, 0xf3, 0x40, 0xc4}, 104, 576, 22050, false}, // MPEG-2 L3 32k 22.05k mono
		{[]byte{0xff, 0xfd, 0x94, 0x04}, 480, 1152, 48000, true}, // MPEG-1 L2 160k 48k
	} {
		f, ok := parseMPEGHeader(c.h)
		if !ok || f.size != c.size || f.samples != c.samples || f.sampleRate != c.rate || f.stereo != c.stereo {
			t.Errorf("parseMPEGHeader(% x) = %+v, %v", c.h, f, ok)
		}
	}
	for _, bad := range [][]byte{{0xff, 0xfb, 0xf0, 0x44}, {0xff, 0xfb, 0x0c, 0x44}, {0xff, 0xe9, 0x90, 0x44}, {0xfe, 0xfb, 0x90, 0x44}} {
		if _, ok := parseMPEGHeader(bad); ok {
			t.Errorf("parseMPEGHeader(% x) accepted", bad)
		}
	}
}

// FuzzParse feeds arbitrary bytes to every parser: they may refuse, never
// panic, and what they accept indexes only bytes inside the object. The MP4
// parser allocates in proportion to the object, whatever its counts claim.
func FuzzParse(f *testing.F) {
	f.Add([]byte("FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00\x09\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x17\x01\x00\x00\x00\x00\x00\x00\x10"))
	f.Add(append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), append([]byte{0xff, 0xfb, 0x90, 0x44}, make([]byte, 413)...)...))
	f.Add([]byte("\x00\x00\x00\x10ftypisom\x00\x00\x02\x00\x00\x00\x00\x08moov"))
	small := []synthTrack{{video: true, n: 30, size: 40, perChunk: 7, timescale: 12800, delta: 512},
		{n: 50, size: 6, perChunk: 11, timescale: 44100, delta: 1024}}
	f.Add(synthMP4(small...))
	f.Add(toCo64(f, synthMP4(small[1])))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, format := range []string{"flv", "mp4", "mp3"} {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			a, err := Parse(format, bytes.NewReader(b), int64(len(b)))
			runtime.ReadMemStats(&after)
			if n := after.TotalAlloc - before.TotalAlloc; format == "mp4" && n > 128*uint64(len(b))+64<<10 {
				t.Fatalf("parsing %d bytes allocated %d", len(b), n)
			}
			if err != nil {
				continue
			}
			for _, tag := range a.Tags {
				if tag.Offset < 0 || tag.Offset+int64(tag.Size) > int64(len(b)) {
					t.Fatalf("%s: tag %+v outside the %d-byte object", format, tag, len(b))
				}
			}
		}
	})
}
