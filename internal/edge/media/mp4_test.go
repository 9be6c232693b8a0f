package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/streamfront/streamfront/internal/testtool"
)

// clips are the ffmpeg-made files of the tests, made once per run.
var clips struct {
	sync.Mutex
	dir   string
	files map[string][]byte
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "media-clips-")
	if err != nil {
		panic(err)
	}
	clips.dir, clips.files = dir, map[string][]byte{}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Inputs and encoders of the clips: 4 s of 160x120 test pattern and a tone.
var (
	clipVideo = []string{"-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=4"}
	clipAudio = []string{"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=4"}
	clipH264  = []string{"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p"}
	clipAAC   = []string{"-c:a", "aac"}
	clipMP3   = []string{"-c:a", "libmp3lame", "-b:a", "128k"}
)

// mp4Clips are ffmpeg's MP4-family files: every layout and table the
// parser reads. has lists boxes the file must contain for the case to test
// what it says (and "!stss": one it must not).
var mp4Clips = []struct {
	name string
	args [][]string
	has  []string
}{
	{"moov-at-end.mp4", [][]string{clipVideo, clipAudio, clipH264, clipAAC}, []string{"stco", "stss"}},
	{"faststart.mp4", [][]string{clipVideo, clipAudio, clipH264, clipAAC, {"-movflags", "+faststart"}}, nil},
	{"mp3.mp4", [][]string{clipVideo, clipAudio, clipH264, clipMP3}, nil},
	{"aac.mov", [][]string{clipVideo, clipAudio, clipH264, clipAAC}, []string{"wave"}},
	{"mp3.mov", [][]string{clipVideo, clipAudio, clipH264, clipMP3}, []string{".mp3"}},
	{"clip.f4v", [][]string{clipVideo, clipAudio, clipH264, clipAAC, {"-f", "f4v"}}, []string{"elst"}},
	{"audio.m4a", [][]string{clipAudio, clipAAC}, nil},
	{"bframes.mp4", [][]string{{"-f", "lavfi", "-i", "testsrc=size=160x120:rate=30000/1001:duration=4"}, clipAudio,
		{"-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-g", "60", "-pix_fmt", "yuv420p"}, clipAAC}, []string{"ctts", "elst"}},
	{"negative-cts.mp4", [][]string{{"-f", "lavfi", "-i", "testsrc=size=160x120:rate=30000/1001:duration=4"}, clipAudio,
		{"-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-g", "60", "-pix_fmt", "yuv420p"}, clipAAC,
		{"-movflags", "negative_cts_offsets"}}, []string{"ctts"}},
	{"delayed-audio.mp4", [][]string{clipVideo, {"-itsoffset", "0.5"}, clipAudio, clipH264, clipAAC}, []string{"elst"}},
	{"all-key.mp4", [][]string{clipVideo, clipAudio, {"-c:v", "libx264", "-preset", "ultrafast", "-g", "1", "-pix_fmt", "yuv420p"}, clipAAC}, []string{"!stss"}},
	{"hevc.mp4", [][]string{clipVideo, clipAudio, {"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error"}, clipAAC}, nil},
	{"mpeg4.mp4", [][]string{clipVideo, clipAudio, {"-c:v", "mpeg4"}, clipAAC}, nil},
}

