package rtmpt

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
)

// start mounts a Tunnel on a real loopback HTTP server and serves it with
// handler, an RTMP server stand-in.
func start(t testing.TB, o Options, handler func(net.Conn)) (*Tunnel, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	tun := New(srv.Listener.Addr(), o)
	srv.Config.Handler = tun
	srv.Start()
	var wg sync.WaitGroup
	go func() {
		for {
			c, err := tun.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); handler(c) }()
		}
	}()
	t.Cleanup(func() {
		tun.Close()
		srv.Close()
		wg.Wait()
	})
	return tun, srv.URL
}

// echo is a fake RTMP server: it returns every byte it reads.
func echo(c net.Conn) {
	defer c.Close()
	io.Copy(c, c)
}

// session speaks RTMPT the way librtmp and FFmpeg do. Its methods return
// errors, so it may run on any goroutine; client is the version for the
// test's own, which fails the test instead.
type session struct {
	base string
	hc   *http.Client
	id   string
	seq  int
}

// client is a session for the test's goroutine.
type client struct {
	t *testing.T
	*session
}

func newSession(base string) *session {
	return &session{base: base, hc: &http.Client{Timeout: 10 * time.Second}}
}

func newClient(t *testing.T, base string) *client {
	return &client{t: t, session: newSession(base)}
}

func (c *session) tryPost(path string, body []byte) (int, http.Header, []byte, error) {
	req, _ := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ContentType)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("POST %s: %w", path, err)
	}
	return resp.StatusCode, resp.Header, b, nil
}

func (c *session) tryOpen() error {
	code, h, body, err := c.tryPost("/open/1", []byte{0})
	switch {
	case err != nil:
		return err
	case code != 200 || h.Get("Content-Type") != ContentType:
		return fmt.Errorf("open: %d %v %q", code, h, body)
	case !regexp.MustCompile(`^[0-9a-f]{32}\n$`).Match(body):
		return fmt.Errorf("open body %q is not an id and a newline", body)
	}
	c.id, c.seq = string(body[:len(body)-1]), 1
	return nil
}

// tryCmd sends one /send, /idle or /close and returns status and payload
// after the interval byte.
func (c *session) tryCmd(name string, body []byte) (int, []byte, error) {
	code, h, b, err := c.tryPost(fmt.Sprintf("/%s/%s/%d", name, c.id, c.seq), body)
	c.seq++
	switch {
	case err != nil || code != 200:
		return code, b, err
	case h.Get("Content-Length") != strconv.Itoa(len(b)) || h.Get("Content-Type") != ContentType:
		return code, nil, fmt.Errorf("%s reply headers %v for %d bytes", name, h, len(b))
	case len(b) < 1:
		return code, nil, fmt.Errorf("%s reply without interval byte", name)
	case name != "close" && (b[0] < 1 || b[0] > 0x21):
		return code, nil, fmt.Errorf("interval byte %#x", b[0])
	}
	return code, b[1:], nil
}

// tryCollect polls until n bytes arrived.
func (c *session) tryCollect(got []byte, n int) ([]byte, error) {
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < n {
		if time.Now().After(deadline) {
			return got, fmt.Errorf("collected %d of %d bytes", len(got), n)
		}
		code, b, err := c.tryCmd("idle", []byte{0})
		if err != nil {
			return got, err
		}
		if code != 200 {
			return got, fmt.Errorf("idle: %d", code)
		}
		got = append(got, b...)
	}
	return got, nil
}

func (c *client) post(path string, body []byte) (int, http.Header, []byte) {
	c.t.Helper()
	code, h, b, err := c.tryPost(path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	return code, h, b
}

func (c *client) open() {
	c.t.Helper()
	if err := c.tryOpen(); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) cmd(name string, body []byte) (int, []byte) {
	c.t.Helper()
	code, b, err := c.tryCmd(name, body)
	if err != nil {
		c.t.Fatal(err)
	}
	return code, b
}

func (c *client) collect(got []byte, n int) []byte {
	c.t.Helper()
	got, err := c.tryCollect(got, n)
	if err != nil {
		c.t.Fatal(err)
	}
	return got
}

func TestIdentAndUnknownPaths(t *testing.T) {
	_, base := start(t, Options{}, echo)
	c := newClient(t, base)
	for _, p := range []string{"/fcs/ident2", "/", "/open/2", "/send/x", "/send//1", "/send/abc/notanumber", "/bogus/abc/1", "/idle/nosuchsession/1", "/close/nosuchsession/1"} {
		if code, _, _ := c.post(p, []byte{0}); code != http.StatusNotFound {
			t.Errorf("POST %s = %d, want 404", p, code)
		}
	}
	resp, err := http.Get(base + "/open/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET /open/1 = %d", resp.StatusCode)
	}
}

