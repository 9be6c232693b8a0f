package edge

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/bytecounter"
	"github.com/bluenviron/gortmplib/pkg/handshake"
	"github.com/bluenviron/gortmplib/pkg/message"
	"github.com/bluenviron/gortmplib/pkg/rawmessage"

	"github.com/streamfront/streamfront/internal/edge/origin"
)

// The fuzz targets feed the edge what a client sends, without sockets:
// the handshake as handshake.DoServer reads it, the chunk stream as the
// reader goroutine decodes it, and whole sessions over net.Pipe.

// clientBytes is what gortmplib's writer (as a player) sends for msgs.
func clientBytes(t testing.TB, msgs ...message.Message) []byte {
	var buf bytes.Buffer
	w := message.NewWriter(&buf, bytecounter.NewWriter(&buf), false)
	for _, m := range msgs {
		if err := w.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func command(msid uint32, txid int, name string, args ...any) *message.CommandAMF0 {
	return &message.CommandAMF0{ChunkStreamID: 3, MessageStreamID: msid, Name: name, CommandID: txid, Arguments: args}
}

// playerSession is a player's whole conversation after the handshake:
// connect, createStream, buffer length, play, pause, seek while paused,
// unpause, a seek, a larger chunk size and a ping.
func playerSession(t testing.TB) []byte {
	return clientBytes(t,
		command(0, 1, "connect", amf0.Object{
			{Key: "app", Value: App}, {Key: "flashVer", Value: "LNX 9,0,124,2"},
			{Key: "tcUrl", Value: "rtmp://fuzz.example/" + App}, {Key: "objectEncoding", Value: float64(3)},
		}),
		command(0, 2, "createStream", nil),
		&message.UserControlSetBufferLength{StreamID: 1, BufferLength: 100},
		command(1, 0, "play", nil, "tiny", float64(-2000), float64(-1)),
		command(1, 0, "pause", nil, true, float64(500)),
		command(1, 0, "seek", nil, float64(1000)),
		command(1, 0, "pause", nil, false, float64(1000)),
		&message.SetChunkSize{Value: 4096},
		command(1, 0, "seek", nil, float64(1e300)),
		&message.UserControlPingRequest{ServerTime: 77},
		command(1, 0, "getStreamLength", nil, "tiny"),
		command(1, 0, "deleteStream", nil, float64(1)),
	)
}

// chunkSeeds are chunk streams exercising every header type, extended
// timestamps, a chunk size change and an AMF3 command.
func chunkSeeds(t testing.TB) [][]byte {
	var ext bytes.Buffer
	w := newChunkWriter(&bufConn{buf: &ext}, 0, nil)
	w.message(csVideo, 9, 0x1234567, 1, bytes.Repeat([]byte{7}, 300)) // extended, over 3 chunks
	w.flush()
	amf3 := []byte{csCommand, 0, 0, 0, 0, 0, 13, typeCommandAMF3, 0, 0, 0, 0, 0, 2, 0, 4, 'p', 'l', 'a', 'y', 0, 0, 0, 0, 0, 0, 0, 0, 0}
	return [][]byte{
		playerSession(t),
		ext.Bytes(),
		amf3,
		{0x02, 0, 0, 0, 0, 0, 4, typeSetChunkSize, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff},              // the largest chunk size
		{0x03, 0, 0, 0, 0xff, 0xff, 0xff, typeCommandAMF0, 0, 0, 0, 0},                              // announces 16 MiB
		{0x02, 0, 0, 0, 0, 0, 4, typeSetChunkSize, 0, 0, 0, 0, 0, 0, 0, 0},                          // chunk size 0
		{0x02, 0, 0, 0, 0, 0, 4, typeWindowAckSize, 0, 0, 0, 0, 0, 0, 0, 1, 0xc2, 0x43, 0x83, 0xc3}, // tiny window
	}
}

// bufConn is a net.Conn writing into a buffer, for a chunkWriter.
type bufConn struct {
	net.Conn
	buf *bytes.Buffer
}

func (c *bufConn) Write(p []byte) (int, error)      { return c.buf.Write(p) }
func (c *bufConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzIncomingMessages: whatever a client sends after the handshake, the
// reader neither panics nor holds more than maxIncomingMessage bytes of
// partial messages, and every message it delivers is bounded too.
func FuzzIncomingMessages(f *testing.F) {
	for _, s := range chunkSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var cr *chunkReader
		deliver := func(m any) error {
			switch m.(type) {
			case *message.CommandAMF0, *message.UserControlSetBufferLength, *message.UserControlPingRequest, ackRequest:
			default:
				t.Fatalf("delivered a %T, which the session does not handle", m)
			}
			return nil
		}
		cr = newChunkReader(bytes.NewReader(data), func(n uint32) error { return deliver(ackRequest(n)) })
		for {
			raw, err := cr.read()
			if cr.pending < 0 || cr.pending > maxIncomingMessage {
				t.Fatalf("%d bytes of partial messages held", cr.pending)
			}
			if err != nil {
				return
			}
			if len(raw.body) > maxIncomingMessage {
				t.Fatalf("delivered a %d-byte message", len(raw.body))
			}
			m, err := decodeIncoming(cr, raw)
			if err != nil {
				return
			}
			if m != nil {
				deliver(m)
			}
		}
	})
}

// handshakeSeeds are the starts of what clients send in plain and RTMPE
// handshakes: C0 and the head of C1 (time, version or RTMPE scheme, the
// first digest offset).
func handshakeSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, encrypted := range []bool{false, true} {
		server, client := net.Pipe()
		rec := &recordingConn{Conn: client}
		go serverHandshake(server)
		if _, _, err := handshake.DoClient(rec, encrypted, false); err != nil {
			t.Fatal(err)
		}
		server.Close()
		client.Close()
		seeds = append(seeds, rec.sent.Bytes()[:1+12])
	}
	return append(seeds, []byte{3}, []byte{6}, []byte{99})
}

