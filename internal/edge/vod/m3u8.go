package vod

import (
	"fmt"
	"strconv"
)

// playlist is an HLS VOD media playlist (RFC 8216) of the segments, named
// prefix + n + suffix for n = 1…, each followed by query; mapURI is the
// fMP4 init segment ("" for MPEG-TS).
func (p *Presentation) playlist(version int, mapURI, prefix, suffix, query string) []byte {
	b := make([]byte, 0, 256+len(p.segs)*(32+len(prefix)+len(suffix)+len(query)))
	b = fmt.Appendf(b, "#EXTM3U\n#EXT-X-VERSION:%d\n#EXT-X-TARGETDURATION:%d\n", version, p.targetDuration())
	b = append(b, "#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n"...)
	if mapURI != "" {
		b = fmt.Appendf(b, "#EXT-X-MAP:URI=\"%s%s\"\n", mapURI, query)
	}
	for n := range p.segs {
		d := p.segDuration(n)
		b = append(b, "#EXTINF:"...)
		b = strconv.AppendUint(b, uint64(d/1000), 10)
		b = append(b, '.', byte('0'+d/100%10), byte('0'+d/10%10), byte('0'+d%10), ',', '\n')
		b = append(b, prefix...)
		b = strconv.AppendInt(b, int64(n+1), 10)
		b = append(append(append(b, suffix...), query...), '\n')
	}
	return append(b, "#EXT-X-ENDLIST\n"...)
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
