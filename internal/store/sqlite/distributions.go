package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/streamfront/streamfront/internal/store"
)

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
	if d, ok := s.cache.get(account, id); ok {
		return d, nil
	}
	token := s.cache.start()
	d, err := scanDist(s.r.QueryRowContext(ctx, selectDist+` WHERE account = ? AND id = ?`, account, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	s.cache.put(token, d)
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

func (s *Store) UpdateDistribution(ctx context.Context, d *store.Distribution, ifMatch string) error {
	return s.tx(ctx, func(ctx context.Context, tx querier) error {
		if err := checkETag(ctx, tx, "distributions", d.Account, d.ID, ifMatch); err != nil {
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
		return tx.QueryRowContext(ctx, `UPDATE distributions SET etag = ?, version = version + 1, oai_id = ?, enabled = ?,
			config = ?, modified_at = ? WHERE id = ? RETURNING version`,
			d.ETag, d.OAIID, d.Enabled, d.Config, nanos(d.ModifiedAt), d.ID).Scan(&d.Version)
	})
}

func (s *Store) DeleteDistribution(ctx context.Context, account, id, ifMatch string) error {
	return s.tx(ctx, func(ctx context.Context, tx querier) error {
		if err := checkETag(ctx, tx, "distributions", account, id, ifMatch); err != nil {
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
	if p, ok := s.cache.getPending(); ok {
		return p, nil
	}
	token := s.cache.start()
	out, err := s.listPending(ctx)
	if err == nil {
		s.cache.putPending(token, out)
	}
	return out, err
}

func (s *Store) listPending(ctx context.Context) ([]store.Pending, error) {
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
