package edge

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/message"
)

// App is the only RTMP application a streaming distribution serves.
const App = "cfx/st"

const (
	windowAckSize = 2500000
	playStreamID  = 1 // the one message stream createStream hands out
)

var (
	errRejected     = errors.New("edge: connection rejected")
	errIdle         = errors.New("edge: idle timeout")
	errShuttingDown = errors.New("edge: shutting down")
)

// ackRequest asks the session goroutine to acknowledge received bytes.
type ackRequest uint32

// conn is one client connection. Only its own goroutine writes to it; the
// reader goroutine decodes incoming messages into in.
type conn struct {
	s      *Server
	nc     net.Conn
	ctx    context.Context
	cancel context.CancelFunc
	w      *chunkWriter
	in     chan any // message.Message or ackRequest; closed when reading ends
	info   ConnInfo

	overCapacity bool          // admitted only to be rejected at connect (admission.go)
	bufferLen    time.Duration // the client's SetBufferLength
}

func newConn(s *Server, nc net.Conn) *conn {
	ctx, cancel := context.WithCancel(s.ctx)
	c := &conn{s: s, nc: nc, ctx: ctx, cancel: cancel, in: make(chan any, 8)}
	c.w = newChunkWriter(nc, s.cfg.WriteTimeout, s.cfg.Metrics.bytes)
	c.info.ID = strconv.FormatUint(s.nextID.Add(1), 36) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	if host, _, err := net.SplitHostPort(nc.RemoteAddr().String()); err == nil {
		c.info.ClientIP = host
	}
	return c
}

// run is the life of a connection: handshake, connect, then commands until
// the client leaves. The handshake and the connect together must be done
// within HandshakeTimeout, so a client that sends nothing, trickles bytes
// or sends anything but a connect is dropped.
func (c *conn) run() error {
	defer c.cancel()
	deadline := time.Now().Add(c.s.cfg.HandshakeTimeout)
	if err := c.handshake(deadline); err != nil {
		return err
	}
	go c.readLoop()
	if err := c.connect(deadline); err != nil {
		return err
	}
	defer func() { c.emit(EventDisconnect, nil, "OK", 0) }()
	return c.commands()
}

// handshake runs the server side of the handshake; an RTMPE one
// encrypts the connection from then on.
func (c *conn) handshake(deadline time.Time) error {
	c.nc.SetDeadline(deadline)
	keyIn, keyOut, err := serverHandshake(c.nc)
	if err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	c.nc.SetDeadline(time.Time{})
	if keyIn != nil {
		ec, err := newEncryptedConn(c.nc, keyIn, keyOut)
		if err != nil {
			return err
		}
		c.nc = ec
		c.w = newChunkWriter(ec, c.s.cfg.WriteTimeout, c.s.cfg.Metrics.bytes)
	}
	return nil
}

func (c *conn) post(m any) error {
	select {
	case c.in <- m:
		return nil
	case <-c.ctx.Done():
		return c.ctx.Err()
	}
}

// next waits for the next incoming message. It gives up after timeout,
// and when the server starts shutting down (see drain.go).
func (c *conn) next(timeout time.Duration) (any, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case m, ok := <-c.in:
		if !ok {
			return nil, net.ErrClosed
		}
		return m, nil
	case <-t.C:
		return nil, errIdle
	case <-c.s.draining:
		return nil, errShuttingDown
	}
}

// control handles the messages that are not commands. A reply (a ping
// response, an acknowledgement) is flushed at once, whatever the
// connection is doing: connecting, idle, paused or between media batches.
func (c *conn) control(m any) error {
	var err error
	switch m := m.(type) {
	case ackRequest:
		err = c.w.control(typeAcknowledge, byte(m>>24), byte(m>>16), byte(m>>8), byte(m))
	case *message.UserControlPingRequest:
		t := m.ServerTime
		err = c.w.control(typeUserControl, 0, ucPingResponse, byte(t>>24), byte(t>>16), byte(t>>8), byte(t))
	case *message.UserControlSetBufferLength:
		c.bufferLen = time.Duration(m.BufferLength) * time.Millisecond
		return nil
	}
	if err != nil {
		return err
	}
	return c.flush()
}

