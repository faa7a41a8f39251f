/*
 * lib/store/rowcall.h - what the built-in backends' generic scan loops
 * share: a scan's callback is kept as void (*)(void) and called through an
 * adaptor of its own type (ISO C calls a function only through its own
 * type). Internal: not exported; includes only public headers.
 */
#ifndef SL_STORE_ROWCALL_H
#define SL_STORE_ROWCALL_H

#include "slotledger.h"

typedef int (*sl__rowcall)(void (*cb)(void), void *ctx, const void *row);
#define SL__CB(cb) ((void (*)(void))(cb))

#define SL__ROWCALL(name, T)                                                                   \
    static inline int name(void (*cb)(void), void *ctx, const void *row)                       \
    {                                                                                          \
        return ((int (*)(void *, const T *))cb)(ctx, row);                                     \
    }
SL__ROWCALL(sl__call_tenant, sl_tenant)
SL__ROWCALL(sl__call_rule, sl_rule)
SL__ROWCALL(sl__call_override, sl_override)
SL__ROWCALL(sl__call_session, sl_session)
SL__ROWCALL(sl__call_account, sl_account)
SL__ROWCALL(sl__call_entry, sl_entry)
SL__ROWCALL(sl__call_hold, sl_credit_hold)
#undef SL__ROWCALL

#endif
