package vod

import (
	"fmt"

	"github.com/Eyevinn/mp4ff/avc"
	"github.com/streamfront/streamfront/internal/edge/media"
)

// videoTimescale is the timescale of video (and MP3) timestamps: the MPEG-TS
// clock, an exact multiple of the millisecond timestamps the index holds.
const videoTimescale = 90000

// aacFrame is the number of samples in an AAC frame (AAC-LC and the core of HE-AAC).
const aacFrame = 1024

// track is one elementary stream of a presentation, with what every writer needs.
type track struct {
	typ       uint8  // media.TypeVideo or media.TypeAudio
	name      string // "video" or "audio": DASH URL names
	id        uint32 // track ID in the muxed fMP4 init segment
	codec     string // media.CodecH264, CodecAAC or CodecMP3
	codecs    string // RFC 6381 codecs parameter
	timescale uint32
	skip      uint32 // bytes of an FLV tag body before the sample; 0 in MP4 and MP3 objects
	init      []byte // fMP4 init segment of this track alone (DASH)
	segs      []int  // the segments it has samples in: its DASH segments
	end       int64  // end of its last sample, in its timescale
	bytes     int64  // size of all its samples, for the DASH bandwidth

	// H.264
	sps, pps      [][]byte
	width, height int

	// audio
	asc      []byte // AAC AudioSpecificConfig
	rate     int    // sample rate (AAC: of the AAC core)
	channels int
	aot      int // AAC audio object type
	first    uint32
}

// addTracks finds the video and audio tracks of the asset and refuses a
// codec no browser decodes.
func (p *Presentation) addTracks() error {
	a := p.asset
	for _, typ := range []uint8{media.TypeVideo, media.TypeAudio} {
		codec, err := trackCodec(a, typ)
		if err != nil {
			return err
		}
		if codec == "" {
			continue
		}
		t := &track{typ: typ, codec: codec, id: uint32(len(p.tracks) + 1)}
		if typ == media.TypeVideo {
			err = t.setVideo(a)
			p.video = t
		} else {
			err = t.setAudio(a)
			p.audio = t
		}
		if err != nil {
			return err
		}
		p.tracks = append(p.tracks, t)
	}
	if len(p.tracks) == 0 {
		return fmt.Errorf("%w: no audio or video track", ErrCodec)
	}
	return nil
}

// trackCodec is the codec of the asset's track of type typ ("" if none),
// or an error naming it if browsers do not decode it.
func trackCodec(a *media.Asset, typ uint8) (string, error) {
	kind := "audio"
	if typ == media.TypeVideo {
		kind = "video"
	}
	for _, t := range a.Tracks {
		if t.Type != typ {
			continue
		}
		if !playable(typ, t.Codec) {
			return "", codecError(kind, t.Codec)
		}
		return t.Codec, nil
	}
	for _, tag := range a.Tags {
		if tag.Type == typ {
			return "", fmt.Errorf("%w: unknown %s codec", ErrCodec, kind)
		}
	}
	return "", nil
}

// codecError is an ErrCodec that is also a media.CodecError, as media.Parse
// refuses an MP4 track: the edge names the codec of either the same way.
func codecError(kind, codec string) error {
	return fmt.Errorf("%w: %w", ErrCodec, &media.CodecError{Track: kind, Codec: codec})
}

func playable(typ uint8, codec string) bool {
	if typ == media.TypeVideo {
		return codec == media.CodecH264
	}
	return codec == media.CodecAAC || codec == media.CodecMP3
}

// codecHeader returns the body of the asset's codec header of type typ.
func codecHeader(a *media.Asset, typ uint8) []byte {
	for _, h := range a.Headers {
		if h.Type == typ {
			return h.Body
		}
	}
	return nil
}

