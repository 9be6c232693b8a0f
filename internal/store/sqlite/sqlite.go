// Package sqlite is the embedded default Store: one database file in WAL mode,
// written by a single connection so transactions never fight over locks (and
// concurrent writes share one fsynced commit, see groupcommit.go), read by a
// pool.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/streamfront/streamfront/internal/store"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Store is the SQLite implementation of store.Store.
type Store struct {
	wdb   *sql.DB // exactly one connection, owned by w
	w     *writer
	rdb   *sql.DB
	r     querier    // cached statements on rdb
	cache *readCache // nil unless opened with OpenOwner
	lock  *os.File   // the owner lock of OpenOwner, held until Close
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database in dir and applies
// migrations. Several processes may open one directory: the API owner
// (OpenOwner) and `streamfront edge` processes, which read distributions and
// write only edge heartbeats.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "streamfront.db")
	// synchronous(FULL): a commit is fsynced before it is acknowledged, so it
	// survives power loss as well as kill -9.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_txlock=immediate"
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	if err := migrate(context.Background(), w); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite migrate: %w", err)
	}
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		return nil, err
	}
	// Keep every reader connection open: reopening one costs more than the
	// query it serves.
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	wr, err := newWriter(w)
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	return &Store{wdb: w, w: wr, rdb: r, r: querier{stmts: newStmtCache(r)}}, nil
}

// ErrOwned is returned by OpenOwner when another process owns the directory.
var ErrOwned = errors.New("sqlite: the database is owned by another streamfront serve (several API nodes need a shared PostgreSQL --store)")

// OpenOwner opens dir as its one API process, the only one that writes
// distributions there: it holds an exclusive lock on dir/owner.lock until
// Close (ErrOwned if another process holds it), which makes it safe to serve
// repeated reads of a distribution from memory (see readCache).
func OpenOwner(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	lock, err := lockOwner(filepath.Join(dir, "owner.lock"))
	if err != nil {
		return nil, err
	}
	s, err := Open(dir)
	if err != nil {
		lock.Close()
		return nil, err
	}
	s.cache, s.lock = newReadCache(), lock
	s.w.cache = s.cache
	return s, nil
}

func (s *Store) Close() error {
	err := s.w.close()
	s.r.stmts.close()
	err = errors.Join(err, s.rdb.Close(), s.wdb.Close())
	if s.lock != nil {
		err = errors.Join(err, s.lock.Close()) // releases the owner lock
	}
	return err
}

func (s *Store) Ping(ctx context.Context) error { return s.rdb.PingContext(ctx) }

// tx runs fn in a write transaction, durable when tx returns nil.
func (s *Store) tx(ctx context.Context, fn writeFunc) error { return s.w.do(ctx, fn) }

func isUnique(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

func nanos(t time.Time) int64     { return t.UTC().UnixNano() }
func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

type scanner interface{ Scan(...any) error }

// admit checks that a create into table ("distributions" or "oais") reuses
// no CallerReference of the account and stays within its quota (counts kept
// by triggers in account_usage).
func admit(ctx context.Context, tx querier, table, account, callerRef string, quota int) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce((SELECT `+table+` FROM account_usage WHERE account = ?), 0)`, account).Scan(&n); err != nil {
		return err
	}
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE account = ? AND caller_reference = ?`, account, callerRef).Scan(&one)
	if err == nil {
		return store.ErrCallerReferenceExists
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if n >= quota {
		return store.ErrQuotaExceeded
	}
	return nil
}

// checkETag checks, inside a write transaction, that id exists in account
// in table ("distributions" or "oais") and has ETag ifMatch: the one If-Match
// check of every update and delete. Errors: ErrNotFound, ErrPreconditionFailed.
func checkETag(ctx context.Context, tx querier, table, account, id, ifMatch string) error {
	var etag string
	err := tx.QueryRowContext(ctx, `SELECT etag FROM `+table+` WHERE account = ? AND id = ?`, account, id).Scan(&etag)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if err != nil {
		return err
	}
	if etag != ifMatch {
		return store.ErrPreconditionFailed
	}
	return nil
}
