// Package storetest is the one conformance suite every store.Store
// implementation must pass. Each behaviour is a subtest on a fresh store made
// by the implementation's constructor, so a failure names the behaviour and
// the suite runs unchanged against SQLite, PostgreSQL and any future store.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) func() store.Store {
//			db := createEmptyDatabase(t)
//			return func() store.Store { return openHandle(t, db) }
//		})
//	}
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/store"
)

// Factory creates a new, empty database that is removed when t ends, and
// returns a function that opens a handle onto it. Each call opens another
// handle onto the same database, as another process (another node) would;
// handles are closed when t ends.
type Factory func(t *testing.T) (open func() store.Store)

type behaviour struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// twoHandleBehaviour gets two handles onto one database, so that its racers
// contend as separate processes do, not only as goroutines of one.
type twoHandleBehaviour struct {
	name string
	run  func(t *testing.T, s, other store.Store)
}

func allBehaviours() []behaviour {
	return slices.Concat(distributionBehaviours, aliasBehaviours, oaiBehaviours, tagBehaviours, edgeBehaviours)
}

// Run runs every behaviour as a parallel subtest, each on its own database.
func Run(t *testing.T, newDB Factory) {
	RunSingle(t, newDB)
	RunConcurrent(t, newDB)
}

// RunSingle runs the behaviours that use one handle: for a store that must
// be the only writer of its database (sqlite.OpenOwner).
func RunSingle(t *testing.T, newDB Factory) {
	for _, b := range allBehaviours() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			b.run(t, newDB(t)())
		})
	}
}

// RunConcurrent runs the behaviours that race two handles onto one database.
func RunConcurrent(t *testing.T, newDB Factory) {
	for _, b := range concurrencyBehaviours {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			open := newDB(t)
			b.run(t, open(), open())
		})
	}
}

// Accounts used by the behaviours.
const (
	acctA = "111111111111"
	acctB = "222222222222"
)

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newID returns a CloudFront-shaped id ("E" and 13 upper-case alphanumerics).
func newID() string {
	b := make([]byte, 13)
	rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return "E" + string(b)
}

// now is a timestamp at the millisecond precision the domain stores.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// newDist returns a valid, not yet stored distribution of account.
func newDist(account string, aliases ...string) *store.Distribution {
	id := newID()
	t := now()
	return &store.Distribution{
		Account: account, ID: id, ETag: newID(), Version: 1,
		CallerReference: "ref-" + id, DomainName: strings.ToLower("s" + id[1:] + ".cloudfront.net"),
		Aliases: aliases, Enabled: true, Config: []byte(`{"comment":"` + id + `"}`),
		CreatedAt: t, ModifiedAt: t,
	}
}

// newOAI returns a valid, not yet stored OAI of account.
func newOAI(account string) *store.OAI {
	id := newID()
	return &store.OAI{Account: account, ID: id, ETag: newID(), CallerReference: "ref-" + id,
		S3CanonicalUserID: strings.Repeat("c", 96), Comment: "oai " + id, CreatedAt: now()}
}

const quota = 100

func ctx(t *testing.T) context.Context { return t.Context() }

func mustCreate(t *testing.T, s store.Store, d *store.Distribution, tags ...store.Tag) {
	t.Helper()
	if err := s.CreateDistribution(ctx(t), d, tags, quota); err != nil {
		t.Fatalf("CreateDistribution(%s): %v", d.ID, err)
	}
}

func mustCreateOAI(t *testing.T, s store.Store, o *store.OAI) {
	t.Helper()
	if err := s.CreateOAI(ctx(t), o, quota); err != nil {
		t.Fatalf("CreateOAI(%s): %v", o.ID, err)
	}
}

func mustGet(t *testing.T, s store.Store, account, id string) *store.Distribution {
	t.Helper()
	d, err := s.GetDistribution(ctx(t), account, id)
	if err != nil {
		t.Fatalf("GetDistribution(%s): %v", id, err)
	}
	return d
}

// wantErr fails unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantAliasConflict fails unless err is an *AliasConflictError naming alias.
func wantAliasConflict(t *testing.T, what string, err error, alias string) {
	t.Helper()
	var ac *store.AliasConflictError
	if !errors.As(err, &ac) {
		t.Fatalf("%s: got error %v, want *store.AliasConflictError", what, err)
	}
	if alias != "" && ac.Alias != alias {
		t.Fatalf("%s: conflict names alias %q, want %q", what, ac.Alias, alias)
	}
}

// sameDist fails unless got has every field of want (nil and empty alias
// lists are the same).
func sameDist(t *testing.T, got, want *store.Distribution) {
	t.Helper()
	if got.Account != want.Account || got.ID != want.ID || got.ETag != want.ETag ||
		got.Version != want.Version || got.DeployedVersion != want.DeployedVersion ||
		got.CallerReference != want.CallerReference || got.DomainName != want.DomainName ||
		got.OAIID != want.OAIID || got.Enabled != want.Enabled || !bytes.Equal(got.Config, want.Config) ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.ModifiedAt.Equal(want.ModifiedAt) ||
		!slices.Equal(got.Aliases, want.Aliases) {
		t.Fatalf("distribution differs:\n got  %+v\n want %+v", *got, *want)
	}
}

func sameOAI(t *testing.T, got, want *store.OAI) {
	t.Helper()
	if got.Account != want.Account || got.ID != want.ID || got.ETag != want.ETag ||
		got.CallerReference != want.CallerReference || got.S3CanonicalUserID != want.S3CanonicalUserID ||
		got.Comment != want.Comment || !got.CreatedAt.Equal(want.CreatedAt) {
		t.Fatalf("OAI differs:\n got  %+v\n want %+v", *got, *want)
	}
}

func distIDs(ds []*store.Distribution) []string {
	var ids []string
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	return ids
}

func oaiIDs(os []*store.OAI) []string {
	var ids []string
	for _, o := range os {
		ids = append(ids, o.ID)
	}
	return ids
}

// pages walks list page by page (limit items each) and returns the ids in
// the order seen and the size of every page.
func pages(t *testing.T, limit int, list func(marker string, limit int) ([]string, error)) (ids []string, sizes []int) {
	t.Helper()
	marker := ""
	for range 100 {
		page, err := list(marker, limit)
		noErr(t, "list", err)
		sizes = append(sizes, len(page))
		if len(page) == 0 {
			return ids, sizes
		}
		ids = append(ids, page...)
		marker = page[len(page)-1]
	}
	t.Fatal("pagination does not end")
	return nil, nil
}
