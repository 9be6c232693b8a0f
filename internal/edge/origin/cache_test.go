package origin

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// memOrigin serves one object from memory and counts reads.
type memOrigin struct {
	data  []byte
	reads atomic.Int64
	gate  chan struct{} // when set, reads wait for it
}

func (m *memOrigin) Stat(context.Context, string, string) (Info, error) {
	return Info{Size: int64(len(m.data)), ETag: "v1"}, nil
}

func (m *memOrigin) ReadAt(_ context.Context, _, _ string, _ Info, p []byte, off int64) error {
	m.reads.Add(1)
	if m.gate != nil {
		<-m.gate
	}
	copy(p, m.data[off:])
	return nil
}

func TestCacheReadsAcrossBlocksAndEvicts(t *testing.T) {
	data := make([]byte, 10*1024+7)
	for i := range data {
		data[i] = byte(i * 7)
	}
	m := &memOrigin{data: data}
	c := NewCache(m, 2048, 1024) // two blocks of 1 KiB
	obj := c.Object(context.Background(), "b", "k", Info{Size: int64(len(data)), ETag: "v1"})

	got := make([]byte, 3000)
	if n, err := obj.ReadAt(got, 500); err != nil || n != 3000 || !bytes.Equal(got, data[500:3500]) {
		t.Fatalf("ReadAt: n=%d err=%v", n, err)
	}
	if st := c.Stats(); st.Bytes > 2048 || m.reads.Load() != 4 {
		t.Fatalf("after a 4-block read: stats %+v, origin reads %d", st, m.reads.Load())
	}
	// The last two blocks are cached; the first two were evicted.
	if _, err := obj.ReadAt(got[:100], 3000); err != nil || m.reads.Load() != 4 {
		t.Fatalf("cached block read from origin again (%d reads)", m.reads.Load())
	}
	if _, err := obj.ReadAt(got[:100], 0); err != nil || m.reads.Load() != 5 {
		t.Fatalf("evicted block not fetched again (%d reads)", m.reads.Load())
	}
	// The short last block and reads past the end.
	tail := make([]byte, 7)
	if _, err := obj.ReadAt(tail, int64(len(data)-7)); err != nil || !bytes.Equal(tail, data[len(data)-7:]) {
		t.Fatalf("tail: %v", err)
	}
	if _, err := obj.ReadAt(tail, int64(len(data)-6)); err == nil {
		t.Fatal("read past the end succeeded")
	}
}

func TestCacheSharesConcurrentMisses(t *testing.T) {
	m := &memOrigin{data: bytes.Repeat([]byte("x"), 4096), gate: make(chan struct{})}
	c := NewCache(m, 1<<20, 4096)
	obj := c.Object(context.Background(), "b", "k", Info{Size: 4096, ETag: "v1"})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 4096)
			if _, err := obj.ReadAt(buf, 0); err != nil {
				t.Error(err)
			}
		}()
	}
	for m.reads.Load() == 0 { // wait until the first miss is in flight
		runtime.Gosched()
	}
	close(m.gate)
	wg.Wait()
	if r := m.reads.Load(); r != 1 {
		t.Fatalf("8 concurrent misses made %d origin reads", r)
	}
	if st := c.Stats(); st.Fetches != 1 || st.Hits != 7 {
		t.Fatalf("stats %+v", st)
	}
}

func TestDirRejectsEscapes(t *testing.T) {
	d := Dir{Root: t.TempDir()}
	for _, k := range []string{"../x", "a/../../x", "/etc/passwd", "", "a//b", `a\..\..\x`} {
		if _, err := d.Stat(context.Background(), "media", k); err != ErrNotFound {
			t.Errorf("Stat(%q) = %v, want ErrNotFound", k, err)
		}
	}
	if _, err := d.Stat(context.Background(), "..", "x"); err != ErrNotFound {
		t.Errorf("bucket .. = %v", err)
	}
}

// statOrigin counts Stat calls and answers with err (if set).
type statOrigin struct {
	memOrigin
	stats atomic.Int64
	err   error
}

func (s *statOrigin) Stat(ctx context.Context, b, k string) (Info, error) {
	s.stats.Add(1)
	if s.err != nil {
		return Info{}, s.err
	}
	return s.memOrigin.Stat(ctx, b, k)
}

