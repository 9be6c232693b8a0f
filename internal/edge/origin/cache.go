package origin

import (
	"container/list"
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultBlockSize is the unit the cache fetches and evicts.
const DefaultBlockSize = 256 << 10

// fetchTimeout bounds one origin read; it is detached from the requesting
// viewer's context because other viewers may be waiting for the same block.
const fetchTimeout = 30 * time.Second

// maxReadAhead is how many blocks beyond the one being read a read that
// spans several fetches at once: on S3 each block is a ranged GET, and the
// moov of a long file with its index at the end is 16 of them.
const maxReadAhead = 8

// Cache is a bounded LRU of fixed-size object blocks in front of an Origin.
// Concurrent misses of one block share a single origin read.
type Cache struct {
	origin    Origin
	limit     int64
	blockSize int64
	readAhead int64 // blocks fetched ahead of a multi-block read; at most a quarter of the cache

	mu       sync.Mutex
	used     int64
	lru      *list.List // of *block, most recently used first
	blocks   map[blockKey]*list.Element
	inflight map[blockKey]*fetch
	stats    map[statKey]*statEntry

	fetches atomic.Int64
	hits    atomic.Int64
}

type blockKey struct {
	bucket, key, etag string
	index             int64
}

type block struct {
	key  blockKey
	data []byte
}

type fetch struct {
	done chan struct{}
	data []byte
	err  error
}

// Stats counts origin reads (Fetches) and blocks served from memory (Hits).
type Stats struct {
	Fetches int64
	Hits    int64
	Bytes   int64 // bytes held now
}

// NewCache caches up to limit bytes of o in blocks of blockSize bytes
// (DefaultBlockSize when 0). At least one block is always held.
func NewCache(o Origin, limit, blockSize int64) *Cache {
	if blockSize <= 0 {
		blockSize = DefaultBlockSize
	}
	return &Cache{
		origin: o, limit: limit, blockSize: blockSize, readAhead: min(maxReadAhead, limit/blockSize/4),
		lru: list.New(), blocks: map[blockKey]*list.Element{}, inflight: map[blockKey]*fetch{},
		stats: map[statKey]*statEntry{},
	}
}

// Stats returns the counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	used := c.used
	c.mu.Unlock()
	return Stats{Fetches: c.fetches.Load(), Hits: c.hits.Load(), Bytes: used}
}

// Object is one version of an object read through the cache.
type Object struct {
	c      *Cache
	ctx    context.Context
	bucket string
	key    string
	Info   Info
}

// Object returns a reader of the object version info. Reads use ctx.
func (c *Cache) Object(ctx context.Context, bucket, key string, info Info) *Object {
	return &Object{c: c, ctx: ctx, bucket: bucket, key: key, Info: info}
}

// Size is the object's length.
func (o *Object) Size() int64 { return o.Info.Size }

// ReadAt implements io.ReaderAt.
func (o *Object) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	err := o.View(off, int64(len(p)), func(b []byte) error {
		n += copy(p[n:], b)
		return nil
	})
	return n, err
}

// View calls fn with the cached bytes [off, off+n) in order, without copying.
// fn must not modify them; it may keep them (blocks are never reused). Reading past the end is io.ErrUnexpectedEOF.
// The blocks of a view spanning several are fetched up to readAhead at a time.
func (o *Object) View(off, n int64, fn func([]byte) error) error {
	if off < 0 || n < 0 || off+n > o.Info.Size {
		return errPastEnd
	}
	bs := o.c.blockSize
	last := (off + n - 1) / bs
	ahead := off / bs // the last block fetched ahead
	for n > 0 {
		i := off / bs
		for ahead = max(ahead, i); ahead < min(last, i+o.c.readAhead); {
			ahead++
			o.c.prefetch(o.ctx, o.blockKey(ahead), o.Info)
		}
		data, err := o.c.block(o.ctx, o.blockKey(i), o.Info)
		if err != nil {
			return err
		}
		in := off % bs
		k := min(n, int64(len(data))-in)
		if err := fn(data[in : in+k]); err != nil {
			return err
		}
		off += k
		n -= k
	}
	return nil
}

func (o *Object) blockKey(index int64) blockKey {
	return blockKey{o.bucket, o.key, o.Info.ETag, index}
}

func (c *Cache) block(ctx context.Context, k blockKey, info Info) ([]byte, error) {
	c.mu.Lock()
	if e, ok := c.blocks[k]; ok {
		c.lru.MoveToFront(e)
		c.mu.Unlock()
		c.hits.Add(1)
		return e.Value.(*block).data, nil
	}
	if f, ok := c.inflight[k]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			c.hits.Add(1)
			return f.data, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &fetch{done: make(chan struct{})}
	c.inflight[k] = f
	c.mu.Unlock()
	c.fill(ctx, k, f, info)
	return f.data, f.err
}

// prefetch starts fetching block k unless it is cached or on its way.
func (c *Cache) prefetch(ctx context.Context, k blockKey, info Info) {
	c.mu.Lock()
	_, cached := c.blocks[k]
	_, inflight := c.inflight[k]
	if cached || inflight {
		c.mu.Unlock()
		return
	}
	f := &fetch{done: make(chan struct{})}
	c.inflight[k] = f
	c.mu.Unlock()
	go c.fill(ctx, k, f, info)
}

// fill reads block k from the origin into f, caches it, and wakes f's
// waiters.
func (c *Cache) fill(ctx context.Context, k blockKey, f *fetch, info Info) {
	start := k.index * c.blockSize
	f.data = make([]byte, min(c.blockSize, info.Size-start))
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	f.err = c.origin.ReadAt(fctx, k.bucket, k.key, info, f.data, start)
	cancel()
	c.fetches.Add(1)

	c.mu.Lock()
	delete(c.inflight, k)
	if f.err == nil {
		c.insert(k, f.data)
	}
	c.mu.Unlock()
	close(f.done)
}

// insert adds a block and evicts the least recently used ones beyond limit.
func (c *Cache) insert(k blockKey, data []byte) {
	c.blocks[k] = c.lru.PushFront(&block{key: k, data: data})
	c.used += int64(len(data))
	for c.used > c.limit && c.lru.Len() > 1 {
		e := c.lru.Back()
		b := e.Value.(*block)
		c.lru.Remove(e)
		delete(c.blocks, b.key)
		c.used -= int64(len(b.data))
	}
}
