package storetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/streamfront/streamfront/internal/store"
)

var oaiBehaviours = []behaviour{
	{"OAI/IDCollisionIsNoCallerReferenceReuse", func(t *testing.T, s store.Store) {
		o := newOAI(acctA)
		mustCreateOAI(t, s, o)
		sameID := newOAI(acctB)
		sameID.ID = o.ID
		err := s.CreateOAI(ctx(t), sameID, quota)
		if err == nil || errors.Is(err, store.ErrCallerReferenceExists) {
			t.Fatalf("create with the id of another OAI: error %v, want a failure other than ErrCallerReferenceExists", err)
		}
		again := newOAI(acctB)
		again.CallerReference = sameID.CallerReference
		mustCreateOAI(t, s, again)
	}},
	{"OAI/CreateGetUpdateDelete", func(t *testing.T, s store.Store) {
		o := newOAI(acctA)
		mustCreateOAI(t, s, o)
		got, err := s.GetOAI(ctx(t), acctA, o.ID)
		noErr(t, "get", err)
		sameOAI(t, got, o)
		_, err = s.GetOAI(ctx(t), acctB, o.ID)
		wantErr(t, "get from other account", err, store.ErrNotFound)
		u := *o
		u.ETag, u.Comment = newID(), "renamed"
		noErr(t, "update", s.UpdateOAI(ctx(t), &u, o.ETag))
		got, err = s.GetOAI(ctx(t), acctA, o.ID)
		noErr(t, "get updated", err)
		sameOAI(t, got, &u)
		noErr(t, "delete", s.DeleteOAI(ctx(t), acctA, o.ID, u.ETag))
		_, err = s.GetOAI(ctx(t), acctA, o.ID)
		wantErr(t, "get deleted", err, store.ErrNotFound)
	}},
	{"OAI/UpdateAndDeleteNeedCurrentETag", func(t *testing.T, s store.Store) {
		o := newOAI(acctA)
		mustCreateOAI(t, s, o)
		u := *o
		u.ETag, u.Comment = newID(), "changed"
		wantErr(t, "update with wrong etag", s.UpdateOAI(ctx(t), &u, "EWRONGETAG0000"), store.ErrPreconditionFailed)
		wantErr(t, "delete with wrong etag", s.DeleteOAI(ctx(t), acctA, o.ID, "EWRONGETAG0000"), store.ErrPreconditionFailed)
		u.Account = acctB
		wantErr(t, "update from other account", s.UpdateOAI(ctx(t), &u, o.ETag), store.ErrNotFound)
		wantErr(t, "delete from other account", s.DeleteOAI(ctx(t), acctB, o.ID, o.ETag), store.ErrNotFound)
		wantErr(t, "delete unknown", s.DeleteOAI(ctx(t), acctA, newID(), o.ETag), store.ErrNotFound)
		got, err := s.GetOAI(ctx(t), acctA, o.ID)
		noErr(t, "get", err)
		sameOAI(t, got, o)
	}},
	{"OAI/ListPagesInIDOrderPerAccount", func(t *testing.T, s store.Store) {
		var want []string
		for range 5 {
			o := newOAI(acctA)
			mustCreateOAI(t, s, o)
			want = append(want, o.ID)
			mustCreateOAI(t, s, newOAI(acctB))
		}
		slices.Sort(want)
		ids, sizes := pages(t, 2, func(marker string, limit int) ([]string, error) {
			os, err := s.ListOAIs(ctx(t), acctA, marker, limit)
			return oaiIDs(os), err
		})
		if !slices.Equal(ids, want) || !slices.Equal(sizes, []int{2, 2, 1, 0}) {
			t.Fatalf("pages gave %v (sizes %v), want %v", ids, sizes, want)
		}
	}},
	{"OAI/CallerReferenceUniquePerAccountAndQuota", func(t *testing.T, s store.Store) {
		o := newOAI(acctA)
		mustCreateOAI(t, s, o)
		again := newOAI(acctA)
		again.CallerReference = o.CallerReference
		wantErr(t, "reuse caller reference", s.CreateOAI(ctx(t), again, quota), store.ErrCallerReferenceExists)
		_, err := s.GetOAI(ctx(t), acctA, again.ID)
		wantErr(t, "refused create left a row", err, store.ErrNotFound)
		other := newOAI(acctB)
		other.CallerReference = o.CallerReference
		mustCreateOAI(t, s, other)
		noErr(t, "second OAI", s.CreateOAI(ctx(t), newOAI(acctA), 2))
		wantErr(t, "third OAI over quota 2", s.CreateOAI(ctx(t), newOAI(acctA), 2), store.ErrQuotaExceeded)
	}},
	{"OAI/InUseUntilNoDistributionReferencesIt", func(t *testing.T, s store.Store) {
		o := newOAI(acctA)
		mustCreateOAI(t, s, o)
		d1, d2 := newDist(acctA), newDist(acctA)
		d1.OAIID, d2.OAIID = o.ID, o.ID
		mustCreate(t, s, d1)
		mustCreate(t, s, d2)
		wantErr(t, "delete OAI used twice", s.DeleteOAI(ctx(t), acctA, o.ID, o.ETag), store.ErrInUse)
		noErr(t, "delete d1", s.DeleteDistribution(ctx(t), acctA, d1.ID, d1.ETag))
		wantErr(t, "delete OAI used once", s.DeleteOAI(ctx(t), acctA, o.ID, o.ETag), store.ErrInUse)
		u := *d2
		u.ETag, u.OAIID = newID(), ""
		noErr(t, "update d2 off the OAI", s.UpdateDistribution(ctx(t), &u, d2.ETag))
		noErr(t, "delete unused OAI", s.DeleteOAI(ctx(t), acctA, o.ID, o.ETag))
		d3 := newDist(acctA)
		d3.OAIID = o.ID
		wantErr(t, "create with deleted OAI", s.CreateDistribution(ctx(t), d3, nil, quota), store.ErrOAINotFound)
	}},
}
