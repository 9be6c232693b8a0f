package edge

import (
	"bytes"
	"container/list"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/streamfront/streamfront/internal/edge/vod"
)

// DefaultSegmentCacheBytes bounds the packaged segments kept in memory.
const DefaultSegmentCacheBytes = 128 << 20

// segmentCache keeps packaged init and media segments, so that the many
// viewers of an object cost one packaging of each segment, not one per
// request: a segment never changes for an object version. Playlists and
// manifests are not kept (they carry each viewer's signed query).
// Concurrent misses of one segment share one packaging.
//
// Segments are kept in files, open and already unlinked from dir (nothing
// is left behind by a crash), and sent with sendfile(2) as nginx sends
// static files: the kernel's page cache holds them, and a viewer costs no
// copy through user space. A file is closed once it is evicted and the
// last request sending it is done.
type segmentCache struct {
	limit int64
	dir   string

	mu      sync.Mutex
	used    int64
	lru     *list.List // of *packagedSegment, most recent first
	entries map[segmentKey]*list.Element
}

type segmentKey struct {
	asset assetKey // object version and format
	rest  string
}

// packagedSegment is one segment's answer as the packager wrote it: in
// file once ready, or in body when it could not be stored.
type packagedSegment struct {
	key    segmentKey
	ready  chan struct{}
	status int
	header http.Header // with Content-Length and Accept-Ranges when in file
	file   *os.File
	size   int64
	body   []byte
	// Under segmentCache.mu: the cache's use (while it lists the segment)
	// and each request's, and the bytes counted in segmentCache.used.
	users   int
	charged int64
}

func newSegmentCache(dir string, limit int64) *segmentCache {
	return &segmentCache{dir: dir, limit: limit, lru: list.New(), entries: map[segmentKey]*list.Element{}}
}

// cacheable reports whether the packager's answer for rest is the same for
// every viewer.
func cacheable(rest string) bool {
	return rest != vod.HLSPlaylist && rest != vod.TSPlaylist && rest != vod.DASHManifest
}

// serve answers r with the segment k, packaging it with pack on a miss.
func (c *segmentCache) serve(w http.ResponseWriter, r *http.Request, k segmentKey, pack func(w http.ResponseWriter, r *http.Request)) {
	c.mu.Lock()
	el, ok := c.entries[k]
	if ok {
		c.lru.MoveToFront(el)
		s := el.Value.(*packagedSegment)
		s.users++
		c.mu.Unlock()
		defer c.release(s)
		select {
		case <-s.ready:
			s.writeTo(w, r)
		case <-r.Context().Done():
		}
		return
	}
	s := &packagedSegment{key: k, ready: make(chan struct{}), users: 2} // the cache's and this request's
	c.entries[k] = c.lru.PushFront(s)
	c.mu.Unlock()
	defer c.release(s)

	// Package as a GET whatever the viewer asked, so a HEAD fills the cache too.
	get := r.Clone(r.Context())
	get.Method = http.MethodGet
	rec := &bufferedResponse{header: http.Header{}}
	pack(rec, get)
	s.status, s.header, s.body, s.size = rec.statusOr200(), rec.header, rec.body.Bytes(), int64(rec.body.Len())
	keep := s.status == http.StatusOK && c.store(s)
	close(s.ready)

	c.mu.Lock()
	if cur, ok := c.entries[k]; ok && cur.Value == s {
		if !keep {
			c.removeLocked(cur)
		} else {
			s.charged = s.size
			c.used += s.charged
			c.evictLocked()
		}
	}
	c.mu.Unlock()
	s.writeTo(w, r)
}

// store writes s's body to an unlinked file and drops it from memory;
// false if it cannot (the segment is then answered from memory and not
// kept).
func (c *segmentCache) store(s *packagedSegment) bool {
	if c.dir == "" {
		return false
	}
	f, err := os.CreateTemp(c.dir, "*.seg")
	if err != nil {
		return false
	}
	os.Remove(f.Name())
	if _, err := f.Write(s.body); err != nil {
		f.Close()
		return false
	}
	s.file, s.body = f, nil
	s.header.Set("Content-Length", strconv.FormatInt(s.size, 10))
	s.header.Set("Accept-Ranges", "bytes")
	return true
}

// release ends one use of s, closing its file after the last.
func (c *segmentCache) release(s *packagedSegment) {
	c.mu.Lock()
	s.users--
	last := s.users == 0
	c.mu.Unlock()
	if last && s.file != nil {
		s.file.Close()
	}
}

// close drops every cached segment and removes the cache's directory.
func (c *segmentCache) close() error {
	c.mu.Lock()
	var dropped []*packagedSegment
	for c.lru.Len() > 0 {
		dropped = append(dropped, c.removeLocked(c.lru.Back()))
	}
	c.mu.Unlock()
	for _, s := range dropped {
		c.release(s)
	}
	if c.dir == "" {
		return nil
	}
	return os.RemoveAll(c.dir)
}

func (c *segmentCache) evictLocked() {
	for c.used > c.limit && c.lru.Len() > 1 {
		s := c.removeLocked(c.lru.Back())
		s.users-- // the cache's use; a request still sending s closes it
		if s.users == 0 && s.file != nil {
			s.file.Close()
		}
	}
}

// removeLocked takes el's segment out of the cache's lists; the caller
// ends the cache's use of it.
func (c *segmentCache) removeLocked(el *list.Element) *packagedSegment {
	s := el.Value.(*packagedSegment)
	c.lru.Remove(el)
	delete(c.entries, s.key)
	c.used -= s.charged
	s.charged = 0
	return s
}

// writeTo answers r with the packaged segment (only its headers for HEAD).
// A request for a range, or a conditional one, is answered by
// http.ServeContent; the others go straight to sendfile(2).
func (s *packagedSegment) writeTo(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, v := range s.header {
		h[k] = v
	}
	if s.file == nil {
		h.Set("Content-Length", strconv.FormatInt(s.size, 10))
		w.WriteHeader(s.status)
		if r.Method != http.MethodHead {
			w.Write(s.body)
		}
		return
	}
	if r.Header.Get("Range") != "" || r.Header.Get("If-Range") != "" {
		http.ServeContent(w, r, "", time.Time{}, io.NewSectionReader(s.file, 0, s.size))
		return
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		sendBody(w, r, newFileBody(s.file, 0, s.size))
	}
}

// bufferedResponse records a response in memory.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

func (b *bufferedResponse) statusOr200() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}
