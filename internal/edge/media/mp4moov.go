package media

import (
	"encoding/binary"
	"fmt"
)

// mp4Track collects what parseMP4 needs of one trak box. The sample tables
// are views of the moov buffer, read entry by entry as the tags are made.
type mp4Track struct {
	quickTime  bool   // in a QuickTime file: sound descriptions of version 1 and 2 have extra fields
	handler    string // "vide" or "soun"
	timescale  uint32
	entry      string // type of the first sample entry: "avc1", "mp4a", ".mp3", "hvc1"…
	objectType byte   // of an mp4a entry's esds: 0x40 AAC, 0x69/0x6B MP3
	config     []byte // AVCDecoderConfigurationRecord or AudioSpecificConfig
	width      uint16
	height     uint16
	rate       uint32
	channels   uint16

	stts       table // sample count, sample delta
	ctts       table // sample count, composition offset
	cttsSigned bool  // ctts version 1: the offsets are signed
	stsc       table // first chunk (1-based), samples per chunk, description index
	sizes      sampleSizes
	chunks     table  // chunk offsets: stco (4-byte entries) or co64 (8-byte)
	sync       table  // stss: 1-based sample numbers of the sync samples
	hasSync    bool   // without an stss every sample is a sync sample
	emptyEdit  uint64 // leading empty edits, movie timescale
	mediaTime  int64  // media time the presentation starts at
}

// parseMoov reads the movie timescale and the tracks of a moov payload.
func parseMoov(moov []byte, quickTime bool) (uint32, []*mp4Track, error) {
	var movieScale uint32 = 1000
	var tracks []*mp4Track
	err := forEachBox(moov, func(typ string, body []byte) error {
		switch typ {
		case "mvhd":
			ts, err := headerTimescale(typ, body)
			if ts > 0 {
				movieScale = ts
			}
			return err
		case "trak":
			t := &mp4Track{quickTime: quickTime}
			tracks = append(tracks, t)
			return t.readTrak(body)
		}
		return nil
	})
	return movieScale, tracks, err
}

// headerTimescale is the timescale of an mvhd or mdhd (version 0: 32-bit
// times before it, version 1: 64-bit).
func headerTimescale(typ string, body []byte) (uint32, error) {
	at := 12
	if len(body) > 0 && body[0] == 1 {
		at = 20
	}
	if len(body) < at+4 {
		return 0, errBox("short " + typ)
	}
	return binary.BigEndian.Uint32(body[at:]), nil
}

// readTrak walks trak → edts, mdia → minf → stbl.
func (t *mp4Track) readTrak(b []byte) error {
	return forEachBox(b, func(typ string, body []byte) error {
		switch typ {
		case "edts":
			return forEachBox(body, func(typ string, body []byte) error {
				if typ == "elst" {
					return t.readEdits(body)
				}
				return nil
			})
		case "mdia":
			return t.readMdia(body)
		}
		return nil
	})
}

func (t *mp4Track) readMdia(b []byte) error {
	return forEachBox(b, func(typ string, body []byte) error {
		switch typ {
		case "mdhd":
			ts, err := headerTimescale(typ, body)
			t.timescale = ts
			return err
		case "hdlr":
			return t.readHdlr(body)
		case "minf":
			return forEachBox(body, func(typ string, body []byte) error {
				switch typ {
				case "hdlr":
					return t.readHdlr(body)
				case "stbl":
					return forEachBox(body, t.readStblBox)
				}
				return nil
			})
		}
		return nil
	})
}

// readHdlr keeps a media handler: MOV also has a data handler (alis, url)
// in minf.
func (t *mp4Track) readHdlr(body []byte) error {
	if len(body) < 12 {
		return errBox("short hdlr")
	}
	if h := string(body[8:12]); h == "vide" || h == "soun" {
		t.handler = h
	}
	return nil
}

// readEdits keeps what a simple player honours: leading empty edits delay
// the track, the first real edit says which media time is shown first.
func (t *mp4Track) readEdits(body []byte) error {
	width := 12 // version 0: 32-bit duration and media time, then the rate
	if len(body) > 0 && body[0] == 1 {
		width = 20
	}
	edits, err := readTable("elst", body, 0, width)
	if err != nil {
		return err
	}
	for i := range edits.len() {
		e := edits.b[i*width:]
		var dur uint64
		var mt int64
		if width == 12 {
			dur, mt = uint64(binary.BigEndian.Uint32(e)), int64(int32(binary.BigEndian.Uint32(e[4:])))
		} else {
			dur, mt = binary.BigEndian.Uint64(e), int64(binary.BigEndian.Uint64(e[8:]))
		}
		if mt == -1 {
			t.emptyEdit += dur
			continue
		}
		t.mediaTime = mt
		return nil
	}
	return nil
}

// readStblBox reads one box of the sample table.
func (t *mp4Track) readStblBox(typ string, body []byte) error {
	var err error
	switch typ {
	case "stsd":
		return t.readStsd(body)
	case "stts":
		t.stts, err = readTable(typ, body, 0, 8)
	case "ctts":
		t.ctts, err = readTable(typ, body, 0, 8)
		t.cttsSigned = len(body) > 0 && body[0] == 1
	case "stsc":
		t.stsc, err = readTable(typ, body, 0, 12)
	case "stsz":
		t.sizes, err = readStsz(body)
	case "stz2":
		t.sizes, err = readStz2(body)
	case "stco":
		t.chunks, err = readTable(typ, body, 0, 4)
	case "co64":
		t.chunks, err = readTable(typ, body, 0, 8)
	case "stss":
		t.sync, err = readTable(typ, body, 0, 4)
		t.hasSync = true
	}
	return err
}

