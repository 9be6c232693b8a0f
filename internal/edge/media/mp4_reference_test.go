// The MP4 parser as it was before mp4box.go: github.com/abema/go-mp4's
// reflective ReadBoxStructure. It stays here, in a test file only, as the
// reference the new parser's results are compared with (mp4_test.go) and
// the baseline of BenchmarkParseMP4.

package media

import (
	"bytes"
	"fmt"
	"io"
	"slices"

	amp4 "github.com/abema/go-mp4"
	"github.com/bluenviron/gortmplib/pkg/amf0"
)

// refTrack collects the sample tables of one trak box.
type refTrack struct {
	handler    string // "vide" or "soun"
	timescale  uint32
	entry      string // type of the first sample entry: "avc1", "mp4a", ".mp3", "hvc1"…
	objectType byte   // of an mp4a entry's esds: 0x40 AAC, 0x69/0x6B MP3
	config     []byte // AVCDecoderConfigurationRecord or AudioSpecificConfig
	width      uint16
	height     uint16
	rate       uint32
	channels   uint16

	stts      []amp4.SttsEntry
	ctts      *amp4.Ctts
	stsc      []amp4.StscEntry
	sizes     []uint32
	constSize uint32
	count     uint32
	offsets   []uint64
	sync      []uint32 // 1-based sample numbers; nil when every sample is a sync sample
	hasSync   bool
	emptyEdit uint64 // leading empty edits, movie timescale
	mediaTime int64  // media time the presentation starts at
}

// refBoxes are the boxes walked into to reach the sample tables.
var refBoxes = map[string]bool{
	"moov": true, "trak": true, "edts": true, "mdia": true, "minf": true,
	"stbl": true, "stsd": true,
	"wave": true, // QuickTime keeps mp4a's esds in a wave box
}

