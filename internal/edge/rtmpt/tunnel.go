// Package rtmpt serves RTMPT, RTMP tunnelled through HTTP POST requests, as
// CloudFront offered it on port 80 for players behind proxies that pass only
// HTTP.
//
// A Tunnel is both an http.Handler, mounted on any HTTP server, and a
// net.Listener whose Accept returns one net.Conn per RTMPT session, so an
// RTMP server serves tunnelled players without knowing. The protocol, as
// Flash Media Server, Red5, librtmp and FFmpeg speak it:
//
//	POST /fcs/ident2              → 404 (clients probe it and carry on)
//	POST /open/1                  → "<session id>\n"
//	POST /send/<id>/<seq>         body: client bytes → interval byte + server bytes
//	POST /idle/<id>/<seq>         → interval byte + server bytes
//	POST /close/<id>/<seq>        → ends the session
//
// Requests and replies carry Content-Type application/x-fcs. The interval
// byte is the polling delay the server suggests. Sessions end when the client
// closes them, when the RTMP server closes the conn (after the client has
// collected what was written), or after IdleTimeout without a request.
package rtmpt

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options tune a Tunnel; zero values take the defaults.
type Options struct {
	// IdleTimeout ends a session whose client has made no request for this
	// long. Default 30s.
	IdleTimeout time.Duration
	// PollWait is how long a poll that finds nothing to return waits for
	// server bytes before answering empty. Default 200ms.
	PollWait time.Duration
	// MaxPending bounds the server bytes waiting for the client; Write
	// blocks beyond it. Default 1 MiB.
	MaxPending int
	// MaxInbound bounds client bytes the RTMP server has not read yet (a
	// /send beyond it waits PollWait, then answers 503) and the size of one
	// /send body. Default 256 KiB.
	MaxInbound int
	// MaxReply bounds the server bytes in one reply. Default 256 KiB.
	MaxReply int
	// MaxSessions bounds concurrent sessions; /open answers 503 beyond it.
	// Default 10000.
	MaxSessions int
	// AcceptTimeout is how long /open waits for the RTMP server to accept
	// the session. Default 10s.
	AcceptTimeout time.Duration
}

func (o *Options) setDefaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur(&o.IdleTimeout, 30*time.Second)
	defDur(&o.PollWait, 200*time.Millisecond)
	defDur(&o.AcceptTimeout, 10*time.Second)
	def(&o.MaxPending, 1<<20)
	def(&o.MaxInbound, 256<<10)
	def(&o.MaxReply, 256<<10)
	def(&o.MaxSessions, 10000)
}

// ContentType is the media type of RTMPT requests and replies.
const ContentType = "application/x-fcs"

var (
	errStopped     = errors.New("rtmpt: tunnel closed")
	errInboundFull = errors.New("rtmpt: the RTMP server is not reading")
)

// Tunnel is an RTMPT endpoint: mount it as an http.Handler and Serve the
// RTMP server on it as a net.Listener.
type Tunnel struct {
	opts   Options
	addr   net.Addr
	accept chan *Conn
	done   chan struct{}

	mu       sync.Mutex
	sessions map[string]*Conn
	closed   bool
}

// New returns a Tunnel. addr is what its Addr and its conns' LocalAddr
// report: the address of the HTTP server it is mounted on.
func New(addr net.Addr, o Options) *Tunnel {
	o.setDefaults()
	t := &Tunnel{opts: o, addr: addr, accept: make(chan *Conn), done: make(chan struct{}), sessions: map[string]*Conn{}}
	go t.expire()
	return t
}

// Accept waits for the next session.
func (t *Tunnel) Accept() (net.Conn, error) {
	select {
	case c := <-t.accept:
		return c, nil
	case <-t.done:
		return nil, net.ErrClosed
	}
}

// Addr is the address given to New.
func (t *Tunnel) Addr() net.Addr { return t.addr }

// Close stops accepting sessions and ends every open one.
func (t *Tunnel) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return net.ErrClosed
	}
	t.closed = true
	sessions := t.sessions
	t.sessions = map[string]*Conn{}
	t.mu.Unlock()
	close(t.done)
	for _, c := range sessions {
		c.closeByPeer()
	}
	return nil
}

// Sessions reports how many sessions are open.
func (t *Tunnel) Sessions() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.sessions)
}

func (t *Tunnel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "RTMPT accepts POST only", http.StatusMethodNotAllowed)
		return
	}
	cmd, id, ok := parsePath(r.URL.Path)
	switch {
	case !ok:
		http.NotFound(w, r)
	case cmd == "open":
		t.open(w, r)
	case cmd == "send" || cmd == "idle":
		t.poll(w, r, id, cmd == "send")
	case cmd == "close":
		t.closeSession(w, r, id)
	}
}

