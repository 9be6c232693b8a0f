package edge_test

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/bytecounter"
	"github.com/bluenviron/gortmplib/pkg/handshake"
	"github.com/bluenviron/gortmplib/pkg/message"

	"github.com/streamfront/streamfront/internal/edge"
)

// Each test here sets its limit far below the default, so that a limit
// that is no longer applied makes the test fail at its (generous) bound
// instead of passing after the default.

// dropBound is how long a test waits for a limit to drop a connection.
const dropBound = 5 * time.Second

// waitDropped fails unless the server closes nc within dropBound; meanwhile
// keep (if set) runs every 50ms, as a trickling client's sends.
func waitDropped(t *testing.T, nc net.Conn, keep func() error) {
	t.Helper()
	closed := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, nc)
		closed <- err
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	bound := time.After(dropBound)
	for {
		select {
		case <-closed:
			return
		case <-tick.C:
			if keep != nil {
				keep() // fails once the server has closed; the reader sees it
			}
		case <-bound:
			t.Fatal("the server did not drop the connection")
		}
	}
}

func shortHandshake(c *edge.Config) { c.HandshakeTimeout = 300 * time.Millisecond }

// TestHandshakeTimeoutDropsSilentClient: a client that connects and sends
// nothing is dropped.
func TestHandshakeTimeoutDropsSilentClient(t *testing.T) {
	e := startEnvConfig(t, edge.Hooks{}, nil, shortHandshake)
	nc, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	waitDropped(t, nc, nil)
}

// TestHandshakeTimeoutDropsTricklingClient: a client that trickles its
// handshake a byte at a time is dropped.
func TestHandshakeTimeoutDropsTricklingClient(t *testing.T) {
	e := startEnvConfig(t, edge.Hooks{}, nil, shortHandshake)
	nc, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write([]byte{3})
	waitDropped(t, nc, func() error { _, err := nc.Write([]byte{0}); return err })
}

// TestHandshakeTimeoutCoversConnect: after the handshake, a client that
// keeps sending pings and buffer lengths but never connects is dropped;
// each message arriving in time does not extend its time.
func TestHandshakeTimeoutCoversConnect(t *testing.T) {
	e := startEnvConfig(t, edge.Hooks{}, nil, shortHandshake)
	p := dialPlayer(t, e.addr)
	waitDropped(t, p.nc, func() error {
		return p.rw.Write(&message.UserControlPingRequest{ServerTime: 1})
	})
}

func shortIdle(c *edge.Config) { c.IdleTimeout = 300 * time.Millisecond }

// TestIdleConnectionIsDropped: a connected client that then sends nothing
// and plays nothing is dropped after IdleTimeout.
func TestIdleConnectionIsDropped(t *testing.T) {
	e := startEnvConfig(t, edge.Hooks{}, nil, shortIdle)
	_, domain := e.createDist(t)
	p := connectedPlayer(t, dialPlayer(t, e.addr), domain)
	waitDropped(t, p.nc, nil)
}

