package edge

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Limits of what a client may make a connection hold. A player sends only
// small messages (a connect is under 1 KiB, a play of a name signed with a
// custom policy under 3 KiB), so these are generous for players and bound
// a hostile client: a connection's incoming side holds at most
// maxIncomingMessage bytes of message bodies being assembled (twice that
// in allocated capacity) plus the 4 KiB read buffer, whatever lengths and
// chunk size the client announces: 36 KiB, 360 MB for 10,000 connections.
const (
	// maxIncomingMessage is the largest message body a client may send,
	// and the total of the partly received ones on all its chunk streams.
	maxIncomingMessage = 16 << 10
	// inReadBuffer is the size of a connection's read buffer.
	inReadBuffer = 4 << 10
)

var (
	errMessageTooLarge = errors.New("edge: incoming message too large")
	errChunkStreamID   = errors.New("edge: unsupported chunk stream id")
	errChunkOrder      = errors.New("edge: chunk out of order")
	errChunkSize       = errors.New("edge: invalid chunk size")
)

// inMessage is a complete incoming message. The edge ignores the
// timestamps of incoming messages, so they are not kept.
type inMessage struct {
	csid uint8
	typ  uint8
	msid uint32
	body []byte
}

// inChunkStream is the state of one incoming chunk stream: the header
// fields later chunks inherit and the body being assembled.
type inChunkStream struct {
	started bool // a type-0 header was seen; types 1-3 inherit from it
	typ     uint8
	length  uint32
	msid    uint32
	ext     bool // the last header carried an extended timestamp
	body    []byte
}

// chunkReader reassembles the chunks a client sends into messages. It is
// the edge's own rather than gortmplib's because that one allocates a
// chunk's announced length (up to 10 MiB) before reading it and keeps
// partial messages of up to 10 MiB on every chunk stream: a few header
// bytes would pin hundreds of megabytes. Here a body grows only as its
// bytes arrive and all partial bodies together stay under
// maxIncomingMessage.
//
// Chunk stream ids 2-63 are supported (the one-byte form every player
// uses); the two- and three-byte forms end the connection, as they did
// with gortmplib.
type chunkReader struct {
	br        *bufio.Reader
	counted   *countingReader
	chunkSize uint32
	streams   [64]inChunkStream
	pending   int // body bytes held by partial messages

	// Acknowledgements: onAck is called with the byte count each time
	// another window of bytes has been received.
	window  uint32
	lastAck uint64
	onAck   func(uint32) error
}

func newChunkReader(r io.Reader, onAck func(uint32) error) *chunkReader {
	cr := &countingReader{r: r}
	return &chunkReader{br: bufio.NewReaderSize(cr, inReadBuffer), counted: cr, chunkSize: 128, onAck: onAck}
}

// setChunkSize applies a client's Set Chunk Size. Any size from 1 is
// accepted: a chunk never carries more than its message's remaining bytes,
// and messages are bounded, so a huge size costs nothing.
func (r *chunkReader) setChunkSize(v uint32) error {
	v &= 0x7fffffff
	if v == 0 {
		return errChunkSize
	}
	r.chunkSize = v
	return nil
}

// abort drops the partial message of a chunk stream (Abort Message).
func (r *chunkReader) abort(csid uint32) {
	if csid < 2 || csid >= uint32(len(r.streams)) {
		return
	}
	cs := &r.streams[csid]
	r.pending -= len(cs.body)
	cs.body = nil
}

// read returns the next complete message.
func (r *chunkReader) read() (*inMessage, error) {
	for {
		m, err := r.readChunk()
		if m != nil || err != nil {
			return m, err
		}
	}
}

// readChunk reads one chunk and returns the message it completes, if any.
func (r *chunkReader) readChunk() (*inMessage, error) {
	b0, err := r.br.ReadByte()
	if err != nil {
		return nil, err
	}
	format, csid := b0>>6, b0&0x3f
	if csid < 2 {
		return nil, errChunkStreamID
	}
	cs := &r.streams[csid]
	if err := r.readHeader(cs, format); err != nil {
		return nil, err
	}
	n := min(cs.length-uint32(len(cs.body)), r.chunkSize)
	if r.pending+int(n) > maxIncomingMessage {
		return nil, errMessageTooLarge
	}
	start := len(cs.body)
	cs.body = slices.Grow(cs.body, int(n))[:start+int(n)]
	if _, err := io.ReadFull(r.br, cs.body[start:]); err != nil {
		return nil, err
	}
	r.pending += int(n)
	if err := r.acknowledge(); err != nil {
		return nil, err
	}
	if uint32(len(cs.body)) < cs.length {
		return nil, nil
	}
	m := &inMessage{csid: csid, typ: cs.typ, msid: cs.msid, body: cs.body}
	r.pending -= len(cs.body)
	cs.body = nil
	return m, nil
}

// readHeader reads the rest of a chunk header of the given format into cs.
// Types 0-2 start a message; type 3 continues one or starts the next with
// the same header.
func (r *chunkReader) readHeader(cs *inChunkStream, format byte) error {
	if format != 3 && len(cs.body) > 0 {
		return fmt.Errorf("%w: a type %d header inside a message", errChunkOrder, format)
	}
	if format != 0 && !cs.started {
		return fmt.Errorf("%w: a type %d header starts a chunk stream", errChunkOrder, format)
	}
	var h [11]byte
	size := [4]int{11, 7, 3, 0}[format]
	if _, err := io.ReadFull(r.br, h[:size]); err != nil {
		return err
	}
	if format <= 1 {
		cs.length = uint32(h[3])<<16 | uint32(h[4])<<8 | uint32(h[5])
		cs.typ = h[6]
		if cs.length > maxIncomingMessage {
			return fmt.Errorf("%w: %d bytes announced", errMessageTooLarge, cs.length)
		}
	}
	if format == 0 {
		cs.msid = binary.LittleEndian.Uint32(h[7:]) // the one little-endian field of RTMP
		cs.started = true
	}
	if format != 3 {
		cs.ext = h[0] == 0xff && h[1] == 0xff && h[2] == 0xff
	}
	if cs.ext { // the extended timestamp, repeated in type-3 chunks
		if _, err := io.ReadFull(r.br, h[:4]); err != nil {
			return err
		}
	}
	return nil
}

// acknowledge calls onAck when another window of bytes has arrived.
func (r *chunkReader) acknowledge() error {
	if r.window == 0 || r.counted.n-r.lastAck <= uint64(r.window) {
		return nil
	}
	r.lastAck = r.counted.n
	return r.onAck(uint32(r.counted.n))
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n uint64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += uint64(n)
	return n, err
}