func TestEchoThroughTunnel(t *testing.T) {
	tun, base := start(t, Options{}, echo)
	c := newClient(t, base)
	c.open()
	if tun.Sessions() != 1 {
		t.Fatalf("Sessions = %d", tun.Sessions())
	}
	code, got := c.cmd("send", []byte("C0C1 handshake"))
	if code != 200 {
		t.Fatalf("send: %d", code)
	}
	// The send's reply waits briefly for the server, so the echo usually
	// rides on it; collect the rest by idling.
	got = c.collect(got, len("C0C1 handshake"))
	if string(got) != "C0C1 handshake" {
		t.Fatalf("echo %q", got)
	}
	// Nothing pending: an idle answers empty after PollWait.
	if code, b := c.cmd("idle", []byte{0}); code != 200 || len(b) != 0 {
		t.Fatalf("idle = %d %q", code, b)
	}
	if code, _ := c.cmd("close", []byte{0}); code != 200 {
		t.Fatalf("close: %d", code)
	}
	if code, _ := c.cmd("idle", []byte{0}); code != http.StatusNotFound {
		t.Fatalf("idle after close = %d, want 404", code)
	}
	if tun.Sessions() != 0 {
		t.Fatalf("Sessions = %d after close", tun.Sessions())
	}
}

// TestLargeTransferIsBoundedAndIntact moves more data than every buffer
// holds, in both directions, and checks order and content.
func TestLargeTransferIsBoundedAndIntact(t *testing.T) {
	o := Options{MaxPending: 4096, MaxInbound: 8192, MaxReply: 3000}
	_, base := start(t, o, echo)
	c := newClient(t, base)
	c.open()
	data := make([]byte, 200_000)
	rand.Read(data)
	// Like a player, send a chunk and then read what it caused; each chunk
	// is larger than MaxPending, so the server's Write blocks and resumes.
	var got []byte
	for off := 0; off < len(data); off += 8000 {
		end := min(off+8000, len(data))
		code, b := c.cmd("send", data[off:end])
		if code != 200 {
			t.Fatalf("send at %d: %d", off, code)
		}
		if len(b) > o.MaxReply {
			t.Fatalf("reply of %d bytes exceeds MaxReply", len(b))
		}
		got = c.collect(append(got, b...), end)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("echoed data differs")
	}
	if code, _ := c.cmd("send", make([]byte, o.MaxInbound+1)); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized send = %d, want 413", code)
	}
}

// TestInboundFullAnswers503 checks that a client outpacing a server that
// does not read is refused instead of buffered without end or hung.
func TestInboundFullAnswers503(t *testing.T) {
	o := Options{MaxInbound: 1000, PollWait: 20 * time.Millisecond}
	release := make(chan struct{})
	_, base := start(t, o, func(c net.Conn) {
		<-release
		c.Close()
	})
	defer close(release)
	c := newClient(t, base)
	c.open()
	for i := 0; i < 2; i++ {
		if code, _ := c.cmd("send", make([]byte, 600)); code != 200 {
			t.Fatalf("send %d = %d", i, code)
		}
	}
	if code, _ := c.cmd("send", make([]byte, 600)); code != http.StatusServiceUnavailable {
		t.Fatalf("send over MaxInbound = %d, want 503", code)
	}
}

func TestServerCloseDeliversThenEnds(t *testing.T) {
	_, base := start(t, Options{}, func(c net.Conn) {
		buf := make([]byte, 5)
		io.ReadFull(c, buf)
		c.Write([]byte("NetStream.Play.Failed"))
		c.Close()
	})
	c := newClient(t, base)
	c.open()
	_, got := c.cmd("send", []byte("play!"))
	got = c.collect(got, len("NetStream.Play.Failed"))
	if string(got) != "NetStream.Play.Failed" {
		t.Fatalf("got %q", got)
	}
	if code, _ := c.cmd("idle", []byte{0}); code != http.StatusNotFound {
		t.Fatalf("idle after server close = %d, want 404", code)
	}
}