// clip returns the file of mp4Clips named name, made with ffmpeg on first use.
func clip(t *testing.T, name string) []byte {
	t.Helper()
	testtool.Require(t, "ffmpeg")
	clips.Lock()
	defer clips.Unlock()
	if b, ok := clips.files[name]; ok {
		return b
	}
	args := []string{"-v", "error", "-y"}
	found := false
	for _, c := range mp4Clips {
		if c.name == name {
			for _, a := range c.args {
				args = append(args, a...)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("no clip %q", name)
	}
	path := filepath.Join(clips.dir, name)
	if out, err := exec.Command("ffmpeg", append(args, path)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", name, err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	clips.files[name] = b
	return b
}

// parseReference is Parse("mp4", …) through the old go-mp4 parser.
func parseReference(r io.ReaderAt, size int64) (*Asset, error) {
	a, err := parseMP4Reference(r, size)
	if err != nil {
		return nil, err
	}
	if len(a.Tags) == 0 {
		return nil, errors.Join(ErrUnsupported, errors.New("no media samples"))
	}
	a.Format = "mp4"
	a.finish()
	return a, nil
}

// sameAsset fails the test with the first difference between two indexes.
func sameAsset(t *testing.T, what string, got, want *Asset) {
	t.Helper()
	if len(got.Tags) != len(want.Tags) {
		t.Fatalf("%s: %d tags, want %d", what, len(got.Tags), len(want.Tags))
	}
	for i := range got.Tags {
		if got.Tags[i] != want.Tags[i] {
			t.Fatalf("%s: tag %d is %+v, want %+v", what, i, got.Tags[i], want.Tags[i])
		}
	}
	g, w := *got, *want
	g.Tags, w.Tags = nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s: asset\n%+v\nwant\n%+v", what, g, w)
	}
}

// TestMP4MatchesReference parses ffmpeg's files with the parser and with
// the go-mp4 one it replaced: every sample's time, size, offset, key flag
// and codec header, the metadata and the tracks must be the same, and a
// refused file refused with the same error.
func TestMP4MatchesReference(t *testing.T) {
	testtool.Require(t, "ffmpeg")
	for _, c := range mp4Clips {
		t.Run(c.name, func(t *testing.T) {
			b := clip(t, c.name)
			for _, typ := range c.has {
				if n := len(findBoxes(t, b, strings.TrimPrefix(typ, "!"))) + len(findEntry(b, typ)); (n > 0) == strings.HasPrefix(typ, "!") {
					t.Fatalf("the clip has %d %q boxes", n, typ)
				}
			}
			got, err := Parse("mp4", bytes.NewReader(b), int64(len(b)))
			want, werr := parseReference(bytes.NewReader(b), int64(len(b)))
			if werr != nil {
				if err == nil || err.Error() != werr.Error() {
					t.Fatalf("error %v, want %v", err, werr)
				}
				var ce *CodecError
				if !errors.As(err, &ce) {
					t.Fatalf("%v is not a CodecError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sameAsset(t, c.name, got, want)
		})
	}
}

// findEntry finds a sample entry or a box inside one (wave) by its type's
// bytes: sample entries are not walked by findBoxes.
func findEntry(b []byte, typ string) []int {
	if typ != "wave" && typ != ".mp3" {
		return nil
	}
	var at []int
	for i := 4; i+4 <= len(b); i++ {
		if string(b[i:i+4]) == typ {
			at = append(at, i)
		}
	}
	return at
}

// TestMP4RewrittenTables: the same file with its tables written another
// way (co64 for stco, stz2 for stsz, version 1 mvhd, mdhd and elst) gives
// the same index; go-mp4 reads co64 and version 1 boxes too (not stz2).
func TestMP4RewrittenTables(t *testing.T) {
	testtool.Require(t, "ffmpeg")
	for _, name := range []string{"moov-at-end.mp4", "delayed-audio.mp4"} {
		orig := clip(t, name)
		want, err := parseReference(bytes.NewReader(orig), int64(len(orig)))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			what    string
			rewrite func(testing.TB, []byte) []byte
			box     string
			goMP4   bool
		}{{"co64", toCo64, "co64", true}, {"stz2", toStz2, "stz2", false}, {"version 1", toVersion1, "mdhd", true}} {
			b := c.rewrite(t, orig)
			if len(findBoxes(t, b, c.box)) == 0 || bytes.Equal(b, orig) {
				t.Fatalf("%s %s: the rewrite changed nothing", name, c.what)
			}
			got, err := Parse("mp4", bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatalf("%s %s: %v", name, c.what, err)
			}
			sameAsset(t, name+" "+c.what, got, want)
			if c.goMP4 {
				ref, err := parseReference(bytes.NewReader(b), int64(len(b)))
				if err != nil {
					t.Fatalf("%s %s: go-mp4: %v", name, c.what, err)
				}
				sameAsset(t, name+" "+c.what+" (go-mp4)", got, ref)
			}
		}
	}
}

// TestMP4Synthetic compares the parsers on a synthetic file (interleaved
// chunks, a partial last chunk, one ctts entry per sample) and checks what
// the index says against how the file was made.
func TestMP4Synthetic(t *testing.T) {
	b := synthMP4(
		synthTrack{video: true, n: 1000, size: 40, perChunk: 25, timescale: 12800, delta: 512},
		synthTrack{n: 1723, size: 6, perChunk: 43, timescale: 44100, delta: 1024})
	got, err := Parse("mp4", bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	want, err := parseReference(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	sameAsset(t, "synthetic", got, want)
	var video, audio, keys int
	for _, tag := range got.Tags {
		switch tag.Type {
		case TypeVideo:
			if video%50 == 0 != tag.Key || tag.Time != uint32(video*40) || tag.Size != 40 {
				t.Fatalf("video sample %d: %+v", video, tag)
			}
			if tag.Key {
				keys++
			}
			video++
		case TypeAudio:
			audio++
		}
	}
	if video != 1000 || audio != 1723 || keys != 20 || got.Duration.Milliseconds() != 1722*1024*1000/44100 {
		t.Fatalf("%d video (%d key), %d audio samples, %v", video, keys, audio, got.Duration)
	}
}

// TestMP4QuickTimeSound: QuickTime sound descriptions of versions 1 and 2
// carry fields before their boxes (go-mp4 skips them in a file of the qt
// brand; so does the parser, and in a MOV without an ftyp too).
func TestMP4QuickTimeSound(t *testing.T) {
	video := synthTrack{video: true, n: 100, size: 40, perChunk: 25, timescale: 12800, delta: 512}
	for _, version := range []uint16{1, 2} {
		b := synthMP4(video, synthTrack{n: 170, size: 6, perChunk: 43, timescale: 44100, delta: 1024, soundVersion: version})
		got, err := Parse("mp4", bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("version %d: %v", version, err)
		}
		want, err := parseReference(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("version %d: go-mp4: %v", version, err)
		}
		sameAsset(t, fmt.Sprintf("version %d", version), got, want)
		if len(got.Headers) != 2 || !bytes.Equal(got.Headers[1].Body, []byte{0xaf, 0, 0x12, 0x10}) {
			t.Fatalf("version %d: headers %v", version, got.Headers)
		}
		// The same file with its ftyp turned into a free box of the same size.
		noFtyp := append([]byte{}, b...)
		copy(noFtyp[4:8], "free")
		got, err = Parse("mp4", bytes.NewReader(noFtyp), int64(len(noFtyp)))
		if err != nil {
			t.Fatalf("version %d without ftyp: %v", version, err)
		}
		sameAsset(t, fmt.Sprintf("version %d without ftyp", version), got, want)
	}
}

// TestSampleSizes reads stz2's 4- and 8-bit sizes.
func TestSampleSizes(t *testing.T) {
	for _, c := range []struct {
		body []byte
		want []uint32
	}{
		{append([]byte{0, 0, 0, 0, 0, 0, 0, 4}, append(u32s(3), 0x1f, 0xa0)...), []uint32{1, 15, 10}},
		{append([]byte{0, 0, 0, 0, 0, 0, 0, 8}, append(u32s(2), 7, 200)...), []uint32{7, 200}},
	} {
		s, err := readStz2(c.body)
		if err != nil {
			t.Fatal(err)
		}
		var got []uint32
		for i := range int(s.count) {
			got = append(got, s.size(i))
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("stz2 % x: sizes %v, want %v", c.body, got, c.want)
		}
	}
}

// setCount returns file with the first box of type typ's 32-bit field at
// offset at of its payload set to v.
func setCount(t *testing.T, file []byte, typ string, at int, v uint32) []byte {
	t.Helper()
	done := false
	out := rewriteBoxes(t, file, func(got string, body []byte) []byte {
		if got != typ || done {
			return nil
		}
		done = true
		nb := append([]byte{}, body...)
		binary.BigEndian.PutUint32(nb[at:], v)
		return box(typ, nb)
	})
	if !done {
		t.Fatalf("no %s box", typ)
	}
	return out
}

// TestMP4Corrupt: a malformed file is refused as unsupported, naming what
// is wrong, and never makes the parser allocate what a count claims.
func TestMP4Corrupt(t *testing.T) {
	testtool.Require(t, "ffmpeg")
	end := clip(t, "bframes.mp4") // moov at the end
	fast := clip(t, "faststart.mp4")
	huge := uint32(0xffffffff)
	moovAt := bytes.Index(end, []byte("moov")) - 4
	cases := []struct {
		what string
		file []byte
		want string
	}{
		{"stts count", setCount(t, end, "stts", 4, huge), "stts of 4294967295 entries"},
		{"ctts count", setCount(t, end, "ctts", 4, huge), "ctts of 4294967295 entries"},
		{"stsc count", setCount(t, end, "stsc", 4, huge), "stsc of 4294967295 entries"},
		{"stsz count", setCount(t, end, "stsz", 8, huge), "stsz of 4294967295 entries"},
		{"stco count", setCount(t, end, "stco", 4, huge), "stco of 4294967295 entries"},
		{"stss count", setCount(t, end, "stss", 4, huge), "stss of 4294967295 entries"},
		{"elst count", setCount(t, end, "elst", 4, huge), "elst of 4294967295 entries"},
		{"constant sample size", setCount(t, setCount(t, end, "stsz", 8, 100000), "stsz", 4, 1000), "samples of 1000 bytes"},
		{"chunk offset", setCount(t, end, "stco", 8, uint32(len(end))), "outside the"},
		{"stsc first chunk 0", setCount(t, end, "stsc", 8, 0), "bad stsc"},
		{"moov past the end", end[:len(end)-1], "moov box past the end"},
		{"no moov", end[:moovAt], "no moov box"},
		{"truncated media data", fast[:len(fast)-1000], "outside the"},
		{"box larger than its parent", rewriteBoxes(t, end, func(typ string, body []byte) []byte {
			if typ == "mdhd" {
				b := box("mdhd", body)
				binary.BigEndian.PutUint32(b, 0xfff0)
				return b
			}
			return nil
		}), `"mdhd" box of 65520 bytes`},
		{"short mdhd", rewriteBoxes(t, end, func(typ string, body []byte) []byte {
			if typ == "mdhd" {
				return box("mdhd", body[:8])
			}
			return nil
		}), "short mdhd"},
		{"stz2 bits", rewriteBoxes(t, end, func(typ string, body []byte) []byte {
			if typ == "stsz" {
				return box("stz2", []byte{0, 0, 0, 0, 0, 0, 0, 12}, u32s(0))
			}
			return nil
		}), "stz2 with 12-bit sizes"},
	}
	for _, c := range cases {
		_, err := Parse("mp4", bytes.NewReader(c.file), int64(len(c.file)))
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(fmt.Sprint(err), c.want) {
			t.Errorf("%s: %v, want ErrUnsupported %q", c.what, err, c.want)
		}
	}
}

// zerosAfter is an object of size bytes: b, then zeros.
type zerosAfter struct {
	b    []byte
	size int64
}

func (z zerosAfter) ReadAt(p []byte, off int64) (int, error) {
	clear(p)
	if off < int64(len(z.b)) {
		copy(p, z.b[off:])
	}
	return len(p), nil
}

// TestMP4TooManySamples: a count of samples of a constant size that the
// object could hold but memory could not is refused before any allocation.
func TestMP4TooManySamples(t *testing.T) {
	b := synthMP4(synthTrack{n: 10, size: 6, perChunk: 10, timescale: 44100, delta: 1024})
	b = rewriteBoxes(t, b, func(typ string, body []byte) []byte {
		if typ == "stsz" {
			return box("stsz", u32s(0, 1, maxMP4Samples+1))
		}
		return nil
	})
	// The moov at the end, then a terabyte of zeros the samples could be in.
	_, err := Parse("mp4", zerosAfter{b, 1 << 40}, 1<<40)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("%v, want ErrUnsupported more than %d samples", err, maxMP4Samples)
	}
}

// countingReader counts the reads of an object.
type countingReader struct {
	r     *bytes.Reader
	reads int
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.reads++
	return c.r.ReadAt(p, off)
}

// TestMP4Reads: the parser reads a file with its moov after the media data
// in a handful of reads: the top-level box headers, then the moov at once.
func TestMP4Reads(t *testing.T) {
	b := longMP4()
	r := &countingReader{r: bytes.NewReader(b)}
	if _, err := Parse("mp4", r, int64(len(b))); err != nil {
		t.Fatal(err)
	}
	// ftyp's header and brands, mdat's header, moov's header and payload.
	if r.reads != 5 {
		t.Fatalf("%d reads", r.reads)
	}
}

// BenchmarkParseMP4 parses a synthetic two-hour MP4 (about 490,000
// samples, moov after the media data) with the parser and with the go-mp4
// one it replaced, from memory; reads/op counts ReadAt calls.
func BenchmarkParseMP4(b *testing.B) {
	file := longMP4()
	for _, p := range []struct {
		name  string
		parse func(r io.ReaderAt, size int64) (*Asset, error)
	}{
		{"new", func(r io.ReaderAt, size int64) (*Asset, error) {
			return Parse("mp4", r, size)
		}},
		{"go-mp4", parseReference},
	} {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			r := &countingReader{r: bytes.NewReader(file)}
			var a *Asset
			for b.Loop() {
				var err error
				if a, err = p.parse(r, int64(len(file))); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(r.reads)/float64(b.N), "reads/op")
			b.ReportMetric(float64(len(a.Tags)), "samples")
		})
	}
}

// failingReader fails every read that reaches past its first limit bytes
// with err (io.EOF: an object shorter than its stated size).
type failingReader struct {
	b     []byte
	limit int64
	err   error
}

func (f failingReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.limit {
		return 0, f.err
	}
	return copy(p, f.b[off:]), nil
}

// TestMP4ReadErrors: an origin error while reading the moov is the
// origin's (the edge answers it as the origin's failure), not a refusal of
// the object; an object shorter than its size is unsupported.
func TestMP4ReadErrors(t *testing.T) {
	b := synthMP4(synthTrack{n: 100, size: 6, perChunk: 10, timescale: 44100, delta: 1024})
	moov := int64(bytes.Index(b, []byte("moov")) - 4)
	errOrigin := errors.New("origin: connection reset")
	_, err := Parse("mp4", failingReader{b, moov + 100, errOrigin}, int64(len(b)))
	if !errors.Is(err, errOrigin) || errors.Is(err, ErrUnsupported) {
		t.Errorf("origin failure: %v", err)
	}
	_, err = Parse("mp4", failingReader{b, moov + 100, io.EOF}, int64(len(b)))
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "object ends before byte") {
		t.Errorf("short object: %v", err)
	}
}

// TestMP4TopLevel: the top-level boxes before the moov are found by their
// headers (64-bit sizes, size 0 to the end of the object); malformed
// headers and a moov too large to hold are refused.
func TestMP4TopLevel(t *testing.T) {
	ftyp := box("ftyp", []byte("isom\x00\x00\x02\x00isom"))
	large := append(u32s(1), "free"...)
	large = binary.BigEndian.AppendUint64(large, 16+1000)
	toEnd := append(u32s(0), "mdat"...)
	for _, c := range []struct {
		what string
		file []byte
		size int64 // of the object, its bytes followed by zeros
		want string
	}{
		{"no moov after a box to the end", append(append([]byte{}, ftyp...), toEnd...), 1 << 20, "no moov box"},
		{"a 64-bit size", append(append(append([]byte{}, ftyp...), large...), make([]byte, 1000)...), 0, "no moov box"},
		{"truncated 64-bit header", append(append([]byte{}, ftyp...), large[:12]...), 0, "truncated box header"},
		{"box smaller than its header", append(append([]byte{}, ftyp...), append(u32s(4), "free"...)...), 0, `"free" box of 4 bytes`},
		{"moov too large", append(append([]byte{}, ftyp...), append(u32s(maxMoovSize+9), "moov"...)...), 1 << 30, "moov box of 268435457 bytes"},
	} {
		size := c.size
		if size == 0 {
			size = int64(len(c.file))
		}
		_, err := Parse("mp4", zerosAfter{c.file, size}, size)
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrUnsupported %q", c.what, err, c.want)
		}
	}
	// The moov after an mdat of 64-bit size: a shorter ftyp keeps the
	// chunk offsets where they were.
	b := synthMP4(synthTrack{n: 10, size: 6, perChunk: 10, timescale: 44100, delta: 1024})
	want, err := Parse("mp4", bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	types, bodies, whole := splitBoxes(t, b)
	if !reflect.DeepEqual(types, []string{"ftyp", "mdat", "moov"}) || len(whole[0]) != 32 {
		t.Fatalf("synthetic file of %v", types)
	}
	wide := box("ftyp", []byte("isom\x00\x00\x02\x00isomiso2"))
	wide = append(append(wide, u32s(1)...), "mdat"...)
	wide = binary.BigEndian.AppendUint64(wide, uint64(16+len(bodies[1])))
	wide = append(append(wide, bodies[1]...), whole[2]...)
	got, err := Parse("mp4", bytes.NewReader(wide), int64(len(wide)))
	if err != nil {
		t.Fatal(err)
	}
	sameAsset(t, "64-bit mdat", got, want)
}
