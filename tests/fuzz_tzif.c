/*
 * tests/fuzz_tzif.c - libFuzzer harness for the TZif reader and the
 * conversions on whatever it accepts. Built with clang when -Dfuzz=true,
 * linked against the internal static library.
 */
#include <stddef.h>
#include <stdint.h>

#include "slotledger/tz.h"
#include "tz/zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int64_t probes[] = {INT64_MIN, -4000000000LL, -1, 0, 1, 1700000000,
                                     4102444800LL, INT64_MAX};
    sl__zone *z = NULL;
    char err[256];
    size_t i;

    if (sl__tzif_parse(&z, data, size, err, sizeof err) != 0)
        return 0;
    for (i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        int kind;
        (void)sl__zone_offset(z, probes[i]);
        (void)sl__zone_to_utc(z, probes[i], &kind);
    }
    sl__zone_free(z);
    return 0;
}
