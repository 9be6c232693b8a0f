// Package store persists streamfront's resources. It knows nothing of HTTP or
// AWS error codes: each method documents the sentinel error it must return, and
// the domain (internal/cloudfront) translates those into CloudFront errors.
//
// Invariants that must hold across processes (alias uniqueness, CallerReference
// uniqueness, ETag compare-and-swap, quotas, OAI in-use checks) are enforced
// inside the implementation's transactions, never in the caller's memory.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Errors every implementation returns, matched with errors.Is.
var (
	// ErrNotFound: the resource does not exist in the given account.
	ErrNotFound = errors.New("store: not found")
	// ErrPreconditionFailed: the If-Match ETag is not the current one.
	ErrPreconditionFailed = errors.New("store: etag does not match")
	// ErrCallerReferenceExists: the account already used this CallerReference.
	ErrCallerReferenceExists = errors.New("store: caller reference already used")
	// ErrQuotaExceeded: creating would exceed the account's quota.
	ErrQuotaExceeded = errors.New("store: quota exceeded")
	// ErrOAINotFound: a distribution names an OAI the account does not have.
	ErrOAINotFound = errors.New("store: origin access identity not found")
	// ErrInUse: the OAI is referenced by a streaming distribution.
	ErrInUse = errors.New("store: in use")
	// ErrTooManyTags: the resource would carry more tags than allowed.
	ErrTooManyTags = errors.New("store: too many tags")
)

// AliasConflictError reports an alias (CNAME) already held by another
// distribution, in any account.
type AliasConflictError struct{ Alias string }

func (e *AliasConflictError) Error() string {
	return fmt.Sprintf("store: alias %q already in use", e.Alias)
}

// Distribution is a streaming distribution as stored. Config is opaque to the
// store (the domain's encoding of StreamingDistributionConfig); the other
// fields are the columns the store needs to enforce invariants and to look
// distributions up.
type Distribution struct {
	Account         string
	ID              string
	ETag            string
	Version         int64 // starts at 1, +1 on each update
	DeployedVersion int64 // highest version known applied everywhere
	CallerReference string
	DomainName      string
	Aliases         []string // as configured; uniqueness is case-insensitive
	OAIID           string   // "" when the distribution uses no OAI
	Enabled         bool
	Config          []byte
	CreatedAt       time.Time // stores keep times to the microsecond at least, in UTC
	ModifiedAt      time.Time
}

// OAI is a CloudFront origin access identity.
type OAI struct {
	Account           string
	ID                string
	ETag              string
	CallerReference   string
	S3CanonicalUserID string
	Comment           string
	CreatedAt         time.Time
}

// Tag is a resource tag.
type Tag struct {
	Key   string
	Value string
}

// Pending is a distribution whose latest version is not yet deployed.
type Pending struct {
	ID         string
	Version    int64
	ModifiedAt time.Time
}

// Store is implemented by the SQLite and PostgreSQL backends. All methods are
// safe for concurrent use, also by several processes sharing one database.
type Store interface {
	// CreateDistribution inserts d with its tags. Errors: ErrCallerReferenceExists,
	// *AliasConflictError, ErrOAINotFound (d.OAIID not in d.Account),
	// ErrQuotaExceeded (account already holds quota distributions).
	CreateDistribution(ctx context.Context, d *Distribution, tags []Tag, quota int) error
	// GetDistribution returns ErrNotFound unless id exists in account.
	GetDistribution(ctx context.Context, account, id string) (*Distribution, error)
	// ListDistributions returns up to limit distributions of account with
	// ID > marker, ordered by ID.
	ListDistributions(ctx context.Context, account, marker string, limit int) ([]*Distribution, error)
	// UpdateDistribution replaces the mutable fields of the stored distribution
	// d.ID if its ETag is ifMatch, sets the new d.ETag, increments Version
	// (written back into d) and ModifiedAt. Errors: ErrNotFound,
	// ErrPreconditionFailed, *AliasConflictError, ErrOAINotFound.
	UpdateDistribution(ctx context.Context, d *Distribution, ifMatch string) error
	// DeleteDistribution deletes id and its tags if its ETag is ifMatch.
	// Errors: ErrNotFound, ErrPreconditionFailed.
	DeleteDistribution(ctx context.Context, account, id, ifMatch string) error
	// FindDistributionByHost returns the distribution whose DomainName or one
	// of whose Aliases equals host (case-insensitive), in any account.
	// Errors: ErrNotFound.
	FindDistributionByHost(ctx context.Context, host string) (*Distribution, error)
	// ListPending returns every distribution with DeployedVersion < Version.
	ListPending(ctx context.Context) ([]Pending, error)
	// MarkDeployed raises DeployedVersion of id to version (never lowers it,
	// never above the current Version).
	MarkDeployed(ctx context.Context, id string, version int64) error

	// EdgeHeartbeat records that the RTMP edge edgeID is alive at `at` and has
	// applied the given versions of distributions (id → version). A lower
	// version never replaces a higher one; ids of deleted distributions are
	// ignored. Edges not seen for a day are forgotten.
	EdgeHeartbeat(ctx context.Context, edgeID string, at time.Time, applied map[string]int64) error
	// EdgesBehind returns, in ID order, the edges seen at or after since that
	// have not applied version (or a later one) of distribution id.
	EdgesBehind(ctx context.Context, id string, version int64, since time.Time) ([]string, error)

	// CreateOAI errors: ErrCallerReferenceExists, ErrQuotaExceeded.
	CreateOAI(ctx context.Context, o *OAI, quota int) error
	// GetOAI errors: ErrNotFound.
	GetOAI(ctx context.Context, account, id string) (*OAI, error)
	// ListOAIs: as ListDistributions.
	ListOAIs(ctx context.Context, account, marker string, limit int) ([]*OAI, error)
	// UpdateOAI sets Comment and the new ETag if the ETag is ifMatch.
	// Errors: ErrNotFound, ErrPreconditionFailed.
	UpdateOAI(ctx context.Context, o *OAI, ifMatch string) error
	// DeleteOAI errors: ErrNotFound, ErrPreconditionFailed, ErrInUse.
	DeleteOAI(ctx context.Context, account, id, ifMatch string) error

	// ListTags errors: ErrNotFound (no such distribution in account).
	ListTags(ctx context.Context, account, id string) ([]Tag, error)
	// TagDistribution adds or overwrites tags. Errors: ErrNotFound, ErrTooManyTags.
	TagDistribution(ctx context.Context, account, id string, tags []Tag, maxTags int) error
	// UntagDistribution removes the keys (absent keys are ignored). Errors: ErrNotFound.
	UntagDistribution(ctx context.Context, account, id string, keys []string) error

	// Ping reports whether the store is usable.
	Ping(ctx context.Context) error
	Close() error
}
