package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/streamfront/streamfront/internal/store"
)

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

func (s *Store) UpdateOAI(ctx context.Context, o *store.OAI, ifMatch string) error {
	return s.tx(ctx, func(ctx context.Context, tx querier) error {
		if err := checkETag(ctx, tx, "oais", o.Account, o.ID, ifMatch); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE oais SET etag = ?, comment = ? WHERE id = ?`, o.ETag, o.Comment, o.ID)
		return err
	})
}

func (s *Store) DeleteOAI(ctx context.Context, account, id, ifMatch string) error {
	return s.tx(ctx, func(ctx context.Context, tx querier) error {
		if err := checkETag(ctx, tx, "oais", account, id, ifMatch); err != nil {
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
