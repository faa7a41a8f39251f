/* tests/faulty_store.c - see faulty_store.h. */
#include <stdio.h>
#include <stdlib.h>

#include "faulty_store.h"

typedef struct faulty {
    sl_store base;
    sl_store *inner;
    long arm, calls;
    int fired;
} faulty;

#define F(st) ((faulty *)(st))

/* Counts a call; returns nonzero when this one must fail. */
static int trip(sl_store *st)
{
    faulty *f = F(st);
    f->inner->core = st->core; /* errors of the inner store reach our handle */
    f->calls++;
    if (f->arm > 0 && f->calls == f->arm) {
        f->fired = 1;
        return 1;
    }
    return 0;
}

static int injected(sl_store *st)
{
    char msg[64];
    snprintf(msg, sizeof(msg), "injected fault at backend call %ld", F(st)->calls);
    return sl_store_error(st, SL_ESTORE, msg);
}

static int f_begin(sl_store *st, sl_id tenant, int write)
{
    return trip(st) ? injected(st) : F(st)->inner->begin(F(st)->inner, tenant, write);
}

static int f_commit(sl_store *st)
{
    return trip(st) ? injected(st) : F(st)->inner->commit(F(st)->inner);
}

static int f_rollback(sl_store *st)
{
    F(st)->inner->core = st->core;
    return F(st)->inner->rollback(F(st)->inner);
}

static void f_free(sl_store *st)
{
    F(st)->inner->free(F(st)->inner);
    free(st);
}

static int f_tenant_get(sl_store *st, sl_tenant *out, sl_id id)
{
    return trip(st) ? injected(st) : F(st)->inner->tenant_get(F(st)->inner, out, id);
}

static int f_tenant_put(sl_store *st, const sl_tenant *t)
{
    return trip(st) ? injected(st) : F(st)->inner->tenant_put(F(st)->inner, t);
}

sl_store *sl_test_faulty_new(sl_store *inner)
{
    faulty *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    sl_store_init(&f->base, SL_STORE_VERSION);
    f->inner = inner;
    f->base.begin = f_begin;
    f->base.commit = f_commit;
    f->base.rollback = f_rollback;
    f->base.free = f_free;
    f->base.tenant_get = f_tenant_get;
    f->base.tenant_put = f_tenant_put;
    return &f->base;
}

void sl_test_faulty_arm(sl_store *st, long n)
{
    F(st)->arm = n;
    F(st)->calls = 0;
    F(st)->fired = 0;
}

long sl_test_faulty_calls(const sl_store *st)
{
    return ((const faulty *)st)->calls;
}

int sl_test_faulty_fired(const sl_store *st)
{
    return ((const faulty *)st)->fired;
}
