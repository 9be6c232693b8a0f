package edge

import (
	"encoding/binary"
	"errors"
	"io"

	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/message"
)

// Incoming message types the edge acts on.
const (
	typeAbort       = 2
	typeCommandAMF3 = 17
)

var errShortMessage = errors.New("edge: control message too short")

// readLoop decodes incoming messages until the connection fails. It reads
// raw messages and decodes only what a player's server needs, so that
// messages the edge has no use for (AMF3 data, aggregates, a player's own
// media) are skipped instead of ending the connection, and AMF3-wrapped
// commands (Flash with objectEncoding 3) are understood.
func (c *conn) readLoop() {
	defer close(c.in)
	readMessages(c.nc, c.post)
}

// readMessages decodes the messages read from r and hands each to deliver
// (which also receives ackRequests) until either fails.
func readMessages(r io.Reader, deliver func(any) error) error {
	cr := newChunkReader(r, func(n uint32) error { return deliver(ackRequest(n)) })
	for {
		raw, err := cr.read()
		if err != nil {
			return err
		}
		m, err := decodeIncoming(cr, raw)
		if err != nil {
			return err
		}
		if m != nil {
			if err := deliver(m); err != nil {
				return err
			}
		}
	}
}

// decodeIncoming applies chunk-level control messages to r and returns the
// commands and user-control events the session handles (nil for the rest).
func decodeIncoming(r *chunkReader, raw *inMessage) (any, error) {
	b := raw.body
	switch raw.typ {
	case typeSetChunkSize, typeAbort, typeWindowAckSize:
		if len(b) < 4 {
			return nil, errShortMessage
		}
		v := binary.BigEndian.Uint32(b)
		switch raw.typ {
		case typeSetChunkSize:
			return nil, r.setChunkSize(v)
		case typeAbort:
			r.abort(v)
		default:
			r.window = v
		}
	case typeUserControl:
		if len(b) < 6 {
			return nil, errShortMessage
		}
		switch binary.BigEndian.Uint16(b) {
		case uint16(message.UserControlTypeSetBufferLength):
			if len(b) < 10 {
				return nil, errShortMessage
			}
			return &message.UserControlSetBufferLength{
				StreamID: binary.BigEndian.Uint32(b[2:]), BufferLength: binary.BigEndian.Uint32(b[6:]),
			}, nil
		case uint16(message.UserControlTypePingRequest):
			return &message.UserControlPingRequest{ServerTime: binary.BigEndian.Uint32(b[2:])}, nil
		}
	case typeCommandAMF3:
		if len(b) > 0 { // an AMF3 command is a format byte then AMF0 values
			return decodeCommand(raw, b[1:]), nil
		}
	case typeCommandAMF0:
		return decodeCommand(raw, b), nil
	}
	return nil, nil
}

// decodeCommand returns the command in body, or nil when it is malformed
// (ignored, as an unknown command would be).
func decodeCommand(raw *inMessage, body []byte) any {
	d, err := amf0.Unmarshal(body)
	if err != nil || len(d) < 2 {
		return nil
	}
	name, ok := d[0].(string)
	txid, ok2 := d[1].(float64)
	if !ok || !ok2 {
		return nil
	}
	return &message.CommandAMF0{
		ChunkStreamID: raw.csid, MessageStreamID: raw.msid,
		Name: name, CommandID: int(txid), Arguments: d[2:],
	}
}
