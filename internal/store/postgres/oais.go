package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/streamfront/streamfront/internal/store"
)

const oaiCols = `id, account, etag, caller_reference, s3_canonical_user_id, comment, created_at`

func scanOAI(row pgx.Row) (*store.OAI, error) {
	var o store.OAI
	if err := row.Scan(&o.ID, &o.Account, &o.ETag, &o.CallerReference, &o.S3CanonicalUserID, &o.Comment, &o.CreatedAt); err != nil {
		return nil, err
	}
	o.CreatedAt = o.CreatedAt.UTC()
	return &o, nil
}

func (s *Store) CreateOAI(ctx context.Context, o *store.OAI, quota int) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := claimQuota(ctx, tx, "oais", o.Account, o.CallerReference, quota); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO oais(`+oaiCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			o.ID, o.Account, o.ETag, o.CallerReference, o.S3CanonicalUserID, o.Comment, o.CreatedAt)
		// The unnamed UNIQUE (account, caller_reference) of 0001_init.sql.
		if code, constraint := pgCode(err); code == codeUniqueViolation && constraint == "oais_account_caller_reference_key" {
			return store.ErrCallerReferenceExists
		}
		return err
	})
}

func (s *Store) GetOAI(ctx context.Context, account, id string) (*store.OAI, error) {
	o, err := scanOAI(s.pool.QueryRow(ctx, `SELECT `+oaiCols+` FROM oais WHERE account = $1 AND id = $2`, account, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return o, err
}

func (s *Store) ListOAIs(ctx context.Context, account, marker string, limit int) ([]*store.OAI, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+oaiCols+` FROM oais WHERE account = $1 AND id > $2 ORDER BY id LIMIT $3`, account, marker, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.OAI, error) { return scanOAI(r) })
}

func (s *Store) UpdateOAI(ctx context.Context, o *store.OAI, ifMatch string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := checkETag(ctx, tx, "oais", o.Account, o.ID, ifMatch); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE oais SET etag = $2, comment = $3 WHERE id = $1`, o.ID, o.ETag, o.Comment)
		return err
	})
}

func (s *Store) DeleteOAI(ctx context.Context, account, id, ifMatch string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := checkETag(ctx, tx, "oais", account, id, ifMatch); err != nil {
			return err
		}
		// The distributions_oai foreign key refuses to delete a referenced OAI.
		_, err := tx.Exec(ctx, `DELETE FROM oais WHERE id = $1`, id)
		if code, _ := pgCode(err); code == codeForeignKeyViolation {
			return store.ErrInUse
		}
		if err != nil {
			return err
		}
		return releaseQuota(ctx, tx, "oais", account)
	})
}