// parseMP4 indexes a progressive MP4/F4V/MOV with H.264, AAC and MP3 tracks;
// any other audio or video codec refuses the object with a CodecError.
func parseMP4Reference(r io.ReaderAt, size int64) (*Asset, error) {
	var tracks []*refTrack
	var movieScale uint32 = 1000
	var cur *refTrack
	_, err := amp4.ReadBoxStructure(io.NewSectionReader(r, 0, size), func(h *amp4.ReadHandle) (any, error) {
		typ := h.BoxInfo.Type.String()
		if typ == "trak" {
			cur = &refTrack{}
			tracks = append(tracks, cur)
		}
		if cur != nil && len(h.Path) >= 2 && h.Path[len(h.Path)-2].String() == "stsd" {
			return cur.readSampleEntry(h, typ)
		}
		if refBoxes[typ] {
			return h.Expand()
		}
		if typ == "mvhd" {
			box, _, err := h.ReadPayload()
			if err != nil {
				return nil, err
			}
			if ts := box.(*amp4.Mvhd).Timescale; ts > 0 {
				movieScale = ts
			}
			return nil, nil
		}
		if cur == nil {
			return nil, nil
		}
		return nil, cur.readBox(h, typ)
	})
	if err != nil {
		return nil, fmt.Errorf("%w: mp4: %v", ErrUnsupported, err)
	}
	// Edit lists may start a track before zero (B-frame delay, AAC priming);
	// RTMP timestamps are unsigned, so every track moves by the same amount.
	var base int64
	codecs := make([]int, len(tracks))
	for i, t := range tracks {
		if codecs[i], err = t.rtmpCodec(); err != nil {
			return nil, err
		}
		if codecs[i] != codecNone {
			base = max(base, -t.shiftMS(movieScale))
		}
	}
	a := &Asset{}
	for i, t := range tracks {
		if codecs[i] == codecNone {
			continue
		}
		if err := refAddTrack(a, r, t, codecs[i], movieScale, base); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// readSampleEntry notes the type of the track's first sample entry and,
// for the codecs RTMP carries, reads it and the boxes in it (avcC, esds).
func (t *refTrack) readSampleEntry(h *amp4.ReadHandle, typ string) (any, error) {
	if t.entry != "" {
		return nil, nil // only the first sample description is used
	}
	t.entry = typ
	if typ != "avc1" && typ != "mp4a" {
		return nil, nil
	}
	box, _, err := h.ReadPayload()
	if err != nil {
		return nil, err
	}
	switch e := box.(type) {
	case *amp4.VisualSampleEntry:
		t.width, t.height = e.Width, e.Height
	case *amp4.AudioSampleEntry:
		t.rate, t.channels = e.SampleRate>>16, e.ChannelCount
	}
	return h.Expand()
}

func (t *refTrack) readBox(h *amp4.ReadHandle, typ string) error {
	if typ == "avcC" {
		var buf bytes.Buffer
		if _, err := h.ReadData(&buf); err != nil {
			return err
		}
		t.config = buf.Bytes()
		return nil
	}
	switch typ {
	case "hdlr", "mdhd", "elst", "esds", "stts", "ctts", "stsc", "stsz", "stco", "co64", "stss":
	default:
		return nil
	}
	box, _, err := h.ReadPayload()
	if err != nil {
		return err
	}
	switch b := box.(type) {
	case *amp4.Hdlr:
		// MOV also has a data handler (alis, url) in minf: keep the media one.
		if h := string(b.HandlerType[:]); h == "vide" || h == "soun" {
			t.handler = h
		}
	case *amp4.Mdhd:
		t.timescale = b.Timescale
	case *amp4.Elst:
		t.readEdits(b)
	case *amp4.Esds:
		for _, d := range b.Descriptors {
			if d.Tag == amp4.DecoderConfigDescrTag && d.DecoderConfigDescriptor != nil && t.objectType == 0 {
				t.objectType = d.DecoderConfigDescriptor.ObjectTypeIndication
			}
			if d.Tag == amp4.DecSpecificInfoTag && t.config == nil {
				t.config = d.Data
			}
		}
	case *amp4.Stts:
		t.stts = b.Entries
	case *amp4.Ctts:
		t.ctts = b
	case *amp4.Stsc:
		t.stsc = b.Entries
	case *amp4.Stsz:
		t.sizes, t.constSize, t.count = b.EntrySize, b.SampleSize, b.SampleCount
	case *amp4.Stco:
		for _, o := range b.ChunkOffset {
			t.offsets = append(t.offsets, uint64(o))
		}
	case *amp4.Co64:
		t.offsets = b.ChunkOffset
	case *amp4.Stss:
		t.sync, t.hasSync = b.SampleNumber, true
	}
	return nil
}

// readEdits keeps what a simple player honours: leading empty edits delay
// the track, the first real edit says which media time is shown first.
func (t *refTrack) readEdits(b *amp4.Elst) {
	for i := range b.Entries {
		mt := b.GetMediaTime(i)
		if mt == -1 {
			t.emptyEdit += b.GetSegmentDuration(i)
			continue
		}
		t.mediaTime = mt
		return
	}
}

// rtmpCodec is how RTMP carries the track: H.264 video, AAC or MP3 audio
// (in an mp4a entry, as ffmpeg writes it, or a QuickTime .mp3 one), or
// codecNone for a track that is neither audio nor video. Any other codec is
// a CodecError, and a track without the configuration its codec needs is
// unsupported too.
func (t *refTrack) rtmpCodec() (int, error) {
	var codec int
	switch {
	case t.handler == "vide" && t.entry == "avc1":
		codec = codecH264
	case t.handler == "soun" && (t.entry == ".mp3" || t.entry == "mp4a" && (t.objectType == 0x69 || t.objectType == 0x6b)):
		codec = codecMP3
	case t.handler == "soun" && t.entry == "mp4a" && isAAC(t.objectType):
		codec = codecAAC
	case t.handler == "vide":
		return 0, &CodecError{Track: "video", Codec: codecName(t.entry, 0)}
	case t.handler == "soun":
		return 0, &CodecError{Track: "audio", Codec: codecName(t.entry, t.objectType)}
	default:
		return codecNone, nil
	}
	if t.timescale == 0 || t.config == nil && codec != codecMP3 {
		return 0, fmt.Errorf("%w: mp4: %s track without its configuration", ErrUnsupported, codecName(t.entry, t.objectType))
	}
	return codec, nil
}

// shift is the track's presentation offset in its timescale.
func (t *refTrack) shift(movieScale uint32) int64 {
	return int64(t.emptyEdit)*int64(t.timescale)/int64(movieScale) - t.mediaTime
}

func (t *refTrack) shiftMS(movieScale uint32) int64 {
	return t.shift(movieScale) * 1000 / int64(t.timescale)
}

// sampleOffsets expands stsc and stco/co64 into one file offset per sample.
func (t *refTrack) sampleOffsets(n int) ([]int64, error) {
	offs := make([]int64, 0, n)
	for i, e := range t.stsc {
		last := uint32(len(t.offsets))
		if i+1 < len(t.stsc) {
			last = t.stsc[i+1].FirstChunk - 1
		}
		if e.FirstChunk == 0 || last > uint32(len(t.offsets)) {
			return nil, fmt.Errorf("%w: mp4: bad stsc", ErrUnsupported)
		}
		for c := e.FirstChunk - 1; c < last; c++ {
			off := int64(t.offsets[c])
			for range e.SamplesPerChunk {
				if len(offs) == n {
					return offs, nil
				}
				offs = append(offs, off)
				off += int64(t.sampleSize(len(offs) - 1))
			}
		}
	}
	if len(offs) != n {
		return nil, fmt.Errorf("%w: mp4: sample tables disagree", ErrUnsupported)
	}
	return offs, nil
}

func (t *refTrack) sampleSize(i int) uint32 {
	if t.constSize != 0 {
		return t.constSize
	}
	return t.sizes[i]
}

// refAddTrack appends the track's samples as tags and its configuration
// (H.264, AAC; MP3 has none) as a header.
func refAddTrack(a *Asset, r io.ReaderAt, t *refTrack, codec int, movieScale uint32, base int64) error {
	video := codec == codecH264
	a.Tracks = append(a.Tracks, mp4TrackInfo(codec))
	n := int(t.count)
	if t.constSize == 0 && len(t.sizes) != n {
		return fmt.Errorf("%w: mp4: bad stsz", ErrUnsupported)
	}
	offs, err := t.sampleOffsets(n)
	if err != nil {
		return err
	}
	audioPrefix, err := refAddAudioHeader(a, r, t, codec, offs)
	if err != nil {
		return err
	}
	scale := int64(t.timescale)
	shift := t.shift(movieScale)
	ms := func(v int64) uint32 { return uint32(max(v*1000/scale+base, 0)) }
	var ctsIdx, ctsLeft int
	if t.ctts != nil && len(t.ctts.Entries) > 0 {
		ctsLeft = int(t.ctts.Entries[0].SampleCount)
	}
	dts := int64(0)
	sttsIdx, sttsLeft := 0, 0
	syncIdx := 0
	for i := range n {
		for sttsLeft == 0 && sttsIdx < len(t.stts) {
			sttsLeft = int(t.stts[sttsIdx].SampleCount)
			sttsIdx++
		}
		var cto int64
		if t.ctts != nil && ctsIdx < len(t.ctts.Entries) {
			cto = t.ctts.GetSampleOffset(ctsIdx)
			if ctsLeft--; ctsLeft == 0 && ctsIdx+1 < len(t.ctts.Entries) {
				ctsIdx++
				ctsLeft = int(t.ctts.Entries[ctsIdx].SampleCount)
			}
		}
		tag := Tag{Offset: offs[i], Size: t.sampleSize(i), Time: ms(dts + shift)}
		if video {
			key := !t.hasSync
			for syncIdx < len(t.sync) && t.sync[syncIdx] < uint32(i+1) {
				syncIdx++
			}
			if syncIdx < len(t.sync) && t.sync[syncIdx] == uint32(i+1) {
				key = true
			}
			c := int32(ms(dts+cto+shift)) - int32(tag.Time)
			tag.Type, tag.Key, tag.PrefixLen = TypeVideo, key, 5
			tag.Prefix = [5]byte{0x27, 1, byte(c >> 16), byte(c >> 8), byte(c)}
			if key {
				tag.Prefix[0] = 0x17
			}
		} else {
			tag.Type, tag.PrefixLen = TypeAudio, uint8(len(audioPrefix))
			copy(tag.Prefix[:], audioPrefix)
		}
		a.Tags = append(a.Tags, tag)
		if sttsLeft > 0 {
			dts += int64(t.stts[sttsIdx-1].SampleDelta)
			sttsLeft--
		}
	}
	if video {
		a.Headers = append(a.Headers, Header{Type: TypeVideo, Body: append([]byte{0x17, 0, 0, 0, 0}, t.config...)})
		a.Meta = append(a.Meta,
			amf0.ObjectEntry{Key: "width", Value: float64(t.width)},
			amf0.ObjectEntry{Key: "height", Value: float64(t.height)},
			amf0.ObjectEntry{Key: "videocodecid", Value: float64(7)})
	}
	slices.SortStableFunc(a.Tags, func(x, y Tag) int { return int(x.Time) - int(y.Time) })
	return nil
}

// refAddAudioHeader adds an audio track's codec header and metadata and
// returns the RTMP audio tag header each of its samples gets: AAC's
// sequence header is its AudioSpecificConfig; MP3 has none, and its tag
// header describes the first frame (as an MP3 file's does, see mp3.go).
func refAddAudioHeader(a *Asset, r io.ReaderAt, t *refTrack, codec int, offs []int64) ([]byte, error) {
	switch codec {
	case codecAAC:
		a.Headers = append(a.Headers, Header{Type: TypeAudio, Body: append([]byte{0xaf, 0}, t.config...)})
		a.Meta = append(a.Meta,
			amf0.ObjectEntry{Key: "audiocodecid", Value: float64(10)},
			amf0.ObjectEntry{Key: "audiosamplerate", Value: float64(t.rate)},
			amf0.ObjectEntry{Key: "stereo", Value: t.channels > 1})
		return []byte{0xaf, 1}, nil
	case codecMP3:
		var h [4]byte
		if len(offs) == 0 {
			return nil, fmt.Errorf("%w: mp4: MP3 track without samples", ErrUnsupported)
		}
		if _, err := r.ReadAt(h[:], offs[0]); err != nil {
			return nil, err
		}
		f, ok := parseMPEGHeader(h[:])
		if !ok {
			return nil, fmt.Errorf("%w: mp4: MP3 track: %w", ErrUnsupported, errNoSync)
		}
		a.Meta = append(a.Meta,
			amf0.ObjectEntry{Key: "audiocodecid", Value: float64(2)},
			amf0.ObjectEntry{Key: "audiosamplerate", Value: float64(f.sampleRate)},
			amf0.ObjectEntry{Key: "stereo", Value: f.stereo})
		return []byte{mp3TagHeader(f)}, nil
	}
	return nil, nil // video
}
