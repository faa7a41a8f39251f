-- bench/pg_peer_schema.sql - the peer's tables (bench/pg_bench.py): the
-- seed system's own approach, hand-written SQL, in its own schema "peer"
-- on the benchmark's throwaway cluster. psql -v teachers=T -f this file.
CREATE EXTENSION IF NOT EXISTS btree_gist;
DROP SCHEMA IF EXISTS peer CASCADE;
CREATE SCHEMA peer;
-- A booking: one row; the server refuses an overlap on the same teacher
-- (tenant) by the exclusion constraint.
CREATE TABLE peer.sessions (
    id bigserial PRIMARY KEY,
    tenant bigint NOT NULL,
    student bigint NOT NULL,
    during tstzrange NOT NULL,
    EXCLUDE USING gist (tenant WITH =, during WITH &&)
);
-- A post: an entry keyed by an idempotency key, and the account's balance.
CREATE TABLE peer.entries (
    id bigserial PRIMARY KEY,
    tenant bigint NOT NULL,
    student bigint NOT NULL,
    amount bigint NOT NULL,
    idem_key text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant, idem_key)
);
CREATE TABLE peer.accounts (
    tenant bigint NOT NULL,
    student bigint NOT NULL,
    balance bigint NOT NULL,
    PRIMARY KEY (tenant, student)
);
INSERT INTO peer.accounts
SELECT t, s, 1000000000 FROM generate_series(1, :teachers) t, generate_series(1, 8) s;
