package origin

import (
	"context"
	"errors"
	"time"
)

// StatTTL is how long the cache trusts an object's version (or its absence)
// before asking the origin again: viewers joining together cost one HEAD,
// and a replaced object is served within StatTTL.
const StatTTL = 5 * time.Second

// maxStats bounds the remembered versions; beyond it they are all dropped.
const maxStats = 10000

type statKey struct{ bucket, key string }

type statEntry struct {
	done    chan struct{}
	info    Info
	err     error
	expires time.Time
}

// Stat returns the current version of bucket/key, asking the origin at most
// once per StatTTL (concurrent callers share one request). Only ErrNotFound
// is remembered among errors.
func (c *Cache) Stat(ctx context.Context, bucket, key string) (Info, error) {
	k := statKey{bucket, key}
	c.mu.Lock()
	e, ok := c.stats[k]
	if ok {
		select {
		case <-e.done:
			if time.Now().After(e.expires) {
				ok = false
			}
		default: // in flight: share it
		}
	}
	if !ok {
		if len(c.stats) >= maxStats {
			clear(c.stats)
		}
		e = &statEntry{done: make(chan struct{})}
		c.stats[k] = e
		c.mu.Unlock()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		e.info, e.err = c.origin.Stat(sctx, bucket, key)
		cancel()
		e.expires = time.Now().Add(StatTTL)
		if e.err != nil && !errors.Is(e.err, ErrNotFound) {
			e.expires = time.Time{} // transient: the next caller asks again
		}
		close(e.done)
		return e.info, e.err
	}
	c.mu.Unlock()
	select {
	case <-e.done:
		return e.info, e.err
	case <-ctx.Done():
		return Info{}, ctx.Err()
	}
}
