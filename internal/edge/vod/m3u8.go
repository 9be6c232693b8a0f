package vod

import (
	"fmt"
	"strings"
)

// playlist is an HLS VOD media playlist (RFC 8216) of the segments, named
// by name(n) for n = 1…, each followed by query; mapURI is the fMP4 init
// segment ("" for MPEG-TS).
func (p *Presentation) playlist(version int, mapURI string, name func(n int) string, query string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:%d\n#EXT-X-TARGETDURATION:%d\n", version, p.targetDuration())
	b.WriteString("#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n")
	if mapURI != "" {
		fmt.Fprintf(&b, "#EXT-X-MAP:URI=\"%s%s\"\n", mapURI, query)
	}
	for n := range p.segs {
		d := p.segDuration(n)
		fmt.Fprintf(&b, "#EXTINF:%d.%03d,\n%s%s\n", d/1000, d%1000, name(n+1), query)
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return []byte(b.String())
}

// targetDuration is the least integer no segment's duration, rounded to the
// nearest integer, exceeds (RFC 8216 section 4.3.3.1).
func (p *Presentation) targetDuration() uint32 {
	t := uint32(1)
	for n := range p.segs {
		t = max(t, (p.segDuration(n)+500)/1000)
	}
	return t
}
