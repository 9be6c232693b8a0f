package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/streamfront/streamfront/internal/store"
)

// InstrumentStore wraps s so that the latency and outcome of every data call
// is recorded. The edges' heartbeat calls and Ping pass through unmeasured.
func (r *Registry) InstrumentStore(s store.Store) store.Store {
	return &timedStore{Store: s, h: r.storeDuration}
}

type timedStore struct {
	store.Store
	h *prometheus.HistogramVec
}

// done records a call; outcome "rejected" is a contract error (not found,
// conflict…), "error" anything else.
func (t *timedStore) done(method string, start time.Time, err *error) {
	outcome := "ok"
	if e := *err; e != nil {
		outcome = "error"
		var ac *store.AliasConflictError
		for _, want := range []error{store.ErrNotFound, store.ErrPreconditionFailed, store.ErrCallerReferenceExists,
			store.ErrQuotaExceeded, store.ErrOAINotFound, store.ErrInUse, store.ErrTooManyTags} {
			if errors.Is(e, want) {
				outcome = "rejected"
			}
		}
		if errors.As(e, &ac) {
			outcome = "rejected"
		}
	}
	t.h.WithLabelValues(method, outcome).Observe(time.Since(start).Seconds())
}

func (t *timedStore) CreateDistribution(ctx context.Context, d *store.Distribution, tags []store.Tag, quota int) (err error) {
	defer t.done("CreateDistribution", time.Now(), &err)
	return t.Store.CreateDistribution(ctx, d, tags, quota)
}

func (t *timedStore) GetDistribution(ctx context.Context, account, id string) (_ *store.Distribution, err error) {
	defer t.done("GetDistribution", time.Now(), &err)
	return t.Store.GetDistribution(ctx, account, id)
}

func (t *timedStore) ListDistributions(ctx context.Context, account, marker string, limit int) (_ []*store.Distribution, err error) {
	defer t.done("ListDistributions", time.Now(), &err)
	return t.Store.ListDistributions(ctx, account, marker, limit)
}

func (t *timedStore) UpdateDistribution(ctx context.Context, d *store.Distribution, ifMatch string) (err error) {
	defer t.done("UpdateDistribution", time.Now(), &err)
	return t.Store.UpdateDistribution(ctx, d, ifMatch)
}

func (t *timedStore) DeleteDistribution(ctx context.Context, account, id, ifMatch string) (err error) {
	defer t.done("DeleteDistribution", time.Now(), &err)
	return t.Store.DeleteDistribution(ctx, account, id, ifMatch)
}

func (t *timedStore) FindDistributionByHost(ctx context.Context, host string) (_ *store.Distribution, err error) {
	defer t.done("FindDistributionByHost", time.Now(), &err)
	return t.Store.FindDistributionByHost(ctx, host)
}

func (t *timedStore) CreateOAI(ctx context.Context, o *store.OAI, quota int) (err error) {
	defer t.done("CreateOAI", time.Now(), &err)
	return t.Store.CreateOAI(ctx, o, quota)
}

func (t *timedStore) GetOAI(ctx context.Context, account, id string) (_ *store.OAI, err error) {
	defer t.done("GetOAI", time.Now(), &err)
	return t.Store.GetOAI(ctx, account, id)
}

func (t *timedStore) UpdateOAI(ctx context.Context, o *store.OAI, ifMatch string) (err error) {
	defer t.done("UpdateOAI", time.Now(), &err)
	return t.Store.UpdateOAI(ctx, o, ifMatch)
}

func (t *timedStore) DeleteOAI(ctx context.Context, account, id, ifMatch string) (err error) {
	defer t.done("DeleteOAI", time.Now(), &err)
	return t.Store.DeleteOAI(ctx, account, id, ifMatch)
}

func (t *timedStore) TagDistribution(ctx context.Context, account, id string, tags []store.Tag, maxTags int) (err error) {
	defer t.done("TagDistribution", time.Now(), &err)
	return t.Store.TagDistribution(ctx, account, id, tags, maxTags)
}

func (t *timedStore) ListOAIs(ctx context.Context, account, marker string, limit int) (_ []*store.OAI, err error) {
	defer t.done("ListOAIs", time.Now(), &err)
	return t.Store.ListOAIs(ctx, account, marker, limit)
}

func (t *timedStore) ListTags(ctx context.Context, account, id string) (_ []store.Tag, err error) {
	defer t.done("ListTags", time.Now(), &err)
	return t.Store.ListTags(ctx, account, id)
}

func (t *timedStore) UntagDistribution(ctx context.Context, account, id string, keys []string) (err error) {
	defer t.done("UntagDistribution", time.Now(), &err)
	return t.Store.UntagDistribution(ctx, account, id, keys)
}

func (t *timedStore) ListPending(ctx context.Context) (_ []store.Pending, err error) {
	defer t.done("ListPending", time.Now(), &err)
	return t.Store.ListPending(ctx)
}

func (t *timedStore) MarkDeployed(ctx context.Context, id string, version int64) (err error) {
	defer t.done("MarkDeployed", time.Now(), &err)
	return t.Store.MarkDeployed(ctx, id, version)
}
