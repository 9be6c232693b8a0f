package vod

import (
	"encoding/binary"

	"github.com/streamfront/streamfront/internal/edge/media"
)

// MPEG-TS layout of every segment: PAT, PMT, then the PES packets of the
// samples in decode order. Each segment stands alone (PAT and PMT first, a
// PCR on the first video frame) and yet continues the previous one: every
// elementary stream's packet count is padded to a multiple of 16 (by
// spreading its last PES over more packets), so each segment's continuity
// counters start at 0 and follow on from the previous segment's.
const (
	tsPacket = 188
	pidPMT   = 0x1000
	pidVideo = 0x100
	pidAudio = 0x101
	tsClock  = 90000
)

// tsWriter accumulates the packets of one segment.
type tsWriter struct {
	out []byte
	cc  map[uint16]byte
}

// tsStream is one elementary stream of a TS segment.
type tsStream struct {
	t     *track
	pid   uint16
	ss    []sample
	count int // packets written
}

// tsSegment muxes a segment's samples (one slice per track of p.tracks) into
// MPEG-TS; n is the segment's index, which sets the PAT and PMT counters.
func (p *Presentation) tsSegment(n int, tracks [][]sample) []byte {
	var streams []*tsStream
	packets := 2 + 16*len(p.tracks) // PAT, PMT, padding to 16
	for k, t := range p.tracks {
		pid := uint16(pidAudio)
		if t.typ == media.TypeVideo {
			pid = pidVideo
		}
		streams = append(streams, &tsStream{t: t, pid: pid, ss: tracks[k]})
		for _, s := range tracks[k] {
			packets += packetsFor(len(s.data)+tsOverhead(t, s), true)
		}
	}
	w := &tsWriter{out: make([]byte, 0, packets*tsPacket), cc: map[uint16]byte{}}
	w.cc[0], w.cc[pidPMT] = byte(n), byte(n)
	w.psi(0, pat())
	w.psi(pidPMT, pmt(streams))
	pcr := streams[0] // video if any: the PCR rides on it
	var pes []byte
	for {
		st := nextStream(streams)
		if st == nil {
			break
		}
		s := st.ss[0]
		st.ss = st.ss[1:]
		pes = st.pes(pes[:0], s)
		packets := packetsFor(len(pes), st == pcr)
		if len(st.ss) == 0 { // last PES: pad the stream to a multiple of 16 packets
			if pad := (16 - (st.count+packets)%16) % 16; packets+pad <= len(pes) {
				packets += pad
			}
		}
		var clock int64 = -1
		if st == pcr {
			clock = st.t.ts90(s.dts)
		}
		w.pes(st.pid, pes, packets, clock, s.key && st.t.typ == media.TypeVideo)
		st.count += packets
	}
	return w.out
}

// tsOverhead is about how many bytes a PES adds to sample s: its header,
// ADTS header or access unit delimiter and parameter sets.
func tsOverhead(t *track, s sample) int {
	n := 19 + 7 + 6
	if s.key && t.typ == media.TypeVideo {
		for _, ps := range append(t.sps[:len(t.sps):len(t.sps)], t.pps...) {
			n += 4 + len(ps)
		}
	}
	return n
}

// nextStream is the stream whose next sample decodes first.
func nextStream(streams []*tsStream) *tsStream {
	var best *tsStream
	for _, st := range streams {
		if len(st.ss) > 0 && (best == nil || st.t.ts90(st.ss[0].dts) < best.t.ts90(best.ss[0].dts)) {
			best = st
		}
	}
	return best
}

// ts90 converts a time in the track's timescale to the 90 kHz clock.
func (t *track) ts90(v int64) int64 {
	if t.timescale == tsClock {
		return v
	}
	return v * tsClock / int64(t.timescale)
}

// pes appends the PES packet of sample s to b.
func (st *tsStream) pes(b []byte, s sample) []byte {
	dts := st.t.ts90(s.dts)
	pts := dts + int64(s.cto)*tsClock/int64(st.t.timescale)
	id := byte(0xc0)
	if st.t.typ == media.TypeVideo {
		id = 0xe0
	}
	b = append(b, 0, 0, 1, id, 0, 0, 0x80)
	if pts != dts {
		b = append(b, 0xc0, 10)
		b = appendTimestamp(b, 3, pts)
		b = appendTimestamp(b, 1, dts)
	} else {
		b = append(b, 0x80, 5)
		b = appendTimestamp(b, 2, pts)
	}
	switch st.t.codec {
	case media.CodecH264:
		b = st.t.annexB(b, s)
	case media.CodecAAC:
		b = st.t.adts(b, len(s.data))
		b = append(b, s.data...)
	default:
		b = append(b, s.data...)
	}
	if n := len(b) - 6; n <= 0xffff && id != 0xe0 {
		binary.BigEndian.PutUint16(b[4:], uint16(n))
	}
	return b
}

// appendTimestamp appends a 33-bit PTS or DTS with its 4-bit prefix.
func appendTimestamp(b []byte, prefix byte, ts int64) []byte {
	return append(b,
		prefix<<4|byte(ts>>29)&0x0e|1,
		byte(ts>>22),
		byte(ts>>14)&0xfe|1,
		byte(ts>>7),
		byte(ts<<1)&0xfe|1)
}

