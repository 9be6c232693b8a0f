package edge

import (
	"context"
	"errors"

	cf "github.com/streamfront/streamfront/internal/cloudfront"
	"github.com/streamfront/streamfront/internal/store"
)

// ErrNoRoute: no distribution has this host as DomainName or Alias.
var ErrNoRoute = errors.New("edge: no distribution for host")

// Route is the configuration of the distribution a host selects.
type Route struct {
	DistributionID string
	Account        string
	DomainName     string
	Version        int64
	Enabled        bool
	Bucket         string // origin bucket, from S3Origin.DomainName
	Config         cf.StreamingDistributionConfig
}

// Router finds the distribution of a host.
type Router interface {
	// Route returns ErrNoRoute for an unknown host.
	Route(ctx context.Context, host string) (*Route, error)
}

// HostFinder is what a StoreRouter reads of the store.
type HostFinder interface {
	// FindDistributionByHost returns the distribution whose DomainName or
	// one of whose Aliases is host; store.ErrNotFound if none.
	FindDistributionByHost(ctx context.Context, host string) (*store.Distribution, error)
}

// StoreRouter looks every host up in the store: changes apply immediately.
type StoreRouter struct {
	Store          HostFinder
	OriginSuffixes []string // as the API's --origin-suffixes
}

// Route implements Router.
func (r StoreRouter) Route(ctx context.Context, host string) (*Route, error) {
	d, err := r.Store.FindDistributionByHost(ctx, host)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoRoute
	}
	if err != nil {
		return nil, err
	}
	return routeOf(d, r.OriginSuffixes)
}

// routeOf decodes a stored distribution into a Route.
func routeOf(d *store.Distribution, suffixes []string) (*Route, error) {
	cfg, err := cf.DecodeConfig(d)
	if err != nil {
		return nil, err
	}
	bucket, _ := cf.S3Bucket(cfg.S3Origin.DomainName, suffixes)
	return &Route{
		DistributionID: d.ID, Account: d.Account, DomainName: d.DomainName,
		Version: d.Version, Enabled: d.Enabled, Bucket: bucket, Config: cfg,
	}, nil
}
