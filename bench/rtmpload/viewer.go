package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/handshake"
)

// target is an RTMP server to load: where to dial and what to ask for.
type target struct {
	addr   string // host:port to dial
	app    string
	tcURL  string
	stream string
}

// result is what one viewer measured.
type result struct {
	connect   time.Duration // dial until connect's _result
	firstVid  time.Duration // play sent until the first video message
	bytes     int64
	stalls    int           // times the player's buffer ran dry
	maxBehind time.Duration // worst buffer deficit
	err       error
}

// viewer behaves like a player: SetBufferLength 3000 ms before play, then
// reads whatever the server sends, as fast as it comes. It parses chunk
// headers only and discards media bodies, so that one machine can load a
// server with hundreds of viewers.
type viewer struct {
	nc        net.Conn
	br        *bufio.Reader
	bw        *bufio.Writer
	inChunk   int
	streams   [64]chunkStream
	read      int64
	ackWindow int64
	acked     int64
	txid      float64
}

type chunkStream struct {
	ts, delta uint32
	length    int
	typ       byte
	ext       bool
	left      int    // bytes of the current message still to read
	body      []byte // kept for commands, data and control messages
}

func (v *viewer) run(t target, stop <-chan struct{}, playFor time.Duration) (r result) {
	start := time.Now()
	nc, err := net.Dial("tcp", t.addr)
	if err != nil {
		r.err = err
		return r
	}
	v.nc = nc
	defer nc.Close()
	go func() { <-stop; nc.Close() }()
	v.br = bufio.NewReaderSize(nc, 64<<10)
	v.bw = bufio.NewWriter(nc)
	v.inChunk = 128
	if _, _, err := handshake.DoClient(nc, false, false); err != nil {
		r.err = fmt.Errorf("handshake: %w", err)
		return r
	}
	v.command(0, "connect", amf0.Object{
		{Key: "app", Value: t.app}, {Key: "flashVer", Value: "LNX 9,0,124,2"},
		{Key: "tcUrl", Value: t.tcURL}, {Key: "fpad", Value: false},
		{Key: "capabilities", Value: 15.0}, {Key: "audioCodecs", Value: 3191.0},
		{Key: "videoCodecs", Value: 252.0}, {Key: "videoFunction", Value: 1.0},
	})
	if err := v.until(func(m msg) bool { return m.command == "_result" }); err != nil {
		r.err = fmt.Errorf("connect: %w", err)
		return r
	}
	r.connect = time.Since(start)
	v.command(0, "createStream", nil)
	if err := v.until(func(m msg) bool { return m.command == "_result" }); err != nil {
		r.err = fmt.Errorf("createStream: %w", err)
		return r
	}
	v.setBufferLength(1, 3000)
	v.command(1, "play", nil, t.stream, -2000.0)
	played := time.Now()
	var firstTS uint32
	var firstAt time.Time
	var lastTS uint32
	deadline := played.Add(playFor)
	err = v.until(func(m msg) bool {
		if m.typ != 8 && m.typ != 9 {
			return m.status == "NetStream.Play.Stop" || m.status == "NetStream.Play.StreamNotFound" || m.status == "NetStream.Play.Failed"
		}
		now := time.Now()
		if firstAt.IsZero() {
			if m.typ != 9 {
				return false
			}
			r.firstVid = now.Sub(played)
			firstAt, firstTS, lastTS = now, m.ts, m.ts
			return false
		}
		// The player shows media from the first frame on at real time; it
		// stalls when what it holds ends before its playhead (by more than
		// a frame's worth of scheduling noise).
		playhead := now.Sub(firstAt)
		held := time.Duration(lastTS-firstTS) * time.Millisecond
		if behind := playhead - held; behind > stallGrace {
			r.stalls++
			r.maxBehind = max(r.maxBehind, behind)
		}
		lastTS = max(lastTS, m.ts)
		return now.After(deadline)
	})
	r.bytes = v.read
	select {
	case <-stop:
		return r // stopped by the benchmark: not an error
	default:
	}
	if err != nil && !errors.Is(err, io.EOF) {
		r.err = err
	}
	return r
}

// stallGrace is how late media may arrive before it counts as a stall.
const stallGrace = 100 * time.Millisecond

// msg is a completed message.
type msg struct {
	typ     byte
	ts      uint32
	command string // AMF0 command name
	status  string // onStatus code
}

// until reads messages until done returns true.
func (v *viewer) until(done func(msg) bool) error {
	for {
		m, err := v.next()
		if err != nil {
			return err
		}
		if m.command == "_error" {
			return fmt.Errorf("server answered _error (%s)", m.status)
		}
		if done(m) {
			return nil
		}
	}
}

