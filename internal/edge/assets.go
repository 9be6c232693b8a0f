package edge

import (
	"container/list"
	"context"
	"sync"

	"github.com/streamfront/streamfront/internal/edge/media"
	"github.com/streamfront/streamfront/internal/edge/origin"
)

// maxAssets bounds the parsed sample tables kept in memory.
const maxAssets = 256

// assets parses each object version once and shares the index among viewers.
type assets struct {
	cache *origin.Cache

	mu      sync.Mutex
	entries map[assetKey]*list.Element
	lru     *list.List // of *assetEntry
}

type assetKey struct {
	bucket, key, etag, format string
}

type assetEntry struct {
	key   assetKey
	ready chan struct{}
	asset *media.Asset
	err   error
}

func newAssets(c *origin.Cache) *assets {
	return &assets{cache: c, entries: map[assetKey]*list.Element{}, lru: list.New()}
}

// open returns the index of bucket/key read as format and a reader of the
// object's bytes. Errors: origin.ErrNotFound, media.ErrUnsupported.
func (a *assets) open(ctx context.Context, bucket, key, format string) (*media.Asset, *origin.Object, error) {
	info, err := a.cache.Stat(ctx, bucket, key)
	if err != nil {
		return nil, nil, err
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
			return nil, nil, ctx.Err()
		}
		return e.asset, obj, e.err
	}
	e := &assetEntry{key: k, ready: make(chan struct{})}
	a.entries[k] = a.lru.PushFront(e)
	for a.lru.Len() > maxAssets {
		old := a.lru.Back()
		a.lru.Remove(old)
		delete(a.entries, old.Value.(*assetEntry).key)
	}
	a.mu.Unlock()

	// Parse detached from this viewer: others may be waiting for the index.
	parseObj := a.cache.Object(context.WithoutCancel(ctx), bucket, key, info)
	e.asset, e.err = media.Parse(format, parseObj, info.Size)
	if e.err != nil {
		a.mu.Lock()
		if cur, ok := a.entries[k]; ok && cur.Value == e {
			a.lru.Remove(cur)
			delete(a.entries, k)
		}
		a.mu.Unlock()
	}
	close(e.ready)
	return e.asset, obj, e.err
}
