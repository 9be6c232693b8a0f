package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/streamfront/streamfront/internal/store"
)

func upsertTags(ctx context.Context, tx pgx.Tx, id string, tags []store.Tag) error {
	for _, t := range tags {
		if _, err := tx.Exec(ctx, `INSERT INTO tags(distribution_id, key, value) VALUES ($1, $2, $3)
			ON CONFLICT (distribution_id, key) DO UPDATE SET value = excluded.value`, id, t.Key, t.Value); err != nil {
			return err
		}
	}
	return nil
}

// lockDist locks distribution id of account until the transaction ends, so
// that concurrent tag writers (and a delete) take turns.
func lockDist(ctx context.Context, tx pgx.Tx, account, id string) error {
	return exists(ctx, tx, `SELECT 1 FROM distributions WHERE account = $1 AND id = $2 FOR UPDATE`, account, id)
}

func (s *Store) ListTags(ctx context.Context, account, id string) ([]store.Tag, error) {
	// The left join returns one row with NULLs for a distribution without
	// tags and no row at all for a missing one: one statement, one snapshot.
	rows, err := s.pool.Query(ctx, `SELECT t.key, t.value FROM distributions d
		LEFT JOIN tags t ON t.distribution_id = d.id
		WHERE d.account = $1 AND d.id = $2 ORDER BY t.key`, account, id)
	if err != nil {
		return nil, err
	}
	found := false
	var out []store.Tag
	var key, value *string
	_, err = pgx.ForEachRow(rows, []any{&key, &value}, func() error {
		found = true
		if key != nil {
			out = append(out, store.Tag{Key: *key, Value: *value})
		}
		return nil
	})
	if err == nil && !found {
		return nil, store.ErrNotFound
	}
	return out, err
}

func (s *Store) TagDistribution(ctx context.Context, account, id string, tags []store.Tag, maxTags int) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockDist(ctx, tx, account, id); err != nil {
			return err
		}
		if err := upsertTags(ctx, tx, id, tags); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM tags WHERE distribution_id = $1`, id).Scan(&n); err != nil {
			return err
		}
		if n > maxTags {
			return store.ErrTooManyTags
		}
		return nil
	})
}

func (s *Store) UntagDistribution(ctx context.Context, account, id string, keys []string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockDist(ctx, tx, account, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM tags WHERE distribution_id = $1 AND key = ANY($2)`, id, keys)
		return err
	})
}
