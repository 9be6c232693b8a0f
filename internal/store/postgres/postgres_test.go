package postgres_test

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/streamfront/streamfront/internal/store"
	"github.com/streamfront/streamfront/internal/store/postgres"
	"github.com/streamfront/streamfront/internal/store/postgres/pgtest"
	"github.com/streamfront/streamfront/internal/store/storetest"
)

func open(t *testing.T, dsn string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, pgtest.DSN(t)) })
}

// TestMigrationsOnceWhenNodesStartTogether opens one fresh database from
// several goroutines at once, as nodes starting together do: every open
// succeeds and each schema version is recorded once.
func TestMigrationsOnceWhenNodesStartTogether(t *testing.T) {
	dsn := pgtest.DSN(t)
	const nodes = 6
	errs := make(chan error, nodes)
	for range nodes {
		go func() {
			s, err := postgres.Open(t.Context(), dsn)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range nodes {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
	s := open(t, dsn) // and once more, with nothing left to apply
	wantVersions(t, dsn, 1)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestRefusesNewerSchema keeps an old binary from writing to a database a
// newer one has migrated.
func TestRefusesNewerSchema(t *testing.T) {
	dsn := pgtest.DSN(t)
	open(t, dsn).Close()
	execSQL(t, dsn, `INSERT INTO schema_version(version) VALUES (999)`)
	if s, err := postgres.Open(t.Context(), dsn); err == nil || !strings.Contains(err.Error(), "newer") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("open of a version-999 database: %v, want a refusal", err)
	}
}

// wantVersions fails unless schema_version records exactly 1..n.
func wantVersions(t *testing.T, dsn string, n int) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	rows, _ := conn.Query(t.Context(), `SELECT version FROM schema_version ORDER BY version`)
	got, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n || got[0] != 1 || int(got[n-1]) != n {
		t.Fatalf("schema_version holds %v, want 1..%d", got, n)
	}
}

func execSQL(t *testing.T, dsn, sql string) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	if _, err := conn.Exec(t.Context(), sql); err != nil {
		t.Fatal(err)
	}
}
