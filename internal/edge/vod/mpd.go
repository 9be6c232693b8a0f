package vod

import (
	"fmt"
	"strings"

	"github.com/streamfront/streamfront/internal/edge/media"
)

// manifest is the static MPEG-DASH manifest (isoff-live profile): one
// AdaptationSet per track, each with its own init segment and a
// SegmentTimeline over the same segments as the HLS playlists. query is
// appended to every URL (XML-escaped, "$" doubled for the template).
func (p *Presentation) manifest(query string) []byte {
	q := strings.ReplaceAll(xmlEscape(query), "$", "$$")
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	fmt.Fprintf(&b, `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" mediaPresentationDuration="%s" minBufferTime="PT%dS">`+"\n",
		isoDuration(p.end-p.start), min(p.targetDuration(), 10))
	b.WriteString(`  <Period id="0" start="PT0S">` + "\n")
	for i, t := range p.tracks {
		p.adaptationSet(&b, i+1, t, q)
	}
	b.WriteString("  </Period>\n</MPD>\n")
	return []byte(b.String())
}

func (p *Presentation) adaptationSet(b *strings.Builder, id int, t *track, q string) {
	bandwidth := max(t.bytes*8*1000/int64(max(p.end-p.start, 1)), 1)
	if t.typ == media.TypeVideo {
		fmt.Fprintf(b, `    <AdaptationSet id="%d" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1">`+"\n", id)
		fmt.Fprintf(b, `      <Representation id="video" codecs="%s" bandwidth="%d" width="%d" height="%d">`+"\n", t.codecs, bandwidth, t.width, t.height)
	} else {
		fmt.Fprintf(b, `    <AdaptationSet id="%d" contentType="audio" mimeType="audio/mp4" segmentAlignment="true" startWithSAP="1">`+"\n", id)
		fmt.Fprintf(b, `      <Representation id="audio" codecs="%s" bandwidth="%d" audioSamplingRate="%d">`+"\n", t.codecs, bandwidth, t.rate)
		fmt.Fprintf(b, `        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="%d"/>`+"\n", t.channels)
	}
	fmt.Fprintf(b, `        <SegmentTemplate timescale="%d" initialization="dash/%s%s-init.mp4%s" media="dash/%s%s-$Number$.m4s%s" startNumber="1">`+"\n",
		t.timescale, p.dir, t.name, q, p.dir, t.name, q)
	b.WriteString("          <SegmentTimeline>\n")
	k := t.id - 1
	for j := 0; j < len(t.segs); {
		start := p.segs[t.segs[j]].dts[k]
		d := p.trackSegEnd(t, j) - start
		r := 0 // repeats of the same duration, as SegmentTimeline allows
		for j+r+1 < len(t.segs) && p.trackSegEnd(t, j+r+1)-p.segs[t.segs[j+r+1]].dts[k] == d && p.segs[t.segs[j+r+1]].dts[k] == start+int64(r+1)*d {
			r++
		}
		if r > 0 {
			fmt.Fprintf(b, `            <S t="%d" d="%d" r="%d"/>`+"\n", start, d, r)
		} else {
			fmt.Fprintf(b, `            <S t="%d" d="%d"/>`+"\n", start, d)
		}
		j += r + 1
	}
	b.WriteString("          </SegmentTimeline>\n        </SegmentTemplate>\n      </Representation>\n    </AdaptationSet>\n")
}

// trackSegEnd is where the track's j-th DASH segment ends: where its next
// one starts, or the track's end.
func (p *Presentation) trackSegEnd(t *track, j int) int64 {
	if j+1 < len(t.segs) {
		return p.segs[t.segs[j+1]].dts[t.id-1]
	}
	return t.end
}

// isoDuration formats milliseconds as an xs:duration.
func isoDuration(ms uint32) string {
	return fmt.Sprintf("PT%d.%03dS", ms/1000, ms%1000)
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;").Replace(s)
}
