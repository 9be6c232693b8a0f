package sqlite

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/streamfront/streamfront/internal/store"
)

// readCache keeps the distributions this process has read, so that a
// repeated GetDistribution costs a map lookup instead of a SQLite read
// transaction (38 % of a Get's CPU in bench/apiload's profile), and the
// last ListPending answer, which the deployer and the edge's follower ask
// for several times a second (two thirds of an idle serve's CPU).
//
// It is exact, not eventually consistent: it serves only a Store opened
// with OpenOwner, whose lock file guarantees that every write to the
// distributions of the database goes through this Store's writer (other
// processes on the same directory, `streamfront edge`, write only edge
// heartbeats). The writer calls beginWrite before a batch and endWrite
// after it commits or rolls back; while a write is in flight nothing is
// served from the cache, and an entry filled before or during a write is
// never served after it (its generation is old). So a read that starts after
// a write was acknowledged always sees it.
type readCache struct {
	inflight atomic.Int64 // write batches between beginWrite and endWrite
	gen      atomic.Int64 // bumped at the start and end of every write batch

	mu         sync.Mutex
	entries    map[distKey]cachedDist
	pending    []store.Pending
	pendingGen int64 // generation pending was read at; 0 for none (generations start at 1)
}

type distKey struct{ account, id string }

type cachedDist struct {
	gen int64
	d   store.Distribution
}

// maxCached bounds the entries; beyond it the cache starts afresh (the
// whole cache is invalidated by every write anyway).
const maxCached = 10000

func newReadCache() *readCache {
	c := &readCache{entries: map[distKey]cachedDist{}}
	c.gen.Store(1)
	return c
}

// The methods of a nil *readCache do nothing: a Store opened with Open
// reads the database every time.

func (c *readCache) beginWrite() {
	if c != nil {
		c.inflight.Add(1)
		c.gen.Add(1)
	}
}

func (c *readCache) endWrite() {
	if c != nil {
		c.gen.Add(1)
		c.inflight.Add(-1)
	}
}

// get returns a copy of the cached distribution, if it is current.
func (c *readCache) get(account, id string) (*store.Distribution, bool) {
	if c == nil || c.inflight.Load() != 0 {
		return nil, false
	}
	g := c.gen.Load()
	c.mu.Lock()
	e, ok := c.entries[distKey{account, id}]
	c.mu.Unlock()
	if !ok || e.gen != g {
		return nil, false
	}
	d := e.d
	return &d, true
}

// start returns the token a reader passes to put after reading the
// database: the generation, or -1 when a write is in flight.
func (c *readCache) start() int64 {
	if c == nil {
		return -1
	}
	g := c.gen.Load()
	if c.inflight.Load() != 0 {
		return -1
	}
	return g
}

// put records d as read under token, unless a write began since.
func (c *readCache) put(token int64, d *store.Distribution) {
	if c == nil || token < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != token {
		return
	}
	if len(c.entries) >= maxCached {
		clear(c.entries)
	}
	c.entries[distKey{d.Account, d.ID}] = cachedDist{gen: token, d: *d}
}

// getPending returns a copy of the cached ListPending answer, if current.
func (c *readCache) getPending() ([]store.Pending, bool) {
	if c == nil || c.inflight.Load() != 0 {
		return nil, false
	}
	g := c.gen.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pendingGen != g {
		return nil, false
	}
	return slices.Clone(c.pending), true
}

// putPending records a ListPending answer read under token, unless a write
// began since.
func (c *readCache) putPending(token int64, p []store.Pending) {
	if c == nil || token < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != token {
		return
	}
	c.pending, c.pendingGen = slices.Clone(p), token
}
