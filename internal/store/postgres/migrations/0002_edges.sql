-- RTMP edges and the distribution versions each has applied: a distribution
-- is Deployed once every live edge has applied its latest version.

CREATE TABLE edges (
	id text COLLATE "C" PRIMARY KEY,
	seen_at timestamptz NOT NULL
);

CREATE TABLE edge_applied (
	edge_id text COLLATE "C" NOT NULL REFERENCES edges(id) ON DELETE CASCADE,
	distribution_id text COLLATE "C" NOT NULL REFERENCES distributions(id) ON DELETE CASCADE,
	version bigint NOT NULL,
	PRIMARY KEY (distribution_id, edge_id)
);

CREATE INDEX edge_applied_edge ON edge_applied(edge_id);
