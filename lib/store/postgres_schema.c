/*
 * lib/store/postgres_schema.c - the PostgreSQL schema and its migrations.
 * Append only: a released migration never changes. Applied versions are
 * recorded in <schema>.sl_schema.
 *
 * Conventions (as in the SQLite schema, lib/store/schema.c): deleted_at is
 * NULL for a live row; keys, references and webhook names are bytea (the
 * store compares bytes, as the others do); windows are n pairs of
 * little-endian int32. Every table's key starts with the tenant and every
 * hot statement filters by it, so the schema distributes by tenant (Citus:
 * see the README). Ids come from one sequence per table (sl_ids_<n>,
 * migration 2), which no transaction waits for; the store takes them in
 * blocks and reuses those a rollback left unused (postgres_internal.h,
 * pg_idpool), so ids are never reused and one connection hands them out
 * in order. Gaps appear between connections, never within a tenant's
 * ledger: entries' (tenant, seq) is the gapless chain, written by the core.
 *
 * The server enforces, by itself, a second line of defence behind the
 * core's checks:
 *  - sessions_no_overlap: no two live sessions of one tenant whose status
 *    blocks time overlap, manual sessions excepted. Which statuses block is
 *    defined once in the core, sl__status_blocking() in
 *    lib/sessions/check.c (pending 1, confirmed 2, completed 4, no-show 5);
 *    manual sessions (kind 3) "never conflict" (sl_schedule_manual,
 *    sl_reschedule). The literals below repeat that definition: change them
 *    together, with a new migration.
 *  - unique (tenant, key) of sessions, entries and holds, unique
 *    (tenant, seq) of entries, unique (tenant, date) of overrides;
 *  - entries are append-only (triggers).
 * accounts.mac / holds.mac (with mac_seq, the chain head they bind) are the
 * row MACs the core computes with a ledger key; NULL is "no MAC".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postgres_internal.h"

/* A migration's SQL comes in parts (C compilers need not take longer
 * string literals than 4095 bytes); they run in order, in one transaction. */
#define MAX_PARTS 4
typedef struct migration {
    int version;
    const char *description;
    const char *sql[MAX_PARTS];
} migration;

