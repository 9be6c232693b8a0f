package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/streamfront/streamfront/internal/store"
	"github.com/streamfront/streamfront/internal/store/postgres"
	"github.com/streamfront/streamfront/internal/store/postgres/pgtest"
	"github.com/streamfront/streamfront/internal/store/storetest"
)

func open(t testing.TB, dsn string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func() store.Store {
		dsn := pgtest.DSN(t)
		return func() store.Store { return open(t, dsn) }
	})
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
	wantVersions(t, dsn, 3)
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

// TestUpgradeToQuotaUsageCountsExistingResources takes a database back to
// schema version 2 (before quota_usage) holding distributions and OAIs; the
// upgrade must count them, so quotas still hold.
func TestUpgradeToQuotaUsageCountsExistingResources(t *testing.T) {
	dsn := pgtest.DSN(t)
	s := open(t, dsn)
	for i := range 2 {
		d := &store.Distribution{Account: "111111111111", ID: fmt.Sprint("EUPGRADE", i), ETag: "E1", Version: 1,
			CallerReference: fmt.Sprint("ref", i), DomainName: fmt.Sprintf("d%d.cloudfront.net", i), Config: []byte("{}")}
		if err := s.CreateDistribution(t.Context(), d, nil, 100); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateOAI(t.Context(), &store.OAI{Account: "111111111111", ID: "EOAI", ETag: "E1", CallerReference: "oai"}, 100); err != nil {
		t.Fatal(err)
	}
	s.Close()
	execSQL(t, dsn, `DROP TABLE quota_usage; DELETE FROM schema_version WHERE version = 3`)

	s = open(t, dsn)
	wantVersions(t, dsn, 3)
	d := &store.Distribution{Account: "111111111111", ID: "EUPGRADE9", ETag: "E1", Version: 1,
		CallerReference: "ref9", DomainName: "d9.cloudfront.net", Config: []byte("{}")}
	if err := s.CreateDistribution(t.Context(), d, nil, 2); !errors.Is(err, store.ErrQuotaExceeded) {
		t.Fatalf("third distribution under quota 2 after upgrade: %v", err)
	}
	if err := s.CreateDistribution(t.Context(), d, nil, 3); err != nil {
		t.Fatalf("third distribution under quota 3 after upgrade: %v", err)
	}
	if err := s.CreateOAI(t.Context(), &store.OAI{Account: "111111111111", ID: "EOAI2", ETag: "E1", CallerReference: "oai2"}, 1); !errors.Is(err, store.ErrQuotaExceeded) {
		t.Fatalf("second OAI under quota 1 after upgrade: %v", err)
	}
}

// TestOpenGivesUpOnASilentServer: a database address that accepts TCP
// connections but never answers (a failover in progress behind a virtual IP,
// a hung server) makes Open fail after the default connect timeout rather
// than wait for ever; requests and the deployer use the same pool settings.
func TestOpenGivesUpOnASilentServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close() // held open, never written to
		}
	}()
	done := make(chan error, 1)
	go func() {
		s, err := postgres.Open(context.Background(), "postgres://streamfront@"+ln.Addr().String()+"/postgres?sslmode=disable")
		if err == nil {
			s.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "timeout") {
			t.Fatalf("Open on a silent server: %v, want a connect timeout", err)
		}
	case <-time.After(2 * time.Minute): // a hang guard, not a speed target
		t.Fatal("Open still waiting on a silent server")
	}
}
