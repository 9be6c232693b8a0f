// Package memo caches values derived from keys that name immutable content
// (an Id with its ETag, say), so an entry can never be stale and needs no
// invalidation. The cache is bounded: it starts afresh when full.
package memo

import "sync"

// Cache maps K to the value computed for it. The zero value is not usable;
// use New.
type Cache[K comparable, V any] struct {
	mu  sync.RWMutex
	m   map[K]V
	max int
}

// New returns a cache of at most max entries.
func New[K comparable, V any](max int) *Cache[K, V] {
	return &Cache[K, V]{m: make(map[K]V), max: max}
}

// Get returns the value for k, computing and keeping it on a miss. Errors
// are not kept. Concurrent misses on one key may compute it more than once.
func (c *Cache[K, V]) Get(k K, compute func() (V, error)) (V, error) {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return v, nil
	}
	v, err := compute()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		c.m = make(map[K]V)
	}
	c.m[k] = v
	c.mu.Unlock()
	return v, nil
}