static const migration migrations[] = {
    {1, "tables, indexes, constraints", {
     "CREATE TABLE sl_ids (entity bigint PRIMARY KEY, last bigint NOT NULL);"
     "INSERT INTO sl_ids VALUES (1, 0), (2, 0), (3, 0), (4, 0), (5, 0);"
     ""
     "CREATE TABLE tenants ("
     "  id bigint PRIMARY KEY, tz text NOT NULL,"
     "  buffer_before bigint NOT NULL, buffer_after bigint NOT NULL, min_notice bigint NOT NULL,"
     "  step bigint NOT NULL, max_advance_days bigint NOT NULL, late_cancel bigint NOT NULL,"
     "  created_at bigint NOT NULL, updated_at bigint NOT NULL);"
     ""
     "CREATE TABLE rules ("
     "  tenant bigint NOT NULL, id bigint NOT NULL,"
     "  weekday bigint NOT NULL CHECK (weekday BETWEEN 1 AND 7),"
     "  start_min bigint NOT NULL, end_min bigint NOT NULL,"
     "  valid_from bigint NOT NULL, valid_until bigint NOT NULL,"
     "  created_at bigint NOT NULL, updated_at bigint NOT NULL, deleted_at bigint,"
     "  PRIMARY KEY (tenant, id));"
     "CREATE INDEX rules_deleted ON rules (deleted_at) WHERE deleted_at IS NOT NULL;"
     ""
     "CREATE TABLE overrides ("
     "  tenant bigint NOT NULL, id bigint NOT NULL, date bigint NOT NULL,"
     "  windows bytea NOT NULL CHECK (length(windows) % 8 = 0 AND length(windows) <= 384),"
     "  created_at bigint NOT NULL, updated_at bigint NOT NULL, deleted_at bigint,"
     "  PRIMARY KEY (tenant, id));"
     "CREATE UNIQUE INDEX overrides_date ON overrides (tenant, date);"
     "CREATE INDEX overrides_deleted ON overrides (deleted_at) WHERE deleted_at IS NOT NULL;"
     ""
     "CREATE TABLE sessions ("
     "  tenant bigint NOT NULL, id bigint NOT NULL, student bigint NOT NULL,"
     "  start_at bigint NOT NULL, end_at bigint NOT NULL,"
     "  status bigint NOT NULL CHECK (status BETWEEN 1 AND 5),"
     "  kind bigint NOT NULL CHECK (kind BETWEEN 1 AND 3),"
     "  credits bigint NOT NULL, hold_id bigint NOT NULL, series_id bigint NOT NULL,"
     "  created_at bigint NOT NULL, updated_at bigint NOT NULL, deleted_at bigint,"
     "  idem_key bytea NOT NULL CHECK (length(idem_key) <= 128),"
     "  request_hash bytea NOT NULL CHECK (length(request_hash) = 16),"
     "  CHECK (end_at > start_at AND end_at - start_at <= 86400),"
     "  PRIMARY KEY (tenant, id),"
     "  CONSTRAINT sessions_no_overlap EXCLUDE USING gist"
     "    (tenant WITH =, int8range(start_at, end_at) WITH &&)"
     "    WHERE (deleted_at IS NULL AND status IN (1, 2, 4, 5) AND kind <> 3));"
     "CREATE INDEX sessions_blocking ON sessions (tenant, start_at, id) INCLUDE (end_at)"
     "  WHERE deleted_at IS NULL AND status <> 3;"
     "CREATE INDEX sessions_range ON sessions (tenant, start_at, id);"
     "CREATE UNIQUE INDEX sessions_key ON sessions (tenant, idem_key) WHERE idem_key <> ''::bytea;"
     "CREATE INDEX sessions_student ON sessions (tenant, student, start_at, id);"
     "CREATE INDEX sessions_series ON sessions (tenant, series_id, start_at, id) WHERE series_id <> 0;"
     "CREATE INDEX sessions_deleted ON sessions (deleted_at) WHERE deleted_at IS NOT NULL;",
     "CREATE TABLE accounts ("
     "  tenant bigint NOT NULL, student bigint NOT NULL,"
     "  floor bigint NOT NULL, posted bigint NOT NULL, held bigint NOT NULL,"
     "  created_at bigint NOT NULL, updated_at bigint NOT NULL, deleted_at bigint,"
     "  mac_seq bigint, mac bytea CHECK (mac IS NULL OR length(mac) = 32),"
     "  PRIMARY KEY (tenant, student));"
     ""
     "CREATE TABLE entries ("
     "  tenant bigint NOT NULL, id bigint NOT NULL, seq bigint NOT NULL, account bigint NOT NULL,"
     "  kind bigint NOT NULL, amount bigint NOT NULL, balance_after bigint NOT NULL,"
     "  hold_id bigint NOT NULL, created_at bigint NOT NULL,"
     "  idem_key bytea NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 128),"
     "  reference bytea NOT NULL CHECK (length(reference) <= 128),"
     "  request_hash bytea NOT NULL CHECK (length(request_hash) = 16),"
     "  hash bytea NOT NULL CHECK (length(hash) = 32),"
     "  PRIMARY KEY (tenant, id));"
     "CREATE UNIQUE INDEX entries_seq ON entries (tenant, seq);"
     "CREATE UNIQUE INDEX entries_key ON entries (tenant, idem_key);"
     "CREATE INDEX entries_account ON entries (tenant, account, seq);"
     "CREATE FUNCTION sl_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS"
     "  $$BEGIN RAISE EXCEPTION 'ledger entries are append-only'; END$$;"
     "CREATE TRIGGER entries_no_update BEFORE UPDATE OR DELETE ON entries"
     "  FOR EACH ROW EXECUTE FUNCTION sl_entries_append_only();"
     ""
     "CREATE TABLE holds ("
     "  tenant bigint NOT NULL, id bigint NOT NULL, account bigint NOT NULL,"
     "  status bigint NOT NULL CHECK (status BETWEEN 1 AND 4),"
     "  amount bigint NOT NULL, captured bigint NOT NULL, expires_at bigint NOT NULL,"
     "  created_at bigint NOT NULL, resolved_at bigint NOT NULL, entry_id bigint NOT NULL,"
     "  idem_key bytea NOT NULL CHECK (length(idem_key) <= 128),"
     "  request_hash bytea NOT NULL CHECK (length(request_hash) = 16),"
     "  mac_seq bigint, mac bytea CHECK (mac IS NULL OR length(mac) = 32),"
     "  PRIMARY KEY (tenant, id));"
     "CREATE UNIQUE INDEX holds_key ON holds (tenant, idem_key) WHERE idem_key <> ''::bytea;"
     "CREATE INDEX holds_active ON holds (tenant, account, expires_at) WHERE status = 1;"
     ""
     "CREATE TABLE webhook_events ("
     "  tenant bigint NOT NULL, source bytea NOT NULL, event_id bytea NOT NULL,"
     "  claimed_at bigint NOT NULL,"
     "  PRIMARY KEY (tenant, source, event_id));"}},
    /* One counter row per table serialised every insert of every tenant
     * (the row stays locked until commit): sequences never wait. */
    {2, "ids from sequences", {
     "CREATE SEQUENCE sl_ids_1; CREATE SEQUENCE sl_ids_2; CREATE SEQUENCE sl_ids_3;"
     "CREATE SEQUENCE sl_ids_4; CREATE SEQUENCE sl_ids_5;"
     "SELECT setval(('sl_ids_' || entity)::regclass, last + 1, false) FROM sl_ids;"
     "DROP TABLE sl_ids;"}},
    /*
     * The calendar-sync outbox (issue 14; postgres_outbox.c), mirroring
     * SQLite's migration 7: one row per event, text columns bytea ('' for
     * none). Ids come from sl_ids_7 at insert (ascending in append order on
     * one connection; never reused). Indexes:
     *  - outbox_session (unique): a session's events by seq, its last
     *    event, the claim's head test and the purge's "is there a later
     *    one";
     *  - outbox_due: pending and leased events in id order, for claims
     *    (FOR UPDATE SKIP LOCKED: concurrent claims skip each other's rows);
     *  - outbox_acked: the purge's range.
     */
    {3, "outbox", {
     "CREATE SEQUENCE sl_ids_7;"
     "CREATE TABLE outbox ("
     "  tenant bigint NOT NULL, id bigint NOT NULL DEFAULT nextval('sl_ids_7'),"
     "  session bigint NOT NULL, seq bigint NOT NULL CHECK (seq > 0),"
     "  kind bigint NOT NULL, status bigint NOT NULL, session_kind bigint NOT NULL,"
     "  student bigint NOT NULL, start_at bigint NOT NULL, end_at bigint NOT NULL,"
     "  credits bigint NOT NULL, deleted_at bigint NOT NULL, created_at bigint NOT NULL,"
     "  state bigint NOT NULL CHECK (state BETWEEN 1 AND 4), attempts bigint NOT NULL,"
     "  available_at bigint NOT NULL, lease_until bigint NOT NULL, token bigint NOT NULL,"
     "  acked_at bigint NOT NULL,"
     "  consumer bytea NOT NULL CHECK (length(consumer) < 64),"
     "  error bytea NOT NULL CHECK (length(error) < 256),"
     "  PRIMARY KEY (tenant, id));"
     "CREATE UNIQUE INDEX outbox_session ON outbox (tenant, session, seq);"
     "CREATE INDEX outbox_due ON outbox (id) WHERE state IN (1, 2);"
     "CREATE INDEX outbox_acked ON outbox (acked_at) WHERE state = 3;"}},
    /*
     * Group classes (issue 15; version 3 is the outbox's). Sessions may be
     * of kind 4 (class): a class blocks time like any session, so the
     * exclusion constraint covers it unchanged. The seat count is enforced
     * by the server too, so even a caller that skipped the core could not
     * oversell: classes_taken CHECKs the class row's counter against its
     * capacity, and sl_seats_capacity() locks the class row (FOR UPDATE:
     * concurrent seat writers of one class queue on it) and counts the
     * taken seats before any seat becomes taken. Both report SQLSTATE
     * 23514 naming classes_taken (postgres.c maps it to SL_EFULL). Seat ids
     * come from sl_ids_6, through the connection's id pool (postgres.c);
     * the column's default is unused.
     */
    {4, "group classes", {
     "ALTER TABLE sessions DROP CONSTRAINT sessions_kind_check;"
     "ALTER TABLE sessions ADD CONSTRAINT sessions_kind_check CHECK (kind BETWEEN 1 AND 4);"
     "CREATE TABLE classes ("
     "  tenant bigint NOT NULL, id bigint NOT NULL,"
     "  capacity bigint NOT NULL CHECK (capacity BETWEEN 1 AND 1000),"
     "  credits_per_seat bigint NOT NULL CHECK (credits_per_seat >= 0),"
     "  taken bigint NOT NULL, waitlisted bigint NOT NULL CHECK (waitlisted >= 0),"
     "  last_position bigint NOT NULL,"
     "  CONSTRAINT classes_taken CHECK (taken BETWEEN 0 AND capacity),"
     "  PRIMARY KEY (tenant, id));"
     "CREATE SEQUENCE sl_ids_6;"
     "CREATE TABLE seats ("
     "  tenant bigint NOT NULL, id bigint NOT NULL DEFAULT nextval('sl_ids_6'),"
     "  class_id bigint NOT NULL, student bigint NOT NULL, position bigint NOT NULL,"
     "  status bigint NOT NULL CHECK (status BETWEEN 1 AND 6), hold_id bigint NOT NULL,"
     "  created_at bigint NOT NULL, updated_at bigint NOT NULL,"
     "  idem_key bytea NOT NULL CHECK (length(idem_key) <= 128),"
     "  request_hash bytea NOT NULL CHECK (length(request_hash) = 16),"
     "  withdraw_key bytea NOT NULL CHECK (length(withdraw_key) <= 128),"
     "  withdraw_hash bytea NOT NULL CHECK (length(withdraw_hash) = 16),"
     "  PRIMARY KEY (tenant, id));"
     "CREATE UNIQUE INDEX seats_position ON seats (tenant, class_id, position);"
     "CREATE UNIQUE INDEX seats_live ON seats (tenant, class_id, student) WHERE status IN (1, 2);"
     "CREATE UNIQUE INDEX seats_key ON seats (tenant, idem_key) WHERE idem_key <> ''::bytea;"
     "CREATE UNIQUE INDEX seats_wkey ON seats (tenant, withdraw_key) WHERE withdraw_key <> ''::bytea;"
     "CREATE FUNCTION sl_seats_capacity() RETURNS trigger LANGUAGE plpgsql AS $$"
     "DECLARE cap bigint; n bigint;"
     "BEGIN"
     "  IF NEW.status NOT IN (1, 4, 5) OR (TG_OP = 'UPDATE' AND OLD.status IN (1, 4, 5)) THEN RETURN NEW; END IF;"
     "  EXECUTE format('SELECT capacity FROM %I.classes WHERE tenant = $1 AND id = $2 FOR UPDATE', TG_TABLE_SCHEMA)"
     "    INTO cap USING NEW.tenant, NEW.class_id;"
     "  EXECUTE format('SELECT count(*) FROM %I.seats WHERE tenant = $1 AND class_id = $2 AND status IN (1, 4, 5)"
     "    AND id <> $3', TG_TABLE_SCHEMA) INTO n USING NEW.tenant, NEW.class_id, NEW.id;"
     "  IF cap IS NULL OR n >= cap THEN"
     "    RAISE EXCEPTION 'class % has no free seat (classes_taken)', NEW.class_id USING ERRCODE = '23514';"
     "  END IF;"
     "  RETURN NEW;"
     "END$$;"
     "CREATE TRIGGER seats_capacity BEFORE INSERT OR UPDATE ON seats"
     "  FOR EACH ROW EXECUTE FUNCTION sl_seats_capacity();"}},
    /*
     * Outbox upkeep (issue 14; 5 was reserved and never used). Every event
     * leaves two dead row versions (its claim and its ack update every
     * index: state is in outbox_due's predicate, so no update is HOT), and
     * a claim walks outbox_due in id order from the oldest entry, over
     * the dead ones until a vacuum removes them. With the default scale
     * factor (20% of the table) a table holding 100,000 acknowledged
     * events was vacuumed only every 10,000 events: measured, a claim of
     * 50 then took 407 ms once (marking 200,000 dead entries) and 11 ms
     * each after, against 0.4 ms once vacuumed. Now autovacuum runs after
     * 2,000 dead versions (about 1,000 events) and re-analyzes after 2,000
     * changes, whatever the table's size.
     */
    {6, "outbox upkeep", {
     "ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,"
     " autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 2000)"}},
};

