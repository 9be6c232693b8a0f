package storetest

import (
	"testing"

	"github.com/streamfront/streamfront/internal/store"
)

var aliasBehaviours = []behaviour{
	{"Alias/UniqueCaseInsensitivelyAcrossAccounts", func(t *testing.T, s store.Store) {
		mustCreate(t, s, newDist(acctA, "Shared.Example.com"))
		for _, acct := range []string{acctA, acctB} {
			d := newDist(acct, "free.example.com", "shared.EXAMPLE.com")
			wantAliasConflict(t, "create in "+acct, s.CreateDistribution(ctx(t), d, nil, quota), "shared.EXAMPLE.com")
			_, err := s.GetDistribution(ctx(t), acct, d.ID)
			wantErr(t, "refused create left a row", err, store.ErrNotFound)
		}
		// The refused creates did not keep their other alias.
		mustCreate(t, s, newDist(acctB, "FREE.example.com"))
	}},
	{"Alias/UpdateCannotTakeAnotherDistributionsAlias", func(t *testing.T, s store.Store) {
		mustCreate(t, s, newDist(acctB, "taken.example.com"))
		d := newDist(acctA, "mine.example.com")
		mustCreate(t, s, d)
		u := *d
		u.ETag, u.Aliases = newID(), []string{"mine.example.com", "TAKEN.example.com"}
		wantAliasConflict(t, "update", s.UpdateDistribution(ctx(t), &u, d.ETag), "TAKEN.example.com")
		sameDist(t, mustGet(t, s, acctA, d.ID), d)
	}},
	{"Alias/UpdateKeepsAndRecasesItsOwnAliases", func(t *testing.T, s store.Store) {
		d := newDist(acctA, "a.example.com", "b.example.com")
		mustCreate(t, s, d)
		u := *d
		u.ETag, u.Aliases = newID(), []string{"B.example.com", "a.example.com", "c.example.com"}
		noErr(t, "update", s.UpdateDistribution(ctx(t), &u, d.ETag))
		sameDist(t, mustGet(t, s, acctA, d.ID), &u)
	}},
	{"Alias/FreedByUpdate", func(t *testing.T, s store.Store) {
		d := newDist(acctA, "moving.example.com")
		mustCreate(t, s, d)
		u := *d
		u.ETag, u.Aliases = newID(), []string{"stays.example.com"}
		noErr(t, "update", s.UpdateDistribution(ctx(t), &u, d.ETag))
		mustCreate(t, s, newDist(acctB, "Moving.example.com"))
		wantAliasConflict(t, "create with the kept alias", s.CreateDistribution(ctx(t), newDist(acctB, "stays.example.com"), nil, quota), "stays.example.com")
	}},
	{"Alias/FreedByDelete", func(t *testing.T, s store.Store) {
		d := newDist(acctA, "gone.example.com")
		mustCreate(t, s, d)
		noErr(t, "delete", s.DeleteDistribution(ctx(t), acctA, d.ID, d.ETag))
		mustCreate(t, s, newDist(acctB, "GONE.example.com"))
	}},
}
