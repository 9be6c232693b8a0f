package media

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/bluenviron/gortmplib/pkg/amf0"
)

// parseFLV indexes an FLV file: tags pass through unchanged; the AVC/AAC
// sequence headers become Headers and the file's onMetaData becomes Meta
// (its duration is recomputed by finish).
func parseFLV(r io.ReaderAt, size int64) (*Asset, error) {
	var hdr [9]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil || string(hdr[:3]) != "FLV" {
		return nil, fmt.Errorf("%w: not an FLV file", ErrUnsupported)
	}
	a := &Asset{}
	off := int64(binary.BigEndian.Uint32(hdr[5:9])) + 4 // skip PreviousTagSize0
	var th [11]byte
	for off+11 <= size {
		if _, err := r.ReadAt(th[:], off); err != nil {
			return nil, err
		}
		typ := th[0] & 0x1f // the upper bits flag encrypted tags
		n := uint32(th[1])<<16 | uint32(th[2])<<8 | uint32(th[3])
		ts := uint32(th[7])<<24 | uint32(th[4])<<16 | uint32(th[5])<<8 | uint32(th[6])
		body := off + 11
		if body+int64(n) > size {
			break // truncated last tag: stream what is complete
		}
		off = body + int64(n) + 4
		if n == 0 {
			continue
		}
		if err := a.addFLVTag(r, typ, ts, body, n); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (a *Asset) addFLVTag(r io.ReaderAt, typ uint8, ts uint32, off int64, n uint32) error {
	var first [5]byte
	if _, err := r.ReadAt(first[:min(5, n)], off); err != nil {
		return err
	}
	switch typ {
	case TypeVideo:
		a.addTrack(typ, flvVideoCodec(first[:min(5, n)]))
		isAVCHeader := first[0]&0x0f == 7 && n >= 2 && first[1] == 0
		if isAVCHeader {
			return a.addFLVHeader(r, typ, off, n)
		}
		a.Tags = append(a.Tags, Tag{Offset: off, Size: n, Time: ts, Type: typ, Key: first[0]>>4 == 1})
	case TypeAudio:
		a.addTrack(typ, flvAudioCodec(first[0]))
		isAACHeader := first[0]>>4 == 10 && n >= 2 && first[1] == 0
		if isAACHeader {
			return a.addFLVHeader(r, typ, off, n)
		}
		a.Tags = append(a.Tags, Tag{Offset: off, Size: n, Time: ts, Type: typ})
	case TypeData:
		body := make([]byte, n)
		if _, err := r.ReadAt(body, off); err != nil {
			return err
		}
		if meta, ok := onMetaData(body); ok {
			a.Meta = meta
			return nil
		}
		a.Tags = append(a.Tags, Tag{Offset: off, Size: n, Time: ts, Type: typ})
	}
	return nil
}

// addFLVHeader keeps the first sequence header of each type; a later one (a
// mid-stream codec change) stays in place as a tag.
func (a *Asset) addFLVHeader(r io.ReaderAt, typ uint8, off int64, n uint32) error {
	for _, h := range a.Headers {
		if h.Type == typ {
			a.Tags = append(a.Tags, Tag{Offset: off, Size: n, Type: typ})
			return nil
		}
	}
	body := make([]byte, n)
	if _, err := r.ReadAt(body, off); err != nil {
		return err
	}
	a.Headers = append(a.Headers, Header{Type: typ, Body: body})
	return nil
}

// onMetaData decodes an FLV script tag named onMetaData.
func onMetaData(body []byte) (amf0.Object, bool) {
	d, err := amf0.Unmarshal(body)
	if err != nil || len(d) < 2 {
		return nil, false
	}
	if name, _ := d[0].(string); name != "onMetaData" {
		return nil, false
	}
	switch o := d[1].(type) {
	case amf0.ECMAArray:
		return amf0.Object(o), true
	case amf0.Object:
		return o, true
	}
	return nil, false
}
