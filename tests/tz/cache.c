/* tests/tz/cache.c - the zone cache, and conversions from several threads at once. */
#include <pthread.h>

#include "tz_test.h"

static const char *thread_zones[] = {"Europe/London", "America/New_York", "Australia/Lord_Howe",
                                     "Asia/Kolkata", "Pacific/Chatham", "Africa/Casablanca",
                                     "Europe/Berlin", "Asia/Tokyo", "America/Sao_Paulo",
                                     "UTC"};
#define NTZ (sizeof thread_zones / sizeof thread_zones[0])
#define NTHREADS 4
static int32_t expected_offsets[NTZ][64];

static void *thread_main(void *arg)
{
    size_t id = (size_t)(uintptr_t)arg, round, i;
    intptr_t bad = 0;

    for (round = 0; round < 20; round++) {
        for (i = 0; i < NTZ; i++) {
            size_t zi = (i + id + round) % NTZ, k;
            for (k = 0; k < 64; k++) {
                int32_t off;
                int64_t local, utc;
                int64_t t = at(1990 + (int64_t)k, 1 + (int64_t)(k % 12), 15, 12, 0);
                if (sl_tz_utc_offset(NULL, &off, thread_zones[zi], t) != SL_OK ||
                    off != expected_offsets[zi][k])
                    bad++;
                if (sl_tz_utc_to_local(NULL, &local, thread_zones[zi], t) != SL_OK ||
                    sl_tz_local_to_utc(NULL, &utc, NULL, thread_zones[zi], local) != SL_OK ||
                    utc != t)
                    bad++;
            }
            /* Errors are per thread and must not leak between threads. */
            if (sl_tz_check(NULL, "../nope") != SL_ETZ ||
                !strstr(sl_errmsg(NULL), "\"../nope\""))
                bad++;
        }
    }
    return (void *)bad;
}

START_TEST(test_threads)
{
    pthread_t th[NTHREADS];
    size_t i, k;

    for (i = 0; i < NTZ; i++)
        for (k = 0; k < 64; k++)
            expected_offsets[i][k] = offset_of(thread_zones[i],
                                               at(1990 + (int64_t)k, 1 + (int64_t)(k % 12), 15, 12, 0));
    /* Empty cache, so the threads race to load the same zones. */
    sl__tz_cache_clear();
    for (i = 0; i < NTHREADS; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, thread_main, (void *)(uintptr_t)i), 0);
    for (i = 0; i < NTHREADS; i++) {
        void *bad;
        ck_assert_int_eq(pthread_join(th[i], &bad), 0);
        ck_assert_int_eq((intptr_t)bad, 0);
    }
}
END_TEST

START_TEST(test_cache_clear)
{
    const sl__zone *a, *b;
    char err[256];

    ck_assert_int_eq(sl__zone_load(&a, NULL, "Europe/London", err, sizeof err), SL_OK);
    ck_assert_int_eq(sl__zone_load(&b, NULL, "Europe/London", err, sizeof err), SL_OK);
    ck_assert_ptr_eq(a, b);
    sl__tz_cache_clear();
    sl__tz_cache_clear();
    ck_assert_int_eq(sl__zone_load(&a, NULL, "Europe/London", err, sizeof err), SL_OK);
    ck_assert_int_eq(sl__zone_offset(a, 1719835200), 3600);
    sl__tz_cache_clear();
}
END_TEST

SL_TEST_TCASE(tcase_tz_cache, "cache", NULL, NULL, 120, test_threads, test_cache_clear)
