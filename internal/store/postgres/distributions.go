package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/streamfront/streamfront/internal/store"
)

// distCols selects a distribution with its aliases in configured order, so
// that one statement (one snapshot) returns the whole record.
const distCols = `d.id, d.account, d.etag, d.version, d.deployed_version, d.caller_reference,
	d.domain_name, coalesce(d.oai_id, ''), d.enabled, d.config, d.created_at, d.modified_at,
	array(SELECT a.alias FROM aliases a WHERE a.distribution_id = d.id ORDER BY a.pos)`

func scanDist(row pgx.Row) (*store.Distribution, error) {
	var d store.Distribution
	err := row.Scan(&d.ID, &d.Account, &d.ETag, &d.Version, &d.DeployedVersion, &d.CallerReference,
		&d.DomainName, &d.OAIID, &d.Enabled, &d.Config, &d.CreatedAt, &d.ModifiedAt, &d.Aliases)
	if err != nil {
		return nil, err
	}
	d.CreatedAt, d.ModifiedAt = d.CreatedAt.UTC(), d.ModifiedAt.UTC()
	return &d, nil
}

// getDist returns the one distribution query selects (with distCols), or ErrNotFound.
func (s *Store) getDist(ctx context.Context, query string, args ...any) (*store.Distribution, error) {
	d, err := scanDist(s.pool.QueryRow(ctx, query, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return d, err
}

// nullIfEmpty maps the store's "no OAI" to SQL NULL, which the foreign key skips.
func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// insertAliases inserts aliases in lower-case order (pos keeps the configured
// order), so two transactions claiming overlapping sets wait for each other
// instead of deadlocking.
func insertAliases(ctx context.Context, tx pgx.Tx, id string, aliases []string) error {
	order := make([]int, len(aliases))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return strings.Compare(strings.ToLower(aliases[a]), strings.ToLower(aliases[b]))
	})
	for _, i := range order {
		_, err := tx.Exec(ctx, `INSERT INTO aliases(distribution_id, pos, alias) VALUES ($1, $2, $3)`, id, i, aliases[i])
		if code, constraint := pgCode(err); code == codeUniqueViolation && constraint == "aliases_alias" {
			return &store.AliasConflictError{Alias: aliases[i]}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// distWriteError translates constraint violations of a distribution write.
func distWriteError(err error) error {
	switch code, constraint := pgCode(err); {
	case code == codeUniqueViolation && constraint == "distributions_caller_reference":
		return store.ErrCallerReferenceExists
	case code == codeForeignKeyViolation && constraint == "distributions_oai":
		return store.ErrOAINotFound
	}
	return err
}

func (s *Store) CreateDistribution(ctx context.Context, d *store.Distribution, tags []store.Tag, quota int) error {
	if d.Version == 0 {
		d.Version = 1
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := claimQuota(ctx, tx, "distributions", d.Account, d.CallerReference, quota); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO distributions(id, account, etag, version, deployed_version,
			caller_reference, domain_name, oai_id, enabled, config, created_at, modified_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			d.ID, d.Account, d.ETag, d.Version, d.DeployedVersion, d.CallerReference, d.DomainName,
			nullIfEmpty(d.OAIID), d.Enabled, d.Config, d.CreatedAt, d.ModifiedAt)
		if err != nil {
			return distWriteError(err)
		}
		if err := insertAliases(ctx, tx, d.ID, d.Aliases); err != nil {
			return err
		}
		return upsertTags(ctx, tx, d.ID, tags)
	})
}

func (s *Store) GetDistribution(ctx context.Context, account, id string) (*store.Distribution, error) {
	return s.getDist(ctx, `SELECT `+distCols+` FROM distributions d WHERE d.account = $1 AND d.id = $2`, account, id)
}

func (s *Store) ListDistributions(ctx context.Context, account, marker string, limit int) ([]*store.Distribution, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+distCols+` FROM distributions d
		WHERE d.account = $1 AND d.id > $2 ORDER BY d.id LIMIT $3`, account, marker, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.Distribution, error) { return scanDist(r) })
}

func (s *Store) UpdateDistribution(ctx context.Context, d *store.Distribution, ifMatch string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := checkETag(ctx, tx, "distributions", d.Account, d.ID, ifMatch); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `UPDATE distributions SET etag = $2, version = version + 1, oai_id = $3,
			enabled = $4, config = $5, modified_at = $6 WHERE id = $1 RETURNING version`,
			d.ID, d.ETag, nullIfEmpty(d.OAIID), d.Enabled, d.Config, d.ModifiedAt).Scan(&d.Version)
		if err != nil {
			return distWriteError(err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM aliases WHERE distribution_id = $1`, d.ID); err != nil {
			return err
		}
		return insertAliases(ctx, tx, d.ID, d.Aliases)
	})
}

func (s *Store) DeleteDistribution(ctx context.Context, account, id, ifMatch string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := checkETag(ctx, tx, "distributions", account, id, ifMatch); err != nil {
			return err
		}
		// Aliases and tags go with it (ON DELETE CASCADE).
		if _, err := tx.Exec(ctx, `DELETE FROM distributions WHERE id = $1`, id); err != nil {
			return err
		}
		return releaseQuota(ctx, tx, "distributions", account)
	})
}

func (s *Store) FindDistributionByHost(ctx context.Context, host string) (*store.Distribution, error) {
	return s.getDist(ctx, `SELECT `+distCols+` FROM distributions d WHERE lower(d.domain_name) = lower($1)
		UNION ALL
		SELECT `+distCols+` FROM aliases h JOIN distributions d ON d.id = h.distribution_id WHERE lower(h.alias) = lower($1)
		LIMIT 1`, host)
}

func (s *Store) ListPending(ctx context.Context) ([]store.Pending, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, version, modified_at FROM distributions WHERE deployed_version < version ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Pending, error) {
		var p store.Pending
		err := r.Scan(&p.ID, &p.Version, &p.ModifiedAt)
		p.ModifiedAt = p.ModifiedAt.UTC()
		return p, err
	})
}

func (s *Store) MarkDeployed(ctx context.Context, id string, version int64) error {
	_, err := s.pool.Exec(ctx, `UPDATE distributions SET deployed_version = $2
		WHERE id = $1 AND deployed_version < $2 AND version >= $2`, id, version)
	return err
}
