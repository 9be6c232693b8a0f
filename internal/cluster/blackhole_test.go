package cluster_test

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/streamfront/streamfront/internal/store/postgres/pgtest"
	"github.com/streamfront/streamfront/internal/testenv"
)

// TestDatabaseBlackholed puts a TCP proxy between a node and PostgreSQL and
// makes it drop everything, as a primary that lost power behind a virtual IP
// looks to its clients: no RST, open connections just stop answering and new
// ones hang. Requests must not wait for the kernel's retransmission timeout
// (~15 min): with --request-timeout 2s, Get, List and Create answer 503
// ServiceUnavailable (which the SDKs retry) and health says 503. Then the
// network heals (the proxy forwards again), and later a failover resets every
// connection: each time, without restarting the node, requests succeed again
// and every acknowledged write is there.
func TestDatabaseBlackholed(t *testing.T) {
	pg := pgtest.StartServer(t)
	dsn, err := url.Parse(pg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startBlackholeProxy(t, dsn.Host)
	dsn.Host = proxy.addr
	addr := testenv.FreeAddr(t)
	p := testenv.StartProc(t, addr, "serve", "--listen", addr, "--store", dsn.String(), "--data-dir", t.TempDir(),
		"--deploy-delay", "50ms", "--request-timeout", "2s")
	node := testenv.Client(p.URL, "AKIDEXAMPLE", "secret") // no retries: each call is one request

	acked := map[string]string{} // distribution id → ETag of its last acknowledged write
	var someID string            // the one created with CallerReference before-0
	for i := range 3 {
		out := mustCreate(t, node, config(fmt.Sprintf("before-%d", i), "before"))
		acked[*out.StreamingDistribution.Id] = aws.ToString(out.ETag)
		if i == 0 {
			someID = *out.StreamingDistribution.Id
		}
	}

	heals := []struct {
		name string
		heal func()
	}{
		{"the network heals", proxy.forward},
		{"a failover resets the connections", proxy.reset},
	}
	for round, h := range heals {
		proxy.blackhole()
		ref := fmt.Sprintf("during-%d", round)
		outage := outageCalls(node, aws.String(someID), ref)
		// Each operation twice at once, so that requests meet both pooled
		// connections that froze and new ones that hang at connect.
		errs := make(map[string][]error)
		var mu sync.Mutex
		var wg sync.WaitGroup
		for op, call := range outage {
			for range 2 {
				wg.Go(func() {
					err := callBounded(call)
					mu.Lock()
					errs[op] = append(errs[op], err)
					mu.Unlock()
				})
			}
		}
		wg.Wait()
		for op, opErrs := range errs {
			for _, err := range opErrs {
				if code, status := errorCode(err); code != "ServiceUnavailable" || status != http.StatusServiceUnavailable || !retryable5xx(err) {
					t.Fatalf("%s: %s while the database is blackholed: %v (%q, %d), want a retryable ServiceUnavailable (503)", h.name, op, err, code, status)
				}
			}
		}
		if status := health(t, p.URL); status != http.StatusServiceUnavailable {
			t.Fatalf("%s: health answers %d while the database is blackholed, want 503", h.name, status)
		}

		h.heal()
		for _, op := range []string{"Get", "List"} {
			eventually(t, h.name+": "+op, func() error { return callBounded(outage[op]) })
		}
		if status := health(t, p.URL); status != http.StatusOK {
			t.Fatalf("%s: health answers %d after the database is back", h.name, status)
		}
		// The create tried during the outage was answered 503, so the client
		// retries it with the same CallerReference: it is created now, or, had
		// the timed-out attempt committed after all, CloudFront's answer for
		// a reused CallerReference. Either way it exists once.
		retried, err := create(node, config(ref, "during"))
		switch code, _ := errorCode(err); {
		case err == nil:
			acked[*retried.StreamingDistribution.Id] = aws.ToString(retried.ETag)
		case code == "StreamingDistributionAlreadyExists":
			t.Logf("%s: the create that timed out had committed", h.name)
		default:
			t.Fatalf("%s: create retried after the outage: %v", h.name, err)
		}
		out := mustCreate(t, node, config(fmt.Sprintf("after-%d", round), "after"))
		acked[*out.StreamingDistribution.Id] = aws.ToString(out.ETag)
		upd, err := update(node, aws.String(someID), aws.String(acked[someID]), config("before-0", h.name))
		if err != nil {
			t.Fatalf("%s: update after the outage: %v", h.name, err)
		}
		acked[someID] = aws.ToString(upd.ETag)
		checkAcknowledged(t, node, acked, round+1)
	}
}

// checkAcknowledged fails unless the node lists every acknowledged
// distribution (plus at most extra in-doubt creates) with the ETag of its last
// acknowledged write.
func checkAcknowledged(t *testing.T, node *cloudfront.Client, acked map[string]string, extra int) {
	t.Helper()
	list, err := node.ListStreamingDistributions(ctx, &cloudfront.ListStreamingDistributionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if n := int(aws.ToInt32(list.StreamingDistributionList.Quantity)); n < len(acked) || n > len(acked)+extra {
		t.Fatalf("the node lists %d distributions, %d were acknowledged", n, len(acked))
	}
	for id, etag := range acked {
		if got := aws.ToString(get(t, node, aws.String(id)).ETag); got != etag {
			t.Fatalf("%s has ETag %s, its last acknowledged write set %s", id, got, etag)
		}
	}
}

// blackholeProxy forwards loopback TCP connections to a target until it is
// blackholed: then it keeps every connection open but forwards no byte in
// either direction, and connections accepted meanwhile are never connected
// to the target.
type blackholeProxy struct {
	addr   string
	target string
	mu     sync.Mutex
	held   chan struct{}         // non-nil while blackholed; closed when bytes flow again
	conns  map[net.Conn]struct{} // every open connection, both sides
}

func startBlackholeProxy(t *testing.T, target string) *blackholeProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &blackholeProxy{addr: ln.Addr().String(), target: target, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() {
		ln.Close()
		p.forward()
		p.reset()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

// blackhole stops all forwarding.
func (p *blackholeProxy) blackhole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held == nil {
		p.held = make(chan struct{})
	}
}

// forward lets bytes flow again on every connection, as when a network
// partition heals.
func (p *blackholeProxy) forward() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held != nil {
		close(p.held)
		p.held = nil
	}
}

// reset resets every open connection (RST), as a new primary behind the
// virtual IP answers packets of connections it does not know, and forwards
// new ones.
func (p *blackholeProxy) reset() {
	p.mu.Lock()
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.Close()
	}
	clear(p.conns)
	p.mu.Unlock()
	p.forward()
}

// wait blocks while the proxy is blackholed.
func (p *blackholeProxy) wait() {
	p.mu.Lock()
	held := p.held
	p.mu.Unlock()
	if held != nil {
		<-held
	}
}

// track registers c as open, for reset.
func (p *blackholeProxy) track(c net.Conn) {
	p.mu.Lock()
	p.conns[c] = struct{}{}
	p.mu.Unlock()
}

func (p *blackholeProxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *blackholeProxy) serve(client net.Conn) {
	p.track(client)
	defer p.untrack(client)
	p.wait()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	p.track(server)
	defer p.untrack(server)
	done := make(chan struct{}, 2)
	go func() { p.pump(server, client); done <- struct{}{} }()
	go func() { p.pump(client, server); done <- struct{}{} }()
	<-done // one side ended: closing both (deferred) ends the other pump
}

// pump copies src to dst, holding what it read while the proxy is blackholed.
func (p *blackholeProxy) pump(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.wait()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil { // EOF or reset: serve closes both sides
			return
		}
	}
}
