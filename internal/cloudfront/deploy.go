package cloudfront

import (
	"context"
	"sync"
	"time"

	"github.com/streamfront/streamfront/internal/store"
)

// DeployGate decides whether a pending configuration version counts as
// deployed: a propagation timer (DelayGate), "every live RTMP edge has
// applied this version" (EdgeGate), or both (AllGates), as serve runs it.
type DeployGate func(ctx context.Context, p store.Pending) (bool, error)

// DelayGate deploys a version once delay has passed since it was written.
func DelayGate(delay time.Duration, now func() time.Time) DeployGate {
	return func(_ context.Context, p store.Pending) (bool, error) {
		return !now().Before(p.ModifiedAt.Add(delay)), nil
	}
}

// EdgeHeartbeats is what EdgeGate reads of the store: the RTMP edges'
// reports of the versions they applied.
type EdgeHeartbeats interface {
	// EdgesBehind returns the edges seen at or after since that have not
	// applied version (or a later one) of distribution id.
	EdgesBehind(ctx context.Context, id string, version int64, since time.Time) ([]string, error)
}

// EdgeGate deploys a pending version once every edge that heart-beat within
// live has applied it. With no live edge it deploys at once (API-only mode).
func EdgeGate(edges EdgeHeartbeats, live time.Duration, now func() time.Time) DeployGate {
	return func(ctx context.Context, p store.Pending) (bool, error) {
		behind, err := edges.EdgesBehind(ctx, p.ID, p.Version, now().Add(-live))
		return len(behind) == 0, err
	}
}

// AllGates deploys when every gate agrees.
func AllGates(gates ...DeployGate) DeployGate {
	return func(ctx context.Context, p store.Pending) (bool, error) {
		for _, g := range gates {
			if ok, err := g(ctx, p); !ok || err != nil {
				return false, err
			}
		}
		return true, nil
	}
}

// DeployTick is how often the deployer looks for pending versions with a
// propagation delay of delay: often enough that Deployed shows soon after
// the delay, seldom enough that scanning many pending rows stays cheap.
func DeployTick(delay time.Duration) time.Duration {
	return min(max(delay/4, 20*time.Millisecond), 500*time.Millisecond)
}

// RunDeployer marks pending versions Deployed when gate allows, every tick,
// until ctx ends. It is idempotent, so every node sharing a store may run it.
func (s *Service) RunDeployer(ctx context.Context, tick time.Duration, gate DeployGate) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if err := s.deployPending(ctx, gate); err != nil && ctx.Err() == nil {
			s.opts.Logger.Warn("deployer", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) deployPending(ctx context.Context, gate DeployGate) error {
	pending, err := s.store.ListPending(ctx)
	if err != nil {
		return err
	}
	var ready []store.Pending
	for _, p := range pending {
		ok, err := gate(ctx, p)
		if err != nil {
			return err
		}
		if ok {
			ready = append(ready, p)
		}
	}
	return s.markDeployed(ctx, ready)
}

// markDeployed marks versions deployed from several goroutines at once, so
// that a store with group commit writes them in a few commits, not one
// fsync each.
func (s *Service) markDeployed(ctx context.Context, ready []store.Pending) error {
	const workers = 32
	next := make(chan store.Pending)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range min(workers, len(ready)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				if err := s.store.MarkDeployed(ctx, p.ID, p.Version); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for _, p := range ready {
		select {
		case next <- p:
		case err := <-errs:
			close(next)
			wg.Wait()
			return err
		}
	}
	close(next)
	wg.Wait()
	close(errs)
	return <-errs
}