// parsePath splits /open/1 and /<cmd>/<id>/<seq>. /fcs/ident2 and anything
// else is not ok: a 404, which is what clients expect from ident2.
func parsePath(p string) (cmd, id string, ok bool) {
	rest, rooted := strings.CutPrefix(p, "/")
	if !rooted {
		return "", "", false
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 2 && parts[0] == "open" && parts[1] == "1":
		return "open", "", true
	case len(parts) != 3 || parts[1] == "":
		return "", "", false
	}
	if _, err := strconv.ParseUint(parts[2], 10, 32); err != nil {
		return "", "", false
	}
	switch parts[0] {
	case "send", "idle", "close":
		return parts[0], parts[1], true
	}
	return "", "", false
}

func (t *Tunnel) open(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, io.LimitReader(r.Body, 64)) // a single 0 byte by convention
	id := newSessionID()
	c := newConn(id, t.addr, remoteAddr(r.RemoteAddr), &t.opts)
	t.mu.Lock()
	if t.closed || len(t.sessions) >= t.opts.MaxSessions {
		t.mu.Unlock()
		http.Error(w, "RTMPT sessions unavailable", http.StatusServiceUnavailable)
		return
	}
	t.sessions[id] = c
	t.mu.Unlock()

	timer := time.NewTimer(t.opts.AcceptTimeout)
	defer timer.Stop()
	select {
	case t.accept <- c:
		reply(w, []byte(id+"\n"))
	case <-timer.C:
		t.forget(id)
		http.Error(w, "RTMP server busy", http.StatusServiceUnavailable)
	case <-r.Context().Done():
		t.forget(id)
	case <-t.done:
		http.Error(w, "RTMPT closed", http.StatusServiceUnavailable)
	}
}

func (t *Tunnel) poll(w http.ResponseWriter, r *http.Request, id string, send bool) {
	c := t.session(id)
	if c == nil {
		http.NotFound(w, r)
		return
	}
	stop := t.stopOn(r)
	if send {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(t.opts.MaxInbound)))
		if err != nil {
			http.Error(w, "RTMPT body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		switch err := c.deliver(body, t.opts.PollWait, stop); {
		case errors.Is(err, errInboundFull):
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		case err != nil:
			t.forgetIfEnded(c)
			http.NotFound(w, r)
			return
		}
	} else {
		io.Copy(io.Discard, io.LimitReader(r.Body, 64)) // a single 0 byte by convention
	}
	interval, data, gone := c.collect(t.opts.MaxReply, t.opts.PollWait, stop)
	if gone {
		t.forget(id)
		http.NotFound(w, r)
		return
	}
	reply(w, append([]byte{interval}, data...))
}

func (t *Tunnel) closeSession(w http.ResponseWriter, r *http.Request, id string) {
	c := t.session(id)
	if c == nil {
		http.NotFound(w, r)
		return
	}
	c.closeByPeer()
	t.forget(id)
	reply(w, []byte{0})
}

// reply writes a 200 with an explicit Content-Length: librtmp reads the
// length from the header and does not understand chunked replies.
func reply(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// stopOn fires when the request is abandoned or the tunnel closes.
func (t *Tunnel) stopOn(r *http.Request) <-chan struct{} {
	stop := make(chan struct{})
	go func() {
		select {
		case <-r.Context().Done():
		case <-t.done:
		}
		close(stop)
	}()
	return stop
}

func (t *Tunnel) session(id string) *Conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sessions[id]
}

func (t *Tunnel) forget(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.sessions, id)
}

func (t *Tunnel) forgetIfEnded(c *Conn) {
	if _, ended := c.state(); ended {
		t.forget(c.id)
	}
}

// expire ends sessions whose client stopped polling.
func (t *Tunnel) expire() {
	tick := time.NewTicker(max(t.opts.IdleTimeout/4, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-t.done:
			return
		case <-tick.C:
		}
		t.mu.Lock()
		var stale []*Conn
		for id, c := range t.sessions {
			if last, ended := c.state(); ended || time.Since(last) > t.opts.IdleTimeout {
				stale = append(stale, c)
				delete(t.sessions, id)
			}
		}
		t.mu.Unlock()
		for _, c := range stale {
			c.closeByPeer()
		}
	}
}

// newSessionID is unguessable: anyone who knows a session id can read and
// write that session.
func newSessionID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func remoteAddr(s string) net.Addr {
	if ap, err := net.ResolveTCPAddr("tcp", s); err == nil {
		return ap
	}
	return &net.TCPAddr{}
}
