/* tests/support.c - see support.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

const char *sl_test_backend = "memory";

static char tmpdir[256];
static unsigned file_counter;

void sl_test_copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(out);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    ck_assert_int_eq(fclose(out), 0);
}

const char *sl_test_path(const char *name)
{
    static char path[512];
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof(tmpdir), "%s/sltest.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            abort();
        }
    }
    snprintf(path, sizeof(path), "%s/%u-%d-%s", tmpdir, file_counter++, (int)getpid(), name);
    return path;
}

void sl_test_cleanup(void)
{
    if (!tmpdir[0])
        return;
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        char p[800];
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(tmpdir);
    tmpdir[0] = '\0';
}

const char *sl_test_pg_conninfo(void)
{
    static char conninfo[1024];
    static unsigned schema_counter;
    const char *base = getenv("SL_TEST_PG");
    ck_assert_msg(base && *base, "SL_TEST_PG is not set: run the postgres backend through tests/pg_cluster.sh");
    /* A fresh schema per call: tests never see each other's rows. */
    snprintf(conninfo, sizeof(conninfo), "%s schema=t%d_%u_%ld", base, (int)getpid(), schema_counter++,
             (long)time(NULL) % 100000);
    return conninfo;
}

sl_db *sl_test_open(void)
{
    sl_db *db = NULL;
    int rc;
    const char *drop = getenv("SL_TEST_DROP_MAY");
    if (drop && *drop) {
        sl_store *st = NULL;
        const char *path = strcmp(sl_test_backend, "memory") == 0   ? NULL
                           : strcmp(sl_test_backend, "sqlite") == 0 ? ":memory:"
                                                                    : sl_test_path("store.db");
        rc = path ? sl_store_sqlite_new(&st, path, NULL) : sl_store_memory_new(&st);
        ck_assert_msg(rc == SL_OK && sl_test_drop_may(st, drop) == 0, "SL_TEST_DROP_MAY=%s", drop);
        rc = sl_open_store(&db, st, NULL);
    } else if (strcmp(sl_test_backend, "memory") == 0)
        rc = sl_open_memory(&db, NULL);
    else if (strcmp(sl_test_backend, "sqlite") == 0)
        rc = sl_open(&db, ":memory:", NULL);
    else if (strcmp(sl_test_backend, "sqlite-file") == 0)
        rc = sl_open(&db, sl_test_path("store.db"), NULL);
    else if (strcmp(sl_test_backend, "postgres") == 0)
        rc = sl_open(&db, sl_test_pg_conninfo(), NULL);
    else
        ck_abort_msg("unknown backend %s", sl_test_backend);
    ck_assert_msg(rc == SL_OK, "open %s: %s: %s", sl_test_backend, sl_strerror(rc), sl_errmsg(NULL));
    return db;
}

uint64_t sl_test_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

uint64_t sl_test_seed(const char *what)
{
    const char *env = getenv("SL_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    fprintf(stderr, "# %s: seed %llu (rerun with SL_TEST_SEED=%llu)\n", what,
            (unsigned long long)seed, (unsigned long long)seed);
    return seed;
}

long sl_test_scale(long n)
{
    const char *q = getenv("SL_TEST_QUICK");
    if (!q || !*q || strcmp(q, "0") == 0)
        return n;
    return n / 20 > 0 ? n / 20 : 1;
}

TCase *sl_test_tcase(const char *name, SFun setup, SFun teardown, double timeout, const TTest *const *tests)
{
    TCase *tc = tcase_create(name);
    if (setup || teardown)
        tcase_add_checked_fixture(tc, setup, teardown);
    if (timeout > 0)
        tcase_set_timeout(tc, timeout);
    for (size_t i = 0; tests[i]; i++)
        tcase_add_test(tc, tests[i]);
    return tc;
}

Suite *sl_test_suite(const char *name, TCase *(*const *cases)(void))
{
    Suite *s = suite_create(name);
    for (size_t i = 0; cases[i]; i++)
        suite_add_tcase(s, cases[i]());
    return s;
}

sl_db *sl_test_open_file(const char *path, const uint8_t *key, size_t key_len)
{
    sl_options o = SL_OPTIONS_INIT;
    o.ledger_key = key;
    o.ledger_key_len = key_len;
    sl_db *d = NULL;
    int rc = sl_open(&d, path, &o);
    ck_assert_msg(rc == SL_OK, "sl_open %s: %s", path, sl_errmsg(NULL));
    return d;
}

void sl_test_put_tenant(sl_db *d, sl_id id, int64_t late_cancel, sl_time now, int open_every_day)
{
    sl_tenant t;
    ck_assert_int_eq(sl_tenant_init(&t, SL_TENANT_VERSION), SL_OK);
    t.id = id;
    t.late_cancel = late_cancel;
    ck_assert_ok_db(d, sl_tenant_put(d, &t, now));
    for (int32_t wd = 1; open_every_day && wd <= 7; wd++)
        ck_assert_ok_db(d, sl_rule_add(d, NULL, id, wd, 0, 1440, SL_DATE_MIN, SL_DATE_MAX, now));
}

void sl_test_sqlite_exec(const char *path, const char *sql)
{
    sqlite3 *h;
    ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
    char *err = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &err);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, err ? err : "?");
    sqlite3_close(h);
}

/* ---- stores and handles set up in one call (the suites that book, and tests that change a store) ---- */
sl_db *sl_test_open_two_tenants(sl_time now)
{
    sl_db *db = sl_test_open();
    sl_test_put_tenant(db, 1, 0, now, 1);
    sl_test_put_tenant(db, 2, 0, now, 1);
    return db;
}

sl_store *sl_test_memory_store(void)
{
    sl_store *st = NULL;
    int rc = sl_store_memory_new(&st);
    ck_assert_msg(rc == SL_OK, "sl_store_memory_new: %s", sl_errmsg(NULL));
    return st;
}

sl_db *sl_test_open_on(sl_store *st)
{
    sl_db *db = NULL;
    int rc = sl_open_store(&db, st, NULL);
    ck_assert_msg(rc == SL_OK, "sl_open_store: %s", sl_errmsg(NULL));
    return db;
}

char *sl_test_shared_target(const char *name)
{
    static char buf[1024];
    if (strcmp(sl_test_backend, "sqlite-file") == 0)
        snprintf(buf, sizeof(buf), "%s", sl_test_path(name));
    else if (strcmp(sl_test_backend, "postgres") == 0)
        snprintf(buf, sizeof(buf), "%s", sl_test_pg_conninfo());
    else
        return NULL;
    return buf;
}

/* ---- a store without one method (the suites of optional store features) ---- */

sl_db *sl_test_open_memory_without(size_t method)
{
    sl_store *st = sl_test_memory_store();
    void (*none)(void) = NULL;
    ck_assert_uint_le(method + sizeof(none), sizeof(*st));
    memcpy((unsigned char *)st + method, &none, sizeof(none));
    return sl_test_open_on(st);
}