func (t *track) setVideo(a *media.Asset) error {
	t.name, t.timescale = "video", videoTimescale
	if a.Format == "flv" {
		t.skip = 5 // frame type and codec, AVC packet type, composition time
	}
	h := codecHeader(a, media.TypeVideo)
	if len(h) < 6 {
		return fmt.Errorf("%w: H.264 video without its AVC sequence header", ErrCodec)
	}
	rec, err := avc.DecodeAVCDecConfRec(h[5:])
	if err != nil || len(rec.SPSnalus) == 0 || len(rec.PPSnalus) == 0 {
		return fmt.Errorf("%w: H.264 video with an unreadable AVC configuration (%v)", ErrCodec, err)
	}
	if h[5+4]&3 != 3 {
		return fmt.Errorf("%w: H.264 video with %d-byte NAL unit lengths", ErrCodec, h[5+4]&3+1)
	}
	sps, err := avc.ParseSPSNALUnit(rec.SPSnalus[0], false)
	if err != nil {
		return fmt.Errorf("%w: H.264 video with an unreadable SPS (%v)", ErrCodec, err)
	}
	t.sps, t.pps = rec.SPSnalus, rec.PPSnalus
	t.width, t.height = int(sps.Width), int(sps.Height)
	t.codecs = avc.CodecString("avc1", sps)
	return nil
}

func (t *track) setAudio(a *media.Asset) error {
	t.name = "audio"
	for _, tag := range a.Tags {
		if tag.Type == media.TypeAudio {
			t.first = tag.Time
			break
		}
	}
	if t.codec == media.CodecMP3 {
		if a.Format == "flv" {
			t.skip = 1
		}
		t.timescale, t.codecs = videoTimescale, "mp4a.6B"
		t.rate, t.channels = 44100, 2
		if r, ok := metaNumber(a, "audiosamplerate"); ok && r > 0 && r < 65536 {
			t.rate = int(r)
		}
		if s, ok := metaBool(a, "stereo"); ok && !s {
			t.channels = 1
		}
		return nil
	}
	if a.Format == "flv" {
		t.skip = 2 // sound format and AAC packet type
	}
	h := codecHeader(a, media.TypeAudio)
	if len(h) < 4 {
		return fmt.Errorf("%w: AAC audio without its AudioSpecificConfig", ErrCodec)
	}
	t.asc = h[2:]
	if err := t.parseASC(); err != nil {
		return err
	}
	t.timescale = uint32(t.rate)
	t.codecs = fmt.Sprintf("mp4a.40.%d", t.aot)
	return nil
}

// aacRates are the sample rates of the AudioSpecificConfig frequency index.
var aacRates = []int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}

// parseASC reads the object type, core sample rate and channels of an
// AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1).
func (t *track) parseASC() error {
	b := t.asc
	t.aot = int(b[0] >> 3)
	idx := int(b[0]&7)<<1 | int(b[1]>>7)
	t.channels = int(b[1]>>3) & 15
	if t.aot == 31 || idx >= len(aacRates) || t.channels == 0 || t.channels > 7 {
		return fmt.Errorf("%w: AAC configuration % x (object type %d) is not supported", ErrCodec, b, t.aot)
	}
	t.rate = aacRates[idx]
	return nil
}

func metaNumber(a *media.Asset, key string) (float64, bool) {
	for _, e := range a.Meta {
		if e.Key == key {
			v, ok := e.Value.(float64)
			return v, ok
		}
	}
	return 0, false
}

func metaBool(a *media.Asset, key string) (bool, bool) {
	for _, e := range a.Meta {
		if e.Key == key {
			v, ok := e.Value.(bool)
			return v, ok
		}
	}
	return false, false
}

// carries reports whether tag is one of the track's samples: FLV end-of-
// sequence tags and empty tags carry no sample.
func (t *track) carries(tag *media.Tag) bool {
	return tag.Type == t.typ && tag.Size > t.skip
}

// dts converts a millisecond timestamp into the track's timescale. AAC
// timestamps snap to the frame grid that starts at the first frame, so
// the rounding of millisecond timestamps leaves no gaps or overlaps.
func (t *track) dts(ms uint32) int64 {
	if t.codec != media.CodecAAC {
		return int64(ms) * videoTimescale / 1000
	}
	base := int64(t.first) * int64(t.rate) / 1000
	d := int64(ms) - int64(t.first)
	frames := (d*int64(t.rate) + 500*aacFrame) / (1000 * aacFrame)
	return base + frames*aacFrame
}