func TestClientCloseIsEOFForServer(t *testing.T) {
	result := make(chan error, 1)
	_, base := start(t, Options{}, func(c net.Conn) {
		b, err := io.ReadAll(c)
		if err == nil && string(b) != "bye" {
			err = fmt.Errorf("read %q", b)
		}
		result <- err
		c.Close()
	})
	c := newClient(t, base)
	c.open()
	c.cmd("send", []byte("bye"))
	c.cmd("close", []byte{0})
	if err := <-result; err != nil {
		t.Fatal(err)
	}
}

func TestIdleSessionTimesOut(t *testing.T) {
	result := make(chan error, 1)
	tun, base := start(t, Options{IdleTimeout: 100 * time.Millisecond, PollWait: 10 * time.Millisecond}, func(c net.Conn) {
		_, err := c.Read(make([]byte, 1))
		result <- err
		c.Close()
	})
	c := newClient(t, base)
	c.open()
	if err := <-result; !errors.Is(err, io.EOF) {
		t.Fatalf("server Read after client went away = %v, want EOF", err)
	}
	if code, _ := c.cmd("idle", []byte{0}); code != http.StatusNotFound {
		t.Fatalf("idle on an expired session = %d", code)
	}
	if tun.Sessions() != 0 {
		t.Fatalf("Sessions = %d", tun.Sessions())
	}
}

func TestDeadlines(t *testing.T) {
	errs := make(chan error, 2)
	_, base := start(t, Options{MaxPending: 10}, func(c net.Conn) {
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		errs <- err
		c.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
		_, err = c.Write(make([]byte, 100)) // more than MaxPending, nobody polls
		errs <- err
	})
	c := newClient(t, base)
	c.open()
	for i := 0; i < 2; i++ {
		err := <-errs
		var ne net.Error
		if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("error %d = %v, want a timeout", i, err)
		}
	}
}

func TestConnAddresses(t *testing.T) {
	addrs := make(chan [2]net.Addr, 1)
	tun, base := start(t, Options{}, func(c net.Conn) {
		addrs <- [2]net.Addr{c.LocalAddr(), c.RemoteAddr()}
		c.Close()
	})
	newClient(t, base).open()
	a := <-addrs
	if a[0].String() != tun.Addr().String() {
		t.Fatalf("LocalAddr %v, want %v", a[0], tun.Addr())
	}
	if ta, ok := a[1].(*net.TCPAddr); !ok || !ta.IP.IsLoopback() || ta.Port == 0 {
		t.Fatalf("RemoteAddr %v is not the client's", a[1])
	}
}

func TestCloseStopsAcceptAndSessions(t *testing.T) {
	result := make(chan error, 1)
	tun, base := start(t, Options{}, func(c net.Conn) {
		_, err := c.Read(make([]byte, 1))
		result <- err
	})
	c := newClient(t, base)
	c.open()
	tun.Close()
	if err := <-result; err == nil {
		t.Fatal("session survived Close")
	}
	if _, err := tun.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close = %v", err)
	}
	if code, _, _ := c.post("/open/1", []byte{0}); code != http.StatusServiceUnavailable {
		t.Fatalf("open after Close = %d, want 503", code)
	}
}

func TestSessionLimit(t *testing.T) {
	_, base := start(t, Options{MaxSessions: 2}, echo)
	newClient(t, base).open()
	newClient(t, base).open()
	if code, _, _ := newClient(t, base).post("/open/1", []byte{0}); code != http.StatusServiceUnavailable {
		t.Fatalf("third open = %d, want 503", code)
	}
}

func TestConcurrentSessions(t *testing.T) {
	_, base := start(t, Options{MaxPending: 2048}, echo)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = echoSession(base, bytes.Repeat([]byte{byte('a' + i)}, 10_000))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("session %d: %v", i, err)
		}
	}
}

// echoSession opens a session, sends msg, collects its echo and closes.
func echoSession(base string, msg []byte) error {
	c := newSession(base)
	if err := c.tryOpen(); err != nil {
		return err
	}
	_, got, err := c.tryCmd("send", msg)
	if err == nil {
		got, err = c.tryCollect(got, len(msg))
	}
	if err != nil {
		return err
	}
	if !bytes.Equal(got, msg) {
		return errors.New("echo differs")
	}
	_, _, err = c.tryCmd("close", []byte{0})
	return err
}