func TestStatIsSharedAndRemembered(t *testing.T) {
	o := &statOrigin{memOrigin: memOrigin{data: []byte("abc")}}
	c := NewCache(o, 1<<20, 0)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if info, err := c.Stat(context.Background(), "b", "k"); err != nil || info.Size != 3 {
				t.Errorf("Stat: %+v %v", info, err)
			}
		}()
	}
	wg.Wait()
	if n := o.stats.Load(); n != 1 {
		t.Fatalf("8 viewers made %d origin Stat calls", n)
	}

	// Absence is remembered too; other failures are not.
	o.err = ErrNotFound
	if _, err := c.Stat(context.Background(), "b", "missing"); err != ErrNotFound {
		t.Fatal(err)
	}
	c.Stat(context.Background(), "b", "missing")
	if n := o.stats.Load(); n != 2 {
		t.Fatalf("a remembered absence asked the origin again (%d calls)", n)
	}
	o.err = context.DeadlineExceeded
	c.Stat(context.Background(), "b", "flaky")
	c.Stat(context.Background(), "b", "flaky")
	if n := o.stats.Load(); n != 4 {
		t.Fatalf("a transient failure was remembered (%d calls)", n)
	}
}

// concurrentOrigin serves one object and records how many reads were in
// flight at once; a read waits (up to a second) for a second one to join
// it, so a cache that reads one block at a time is seen as such.
type concurrentOrigin struct {
	data     []byte
	delay    time.Duration
	mu       sync.Mutex
	inFlight int
	most     int
	reads    int
	joined   *sync.Cond
}

func newConcurrentOrigin(data []byte, delay time.Duration) *concurrentOrigin {
	o := &concurrentOrigin{data: data, delay: delay}
	o.joined = sync.NewCond(&o.mu)
	return o
}

func (o *concurrentOrigin) Stat(context.Context, string, string) (Info, error) {
	return Info{Size: int64(len(o.data)), ETag: "v1"}, nil
}

func (o *concurrentOrigin) ReadAt(_ context.Context, _, _ string, _ Info, p []byte, off int64) error {
	o.mu.Lock()
	o.reads++
	o.inFlight++
	o.most = max(o.most, o.inFlight)
	o.joined.Broadcast()
	if o.delay == 0 && o.reads == 1 { // the first read waits for company
		timer := time.AfterFunc(time.Second, func() { o.mu.Lock(); o.joined.Broadcast(); o.mu.Unlock() })
		o.joined.Wait() // another read joined, or a second passed
		timer.Stop()
	}
	o.mu.Unlock()
	time.Sleep(o.delay)
	copy(p, o.data[off:])
	o.mu.Lock()
	o.inFlight--
	o.mu.Unlock()
	return nil
}

// TestCacheFetchesAViewsBlocksConcurrently: a read spanning many blocks
// (a moov at the end of a long file, on S3 a ranged GET per block) has
// several of them fetched at once, no more than maxReadAhead beyond the
// one being read, each once, and returns the object's bytes.
func TestCacheFetchesAViewsBlocksConcurrently(t *testing.T) {
	data := make([]byte, 20*1024+300)
	for i := range data {
		data[i] = byte(i*13 + i>>8)
	}
	o := newConcurrentOrigin(data, 0)
	c := NewCache(o, 1<<20, 1024)
	obj := c.Object(context.Background(), "b", "k", Info{Size: int64(len(data)), ETag: "v1"})
	got := make([]byte, len(data)-100)
	if n, err := obj.ReadAt(got, 100); err != nil || n != len(got) || !bytes.Equal(got, data[100:]) {
		t.Fatalf("ReadAt: %d, %v", n, err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.reads != 21 || o.most < 2 || o.most > maxReadAhead+1 {
		t.Fatalf("%d origin reads for 21 blocks, at most %d at once; want each once, 2 to %d at once", o.reads, o.most, maxReadAhead+1)
	}
	if st := c.Stats(); st.Fetches != 21 {
		t.Errorf("stats %+v", st)
	}
}

// BenchmarkViewAcrossBlocks reads a 4 MiB range (the moov of a two-hour
// MP4) through a cold cache from an origin taking 2 ms per block, as a
// nearby S3 does, one block at a time (the baseline) and with read-ahead.
func BenchmarkViewAcrossBlocks(b *testing.B) {
	data := make([]byte, 4<<20)
	for _, ahead := range []int64{0, maxReadAhead} {
		b.Run(fmt.Sprintf("readahead=%d", ahead), func(b *testing.B) {
			o := newConcurrentOrigin(data, 2*time.Millisecond)
			buf := make([]byte, len(data))
			for i := 0; b.Loop(); i++ {
				c := NewCache(o, 64<<20, DefaultBlockSize)
				c.readAhead = ahead
				obj := c.Object(context.Background(), "b", "k", Info{Size: int64(len(data)), ETag: "v1"})
				if _, err := obj.ReadAt(buf, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
