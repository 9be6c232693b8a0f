package vod

import (
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/streamfront/streamfront/internal/edge/media"
)

// sample is one access unit of a segment, its bytes read from the object.
type sample struct {
	dts  int64 // decode time, track timescale
	cto  int32 // composition time offset, track timescale
	dur  uint32
	key  bool
	data []byte
}

// sampleRef locates one tag's bytes in the object and in the segment buffer.
type sampleRef struct {
	off  int64
	size int
	dst  int
}

// readSegment reads segment n's samples of the tracks ts, one slice per
// track in decode order. All sample data is in one buffer of the segment's
// size, track after track, so it is the body of an fMP4 mdat as it is.
func (p *Presentation) readSegment(obj io.ReaderAt, n int, ts []*track) ([][]sample, []byte, error) {
	seg := p.segs[n]
	tags := p.asset.Tags
	var refs []sampleRef
	var idx []int // tag index of each ref
	var per []int // number of refs of each track
	size := 0
	for _, t := range ts {
		c := 0
		for i := seg.first; i < seg.end; i++ {
			if t.carries(&tags[i]) {
				refs = append(refs, sampleRef{off: tags[i].Offset, size: int(tags[i].Size), dst: size})
				idx = append(idx, i)
				size += int(tags[i].Size)
				c++
			}
		}
		per = append(per, c)
	}
	buf := make([]byte, size)
	if err := readRefs(obj, buf, slices.Clone(refs)); err != nil {
		return nil, nil, err
	}
	out := make([][]sample, len(ts))
	w, r := 0, 0
	for k, t := range ts {
		ss := make([]sample, 0, per[k])
		for range per[k] {
			tag := &tags[idx[r]]
			s, ok := t.sample(tag, buf[refs[r].dst:refs[r].dst+refs[r].size])
			r++
			if !ok {
				continue
			}
			w += copy(buf[w:], s.data) // compact: drop FLV tag headers
			s.data = buf[w-len(s.data) : w]
			ss = append(ss, s)
		}
		p.setDurations(t, ss, seg.end)
		out[k] = ss
	}
	return out, buf[:w], nil
}

// readRefs fills buf with the referenced bytes, reading in object order
// (so a cold block cache fetches each block once) and reading samples that
// follow each other both in the object and in buf (an MP4 chunk) at once.
// It needs no memory beyond buf: the block cache makes small reads cheap.
func readRefs(obj io.ReaderAt, buf []byte, refs []sampleRef) error {
	slices.SortFunc(refs, func(a, b sampleRef) int { return cmp.Compare(a.off, b.off) })
	for i := 0; i < len(refs); {
		first, size := refs[i], refs[i].size
		j := i + 1
		for ; j < len(refs) && refs[j].off == first.off+int64(size) && refs[j].dst == first.dst+size; j++ {
			size += refs[j].size
		}
		if err := readFull(obj, buf[first.dst:first.dst+size], first.off); err != nil {
			return err
		}
		i = j
	}
	return nil
}

func readFull(obj io.ReaderAt, b []byte, off int64) error {
	n, err := obj.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("vod: reading %d bytes at %d: %w", len(b), off, err)
}

// sample decodes the tag's bytes body into a sample (ok false for an FLV
// tag that carries no sample, such as a repeated AVC sequence header).
func (t *track) sample(tag *media.Tag, body []byte) (sample, bool) {
	s := sample{dts: t.dts(tag.Time), key: tag.Key || t.typ == media.TypeAudio, data: body[t.skip:]}
	if t.typ != media.TypeVideo {
		return s, t.skip != 2 || body[1] == 1 // FLV AAC: a raw frame, not a repeated AudioSpecificConfig
	}
	var cts []byte // signed 24-bit composition time, milliseconds
	switch {
	case t.skip == 5:
		if body[1] != 1 { // not an AVC NALU packet
			return s, false
		}
		cts = body[2:5]
	case tag.PrefixLen == 5:
		cts = tag.Prefix[2:5]
	}
	if cts != nil {
		ms := int32(uint32(cts[0])<<24|uint32(cts[1])<<16|uint32(cts[2])<<8) >> 8
		s.cto = ms * (videoTimescale / 1000)
	}
	return s, true
}

// setDurations gives each sample the time to the next one of its track, the
// last one of the segment the time to the track's next sample after end (or
// to the track's end).
func (p *Presentation) setDurations(t *track, ss []sample, end int) {
	if len(ss) == 0 {
		return
	}
	next := t.end
	tags := p.asset.Tags
	for i := end; i < len(tags); i++ {
		if t.carries(&tags[i]) {
			next = t.dts(tags[i].Time)
			break
		}
	}
	for i := range ss {
		n := next
		if i+1 < len(ss) {
			n = ss[i+1].dts
		}
		ss[i].dur = uint32(max(n-ss[i].dts, 0))
	}
}
