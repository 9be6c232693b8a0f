-- Per-account counts of each quota'd resource. Creating takes the account's
-- row lock by incrementing it, so two nodes cannot both take the last slot,
-- and checking a quota costs one indexed row instead of counting the
-- account's resources. Created from the existing rows.

CREATE TABLE quota_usage (
	account text NOT NULL,
	kind text NOT NULL, -- the table counted: distributions or oais
	used integer NOT NULL CHECK (used >= 0),
	PRIMARY KEY (account, kind)
);
INSERT INTO quota_usage (account, kind, used)
	SELECT account, 'distributions', count(*) FROM distributions GROUP BY account
	UNION ALL
	SELECT account, 'oais', count(*) FROM oais GROUP BY account;
