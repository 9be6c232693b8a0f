package vod

import (
	"fmt"

	"github.com/streamfront/streamfront/internal/edge/media"
)

// segment is a run of the asset's tags that every rendition serves as one
// segment: HLS (fMP4 and TS) as one file, DASH as one file per track.
type segment struct {
	first, end int      // Tags[first:end]
	start      uint32   // ms: the time it starts at (its cut's timestamp)
	dts        [2]int64 // first decode time of each track in it, in the track's timescale; -1 if none
}

// plan cuts the asset into segments in one pass over its index: at video key
// frames (at any audio frame without video), each cut at the key frame
// nearest to target milliseconds after the previous one. A segment is never
// empty, and segment N is found without a scan.
func (p *Presentation) plan(target uint32) error {
	tags := p.asset.Tags
	first := -1
	for i := range tags {
		if p.trackOf(&tags[i]) != nil {
			first = i
			break
		}
	}
	if first < 0 {
		return fmt.Errorf("%w: no audio or video samples", ErrCodec)
	}
	p.start = tags[first].Time
	cuts := []int{first}
	start, cand := tags[first].Time, -1
	for i := first; i < len(tags); i++ {
		if !p.isCut(&tags[i]) || tags[i].Time <= start {
			continue
		}
		for {
			elapsed := tags[i].Time - start
			if elapsed < target {
				cand = i
				break
			}
			// Cut at whichever of the last key frame before the target and
			// this one is nearer to it.
			if cand >= 0 && target-(tags[cand].Time-start) < elapsed-target {
				cuts = append(cuts, cand)
				start, cand = tags[cand].Time, -1
				continue
			}
			cuts = append(cuts, i)
			start, cand = tags[i].Time, -1
			break
		}
	}
	// The end of the presentation competes with the last key frame likewise.
	if last := tags[len(tags)-1].Time; cand >= 0 && last > start+target && target-(tags[cand].Time-start) < last-start-target {
		cuts = append(cuts, cand)
	}
	p.segs = make([]segment, len(cuts))
	for n, c := range cuts {
		// Start with the samples that share the cut's timestamp.
		j := c
		for n > 0 && j > cuts[n-1]+1 && tags[j-1].Time >= tags[c].Time {
			j--
		}
		p.segs[n] = segment{first: j, start: tags[c].Time, dts: [2]int64{-1, -1}}
		if n > 0 {
			p.segs[n-1].end = j
		}
	}
	p.segs[len(p.segs)-1].end = len(tags)
	p.index()
	return nil
}

// index records where each track starts in each segment and where the
// presentation ends, in the same single pass.
func (p *Presentation) index() {
	tags := p.asset.Tags
	var last, delta [2]uint32
	var seen [2]bool
	for n := range p.segs {
		s := &p.segs[n]
		for i := s.first; i < s.end; i++ {
			t := p.trackOf(&tags[i])
			if t == nil {
				continue
			}
			k := t.id - 1
			if s.dts[k] < 0 {
				s.dts[k] = t.dts(tags[i].Time)
				t.segs = append(t.segs, n)
			}
			if seen[k] && tags[i].Time > last[k] {
				delta[k] = tags[i].Time - last[k]
			}
			seen[k] = true
			last[k] = max(last[k], tags[i].Time)
			t.bytes += int64(tags[i].Size - t.skip)
		}
	}
	for _, t := range p.tracks {
		k := t.id - 1
		d := delta[k]
		if t.codec == media.CodecAAC {
			d = uint32((aacFrame*1000 + t.rate - 1) / t.rate)
		}
		t.end = t.dts(last[k]) + t.frameDur(d)
		p.end = max(p.end, last[k]+d)
	}
	p.end = max(p.end, p.segs[len(p.segs)-1].start+1)
}

// frameDur is the duration, in the track's timescale, of a last sample
// lasting about ms milliseconds.
func (t *track) frameDur(ms uint32) int64 {
	if t.codec == media.CodecAAC {
		return aacFrame
	}
	return int64(ms) * videoTimescale / 1000
}

// trackOf is the track tag is a sample of, or nil.
func (p *Presentation) trackOf(tag *media.Tag) *track {
	for _, t := range p.tracks {
		if t.carries(tag) {
			return t
		}
	}
	return nil
}

// isCut reports whether a segment may start at tag.
func (p *Presentation) isCut(tag *media.Tag) bool {
	if p.video != nil {
		return tag.Key && p.video.carries(tag)
	}
	return p.audio.carries(tag)
}

// segDuration is segment n's duration in milliseconds.
func (p *Presentation) segDuration(n int) uint32 {
	if n+1 < len(p.segs) {
		return p.segs[n+1].start - p.segs[n].start
	}
	return p.end - p.segs[n].start
}