func (c *conn) flush() error { return c.w.flush() }

// connect waits until deadline for the connect command, routes it and
// answers it.
func (c *conn) connect(deadline time.Time) error {
	for {
		m, err := c.next(time.Until(deadline))
		if err != nil {
			return err
		}
		cmd, ok := m.(*message.CommandAMF0)
		if !ok {
			if err := c.control(m); err != nil {
				return err
			}
			continue
		}
		if cmd.Name != "connect" {
			return fmt.Errorf("expected connect, got %q", cmd.Name)
		}
		return c.onConnect(cmd)
	}
}

func (c *conn) onConnect(cmd *message.CommandAMF0) error {
	var obj amf0.Object
	if len(cmd.Arguments) > 0 {
		obj = asObject(cmd.Arguments[0])
	}
	c.info.App, _ = obj.GetString("app")
	c.info.TCURL, _ = obj.GetString("tcUrl")
	c.info.PageURL, _ = obj.GetString("pageUrl")
	c.info.SWFURL, _ = obj.GetString("swfUrl")
	c.info.UserAgent, _ = obj.GetString("flashVer")
	c.info.Host = hostOf(c.info.TCURL)
	c.info.Connected = time.Now()

	reject := func(code, desc string) error {
		c.w.amf(csCommand, typeCommandAMF0, 0, "_error", float64(cmd.CommandID), nil,
			statusObject("error", code, desc))
		c.flush()
		c.s.cfg.Metrics.connect("rejected")
		return fmt.Errorf("%w: %s %s", errRejected, code, desc)
	}
	if c.overCapacity {
		c.s.cfg.Metrics.refused("rejected")
		return reject("NetConnection.Connect.Rejected", "The edge is at its connection limit; try again later.")
	}
	if app, _, _ := strings.Cut(c.info.App, "?"); strings.Trim(app, "/") != App {
		return reject("NetConnection.Connect.Rejected", "Application "+strconv.Quote(c.info.App)+" not found; use "+App+".")
	}
	route, err := c.s.cfg.Router.Route(c.ctx, c.info.Host)
	if err != nil {
		if errors.Is(err, ErrNoRoute) {
			return reject("NetConnection.Connect.Rejected", "No streaming distribution for host "+strconv.Quote(c.info.Host)+".")
		}
		reject("NetConnection.Connect.Rejected", "Service temporarily unavailable.")
		return err
	}
	if !route.Enabled {
		return reject("NetConnection.Connect.Rejected", "The streaming distribution "+route.DistributionID+" is disabled.")
	}
	c.info.Route = route
	if h := c.s.cfg.Hooks.AfterConnect; h != nil {
		if err := h(c.ctx, &c.info); err != nil {
			r := asReject(err, "NetConnection.Connect.Rejected")
			return reject(r.Code, r.Description)
		}
	}

	c.w.control(typeWindowAckSize, be32(windowAckSize)...)
	c.w.control(typeSetPeerBandwidth, append(be32(windowAckSize), 2)...)
	c.w.setChunkSize(outChunkSize)
	c.w.amf(csCommand, typeCommandAMF0, 0, "_result", float64(cmd.CommandID),
		amf0.Object{{Key: "fmsVer", Value: "FMS/3,5,7,7009"}, {Key: "capabilities", Value: float64(31)}},
		append(statusObject("status", "NetConnection.Connect.Success", "Connection succeeded."),
			amf0.ObjectEntry{Key: "objectEncoding", Value: float64(0)}))
	if err := c.flush(); err != nil {
		return err
	}
	c.s.cfg.Metrics.connect("ok")
	c.emit(EventConnect, nil, "OK", 0)
	return nil
}

