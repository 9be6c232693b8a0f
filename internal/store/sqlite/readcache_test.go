package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/store"
	"github.com/streamfront/streamfront/internal/store/sqlite"
)

func ownerStore(t *testing.T, dir string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.OpenOwner(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testDist(id string) *store.Distribution {
	now := time.Now().UTC()
	return &store.Distribution{Account: "111111111111", ID: id, ETag: "E1", Version: 1,
		CallerReference: "ref-" + id, DomainName: "s" + id + ".cloudfront.net", Enabled: true,
		Config: []byte(`{}`), CreatedAt: now, ModifiedAt: now}
}

// A read after an acknowledged write sees the write, also when the
// distribution was read (and cached) before it.
func TestOwnerReadAfterWrite(t *testing.T) {
	s := ownerStore(t, t.TempDir())
	ctx := context.Background()
	d := testDist("EOWNER1")
	if err := s.CreateDistribution(ctx, d, nil, 100); err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 5; i++ {
		got, err := s.GetDistribution(ctx, d.Account, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ETag != d.ETag {
			t.Fatalf("read %d: ETag %q, want %q", i, got.ETag, d.ETag)
		}
		next := *got
		next.ETag, next.Version, next.Enabled = fmt.Sprint("E", i), int64(i), i%2 == 0
		if err := s.UpdateDistribution(ctx, &next, got.ETag); err != nil {
			t.Fatal(err)
		}
		d = &next
	}
	if err := s.MarkDeployed(ctx, d.ID, d.Version); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetDistribution(ctx, d.Account, d.ID)
	if err != nil || got.DeployedVersion != d.Version || got.ETag != d.ETag {
		t.Fatalf("after MarkDeployed: %+v, %v", got, err)
	}
	// A copy: changing what a read returned does not change the next read.
	got.ETag = "changed by the caller"
	again, _ := s.GetDistribution(ctx, d.Account, d.ID)
	if again.ETag != d.ETag {
		t.Fatalf("cached copy was changed: %q", again.ETag)
	}
	if err := s.DeleteDistribution(ctx, d.Account, d.ID, d.ETag); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetDistribution(ctx, d.Account, d.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after delete: %v, want ErrNotFound", err)
	}
}

// Readers racing a writer never see a version older than the last one
// acknowledged before their read began.
func TestOwnerReadsAreLinearizable(t *testing.T) {
	s := ownerStore(t, t.TempDir())
	ctx := context.Background()
	d := testDist("EOWNER2")
	if err := s.CreateDistribution(ctx, d, nil, 100); err != nil {
		t.Fatal(err)
	}
	raceReadersWithUpdates(t, s, d, func(want int64) error {
		got, err := s.GetDistribution(ctx, d.Account, d.ID)
		if err != nil {
			return err
		}
		if got.Version < want {
			return fmt.Errorf("read version %d after version %d was acknowledged", got.Version, want)
		}
		return nil
	})
}

// raceReadersWithUpdates updates d to versions 2 to 200 while four readers
// call read with the last version acknowledged before each read began,
// and reports the readers' errors.
func raceReadersWithUpdates(t *testing.T, s *sqlite.Store, d *store.Distribution, read func(want int64) error) {
	t.Helper()
	ctx := context.Background()
	var acked atomic.Int64
	acked.Store(d.Version)
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if err := read(acked.Load()); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	cur := d
	for v := d.Version + 1; v <= 200; v++ {
		next := *cur
		next.ETag, next.Version = fmt.Sprint("E", v), v
		if err := s.UpdateDistribution(ctx, &next, cur.ETag); err != nil {
			t.Fatal(err)
		}
		acked.Store(v)
		cur = &next
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// One API process owns a directory; edges (Open) may share it.
func TestOwnerLock(t *testing.T) {
	dir := t.TempDir()
	first, err := sqlite.OpenOwner(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := sqlite.OpenOwner(dir); !errors.Is(err, sqlite.ErrOwned) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("second OpenOwner: %v, want ErrOwned", err)
	}
	edge, err := sqlite.Open(dir)
	if err != nil {
		t.Fatalf("Open beside the owner: %v", err)
	}
	edge.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := sqlite.OpenOwner(dir)
	if err != nil {
		t.Fatalf("OpenOwner after the owner closed: %v", err)
	}
	again.Close()
}

// ListPending, answered from the cache between writes, reflects every
// acknowledged write: a create, an update, MarkDeployed and a delete; and
// readers racing a writer never miss a version acknowledged before their
// read began.
func TestOwnerListPendingAfterWrite(t *testing.T) {
	s := ownerStore(t, t.TempDir())
	ctx := context.Background()
	pending := func() map[string]int64 {
		t.Helper()
		ps, err := s.ListPending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, p := range ps {
			out[p.ID] = p.Version
		}
		return out
	}
	if p := pending(); len(p) != 0 {
		t.Fatalf("empty store lists %v", p)
	}
	d := testDist("EPEND1")
	if err := s.CreateDistribution(ctx, d, nil, 100); err != nil {
		t.Fatal(err)
	}
	if p := pending(); p[d.ID] != 1 || len(p) != 1 {
		t.Fatalf("after create: %v", p)
	}
	pending() // from the cache
	if err := s.MarkDeployed(ctx, d.ID, 1); err != nil {
		t.Fatal(err)
	}
	if p := pending(); len(p) != 0 {
		t.Fatalf("after MarkDeployed: %v", p)
	}
	next := *d
	next.ETag, next.Version = "E2", 2
	if err := s.UpdateDistribution(ctx, &next, d.ETag); err != nil {
		t.Fatal(err)
	}
	if p := pending(); p[d.ID] != 2 {
		t.Fatalf("after update: %v", p)
	}
	if err := s.DeleteDistribution(ctx, d.Account, d.ID, next.ETag); err != nil {
		t.Fatal(err)
	}
	if p := pending(); len(p) != 0 {
		t.Fatalf("after delete: %v", p)
	}

	race := testDist("EPEND2")
	if err := s.CreateDistribution(ctx, race, nil, 100); err != nil {
		t.Fatal(err)
	}
	raceReadersWithUpdates(t, s, race, func(want int64) error {
		ps, err := s.ListPending(ctx)
		if err != nil {
			return err
		}
		if len(ps) != 1 || ps[0].Version < want {
			return fmt.Errorf("ListPending %+v after version %d was acknowledged", ps, want)
		}
		return nil
	})
}
