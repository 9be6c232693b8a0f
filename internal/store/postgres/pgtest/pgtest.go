// Package pgtest gives tests their own empty PostgreSQL schema on the server
// named by STREAMFRONT_TEST_POSTGRES, so tests are independent and can run in
// parallel against one throwaway cluster (scripts/pg-throwaway.sh starts one);
// and, for tests that crash or restart the database, a cluster of their own
// (StartServer).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the environment variable holding the test server's DSN.
const EnvDSN = "STREAMFRONT_TEST_POSTGRES"

// DSN creates a fresh schema, dropped when t ends, and returns a DSN whose
// connections use it. Without STREAMFRONT_TEST_POSTGRES the test is skipped,
// or fails when STREAMFRONT_REQUIRE_ALL=1.
func DSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvDSN)
	if base == "" {
		if os.Getenv("STREAMFRONT_REQUIRE_ALL") == "1" {
			t.Fatalf("%s is required (scripts/test starts a throwaway PostgreSQL)", EnvDSN)
		}
		t.Skipf("%s not set", EnvDSN)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	exec(t, base, `CREATE SCHEMA `+schema)
	t.Cleanup(func() { exec(t, base, `DROP SCHEMA `+schema+` CASCADE`) })
	return WithSearchPath(t, base, schema)
}

// WithSearchPath returns dsn with its search_path set to schema.
func WithSearchPath(t testing.TB, dsn, schema string) string {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", EnvDSN, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func exec(t testing.TB, dsn, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvDSN, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
