package edge

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
)

// openFiles counts this process's open descriptors.
func openFiles(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(fds)
}

// TestSegmentCacheAccountsAndCloses: under concurrent requests for more
// segments than fit, every answer is its segment's, the bytes counted are
// those of the segments listed, never more than the bound past the newest,
// and once the cache is closed and the requests are done no segment file
// stays open.
func TestSegmentCacheAccountsAndCloses(t *testing.T) {
	const size, segments = 50_000, 12
	before := openFiles(t)
	c := newSegmentCache(t.TempDir(), 3*size+size/2)
	body := func(n int) []byte { return bytes.Repeat([]byte{byte('a' + n)}, size) }
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				n := (g*7 + i*5) % segments
				k := segmentKey{assetKey{"b", "k", "e", "mp4"}, fmt.Sprint(n)}
				w := httptest.NewRecorder()
				c.serve(w, httptest.NewRequest("GET", "/k/"+k.rest, nil), k, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "video/mp4")
					w.Write(body(n))
				})
				if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), body(n)) {
					errs <- fmt.Errorf("segment %d: %d, %d bytes", n, w.Code, w.Body.Len())
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	c.mu.Lock()
	var listed int64
	for el := c.lru.Front(); el != nil; el = el.Next() {
		listed += el.Value.(*packagedSegment).charged
	}
	used, n := c.used, c.lru.Len()
	c.mu.Unlock()
	if used != listed || used > 3*size+size/2 || n != 3 {
		t.Errorf("used %d, listed %d in %d segments; want 3 segments of %d", used, listed, n, size)
	}
	if err := c.close(); err != nil {
		t.Fatal(err)
	}
	if after := openFiles(t); after > before {
		t.Errorf("%d descriptors open after close, %d before", after, before)
	}
}