// annexB appends an H.264 access unit in Annex B form: an access unit
// delimiter, SPS and PPS before a key frame, then the sample's NAL units
// (4-byte lengths become start codes).
func (t *track) annexB(b []byte, s sample) []byte {
	startCode := []byte{0, 0, 0, 1}
	b = append(append(b, startCode...), 0x09, 0xf0)
	if s.key {
		for _, ps := range append(t.sps[:len(t.sps):len(t.sps)], t.pps...) {
			b = append(append(b, startCode...), ps...)
		}
	}
	for d := s.data; len(d) >= 4; {
		n := int(binary.BigEndian.Uint32(d))
		d = d[4:]
		if n > len(d) {
			n = len(d) // a truncated NAL unit: keep what is there
		}
		if n > 0 && d[0]&0x1f != 9 { // drop the sample's own delimiter
			b = append(append(b, startCode...), d[:n]...)
		}
		d = d[n:]
	}
	return b
}

// adts appends the 7-byte ADTS header of an AAC frame of n bytes.
func (t *track) adts(b []byte, n int) []byte {
	idx := 0
	for i, r := range aacRates {
		if r == t.rate {
			idx = i
		}
	}
	profile := 1 // AAC-LC; HE-AAC is signalled implicitly, as ADTS requires
	if t.aot >= 1 && t.aot <= 4 {
		profile = t.aot - 1
	}
	l := n + 7
	return append(b, 0xff, 0xf1,
		byte(profile<<6|idx<<2|t.channels>>2),
		byte(t.channels&3<<6|l>>11),
		byte(l>>3),
		byte(l&7<<5|0x1f),
		0xfc)
}

// First-packet payload room: 184 bytes less the adaptation field that
// carries the PCR (8 bytes).
const pcrField = 8

// packetsFor is the fewest packets a PES of n bytes takes.
func packetsFor(n int, withPCR bool) int {
	first := 184
	if withPCR {
		first -= pcrField
	}
	if n <= first {
		return 1
	}
	return 1 + (n-first+183)/184
}

// pes writes a PES over exactly packets packets (packetsFor(len(pes)) or
// more, each with at least one payload byte), stuffing the adaptation
// fields; pcr >= 0 puts a PCR in the first one, random marks it a random
// access point.
func (w *tsWriter) pes(pid uint16, pes []byte, packets int, pcr int64, random bool) {
	for j := range packets {
		af, flags := 0, byte(0) // adaptation field bytes (length byte included), its flags
		if j == 0 && (pcr >= 0 || random) {
			af = 2
			if random {
				flags |= 0x40
			}
			if pcr >= 0 {
				af, flags = af+6, flags|0x10
			}
		}
		room := 184 - af
		take := min(room, len(pes)-(packets-j-1))
		stuffing := room - take
		if af == 0 && stuffing > 0 { // the length byte, then the flags, count as stuffing
			af, stuffing = min(stuffing, 2), stuffing-min(stuffing, 2)
		}
		af += stuffing
		w.header(pid, j == 0, af > 0)
		if af > 0 {
			w.out = append(w.out, byte(af-1))
		}
		if af > 1 {
			w.out = append(w.out, flags)
		}
		if flags&0x10 != 0 {
			w.out = append(w.out, byte(pcr>>25), byte(pcr>>17), byte(pcr>>9), byte(pcr>>1), byte(pcr<<7)|0x7e, 0)
		}
		for range stuffing {
			w.out = append(w.out, 0xff)
		}
		w.out = append(w.out, pes[:take]...)
		pes = pes[take:]
	}
}

// header appends a TS packet header, counting the PID's packets.
func (w *tsWriter) header(pid uint16, start, adaptation bool) {
	cc := w.cc[pid]
	w.cc[pid] = (cc + 1) & 15
	b1 := byte(pid>>8) & 0x1f
	if start {
		b1 |= 0x40
	}
	control := byte(0x10)
	if adaptation {
		control = 0x30
	}
	w.out = append(w.out, 0x47, b1, byte(pid), control|cc)
}

// psi writes a PSI section (PAT or PMT) in one packet, padded with 0xff.
func (w *tsWriter) psi(pid uint16, section []byte) {
	payload := append([]byte{0}, section...) // pointer field
	for len(payload) < 184 {
		payload = append(payload, 0xff)
	}
	w.header(pid, true, false)
	w.out = append(w.out, payload...)
}

// pat is the program association table: program 1 on pidPMT.
func pat() []byte {
	return section(0, 1, []byte{0, 1, 0xe0 | pidPMT>>8, pidPMT & 0xff})
}

// pmt is the program map table of the streams; the first carries the PCR.
func pmt(streams []*tsStream) []byte {
	body := []byte{0xe0 | byte(streams[0].pid>>8), byte(streams[0].pid), 0xf0, 0}
	for _, st := range streams {
		typ := byte(0x03) // MPEG-1 audio (MP3)
		switch st.t.codec {
		case media.CodecH264:
			typ = 0x1b
		case media.CodecAAC:
			typ = 0x0f // AAC in ADTS
		}
		body = append(body, typ, 0xe0|byte(st.pid>>8), byte(st.pid), 0xf0, 0)
	}
	return section(2, 1, body)
}

// section wraps a PSI table body with its header and CRC.
func section(table byte, id uint16, body []byte) []byte {
	n := 5 + len(body) + 4 // header after the length field, body, CRC
	s := []byte{table, 0xb0 | byte(n>>8), byte(n), byte(id >> 8), byte(id), 0xc1, 0, 0}
	s = append(s, body...)
	return binary.BigEndian.AppendUint32(s, crc32MPEG(s))
}

// crc32MPEG is the CRC-32/MPEG-2 of PSI sections.
func crc32MPEG(b []byte) uint32 {
	crc := uint32(0xffffffff)
	for _, c := range b {
		crc ^= uint32(c) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04c11db7
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
