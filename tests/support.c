/* tests/support.c - see support.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

const char *sl_test_backend = "memory";

static char tmpdir[256];
static unsigned file_counter;

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