type recordingConn struct {
	net.Conn
	sent bytes.Buffer
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.sent.Write(p)
	return c.Conn.Write(p)
}

// clientHandshakeSize is C0+C1+C2, all a server reads in its handshake.
const clientHandshakeSize = 1 + 2*handshakeSize

// FuzzHandshake: the server side of the handshake (plain and RTMPE), as a
// connection runs it, neither panics nor answers more than S0+S1+S2.
//
// Each input is tried as it is (a client that hangs up early) and
// zero-padded to a whole C0+C1+C2, so that the fuzzer works on the bytes
// that matter (the version, the digest and key offsets of an RTMPE C1)
// without 3 KiB inputs, whose minimisation stalls the fuzzer.
func FuzzHandshake(f *testing.F) {
	for _, s := range handshakeSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		padded := make([]byte, max(len(data), clientHandshakeSize))
		copy(padded, data)
		for _, in := range [][]byte{data, padded} {
			fuzzServerHandshake(t, in)
		}
	})
}

func fuzzServerHandshake(t *testing.T, in []byte) {
	var out countingWriter
	keyIn, keyOut, err := serverHandshake(struct {
		io.Reader
		io.Writer
	}{bytes.NewReader(in), &out})
	if out.n > clientHandshakeSize {
		t.Fatalf("answered %d bytes", out.n)
	}
	if err == nil && keyIn != nil {
		if _, err := newEncryptedConn(nil, keyIn, keyOut); err != nil {
			t.Fatalf("RTMPE keys from a completed handshake: %v", err)
		}
	}
}

type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

// fuzzRouter routes every host to one enabled distribution of testdata/origin.
type fuzzRouter struct{}

func (fuzzRouter) Route(context.Context, string) (*Route, error) {
	return &Route{DistributionID: "EFUZZ", Enabled: true, Bucket: "media"}, nil
}

func fuzzServer(t testing.TB, hooks Hooks) *Server {
	s := New(Config{Router: fuzzRouter{}, Origin: origin.NewCache(origin.Dir{Root: "testdata/origin"}, 1<<20, 4096),
		Hooks: hooks, HandshakeTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
	t.Cleanup(func() { s.Close() })
	return s
}

// runSession serves one connection whose client completes a plain
// handshake, sends data and stops sending (its reading side stays open).
// The session must end once it has handled data, without a socket or a
// timeout involved, and what it answered must be a well-formed chunk
// stream.
func runSession(t testing.TB, s *Server, data []byte) {
	hello := make([]byte, clientHandshakeSize) // C0 C1 C2; a non-strict server checks only C0
	hello[0] = 3
	nc := &scriptConn{r: io.MultiReader(bytes.NewReader(hello), bytes.NewReader(data))}
	if s.admit(nc) != admitted {
		t.Fatal("connection not admitted")
	}
	ended := make(chan struct{})
	go func() { defer close(ended); s.serveConn(nc, admitted) }()
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the session did not end after the client's input did")
	}
	checkAnswer(t, nc.out.Bytes())
}

// checkAnswer parses what a session wrote after S0 S1 S2 with gortmplib's
// reader, as a player would, applying the chunk sizes it announces.
func checkAnswer(t testing.TB, out []byte) {
	if len(out) < clientHandshakeSize { // as many bytes in S0 S1 S2
		t.Fatalf("the handshake was answered with %d bytes", len(out))
	}
	bc := bytecounter.NewReader(bytes.NewReader(out[clientHandshakeSize:]))
	r := rawmessage.NewReader(bc, bc, func(uint32) error { return nil })
	for {
		m, err := r.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("the session answered a malformed chunk stream: %v", err)
		}
		if m.Type == typeSetChunkSize && len(m.Body) == 4 {
			r.SetChunkSize(binary.BigEndian.Uint32(m.Body))
		}
	}
}

// scriptConn is a client connection that sends what r holds and accepts
// anything written.
type scriptConn struct {
	net.Conn
	r   io.Reader
	out bytes.Buffer
}

func (c *scriptConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *scriptConn) Write(p []byte) (int, error) { return c.out.Write(p) }
func (c *scriptConn) Close() error                { return nil }
func (c *scriptConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 1935}
}
func (c *scriptConn) SetDeadline(time.Time) error      { return nil }
func (c *scriptConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzSession: a client completes the handshake, then sends anything;
// nothing panics and the session ends when the client hangs up.
func FuzzSession(f *testing.F) {
	for _, s := range chunkSeeds(f) {
		f.Add(s)
	}
	s := fuzzServer(f, Hooks{})
	f.Fuzz(func(t *testing.T, data []byte) { runSession(t, s, data) })
}

// TestSessionSeedReachesEveryCommand: the player seed of FuzzSession gets
// through connect and play to pause, seek and unpause, so the fuzzer
// starts from sessions that exercise playback.
func TestSessionSeedReachesEveryCommand(t *testing.T) {
	var mu sync.Mutex
	var kinds []string
	s := fuzzServer(t, Hooks{OnEvent: func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		kinds = append(kinds, string(e.Kind)+":"+e.Status)
	}})
	runSession(t, s, playerSession(t))
	s.Close()
	got := strings.Join(kinds, " ")
	want := "connect:OK play:OK pause:OK seek:OK unpause:OK seek:OK stop:OK disconnect:OK"
	if got != want {
		t.Fatalf("events %q, want %q", got, want)
	}
}
