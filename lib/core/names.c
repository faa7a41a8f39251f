/*
 * lib/core/names.c - names, descriptions and sizes read from the lists of
 * slotledger/codes.h: the symbolic name and sentence of a result code, the
 * names of statuses, kinds and entities, the sizes of the public structs.
 * Everything here is generated from one list each; the static assertions
 * tie the lists to the numeric macros of the public headers.
 */
#include <string.h>

#include "internal.h"
#include "slotledger/sys/store.h"

/* Every list entry equals the macro of the same name. */
#define SL__SAME(name, value, text) _Static_assert((name) == (value), #name " differs from its list entry");
SL_RESULT_CODES(SL__SAME)
SL_SESSION_STATUSES(SL__SAME)
SL_SESSION_KINDS(SL__SAME)
SL_ENTRY_KINDS(SL__SAME)
SL_HOLD_STATUSES(SL__SAME)
SL_ENTITIES(SL__SAME)
SL_SEAT_STATUSES(SL__SAME)
#undef SL__SAME

/* The result codes, indexed by -code. The switch in sl_strerror refuses a
 * repeated value at compile time; this array's length equals the count
 * only when the codes are 0, -1, ... -(count - 1) without a gap. */
struct code_text {
    const char *name;
    const char *description;
};

#define SL__CODE_ROW(name, value, text) [-(value)] = {#name, text},
static const struct code_text code_texts[] = {SL_RESULT_CODES(SL__CODE_ROW)};
#undef SL__CODE_ROW

_Static_assert(sizeof code_texts / sizeof code_texts[0] == SL_RESULT_CODE_COUNT,
               "SL_RESULT_CODES must be 0, -1, -2, ... without a gap");
_Static_assert(SL_ERROR_MIN == -17, "SL_ERROR_MIN changed: a released value never changes");

static const struct code_text *code_text(int code)
{
    switch (code) {
#define SL__CODE_CASE(name, value, text) case value:
        SL_RESULT_CODES(SL__CODE_CASE)
#undef SL__CODE_CASE
        return &code_texts[-code];
    default:
        return NULL;
    }
}

const char *sl_strerror(int code)
{
    const struct code_text *t = code_text(code);
    return t ? t->name : "SL_EUNKNOWN";
}

const char *sl_code_description(int code)
{
    const struct code_text *t = code_text(code);
    return t ? t->description : "unknown result code";
}

int sl_error_min(void)
{
    return SL_ERROR_MIN;
}

/* One switch per list: the compiler rejects a repeated value. */
#define SL__NAME_CASE(macro, value, text) \
    case value: return text;
#define SL__NAME_FUNCTION(function, list) \
    const char *function(int32_t value) \
    { \
        switch (value) { \
            list(SL__NAME_CASE) \
        default: return NULL; \
        } \
    }

SL__NAME_FUNCTION(sl_status_name, SL_SESSION_STATUSES)
SL__NAME_FUNCTION(sl_kind_name, SL_SESSION_KINDS)
SL__NAME_FUNCTION(sl_entry_kind_name, SL_ENTRY_KINDS)
SL__NAME_FUNCTION(sl_hold_status_name, SL_HOLD_STATUSES)
SL__NAME_FUNCTION(sl_entity_name, SL_ENTITIES)
SL__NAME_FUNCTION(sl_seat_status_name, SL_SEAT_STATUSES)
#undef SL__NAME_FUNCTION
#undef SL__NAME_CASE

/* Every public struct, by its C name. */
#define SL__PUBLIC_STRUCTS(X)                                                                  \
    X(sl_options) X(sl_tenant) X(sl_interval) X(sl_window) X(sl_rule) X(sl_override)           \
    X(sl_engine_params) X(sl_session) X(sl_booking) X(sl_account) X(sl_entry)                  \
    X(sl_credit_hold) X(sl_balance) X(sl_post) X(sl_verify_report) X(sl_ledger_anchor)         \
    X(sl_store) X(sl_row_mac) X(sl_ics_options)                                                 \
    X(sl_many_slots) X(sl_team_avail) X(sl_free_at_result)                                      \
    X(sl_outbox_event) X(sl_outbox_options) X(sl_outbox_counts)                                 \
    X(sl_class) X(sl_seat)

size_t sl_struct_size(const char *name)
{
    static const struct {
        const char *name;
        size_t size;
    } sizes[] = {
#define SL__STRUCT_ROW(type) {#type, sizeof(type)},
        SL__PUBLIC_STRUCTS(SL__STRUCT_ROW)
#undef SL__STRUCT_ROW
    };
    if (!name)
        return 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        if (strcmp(sizes[i].name, name) == 0)
            return sizes[i].size;
    }
    return 0;
}
