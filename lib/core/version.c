/* lib/core/version.c - runtime twins of the version macros. */
#include "slotledger/version.h"

int sl_version_number(void)
{
    return SL_VERSION_NUMBER;
}

const char *sl_version_string(void)
{
    return SL_VERSION_STRING;
}