#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

/* Advisory lock class of schema migrations (two-key form: class, 0). */
#define MIGRATE_LOCK "1399606374"

int sl__pg_schema_latest(void)
{
    return migrations[N_MIGRATIONS - 1].version;
}

/* Runs sql; on failure writes "what: <server message>" into err. */
static int exec_ok(PGconn *conn, const char *sql, char *err, size_t errlen, const char *what)
{
    PGresult *r = PQexec(conn, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
        PQclear(r);
        return SL_OK;
    }
    const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(err, errlen, "%s: %s", what, m ? m : PQerrorMessage(conn));
    int busy = state && (strcmp(state, "55P03") == 0 || strcmp(state, "40P01") == 0);
    PQclear(r);
    return busy ? SL_EBUSY : SL_ESTORE;
}

/* One integer of a one-row text result; -1 on any failure. */
static long long query_ll(PGconn *conn, const char *sql)
{
    PGresult *r = PQexec(conn, sql);
    long long v = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
        v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

/* Inside the migration transaction: the version found (0 for an empty or
 * missing schema), or a negative code with err set. */
static int current_version(PGconn *conn, const char *schema, char *err, size_t errlen)
{
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
             " ON n.oid = c.relnamespace WHERE n.nspname = '%s' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')) * 2"
             " + (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
             " ON n.oid = c.relnamespace WHERE n.nspname = '%s' AND c.relname = 'sl_schema')",
             schema, schema);
    long long probe = query_ll(conn, sql);
    if (probe < 0) {
        snprintf(err, errlen, "cannot read the catalog of schema \"%s\": %s", schema, PQerrorMessage(conn));
        return SL_ESTORE;
    }
    if (probe == 0)
        return 0;
    if (probe % 2 == 0) {
        snprintf(err, errlen, "schema \"%s\" holds tables that are not slotledger's (choose another schema)",
                 schema);
        return SL_ESTORE;
    }
    snprintf(sql, sizeof(sql), "SELECT coalesce(max(version), 0) FROM \"%s\".sl_schema", schema);
    long long v = query_ll(conn, sql);
    if (v < 0) {
        snprintf(err, errlen, "cannot read \"%s\".sl_schema: %s", schema, PQerrorMessage(conn));
        return SL_ESTORE;
    }
    if (v > sl__pg_schema_latest()) {
        snprintf(err, errlen,
                 "schema \"%s\" was written by a newer slotledger (schema version %lld; this library knows up to "
                 "%d); upgrade the library",
                 schema, v, sl__pg_schema_latest());
        return SL_ESTORE;
    }
    return (int)v;
}

