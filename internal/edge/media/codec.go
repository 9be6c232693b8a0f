package media

import "fmt"

// CodecError reports a track whose codec this package cannot deliver
// without transcoding. The object is refused as a whole rather than played
// without that track: a viewer is told why, instead of getting a video
// without its sound or a sound without its picture.
//
// errors.Is(err, ErrUnsupported) holds for a CodecError, so a caller that
// only needs "cannot stream this" tests for ErrUnsupported; one that names
// the codec to the viewer (NetStream.Play.Failed, an HTTP 4xx) uses
// errors.As and Error.
type CodecError struct {
	Track string // "video" or "audio"
	Codec string // as the object names it, with a readable name when known: "hev1 (HEVC)"
}

// Error reads like "unsupported video codec hvc1 (HEVC)".
func (e *CodecError) Error() string { return "unsupported " + e.Track + " codec " + e.Codec }

// Unwrap makes a CodecError an ErrUnsupported.
func (e *CodecError) Unwrap() error { return ErrUnsupported }

// sampleEntryNames names the MP4 sample entries a refusal is likely to meet.
var sampleEntryNames = map[string]string{
	"avc1": "H.264", "mp4a": "MPEG-4 audio", "avc3": "H.264 with in-band parameter sets", "hvc1": "HEVC", "hev1": "HEVC",
	"mp4v": "MPEG-4 Part 2", "av01": "AV1", "vp08": "VP8", "vp09": "VP9", "s263": "H.263",
	"jpeg": "Motion JPEG", "mjpa": "Motion JPEG", "apcn": "ProRes", "apch": "ProRes",
	"encv": "encrypted video", "enca": "encrypted audio",
	"ac-3": "AC-3", "ec-3": "E-AC-3", "Opus": "Opus", "fLaC": "FLAC", "alac": "ALAC",
	"samr": "AMR", "sowt": "PCM", "twos": "PCM", "lpcm": "PCM", "ipcm": "PCM",
}

// mp4aObjectTypes names the esds objectTypeIndication of an mp4a entry
// (ISO/IEC 14496-1 and the MP4 registration authority).
var mp4aObjectTypes = map[byte]string{
	0x40: "AAC", 0x66: "AAC Main", 0x67: "AAC LC", 0x68: "AAC SSR",
	0x69: "MP3", 0x6b: "MP3", 0xa5: "AC-3", 0xa6: "E-AC-3", 0xa9: "DTS", 0xad: "Opus", 0xdd: "Vorbis",
}

// codecName is how a CodecError names the codec of an MP4 sample entry.
func codecName(entry string, objectType byte) string {
	if entry == "mp4a" && objectType != 0 {
		if name, ok := mp4aObjectTypes[objectType]; ok {
			return fmt.Sprintf("mp4a (%s)", name)
		}
		return fmt.Sprintf("mp4a (object type %#02x)", objectType)
	}
	if name, ok := sampleEntryNames[entry]; ok {
		return entry + " (" + name + ")"
	}
	return fmt.Sprintf("%q", entry)
}
