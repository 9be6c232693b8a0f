package storetest

import (
	"slices"
	"testing"

	"github.com/streamfront/streamfront/internal/store"
)

// wantTags fails unless the distribution's tags are want (ordered by key).
func wantTags(t *testing.T, s store.Store, account, id string, want ...store.Tag) {
	t.Helper()
	got, err := s.ListTags(ctx(t), account, id)
	noErr(t, "list tags", err)
	if !slices.Equal(got, want) {
		t.Fatalf("tags %v, want %v", got, want)
	}
}

var tagBehaviours = []behaviour{
	{"Tags/CreatedWithDistributionListedByKey", func(t *testing.T, s store.Store) {
		d := newDist(acctA)
		mustCreate(t, s, d, store.Tag{Key: "team", Value: "video"}, store.Tag{Key: "Env", Value: ""}, store.Tag{Key: "a", Value: "1"})
		wantTags(t, s, acctA, d.ID, store.Tag{Key: "Env", Value: ""}, store.Tag{Key: "a", Value: "1"}, store.Tag{Key: "team", Value: "video"})
		bare := newDist(acctA)
		mustCreate(t, s, bare)
		wantTags(t, s, acctA, bare.ID)
	}},
	{"Tags/TagAddsAndOverwrites", func(t *testing.T, s store.Store) {
		d := newDist(acctA)
		mustCreate(t, s, d, store.Tag{Key: "env", Value: "dev"})
		noErr(t, "tag", s.TagDistribution(ctx(t), acctA, d.ID, []store.Tag{{Key: "env", Value: "prod"}, {Key: "owner", Value: "ops"}}, 50))
		wantTags(t, s, acctA, d.ID, store.Tag{Key: "env", Value: "prod"}, store.Tag{Key: "owner", Value: "ops"})
	}},
	{"Tags/UntagRemovesKeysIgnoringAbsentOnes", func(t *testing.T, s store.Store) {
		d := newDist(acctA)
		mustCreate(t, s, d, store.Tag{Key: "a", Value: "1"}, store.Tag{Key: "b", Value: "2"}, store.Tag{Key: "c", Value: "3"})
		noErr(t, "untag", s.UntagDistribution(ctx(t), acctA, d.ID, []string{"a", "c", "missing", "B"}))
		wantTags(t, s, acctA, d.ID, store.Tag{Key: "b", Value: "2"})
	}},
	{"Tags/MaxTagsRefusedAtomically", func(t *testing.T, s store.Store) {
		d := newDist(acctA)
		mustCreate(t, s, d, store.Tag{Key: "a", Value: "1"}, store.Tag{Key: "b", Value: "2"})
		err := s.TagDistribution(ctx(t), acctA, d.ID, []store.Tag{{Key: "a", Value: "changed"}, {Key: "c", Value: "3"}, {Key: "d", Value: "4"}}, 3)
		wantErr(t, "fourth tag with max 3", err, store.ErrTooManyTags)
		wantTags(t, s, acctA, d.ID, store.Tag{Key: "a", Value: "1"}, store.Tag{Key: "b", Value: "2"})
		noErr(t, "overwrite at the limit", s.TagDistribution(ctx(t), acctA, d.ID, []store.Tag{{Key: "a", Value: "x"}, {Key: "c", Value: "3"}}, 3))
		wantTags(t, s, acctA, d.ID, store.Tag{Key: "a", Value: "x"}, store.Tag{Key: "b", Value: "2"}, store.Tag{Key: "c", Value: "3"})
	}},
	{"Tags/UnknownDistributionOrAccount", func(t *testing.T, s store.Store) {
		d := newDist(acctA)
		mustCreate(t, s, d, store.Tag{Key: "a", Value: "1"})
		for _, c := range []struct{ account, id string }{{acctB, d.ID}, {acctA, newID()}} {
			_, err := s.ListTags(ctx(t), c.account, c.id)
			wantErr(t, "list tags", err, store.ErrNotFound)
			wantErr(t, "tag", s.TagDistribution(ctx(t), c.account, c.id, []store.Tag{{Key: "x", Value: "y"}}, 50), store.ErrNotFound)
			wantErr(t, "untag", s.UntagDistribution(ctx(t), c.account, c.id, []string{"a"}), store.ErrNotFound)
		}
		wantTags(t, s, acctA, d.ID, store.Tag{Key: "a", Value: "1"})
	}},
	{"Tags/DeletedWithDistribution", func(t *testing.T, s store.Store) {
		d := newDist(acctA, "tagged.example.com")
		mustCreate(t, s, d, store.Tag{Key: "a", Value: "1"})
		noErr(t, "delete", s.DeleteDistribution(ctx(t), acctA, d.ID, d.ETag))
		// A new distribution that happens to get the same id starts bare.
		again := newDist(acctA)
		again.ID = d.ID
		mustCreate(t, s, again)
		wantTags(t, s, acctA, d.ID)
	}},
}
