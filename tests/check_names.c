/*
 * tests/check_names.c - the lists of slotledger/codes.h as the library
 * exposes them: result-code names and descriptions, status, kind and
 * entity names, public struct sizes.
 */
#include <string.h>

#include "support.h"
#include "slotledger/sys/store.h"

START_TEST(test_every_listed_code_has_name_and_description)
{
    int n = 0;
#define CHECK_CODE(name, value, text)                                     \
    ck_assert_int_eq(name, value);                                        \
    ck_assert_str_eq(sl_strerror(value), #name);                          \
    ck_assert_str_eq(sl_code_description(value), text);                  \
    n++;
    SL_RESULT_CODES(CHECK_CODE)
#undef CHECK_CODE
    ck_assert_int_eq(n, SL_RESULT_CODE_COUNT);
    ck_assert_int_eq(SL_ERROR_MIN, -17);
    ck_assert_int_eq(SL_ERROR_MIN, 1 - SL_RESULT_CODE_COUNT);
    ck_assert_int_eq(sl_error_min(), SL_ERROR_MIN);
}
END_TEST

START_TEST(test_code_description_is_a_sentence_never_null)
{
    ck_assert_str_eq(sl_code_description(SL_ECONFLICT), "the time is taken by another session");
    ck_assert_str_eq(sl_code_description(SL_OK), "success");
    for (int c = SL_ERROR_MIN; c <= 0; c++) {
        const char *d = sl_code_description(c);
        ck_assert_ptr_nonnull(d);
        ck_assert_msg(strlen(d) > 3 && strcmp(d, "unknown result code") != 0, "code %d has no sentence", c);
        ck_assert_str_ne(d, sl_strerror(c));
    }
    ck_assert_str_eq(sl_code_description(1), "unknown result code");
    ck_assert_str_eq(sl_code_description(SL_ERROR_MIN - 1), "unknown result code");
    ck_assert_str_eq(sl_code_description(-2147483647 - 1), "unknown result code");
}
END_TEST

START_TEST(test_enum_names_match_the_headers)
{
    ck_assert_str_eq(sl_status_name(SL_STATUS_PENDING), "pending");
    ck_assert_str_eq(sl_status_name(SL_STATUS_NO_SHOW), "no_show");
    ck_assert_str_eq(sl_kind_name(SL_KIND_TRIAL), "trial");
    ck_assert_str_eq(sl_entry_kind_name(SL_ENTRY_PURCHASE), "purchase");
    ck_assert_str_eq(sl_entry_kind_name(SL_ENTRY_EXPIRE), "expire");
    ck_assert_str_eq(sl_hold_status_name(SL_HOLD_CAPTURED), "captured");
    ck_assert_str_eq(sl_entity_name(SL_ENTITY_ACCOUNT), "account");
    /* Outside each list: NULL, so a host can enumerate 0, 1, 2, ... */
    ck_assert_ptr_null(sl_status_name(0));
    ck_assert_ptr_null(sl_status_name(6));
    ck_assert_str_eq(sl_kind_name(SL_KIND_CLASS), "class");
    ck_assert_ptr_null(sl_kind_name(5));
    ck_assert_str_eq(sl_seat_status_name(SL_SEAT_WAITLISTED), "waitlisted");
    ck_assert_ptr_null(sl_seat_status_name(7));
    ck_assert_ptr_null(sl_entry_kind_name(7));
    ck_assert_ptr_null(sl_entry_kind_name(-1));
    ck_assert_ptr_null(sl_hold_status_name(5));
    ck_assert_ptr_null(sl_entity_name(0));
    ck_assert_ptr_null(sl_entity_name(INT32_MAX));
}
END_TEST

/* Counts what a host finds by enumerating 0..255. */
static int enumerate(const char *(*fn)(int32_t))
{
    int n = 0;
    for (int32_t v = 0; v < 256; v++)
        n += fn(v) != NULL;
    return n;
}

START_TEST(test_enumeration_finds_every_listed_value)
{
#define ONE(macro, value, text) +1
    ck_assert_int_eq(enumerate(sl_status_name), 0 SL_SESSION_STATUSES(ONE));
    ck_assert_int_eq(enumerate(sl_kind_name), 0 SL_SESSION_KINDS(ONE));
    ck_assert_int_eq(enumerate(sl_entry_kind_name), 0 SL_ENTRY_KINDS(ONE));
    ck_assert_int_eq(enumerate(sl_hold_status_name), 0 SL_HOLD_STATUSES(ONE));
    ck_assert_int_eq(enumerate(sl_entity_name), 0 SL_ENTITIES(ONE));
    ck_assert_int_eq(enumerate(sl_seat_status_name), 0 SL_SEAT_STATUSES(ONE));
#undef ONE
}
END_TEST

START_TEST(test_struct_sizes)
{
    ck_assert_uint_eq(sl_struct_size("sl_session"), sizeof(sl_session));
    ck_assert_uint_eq(sl_struct_size("sl_entry"), sizeof(sl_entry));
    ck_assert_uint_eq(sl_struct_size("sl_credit_hold"), sizeof(sl_credit_hold));
    ck_assert_uint_eq(sl_struct_size("sl_account"), sizeof(sl_account));
    ck_assert_uint_eq(sl_struct_size("sl_balance"), sizeof(sl_balance));
    ck_assert_uint_eq(sl_struct_size("sl_rule"), sizeof(sl_rule));
    ck_assert_uint_eq(sl_struct_size("sl_override"), sizeof(sl_override));
    ck_assert_uint_eq(sl_struct_size("sl_window"), sizeof(sl_window));
    ck_assert_uint_eq(sl_struct_size("sl_tenant"), sizeof(sl_tenant));
    ck_assert_uint_eq(sl_struct_size("sl_options"), sizeof(sl_options));
    ck_assert_uint_eq(sl_struct_size("sl_interval"), sizeof(sl_interval));
    ck_assert_uint_eq(sl_struct_size("sl_booking"), sizeof(sl_booking));
    ck_assert_uint_eq(sl_struct_size("sl_post"), sizeof(sl_post));
    ck_assert_uint_eq(sl_struct_size("sl_verify_report"), sizeof(sl_verify_report));
    ck_assert_uint_eq(sl_struct_size("sl_ledger_anchor"), sizeof(sl_ledger_anchor));
    ck_assert_uint_eq(sl_struct_size("sl_engine_params"), sizeof(sl_engine_params));
    ck_assert_uint_eq(sl_struct_size("sl_store"), sizeof(sl_store));
    ck_assert_uint_eq(sl_struct_size("sl_row_mac"), sizeof(sl_row_mac));
    ck_assert_uint_eq(sl_struct_size(NULL), 0);
    ck_assert_uint_eq(sl_struct_size(""), 0);
    ck_assert_uint_eq(sl_struct_size("sl_db"), 0);         /* opaque */
    ck_assert_uint_eq(sl_struct_size("sl_sessionx"), 0);
    ck_assert_uint_eq(sl_struct_size("SL_SESSION"), 0);
}
END_TEST

static SL_TEST_TCASE(tcase_names, "names", NULL, NULL, 0, test_every_listed_code_has_name_and_description,
                     test_code_description_is_a_sentence_never_null, test_enum_names_match_the_headers,
                     test_enumeration_finds_every_listed_value, test_struct_sizes)

SL_TEST_SUITE(names, tcase_names)