// commands serves createStream, play and friends until the client leaves.
func (c *conn) commands() error {
	var pending *message.CommandAMF0
	for {
		cmd := pending
		pending = nil
		if cmd == nil {
			m, err := c.next(c.s.cfg.IdleTimeout)
			if err != nil {
				return err
			}
			var ok bool
			if cmd, ok = m.(*message.CommandAMF0); !ok {
				if err := c.control(m); err != nil {
					return err
				}
				continue
			}
		}
		var err error
		switch cmd.Name {
		case "createStream":
			err = c.w.amf(csCommand, typeCommandAMF0, 0, "_result", float64(cmd.CommandID), nil, float64(playStreamID))
		case "getStreamLength":
			err = c.getStreamLength(cmd)
		case "play":
			pending, err = c.play(cmd)
		case "publish":
			err = c.onStatus("error", "NetStream.Publish.BadName", "Publishing is not allowed on a streaming distribution.")
		}
		if err != nil {
			return err
		}
		if err := c.flush(); err != nil {
			return err
		}
	}
}

// getStreamLength answers with the duration of the named stream (0 when it
// cannot be played); ffmpeg uses it as the input duration. The BeforePlay
// hook decides as for play, so a name that may not be played reveals
// nothing (not even whether the object exists) and costs no origin fetch.
func (c *conn) getStreamLength(cmd *message.CommandAMF0) error {
	secs := 0.0
	if name, ok := stringArg(cmd, 1); ok {
		if req, ok := parseStreamName(name); ok && c.mayPlay(&req) {
			if a, _, err := c.s.assets.open(c.ctx, c.info.Route.Bucket, req.Key, req.Format); err == nil {
				secs = a.Duration.Seconds()
			}
		}
	}
	return c.w.amf(csCommand, typeCommandAMF0, 0, "_result", float64(cmd.CommandID), nil, secs)
}

// mayPlay asks the BeforePlay hook, without acting on its answer.
func (c *conn) mayPlay(req *PlayRequest) bool {
	h := c.s.cfg.Hooks.BeforePlay
	return h == nil || h(c.ctx, &c.info, req) == nil
}

func (c *conn) onStatus(level, code, desc string) error {
	return c.w.amf(csStatus, typeCommandAMF0, playStreamID, "onStatus", float64(0), nil, statusObject(level, code, desc))
}

func (c *conn) emit(kind EventKind, p *PlayRequest, status string, pos time.Duration) {
	if h := c.s.cfg.Hooks.OnEvent; h != nil {
		h(Event{Kind: kind, Time: time.Now(), Conn: &c.info, Play: p, BytesSent: c.w.sent, Status: status, Position: pos})
	}
}

func statusObject(level, code, desc string) amf0.Object {
	return amf0.Object{{Key: "level", Value: level}, {Key: "code", Value: code}, {Key: "description", Value: desc}}
}

func asObject(v any) amf0.Object {
	switch o := v.(type) {
	case amf0.Object:
		return o
	case amf0.ECMAArray:
		return amf0.Object(o)
	}
	return nil
}

func asReject(err error, code string) *Reject {
	var r *Reject
	if errors.As(err, &r) {
		return r
	}
	return &Reject{Code: code, Description: err.Error()}
}

func stringArg(cmd *message.CommandAMF0, i int) (string, bool) {
	if i >= len(cmd.Arguments) {
		return "", false
	}
	s, ok := cmd.Arguments[i].(string)
	return s, ok
}

func numberArg(cmd *message.CommandAMF0, i int) (float64, bool) {
	if i >= len(cmd.Arguments) {
		return 0, false
	}
	f, ok := cmd.Arguments[i].(float64)
	return f, ok
}

// hostOf returns the lower-case host of an rtmp:// tcUrl, without port.
func hostOf(tcURL string) string {
	u, err := url.Parse(strings.Trim(tcURL, "'"))
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

func be32(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }
