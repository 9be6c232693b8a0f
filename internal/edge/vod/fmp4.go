package vod

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/Eyevinn/mp4ff/mp4"
	"github.com/streamfront/streamfront/internal/edge/media"
)

// mp3ObjectType is the esds object type of MPEG-1 audio (ISO/IEC 11172-3),
// which browsers' MSE accept as "mp4a.6B".
const mp3ObjectType = 0x6b

// initSegment is the CMAF init segment (ftyp, moov) of the tracks ts, with
// track IDs 1, 2, … in their order.
func initSegment(ts []*track) ([]byte, error) {
	init := mp4.CreateEmptyInit()
	init.Moov.Mvhd.Timescale = 1000
	for _, t := range ts {
		if t.typ == media.TypeVideo {
			trak := init.AddEmptyTrack(t.timescale, "video", "und")
			if err := trak.SetAVCDescriptor("avc1", t.sps, t.pps, true); err != nil {
				return nil, fmt.Errorf("%w: H.264 configuration: %v", ErrCodec, err)
			}
			continue
		}
		trak := init.AddEmptyTrack(t.timescale, "audio", "und")
		esds := mp4.CreateEsdsBox(t.asc)
		if t.codec == media.CodecMP3 {
			esds.DecConfigDescriptor.ObjectType = mp3ObjectType
			esds.DecConfigDescriptor.DecSpecificInfo = nil
		}
		rate := uint16(min(t.rate, 65535)) // 16.16 fixed point in the sample entry
		entry := mp4.CreateAudioSampleEntryBox("mp4a", uint16(t.channels), 16, rate, esds)
		trak.Mdia.Minf.Stbl.Stsd.AddChild(entry)
	}
	var b bytes.Buffer
	if err := init.Encode(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// errNoSamples reports a segment whose tags turned out to hold no sample
// (FLV tags that are not media packets): the object is not what its index says.
var errNoSamples = errors.New("vod: the segment's tags hold no media samples")

// fragment is one CMAF fragment (moof, mdat) holding the samples of each
// track with samples, data being all their bytes in that order. ids are
// the tracks' IDs in the init segment the fragment goes with.
type fragment struct {
	f *mp4.Fragment
}

func newFragment(seq uint32, ids []uint32, tracks [][]sample, data []byte) (*fragment, error) {
	var used []uint32
	for k, ss := range tracks {
		if len(ss) > 0 {
			used = append(used, ids[k])
		}
	}
	if len(used) == 0 {
		return nil, errNoSamples
	}
	f, err := mp4.CreateMultiTrackFragment(seq, used)
	if err != nil {
		return nil, err
	}
	for k, ss := range tracks {
		for _, s := range ss {
			flags := mp4.SyncSampleFlags
			if !s.key {
				flags = mp4.NonSyncSampleFlags
			}
			ms := mp4.NewSample(flags, s.dur, uint32(len(s.data)), s.cto)
			if err := f.AddSampleToTrack(ms, ids[k], uint64(ss[0].dts)); err != nil {
				return nil, err
			}
		}
	}
	f.Mdat.SetData(data)
	return &fragment{f}, nil
}

// Size is the fragment's size in bytes.
func (g *fragment) Size() int64 { return int64(g.f.Size()) }

// WriteTo writes the fragment; the sample data goes straight from the
// segment buffer to w.
func (g *fragment) WriteTo(w io.Writer) (int64, error) {
	if err := g.f.Encode(w); err != nil {
		return 0, err
	}
	return g.Size(), nil
}