// readStsd notes the type of the track's first sample entry and, for the
// codecs RTMP carries, reads it and the boxes in it (avcC, esds).
func (t *mp4Track) readStsd(body []byte) error {
	if len(body) < 8 {
		return errBox("short stsd")
	}
	first := true
	return forEachBox(body[8:], func(typ string, entry []byte) error {
		if !first {
			return nil // only the first sample description is used
		}
		first = false
		return t.readSampleEntry(typ, entry)
	})
}

// Sizes of the sample entry fields before the boxes in it.
const (
	visualEntrySize = 78 // SampleEntry, then VisualSampleEntry's fields
	audioEntrySize  = 28 // SampleEntry, then AudioSampleEntry's fields
)

func (t *mp4Track) readSampleEntry(typ string, b []byte) error {
	t.entry = typ
	var rest int
	switch typ {
	case "avc1":
		if len(b) < visualEntrySize {
			return errBox("short avc1 sample entry")
		}
		t.width, t.height = binary.BigEndian.Uint16(b[24:]), binary.BigEndian.Uint16(b[26:])
		rest = visualEntrySize
	case "mp4a":
		if len(b) < audioEntrySize {
			return errBox("short mp4a sample entry")
		}
		t.channels, t.rate = binary.BigEndian.Uint16(b[16:]), binary.BigEndian.Uint32(b[24:])>>16
		rest = audioEntrySize + t.soundExtra(binary.BigEndian.Uint16(b[8:]))
		if len(b) < rest {
			return errBox(fmt.Sprintf("short mp4a sample entry (version %d)", binary.BigEndian.Uint16(b[8:])))
		}
	default:
		return nil
	}
	return forEachBox(b[rest:], t.readEntryBox)
}

// soundExtra is the size of the fields a QuickTime sound sample description
// of the given version has after the ISO ones (as abema/go-mp4 reads them):
// version 1 samples per packet, bytes per packet, per frame and per sample;
// version 2 its own 36 bytes.
func (t *mp4Track) soundExtra(version uint16) int {
	if !t.quickTime {
		return 0
	}
	switch version {
	case 1:
		return 16
	case 2:
		return 36
	}
	return 0
}

// readEntryBox reads a box of a sample entry: avcC, esds, or QuickTime's
// wave, which holds mp4a's esds.
func (t *mp4Track) readEntryBox(typ string, body []byte) error {
	switch typ {
	case "avcC":
		t.config = append([]byte{}, body...)
	case "esds":
		return t.readEsds(body)
	case "wave":
		return forEachBox(body, func(typ string, body []byte) error {
			if typ == "esds" {
				return t.readEsds(body)
			}
			return nil
		})
	}
	return nil
}

// Descriptor tags of an esds (ISO/IEC 14496-1 7.2.2.1).
const (
	esDescrTag            = 3
	decoderConfigDescrTag = 4
	decSpecificInfoTag    = 5
)

// readEsds reads the object type of the first DecoderConfigDescriptor and
// the first DecSpecificInfo (the AudioSpecificConfig). Descriptors nest;
// like abema/go-mp4 this reads them as one list, each container's fields
// followed by what it contains.
func (t *mp4Track) readEsds(b []byte) error {
	if len(b) < 4 {
		return errBox("short esds")
	}
	b = b[4:] // version and flags
	for len(b) > 0 {
		tag := b[0]
		size, n := descriptorSize(b[1:])
		if n == 0 {
			return errBox("bad esds descriptor size")
		}
		b = b[1+n:]
		var skip int
		switch tag {
		case esDescrTag:
			skip = esDescriptorSize(b)
		case decoderConfigDescrTag:
			skip = 13 // objectTypeIndication, stream type, buffer size, bit rates
			if len(b) >= skip && t.objectType == 0 {
				t.objectType = b[0]
			}
		default:
			skip = int(size)
			if len(b) >= skip && tag == decSpecificInfoTag && t.config == nil {
				t.config = append([]byte{}, b[:skip]...)
			}
		}
		if skip < 0 || skip > len(b) {
			return errBox(fmt.Sprintf("truncated esds descriptor %d", tag))
		}
		b = b[skip:]
	}
	return nil
}

// descriptorSize reads an expandable size of up to 4 bytes; n is the bytes
// it took, 0 when malformed.
func descriptorSize(b []byte) (size uint32, n int) {
	for n < len(b) && n < 4 {
		c := b[n]
		n++
		size = size<<7 | uint32(c&0x7f)
		if c&0x80 == 0 {
			return size, n
		}
	}
	return 0, 0
}

// esDescriptorSize is the size of an ES_Descriptor's own fields (the
// descriptors in it follow), or -1 when b is too short to tell.
func esDescriptorSize(b []byte) int {
	if len(b) < 3 {
		return -1
	}
	flags, n := b[2], 3  // ES_ID, then the flags
	if flags&0x80 != 0 { // streamDependenceFlag
		n += 2
	}
	if flags&0x40 != 0 { // URL_Flag
		if len(b) <= n {
			return -1
		}
		n += 1 + int(b[n])
	}
	if flags&0x20 != 0 { // OCRstreamFlag
		n += 2
	}
	return n
}
