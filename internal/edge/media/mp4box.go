package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// maxMoovSize bounds the movie box read into memory. A two-hour 25 fps
// H.264 + AAC file's is about 4 MB; a day of 60 fps video with 48 kHz audio
// stays well under this.
const maxMoovSize = 256 << 20

// maxFtypRead is how much of an ftyp box is read for its brands.
const maxFtypRead = 4 << 10

// readMoov finds the top-level moov box of an MP4/MOV by the headers of the
// boxes before it (wherever it is: before the media data or after a huge
// mdat) and reads its payload with one ReadAt. quickTime reports a QuickTime
// file: an ftyp naming the "qt  " brand, or none at all (older MOVs).
func readMoov(r io.ReaderAt, size int64) (moov []byte, quickTime bool, err error) {
	quickTime = true
	var off int64
	for size-off >= 8 {
		var h [16]byte
		hdr := h[:min(16, size-off)]
		if err := readFullAt(r, hdr, off); err != nil {
			return nil, false, err
		}
		boxSize, hdrSize := uint64(binary.BigEndian.Uint32(hdr)), int64(8)
		switch boxSize {
		case 0: // to the end of the file
			boxSize = uint64(size - off)
		case 1: // a 64-bit size follows the type
			if len(hdr) < 16 {
				return nil, false, errBox("truncated box header")
			}
			boxSize, hdrSize = binary.BigEndian.Uint64(hdr[8:]), 16
		}
		if boxSize < uint64(hdrSize) {
			return nil, false, errBox(fmt.Sprintf("%q box of %d bytes", hdr[4:8], boxSize))
		}
		typ := string(hdr[4:8])
		if boxSize > uint64(size-off) {
			if typ == "moov" {
				return nil, false, errBox("moov box past the end of the object")
			}
			break // a truncated file: its moov, if any, is lost
		}
		body := int64(boxSize) - hdrSize
		switch typ {
		case "ftyp":
			b := make([]byte, min(body, maxFtypRead))
			if err := readFullAt(r, b, off+hdrSize); err != nil {
				return nil, false, err
			}
			quickTime = hasBrand(b, "qt  ")
		case "moov":
			if body > maxMoovSize {
				return nil, false, errBox(fmt.Sprintf("moov box of %d bytes", body))
			}
			moov = make([]byte, body)
			if err := readFullAt(r, moov, off+hdrSize); err != nil {
				return nil, false, err
			}
			return moov, quickTime, nil
		}
		off += int64(boxSize)
	}
	return nil, false, errBox("no moov box")
}

// hasBrand reports whether an ftyp payload names brand as its major or a
// compatible brand.
func hasBrand(ftyp []byte, brand string) bool {
	if len(ftyp) >= 4 && string(ftyp[:4]) == brand {
		return true
	}
	for i := 8; i+4 <= len(ftyp); i += 4 {
		if string(ftyp[i:i+4]) == brand {
			return true
		}
	}
	return false
}

// readFullAt reads len(b) bytes at off; an object shorter than its size is
// unsupported, any other read error is the origin's.
func readFullAt(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: mp4: object ends before byte %d", ErrUnsupported, off+int64(len(b)))
	}
	return fmt.Errorf("mp4: reading %d bytes at %d: %w", len(b), off, err)
}

// errBox is the error of a malformed or unsupported box structure.
func errBox(what string) error {
	return fmt.Errorf("%w: mp4: %s", ErrUnsupported, what)
}

// forEachBox calls fn with the type and payload of each box in b, in order.
// Fewer than 8 bytes left over (QuickTime ends some lists with a 4-byte
// terminator) are ignored; a box larger than what is left is an error.
func forEachBox(b []byte, fn func(typ string, body []byte) error) error {
	for len(b) >= 8 {
		size, hdr := uint64(binary.BigEndian.Uint32(b)), uint64(8)
		switch size {
		case 0: // to the end of the enclosing box
			size = uint64(len(b))
		case 1:
			if len(b) < 16 {
				return errBox("truncated box header")
			}
			size, hdr = binary.BigEndian.Uint64(b[8:]), 16
		}
		if size < hdr || size > uint64(len(b)) {
			return errBox(fmt.Sprintf("%q box of %d bytes in %d", b[4:8], size, len(b)))
		}
		if err := fn(string(b[4:8]), b[hdr:size]); err != nil {
			return err
		}
		b = b[size:]
	}
	return nil
}

