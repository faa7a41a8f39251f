/*
 * lib/tz/cache.c - reading zone files and the process-wide zone cache.
 *
 * Zones are keyed by (directory, name) in a small chained hash table under
 * one mutex. A file is read and parsed outside the lock, so a slow disk
 * never blocks lookups of zones already loaded; when two threads load the
 * same zone at once, the first insert wins and the other copy is freed.
 * Loaded zones are immutable and never freed before process exit, so the
 * pointers handed out need no reference counting. Failures are not cached.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tz_private.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

#define NBUCKETS 256

typedef struct entry {
    struct entry *next;
    uint64_t hash;
    sl__zone *zone;
    size_t dirlen;
    char key[];              /* dir '\0' name '\0' */
} entry;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static entry *buckets[NBUCKETS];

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211u;
    }
    return h;
}

static uint64_t key_hash(const char *dir, size_t dirlen, const char *name,
                         size_t namelen)
{
    uint64_t h = fnv1a(14695981039346656037u, dir, dirlen);
    h = fnv1a(h, "", 1);   /* separator, so ("a/b","c") != ("a","b/c") */
    return fnv1a(h, name, namelen);
}

/* Caller holds cache_lock. */
static entry *find(uint64_t hash, const char *dir, size_t dirlen,
                   const char *name)
{
    entry *e;
    for (e = buckets[hash % NBUCKETS]; e; e = e->next)
        if (e->hash == hash && e->dirlen == dirlen &&
            memcmp(e->key, dir, dirlen) == 0 &&
            strcmp(e->key + dirlen + 1, name) == 0)
            return e;
    return NULL;
}

/* Read a whole regular file of at most SL__TZIF_MAX_BYTES. */
static int read_zone_file(uint8_t **out, size_t *outlen, const char *path,
                          const char *qname, const char *dir,
                          char *err, size_t errlen)
{
    struct stat st;
    uint8_t *buf = NULL;
    size_t len = 0, cap;
    int fd, rc = SL_ETZ;

    *out = NULL;
    /* O_NONBLOCK: a FIFO planted in the directory must not hang us. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
            snprintf(err, errlen, "unknown time zone \"%s\" (no such file in %s)",
                     qname, dir);
        else
            snprintf(err, errlen, "time zone \"%s\" cannot be opened in %s (errno %d)",
                     qname, dir, errno);
        return SL_ETZ;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "unknown time zone \"%s\" (not a zone file in %s)",
                 qname, dir);
        goto out;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > SL__TZIF_MAX_BYTES) {
        snprintf(err, errlen, "time zone \"%s\" file is larger than 1 MiB", qname);
        goto out;
    }
    /* One byte more than the size, to notice a file that grew. */
    cap = (size_t)st.st_size + 1;
    buf = malloc(cap);
    if (!buf) {
        snprintf(err, errlen, "out of memory loading time zone \"%s\"", qname);
        rc = SL_ENOMEM;
        goto out;
    }
    while (len < cap) {
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "time zone \"%s\" cannot be read (errno %d)",
                     qname, errno);
            goto out;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    if (len == cap) {
        snprintf(err, errlen, "time zone \"%s\" file changed while being read", qname);
        goto out;
    }
    *out = buf;
    *outlen = len;
    buf = NULL;
    rc = SL_OK;
out:
    free(buf);
    close(fd);
    return rc;
}

/* Read and parse dir/name into a fresh zone. */
static int load_uncached(sl__zone **out, const char *dir, const char *name,
                         char *err, size_t errlen)
{
    char path[PATH_MAX], qname[96], why[200];
    uint8_t *data = NULL;
    size_t len = 0;
    int rc, n;

    sl__tz_quote(qname, sizeof qname, name);
    n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path) {
        snprintf(err, errlen, "time zone \"%s\": path too long", qname);
        return SL_ETZ;
    }
    rc = read_zone_file(&data, &len, path, qname, dir, err, errlen);
    if (rc)
        return rc;
    rc = sl__tzif_parse(out, data, len, why, sizeof why);
    if (rc == SL_ENOMEM)
        snprintf(err, errlen, "out of memory loading time zone \"%s\"", qname);
    else if (rc && len >= 4 && memcmp(data, "TZif", 4) != 0)
        snprintf(err, errlen, "unknown time zone \"%s\" (not a TZif file)", qname);
    else if (rc)
        snprintf(err, errlen, "time zone \"%s\" is corrupt: %s", qname, why);
    free(data);
    return rc;
}

int sl__zone_load(const sl__zone **out, const char *tzdir, const char *name,
                  char *err, size_t errlen)
{
    char scratch[8];
    sl__zone *z = NULL;
    entry *e, *ne;
    size_t dirlen, namelen;
    uint64_t h;
    int rc;

    /* err may be NULL; route messages somewhere harmless. */
    if (!err || errlen == 0) {
        err = scratch;
        errlen = sizeof scratch;
    }
    *out = NULL;
    rc = sl__tz_name_check(name, err, errlen);
    if (rc)
        return rc;
    if (!tzdir)
        tzdir = sl__tz_dir(NULL);
    dirlen = strlen(tzdir);
    namelen = strlen(name);
    h = key_hash(tzdir, dirlen, name, namelen);

    pthread_mutex_lock(&cache_lock);
    e = find(h, tzdir, dirlen, name);
    if (e)
        *out = e->zone;
    pthread_mutex_unlock(&cache_lock);
    if (*out)
        return SL_OK;

    rc = load_uncached(&z, tzdir, name, err, errlen);
    if (rc)
        return rc;
    ne = malloc(sizeof *ne + dirlen + 1 + namelen + 1);
    if (!ne) {
        sl__zone_free(z);
        snprintf(err, errlen, "out of memory caching a time zone");
        return SL_ENOMEM;
    }
    ne->hash = h;
    ne->zone = z;
    ne->dirlen = dirlen;
    memcpy(ne->key, tzdir, dirlen + 1);
    memcpy(ne->key + dirlen + 1, name, namelen + 1);

    pthread_mutex_lock(&cache_lock);
    e = find(h, tzdir, dirlen, name);
    if (!e) {
        ne->next = buckets[h % NBUCKETS];
        buckets[h % NBUCKETS] = ne;
        e = ne;
        ne = NULL;
    }
    *out = e->zone;
    pthread_mutex_unlock(&cache_lock);
    if (ne) {
        /* Another thread won the race; keep its copy. */
        sl__zone_free(ne->zone);
        free(ne);
    }
    return SL_OK;
}

void sl__tz_cache_clear(void)
{
    size_t i;

    pthread_mutex_lock(&cache_lock);
    for (i = 0; i < NBUCKETS; i++) {
        entry *e = buckets[i];
        while (e) {
            entry *next = e->next;
            sl__zone_free(e->zone);
            free(e);
            e = next;
        }
        buckets[i] = NULL;
    }
    pthread_mutex_unlock(&cache_lock);
}

/* No exit-time destructor on purpose: a host thread (a Python or Node
 * worker, say) may still convert times while the process exits. The zones
 * stay reachable from the cache, which leak checkers do not count as
 * leaks; tests call sl__tz_cache_clear() when they want a clean slate. */
