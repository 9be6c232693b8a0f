// Package media turns stored media objects (FLV with any codec, progressive
// MP4/F4V/MOV with H.264 video and AAC or MP3 audio, MP3) into an index of
// RTMP media messages, without transcoding. An MP4 with any other audio or
// video codec is refused with a CodecError naming it.
//
// An Asset is parsed once per object version and shared by every viewer: it
// holds only the sample table (timestamps, offsets, sizes) and the small
// codec headers; sample bytes stay in the object and are read on demand.
package media

import (
	"errors"
	"io"
	"sort"
	"time"
	"unsafe"

	"github.com/bluenviron/gortmplib/pkg/amf0"
)

// RTMP message types carried by an Asset.
const (
	TypeAudio uint8 = 8
	TypeVideo uint8 = 9
	TypeData  uint8 = 18
)

// ErrUnsupported reports an object this package cannot stream (unknown
// container or codec; a CodecError names the codec). The edge answers it
// with NetStream.Play.Failed.
var ErrUnsupported = errors.New("media: unsupported format")

// Tag is one RTMP media message: its body is Prefix[:PrefixLen] followed by
// Size bytes of the object at Offset. Prefix carries the RTMP audio/video tag
// header that MP4 and MP3 samples lack (FLV tags already contain theirs).
type Tag struct {
	Offset    int64
	Size      uint32
	Time      uint32 // decode timestamp, milliseconds from the start
	Type      uint8
	Key       bool // video key frame: a seek point
	PrefixLen uint8
	Prefix    [5]byte
}

// Header is a codec configuration message (AVC sequence header, AAC
// AudioSpecificConfig) sent before the first sample and again after a seek.
type Header struct {
	Type uint8
	Body []byte
}

// Asset is the streamable index of one object version.
type Asset struct {
	Format   string // "flv", "mp4" or "mp3"
	Duration time.Duration
	Meta     amf0.Object // onMetaData properties, duration included
	Headers  []Header
	Tags     []Tag // in send order (non-decreasing Time)
	HasVideo bool
	Tracks   []Track // the object's audio and video streams
}

// Track names the codec of one elementary stream of the object, so that a
// packager for browsers can refuse, by name, one they cannot decode (an FLV
// may carry Sorenson H.263, VP6, ADPCM…, which RTMP plays as they are).
type Track struct {
	Type  uint8  // TypeVideo or TypeAudio
	Codec string // CodecH264, CodecAAC, CodecMP3, or another codec's name ("VP6", "ADPCM", …)
}

// addTrack records the first stream of each type an FLV or MP3 file shows.
func (a *Asset) addTrack(typ uint8, codec string) {
	for _, t := range a.Tracks {
		if t.Type == typ {
			return
		}
	}
	a.Tracks = append(a.Tracks, Track{Type: typ, Codec: codec})
}

// Size is about how many bytes of memory the index holds.
func (a *Asset) Size() int64 {
	n := int64(len(a.Tags)) * int64(unsafe.Sizeof(Tag{}))
	for _, h := range a.Headers {
		n += int64(len(h.Body))
	}
	return n + 1024 // metadata and the rest, roughly
}

// Parse indexes the object r of the given size as format ("flv", "mp4" or "mp3").
func Parse(format string, r io.ReaderAt, size int64) (*Asset, error) {
	var a *Asset
	var err error
	switch format {
	case "flv":
		a, err = parseFLV(r, size)
	case "mp4":
		a, err = parseMP4(r, size)
	case "mp3":
		a, err = parseMP3(r, size)
	default:
		return nil, ErrUnsupported
	}
	if err != nil {
		return nil, err
	}
	if len(a.Tags) == 0 {
		return nil, errors.Join(ErrUnsupported, errors.New("no media samples"))
	}
	a.Format = format
	a.finish()
	return a, nil
}

// finish derives what every format shares: the duration (the last timestamp,
// so that clients such as rtmpdump that compare the metadata duration with
// the last timestamp they received see a complete download) and whether the
// asset has video.
func (a *Asset) finish() {
	var last uint32
	for _, t := range a.Tags {
		last = max(last, t.Time)
		if t.Type == TypeVideo {
			a.HasVideo = true
		}
	}
	a.Duration = time.Duration(last) * time.Millisecond
	a.Meta = setProp(a.Meta, "duration", a.Duration.Seconds())
}

// setProp sets key in o, replacing an existing value.
func setProp(o amf0.Object, key string, v any) amf0.Object {
	for i := range o {
		if o[i].Key == key {
			o[i].Value = v
			return o
		}
	}
	return append(o, amf0.ObjectEntry{Key: key, Value: v})
}

// SeekIndex returns the index of the first tag to send to start playing at
// ms: the last video key frame at or before ms (the first one if none), or,
// without video, the first tag at or after ms.
func (a *Asset) SeekIndex(ms uint32) int {
	if ms == 0 {
		return 0
	}
	if !a.HasVideo {
		i := sort.Search(len(a.Tags), func(i int) bool { return a.Tags[i].Time >= ms })
		return min(i, len(a.Tags)-1)
	}
	key := -1
	for i, t := range a.Tags {
		if t.Time > ms && key >= 0 {
			break
		}
		if t.Type == TypeVideo && t.Key {
			key = i
			if t.Time >= ms {
				break
			}
		}
	}
	if key < 0 {
		return 0
	}
	// Start with the audio that shares the key frame's timestamp too.
	for key > 0 && a.Tags[key-1].Time == a.Tags[key].Time {
		key--
	}
	return key
}
