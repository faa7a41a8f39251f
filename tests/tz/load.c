/* tests/tz/load.c - loading zone files from a directory of our own. */
#include <sys/stat.h>
#include <unistd.h>

#include "tz_test.h"

static char tmpdir[256];

static void write_file(const char *name, const void *data, size_t n)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

static void tmpdir_setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sl-tz-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmpdir_teardown(void)
{
    static const char *names[] = {"Good", "Corrupt", "Text", "Empty", "Big", "Fifo",
                                  "Link", "Sub/Zone", "Sub"};
    char path[512];
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        if (unlink(path) != 0 && errno == EISDIR)
            rmdir(path);
        rmdir(path);
    }
    rmdir(tmpdir);
}

START_TEST(test_load_from_tzdir)
{
    tzspec s = cet_spec(2);
    tzbuf t;
    struct sl_db db;
    char path[512];
    int32_t off = 0;
    const sl__zone *z1, *z2;
    char err[256];
    uint8_t *big;

    build(&t, &s);
    write_file("Good", t.b, t.n);
    t.b[60] ^= 0xff;
    write_file("Corrupt", t.b, t.n - 3);
    write_file("Text", "# not a zone\n", 13);
    write_file("Empty", "", 0);
    big = calloc(1, ((size_t)1 << 20) + 10);
    memcpy(big, "TZif2", 5);
    write_file("Big", big, ((size_t)1 << 20) + 10);
    free(big);
    snprintf(path, sizeof path, "%s/Fifo", tmpdir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    snprintf(path, sizeof path, "%s/Link", tmpdir);
    ck_assert_int_eq(symlink("Good", path), 0);
    snprintf(path, sizeof path, "%s/Sub", tmpdir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    write_file("Sub/Zone", t.b, 0);

    memset(&db, 0, sizeof db);
    db.tzdir = tmpdir;
    ck_assert_int_eq(sl_tz_utc_offset(&db, &off, "Good", at(2030, 7, 1, 0, 0)), SL_OK);
    ck_assert_int_eq(off, 7200);
    ck_assert_int_eq(sl_tz_check(&db, "Link"), SL_OK);
    ck_assert_int_eq(sl_tz_check(&db, "Corrupt"), SL_ETZ);
    ck_assert_msg(strstr(db.errmsg, "time zone \"Corrupt\" is corrupt"), "%s", db.errmsg);
    ck_assert_int_eq(db.errcode, SL_ETZ);
    ck_assert_int_eq(sl_tz_check(&db, "Text"), SL_ETZ);
    ck_assert_msg(strstr(db.errmsg, "unknown time zone \"Text\""), "%s", db.errmsg);
    ck_assert_int_eq(sl_tz_check(&db, "Empty"), SL_ETZ);
    ck_assert_int_eq(sl_tz_check(&db, "Big"), SL_ETZ);
    ck_assert_msg(strstr(db.errmsg, "1 MiB"), "%s", db.errmsg);
    ck_assert_int_eq(sl_tz_check(&db, "Fifo"), SL_ETZ);   /* must not block */
    ck_assert_int_eq(sl_tz_check(&db, "Sub"), SL_ETZ);
    ck_assert_msg(strstr(db.errmsg, "unknown time zone"), "%s", db.errmsg);
    ck_assert_int_eq(sl_tz_check(&db, "Sub/Zone"), SL_ETZ);
    ck_assert_int_eq(sl_tz_check(&db, "Missing"), SL_ETZ);
    /* The system zones are not visible through this handle... */
    ck_assert_int_eq(sl_tz_check(&db, "Europe/London"), SL_ETZ);
    /* ...success clears the message... */
    ck_assert_int_eq(sl_tz_check(&db, "Good"), SL_OK);
    ck_assert_str_eq(db.errmsg, "");
    ck_assert_int_eq(db.errcode, SL_OK);

    /* ...and the cache keys on the directory as well as the name. */
    ck_assert_int_eq(sl__zone_load(&z1, tmpdir, "Good", err, sizeof err), SL_OK);
    ck_assert_int_eq(sl__zone_load(&z2, tmpdir, "Good", err, sizeof err), SL_OK);
    ck_assert_ptr_eq(z1, z2);
    ck_assert_int_eq(sl__zone_load(&z2, tmpdir, "Link", err, sizeof err), SL_OK);
    ck_assert_ptr_ne(z1, z2);
    ck_assert_int_eq(sl__zone_load(&z2, NULL, "Good", NULL, 0), SL_ETZ);
    ck_assert_ptr_null(z2);
}
END_TEST

SL_TEST_TCASE(tcase_tz_load, "load", tmpdir_setup, tmpdir_teardown, 0, test_load_from_tzdir)
