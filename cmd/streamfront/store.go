package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/streamfront/streamfront/internal/store"
	"github.com/streamfront/streamfront/internal/store/postgres"
	"github.com/streamfront/streamfront/internal/store/sqlite"
)

// storeFlags say where the state is. Processes sharing it (API nodes and
// edges) give the same: one PostgreSQL --store, or one SQLite --data-dir
// on one machine.
type storeFlags struct {
	dataDir string
	url     string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", "./streamfront-data", "directory of the embedded SQLite database (and of the access-log spool)")
	fs.StringVar(&f.url, "store", "", "postgres://… URL of a PostgreSQL database shared by several nodes (default: SQLite in --data-dir)")
}

// storeRole says how a process uses an SQLite --data-dir: its one API
// process owns it (sqlite.OpenOwner: a second `serve` on the directory is
// refused, and repeated reads are served from memory); edges share it.
type storeRole int

const (
	ownerStore storeRole = iota
	sharedStore
)

// open opens the store --store names: empty for the embedded SQLite
// database in --data-dir, or a postgres:// URL for PostgreSQL, which several
// nodes may share. It also returns a description for logs, without secrets.
func (f *storeFlags) open(ctx context.Context, role storeRole) (store.Store, string, error) {
	switch {
	case f.url == "" && role == ownerStore:
		st, err := sqlite.OpenOwner(f.dataDir)
		return st, "sqlite:" + f.dataDir, err
	case f.url == "":
		st, err := sqlite.Open(f.dataDir)
		return st, "sqlite:" + f.dataDir, err
	case strings.HasPrefix(f.url, "postgres://") || strings.HasPrefix(f.url, "postgresql://"):
		ctx, cancel := context.WithTimeout(ctx, time.Minute) // an unreachable server fails the start
		defer cancel()
		st, err := postgres.Open(ctx, f.url)
		return st, redactDSN(f.url), err
	}
	return nil, "", fmt.Errorf("--store must be empty (SQLite in --data-dir) or a postgres:// URL, got %q", redactDSN(f.url))
}

// redactDSN drops the password and query of a URL-shaped DSN.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return "(unparseable store URL)"
	}
	return u.Scheme + "://" + u.Host + u.Path
}
