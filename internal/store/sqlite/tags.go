package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/streamfront/streamfront/internal/store"
)

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
