package edge

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/streamfront/streamfront/internal/store"
)

// Follower is the Router of an edge that follows a (possibly shared) store:
// it caches host lookups, and each poll applies the configuration versions
// that are not yet deployed everywhere by dropping its cache, then reports
// them with a heartbeat. A distribution is Deployed once every live edge
// has reported its latest version (cloudfront.EdgeGate).
//
// Dropping the whole cache on any change keeps one rule simple and correct:
// a host that moved between distributions, a new distribution taking a host
// that was unknown, a disabled one — all are re-read from the store.
type Follower struct {
	store    FollowedStore
	suffixes []string
	edgeID   string
	interval time.Duration
	log      *slog.Logger

	lastBeat time.Time // of the last heartbeat, by Run or Sync; guarded by mu

	mu      sync.Mutex
	gen     uint64            // incremented by each cache drop
	hosts   map[string]*Route // nil value: no distribution has the host
	applied map[string]int64  // pending distribution → version applied here
	changed chan struct{}     // closed (and replaced) by each cache drop
}

// FollowedStore is what a Follower reads and writes of the store.
type FollowedStore interface {
	HostFinder
	// ListPending returns every distribution whose latest version is not
	// yet deployed.
	ListPending(ctx context.Context) ([]store.Pending, error)
	// EdgeHeartbeat records that edgeID is alive and has applied these
	// versions (distribution id → version).
	EdgeHeartbeat(ctx context.Context, edgeID string, at time.Time, applied map[string]int64) error
}

// maxCachedHosts bounds the host cache (unknown hosts are cached too).
const maxCachedHosts = 100000

// HeartbeatEvery is how often a running Follower reports when nothing
// changed (it reports at once when it applies a new version). The API's
// live window must be a few times longer.
const HeartbeatEvery = time.Second

// NewFollower returns a Follower reporting as edgeID every interval.
func NewFollower(st FollowedStore, originSuffixes []string, edgeID string, interval time.Duration, log *slog.Logger) *Follower {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Follower{store: st, suffixes: originSuffixes, edgeID: edgeID, interval: interval, log: log,
		hosts: map[string]*Route{}, applied: map[string]int64{}, changed: make(chan struct{})}
}

// Changed returns a channel closed when the Follower next applies a new
// configuration version: the edge's current plays re-check their route
// then (see reroute.go), so a disabled distribution stops playing.
func (f *Follower) Changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

// Route implements Router.
func (f *Follower) Route(ctx context.Context, host string) (*Route, error) {
	f.mu.Lock()
	r, ok := f.hosts[host]
	gen := f.gen
	f.mu.Unlock()
	if !ok {
		var err error
		r, err = StoreRouter{Store: f.store, OriginSuffixes: f.suffixes}.Route(ctx, host)
		if err != nil && !errors.Is(err, ErrNoRoute) {
			return nil, err
		}
		f.mu.Lock()
		// A lookup that raced with a cache drop may have read the old
		// configuration: serve it this once, but do not keep it.
		if f.gen == gen {
			if len(f.hosts) >= maxCachedHosts {
				clear(f.hosts)
			}
			f.hosts[host] = r
		}
		f.mu.Unlock()
	}
	if r == nil {
		return nil, ErrNoRoute
	}
	return r, nil
}

// Run polls every interval and heart-beats (at once after applying a new
// version, else every HeartbeatEvery) until ctx ends.
func (f *Follower) Run(ctx context.Context) {
	t := time.NewTicker(f.interval)
	defer t.Stop()
	for {
		f.mu.Lock()
		beat := time.Since(f.lastBeat) >= HeartbeatEvery
		f.mu.Unlock()
		if err := f.poll(ctx, beat); err != nil && ctx.Err() == nil {
			f.log.Warn("edge sync", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sync applies the pending configuration versions and reports them.
func (f *Follower) Sync(ctx context.Context) error { return f.poll(ctx, true) }

// poll applies the pending versions; it reports them when beat is set or
// when it applied one.
func (f *Follower) poll(ctx context.Context, beat bool) error {
	pending, err := f.store.ListPending(ctx)
	if err != nil {
		return err
	}
	report := make(map[string]int64, len(pending))
	f.mu.Lock()
	// The API deploys without an edge it has not heard from within its live
	// window (--edge-live, at least two heartbeats): after a silence that
	// long, versions this edge never applied may no longer be pending, so
	// everything is re-read.
	stale := !f.lastBeat.IsZero() && time.Since(f.lastBeat) >= 2*HeartbeatEvery
	for _, p := range pending {
		if f.applied[p.ID] < p.Version {
			stale = true
		}
		report[p.ID] = p.Version
	}
	if stale {
		clear(f.hosts)
		f.gen++
		close(f.changed)
		f.changed = make(chan struct{})
	}
	f.applied = report // deployed distributions need no more reports
	f.mu.Unlock()
	if !beat && !stale {
		return nil
	}
	now := time.Now()
	if err := f.store.EdgeHeartbeat(ctx, f.edgeID, now, report); err != nil {
		return err
	}
	f.mu.Lock()
	f.lastBeat = now
	f.mu.Unlock()
	return nil
}
