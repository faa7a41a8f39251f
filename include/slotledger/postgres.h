/*
 * slotledger/postgres.h - the PostgreSQL store (many application servers,
 * one database).
 *
 * sl_open() selects it by itself for a connection string (see db.h); this
 * constructor is for sl_open_store() and custom wiring. The library is
 * built with it when libpq is found (meson -Dpostgres=auto|enabled|
 * disabled); without it, both return SL_ESTORE with the message "built
 * without PostgreSQL support".
 *
 * Connection strings: any libpq URI ("postgresql://user@host:5432/db?...",
 * "postgres://...") or keyword string ("host=... dbname=... user=..."),
 * plus one option of ours, "schema": the URI query parameter
 * "?schema=name" or the keyword "schema=name". The store keeps its tables
 * in that PostgreSQL schema (default "slotledger"; 1..63 letters, digits
 * or '_', not starting with a digit; in a URI percent-decoded, and a
 * decoded NUL byte, "%00", is SL_EINVAL), creates and migrates it under an
 * advisory lock (concurrent first opens are safe), refuses a schema
 * written by a newer library or one holding tables that are not ours, and
 * leaves every other schema alone. It creates the extension btree_gist
 * (for the no-overlap constraint) if it is missing, where the connection's
 * default search_path puts it.
 *
 * opts: durability SL_DURABLE sets synchronous_commit = on, SL_FAST off;
 * busy_timeout_ms (default 5000) is the lock_timeout of every lock wait
 * (SL_EBUSY when reached).
 *
 * A server that accepts no writes (a standby, default_transaction_read_only
 * on for the database, the role or the connection) opens when the schema
 * is up to date: reads work, and every write fails with SL_ESTORE naming
 * the cause (nothing is written); a schema still to create or migrate
 * there fails sl_store_pg_new with SL_ESTORE.
 *
 * Messages name the host, database and user, never the connection string:
 * a password never appears in one.
 */
#ifndef SLOTLEDGER_POSTGRES_H
#define SLOTLEDGER_POSTGRES_H

#include "slotledger/common.h"
#include "slotledger/db.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Connect to the database conninfo names and bring its schema up to date.
 * On success *out is a store for sl_open_store(), which takes it over.
 * One store is one connection: use it from one handle (one thread at a
 * time); open one per thread or process. The message of a failure is
 * available from sl_errmsg(NULL).
 * Errors: SL_EINVAL (NULL, malformed connection string, bad schema name,
 * bad options), SL_ESTORE (cannot connect, newer or foreign schema, a
 * schema to create or migrate on a read-only server, built without
 * PostgreSQL support), SL_EBUSY (the migration lock wait timed
 * out), SL_ENOMEM.
 */
SL_API int sl_store_pg_new(sl_store **out, const char *conninfo, const sl_options *opts);

#ifdef __cplusplus
}
#endif

#endif
