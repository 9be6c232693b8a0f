package media

import (
	"encoding/binary"
	"encoding/hex"
	"testing"
)

// Helpers that build and rewrite MP4 boxes for the tests, independent of
// the parser's own box walking.

// box is an MP4 box of type typ whose payload is the parts one after the other.
func box(typ string, parts ...[]byte) []byte {
	n := 8
	for _, p := range parts {
		n += len(p)
	}
	b := binary.BigEndian.AppendUint32(make([]byte, 0, n), uint32(n))
	b = append(b, typ...)
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// u32s is the big-endian bytes of vs.
func u32s(vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

// testContainers are the boxes rewriteBoxes walks into.
var testContainers = map[string]bool{"moov": true, "trak": true, "edts": true, "mdia": true, "minf": true, "stbl": true}

// splitBoxes splits b into its boxes: type, payload, whole box.
func splitBoxes(t testing.TB, b []byte) (types []string, bodies, whole [][]byte) {
	t.Helper()
	for len(b) >= 8 {
		size, hdr := uint64(binary.BigEndian.Uint32(b)), uint64(8)
		switch size {
		case 0:
			size = uint64(len(b))
		case 1:
			size, hdr = binary.BigEndian.Uint64(b[8:]), 16
		}
		if size < hdr || size > uint64(len(b)) {
			t.Fatalf("bad box %q of %d bytes", b[4:8], size)
		}
		types, bodies, whole = append(types, string(b[4:8])), append(bodies, b[hdr:size]), append(whole, b[:size])
		b = b[size:]
	}
	return types, bodies, whole
}

// rewriteBoxes rebuilds the boxes of b (a file or a container's payload),
// walking into moov, trak, edts, mdia, minf and stbl, with fn's replacement
// of every other box (fn returns nil to keep one as it is). Only a file
// whose moov follows its media data keeps its chunk offsets right.
func rewriteBoxes(t testing.TB, b []byte, fn func(typ string, body []byte) []byte) []byte {
	t.Helper()
	var out []byte
	types, bodies, whole := splitBoxes(t, b)
	for i, typ := range types {
		switch {
		case testContainers[typ]:
			out = append(out, box(typ, rewriteBoxes(t, bodies[i], fn))...)
		default:
			if nb := fn(typ, bodies[i]); nb != nil {
				out = append(out, nb...)
			} else {
				out = append(out, whole[i]...)
			}
		}
	}
	return out
}

// findBoxes returns the payloads of the boxes of type typ in the file b
// (inside the containers rewriteBoxes walks).
func findBoxes(t testing.TB, b []byte, typ string) [][]byte {
	var found [][]byte
	rewriteBoxes(t, b, func(got string, body []byte) []byte {
		if got == typ {
			found = append(found, body)
		}
		return nil
	})
	return found
}

// toCo64 turns every stco into a co64 with the same offsets.
func toCo64(t testing.TB, file []byte) []byte {
	return rewriteBoxes(t, file, func(typ string, body []byte) []byte {
		if typ != "stco" {
			return nil
		}
		n := binary.BigEndian.Uint32(body[4:])
		out := append([]byte{}, body[:8]...)
		for i := range n {
			out = binary.BigEndian.AppendUint64(out, uint64(binary.BigEndian.Uint32(body[8+4*i:])))
		}
		return box("co64", out)
	})
}

// toStz2 turns every stsz with a size per sample into a stz2 of 16-bit sizes.
func toStz2(t testing.TB, file []byte) []byte {
	return rewriteBoxes(t, file, func(typ string, body []byte) []byte {
		if typ != "stsz" || binary.BigEndian.Uint32(body[4:]) != 0 {
			return nil
		}
		n := binary.BigEndian.Uint32(body[8:])
		out := append([]byte{}, 0, 0, 0, 0, 0, 0, 0, 16)
		out = binary.BigEndian.AppendUint32(out, n)
		for i := range n {
			s := binary.BigEndian.Uint32(body[12+4*i:])
			if s > 0xffff {
				t.Fatalf("sample %d of %d bytes does not fit stz2's 16 bits", i, s)
			}
			out = binary.BigEndian.AppendUint16(out, uint16(s))
		}
		return box("stz2", out)
	})
}

// toVersion1 turns every version 0 mdhd, mvhd and elst into a version 1
// one (64-bit times, durations and media times).
func toVersion1(t testing.TB, file []byte) []byte {
	return rewriteBoxes(t, file, func(typ string, body []byte) []byte {
		if len(body) == 0 || body[0] != 0 {
			return nil
		}
		u32 := func(at int) uint32 { return binary.BigEndian.Uint32(body[at:]) }
		out := []byte{1, body[1], body[2], body[3]}
		switch typ {
		case "mvhd", "mdhd": // creation, modification, timescale, duration, then the rest
			out = binary.BigEndian.AppendUint64(out, uint64(u32(4)))
			out = binary.BigEndian.AppendUint64(out, uint64(u32(8)))
			out = binary.BigEndian.AppendUint32(out, u32(12))
			out = binary.BigEndian.AppendUint64(out, uint64(u32(16)))
			out = append(out, body[20:]...)
		case "elst":
			n := u32(4)
			out = binary.BigEndian.AppendUint32(out, n)
			for i := range int(n) {
				e := 8 + 12*i
				out = binary.BigEndian.AppendUint64(out, uint64(u32(e)))
				out = binary.BigEndian.AppendUint64(out, uint64(int64(int32(u32(e+4)))))
				out = append(out, body[e+8:e+12]...)
			}
		default:
			return nil
		}
		return box(typ, out)
	})
}

// testAVCC is an AVCDecoderConfigurationRecord (Baseline, 4-byte lengths).
var testAVCC, _ = hex.DecodeString("0142c00dffe100166742c00dda0507ec0440000003004000000c83c50aa801000468ce0fc8")

// testEsds is an esds payload for AAC-LC at 44.1 kHz, stereo.
var testEsds = []byte{0, 0, 0, 0,
	3, 25, 0, 1, 0, // ES_Descriptor: ES_ID 1, no flags
	4, 17, 0x40, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // DecoderConfigDescriptor: AAC, audio stream
	5, 2, 0x12, 0x10, // DecSpecificInfo: the AudioSpecificConfig
	6, 1, 2} // SLConfigDescriptor

// synthTrack describes one track of a synthetic MP4: n samples of size
// bytes each, perChunk samples to a chunk.
type synthTrack struct {
	video     bool
	n         int
	size      uint32
	perChunk  int
	timescale uint32
	delta     uint32
	// soundVersion makes an audio track's a QuickTime sound description of
	// version 1 or 2 (with their fields, and the esds in a wave box) and
	// the file a QuickTime one.
	soundVersion uint16
}

// synthMP4 is a progressive MP4 of the tracks, moov at the end, the media
// data zeros, the tracks' chunks interleaved. Video has a key frame every
// 50 samples and B-frame-like composition offsets (one ctts entry per
// sample, as ffmpeg writes them).
func synthMP4(tracks ...synthTrack) []byte {
	file := box("ftyp", []byte("isom\x00\x00\x02\x00isomiso2avc1mp41"))
	for _, tr := range tracks {
		if tr.soundVersion != 0 {
			file = box("ftyp", []byte("qt  \x00\x00\x02\x00qt  "))
		}
	}
	var total uint64
	chunks := make([][]uint32, len(tracks))
	for k, tr := range tracks {
		total += uint64(tr.n) * uint64(tr.size)
		chunks[k] = make([]uint32, 0, (tr.n+tr.perChunk-1)/tr.perChunk)
	}
	off := uint32(len(file) + 8)
	for left := true; left; {
		left = false
		for k, tr := range tracks {
			done := len(chunks[k]) * tr.perChunk
			if done >= tr.n {
				continue
			}
			left = true
			chunks[k] = append(chunks[k], off)
			off += uint32(min(tr.perChunk, tr.n-done)) * tr.size
		}
	}
	file = append(file, box("mdat", make([]byte, total))...)
	moov := [][]byte{box("mvhd", u32s(0, 0, 0, 1000, 0), make([]byte, 80))}
	for k, tr := range tracks {
		moov = append(moov, synthTrak(tr, chunks[k]))
	}
	return append(file, box("moov", moov...)...)
}

func synthTrak(tr synthTrack, chunks []uint32) []byte {
	full := []byte{0, 0, 0, 0}
	var entry, extra []byte
	handler := "soun"
	if tr.video {
		handler = "vide"
		fields := make([]byte, 78)
		binary.BigEndian.PutUint16(fields[6:], 1)
		binary.BigEndian.PutUint16(fields[24:], 64)
		binary.BigEndian.PutUint16(fields[26:], 64)
		entry = box("avc1", fields, box("avcC", testAVCC))
		var sync, ctts []uint32
		for i := 0; i < tr.n; i += 50 {
			sync = append(sync, uint32(i+1))
		}
		for i := range tr.n {
			ctts = append(ctts, 1, []uint32{2, 5, 0, 1}[i%4]*tr.delta)
		}
		extra = append(box("stss", full, u32s(uint32(len(sync))), u32s(sync...)),
			box("ctts", full, u32s(uint32(tr.n)), u32s(ctts...))...)
	} else {
		fields := make([]byte, 28)
		binary.BigEndian.PutUint16(fields[6:], 1)
		binary.BigEndian.PutUint16(fields[16:], 2)
		binary.BigEndian.PutUint16(fields[18:], 16)
		binary.BigEndian.PutUint32(fields[24:], tr.timescale<<16)
		binary.BigEndian.PutUint16(fields[8:], tr.soundVersion)
		switch tr.soundVersion {
		case 0:
			entry = box("mp4a", fields, box("esds", testEsds))
		case 1, 2:
			qt := make([]byte, 16+20*int(tr.soundVersion-1))
			entry = box("mp4a", fields, qt, box("wave", box("frma", []byte("mp4a")), box("esds", testEsds), u32s(8, 0)))
		}
	}
	stsc := u32s(1, uint32(tr.perChunk), 1)
	if last := tr.n % tr.perChunk; last != 0 {
		stsc = append(stsc, u32s(uint32(len(chunks)), uint32(last), 1)...)
	}
	sizes := make([]uint32, tr.n)
	for i := range sizes {
		sizes[i] = tr.size
	}
	stbl := box("stbl", append([][]byte{
		box("stsd", full, u32s(1), entry),
		box("stts", full, u32s(1, uint32(tr.n), tr.delta)),
		box("stsc", full, u32s(uint32(len(stsc)/12)), stsc),
		box("stsz", full, u32s(0, uint32(tr.n)), u32s(sizes...)),
		box("stco", full, u32s(uint32(len(chunks))), u32s(chunks...)),
	}, extra)...)
	return box("trak",
		box("mdia",
			box("mdhd", full, u32s(0, 0, tr.timescale, 0, 0)),
			box("hdlr", full, u32s(0), []byte(handler), make([]byte, 13)),
			box("minf", stbl)))
}

// longMP4 is a synthetic two-hour MP4 as large as the one the cold-start
// figure was measured with: 180,000 H.264 samples at 25 fps and 309,600
// AAC frames at 44.1 kHz, in one-second chunks.
func longMP4() []byte {
	return synthMP4(
		synthTrack{video: true, n: 180000, size: 40, perChunk: 25, timescale: 12800, delta: 512},
		synthTrack{n: 309600, size: 6, perChunk: 43, timescale: 44100, delta: 1024})
}
