package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/streamfront/streamfront/internal/store"
	"github.com/streamfront/streamfront/internal/store/postgres"
	"github.com/streamfront/streamfront/internal/store/sqlite"
)

// openStore opens the store --store names: empty for the embedded SQLite
// database in --data-dir, or a postgres:// URL for PostgreSQL, which several
// nodes may share. It also returns a description for logs, without secrets.
func openStore(ctx context.Context, f *serveFlags) (store.Store, string, error) {
	switch {
	case f.store == "":
		st, err := sqlite.Open(f.dataDir)
		return st, "sqlite:" + f.dataDir, err
	case strings.HasPrefix(f.store, "postgres://") || strings.HasPrefix(f.store, "postgresql://"):
		ctx, cancel := context.WithTimeout(ctx, time.Minute) // an unreachable server fails the start
		defer cancel()
		st, err := postgres.Open(ctx, f.store)
		return st, redactDSN(f.store), err
	}
	return nil, "", fmt.Errorf("--store must be empty (SQLite in --data-dir) or a postgres:// URL, got %q", redactDSN(f.store))
}

// redactDSN drops the password and query of a URL-shaped DSN.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return "(unparseable store URL)"
	}
	return u.Scheme + "://" + u.Host + u.Path
}
