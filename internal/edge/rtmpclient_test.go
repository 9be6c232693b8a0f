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

// player is a minimal RTMP client built on gortmplib's message layer: it
// sees every status code and timestamp the edge sends, which ffmpeg and
// rtmpdump only summarise.
type player struct {
	t    *testing.T
	nc   net.Conn
	rw   *message.ReadWriter
	txid int
}

func dialPlayer(t *testing.T, addr string) *player {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return newPlayer(t, nc)
}

// newPlayer handshakes as a player on nc.
func newPlayer(t *testing.T, nc net.Conn) *player {
	t.Helper()
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	if _, _, err := handshake.DoClient(nc, false, false); err != nil {
		t.Fatal(err)
	}
	bc := bytecounter.NewReadWriter(nc)
	return &player{t: t, nc: nc, rw: message.NewReadWriter(bc, bc, false)}
}

func (p *player) command(msid uint32, name string, args ...any) {
	p.t.Helper()
	p.txid++
	err := p.rw.Write(&message.CommandAMF0{
		ChunkStreamID: 3, MessageStreamID: msid, Name: name, CommandID: p.txid, Arguments: args,
	})
	if err != nil {
		p.t.Fatal(err)
	}
}

// connect sends connect for tcUrl rtmp://host/cfx/st and returns the
// status code of the answer (_result or _error).
func (p *player) connect(host string) string {
	p.t.Helper()
	p.command(0, "connect", amf0.Object{
		{Key: "app", Value: "cfx/st"},
		{Key: "flashVer", Value: "LNX 9,0,124,2"},
		{Key: "tcUrl", Value: "rtmp://" + host + "/cfx/st"},
		{Key: "pageUrl", Value: "http://example.com/page.html"},
	})
	for {
		m := p.read()
		if c, ok := m.(*message.CommandAMF0); ok && (c.Name == "_result" || c.Name == "_error") {
			return statusCode(c)
		}
	}
}

// play creates a stream and plays name from start (ms) after announcing
// a buffer length.
func (p *player) play(name string, start float64, bufferMS uint32) {
	p.t.Helper()
	p.command(0, "createStream", nil)
	if err := p.rw.Write(&message.UserControlSetBufferLength{StreamID: 1, BufferLength: bufferMS}); err != nil {
		p.t.Fatal(err)
	}
	p.command(1, "play", nil, name, start)
}

func (p *player) read() message.Message {
	p.t.Helper()
	m, err := p.rw.Read()
	if err != nil {
		p.t.Fatalf("read: %v", err)
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

// next returns the next status or media message, skipping the rest.
func (p *player) next() event {
	p.t.Helper()
	for {
		if ev, ok := eventOf(p.read()); ok {
			return ev
		}
	}
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
