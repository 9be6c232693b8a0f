package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// target is where a player fetches one object's HLS rendition.
type target struct {
	base string // http://addr/path/ of the playlist's directory
	host string // Host header ("" for the address)
}

// result is what one player saw.
type result struct {
	firstSegment time.Duration // playlist request until the first media segment's last byte
	bytes        int64
	segments     int
	err          error
}

// segmentRef is one media segment of a playlist.
type segmentRef struct {
	uri      string
	duration time.Duration
}

// player plays one object like an HLS player: the playlist, the init
// segment, the first `burst` segments at once, then one segment per
// segment duration, on one keep-alive connection, until stop or the end.
type player struct {
	client *http.Client
	burst  int
}

func newPlayer(burst int) *player {
	tr := &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1, DisableCompression: true,
		DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext, IdleConnTimeout: time.Minute}
	return &player{client: &http.Client{Transport: tr, Timeout: 30 * time.Second}, burst: burst}
}

func (p *player) run(t target, stop <-chan struct{}) result {
	defer p.client.CloseIdleConnections()
	var r result
	start := time.Now()
	playlist, err := p.get(t, "index.m3u8")
	if err != nil {
		return result{err: err}
	}
	init, segs, err := parsePlaylist(playlist)
	if err != nil {
		return result{err: err}
	}
	r.bytes += int64(len(playlist))
	if init != "" {
		n, err := p.fetch(t, init)
		if err != nil {
			return result{err: err}
		}
		r.bytes += n
	}
	playStart := time.Now()
	var ahead time.Duration // media time fetched beyond the start-up burst
	for i, s := range segs {
		if i >= p.burst {
			// Real-time pace: fetch a segment when the playhead is one
			// segment behind what was fetched.
			select {
			case <-stop:
				return r
			case <-time.After(time.Until(playStart.Add(ahead))):
			}
			ahead += s.duration
		}
		n, err := p.fetch(t, s.uri)
		if err != nil {
			r.err = err
			return r
		}
		if i == 0 {
			r.firstSegment = time.Since(start)
		}
		r.bytes += n
		r.segments++
	}
	return r
}

func (p *player) get(t target, uri string) ([]byte, error) {
	resp, err := p.do(t, uri)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// fetch reads a segment to its end and returns its size.
func (p *player) fetch(t target, uri string) (int64, error) {
	resp, err := p.do(t, uri)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return io.Copy(io.Discard, resp.Body)
}

func (p *player) do(t target, uri string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, t.base+uri, nil)
	if err != nil {
		return nil, err
	}
	if t.host != "" {
		req.Host = t.host
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", uri, resp.Status)
	}
	return resp, nil
}

// parsePlaylist reads an HLS media playlist: the #EXT-X-MAP URI and the
// segments.
func parsePlaylist(b []byte) (init string, segs []segmentRef, err error) {
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	var dur time.Duration
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#EXT-X-MAP:"):
			_, rest, _ := strings.Cut(line, `URI="`)
			init, _, _ = strings.Cut(rest, `"`)
		case strings.HasPrefix(line, "#EXTINF:"):
			v, _, _ := strings.Cut(strings.TrimPrefix(line, "#EXTINF:"), ",")
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return "", nil, fmt.Errorf("playlist: %q", line)
			}
			dur = time.Duration(f * float64(time.Second))
		case line != "" && !strings.HasPrefix(line, "#"):
			segs = append(segs, segmentRef{uri: line, duration: dur})
		}
	}
	if len(segs) == 0 {
		return "", nil, fmt.Errorf("playlist without segments:\n%s", b)
	}
	return init, segs, nil
}

// counter sums the bytes players received.
type counter struct{ v atomic.Int64 }

func (c *counter) load() int64 { return c.v.Load() }

// countingTransport counts response body bytes as players read them.
type countingTransport struct {
	inner http.RoundTripper
	n     *counter
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.inner.RoundTrip(req)
	if err == nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: t.n}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *counter
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.v.Add(int64(n))
	return n, err
}
