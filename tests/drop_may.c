/*
 * tests/drop_may.c - remove one *may* method from a store (sys/store.h), so
 * that a suite can show the core's fallback answers like the method did.
 */
#include <stddef.h>
#include <string.h>

#include "support.h"

#define MAY(m) {#m, offsetof(sl_store, m)}
static const struct {
    const char *name;
    size_t offset;
} may_methods[] = {
    MAY(rule_get),       MAY(override_get),  MAY(session_get),  MAY(session_by_key),
    MAY(sessions_by_student), MAY(sessions_by_series), MAY(entry_by_key), MAY(hold_by_key),
    MAY(mac_put),       MAY(mac_get),      MAY(holds_scan),     MAY(override_by_id),
    MAY(tenants_get_many),
};
#undef MAY

const char *sl_test_may_name(size_t i)
{
    return i < sizeof(may_methods) / sizeof(may_methods[0]) ? may_methods[i].name : NULL;
}

int sl_test_drop_may(sl_store *st, const char *name)
{
    for (size_t i = 0; i < sizeof(may_methods) / sizeof(may_methods[0]); i++) {
        if (strcmp(may_methods[i].name, name) != 0)
            continue;
        void (*none)(void) = NULL;
        memcpy((unsigned char *)st + may_methods[i].offset, &none, sizeof(none));
        return 0;
    }
    return -1;
}
