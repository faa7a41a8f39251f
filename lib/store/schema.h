/*
 * lib/store/schema.h - the SQLite schema and its migrations. Every change
 * of the schema is a new entry appended to the list in schema.c; applied
 * versions are recorded in the table sl_schema of the database itself.
 */
#ifndef SL_STORE_SCHEMA_H
#define SL_STORE_SCHEMA_H

#include <sqlite3.h>
#include <stddef.h>

/* PRAGMA application_id of a slotledger database: "SlLd". */
#define SL__APPLICATION_ID 0x536C4C64

/* The schema version this library writes. */
int sl__schema_latest(void);

/* How many migrations there are (and so rows a current file's sl_schema
 * holds): fewer than sl__schema_latest() while versions are numbered with
 * gaps, as when changes that own different numbers are merged apart. */
int sl__schema_count(void);

/*
 * The SQL text of migration `version` (1 .. sl__schema_latest()) and, in
 * *description (may be NULL), its description; NULL for any other version.
 * Static strings. For tests that build a file of an older schema (as an
 * older release wrote it) and open it with this one.
 */
const char *sl__schema_sql(int version, const char **description);

/*
 * Bring the open database h to the latest schema inside one BEGIN IMMEDIATE
 * transaction. Refuses (SL_ESTORE, message in err) a file that is not a
 * slotledger database or was written by a newer schema. SL_EBUSY when the
 * lock wait times out.
 */
int sl__schema_migrate(sqlite3 *h, char *err, size_t errlen);

/* Map a SQLite result code to an SL_E* code. */
int sl__sqlite_code(int rc);

#endif
