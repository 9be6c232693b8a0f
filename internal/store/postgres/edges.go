package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// edgeForgetAfter is how long an edge that stopped heart-beating is kept.
const edgeForgetAfter = 24 * time.Hour

func (s *Store) EdgeHeartbeat(ctx context.Context, edgeID string, at time.Time, applied map[string]int64) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM edges WHERE seen_at < $1`, at.Add(-edgeForgetAfter)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO edges(id, seen_at) VALUES ($1, $2)
			ON CONFLICT (id) DO UPDATE SET seen_at = GREATEST(edges.seen_at, excluded.seen_at)`, edgeID, at); err != nil {
			return err
		}
		for id, v := range applied {
			// The SELECT skips distributions deleted meanwhile.
			if _, err := tx.Exec(ctx, `INSERT INTO edge_applied(edge_id, distribution_id, version)
				SELECT $1, id, $2 FROM distributions WHERE id = $3
				ON CONFLICT (distribution_id, edge_id) DO UPDATE SET version = GREATEST(edge_applied.version, excluded.version)`,
				edgeID, v, id); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) EdgesBehind(ctx context.Context, id string, version int64, since time.Time) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT e.id FROM edges e
		LEFT JOIN edge_applied a ON a.edge_id = e.id AND a.distribution_id = $1
		WHERE e.seen_at >= $2 AND coalesce(a.version, 0) < $3 ORDER BY e.id`, id, since, version)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
