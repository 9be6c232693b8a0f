package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache prepares each query once per database handle (a pool or the
// writer's connection). modernc's SQLite otherwise parses every statement
// on every call, which profiling showed to be a fifth of a
// GetStreamingDistribution's CPU.
type stmtCache struct {
	db interface {
		PrepareContext(context.Context, string) (*sql.Stmt, error)
	}
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db interface {
	PrepareContext(context.Context, string) (*sql.Stmt, error)
}) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}}
}

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	st, ok := c.m[query]
	c.mu.Unlock()
	if ok {
		return st, nil
	}
	// Prepare without the lock: on a busy pool it waits for a connection,
	// and readers of other, cached statements must not wait with it.
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if first, ok := c.m[query]; ok { // another caller won the race
		st.Close()
		return first, nil
	}
	c.m[query] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = map[string]*sql.Stmt{}
}

// errRow is a row whose query could not even be prepared.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// querier runs cached statements. Its methods mirror database/sql's.
type querier struct{ stmts *stmtCache }

func (q querier) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	return q.stmts.get(ctx, query)
}

func (q querier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (q querier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (q querier) QueryRowContext(ctx context.Context, query string, args ...any) scanner {
	st, err := q.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}
