package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
)

// Group commit. With synchronous=FULL every commit waits for an fsync, and
// one fsync per write capped creates at about 1,600/s on the 2-core
// reference machine. So all write transactions go through one goroutine
// that takes every request waiting at that moment, runs each in its own
// SAVEPOINT inside one transaction, and commits them with a single fsync.
// Semantics per caller are unchanged:
//   - a caller is answered only after the commit holding its work is durable;
//   - a caller whose function fails is rolled back to its savepoint, so it
//     changes nothing and the others in the batch are unaffected;
//   - if the commit itself fails, every caller of the batch gets the error
//     and nothing of the batch is stored;
//   - a caller whose context ends does not wait: while its request is queued
//     it is withdrawn (nothing stored); once the batch holds it, the caller
//     gets errInDoubt and the batch still decides, all or nothing, whether
//     the write is stored (an API client retrying with the same
//     CallerReference or If-Match then gets CloudFront's answer).
//
// Requests in one batch run one after the other and see each other's
// effects exactly as if they had been separate serial transactions.

// maxBatch bounds how long one commit keeps early callers waiting.
const maxBatch = 256

type writeFunc func(ctx context.Context, tx querier) error

type writeReq struct {
	ctx  context.Context
	fn   writeFunc
	done chan error
}

// writer owns the single write connection and drives its transactions
// with plain BEGIN/SAVEPOINT/COMMIT statements, so that statements prepared
// once on the connection serve every batch.
type writer struct {
	commits atomic.Int64 // batches committed, for tests
	cache   *readCache   // nil, or told of every batch (OpenOwner)
	conn    *sql.Conn
	stmts   *stmtCache
	reqs    chan *writeReq
	quit    chan struct{}
	ended   chan struct{}
}

func newWriter(db *sql.DB) (*writer, error) {
	conn, err := db.Conn(context.Background())
	if err != nil {
		return nil, err
	}
	w := &writer{conn: conn, stmts: newStmtCache(conn), reqs: make(chan *writeReq),
		quit: make(chan struct{}), ended: make(chan struct{})}
	go w.run()
	return w, nil
}

var errClosed = errors.New("sqlite: store closed")

// errInDoubt is returned, wrapped with the context's error, to a caller that
// stopped waiting after its write was taken into a batch.
var errInDoubt = errors.New("sqlite: stopped waiting for a write in progress; it may still be stored")

// do runs fn in a write transaction and returns once it is durable (nil)
// or rolled back (fn's error, or the commit's).
func (w *writer) do(ctx context.Context, fn writeFunc) error {
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case w.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-w.quit:
		return errClosed
	}
	// Once taken, a request runs to the end: the batch decides its outcome.
	// The caller waits for that outcome only as long as its context lasts,
	// so that a stalled commit (a disk that hangs) does not hold it; done
	// is buffered, so the batch never waits for a caller that left.
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		select {
		case err := <-r.done: // the outcome arrived meanwhile: report it
			return err
		default:
			return fmt.Errorf("%w: %w", errInDoubt, ctx.Err())
		}
	}
}

func (w *writer) close() error {
	close(w.quit)
	<-w.ended
	w.stmts.close()
	return w.conn.Close()
}

func (w *writer) run() {
	defer close(w.ended)
	for {
		var batch []*writeReq
		select {
		case r := <-w.reqs:
			batch = append(batch, r)
		case <-w.quit:
			return
		}
	collect:
		for len(batch) < maxBatch {
			select {
			case r := <-w.reqs:
				batch = append(batch, r)
			default:
				break collect
			}
		}
		w.commit(batch)
	}
}

// commit runs batch in one transaction and answers every request.
func (w *writer) commit(batch []*writeReq) {
	errs := make([]error, len(batch))
	w.cache.beginWrite()
	err := w.runBatch(batch, errs)
	if err != nil {
		// Leave the connection outside any transaction for the next batch.
		w.exec("ROLLBACK")
	}
	// Before any caller is answered: a read after the answer must not be
	// served from before the write.
	w.cache.endWrite()
	for i, r := range batch {
		if err != nil && errs[i] == nil {
			errs[i] = err
		}
		r.done <- errs[i]
	}
}

// runBatch sets errs[i] for each request that failed on its own and
// returns an error that fails the whole batch (begin, savepoint, commit).
func (w *writer) runBatch(batch []*writeReq, errs []error) error {
	if err := w.exec("BEGIN IMMEDIATE"); err != nil {
		return err
	}
	q := querier{stmts: w.stmts}
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if err := w.exec("SAVEPOINT request"); err != nil {
			return err
		}
		// The caller's cancellation must not interrupt a statement: SQLite
		// would then roll back the whole batch.
		if errs[i] = r.fn(context.WithoutCancel(r.ctx), q); errs[i] != nil {
			if err := w.exec("ROLLBACK TO request"); err != nil {
				return fmt.Errorf("rollback to savepoint: %w", err)
			}
		}
		if err := w.exec("RELEASE request"); err != nil {
			return err
		}
	}
	if err := w.exec("COMMIT"); err != nil {
		return err
	}
	w.commits.Add(1)
	return nil
}

func (w *writer) exec(stmt string) error {
	_, err := querier{stmts: w.stmts}.ExecContext(context.Background(), stmt)
	return err
}
