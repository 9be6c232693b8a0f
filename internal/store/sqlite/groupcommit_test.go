package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/streamfront/streamfront/internal/store"
)

func dist(id, ref string, aliases ...string) *store.Distribution {
	now := time.Now()
	return &store.Distribution{Account: "123456789012", ID: id, ETag: "E" + id, CallerReference: ref,
		DomainName: id + ".cloudfront.net", Aliases: aliases, Config: []byte(`{}`), CreatedAt: now, ModifiedAt: now}
}

// TestGroupCommitIsolatesFailures sends many concurrent creates, a third of
// which collide (same CallerReference or same alias as another request):
// each collision fails alone, every other create is stored, and the writes
// shared commits.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d *store.Distribution
			switch i % 3 {
			case 0:
				d = dist(fmt.Sprint("A", i), fmt.Sprint("ref-", i), fmt.Sprintf("a%d.example.com", i))
			case 1: // same CallerReference as request i-1
				d = dist(fmt.Sprint("B", i), fmt.Sprint("ref-", i-1))
			case 2: // same alias (other case) as request i-2
				d = dist(fmt.Sprint("C", i), fmt.Sprint("ref-", i), fmt.Sprintf("A%d.EXAMPLE.com", i-2))
			}
			errs[i] = s.CreateDistribution(context.Background(), d, []store.Tag{{Key: "k", Value: "v"}}, 1<<20)
		}()
	}
	wg.Wait()
	stored := 0
	for i := 0; i < n; i += 3 {
		// Of each triple, exactly one of the colliding pair may win; the
		// loser got the right error and left nothing behind.
		okA, okB, okC := errs[i] == nil, errs[i+1] == nil, errs[i+2] == nil
		if okA && okB || okA && okC {
			t.Fatalf("triple %d: both colliding creates succeeded: %v %v %v", i, errs[i], errs[i+1], errs[i+2])
		}
		if !okB && !errors.Is(errs[i+1], store.ErrCallerReferenceExists) {
			t.Fatalf("B%d: %v", i+1, errs[i+1])
		}
		var ac *store.AliasConflictError
		if !okC && !errors.As(errs[i+2], &ac) {
			t.Fatalf("C%d: %v", i+2, errs[i+2])
		}
		for j, ok := range []bool{okA, okB, okC} {
			if ok {
				stored++
			}
			_, err := s.GetDistribution(context.Background(), "123456789012", fmt.Sprint(string("ABC"[j]), i+j))
			if ok != (err == nil) {
				t.Fatalf("%c%d: acknowledged %v, stored %v", "ABC"[j], i+j, ok, err)
			}
		}
	}
	if commits := s.w.commits.Load(); commits >= int64(n) {
		t.Errorf("%d requests took %d commits: no batching", n, commits)
	}
	// Everything acknowledged is still there after reopening.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, err := s.ListDistributions(context.Background(), "123456789012", "", n)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != stored {
		t.Fatalf("%d distributions after reopen, %d acknowledged", len(list), stored)
	}
	for _, d := range list {
		tags, err := s.ListTags(context.Background(), d.Account, d.ID)
		if err != nil || len(tags) != 1 {
			t.Fatalf("%s tags %v %v", d.ID, tags, err)
		}
	}
}

// TestCanceledBeforeCommitStoresNothing: a caller that gives up before its
// request is taken gets its context's error and nothing is written.
func TestCanceledBeforeCommitStoresNothing(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.CreateDistribution(ctx, dist("X1", "x"), nil, 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if _, err := s.GetDistribution(context.Background(), "123456789012", "X1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("canceled create was stored: %v", err)
	}
}

// TestQuotaCountsFollowDeletes: the trigger-kept usage count lets the quota
// refuse the create beyond it and counts a delete.
func TestQuotaCountsFollowDeletes(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i := range 3 {
		if err := s.CreateDistribution(ctx, dist(fmt.Sprint("Q", i), fmt.Sprint("q", i)), nil, 3); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateDistribution(ctx, dist("Q3", "q3"), nil, 3); !errors.Is(err, store.ErrQuotaExceeded) {
		t.Fatalf("4th create: %v", err)
	}
	if err := s.DeleteDistribution(ctx, "123456789012", "Q0", "EQ0"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateDistribution(ctx, dist("Q3", "q3"), nil, 3); err != nil {
		t.Fatalf("create after delete: %v", err)
	}
}

// TestGroupCommitCallerDeadline: a caller whose context ends while its write
// is being committed returns at once with an error wrapping the context's,
// and the write is still applied whole by its batch; a caller whose context
// ends while its write is queued behind that batch returns at once and its
// write is not stored; the writer then serves later writes as before.
func TestGroupCommitCallerDeadline(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	started, release := make(chan struct{}), make(chan struct{})
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	// A write of two rows whose batch stalls (as on a disk that hangs)
	// until release.
	inDoubt := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		inDoubt <- s.tx(ctx, func(ctx context.Context, tx querier) error {
			close(started)
			<-release
			for _, id := range []string{"doubt-1", "doubt-2"} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO edges(id, seen_at) VALUES (?, 1)`, id); err != nil {
					return err
				}
			}
			return nil
		})
	}()
	<-started
	// The hang guards fail the test instead of stalling it; they time nothing.
	select {
	case err := <-inDoubt:
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, errInDoubt) {
			t.Fatalf("caller of a stalled commit got %v, want an in-doubt deadline error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the caller of a stalled commit still waits after its deadline")
	}
	queuedCtx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.CreateDistribution(queuedCtx, dist("Q1", "queued"), nil, 1<<20); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a write queued behind a stalled commit got %v, want its deadline", err)
	}

	close(release)
	if err := s.CreateDistribution(context.Background(), dist("L1", "later"), nil, 1<<20); err != nil {
		t.Fatalf("a write after the stall: %v", err)
	}
	var n int
	if err := s.rdb.QueryRow(`SELECT count(*) FROM edges WHERE id LIKE 'doubt-%'`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("the in-doubt write left %d of its 2 rows (%v), want all", n, err)
	}
	if _, err := s.GetDistribution(context.Background(), "123456789012", "Q1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the withdrawn queued write: %v, want not stored", err)
	}
	if _, err := s.GetDistribution(context.Background(), "123456789012", "L1"); err != nil {
		t.Fatalf("the write after the stall is not stored: %v", err)
	}
}
