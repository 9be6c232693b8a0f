package edge

import (
	"encoding/binary"
	"net"
	"time"

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

	outChunkSize = 65536
)

// Limits of one batch of pending output: beyond them the writer flushes
// early, bounding what a connection holds.
const (
	headerArena  = 1024
	maxBatchSize = 128 << 10
	maxBatchIOV  = 128
)

// chunkWriter splits outgoing messages into RTMP chunks without copying
// their bodies: chunk headers go to a small arena, bodies (cached object
// blocks, which are never modified) are referenced, and flush hands the
// whole batch to the kernel in one writev. Paced media thus costs one
// system call per batch and no copy in user space.
//
// Every message starts with a type-0 header (absolute timestamp); a few
// bytes per message buy a writer with no per-stream state to get wrong.
type chunkWriter struct {
	conn    net.Conn
	size    int // chunk size announced to the peer; RTMP starts at 128
	arena   []byte
	iov     [][]byte
	pending int
	sent    int64 // bytes written to conn so far
	onSent  func(n int)
	timeout time.Duration // for each flush: a stalled client is dropped

	csid byte
	ts   uint32
	ext  bool // extended timestamp: repeated in every continuation header
	left int  // bytes left in the current chunk
}

func newChunkWriter(conn net.Conn, timeout time.Duration, onSent func(int)) *chunkWriter {
	return &chunkWriter{conn: conn, size: 128, onSent: onSent, timeout: timeout,
		arena: make([]byte, 0, headerArena), iov: make([][]byte, 0, maxBatchIOV+8)}
}

// header appends a chunk header to the batch.
func (w *chunkWriter) header(h ...byte) error {
	if len(w.arena)+len(h) > cap(w.arena) {
		if err := w.flush(); err != nil {
			return err
		}
	}
	start := len(w.arena)
	w.arena = append(w.arena, h...)
	w.add(w.arena[start:len(w.arena):len(w.arena)])
	return nil
}

func (w *chunkWriter) add(b []byte) {
	w.iov = append(w.iov, b)
	w.pending += len(b)
}

// begin starts a message of length bytes; exactly length bytes must follow
// through Write.
func (w *chunkWriter) begin(csid byte, typ uint8, ts, msid uint32, length int) error {
	if w.pending >= maxBatchSize || len(w.iov) >= maxBatchIOV {
		if err := w.flush(); err != nil {
			return err
		}
	}
	w.csid, w.ts, w.ext, w.left = csid, ts, ts >= 0xffffff, w.size
	t := min(ts, 0xffffff)
	var h [16]byte
	b := append(h[:0], csid,
		byte(t>>16), byte(t>>8), byte(t),
		byte(length>>16), byte(length>>8), byte(length),
		typ)
	b = binary.LittleEndian.AppendUint32(b, msid)
	if w.ext {
		b = binary.BigEndian.AppendUint32(b, ts)
	}
	return w.header(b...)
}

// Write appends body bytes of the current message. p is referenced, not
// copied: it must not change until the next flush.
func (w *chunkWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if w.left == 0 {
			var h [5]byte
			b := append(h[:0], 0xc0|w.csid)
			if w.ext {
				b = binary.BigEndian.AppendUint32(b, w.ts)
			}
			if err := w.header(b...); err != nil {
				return n, err
			}
			w.left = w.size
		}
		k := min(len(p), w.left)
		w.add(p[:k:k])
		n += k
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

// flush writes the batch with one writev (on TCP connections). A client
// that accepts none of it for the writer's timeout fails the write: a
// viewer that stops reading holds a goroutine and at most one batch
// (maxBatchSize) for that long, not forever.
func (w *chunkWriter) flush() error {
	if w.pending == 0 {
		return nil
	}
	if w.timeout > 0 {
		w.conn.SetWriteDeadline(time.Now().Add(w.timeout))
	}
	bufs := net.Buffers(w.iov)
	n, err := bufs.WriteTo(w.conn)
	w.sent += n
	if w.onSent != nil {
		w.onSent(int(n))
	}
	clear(w.iov) // drop references to cached blocks
	w.iov, w.arena, w.pending = w.iov[:0], w.arena[:0], 0
	return err
}
