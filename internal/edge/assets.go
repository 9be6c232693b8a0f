package edge

import (
	"container/list"
	"context"
	"sync"

	"github.com/streamfront/streamfront/internal/edge/media"
	"github.com/streamfront/streamfront/internal/edge/origin"
)

// Bounds of the parsed sample tables kept in memory: their number and the
// bytes of their tag tables (an hour of 30 fps video with audio is about
// 9 MB). Viewers playing an evicted index keep it until they finish.
const (
	maxAssets     = 256
	maxAssetBytes = 128 << 20
)

// assets parses each object version once and shares the index among viewers.
type assets struct {
	cache    *origin.Cache
	maxCount int
	maxBytes int64

	mu      sync.Mutex
	entries map[assetKey]*list.Element
	lru     *list.List // of *assetEntry
	bytes   int64      // sum of the ready entries' sizes
}

type assetKey struct {
	bucket, key, etag, format string
}

type assetEntry struct {
	key   assetKey
	ready chan struct{}
	asset *media.Asset
	err   error
	size  int64    // counted in assets.bytes once ready
	vod   packaged // HTTP delivery's packaging of asset (httpvod.go)
}

func newAssets(c *origin.Cache) *assets {
	return &assets{cache: c, maxCount: maxAssets, maxBytes: maxAssetBytes,
		entries: map[assetKey]*list.Element{}, lru: list.New()}
}

// open returns the index of bucket/key read as format and a reader of the
// object's bytes. Errors: origin.ErrNotFound, media.ErrUnsupported.
func (a *assets) open(ctx context.Context, bucket, key, format string) (*media.Asset, *origin.Object, error) {
	asset, obj, _, err := a.openEntry(ctx, bucket, key, format)
	return asset, obj, err
}

// openEntry is open, also returning the index's cache entry (nil on error).
func (a *assets) openEntry(ctx context.Context, bucket, key, format string) (*media.Asset, *origin.Object, *assetEntry, error) {
	info, err := a.cache.Stat(ctx, bucket, key)
	if err != nil {
		return nil, nil, nil, err
	}
	obj := a.cache.Object(ctx, bucket, key, info)
	k := assetKey{bucket, key, info.ETag, format}

	a.mu.Lock()
	el, ok := a.entries[k]
	if ok {
		a.lru.MoveToFront(el)
		a.mu.Unlock()
		e := el.Value.(*assetEntry)
		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil, nil, nil, ctx.Err()
		}
		return e.asset, obj, entryOf(e), e.err
	}
	e := &assetEntry{key: k, ready: make(chan struct{})}
	a.entries[k] = a.lru.PushFront(e)
	a.evictLocked()
	a.mu.Unlock()

	// Parse detached from this viewer: others may be waiting for the index.
	parseObj := a.cache.Object(context.WithoutCancel(ctx), bucket, key, info)
	e.asset, e.err = media.Parse(format, parseObj, info.Size)
	a.mu.Lock()
	if cur, ok := a.entries[k]; ok && cur.Value == e {
		if e.err != nil {
			a.removeLocked(cur)
		} else {
			e.size = e.asset.Size()
			a.bytes += e.size
			a.evictLocked()
		}
	}
	a.mu.Unlock()
	close(e.ready)
	return e.asset, obj, entryOf(e), e.err
}

// entryOf is e when its index is ready, nil after a failed parse.
func entryOf(e *assetEntry) *assetEntry {
	if e.err != nil {
		return nil
	}
	return e
}

// evictLocked drops least recently used indexes beyond the bounds, keeping
// the most recent one.
func (a *assets) evictLocked() {
	for a.lru.Len() > 1 && (a.lru.Len() > a.maxCount || a.bytes > a.maxBytes) {
		a.removeLocked(a.lru.Back())
	}
}

func (a *assets) removeLocked(el *list.Element) {
	e := el.Value.(*assetEntry)
	a.lru.Remove(el)
	delete(a.entries, e.key)
	a.bytes -= e.size
}