/* Applies the migrations not recorded yet, recording each. */
static int apply_from(PGconn *conn, const char *schema, int from, char *err, size_t errlen)
{
    char sql[512];
    int rc;
    snprintf(sql, sizeof(sql),
             "CREATE SCHEMA IF NOT EXISTS \"%s\"; SET LOCAL search_path = \"%s\";"
             " CREATE TABLE IF NOT EXISTS sl_schema (version bigint PRIMARY KEY,"
             " description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
             schema, schema);
    if ((rc = exec_ok(conn, sql, err, errlen, "cannot create the schema")) != SL_OK)
        return rc;
    for (size_t i = 0; i < N_MIGRATIONS; i++) {
        const migration *m = &migrations[i];
        /* A version below `from` may be missing: numbers were assigned
         * ahead (the outbox's 3 came after the classes' 4). */
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM sl_schema WHERE version = %d", m->version);
        if (m->version <= from && query_ll(conn, sql) != 0)
            continue;
        for (int k = 0; k < MAX_PARTS && m->sql[k]; k++)
            if ((rc = exec_ok(conn, m->sql[k], err, errlen, m->description)) != SL_OK)
                return rc;
        snprintf(sql, sizeof(sql), "INSERT INTO sl_schema (version, description) VALUES (%d, '%s')",
                 m->version, m->description);
        if ((rc = exec_ok(conn, sql, err, errlen, "cannot record a migration")) != SL_OK)
            return rc;
    }
    return SL_OK;
}

