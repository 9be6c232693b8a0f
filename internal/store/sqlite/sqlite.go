// Package sqlite is the embedded default Store: one database file in WAL mode,
// written by a single connection so transactions never fight over locks (and
// concurrent writes share one fsynced commit, see groupcommit.go), read by a
// pool.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/streamfront/streamfront/internal/store"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Store is the SQLite implementation of store.Store.
type Store struct {
	wdb *sql.DB // exactly one connection, owned by w
	w   *writer
	rdb *sql.DB
	r   querier // cached statements on rdb
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database in dir and applies migrations.
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

func (s *Store) Close() error {
	err := s.w.close()
	s.r.stmts.close()
	return errors.Join(err, s.rdb.Close(), s.wdb.Close())
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

// ---- distributions ----

const distCols = `id, account, etag, version, deployed_version, caller_reference, domain_name, oai_id, enabled, config, created_at, modified_at`

// distSelect selects a distribution of table t (a name or alias) with its
// aliases as a JSON array in configured order: one statement per read.
func distSelect(t string) string {
	cols := strings.Split(distCols, ", ")
	for i := range cols {
		cols[i] = t + "." + cols[i]
	}
	return strings.Join(cols, ", ") + `, (SELECT json_group_array(alias) FROM
		(SELECT alias FROM aliases WHERE distribution_id = ` + t + `.id ORDER BY pos))`
}

var (
	selectDist        = `SELECT ` + distSelect("distributions") + ` FROM distributions`
	selectDistByAlias = `SELECT ` + distSelect("d") + ` FROM aliases a JOIN distributions d ON d.id = a.distribution_id`
)

type scanner interface{ Scan(...any) error }

func scanDist(row scanner) (*store.Distribution, error) {
	var d store.Distribution
	var created, modified int64
	var aliases string
	err := row.Scan(&d.ID, &d.Account, &d.ETag, &d.Version, &d.DeployedVersion, &d.CallerReference,
		&d.DomainName, &d.OAIID, &d.Enabled, &d.Config, &created, &modified, &aliases)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(aliases), &d.Aliases); err != nil {
		return nil, fmt.Errorf("sqlite: aliases of %s: %w", d.ID, err)
	}
	d.CreatedAt, d.ModifiedAt = fromNanos(created), fromNanos(modified)
	return &d, nil
}

func insertAliases(ctx context.Context, tx querier, id string, aliases []string) error {
	for i, a := range aliases {
		_, err := tx.ExecContext(ctx, `INSERT INTO aliases(alias_key, alias, distribution_id, pos) VALUES (?, ?, ?, ?)`,
			strings.ToLower(a), a, id, i)
		if isUnique(err) {
			return &store.AliasConflictError{Alias: a}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func checkOAI(ctx context.Context, tx querier, account, oaiID string) error {
	if oaiID == "" {
		return nil
	}
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM oais WHERE account = ? AND id = ?`, account, oaiID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrOAINotFound
	}
	return err
}

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

func (s *Store) CreateDistribution(ctx context.Context, d *store.Distribution, tags []store.Tag, quota int) error {
	return s.tx(ctx, func(ctx context.Context, tx querier) error {
		if err := admit(ctx, tx, "distributions", d.Account, d.CallerReference, quota); err != nil {
			return err
		}
		if err := checkOAI(ctx, tx, d.Account, d.OAIID); err != nil {
			return err
		}
		if d.Version == 0 {
			d.Version = 1
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO distributions(`+distCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
			d.ID, d.Account, d.ETag, d.Version, d.DeployedVersion, d.CallerReference, d.DomainName, d.OAIID,
			d.Enabled, d.Config, nanos(d.CreatedAt), nanos(d.ModifiedAt))
		if err != nil {
			// admit has checked the CallerReference in this transaction, so
			// a unique violation here is the id or the domain name.
			return fmt.Errorf("sqlite: insert distribution %s: %w", d.ID, err)
		}
		if err := insertAliases(ctx, tx, d.ID, d.Aliases); err != nil {
			return err
		}
		return insertTags(ctx, tx, d.ID, tags)
	})
}

func (s *Store) GetDistribution(ctx context.Context, account, id string) (*store.Distribution, error) {
	d, err := scanDist(s.r.QueryRowContext(ctx, selectDist+` WHERE account = ? AND id = ?`, account, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Store) ListDistributions(ctx context.Context, account, marker string, limit int) ([]*store.Distribution, error) {
	rows, err := s.r.QueryContext(ctx, selectDist+` WHERE account = ? AND id > ? ORDER BY id LIMIT ?`, account, marker, limit)
	if err != nil {
		return nil, err
	}
	var out []*store.Distribution
	for rows.Next() {
		d, err := scanDist(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// casDistribution checks that id exists in account with ETag ifMatch.
func casDistribution(ctx context.Context, tx querier, account, id, ifMatch string) (version int64, err error) {
	var etag string
	err = tx.QueryRowContext(ctx, `SELECT etag, version FROM distributions WHERE account = ? AND id = ?`, account, id).Scan(&etag, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, store.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	if etag != ifMatch {
		return 0, store.ErrPreconditionFailed
	}
	return version, nil
}

func (s *Store) UpdateDistribution(ctx context.Context, d *store.Distribution, ifMatch string) error {
	return s.tx(ctx, func(ctx context.Context, tx querier) error {
		version, err := casDistribution(ctx, tx, d.Account, d.ID, ifMatch)
		if err != nil {
			return err
		}
		if err := checkOAI(ctx, tx, d.Account, d.OAIID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM aliases WHERE distribution_id = ?`, d.ID); err != nil {
			return err
		}
		if err := insertAliases(ctx, tx, d.ID, d.Aliases); err != nil {
			return err
		}
		d.Version = version + 1
		_, err = tx.ExecContext(ctx, `UPDATE distributions SET etag = ?, version = ?, oai_id = ?, enabled = ?, config = ?, modified_at = ? WHERE id = ?`,
			d.ETag, d.Version, d.OAIID, d.Enabled, d.Config, nanos(d.ModifiedAt), d.ID)
		return err
	})
}

func (s *Store) DeleteDistribution(ctx context.Context, account, id, ifMatch string) error {
	return s.tx(ctx, func(ctx context.Context, tx querier) error {
		if _, err := casDistribution(ctx, tx, account, id, ifMatch); err != nil {
			return err
		}
		// aliases and tags go with it (ON DELETE CASCADE).
		_, err := tx.ExecContext(ctx, `DELETE FROM distributions WHERE id = ?`, id)
		return err
	})
}

func (s *Store) FindDistributionByHost(ctx context.Context, host string) (*store.Distribution, error) {
	host = strings.ToLower(host)
	d, err := scanDist(s.r.QueryRowContext(ctx, selectDist+` WHERE domain_name = ?
		UNION ALL `+selectDistByAlias+` WHERE a.alias_key = ?
		LIMIT 1`, host, host))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return d, err
}

func (s *Store) ListPending(ctx context.Context) ([]store.Pending, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, version, modified_at FROM distributions WHERE deployed_version < version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Pending
	for rows.Next() {
		var p store.Pending
		var m int64
		if err := rows.Scan(&p.ID, &p.Version, &m); err != nil {
			return nil, err
		}
		p.ModifiedAt = fromNanos(m)
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *Store) MarkDeployed(ctx context.Context, id string, version int64) error {
	return s.tx(ctx, func(ctx context.Context, tx querier) error {
		_, err := tx.ExecContext(ctx, `UPDATE distributions SET deployed_version = ? WHERE id = ? AND deployed_version < ? AND version >= ?`,
			version, id, version, version)
		return err
	})
}

// ---- origin access identities ----

const oaiCols = `id, account, etag, caller_reference, s3_canonical_user_id, comment, created_at`

func scanOAI(row scanner) (*store.OAI, error) {
	var o store.OAI
	var created int64
	if err := row.Scan(&o.ID, &o.Account, &o.ETag, &o.CallerReference, &o.S3CanonicalUserID, &o.Comment, &created); err != nil {
		return nil, err
	}
	o.CreatedAt = fromNanos(created)
	return &o, nil
}

func (s *Store) CreateOAI(ctx context.Context, o *store.OAI, quota int) error {
	return s.tx(ctx, func(ctx context.Context, tx querier) error {
		if err := admit(ctx, tx, "oais", o.Account, o.CallerReference, quota); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oais(`+oaiCols+`) VALUES (?,?,?,?,?,?,?)`,
			o.ID, o.Account, o.ETag, o.CallerReference, o.S3CanonicalUserID, o.Comment, nanos(o.CreatedAt))
		if err != nil {
			// As for distributions: the CallerReference is checked by admit.
			return fmt.Errorf("sqlite: insert origin access identity %s: %w", o.ID, err)
		}
		return nil
	})
}

func (s *Store) GetOAI(ctx context.Context, account, id string) (*store.OAI, error) {
	o, err := scanOAI(s.r.QueryRowContext(ctx, `SELECT `+oaiCols+` FROM oais WHERE account = ? AND id = ?`, account, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return o, err
}

func (s *Store) ListOAIs(ctx context.Context, account, marker string, limit int) ([]*store.OAI, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+oaiCols+` FROM oais WHERE account = ? AND id > ? ORDER BY id LIMIT ?`, account, marker, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.OAI
	for rows.Next() {
		o, err := scanOAI(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func casOAI(ctx context.Context, tx querier, account, id, ifMatch string) error {
	var etag string
	err := tx.QueryRowContext(ctx, `SELECT etag FROM oais WHERE account = ? AND id = ?`, account, id).Scan(&etag)
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

func (s *Store) UpdateOAI(ctx context.Context, o *store.OAI, ifMatch string) error {
	return s.tx(ctx, func(ctx context.Context, tx querier) error {
		if err := casOAI(ctx, tx, o.Account, o.ID, ifMatch); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE oais SET etag = ?, comment = ? WHERE id = ?`, o.ETag, o.Comment, o.ID)
		return err
	})
}

func (s *Store) DeleteOAI(ctx context.Context, account, id, ifMatch string) error {
	return s.tx(ctx, func(ctx context.Context, tx querier) error {
		if err := casOAI(ctx, tx, account, id, ifMatch); err != nil {
			return err
		}
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM distributions WHERE oai_id = ? LIMIT 1`, id).Scan(&one)
		if err == nil {
			return store.ErrInUse
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM oais WHERE id = ?`, id)
		return err
	})
}

// ---- tags ----

func insertTags(ctx context.Context, tx querier, id string, tags []store.Tag) error {
	for _, t := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tags(distribution_id, key, value) VALUES (?, ?, ?)
			ON CONFLICT(distribution_id, key) DO UPDATE SET value = excluded.value`, id, t.Key, t.Value); err != nil {
			return err
		}
	}
	return nil
}

func distExists(ctx context.Context, tx querier, account, id string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM distributions WHERE account = ? AND id = ?`, account, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

func (s *Store) ListTags(ctx context.Context, account, id string) ([]store.Tag, error) {
	// One statement, so existence and tags are read from one snapshot: no
	// row means no such distribution, a NULL key means no tags.
	rows, err := s.r.QueryContext(ctx, `SELECT t.key, t.value FROM distributions d
		LEFT JOIN tags t ON t.distribution_id = d.id WHERE d.account = ? AND d.id = ? ORDER BY t.key`, account, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := false
	var out []store.Tag
	for rows.Next() {
		found = true
		var k, v sql.NullString
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		if k.Valid {
			out = append(out, store.Tag{Key: k.String, Value: v.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !found {
		return nil, store.ErrNotFound
	}
	return out, nil
}

func (s *Store) TagDistribution(ctx context.Context, account, id string, tags []store.Tag, maxTags int) error {
	return s.tx(ctx, func(ctx context.Context, tx querier) error {
		if err := distExists(ctx, tx, account, id); err != nil {
			return err
		}
		if err := insertTags(ctx, tx, id, tags); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM tags WHERE distribution_id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > maxTags {
			return store.ErrTooManyTags
		}
		return nil
	})
}

func (s *Store) UntagDistribution(ctx context.Context, account, id string, keys []string) error {
	return s.tx(ctx, func(ctx context.Context, tx querier) error {
		if err := distExists(ctx, tx, account, id); err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE distribution_id = ? AND key = ?`, id, k); err != nil {
				return err
			}
		}
		return nil
	})
}
