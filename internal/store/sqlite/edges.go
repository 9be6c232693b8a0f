package sqlite

import (
	"context"
	"time"
)

// edgeForgetAfter is how long an edge that stopped heart-beating is kept.
const edgeForgetAfter = 24 * time.Hour

func (s *Store) EdgeHeartbeat(ctx context.Context, edgeID string, at time.Time, applied map[string]int64) error {
	return s.tx(ctx, func(ctx context.Context, tx querier) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM edges WHERE seen_at < ?`, at.Add(-edgeForgetAfter).UnixNano()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO edges(id, seen_at) VALUES (?, ?)
			ON CONFLICT(id) DO UPDATE SET seen_at = max(seen_at, excluded.seen_at)`, edgeID, at.UnixNano()); err != nil {
			return err
		}
		for id, v := range applied {
			// The SELECT skips distributions deleted meanwhile.
			if _, err := tx.ExecContext(ctx, `INSERT INTO edge_applied(edge_id, distribution_id, version)
				SELECT ?, id, ? FROM distributions WHERE id = ?
				ON CONFLICT(distribution_id, edge_id) DO UPDATE SET version = max(version, excluded.version)`,
				edgeID, v, id); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) EdgesBehind(ctx context.Context, id string, version int64, since time.Time) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT e.id FROM edges e
		LEFT JOIN edge_applied a ON a.edge_id = e.id AND a.distribution_id = ?
		WHERE e.seen_at >= ? AND coalesce(a.version, 0) < ? ORDER BY e.id`, id, since.UnixNano(), version)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
