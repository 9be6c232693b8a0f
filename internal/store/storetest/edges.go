package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/store"
)

// behind returns EdgesBehind or fails.
func behind(t *testing.T, s store.Store, id string, version int64, since time.Time) []string {
	t.Helper()
	ids, err := s.EdgesBehind(ctx(t), id, version, since)
	noErr(t, "EdgesBehind", err)
	return ids
}

func wantBehind(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: edges behind %v, want %v", what, got, want)
	}
}

var edgeBehaviours = []behaviour{
	{"Edges/BehindUntilEveryLiveEdgeApplied", func(t *testing.T, s store.Store) {
		d := newDist(acctA)
		mustCreate(t, s, d)
		t0 := now()
		wantBehind(t, "no edges", behind(t, s, d.ID, 1, t0.Add(-time.Minute)))
		noErr(t, "heartbeat e2", s.EdgeHeartbeat(ctx(t), "edge-2", t0, nil))
		noErr(t, "heartbeat e1", s.EdgeHeartbeat(ctx(t), "edge-1", t0, map[string]int64{d.ID: 1}))
		wantBehind(t, "e2 applied nothing", behind(t, s, d.ID, 1, t0.Add(-time.Minute)), "edge-2")
		noErr(t, "heartbeat e2", s.EdgeHeartbeat(ctx(t), "edge-2", t0.Add(time.Second), map[string]int64{d.ID: 1}))
		wantBehind(t, "both applied", behind(t, s, d.ID, 1, t0.Add(-time.Minute)))
		wantBehind(t, "version 2", behind(t, s, d.ID, 2, t0.Add(-time.Minute)), "edge-1", "edge-2")
	}},
	{"Edges/StaleEdgesDoNotCount", func(t *testing.T, s store.Store) {
		d := newDist(acctA)
		mustCreate(t, s, d)
		t0 := now()
		noErr(t, "heartbeat old", s.EdgeHeartbeat(ctx(t), "old", t0.Add(-time.Hour), nil))
		noErr(t, "heartbeat new", s.EdgeHeartbeat(ctx(t), "new", t0, nil))
		wantBehind(t, "live since t0-1m", behind(t, s, d.ID, 1, t0.Add(-time.Minute)), "new")
		// A late heartbeat carrying an older time does not make an edge look stale.
		noErr(t, "heartbeat new late", s.EdgeHeartbeat(ctx(t), "new", t0.Add(-time.Hour), nil))
		wantBehind(t, "after late heartbeat", behind(t, s, d.ID, 1, t0.Add(-time.Minute)), "new")
	}},
	{"Edges/AppliedVersionNeverGoesDown", func(t *testing.T, s store.Store) {
		d := newDist(acctA)
		mustCreate(t, s, d)
		t0 := now()
		noErr(t, "heartbeat v3", s.EdgeHeartbeat(ctx(t), "e", t0, map[string]int64{d.ID: 3}))
		noErr(t, "heartbeat v1", s.EdgeHeartbeat(ctx(t), "e", t0, map[string]int64{d.ID: 1}))
		wantBehind(t, "version 3", behind(t, s, d.ID, 3, t0))
		wantBehind(t, "version 4", behind(t, s, d.ID, 4, t0), "e")
	}},
	{"Edges/DeletedDistributionsAreIgnored", func(t *testing.T, s store.Store) {
		d := newDist(acctA)
		mustCreate(t, s, d)
		t0 := now()
		noErr(t, "heartbeat", s.EdgeHeartbeat(ctx(t), "e", t0, map[string]int64{d.ID: 1}))
		noErr(t, "delete", s.DeleteDistribution(ctx(t), acctA, d.ID, d.ETag))
		noErr(t, "heartbeat after delete", s.EdgeHeartbeat(ctx(t), "e", t0, map[string]int64{d.ID: 1, newID(): 5}))
		wantBehind(t, "deleted distribution", behind(t, s, d.ID, 1, t0), "e")
	}},
}