// next reads chunks until a message completes.
func (v *viewer) next() (msg, error) {
	for {
		b0, err := v.br.ReadByte()
		if err != nil {
			return msg{}, err
		}
		format, csid := b0>>6, int(b0&0x3f)
		if csid < 2 || csid >= len(v.streams) {
			return msg{}, fmt.Errorf("chunk stream %d not supported by the load client", csid)
		}
		cs := &v.streams[csid]
		var h [11]byte
		n := [4]int{11, 7, 3, 0}[format]
		if _, err := io.ReadFull(v.br, h[:n]); err != nil {
			return msg{}, err
		}
		starting := cs.left == 0
		if format < 3 {
			t := uint32(h[0])<<16 | uint32(h[1])<<8 | uint32(h[2])
			cs.ext = t == 0xffffff
			if cs.ext {
				var x [4]byte
				if _, err := io.ReadFull(v.br, x[:]); err != nil {
					return msg{}, err
				}
				t = binary.BigEndian.Uint32(x[:])
			}
			if format == 0 {
				cs.ts, cs.delta = t, 0
			} else {
				cs.ts += t
				cs.delta = t
			}
			if format <= 1 {
				cs.length = int(h[3])<<16 | int(h[4])<<8 | int(h[5])
				cs.typ = h[6]
			}
		} else {
			if cs.ext {
				if _, err := v.br.Discard(4); err != nil {
					return msg{}, err
				}
			}
			if starting {
				cs.ts += cs.delta
			}
		}
		if starting {
			cs.left = cs.length
			cs.body = cs.body[:0]
		}
		k := min(cs.left, v.inChunk)
		if keep := cs.typ != 8 && cs.typ != 9; keep {
			at := len(cs.body)
			cs.body = append(cs.body, make([]byte, k)...)
			if _, err := io.ReadFull(v.br, cs.body[at:]); err != nil {
				return msg{}, err
			}
		} else if _, err := v.br.Discard(k); err != nil {
			return msg{}, err
		}
		cs.left -= k
		v.read += int64(k)
		if err := v.ack(); err != nil {
			return msg{}, err
		}
		if cs.left > 0 {
			continue
		}
		return v.complete(cs)
	}
}

func (v *viewer) complete(cs *chunkStream) (msg, error) {
	m := msg{typ: cs.typ, ts: cs.ts}
	switch cs.typ {
	case 1: // SetChunkSize
		if len(cs.body) >= 4 {
			v.inChunk = int(binary.BigEndian.Uint32(cs.body) & 0x7fffffff)
		}
	case 5: // Window Acknowledgement Size
		if len(cs.body) >= 4 {
			v.ackWindow = int64(binary.BigEndian.Uint32(cs.body))
		}
	case 20, 18:
		d, err := amf0.Unmarshal(cs.body)
		if err == nil && len(d) > 0 {
			m.command, _ = d[0].(string)
			for _, a := range d[1:] {
				if o, ok := a.(amf0.Object); ok {
					if code, ok := o.GetString("code"); ok {
						m.status = code
					}
				}
			}
		}
	}
	return m, nil
}

// ack acknowledges received bytes once per window, as players do.
func (v *viewer) ack() error {
	if v.ackWindow == 0 || v.read-v.acked < v.ackWindow {
		return nil
	}
	v.acked = v.read
	b := binary.BigEndian.AppendUint32(nil, uint32(v.read))
	return v.write(2, 3, 0, b)
}

func (v *viewer) command(msid uint32, name string, args ...any) error {
	v.txid++
	body, err := amf0.Data(append([]any{name, v.txid}, args...)).Marshal()
	if err != nil {
		return err
	}
	return v.write(3, 20, msid, body)
}

func (v *viewer) setBufferLength(streamID, ms uint32) error {
	b := []byte{0, 3}
	b = binary.BigEndian.AppendUint32(b, streamID)
	return v.write(2, 4, 0, binary.BigEndian.AppendUint32(b, ms))
}

// write sends one message in chunks of 128 bytes (we never change ours).
func (v *viewer) write(csid byte, typ byte, msid uint32, body []byte) error {
	h := []byte{csid, 0, 0, 0, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body)), typ}
	h = binary.LittleEndian.AppendUint32(h, msid)
	v.bw.Write(h)
	for i := 0; i < len(body); i += 128 {
		if i > 0 {
			v.bw.WriteByte(0xc0 | csid)
		}
		v.bw.Write(body[i:min(i+128, len(body))])
	}
	return v.bw.Flush()
}
