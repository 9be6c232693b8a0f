-- Initial schema. Every invariant the API promises across nodes lives here,
-- not in a process: ids and tag keys use the "C" collation so pagination
-- order is byte order whatever the database locale.

CREATE TABLE oais (
	id text COLLATE "C" PRIMARY KEY,
	account text NOT NULL,
	etag text NOT NULL,
	caller_reference text NOT NULL,
	s3_canonical_user_id text NOT NULL,
	comment text NOT NULL,
	created_at timestamptz NOT NULL,
	UNIQUE (account, caller_reference),
	UNIQUE (account, id) -- target of the distributions foreign key
);

CREATE TABLE distributions (
	id text COLLATE "C" PRIMARY KEY,
	account text NOT NULL,
	etag text NOT NULL,
	version bigint NOT NULL,
	deployed_version bigint NOT NULL,
	caller_reference text NOT NULL,
	domain_name text NOT NULL,
	-- NULL when the distribution uses no OAI. The foreign key is the OAI
	-- in-use check: a create referencing an OAI and a delete of that OAI
	-- serialise on the OAI row, so they cannot both succeed.
	oai_id text COLLATE "C",
	enabled boolean NOT NULL,
	config bytea NOT NULL,
	created_at timestamptz NOT NULL,
	modified_at timestamptz NOT NULL,
	CONSTRAINT distributions_caller_reference UNIQUE (account, caller_reference),
	CONSTRAINT distributions_oai FOREIGN KEY (account, oai_id) REFERENCES oais (account, id)
);
CREATE UNIQUE INDEX distributions_domain_name ON distributions (lower(domain_name));
CREATE INDEX distributions_account ON distributions (account, id);
CREATE INDEX distributions_oai_id ON distributions (account, oai_id) WHERE oai_id IS NOT NULL;
CREATE INDEX distributions_pending ON distributions (id) WHERE deployed_version < version;

CREATE TABLE aliases (
	distribution_id text COLLATE "C" NOT NULL REFERENCES distributions (id) ON DELETE CASCADE,
	pos integer NOT NULL,
	alias text NOT NULL,
	PRIMARY KEY (distribution_id, pos)
);
-- Aliases are unique case-insensitively across all accounts.
CREATE UNIQUE INDEX aliases_alias ON aliases (lower(alias));

CREATE TABLE tags (
	distribution_id text COLLATE "C" NOT NULL REFERENCES distributions (id) ON DELETE CASCADE,
	key text COLLATE "C" NOT NULL,
	value text NOT NULL,
	PRIMARY KEY (distribution_id, key)
);
