package edge_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/bytecounter"
	"github.com/bluenviron/gortmplib/pkg/handshake"
	"github.com/bluenviron/gortmplib/pkg/message"
)

// playerConn is a minimal RTMP client built on gortmplib's message layer:
// it sees every status code and timestamp the edge sends, which ffmpeg and
// rtmpdump only summarise. Its methods return errors, so it may run on any
// goroutine; player is the version for the test's own, which fails the
// test instead.
type playerConn struct {
	nc   net.Conn
	rw   *message.ReadWriter
	txid int
}

// player is a playerConn for the test's goroutine.
type player struct {
	t *testing.T
	*playerConn
}

// openPlayer dials addr and handshakes as a player; the caller closes nc.
func openPlayer(addr string) (*playerConn, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	pc, err := handshakePlayer(nc)
	if err != nil {
		nc.Close()
	}
	return pc, err
}

// handshakePlayer handshakes as a player on nc.
func handshakePlayer(nc net.Conn) (*playerConn, error) {
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	if _, _, err := handshake.DoClient(nc, false, false); err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	bc := bytecounter.NewReadWriter(nc)
	return &playerConn{nc: nc, rw: message.NewReadWriter(bc, bc, false)}, nil
}

func dialPlayer(t *testing.T, addr string) *player {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return newPlayer(t, nc)
}

// newPlayer handshakes as a player on nc, closed when the test ends.
func newPlayer(t *testing.T, nc net.Conn) *player {
	t.Helper()
	t.Cleanup(func() { nc.Close() })
	pc, err := handshakePlayer(nc)
	if err != nil {
		t.Fatal(err)
	}
	return &player{t: t, playerConn: pc}
}

func (p *playerConn) tryCommand(msid uint32, name string, args ...any) error {
	p.txid++
	return p.rw.Write(&message.CommandAMF0{
		ChunkStreamID: 3, MessageStreamID: msid, Name: name, CommandID: p.txid, Arguments: args,
	})
}

// tryConnect sends connect for tcUrl rtmp://host/cfx/st and returns the
// status code of the answer (_result or _error).
func (p *playerConn) tryConnect(host string) (string, error) {
	err := p.tryCommand(0, "connect", amf0.Object{
		{Key: "app", Value: "cfx/st"},
		{Key: "flashVer", Value: "LNX 9,0,124,2"},
		{Key: "tcUrl", Value: "rtmp://" + host + "/cfx/st"},
		{Key: "pageUrl", Value: "http://example.com/page.html"},
	})
	for err == nil {
		var m message.Message
		if m, err = p.tryRead(); err != nil {
			break
		}
		if c, ok := m.(*message.CommandAMF0); ok && (c.Name == "_result" || c.Name == "_error") {
			return statusCode(c), nil
		}
	}
	return "", err
}

// tryPlay creates a stream and plays name from start (ms) after announcing
// a buffer length.
func (p *playerConn) tryPlay(name string, start float64, bufferMS uint32) error {
	if err := p.tryCommand(0, "createStream", nil); err != nil {
		return err
	}
	if err := p.rw.Write(&message.UserControlSetBufferLength{StreamID: 1, BufferLength: bufferMS}); err != nil {
		return err
	}
	return p.tryCommand(1, "play", nil, name, start)
}

func (p *playerConn) tryRead() (message.Message, error) {
	m, err := p.rw.Read()
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return m, nil
}

// tryNext returns the next status or media message, skipping the rest.
func (p *playerConn) tryNext() (event, error) {
	for {
		m, err := p.tryRead()
		if err != nil {
			return event{}, err
		}
		if ev, ok := eventOf(m); ok {
			return ev, nil
		}
	}
}

func (p *player) command(msid uint32, name string, args ...any) {
	p.t.Helper()
	if err := p.tryCommand(msid, name, args...); err != nil {
		p.t.Fatal(err)
	}
}

// connect is tryConnect, failing the test on an error.
func (p *player) connect(host string) string {
	p.t.Helper()
	code, err := p.tryConnect(host)
	if err != nil {
		p.t.Fatal(err)
	}
	return code
}

// play is tryPlay, failing the test on an error.
func (p *player) play(name string, start float64, bufferMS uint32) {
	p.t.Helper()
	if err := p.tryPlay(name, start, bufferMS); err != nil {
		p.t.Fatal(err)
	}
}

func (p *player) read() message.Message {
	p.t.Helper()
	m, err := p.tryRead()
	if err != nil {
		p.t.Fatal(err)
	}
	return m
}

// event is what the player saw: a status code or a media message.
type event struct {
	code  string        // onStatus / onPlayStatus code, "" for media
	media byte          // 8 audio, 9 video
	ts    time.Duration // media timestamp
	key   bool
	at    time.Time
	meta  amf0.Object // onMetaData properties
}

// next is tryNext, failing the test on an error.
func (p *player) next() event {
	p.t.Helper()
	ev, err := p.tryNext()
	if err != nil {
		p.t.Fatal(err)
	}
	return ev
}

// eventOf returns the event of a status or media message; ok is false
// for the rest.
func eventOf(m message.Message) (ev event, ok bool) {
	switch m := m.(type) {
	case *message.CommandAMF0:
		if m.Name == "onStatus" {
			return event{code: statusCode(m), at: time.Now()}, true
		}
	case *message.DataAMF0:
		if len(m.Payload) >= 2 && m.Payload[0] == "onMetaData" {
			if o, ok := m.Payload[1].(amf0.ECMAArray); ok {
				return event{meta: amf0.Object(o), at: time.Now()}, true
			}
		}
		if len(m.Payload) >= 2 && m.Payload[0] == "onPlayStatus" {
			if o, ok := m.Payload[1].(amf0.Object); ok {
				code, _ := o.GetString("code")
				return event{code: code, at: time.Now()}, true
			}
		}
	case *message.Video:
		if m.Type == message.VideoTypeAU {
			return event{media: 9, ts: m.DTS, key: m.IsKeyFrame, at: time.Now()}, true
		}
	case *message.Audio:
		if m.Codec != message.CodecMPEG4Audio || m.AACType == message.AudioAACTypeAU {
			return event{media: 8, ts: m.DTS, at: time.Now()}, true
		}
	}
	return event{}, false
}

// waitCode reads until a status code arrives and returns it.
func (p *player) waitCode() string {
	p.t.Helper()
	for {
		if ev := p.next(); ev.code != "" {
			return ev.code
		}
	}
}

// waitMeta reads until onMetaData arrives and returns its properties.
func (p *player) waitMeta() amf0.Object {
	p.t.Helper()
	for {
		if ev := p.next(); ev.meta != nil {
			return ev.meta
		}
	}
}

// waitMedia reads until a media message arrives, failing on a status code
// other than the ones play starts with.
func (p *player) waitMedia() event {
	p.t.Helper()
	for {
		ev := p.next()
		switch {
		case ev.meta != nil:
			continue
		case ev.code == "":
			return ev
		}
		switch ev.code {
		case "NetStream.Play.Reset", "NetStream.Play.Start", "NetStream.Seek.Notify",
			"NetStream.Unpause.Notify", "NetStream.Pause.Notify":
			continue
		default:
			p.t.Fatalf("status %s while waiting for media", ev.code)
		}
	}
}

func statusCode(c *message.CommandAMF0) string {
	for _, a := range c.Arguments {
		if o, ok := a.(amf0.Object); ok {
			if code, ok := o.GetString("code"); ok {
				return code
			}
		}
	}
	return fmt.Sprintf("%s without code", c.Name)
}
