package sqlite

import (
	"context"
	"database/sql"
)

// migrations are applied in order; index+1 is the schema version. Never edit
// a released migration: append a new one.
var migrations = []string{
	`CREATE TABLE oais (
		id TEXT PRIMARY KEY,
		account TEXT NOT NULL,
		etag TEXT NOT NULL,
		caller_reference TEXT NOT NULL,
		s3_canonical_user_id TEXT NOT NULL,
		comment TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		UNIQUE (account, caller_reference)
	);
	CREATE TABLE distributions (
		id TEXT PRIMARY KEY,
		account TEXT NOT NULL,
		etag TEXT NOT NULL,
		version INTEGER NOT NULL,
		deployed_version INTEGER NOT NULL,
		caller_reference TEXT NOT NULL,
		domain_name TEXT NOT NULL UNIQUE,
		oai_id TEXT NOT NULL,
		enabled INTEGER NOT NULL,
		config BLOB NOT NULL,
		created_at INTEGER NOT NULL,
		modified_at INTEGER NOT NULL,
		UNIQUE (account, caller_reference)
	);
	CREATE INDEX distributions_account ON distributions(account, id);
	CREATE INDEX distributions_oai ON distributions(oai_id) WHERE oai_id <> '';
	CREATE INDEX distributions_pending ON distributions(id) WHERE deployed_version < version;
	CREATE TABLE aliases (
		alias_key TEXT PRIMARY KEY, -- lower-cased: aliases are unique case-insensitively
		alias TEXT NOT NULL,
		distribution_id TEXT NOT NULL REFERENCES distributions(id) ON DELETE CASCADE,
		pos INTEGER NOT NULL
	);
	CREATE INDEX aliases_distribution ON aliases(distribution_id);
	CREATE TABLE tags (
		distribution_id TEXT NOT NULL REFERENCES distributions(id) ON DELETE CASCADE,
		key TEXT NOT NULL,
		value TEXT NOT NULL,
		PRIMARY KEY (distribution_id, key)
	);`,
	// RTMP edges and the distribution versions each has applied (deployment).
	`CREATE TABLE edges (
		id TEXT PRIMARY KEY,
		seen_at INTEGER NOT NULL
	);
	CREATE TABLE edge_applied (
		edge_id TEXT NOT NULL REFERENCES edges(id) ON DELETE CASCADE,
		distribution_id TEXT NOT NULL REFERENCES distributions(id) ON DELETE CASCADE,
		version INTEGER NOT NULL,
		PRIMARY KEY (distribution_id, edge_id)
	);
	CREATE INDEX edge_applied_edge ON edge_applied(edge_id);`,
	// Per-account counts for the quota checks, kept by triggers so that a
	// create costs the same with 10 or 100,000 distributions; and a covering
	// index for the deployer's frequent ListPending scan, which otherwise
	// reads a table page per pending row.
	`DROP INDEX distributions_pending;
	CREATE INDEX distributions_pending ON distributions(id, version, modified_at) WHERE deployed_version < version;
	CREATE TABLE account_usage (
		account TEXT PRIMARY KEY,
		distributions INTEGER NOT NULL DEFAULT 0,
		oais INTEGER NOT NULL DEFAULT 0
	);
	INSERT INTO account_usage(account, distributions, oais)
		SELECT account, sum(d), sum(o) FROM (
			SELECT account, 1 AS d, 0 AS o FROM distributions
			UNION ALL SELECT account, 0, 1 FROM oais)
		GROUP BY account;
	CREATE TRIGGER distributions_count_insert AFTER INSERT ON distributions BEGIN
		INSERT INTO account_usage(account, distributions) VALUES (NEW.account, 1)
			ON CONFLICT(account) DO UPDATE SET distributions = distributions + 1;
	END;
	CREATE TRIGGER distributions_count_delete AFTER DELETE ON distributions BEGIN
		UPDATE account_usage SET distributions = distributions - 1 WHERE account = OLD.account;
	END;
	CREATE TRIGGER oais_count_insert AFTER INSERT ON oais BEGIN
		INSERT INTO account_usage(account, oais) VALUES (NEW.account, 1)
			ON CONFLICT(account) DO UPDATE SET oais = oais + 1;
	END;
	CREATE TRIGGER oais_count_delete AFTER DELETE ON oais BEGIN
		UPDATE account_usage SET oais = oais - 1 WHERE account = OLD.account;
	END;`,
}

func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	var v int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v); err != nil {
		return err
	}
	for i := v; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version(version) VALUES (?)`, i+1); err != nil {
			return err
		}
	}
	return tx.Commit()
}
