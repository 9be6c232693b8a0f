package edge

import (
	"encoding/binary"
	"errors"

	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/bytecounter"
	"github.com/bluenviron/gortmplib/pkg/message"
	"github.com/bluenviron/gortmplib/pkg/rawmessage"
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
	bc := bytecounter.NewReader(c.nc)
	r := rawmessage.NewReader(bc, bc, func(n uint32) error { return c.post(ackRequest(n)) })
	for {
		raw, err := r.Read()
		if err != nil {
			return
		}
		m, err := decodeIncoming(r, raw)
		if err != nil {
			return
		}
		if m != nil && c.post(m) != nil {
			return
		}
	}
}

// decodeIncoming applies chunk-level control messages to r and returns the
// commands and user-control events the session handles (nil for the rest).
func decodeIncoming(r *rawmessage.Reader, raw *rawmessage.Message) (any, error) {
	b := raw.Body
	switch raw.Type {
	case typeSetChunkSize, typeAbort, typeWindowAckSize:
		if len(b) < 4 {
			return nil, errShortMessage
		}
		v := binary.BigEndian.Uint32(b)
		switch raw.Type {
		case typeSetChunkSize:
			return nil, r.SetChunkSize(v & 0x7fffffff)
		case typeAbort:
			r.AbortChunkStream(v)
		default:
			r.SetWindowAckSize(v)
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
func decodeCommand(raw *rawmessage.Message, body []byte) any {
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
		ChunkStreamID: raw.ChunkStreamID, MessageStreamID: raw.MessageStreamID,
		Name: name, CommandID: int(txid), Arguments: d[2:],
	}
}
