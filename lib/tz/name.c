/*
 * lib/tz/name.c - zone-name validation and the zoneinfo directory choice.
 *
 * A zone name becomes part of a file path, so it is checked before any file
 * is touched: only a conservative character set, no absolute paths and no
 * "." / ".." / empty components, which rules out directory traversal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slotledger/tz.h"
#include "tz_private.h"

const char *sl__tz_quote(char *buf, size_t buflen, const char *name)
{
    size_t i = 0, o = 0;

    if (buflen == 0)
        return buf;
    if (!name) {
        snprintf(buf, buflen, "(null)");
        return buf;
    }
    /* Leave room for "..." and the NUL. */
    while (name[i] != '\0' && o + 4 < buflen) {
        unsigned char c = (unsigned char)name[i++];
        buf[o++] = (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
    }
    if (name[i] != '\0' && buflen >= 4) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

static int name_char_ok(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '-' ||
           c == '+';
}

/* The reason name is invalid, or NULL when it is fine. */
static const char *name_problem(const char *name, char *tmp, size_t tmplen)
{
    size_t len = strnlen(name, SL_TZ_NAME_MAX + 1);
    size_t i, comp = 0;

    if (len == 0)
        return "empty";
    if (len > SL_TZ_NAME_MAX) {
        snprintf(tmp, tmplen, "longer than %d bytes", SL_TZ_NAME_MAX);
        return tmp;
    }
    if (name[0] == '/')
        return "absolute path";
    /* Components first, so that "../x" is reported as such rather than as
     * a bad '.' character. */
    for (i = 0; i <= len; i++) {
        if (i < len && name[i] != '/')
            continue;
        if (i == comp)
            return "empty component";
        if (i - comp == 1 && name[comp] == '.')
            return "\".\" component";
        if (i - comp == 2 && name[comp] == '.' && name[comp + 1] == '.')
            return "\"..\" component";
        comp = i + 1;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!name_char_ok(c)) {
            if (c >= 0x21 && c < 0x7f)
                snprintf(tmp, tmplen, "character '%c' not allowed", c);
            else
                snprintf(tmp, tmplen, "byte 0x%02x not allowed", c);
            return tmp;
        }
    }
    return NULL;
}

int sl__tz_name_check(const char *name, char *err, size_t errlen)
{
    char tmp[64], q[96];
    const char *why;

    if (!name) {
        if (err && errlen)
            snprintf(err, errlen, "time zone name is NULL");
        return SL_ETZ;
    }
    why = name_problem(name, tmp, sizeof tmp);
    if (!why)
        return SL_OK;
    if (err && errlen)
        snprintf(err, errlen, "time zone \"%s\" is not a valid zone name (%s)",
                 sl__tz_quote(q, sizeof q, name), why);
    return SL_ETZ;
}

const char *sl__tz_dir(const char *opt)
{
    const char *env;

    if (opt && opt[0] != '\0')
        return opt;
    /* getenv only reads; the library never calls setenv/tzset. */
    env = getenv("TZDIR");
    if (env && env[0] != '\0')
        return env;
    return "/usr/share/zoneinfo";
}
