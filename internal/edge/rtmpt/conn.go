package rtmpt

import (
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// Conn is one RTMPT session seen as a net.Conn by the RTMP server: Read
// returns what the client POSTed in /send bodies, Write queues bytes that the
// client collects with its next /send or /idle. Both directions are bounded;
// Write blocks while the client has not collected enough.
type Conn struct {
	id            string
	local, remote net.Addr
	opts          *Options

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every state change
	in       []byte        // client → server, not yet Read
	out      []byte        // server → client, not yet polled
	idlePoll int           // consecutive empty replies, for the interval byte
	// peerClosed: the client sent /close or timed out; Read drains in and
	// then returns io.EOF. localClosed: the server called Close; what is
	// left in out is still delivered.
	peerClosed, localClosed bool
	lastSeen                time.Time
	readDeadline            time.Time
	writeDeadline           time.Time
}

func newConn(id string, local, remote net.Addr, opts *Options) *Conn {
	return &Conn{id: id, local: local, remote: remote, opts: opts, changed: make(chan struct{}), lastSeen: time.Now()}
}

// broadcastLocked wakes everything waiting on the connection's state.
func (c *Conn) broadcastLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// wait blocks until the state changes or deadline passes (zero = never).
// It reports false on deadline. Call without the lock, with ch taken under it.
func wait(ch <-chan struct{}, deadline time.Time, stop <-chan struct{}) bool {
	if deadline.IsZero() {
		select {
		case <-ch:
		case <-stop:
		}
		return true
	}
	d := time.Until(deadline)
	if d <= 0 {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-stop:
		return true
	case <-t.C:
		return false
	}
}

func (c *Conn) Read(p []byte) (int, error) {
	c.mu.Lock()
	for {
		switch {
		case c.localClosed:
			c.mu.Unlock()
			return 0, net.ErrClosed
		case len(c.in) > 0:
			n := copy(p, c.in)
			c.in = c.in[n:]
			if len(c.in) == 0 {
				c.in = nil // let a large buffer go
			}
			c.broadcastLocked() // a /send may wait for room
			c.mu.Unlock()
			return n, nil
		case c.peerClosed:
			c.mu.Unlock()
			return 0, io.EOF
		case expired(c.readDeadline):
			c.mu.Unlock()
			return 0, os.ErrDeadlineExceeded
		}
		ch, dl := c.changed, c.readDeadline
		c.mu.Unlock()
		wait(ch, dl, nil)
		c.mu.Lock()
	}
}

func (c *Conn) Write(p []byte) (int, error) {
	written := 0
	c.mu.Lock()
	for {
		switch {
		case c.localClosed:
			c.mu.Unlock()
			return written, net.ErrClosed
		case c.peerClosed:
			c.mu.Unlock()
			return written, io.ErrClosedPipe
		}
		if room := c.opts.MaxPending - len(c.out); room > 0 {
			n := min(room, len(p)-written)
			c.out = append(c.out, p[written:written+n]...)
			written += n
			c.broadcastLocked() // wake a waiting poll
			if written == len(p) {
				c.mu.Unlock()
				return written, nil
			}
		}
		if expired(c.writeDeadline) {
			c.mu.Unlock()
			return written, os.ErrDeadlineExceeded
		}
		ch, dl := c.changed, c.writeDeadline
		c.mu.Unlock()
		wait(ch, dl, nil)
		c.mu.Lock()
	}
}

// Close ends the session from the server's side. Bytes already written are
// still handed to the client's next poll; later polls get 404.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.localClosed {
		return net.ErrClosed
	}
	c.localClosed = true
	c.in = nil
	c.broadcastLocked()
	return nil
}

func (c *Conn) LocalAddr() net.Addr  { return c.local }
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

func (c *Conn) SetDeadline(t time.Time) error      { return c.setDeadline(t, true, true) }
func (c *Conn) SetReadDeadline(t time.Time) error  { return c.setDeadline(t, true, false) }
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.setDeadline(t, false, true) }

// setDeadline changes deadlines and wakes waiters so they see the change.
func (c *Conn) setDeadline(t time.Time, read, write bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if read {
		c.readDeadline = t
	}
	if write {
		c.writeDeadline = t
	}
	c.broadcastLocked()
	return nil
}

func expired(deadline time.Time) bool { return !deadline.IsZero() && !time.Now().Before(deadline) }

// deliver appends a /send body to the inbound buffer. While the buffer is
// over MaxInbound it waits up to waitFor for the RTMP server to read, then
// gives up with errInboundFull: the request cannot hold on longer, because
// the client collects server bytes only through its requests, and a server
// blocked writing to it would never read again.
func (c *Conn) deliver(body []byte, waitFor time.Duration, stop <-chan struct{}) error {
	deadline := time.Now().Add(waitFor)
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		c.lastSeen = time.Now()
		switch {
		case c.localClosed, c.peerClosed:
			return net.ErrClosed
		case len(c.in) < c.opts.MaxInbound:
			c.in = append(c.in, body...)
			c.broadcastLocked()
			return nil
		}
		ch := c.changed
		c.mu.Unlock()
		woke := wait(ch, deadline, stop)
		c.mu.Lock()
		select {
		case <-stop:
			return errStopped
		default:
		}
		if !woke {
			return errInboundFull
		}
	}
}

// collect takes up to max pending server bytes for a poll's reply. When
// nothing is pending it waits up to wait for some, so that polling clients
// neither spin nor see replies late. It reports gone once the server has
// closed and everything was delivered.
func (c *Conn) collect(max int, waitFor time.Duration, stop <-chan struct{}) (interval byte, data []byte, gone bool) {
	deadline := time.Now().Add(waitFor)
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.out) == 0 && !c.localClosed && !c.peerClosed && time.Now().Before(deadline) {
		ch := c.changed
		c.mu.Unlock()
		woke := wait(ch, deadline, stop)
		c.mu.Lock()
		select {
		case <-stop:
			woke = false
		default:
		}
		if !woke {
			break
		}
	}
	c.lastSeen = time.Now()
	if len(c.out) == 0 && (c.localClosed || c.peerClosed) {
		return 0, nil, true
	}
	n := min(max, len(c.out))
	data = append([]byte(nil), c.out[:n]...)
	c.out = c.out[n:]
	if len(c.out) == 0 {
		c.out = nil
	}
	c.broadcastLocked() // a Write may wait for room
	return c.intervalLocked(n > 0), data, false
}

// intervalLocked is the polling-interval byte: 1 while data flows, growing
// while the session is idle, as Flash Media Server and Red5 do. Clients
// may wait that many (tens of) milliseconds before polling again.
func (c *Conn) intervalLocked(gotData bool) byte {
	if gotData {
		c.idlePoll = 0
		return 1
	}
	c.idlePoll++
	return byte(min(1+c.idlePoll*4, 0x21))
}

// closeByPeer ends the session from the client's side (/close or timeout).
func (c *Conn) closeByPeer() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.peerClosed = true
	c.out = nil
	c.broadcastLocked()
}

// state reports when the client last made a request, and whether the
// session has ended and can be forgotten.
func (c *Conn) state() (lastSeen time.Time, ended bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastSeen, c.peerClosed || (c.localClosed && len(c.out) == 0)
}