// table is the entries of a sample table box, left in the moov buffer: a run
// of entries of width bytes, each a few big-endian 32-bit fields.
type table struct {
	b     []byte
	width int
}

// readTable takes a full box's payload whose version and flags are followed
// by a 32-bit entry count and skip more bytes, then the entries; the entries
// must fit in the box.
func readTable(typ string, body []byte, skip, width int) (table, error) {
	head := 8 + skip
	if len(body) < head {
		return table{}, errBox("short " + typ)
	}
	n := uint64(binary.BigEndian.Uint32(body[4+skip:]))
	if n*uint64(width) > uint64(len(body)-head) {
		return table{}, errBox(fmt.Sprintf("%s of %d entries in %d bytes", typ, n, len(body)))
	}
	return table{b: body[head : head+int(n)*width], width: width}, nil
}

func (t table) len() int {
	if t.width == 0 {
		return 0
	}
	return len(t.b) / t.width
}

// u32 is field (0-based) of entry i.
func (t table) u32(i, field int) uint32 {
	return binary.BigEndian.Uint32(t.b[i*t.width+4*field:])
}

// u64 is entry i of a table of 64-bit values (co64).
func (t table) u64(i int) uint64 {
	return binary.BigEndian.Uint64(t.b[i*t.width:])
}

// sampleSizes is the stsz or stz2 of a track.
type sampleSizes struct {
	count    uint32
	constant uint32 // the size of every sample, or 0
	bits     int    // bits per entry: 4, 8, 16 or 32 (0 with a constant size)
	b        []byte
}

// readStsz reads a SampleSizeBox: a constant size, or one 32-bit size per sample.
func readStsz(body []byte) (sampleSizes, error) {
	if len(body) < 12 {
		return sampleSizes{}, errBox("short stsz")
	}
	s := sampleSizes{constant: binary.BigEndian.Uint32(body[4:]), count: binary.BigEndian.Uint32(body[8:])}
	if s.constant != 0 {
		return s, nil
	}
	t, err := readTable("stsz", body, 4, 4)
	s.b, s.bits = t.b, 32
	return s, err
}

// readStz2 reads a CompactSampleSizeBox: 4-, 8- or 16-bit sizes.
func readStz2(body []byte) (sampleSizes, error) {
	if len(body) < 12 {
		return sampleSizes{}, errBox("short stz2")
	}
	s := sampleSizes{bits: int(body[7]), count: binary.BigEndian.Uint32(body[8:])}
	if s.bits != 4 && s.bits != 8 && s.bits != 16 {
		return sampleSizes{}, errBox(fmt.Sprintf("stz2 with %d-bit sizes", s.bits))
	}
	need := (uint64(s.count)*uint64(s.bits) + 7) / 8
	if need > uint64(len(body)-12) {
		return sampleSizes{}, errBox(fmt.Sprintf("stz2 of %d entries in %d bytes", s.count, len(body)))
	}
	s.b = body[12 : 12+need]
	return s, nil
}

// size is sample i's size (0-based, i < count).
func (s *sampleSizes) size(i int) uint32 {
	switch s.bits {
	case 0:
		return s.constant
	case 4:
		if i%2 == 0 {
			return uint32(s.b[i/2] >> 4)
		}
		return uint32(s.b[i/2] & 15)
	case 8:
		return uint32(s.b[i])
	case 16:
		return uint32(binary.BigEndian.Uint16(s.b[2*i:]))
	}
	return binary.BigEndian.Uint32(s.b[4*i:])
}
