package cloudfront

import (
	"context"
	"time"

	"github.com/streamfront/streamfront/internal/store"
)

// DeployGate decides whether a pending configuration version counts as
// deployed. The default is a propagation timer; the RTMP edge replaces it
// with "every live edge has applied this version".
type DeployGate func(ctx context.Context, p store.Pending) (bool, error)

// DelayGate deploys a version once delay has passed since it was written.
func DelayGate(delay time.Duration, now func() time.Time) DeployGate {
	return func(_ context.Context, p store.Pending) (bool, error) {
		return !now().Before(p.ModifiedAt.Add(delay)), nil
	}
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
	for _, p := range pending {
		ok, err := gate(ctx, p)
		if err != nil {
			return err
		}
		if ok {
			if err := s.store.MarkDeployed(ctx, p.ID, p.Version); err != nil {
				return err
			}
		}
	}
	return nil
}
