package storetest

import (
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/store"
)

var distributionBehaviours = []behaviour{
	{"Distribution/IDOrDomainCollisionIsNoCallerReferenceReuse", func(t *testing.T, s store.Store) {
		// Only a reused CallerReference is ErrCallerReferenceExists (the
		// API's StreamingDistributionAlreadyExists); a colliding id or
		// domain name is another failure, and stores nothing.
		d := newDist(acctA)
		mustCreate(t, s, d)
		sameID := newDist(acctA)
		sameID.ID = d.ID
		sameDomain := newDist(acctB)
		sameDomain.DomainName = d.DomainName
		for what, c := range map[string]*store.Distribution{"same id": sameID, "same domain name": sameDomain} {
			err := s.CreateDistribution(ctx(t), c, nil, quota)
			if err == nil || errors.Is(err, store.ErrCallerReferenceExists) {
				t.Fatalf("create with the %s as another distribution: error %v, want a failure other than ErrCallerReferenceExists", what, err)
			}
		}
		sameDist(t, mustGet(t, s, acctA, d.ID), d)
		_, err := s.GetDistribution(ctx(t), acctB, sameDomain.ID)
		wantErr(t, "get the refused create", err, store.ErrNotFound)
		// The refused create used up no CallerReference.
		again := newDist(acctB)
		again.CallerReference = sameDomain.CallerReference
		mustCreate(t, s, again)
	}},
	{"Distribution/CreateThenGetReturnsEveryField", func(t *testing.T, s store.Store) {
		d := newDist(acctA, "b.example.com", "A.example.com")
		mustCreate(t, s, d)
		sameDist(t, mustGet(t, s, acctA, d.ID), d)
		noAliases := newDist(acctA)
		noAliases.Enabled = false
		mustCreate(t, s, noAliases)
		sameDist(t, mustGet(t, s, acctA, noAliases.ID), noAliases)
	}},
	{"Distribution/GetIsScopedToAccount", func(t *testing.T, s store.Store) {
		d := newDist(acctA)
		mustCreate(t, s, d)
		_, err := s.GetDistribution(ctx(t), acctB, d.ID)
		wantErr(t, "get from other account", err, store.ErrNotFound)
		_, err = s.GetDistribution(ctx(t), acctA, newID())
		wantErr(t, "get unknown id", err, store.ErrNotFound)
	}},
	{"Distribution/ListPagesInIDOrderPerAccount", func(t *testing.T, s store.Store) {
		var want []string
		for range 7 {
			d := newDist(acctA)
			mustCreate(t, s, d)
			want = append(want, d.ID)
			mustCreate(t, s, newDist(acctB))
		}
		slices.Sort(want)
		ids, sizes := pages(t, 3, func(marker string, limit int) ([]string, error) {
			ds, err := s.ListDistributions(ctx(t), acctA, marker, limit)
			return distIDs(ds), err
		})
		if !slices.Equal(ids, want) || !slices.Equal(sizes, []int{3, 3, 1, 0}) {
			t.Fatalf("pages gave %v (sizes %v), want %v", ids, sizes, want)
		}
		// A marker that is not an id starts after it.
		ds, err := s.ListDistributions(ctx(t), acctA, want[2]+"0", 100)
		noErr(t, "list after synthetic marker", err)
		if got := distIDs(ds); !slices.Equal(got, want[3:]) {
			t.Fatalf("after marker %q got %v, want %v", want[2]+"0", got, want[3:])
		}
		ds, err = s.ListDistributions(ctx(t), "333333333333", "", 100)
		noErr(t, "list empty account", err)
		if len(ds) != 0 {
			t.Fatalf("account without distributions lists %v", distIDs(ds))
		}
	}},
	{"Distribution/ListReturnsAliases", func(t *testing.T, s store.Store) {
		d := newDist(acctA, "z.example.com", "y.example.com")
		mustCreate(t, s, d)
		ds, err := s.ListDistributions(ctx(t), acctA, "", 10)
		noErr(t, "list", err)
		if len(ds) != 1 {
			t.Fatalf("list gave %d distributions, want 1", len(ds))
		}
		sameDist(t, ds[0], d)
	}},
	{"Distribution/UpdateReplacesFieldsAndBumpsVersion", func(t *testing.T, s store.Store) {
		o := newOAI(acctA)
		mustCreateOAI(t, s, o)
		d := newDist(acctA, "old.example.com")
		mustCreate(t, s, d)
		u := *d
		u.ETag, u.Aliases, u.OAIID, u.Enabled = newID(), []string{"new.example.com"}, o.ID, false
		u.Config, u.ModifiedAt = []byte(`{"comment":"updated"}`), d.ModifiedAt.Add(time.Second)
		noErr(t, "update", s.UpdateDistribution(ctx(t), &u, d.ETag))
		if u.Version != 2 {
			t.Fatalf("update wrote back version %d, want 2", u.Version)
		}
		sameDist(t, mustGet(t, s, acctA, d.ID), &u)
		// CreatedAt, DomainName and CallerReference are not the caller's to change.
		v := u
		v.ETag, v.DomainName, v.CallerReference, v.CreatedAt = newID(), "other.cloudfront.net", "other-ref", d.CreatedAt.Add(time.Hour)
		noErr(t, "second update", s.UpdateDistribution(ctx(t), &v, u.ETag))
		got := mustGet(t, s, acctA, d.ID)
		if got.Version != 3 || got.DomainName != d.DomainName || got.CallerReference != d.CallerReference || !got.CreatedAt.Equal(d.CreatedAt) {
			t.Fatalf("update changed immutable fields or missed version: %+v", *got)
		}
	}},
	{"Distribution/UpdateWithStaleETagChangesNothing", func(t *testing.T, s store.Store) {
		d := newDist(acctA, "keep.example.com")
		mustCreate(t, s, d)
		u := *d
		u.ETag, u.Aliases, u.Config = newID(), []string{"other.example.com"}, []byte(`{"x":1}`)
		wantErr(t, "update with wrong etag", s.UpdateDistribution(ctx(t), &u, "EWRONGETAG0000"), store.ErrPreconditionFailed)
		sameDist(t, mustGet(t, s, acctA, d.ID), d)
		wantErr(t, "update unknown id", s.UpdateDistribution(ctx(t), &store.Distribution{Account: acctA, ID: newID(), ETag: newID(), Config: []byte("{}")}, d.ETag), store.ErrNotFound)
		u.Account = acctB
		wantErr(t, "update from other account", s.UpdateDistribution(ctx(t), &u, d.ETag), store.ErrNotFound)
		sameDist(t, mustGet(t, s, acctA, d.ID), d)
	}},
	{"Distribution/DeleteNeedsCurrentETag", func(t *testing.T, s store.Store) {
		d := newDist(acctA)
		mustCreate(t, s, d)
		wantErr(t, "delete with wrong etag", s.DeleteDistribution(ctx(t), acctA, d.ID, "EWRONGETAG0000"), store.ErrPreconditionFailed)
		wantErr(t, "delete from other account", s.DeleteDistribution(ctx(t), acctB, d.ID, d.ETag), store.ErrNotFound)
		mustGet(t, s, acctA, d.ID)
		noErr(t, "delete", s.DeleteDistribution(ctx(t), acctA, d.ID, d.ETag))
		_, err := s.GetDistribution(ctx(t), acctA, d.ID)
		wantErr(t, "get deleted", err, store.ErrNotFound)
		wantErr(t, "delete twice", s.DeleteDistribution(ctx(t), acctA, d.ID, d.ETag), store.ErrNotFound)
	}},
	{"Distribution/CallerReferenceUniquePerAccount", func(t *testing.T, s store.Store) {
		d := newDist(acctA)
		mustCreate(t, s, d)
		again := newDist(acctA, "again.example.com")
		again.CallerReference = d.CallerReference
		wantErr(t, "reuse caller reference", s.CreateDistribution(ctx(t), again, nil, quota), store.ErrCallerReferenceExists)
		_, err := s.GetDistribution(ctx(t), acctA, again.ID)
		wantErr(t, "refused create left a row", err, store.ErrNotFound)
		// The refused create did not keep its alias either.
		mustCreate(t, s, newDist(acctA, "again.example.com"))
		other := newDist(acctB)
		other.CallerReference = d.CallerReference
		mustCreate(t, s, other)
	}},
	{"Distribution/QuotaIsPerAccountAndFreedByDelete", func(t *testing.T, s store.Store) {
		const q = 3
		var first *store.Distribution
		for i := range q {
			d := newDist(acctA)
			noErr(t, "create "+strconv.Itoa(i), s.CreateDistribution(ctx(t), d, nil, q))
			if first == nil {
				first = d
			}
		}
		over := newDist(acctA)
		wantErr(t, "create over quota", s.CreateDistribution(ctx(t), over, nil, q), store.ErrQuotaExceeded)
		_, err := s.GetDistribution(ctx(t), acctA, over.ID)
		wantErr(t, "refused create left a row", err, store.ErrNotFound)
		noErr(t, "other account has its own quota", s.CreateDistribution(ctx(t), newDist(acctB), nil, q))
		noErr(t, "delete", s.DeleteDistribution(ctx(t), acctA, first.ID, first.ETag))
		noErr(t, "create after delete", s.CreateDistribution(ctx(t), over, nil, q))
	}},
	{"Distribution/OAIMustExistInAccount", func(t *testing.T, s store.Store) {
		mine, theirs := newOAI(acctA), newOAI(acctB)
		mustCreateOAI(t, s, mine)
		mustCreateOAI(t, s, theirs)
		d := newDist(acctA, "oai.example.com")
		d.OAIID = newID()
		wantErr(t, "create with unknown OAI", s.CreateDistribution(ctx(t), d, nil, quota), store.ErrOAINotFound)
		d.OAIID = theirs.ID
		wantErr(t, "create with other account's OAI", s.CreateDistribution(ctx(t), d, nil, quota), store.ErrOAINotFound)
		d.OAIID = mine.ID
		mustCreate(t, s, d)
		sameDist(t, mustGet(t, s, acctA, d.ID), d)
		u := *d
		u.ETag, u.OAIID = newID(), theirs.ID
		wantErr(t, "update to other account's OAI", s.UpdateDistribution(ctx(t), &u, d.ETag), store.ErrOAINotFound)
		sameDist(t, mustGet(t, s, acctA, d.ID), d)
	}},
	{"Distribution/FindByHostMatchesDomainAndAliasesCaseInsensitively", func(t *testing.T, s store.Store) {
		d := newDist(acctA, "Live.Example.com")
		other := newDist(acctB, "vod.example.com")
		mustCreate(t, s, d)
		mustCreate(t, s, other)
		for _, host := range []string{d.DomainName, "LIVE.example.COM", "live.example.com"} {
			got, err := s.FindDistributionByHost(ctx(t), host)
			noErr(t, "find "+host, err)
			sameDist(t, got, d)
		}
		got, err := s.FindDistributionByHost(ctx(t), "VOD.example.com")
		noErr(t, "find other account's alias", err)
		sameDist(t, got, other)
		_, err = s.FindDistributionByHost(ctx(t), "unknown.example.com")
		wantErr(t, "find unknown host", err, store.ErrNotFound)
		u := *d
		u.ETag, u.Aliases = newID(), nil
		noErr(t, "update away alias", s.UpdateDistribution(ctx(t), &u, d.ETag))
		_, err = s.FindDistributionByHost(ctx(t), "live.example.com")
		wantErr(t, "find removed alias", err, store.ErrNotFound)
	}},
	{"Distribution/PendingUntilMarkedDeployed", func(t *testing.T, s store.Store) {
		d := newDist(acctA)
		mustCreate(t, s, d)
		done := newDist(acctA)
		done.DeployedVersion = 1
		mustCreate(t, s, done)
		wantPending(t, s, map[string]int64{d.ID: 1})
		noErr(t, "mark deployed", s.MarkDeployed(ctx(t), d.ID, 1))
		wantPending(t, s, map[string]int64{})
		if got := mustGet(t, s, acctA, d.ID); got.DeployedVersion != 1 {
			t.Fatalf("deployed version %d, want 1", got.DeployedVersion)
		}
		u := *d
		u.ETag = newID()
		noErr(t, "update", s.UpdateDistribution(ctx(t), &u, d.ETag))
		wantPending(t, s, map[string]int64{d.ID: 2})
		noErr(t, "mark a version beyond the current one", s.MarkDeployed(ctx(t), d.ID, 3))
		noErr(t, "mark an old version", s.MarkDeployed(ctx(t), d.ID, 1))
		wantPending(t, s, map[string]int64{d.ID: 2})
		noErr(t, "mark current version", s.MarkDeployed(ctx(t), d.ID, 2))
		noErr(t, "mark an old version again", s.MarkDeployed(ctx(t), d.ID, 1))
		wantPending(t, s, map[string]int64{})
		if got := mustGet(t, s, acctA, d.ID); got.DeployedVersion != 2 || got.Version != 2 {
			t.Fatalf("version %d deployed %d, want 2 and 2", got.Version, got.DeployedVersion)
		}
	}},
}

// wantPending fails unless ListPending returns exactly want (id → version),
// each with its ModifiedAt.
func wantPending(t *testing.T, s store.Store, want map[string]int64) {
	t.Helper()
	ps, err := s.ListPending(ctx(t))
	noErr(t, "list pending", err)
	got := map[string]int64{}
	for _, p := range ps {
		got[p.ID] = p.Version
		if p.ModifiedAt.IsZero() {
			t.Fatalf("pending %s has no ModifiedAt", p.ID)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("pending %v, want %v", got, want)
	}
	for id, v := range want {
		if got[id] != v {
			t.Fatalf("pending %v, want %v", got, want)
		}
	}
}