int sl__pg_migrate(PGconn *conn, const char *schema, char *err, size_t errlen)
{
    int rc, v;
    /* The extension goes where the connection's default search_path puts
     * it (usually public), never into our schema: dropping one slotledger
     * schema must not drop the operator classes others rely on. */
    if ((rc = exec_ok(conn, "BEGIN; SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ", 0)", err, errlen,
                      "cannot lock the schema for migration")) != SL_OK)
        goto out_rollback;
    if ((v = current_version(conn, schema, err, errlen)) < 0) {
        rc = v;
        goto out_rollback;
    }
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\".sl_schema", schema);
    if (v == sl__pg_schema_latest() && query_ll(conn, sql) == (long long)N_MIGRATIONS) {
        if ((rc = exec_ok(conn, "COMMIT", err, errlen, "cannot end the schema check")) != SL_OK)
            goto out_rollback;
        return SL_OK;
    }
    if (query_ll(conn, "SELECT (current_setting('transaction_read_only') = 'on')::int") == 1) {
        snprintf(err, errlen,
                 "schema \"%s\" is %s, and the server accepts no writes (a standby, or "
                 "default_transaction_read_only on): open it once on a writable server",
                 schema, v == 0 ? "not created yet" : "not up to date");
        rc = SL_ESTORE;
        goto out_rollback;
    }
    if ((rc = exec_ok(conn, "CREATE EXTENSION IF NOT EXISTS btree_gist", err, errlen,
                      "cannot create extension btree_gist (needed by the no-overlap constraint; "
                      "install postgresql-contrib or ask an administrator to create it)")) != SL_OK ||
        (rc = apply_from(conn, schema, v, err, errlen)) != SL_OK ||
        (rc = exec_ok(conn, "COMMIT", err, errlen, "cannot commit the schema")) != SL_OK)
        goto out_rollback;
    return SL_OK;

out_rollback:
    if (PQtransactionStatus(conn) != PQTRANS_IDLE)
        PQclear(PQexec(conn, "ROLLBACK"));
    return rc;
}
