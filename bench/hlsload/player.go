package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

// target is an HLS server to load: a playlist URL per object and the Host
// header to send (the distribution's domain name for streamfront).
type target struct {
	host string // Host header; "" sends the URL's
	warm string // playlist URL of the object every viewer plays
	// cold makes a copy of the clip named name that no one has requested
	// yet (a new object for each cold measurement) and returns its
	// playlist URL.
	cold func(name string) (string, error)
}

// Failure classes a viewer counts (the "errors").
var (
	errStatus  = errors.New("non-2xx status")
	errTimeout = errors.New("timeout")
	errShort   = errors.New("short body")
)

// player fetches like an HLS player over one keep-alive connection (its own
// Transport, so viewers share no connection pool).
type player struct {
	client  *http.Client
	host    string
	timeout time.Duration // per request, body included
	buf     []byte
	bytes   *atomic.Int64 // body bytes received, shared by all players
	conns   int           // connections opened
}

func newPlayer(host string, timeout time.Duration, bytes *atomic.Int64) *player {
	return &player{
		client: &http.Client{Transport: &http.Transport{
			MaxIdleConnsPerHost: 1,
			DisableCompression:  true,
			DialContext:         (&net.Dialer{Timeout: timeout}).DialContext,
		}},
		host: host, timeout: timeout, buf: make([]byte, 64<<10), bytes: bytes,
	}
}

func (p *player) close() { p.client.CloseIdleConnections() }

// get fetches url and returns its body when keep is set (else discards it),
// the number of body bytes and the time until the last byte.
func (p *player) get(url string, keep bool) (body []byte, n int64, took time.Duration, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) {
			if !i.Reused {
				p.conns++
			}
		},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, 0, err
	}
	if p.host != "" {
		req.Host = p.host
	}
	start := time.Now()
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, 0, 0, classify(err)
	}
	defer resp.Body.Close()
	for {
		m, rerr := resp.Body.Read(p.buf)
		n += int64(m)
		p.bytes.Add(int64(m))
		if keep {
			body = append(body, p.buf[:m]...)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, n, 0, classify(rerr)
		}
	}
	took = time.Since(start)
	switch {
	case resp.StatusCode/100 != 2:
		return nil, n, took, fmt.Errorf("%w: %s for %s", errStatus, resp.Status, url)
	case resp.ContentLength >= 0 && n != resp.ContentLength:
		return nil, n, took, fmt.Errorf("%w: %d of %d bytes of %s", errShort, n, resp.ContentLength, url)
	}
	return body, n, took, nil
}

// classify wraps a transport error as errTimeout or errShort when it is one.
func classify(err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%w: %v", errTimeout, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %v", errShort, err)
	}
	return err
}

// start is what a viewer measured while starting to play.
type start struct {
	pl       *playlist
	startup  time.Duration // playlist request until the first segment's last byte
	firstSeg time.Duration // first segment's request until its last byte
	segBytes int64         // size of the first segment
}

// begin fetches the playlist, the init segment and the first segment.
func (p *player) begin(playlistURL string) (start, error) {
	t0 := time.Now()
	body, _, _, err := p.get(playlistURL, true)
	if err != nil {
		return start{}, fmt.Errorf("playlist: %w", err)
	}
	pl, err := parsePlaylist(body, playlistURL)
	if err != nil {
		return start{}, fmt.Errorf("playlist %s: %w", playlistURL, err)
	}
	if _, _, _, err := p.get(pl.init, false); err != nil {
		return start{}, fmt.Errorf("init: %w", err)
	}
	_, n, took, err := p.get(pl.segments[0].url, false)
	if err != nil {
		return start{}, fmt.Errorf("first segment: %w", err)
	}
	return start{pl: pl, startup: time.Since(t0), firstSeg: took, segBytes: n}, nil
}

// result is what one viewer measured.
type result struct {
	start
	segments int           // media segments received
	stalls   int           // segments that arrived after the playhead reached them
	maxLate  time.Duration // worst of those
	conns    int
	err      error
}

// play runs one viewer until stop is closed or the playlist ends: the
// start-up burst (the first burst segments back to back, as hls.js fills its
// buffer), then segment i when the playhead — wall time since the first
// segment arrived — reaches the start of segment i-burst+1, so burst-1
// segments stay buffered ahead and one segment is fetched per segment
// duration. burstDone is called once the burst is in (or the viewer failed).
func (p *player) play(playlistURL string, burst int, stop <-chan struct{}, burstDone func()) (r result) {
	defer func() { r.conns = p.conns }()
	done := sync1(burstDone)
	defer done()
	st, err := p.begin(playlistURL)
	if err != nil {
		r.err = err
		return r
	}
	r.start, r.segments = st, 1
	playStart := time.Now()
	segs := st.pl.segments
	for i := 1; i < len(segs); i++ {
		if i >= burst {
			done()
			wait := time.Until(playStart.Add(segs[i-burst+1].start))
			select {
			case <-stop:
				return r
			case <-time.After(wait):
			}
		}
		if _, _, _, err := p.get(segs[i].url, false); err != nil {
			r.err = fmt.Errorf("segment %d: %w", i, err)
			return r
		}
		r.segments++
		if late := time.Since(playStart) - segs[i].start; late > 0 {
			r.stalls++
			r.maxLate = max(r.maxLate, late)
		}
	}
	return r
}

// sync1 makes f callable many times, running it once.
func sync1(f func()) func() {
	called := false
	return func() {
		if !called {
			called = true
			f()
		}
	}
}
