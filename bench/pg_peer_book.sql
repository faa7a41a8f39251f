-- bench/pg_peer_book.sql - the peer's booking (pgbench -f, -M prepared): a
-- random teacher among :teachers, a random student, a 60-min session at a
-- random 30-min grid start in the 14 days of window :window (as
-- bench_pg --mode book). The exclusion constraint refuses an overlap; ON
-- CONFLICT DO NOTHING turns that refusal (23P01 otherwise) into 0 rows, so
-- the client goes on, as the library's SL_ECONFLICT. Successes are the rows
-- the block added (bench/pg_bench.py counts them).
\set teacher random(1, :teachers)
\set student random(1, 8)
\set start 1893974400 + :window * 1209600 + random(0, 671) * 1800
\set end :start + 3600
INSERT INTO peer.sessions (tenant, student, during)
VALUES (:teacher, :student, tstzrange(to_timestamp(:start), to_timestamp(:end)))
ON CONFLICT DO NOTHING;
