package media

import (
	"fmt"
	"io"
	"slices"

	"github.com/bluenviron/gortmplib/pkg/amf0"
)

// How RTMP carries a track's codec, without transcoding.
const (
	codecNone = iota // not an audio or video track (timecode, hint, text)
	codecH264
	codecAAC
	codecMP3
)

// maxMP4Samples bounds the samples of one object (each costs a 24-byte Tag
// in memory): more than three days of 60 fps video with 48 kHz AAC.
const maxMP4Samples = 1 << 25

// parseMP4 indexes a progressive MP4/F4V/MOV with H.264, AAC and MP3 tracks;
// any other audio or video codec refuses the object with a CodecError. The
// moov box is read into memory at once (mp4box.go) and its sample tables
// are decoded from there, entry by entry, straight into the tags.
func parseMP4(r io.ReaderAt, size int64) (*Asset, error) {
	moov, quickTime, err := readMoov(r, size)
	if err != nil {
		return nil, err
	}
	movieScale, tracks, err := parseMoov(moov, quickTime)
	if err != nil {
		return nil, err
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
	// One slice holds every track's tags, track after track, merged in place.
	total := 0
	for i, t := range tracks {
		if codecs[i] != codecNone {
			if total += int(t.sizes.count); total > maxMP4Samples {
				return nil, fmt.Errorf("%w: mp4: more than %d samples", ErrUnsupported, maxMP4Samples)
			}
			if err := t.checkSizes(size); err != nil {
				return nil, err
			}
		}
	}
	a := &Asset{Tags: make([]Tag, total)}
	var ends []int
	at := 0
	for i, t := range tracks {
		if codecs[i] == codecNone {
			continue
		}
		n := int(t.sizes.count)
		if err := a.addMP4Track(r, size, t, codecs[i], movieScale, base, a.Tags[at:at+n]); err != nil {
			return nil, err
		}
		at += n
		ends = append(ends, at)
	}
	mergeRuns(a.Tags, ends)
	return a, nil
}

// rtmpCodec is how RTMP carries the track: H.264 video, AAC or MP3 audio
// (in an mp4a entry, as ffmpeg writes it, or a QuickTime .mp3 one), or
// codecNone for a track that is neither audio nor video. Any other codec is
// a CodecError, and a track without the configuration its codec needs is
// unsupported too.
func (t *mp4Track) rtmpCodec() (int, error) {
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

// isAAC reports whether an mp4a entry's object type is AAC (MPEG-4 or
// MPEG-2); 0 is an esds without one, which has always meant AAC here.
func isAAC(objectType byte) bool {
	return objectType == 0 || objectType == 0x40 || objectType >= 0x66 && objectType <= 0x68
}

// shift is the track's presentation offset in its timescale.
func (t *mp4Track) shift(movieScale uint32) int64 {
	return int64(t.emptyEdit)*int64(t.timescale)/int64(movieScale) - t.mediaTime
}

func (t *mp4Track) shiftMS(movieScale uint32) int64 {
	return t.shift(movieScale) * 1000 / int64(t.timescale)
}

// addMP4Track fills tags with the track's samples, in decode order, and
// adds its configuration (H.264, AAC; MP3 has none) as a header.
func (a *Asset) addMP4Track(r io.ReaderAt, size int64, t *mp4Track, codec int, movieScale uint32, base int64, tags []Tag) error {
	a.Tracks = append(a.Tracks, mp4TrackInfo(codec))
	if err := t.setPlaces(tags, size); err != nil {
		return err
	}
	audioPrefix, err := a.addMP4AudioHeader(r, t, codec, tags)
	if err != nil {
		return err
	}
	video := codec == codecH264
	t.setTimes(tags, movieScale, base, video, audioPrefix)
	if video {
		a.Headers = append(a.Headers, Header{Type: TypeVideo, Body: append([]byte{0x17, 0, 0, 0, 0}, t.config...)})
		a.Meta = append(a.Meta,
			amf0.ObjectEntry{Key: "width", Value: float64(t.width)},
			amf0.ObjectEntry{Key: "height", Value: float64(t.height)},
			amf0.ObjectEntry{Key: "videocodecid", Value: float64(7)})
	}
	// Decode times only grow, so this sorts only a track whose millisecond
	// times wrapped around (a corrupt or weeks-long file).
	if !slices.IsSortedFunc(tags, byTime) {
		slices.SortStableFunc(tags, byTime)
	}
	return nil
}

func byTime(x, y Tag) int { return int(x.Time) - int(y.Time) }

// checkSizes refuses a constant sample size and count the object cannot
// hold, before any memory is given to them (a table of sizes is as long as
// the moov allows).
func (t *mp4Track) checkSizes(objSize int64) error {
	if n, c := uint64(t.sizes.count), uint64(t.sizes.constant); c != 0 && n*c > uint64(objSize) {
		return fmt.Errorf("%w: mp4: %d samples of %d bytes in a %d-byte object", ErrUnsupported, n, c, objSize)
	}
	return nil
}

// setPlaces sets each sample's size and file offset (stsz or stz2, stsc
// and stco or co64: a chunk's samples follow each other); every sample must
// lie inside the object.
func (t *mp4Track) setPlaces(tags []Tag, objSize int64) error {
	chunks := uint32(t.chunks.len())
	k := 0
	for i := range t.stsc.len() {
		first, last := t.stsc.u32(i, 0), chunks
		if i+1 < t.stsc.len() {
			last = t.stsc.u32(i+1, 0) - 1
		}
		if first == 0 || last > chunks {
			return fmt.Errorf("%w: mp4: bad stsc", ErrUnsupported)
		}
		perChunk := t.stsc.u32(i, 1)
		if perChunk == 0 {
			continue // no samples: not a walk over chunks for each such entry
		}
		for c := first - 1; c < last; c++ {
			off := t.chunkOffset(int(c))
			for range perChunk {
				if k == len(tags) {
					return nil
				}
				size := t.sizes.size(k)
				if off < 0 || off > objSize-int64(size) {
					return fmt.Errorf("%w: mp4: sample %d of %d bytes at %d is outside the %d-byte object", ErrUnsupported, k+1, size, off, objSize)
				}
				tags[k].Offset, tags[k].Size = off, size
				off += int64(size)
				k++
			}
		}
	}
	if k != len(tags) {
		return fmt.Errorf("%w: mp4: sample tables disagree", ErrUnsupported)
	}
	return nil
}

func (t *mp4Track) chunkOffset(c int) int64 {
	if t.chunks.width == 8 {
		return int64(t.chunks.u64(c))
	}
	return int64(t.chunks.u32(c, 0))
}

// setTimes sets each tag's millisecond decode time (stts, moved by the edit
// list and base) and its type and RTMP tag header: for video the key flag
// (stss) and the composition offset (ctts), for audio audioPrefix.
func (t *mp4Track) setTimes(tags []Tag, movieScale uint32, base int64, video bool, audioPrefix []byte) {
	scale := int64(t.timescale)
	shift := t.shift(movieScale)
	ms := func(v int64) uint32 { return uint32(max(v*1000/scale+base, 0)) }
	var cts cttsCursor
	if video {
		cts = t.newCttsCursor()
	}
	dts := int64(0)
	sttsIdx, sttsLeft := 0, 0
	syncIdx, nsync := 0, t.sync.len()
	for i := range tags {
		for sttsLeft == 0 && sttsIdx < t.stts.len() {
			sttsLeft = int(t.stts.u32(sttsIdx, 0))
			sttsIdx++
		}
		tag := &tags[i]
		tag.Time = ms(dts + shift)
		if video {
			cto := cts.next()
			key := !t.hasSync
			for syncIdx < nsync && t.sync.u32(syncIdx, 0) < uint32(i+1) {
				syncIdx++
			}
			if syncIdx < nsync && t.sync.u32(syncIdx, 0) == uint32(i+1) {
				key = true
			}
			var c int32
			if cto != 0 {
				c = int32(ms(dts+cto+shift)) - int32(tag.Time)
			}
			tag.Type, tag.Key, tag.PrefixLen = TypeVideo, key, 5
			tag.Prefix = [5]byte{0x27, 1, byte(c >> 16), byte(c >> 8), byte(c)}
			if key {
				tag.Prefix[0] = 0x17
			}
		} else {
			tag.Type, tag.PrefixLen = TypeAudio, uint8(len(audioPrefix))
			copy(tag.Prefix[:], audioPrefix)
		}
		if sttsLeft > 0 {
			dts += int64(t.stts.u32(sttsIdx-1, 1))
			sttsLeft--
		}
	}
}

// cttsCursor walks the composition offsets sample by sample.
type cttsCursor struct {
	t         *mp4Track
	idx, left int
}

func (t *mp4Track) newCttsCursor() cttsCursor {
	c := cttsCursor{t: t}
	if t.ctts.len() > 0 {
		c.left = int(t.ctts.u32(0, 0))
	}
	return c
}

// next is the composition offset of the next sample: 0 past the table;
// version 0 offsets are unsigned, version 1 signed.
func (c *cttsCursor) next() int64 {
	if c.t == nil || c.idx >= c.t.ctts.len() {
		return 0
	}
	v := c.t.ctts.u32(c.idx, 1)
	cto := int64(v)
	if c.t.cttsSigned {
		cto = int64(int32(v))
	}
	if c.left--; c.left == 0 && c.idx+1 < c.t.ctts.len() {
		c.idx++
		c.left = int(c.t.ctts.u32(c.idx, 0))
	}
	return cto
}

// mergeRuns merges in place the runs of tags that end at ends, each in
// time order, into one in time order; tags of equal time keep the order of
// their runs (as a stable sort of the whole would). Neighbours merge
// pairwise, each with a copy of the left run.
func mergeRuns(tags []Tag, ends []int) {
	var left []Tag
	for len(ends) > 1 {
		next, start := ends[:0], 0
		for i := 0; i < len(ends); i += 2 {
			if i+1 == len(ends) {
				next = append(next, ends[i])
				break
			}
			mid, end := ends[i], ends[i+1]
			left = append(left[:0], tags[start:mid]...)
			mergeInto(tags[start:end], left, tags[mid:end])
			next, start = append(next, end), end
		}
		ends = next
	}
}

// mergeInto merges x and y into out, where y is the end of out: writing
// never overtakes the reading of y.
func mergeInto(out, x, y []Tag) {
	i, j, k := 0, 0, 0
	for ; i < len(x) && j < len(y); k++ {
		if y[j].Time < x[i].Time {
			out[k] = y[j]
			j++
		} else {
			out[k] = x[i]
			i++
		}
	}
	copy(out[k:], x[i:]) // what is left of y is already in place
}

// addMP4AudioHeader adds an audio track's codec header and metadata and
// returns the RTMP audio tag header each of its samples gets: AAC's
// sequence header is its AudioSpecificConfig; MP3 has none, and its tag
// header describes the first frame (as an MP3 file's does, see mp3.go).
func (a *Asset) addMP4AudioHeader(r io.ReaderAt, t *mp4Track, codec int, tags []Tag) ([]byte, error) {
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
		if len(tags) == 0 {
			return nil, fmt.Errorf("%w: mp4: MP3 track without samples", ErrUnsupported)
		}
		if err := readFullAt(r, h[:], tags[0].Offset); err != nil {
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

// mp4TrackInfo names an indexed MP4 track for Asset.Tracks.
func mp4TrackInfo(codec int) Track {
	switch codec {
	case codecH264:
		return Track{Type: TypeVideo, Codec: CodecH264}
	case codecAAC:
		return Track{Type: TypeAudio, Codec: CodecAAC}
	}
	return Track{Type: TypeAudio, Codec: CodecMP3}
}
