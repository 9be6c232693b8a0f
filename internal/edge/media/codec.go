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

// codecName is how a CodecError names the codec of an MP4 sample entry:
// the entry's type and the codec's name (see mp4Codec), as "hvc1 (HEVC)".
func codecName(entry string, objectType byte) string {
	name := mp4Codec(entry, objectType)
	if name == fmt.Sprintf("%q", entry) { // unknown entry
		return name
	}
	return entry + " (" + name + ")"
}
