-- bench/pg_peer_post.sql - the peer's post (pgbench -f, -M prepared): an
-- entry keyed by an idempotency key (INSERT ... ON CONFLICT DO NOTHING) and
-- the account's balance UPDATE, in one transaction; +1 credit on a random
-- student of a random teacher among :teachers (as bench_pg --mode post).
\set teacher random(1, :teachers)
\set student random(1, 8)
\set k random(1, 1000000000000000)
BEGIN;
INSERT INTO peer.entries (tenant, student, amount, idem_key)
VALUES (:teacher, :student, 1, 'p-' || :window || '-' || :client_id || '-' || :k)
ON CONFLICT (tenant, idem_key) DO NOTHING;
UPDATE peer.accounts SET balance = balance + 1 WHERE tenant = :teacher AND student = :student;
COMMIT;
