package edge

import (
	"bufio"
	"encoding/binary"

	"github.com/bluenviron/gortmplib/pkg/amf0"
)

// Chunk streams and message types the edge sends on.
const (
	csControl = 2
	csCommand = 3
	csAudio   = 4
	csStatus  = 5
	csVideo   = 6

	typeSetChunkSize     = 1
	typeAcknowledge      = 3
	typeUserControl      = 4
	typeWindowAckSize    = 5
	typeSetPeerBandwidth = 6
	typeDataAMF0         = 18
	typeCommandAMF0      = 20

	ucStreamBegin      = 0
	ucStreamEOF        = 1
	ucStreamIsRecorded = 4
	ucPingResponse     = 7

	outChunkSize = 4096
)

// chunkWriter splits outgoing messages into RTMP chunks. Unlike gortmplib's
// message writer it streams a body given in pieces (a prefix plus cached
// object blocks) without assembling it, and flushes only when asked, so a
// batch of paced media costs one system call.
//
// Every message starts with a type-0 header (absolute timestamp); a few
// bytes per message buy a writer with no per-stream state to get wrong.
type chunkWriter struct {
	bw   *bufio.Writer
	size int // chunk size announced to the peer; RTMP starts at 128
	hdr  [18]byte
	csid byte
	ts   uint32
	ext  bool // extended timestamp: repeated in every continuation header
	left int  // bytes left in the current chunk
}

// begin writes the header of a message of length bytes; exactly length
// bytes must follow through Write.
func (w *chunkWriter) begin(csid byte, typ uint8, ts, msid uint32, length int) error {
	w.csid, w.ts, w.ext, w.left = csid, ts, ts >= 0xffffff, w.size
	t := min(ts, 0xffffff)
	h := append(w.hdr[:0], csid,
		byte(t>>16), byte(t>>8), byte(t),
		byte(length>>16), byte(length>>8), byte(length),
		typ)
	h = binary.LittleEndian.AppendUint32(h, msid)
	if w.ext {
		h = binary.BigEndian.AppendUint32(h, ts)
	}
	_, err := w.bw.Write(h)
	return err
}

// Write appends body bytes of the current message.
func (w *chunkWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if w.left == 0 {
			h := append(w.hdr[:0], 0xc0|w.csid)
			if w.ext {
				h = binary.BigEndian.AppendUint32(h, w.ts)
			}
			if _, err := w.bw.Write(h); err != nil {
				return n, err
			}
			w.left = w.size
		}
		k := min(len(p), w.left)
		m, err := w.bw.Write(p[:k])
		n += m
		if err != nil {
			return n, err
		}
		p, w.left = p[k:], w.left-k
	}
	return n, nil
}

// message writes a whole message.
func (w *chunkWriter) message(csid byte, typ uint8, ts, msid uint32, body []byte) error {
	if err := w.begin(csid, typ, ts, msid, len(body)); err != nil {
		return err
	}
	_, err := w.Write(body)
	return err
}

// amf writes an AMF0 command or data message.
func (w *chunkWriter) amf(csid byte, typ uint8, msid uint32, values ...any) error {
	body, err := amf0.Data(values).Marshal()
	if err != nil {
		return err
	}
	return w.message(csid, typ, 0, msid, body)
}

// setChunkSize announces and starts using a larger chunk size.
func (w *chunkWriter) setChunkSize(n int) error {
	err := w.control(typeSetChunkSize, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	w.size = n
	return err
}

func (w *chunkWriter) control(typ uint8, body ...byte) error {
	return w.message(csControl, typ, 0, 0, body)
}

func (w *chunkWriter) userControl(event uint16, streamID uint32) error {
	b := binary.BigEndian.AppendUint16(nil, event)
	return w.control(typeUserControl, binary.BigEndian.AppendUint32(b, streamID)...)
}

func (w *chunkWriter) flush() error { return w.bw.Flush() }
