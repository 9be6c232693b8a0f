// Package vod packages a parsed media object (a media.Asset) on the fly for
// HTTP players: an HLS VOD playlist of CMAF fMP4 segments, an HLS playlist of
// MPEG-TS segments and a static MPEG-DASH manifest, all over one
// segmentation, so that every rendition of an object agrees.
//
// It knows nothing of distributions, hosts or signers: New plans the
// segments from the index alone (no object reads) and Serve answers one
// request, reading only the samples of the segment asked for. The layout
// follows nginx-vod-module: one segmenter (segment.go), one writer per
// container (fmp4.go, ts.go) and per manifest (m3u8.go, mpd.go).
package vod

import (
	"errors"
	"fmt"
	"time"

	"github.com/streamfront/streamfront/internal/edge/media"
)

// ErrCodec reports a track of a codec no browser decodes (Sorenson, VP6,
// ADPCM, …); the error's message names the codec, and for a track of such
// a codec it is also a *media.CodecError (which media.Parse already
// returns for an MP4 track of a codec neither RTMP nor browsers play, such
// as HEVC or MPEG-4 Part 2).
var ErrCodec = errors.New("vod: codec not playable in browsers")

// DefaultSegmentDuration is the target segment duration when Options leaves it zero.
const DefaultSegmentDuration = 6 * time.Second

// Options tune the packaging.
type Options struct {
	// SegmentDuration is the target duration of a segment (default 6 s).
	// Segments are cut at video key frames, so they are as near it as the
	// key frames allow.
	SegmentDuration time.Duration
	// Version identifies the object version (its ETag, say). When set, the
	// playlists and the manifest list init and media segments under a
	// directory named after it (see Serve), so that an HTTP cache in front
	// keeps them for a year without serving an old version's segments
	// after the object is replaced.
	Version string
}

// Presentation is the packaging plan of one object version: its tracks and
// segment boundaries. It is immutable and safe for concurrent use.
type Presentation struct {
	asset  *media.Asset
	video  *track // nil when the object has no video
	audio  *track // nil when the object has no audio
	tracks []*track
	segs   []segment
	start  uint32 // ms, time of the first sample
	end    uint32 // ms, end of the last sample
	muxed  []byte // init segment of the HLS fMP4 rendition (all tracks)
	dir    string // versionDir(Options.Version): "v0123456789/", or ""
}

// New plans the segments of a parsed object in one pass over its index. A
// track no browser decodes is an error wrapping ErrCodec that names the codec.
func New(a *media.Asset, o Options) (*Presentation, error) {
	target := o.SegmentDuration
	if target <= 0 {
		target = DefaultSegmentDuration
	}
	if target < time.Millisecond {
		return nil, fmt.Errorf("vod: segment duration %v is too short", target)
	}
	p := &Presentation{asset: a, dir: versionDir(o.Version)}
	if err := p.addTracks(); err != nil {
		return nil, err
	}
	if err := p.plan(uint32(target.Milliseconds())); err != nil {
		return nil, err
	}
	init, err := initSegment(p.tracks)
	if err != nil {
		return nil, err
	}
	p.muxed = init
	for _, t := range p.tracks {
		if t.init, err = initSegment([]*track{t}); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Duration is the presentation's length, as the playlists give it.
func (p *Presentation) Duration() time.Duration {
	return time.Duration(p.end-p.start) * time.Millisecond
}

// Segments is the number of segments of each rendition.
func (p *Presentation) Segments() int { return len(p.segs) }
