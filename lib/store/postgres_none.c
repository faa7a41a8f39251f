/*
 * lib/store/postgres_none.c - sl_store_pg_new of a library built without
 * libpq (-Dpostgres=disabled, or libpq not found with auto): the symbol
 * exists in every build, and says why it cannot help.
 */
#include "slotledger/postgres.h"
#include "slotledger/sys/store.h"

int sl_store_pg_new(sl_store **out, const char *conninfo, const sl_options *opts)
{
    (void)conninfo;
    (void)opts;
    if (out)
        *out = NULL;
    return sl_store_error(NULL, SL_ESTORE,
                          "built without PostgreSQL support (rebuild with libpq: meson setup -Dpostgres=enabled)");
}
