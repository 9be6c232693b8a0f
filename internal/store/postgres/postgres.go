// Package postgres is the Store for several streamfront nodes sharing one
// PostgreSQL database. Every cross-node invariant is enforced by the database
// inside one transaction: unique indexes (aliases, CallerReferences), row
// locks (ETag compare-and-swap, tag limits), transaction-scoped advisory
// locks (quotas) and a foreign key (OAI in use). Nothing is cached in the
// process, so a write through one node is visible on every node at once.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/streamfront/streamfront/internal/store"
)

// Store is the PostgreSQL implementation of store.Store.
type Store struct {
	pool *pgxpool.Pool
}

var _ store.Store = (*Store)(nil)

// defaultMaxConns is the pool size unless the DSN sets pool_max_conns:
// pgxpool's default (the number of CPUs, at least 4) makes a node's API
// requests queue for a connection while others wait on commits.
const defaultMaxConns = 16

// defaultConnectTimeout bounds opening a connection unless the DSN (or
// PGCONNECT_TIMEOUT) sets connect_timeout. pgx has no default, so while a
// database that fails over is unreachable without refusing connections, a
// request would wait for the kernel to give up the TCP handshake (minutes)
// instead of being answered 503 ServiceUnavailable.
const defaultConnectTimeout = 5 * time.Second

// Open connects to the database named by dsn (a postgres:// URL or key=value
// string; pgxpool settings such as pool_max_conns are accepted) and applies
// pending migrations.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres dsn: %w", err)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &Store{pool: pool}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres migrate: %w", err)
	}
	return s, nil
}

func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// maxAttempts bounds how often a transaction is re-run after PostgreSQL
// aborted it to break a deadlock or a serialization conflict.
const maxAttempts = 5

// tx runs fn in a read-committed transaction, re-running it when PostgreSQL
// aborted it for a reason that a retry resolves. fn must therefore derive
// everything it writes from what it reads inside the transaction.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, s.pool, fn)
		if attempt == maxAttempts || !retryable(err) {
			return err
		}
		backoff := time.Duration(attempt) * time.Duration(1+rand.IntN(10)) * time.Millisecond
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// SQLSTATE codes the store reacts to.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

func pgCode(err error) (code, constraint string) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, pe.ConstraintName
	}
	return "", ""
}

func retryable(err error) bool {
	code, _ := pgCode(err)
	return code == codeSerializationFailure || code == codeDeadlockDetected
}

// claimQuota takes one unit of the account's quota for kind (the table
// "distributions" or "oais") for a resource with callerRef. Incrementing the
// account's quota_usage row locks it until the transaction ends, so creates
// of one account take turns and two nodes cannot both take the last slot; a
// rollback gives the unit back. As in every store, a reused CallerReference
// is reported before a full quota (one reused by a create that commits while
// this statement waits for the row shows up as the insert's unique violation,
// or, if the quota is full by then, as ErrQuotaExceeded).
func claimQuota(ctx context.Context, tx pgx.Tx, kind, account, callerRef string, quota int) error {
	var used int
	var refUsed bool
	err := tx.QueryRow(ctx, `INSERT INTO quota_usage AS q (account, kind, used) VALUES ($1, $2, 1)
		ON CONFLICT (account, kind) DO UPDATE SET used = q.used + 1
		RETURNING q.used, EXISTS (SELECT 1 FROM `+kind+` WHERE account = $1 AND caller_reference = $3)`,
		account, kind, callerRef).Scan(&used, &refUsed)
	switch {
	case err != nil:
		return err
	case refUsed:
		return store.ErrCallerReferenceExists
	case used > quota:
		return store.ErrQuotaExceeded
	}
	return nil
}

// releaseQuota gives back the unit of a deleted resource.
func releaseQuota(ctx context.Context, tx pgx.Tx, kind, account string) error {
	_, err := tx.Exec(ctx, `UPDATE quota_usage SET used = used - 1 WHERE account = $1 AND kind = $2`, account, kind)
	return err
}

// checkETag locks the row id of table in account for the rest of the
// transaction and compares its ETag with ifMatch.
func checkETag(ctx context.Context, tx pgx.Tx, table, account, id, ifMatch string) error {
	var etag string
	err := tx.QueryRow(ctx, `SELECT etag FROM `+table+` WHERE account = $1 AND id = $2 FOR UPDATE`, account, id).Scan(&etag)
	if errors.Is(err, pgx.ErrNoRows) {
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

// exists reports ErrNotFound unless query (which selects one row) finds a row.
func exists(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, query string, args ...any) error {
	var one int
	err := q.QueryRow(ctx, query, args...).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}
