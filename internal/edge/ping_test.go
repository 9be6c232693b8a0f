package edge_test

import (
	"encoding/binary"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib/pkg/message"

	"github.com/streamfront/streamfront/internal/edge"
)

// pingWait bounds the wait for a PingResponse. The edge answers at once;
// before it flushed control replies at once, a paused viewer, one waiting
// for its next media batch or one not yet connected got none until its
// next command (or batch), far beyond this.
const pingWait = 10 * time.Second

// TestPingAnsweredAtOnce pings the edge in every state of a connection: a
// PingResponse with the ping's time arrives without the player sending
// anything else, and without the edge having other output to send with it.
func TestPingAnsweredAtOnce(t *testing.T) {
	e := startEnv(t, edge.Hooks{}, nil)
	_, domain := e.createDist(t)
	e.writeSparseFLV(t, "videos/sparse.flv")

	t.Run("before connect", func(t *testing.T) {
		p := dialPlayer(t, e.addr)
		p.ping(1)
		connectedPlayer(t, p, domain)
	})
	t.Run("connected", func(t *testing.T) {
		p := connectedPlayer(t, dialPlayer(t, e.addr), domain)
		p.ping(2)
	})
	// The sparse clip's second frame is a minute after its first: once the
	// first is sent, the edge has nothing to send for most of a minute.
	t.Run("playing", func(t *testing.T) {
		p := connectedPlayer(t, dialPlayer(t, e.addr), domain)
		p.play("videos/sparse", 0, 0)
		p.waitMedia()
		p.ping(3)
		p.acknowledged()
	})
	t.Run("paused", func(t *testing.T) {
		p := connectedPlayer(t, dialPlayer(t, e.addr), domain)
		p.play("videos/sparse", 0, 0)
		p.waitMedia()
		p.command(1, "pause", nil, true, float64(0))
		for p.next().code != "NetStream.Pause.Notify" {
		}
		p.ping(4)
		p.acknowledged()
	})
}

// ping sends a PingRequest and waits for its response.
func (p *player) ping(ts uint32) {
	p.t.Helper()
	if err := p.rw.Write(&message.UserControlPingRequest{ServerTime: ts}); err != nil {
		p.t.Fatal(err)
	}
	p.awaitControl("PingResponse", func(m message.Message) bool {
		r, ok := m.(*message.UserControlPingResponse)
		if ok && r.ServerTime != ts {
			p.t.Fatalf("PingResponse for %d, want %d", r.ServerTime, ts)
		}
		return ok
	})
}

// acknowledged announces a small window, sends a message (one that gets
// no answer of its own) and waits for the edge's Acknowledgement of it.
func (p *player) acknowledged() {
	p.t.Helper()
	if err := p.rw.Write(&message.SetWindowAckSize{Value: 64}); err != nil {
		p.t.Fatal(err)
	}
	if err := p.rw.Write(&message.UserControlSetBufferLength{StreamID: 1, BufferLength: 0}); err != nil {
		p.t.Fatal(err)
	}
	p.awaitControl("Acknowledgement", func(m message.Message) bool {
		_, ok := m.(*message.Acknowledge)
		return ok
	})
}

// awaitControl reads until is matches a message, failing after pingWait.
func (p *player) awaitControl(what string, is func(message.Message) bool) {
	p.t.Helper()
	p.nc.SetReadDeadline(time.Now().Add(pingWait))
	defer p.nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		m, err := p.rw.Read()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			p.t.Fatalf("no %s within %v", what, pingWait)
		}
		if err != nil {
			p.t.Fatal(err)
		}
		if is(m) {
			return
		}
	}
}

// writeSparseFLV writes an FLV of two video key frames a minute apart to
// the media bucket (the edge passes FLV tags through undecoded).
func (e *env) writeSparseFLV(t *testing.T, key string) {
	t.Helper()
	b := []byte{'F', 'L', 'V', 1, 1, 0, 0, 0, 9, 0, 0, 0, 0}
	for _, ms := range []uint32{0, 60000} {
		body := []byte{0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65} // AVC key frame NALU
		b = append(b, 9, 0, 0, byte(len(body)), byte(ms>>16), byte(ms>>8), byte(ms), byte(ms>>24), 0, 0, 0)
		b = append(b, body...)
		b = binary.BigEndian.AppendUint32(b, uint32(11+len(body)))
	}
	path := filepath.Join(e.dir, bucket, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
