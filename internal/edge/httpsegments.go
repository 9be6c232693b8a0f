package edge

import (
	"bytes"
	"container/list"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
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
// Segments are kept as files in dir and sent with sendfile(2), as nginx
// sends static files: the kernel's page cache holds them, and a viewer costs
// no copy through user space. An evicted file is removed; requests still
// sending it keep their open descriptor.
type segmentCache struct {
	limit int64
	dir   string
	seq   atomic.Uint64 // names the files

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
// the file path once ready, or in body when it could not be stored.
type packagedSegment struct {
	key    segmentKey
	ready  chan struct{}
	status int
	header http.Header
	path   string
	size   int64
	body   []byte
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
		c.mu.Unlock()
		s := el.Value.(*packagedSegment)
		select {
		case <-s.ready:
		case <-r.Context().Done():
			return
		}
		if !s.writeTo(w, r) {
			pack(w, r) // evicted since the lookup
		}
		return
	}
	s := &packagedSegment{key: k, ready: make(chan struct{})}
	c.entries[k] = c.lru.PushFront(s)
	c.mu.Unlock()

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
			c.lru.Remove(cur)
			delete(c.entries, k)
		} else {
			c.used += s.size
			c.evictLocked()
		}
	}
	c.mu.Unlock()
	if !s.writeTo(w, r) {
		pack(w, r) // evicted at once (a cache smaller than a segment)
	}
}

// store writes s's body to its file and drops it from memory; false if it
// cannot (the segment is then served from memory once and not kept).
func (c *segmentCache) store(s *packagedSegment) bool {
	if c.dir == "" {
		return false
	}
	path := filepath.Join(c.dir, strconv.FormatUint(c.seq.Add(1), 10)+".seg")
	if err := os.WriteFile(path, s.body, 0o600); err != nil {
		os.Remove(path)
		return false
	}
	s.path, s.body = path, nil
	return true
}

// close removes the cache's files and directory.
func (c *segmentCache) close() error {
	if c.dir == "" {
		return nil
	}
	return os.RemoveAll(c.dir)
}

func (c *segmentCache) evictLocked() {
	for c.used > c.limit && c.lru.Len() > 1 {
		el := c.lru.Back()
		s := el.Value.(*packagedSegment)
		c.lru.Remove(el)
		delete(c.entries, s.key)
		c.used -= s.size
		os.Remove(s.path)
	}
}

// writeTo answers r with the packaged segment (only its headers for HEAD).
// It returns false, having written nothing, if the segment's file is gone.
func (s *packagedSegment) writeTo(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	for k, v := range s.header {
		h[k] = v
	}
	if s.path == "" {
		h.Set("Content-Length", strconv.FormatInt(s.size, 10))
		w.WriteHeader(s.status)
		if r.Method != http.MethodHead {
			w.Write(s.body)
		}
		return true
	}
	f, err := os.Open(s.path)
	if err != nil {
		return false
	}
	defer f.Close()
	http.ServeContent(w, r, "", time.Time{}, f)
	return true
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