// TestIdleTimeoutSparesViewers: a viewer that sends nothing while a play
// lasting many idle timeouts runs is not idle, and neither is a client
// that keeps sending between plays.
func TestIdleTimeoutSparesViewers(t *testing.T) {
	// Longer than shortIdle: a loaded machine (the whole suite under -race)
	// can hold the test's pinging goroutine for a few hundred milliseconds.
	e := startEnvConfig(t, edge.Hooks{}, nil, func(c *edge.Config) { c.IdleTimeout = time.Second })
	_, domain := e.createDist(t)
	e.makeMedia(t, "videos/clip.flv", "flv", 6)
	p := connectedPlayer(t, dialPlayer(t, e.addr), domain)
	// Pings for three idle timeouts before playing.
	for range 30 {
		if err := p.rw.Write(&message.UserControlPingRequest{ServerTime: 1}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Paced at real time after a 1.1 s lead, the 6 s clip takes about
	// 5 s to arrive, five idle timeouts; read fails the test if the
	// connection closes before the end.
	p.play("videos/clip", 0, 100)
	var last time.Duration
	for {
		ev := p.next()
		if ev.code == "NetStream.Play.Stop" {
			break
		}
		last = max(last, ev.ts)
	}
	if last < 5500*time.Millisecond {
		t.Fatalf("the play stopped at %v of a 6 s clip", last)
	}
}

// TestMaxConnsRejectsAtConnect: over the cap, a client's connect is
// answered with NetConnection.Connect.Rejected; while as many as the
// reject backlog (MaxConns/8+1, here 1) wait for that, more connections
// are closed right after accept. Both are counted, and once a viewer
// leaves a new one gets in.
func TestMaxConnsRejectsAtConnect(t *testing.T) {
	e := startEnvConfig(t, edge.Hooks{}, nil, func(c *edge.Config) { c.MaxConns = 2 })
	_, domain := e.createDist(t)
	first := dialPlayer(t, e.addr)
	for i, p := range []*player{first, dialPlayer(t, e.addr)} {
		if code := p.connect(domain); code != "NetConnection.Connect.Success" {
			t.Fatalf("connection %d: %s", i+1, code)
		}
	}
	// The third waits in its handshake, holding the one backlog slot.
	third, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	waitConnections(t, e, 3)
	fourth, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer fourth.Close()
	fourth.SetDeadline(time.Now().Add(dropBound))
	if _, _, err := handshake.DoClient(fourth, false, false); err == nil {
		t.Fatal("a connection beyond the reject backlog was served")
	}

	p := newPlayer(t, third)
	if code := p.connect(domain); code != "NetConnection.Connect.Rejected" {
		t.Fatalf("over the cap: %s", code)
	}
	for how, want := range map[string]float64{"rejected": 1, "closed": 1} {
		if v, _ := metric(t, e.reg, "streamfront_edge_connections_refused_total", "how", how); v != want {
			t.Fatalf("refused %s: %v, want %v", how, v, want)
		}
	}

	first.nc.Close()
	waitConnections(t, e, 1)
	if code := dialPlayer(t, e.addr).connect(domain); code != "NetConnection.Connect.Success" {
		t.Fatalf("after a viewer left: %s", code)
	}
}

// waitConnections waits until the edge counts n open connections.
func waitConnections(t *testing.T, e *env, n float64) {
	t.Helper()
	for end := time.Now().Add(dropBound); ; time.Sleep(10 * time.Millisecond) {
		if v, _ := metric(t, e.reg, "streamfront_edge_connections"); v == n {
			return
		}
		if time.Now().After(end) {
			v, _ := metric(t, e.reg, "streamfront_edge_connections")
			t.Fatalf("%v connections open, want %v", v, n)
		}
	}
}

// pipeListener hands the edge the server ends of in-memory pipes, which
// buffer nothing: a client that stops reading blocks the edge's next write
// at once, as a TCP client does once the socket buffers are full.
type pipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *pipeListener) dial() net.Conn {
	server, client := net.Pipe()
	l.conns <- server
	return client
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	select {
	case <-l.closed:
	default:
		close(l.closed)
	}
	return nil
}

func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// TestStalledViewerIsDropped: a viewer that stops reading mid-play is
// dropped after WriteTimeout, its play stops counting as a viewer, and
// the play's stop and disconnect are emitted (so access-logged).
func TestStalledViewerIsDropped(t *testing.T) {
	var log eventLog
	e := startEnvConfig(t, edge.Hooks{OnEvent: log.hook}, nil, func(c *edge.Config) { c.WriteTimeout = 300 * time.Millisecond })
	_, domain := e.createDist(t)
	e.makeMedia(t, "videos/long.flv", "flv", 20)
	ln := newPipeListener()
	go e.edge.Serve(ln)
	p := connectedPlayer(t, newPlayer(t, ln.dial()), domain)
	p.play("videos/long", 0, 100)
	p.waitMedia()
	if v, _ := metric(t, e.reg, "streamfront_edge_viewers"); v != 1 {
		t.Fatalf("%v viewers while playing", v)
	}
	// The viewer stops reading; the edge must give up on it by itself.
	for end := time.Now().Add(dropBound); ; time.Sleep(20 * time.Millisecond) {
		if v, _ := metric(t, e.reg, "streamfront_edge_viewers"); v == 0 {
			break
		}
		if time.Now().After(end) {
			t.Fatal("a viewer that stopped reading is still being served")
		}
	}
	p.nc.SetReadDeadline(time.Now().Add(dropBound))
	if _, err := io.Copy(io.Discard, p.nc); err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("after the drop: %v", err)
	}
	e.edge.Close() // waits for the connection's events
	if got := log.String(); got != "connect play stop disconnect" {
		t.Fatalf("events %q", got)
	}
}

// TestMaxConnsUnderLoad: 200 clients connect at once to an edge capped at
// 20. Exactly 20 are served; every other one is rejected at connect or
// closed at accept, none hangs, and the refusals add up in the metric.
func TestMaxConnsUnderLoad(t *testing.T) {
	const clients, limit = 200, 20
	e := startEnvConfig(t, edge.Hooks{}, nil, func(c *edge.Config) { c.MaxConns = limit })
	_, domain := e.createDist(t)
	results := make(chan string, clients)
	hold := make(chan struct{}) // served clients stay connected until every client has its answer
	for range clients {
		go connectOnce(e.addr, domain, results, hold)
	}
	counts := map[string]int{}
	for range clients {
		counts[<-results]++
	}
	close(hold)
	if counts["NetConnection.Connect.Success"] != limit ||
		counts["NetConnection.Connect.Rejected"]+counts["closed"] != clients-limit {
		t.Fatalf("answers %v", counts)
	}
	var refused float64
	for _, how := range []string{"rejected", "closed"} {
		v, _ := metric(t, e.reg, "streamfront_edge_connections_refused_total", "how", how)
		refused += v
	}
	if refused != clients-limit {
		t.Fatalf("%v refusals counted, want %d (answers %v)", refused, clients-limit, counts)
	}
	t.Logf("answers to %d clients: %v", clients, counts)
}

// connectOnce connects as a player and reports the connect's status code,
// or "closed" when the edge closed the connection first; then it stays
// connected until hold is closed.
func connectOnce(addr, domain string, results chan<- string, hold <-chan struct{}) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		results <- "dial: " + err.Error()
		return
	}
	defer nc.Close()
	results <- connectAnswer(nc, domain)
	<-hold
}

func connectAnswer(nc net.Conn, domain string) string {
	nc.SetDeadline(time.Now().Add(dropBound))
	if _, _, err := handshake.DoClient(nc, false, false); err != nil {
		return "closed"
	}
	bc := bytecounter.NewReadWriter(nc)
	rw := message.NewReadWriter(bc, bc, false)
	err := rw.Write(&message.CommandAMF0{ChunkStreamID: 3, Name: "connect", CommandID: 1, Arguments: []any{amf0.Object{
		{Key: "app", Value: edge.App}, {Key: "tcUrl", Value: "rtmp://" + domain + "/" + edge.App}}}})
	for err == nil {
		var m message.Message
		if m, err = rw.Read(); err == nil {
			if c, ok := m.(*message.CommandAMF0); ok && (c.Name == "_result" || c.Name == "_error") {
				return statusCode(c)
			}
		}
	}
	if errors.Is(err, io.EOF) {
		return "closed"
	}
	return err.Error()
}
