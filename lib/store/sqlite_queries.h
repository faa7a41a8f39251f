/*
 * lib/store/sqlite_queries.h - the SQL texts of the SQLite store, exposed
 * for white-box tests (tests/check_plan.c runs EXPLAIN QUERY PLAN on each
 * to prove that no hot query scans a table). Internal: not exported.
 */
#ifndef SL_STORE_SQLITE_QUERIES_H
#define SL_STORE_SQLITE_QUERIES_H

/* What a query is for, which says what plan it may have. */
enum {
    SL__QUERY_CONTROL = 0, /* BEGIN, COMMIT, ROLLBACK: no plan */
    SL__QUERY_HOT = 1,     /* used by slots, booking, single-row reads and
                              verification's account scan: must search an
                              index, never scan a table or sort */
    SL__QUERY_ADMIN = 2    /* purge: may walk the deleted_at index */
};

/*
 * The SQL text of query i (0, 1, ... as prepared at open), or NULL past the
 * last one. *name (may be NULL) receives a short name ("sessions_blocking"),
 * *kind (may be NULL) one of SL__QUERY_*. The strings are static.
 */
const char *sl__sqlite_query(int i, const char **name, int *kind);

#endif
