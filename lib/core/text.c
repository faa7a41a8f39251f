/* lib/core/text.c - idempotency keys and UTF-8 validation (fingerprints:
 * lib/core/fingerprint.c). */
#include <string.h>

#include "internal.h"

int sl__utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1, cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2, cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3, cp = c & 0x07;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

int sl__key_check(sl_db *db, const char *key, int required)
{
    if (!key) {
        if (required)
            return sl__err(db, SL_EINVAL, "an idempotency key is required");
        return SL_OK;
    }
    size_t len = strnlen(key, SL_KEY_MAX + 1);
    if (len == 0 || len > SL_KEY_MAX)
        return sl__err(db, SL_EINVAL, "idempotency key must be 1..%d bytes (got %s)", SL_KEY_MAX,
                       len ? "more" : "an empty one");
    if (!sl__utf8_valid((const unsigned char *)key, len))
        return sl__err(db, SL_EINVAL, "idempotency key is not valid UTF-8");
    /* The library keys its own entries (a session's capture) under "sl:",
     * so that no host key can collide with them. */
    if (strncmp(key, SL__KEY_PREFIX, sizeof(SL__KEY_PREFIX) - 1) == 0)
        return sl__err(db, SL_EINVAL, "idempotency keys starting with \"%s\" are reserved for the library",
                       SL__KEY_PREFIX);
    return SL_OK;
}
