'use strict';
// The raw koffi layer: finds the shared library, declares every C type and
// function of include/slotledger/*.h exactly once, and checks every struct's
// size against the library's sl_struct_size. The friendly API (Dates,
// errors, classes) lives in ../index.js and the other files of lib/.

const fs = require('node:fs');
const path = require('node:path');
const { replayable } = require('./async');

let koffi;
try {
    koffi = require('koffi');
} catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
        const e = new Error(
            'slotledger: the "koffi" package is not installed; run `npm ci` in bindings/node ' +
            '(the package directory) first');
        e.code = 'SLOTLEDGER_NO_KOFFI';
        e.cause = err;
        throw e;
    }
    throw err;
}

// Candidates in order, as [path or null, where]: the library bundled in the
// package (prebuilds/<platform>-<arch>/, put there by `./run dist`),
// $SLOTLEDGER_LIB, the build directory of a source tree this package sits in,
// then the system (the ld.so cache and LD_LIBRARY_PATH, pkg-config's libdir).
// A null path is a place with nothing to try, named in the error all the same.
function pkgConfigLibdir() {
    try {
        const r = require('node:child_process').spawnSync('pkg-config', ['--variable=libdir', 'slotledger'],
            { encoding: 'utf8', timeout: 10000 });
        return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
    } catch (_) {
        return null;
    }
}

function* candidates() {
    const pkg = path.resolve(__dirname, '..');
    const file = process.platform === 'darwin' ? 'libslotledger.dylib' : 'libslotledger.so';
    const soname = process.platform === 'darwin' ? 'libslotledger.0.dylib' : 'libslotledger.so.0';
    yield [path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`, file), 'bundled'];
    const env = process.env.SLOTLEDGER_LIB;
    yield env ? [env, 'SLOTLEDGER_LIB'] : [null, 'SLOTLEDGER_LIB: not set'];
    const root = path.resolve(pkg, '..', '..');
    const inTree = path.join(root, 'build', file);
    if (fs.existsSync(path.join(root, 'meson.build')) && fs.existsSync(inTree)) yield [inTree, 'source tree'];
    yield [soname, 'system'];
    const libdir = pkgConfigLibdir();
    yield libdir ? [path.join(libdir, soname), 'pkg-config libdir'] : [null, 'pkg-config: no slotledger.pc on its path'];
}

function loadLibrary() {
    const tried = [];
    for (const [name, where] of candidates()) {
        if (name === null) {
            tried.push(where);
            continue;
        }
        if (name.includes(path.sep) && !fs.existsSync(name)) {
            tried.push(`${where}: ${name} (missing)`);
            // An explicit SLOTLEDGER_LIB that does not load is an error, not
            // a reason to pick some other copy of the library silently.
            if (where === 'SLOTLEDGER_LIB') break;
            continue;
        }
        try {
            return { lib: koffi.load(name), path: name };
        } catch (err) {
            tried.push(`${where}: ${name} (${err.message})`);
            if (where === 'SLOTLEDGER_LIB') break;
        }
    }
    throw new Error('slotledger: cannot load libslotledger. Install the npm package built by `./run dist` ' +
        '(it carries the library), install the library (`./run install`: then it is found through the ld.so ' +
        "cache or pkg-config), or set SLOTLEDGER_LIB to the shared library's path. Tried:\n  " + tried.join('\n  '));
}

const { lib, path: libraryPath } = loadLibrary();

// ---- types (mirroring the C layouts exactly) ----------------------------
// One line a struct: its name and C member declarations (the members of the
// header, in order, `type a, b; char key[129]`), so that a layout reads like
// the header it mirrors; cstruct turns them into koffi's member object.

/** koffi.struct(name, ...) of the C member declarations `decl`. */
function cstruct(name, decl) {
    const members = {};
    for (const part of decl.split(';')) {
        const m = /^\s*((?:const\s+)?\w+(?:\s+int\b)?)\s*(.*?)\s*$/.exec(part);
        if (!m || !m[2]) continue;
        for (const item of m[2].split(',')) {
            const d = /^(\**)\s*(\w+)(?:\[(\d+)\])?$/.exec(item.trim());
            if (!d) throw new Error(`slotledger: bad member "${item}" of struct ${name}`);
            const type = d[1] ? `${m[1]} ${d[1]}` : m[1];
            members[d[2]] = d[3] ? koffi.array(type, Number(d[3]), type.startsWith('sl_') ? 'Array' : undefined)
                : type;
        }
    }
    return koffi.struct(name, members);
}

// ics.h: the summary callback crosses as raw pointers (the session is
// decoded, the text written into buf, by lib/methods/ics.js).
const ICS_SUMMARY_FN = koffi.proto('int sl_ics_summary_fn(void *ctx, void *s, void *buf, size_t cap)');
const LAYOUTS = [
    // db.h, tenant.h, slots.h, engine.h
    'sl_options { unsigned int version; int32_t durability; const char *tzdir; int32_t busy_timeout_ms, reserved; const uint8_t *ledger_key; size_t ledger_key_len }',
    'sl_tenant { unsigned int version; int32_t max_advance_days; int64_t id; char tz[65]; int64_t buffer_before, buffer_after, min_notice, step, late_cancel, created_at, updated_at }',
    'sl_interval { int64_t start, end }',
    'sl_window { int32_t start_min, end_min }',
    'sl_rule { unsigned int version; int32_t weekday; int64_t id, tenant; int32_t start_min, end_min, valid_from, valid_until; int64_t created_at, updated_at, deleted_at }',
    'sl_override { unsigned int version; int32_t n_windows; int64_t id, tenant; int32_t date, reserved; sl_window windows[48]; int64_t created_at, updated_at, deleted_at }',
    'sl_engine_params { unsigned int version; int32_t reserved; int64_t duration, step, buffer_before, buffer_after, from, to, earliest, horizon }',
    // sessions.h, ics.h
    'sl_session { unsigned int version; int32_t status; int64_t id, tenant, student, start, end; int32_t kind, replayed; int64_t credits, hold_id, series_id, created_at, updated_at, deleted_at; char key[129]; uint8_t request_hash[16] }',
    'sl_booking { int64_t student, start, duration, credits }',
    'sl_ics_options { unsigned int version; uint32_t flags; int64_t student; const char *domain, *prodid, *summary; sl_ics_summary_fn *summary_fn; void *summary_ctx }',
    // ledger.h
    'sl_account { unsigned int version; int32_t reserved; int64_t tenant, student, floor, posted, held, created_at, updated_at, deleted_at }',
    'sl_entry { unsigned int version; int32_t kind; int64_t id, tenant, account, seq, amount, balance_after, hold_id, created_at; int32_t replayed, reserved; char key[129], reference[129]; uint8_t request_hash[16], hash[32] }',
    'sl_credit_hold { unsigned int version; int32_t status; int64_t id, tenant, account, amount, captured, expires_at, created_at, resolved_at, entry_id; int32_t replayed, reserved; char key[129]; uint8_t request_hash[16] }',
    'sl_balance { int64_t posted, held, available, floor }',
    'sl_post { int64_t account; int32_t kind, reserved; int64_t amount; const char *key, *reference }',
    'sl_verify_report { int64_t entries, accounts, first_bad_seq, first_bad_entry }',
    'sl_ledger_anchor { unsigned int version; int32_t reserved; int64_t tenant, seq; uint8_t hash[32] }',
    // outbox.h
    'sl_outbox_event { unsigned int version; int32_t kind; int64_t id, tenant, session, seq; int32_t status, session_kind; int64_t student, start, end, credits, deleted_at, created_at; int32_t state, attempts; int64_t available_at, lease_until, token, acked_at; char consumer[64], error[256] }',
    'sl_outbox_options { unsigned int version; int32_t attempts; int64_t backoff_base, backoff_cap }',
    'sl_outbox_counts { unsigned int version; int32_t reserved; int64_t due, waiting, leased, dead, acked, oldest_age }',
    // classes.h
    'sl_class { unsigned int version; int32_t capacity; int64_t id, tenant, credits_per_seat; int32_t taken, waitlisted; int64_t last_position }',
    'sl_seat { unsigned int version; int32_t status; int64_t id, tenant, class_id, student, position, hold_id, created_at, updated_at; int32_t replayed, reserved; char key[129]; uint8_t request_hash[16]; char withdraw_key[129]; uint8_t withdraw_hash[16] }',
    // teams.h: results are one library allocation; the arrays inside are read
    // with koffi.view (lib/methods/teams.js).
    'sl_many_slots { unsigned int version; uint32_t flags; uint64_t n_tenants, n_slots; void *tenants, *status, *offsets, *slots }',
    'sl_team_avail { unsigned int version; uint32_t flags; int32_t mode, reserved; uint64_t n_starts, n_who; void *starts, *offsets, *who }',
    'sl_free_at_result { unsigned int version; int32_t reserved; uint64_t n_tenants, n_free; void *tenants, *status, *free }',
];
const T = { sl_db: koffi.opaque('sl_db') };
for (const layout of LAYOUTS) {
    const [, name, decl] = /^(\w+) \{(.*)\}$/.exec(layout);
    T[name] = cstruct(name, decl);
}

// ---- functions: one declaration each, C prototypes as in the headers -----
// Out-parameters are _Out_ (koffi.out(koffi.pointer(...))). Arrays the
// library allocates come back as raw pointers (`void **`) that index.js
// decodes and then releases with sl_free in a finally block. Caller-owned
// output arrays are Buffers passed as `void *`.
const PROTOS = [
    // common.h / version.h
    'const char *sl_strerror(int code)',
    'void sl_free(void *p)',
    'int sl_error_min(void)',
    'int sl_version_number(void)',
    'const char *sl_version_string(void)',
    // codes.h: the lists this binding reads at load time
    'const char *sl_code_description(int code)',
    'const char *sl_status_name(int32_t status)',
    'const char *sl_kind_name(int32_t kind)',
    'const char *sl_entry_kind_name(int32_t kind)',
    'const char *sl_hold_status_name(int32_t status)',
    'const char *sl_entity_name(int32_t entity)',
    'const char *sl_seat_status_name(int32_t status)',
    'size_t sl_struct_size(const char *name)',
    // civil.h
    'int sl_date_from_civil(_Out_ int32_t *out, int32_t year, int32_t month, int32_t day)',
    'int sl_date_to_civil(_Out_ int32_t *year, _Out_ int32_t *month, _Out_ int32_t *day, int32_t d)',
    'int sl_date_weekday(int32_t d)',
    'int32_t sl_date_of_time(int64_t t)',
    'int sl_time_format(char *buf, size_t cap, int64_t t)',
    'int sl_time_parse(_Out_ int64_t *out, const char *text)',
    'int sl_date_format(char *buf, size_t cap, int32_t d)',
    'int sl_date_parse(_Out_ int32_t *out, const char *text)',
    // db.h
    'int sl_options_init(_Out_ sl_options *opts, unsigned int version)',
    'int sl_open(_Out_ sl_db **out, const char *path, const sl_options *opts)',
    'int sl_open_memory(_Out_ sl_db **out, const sl_options *opts)',
    'int sl_close(sl_db *db)',
    'int sl_group_begin(sl_db *db)',
    'int sl_group_commit(sl_db *db)',
    'int sl_group_rollback(sl_db *db)',
    'int sl_group_active(sl_db *db)',
    'const char *sl_errmsg(sl_db *db)',
    'int sl_errcode(sl_db *db)',
    // tz.h
    'int sl_tz_check(sl_db *db, const char *zone)',
    'int sl_tz_utc_offset(sl_db *db, _Out_ int32_t *offset, const char *zone, int64_t utc)',
    'int sl_tz_utc_to_local(sl_db *db, _Out_ int64_t *local, const char *zone, int64_t utc)',
    'int sl_tz_local_to_utc(sl_db *db, _Out_ int64_t *utc, _Out_ int *kind, const char *zone, int64_t local)',
    // tenant.h
    'int sl_tenant_init(_Out_ sl_tenant *t, unsigned int version)',
    'int sl_tenant_put(sl_db *db, const sl_tenant *t, int64_t now)',
    'int sl_tenant_get(sl_db *db, _Out_ sl_tenant *out, int64_t id)',
    // slots.h
    'int sl_rule_add(sl_db *db, _Out_ int64_t *out_id, int64_t tenant, int32_t weekday, int32_t start_min, int32_t end_min, int32_t valid_from, int32_t valid_until, int64_t now)',
    'int sl_rule_update(sl_db *db, int64_t tenant, int64_t rule, int32_t weekday, int32_t start_min, int32_t end_min, int32_t valid_from, int32_t valid_until, int64_t now)',
    'int sl_rule_get(sl_db *db, _Out_ sl_rule *out, int64_t tenant, int64_t rule, uint32_t flags)',
    'int sl_rules_list(sl_db *db, _Out_ void **out, _Out_ size_t *count, int64_t tenant, uint32_t flags)',
    'int sl_override_set(sl_db *db, _Out_ int64_t *out_id, int64_t tenant, int32_t date, const sl_window *windows, size_t n, int64_t now)',
    'int sl_override_get(sl_db *db, _Out_ sl_override *out, int64_t tenant, int32_t date, uint32_t flags)',
    'int sl_overrides_list(sl_db *db, _Out_ void **out, _Out_ size_t *count, int64_t tenant, int32_t from, int32_t to, uint32_t flags)',
    // count and flags are typed arrays (lib/packed.js): koffi passes their
    // memory as is, where an _Out_ parameter costs an array read and write.
    'int sl_slots(sl_db *db, void *buf, size_t cap, void *count, void *flags, int64_t tenant, int64_t from, int64_t to, int64_t duration, int64_t now)',
    'int sl_slots_alloc(sl_db *db, _Out_ void **out, _Out_ size_t *count, _Out_ uint32_t *flags, int64_t tenant, int64_t from, int64_t to, int64_t duration, int64_t now)',
    'int sl_engine_slots(void *out, size_t cap, _Out_ size_t *count, const sl_interval *avail, size_t n_avail, const sl_interval *busy, size_t n_busy, const sl_engine_params *p)',
    // sessions.h
    'int sl_book(sl_db *db, _Out_ sl_session *out, int64_t tenant, int64_t student, int64_t start, int64_t duration, int64_t credits, const char *key, int64_t now)',
    'int sl_book_many(sl_db *db, void *out, _Out_ size_t *failed_index, int64_t tenant, const sl_booking *bookings, size_t n, const char *key, int64_t now)',
    'int sl_book_trial(sl_db *db, _Out_ sl_session *out, int64_t tenant, int64_t student, int64_t start, int64_t duration, const char *key, int64_t now)',
    'int sl_schedule_manual(sl_db *db, _Out_ sl_session *out, int64_t tenant, int64_t student, int64_t start, int64_t duration, int64_t credits, const char *key, int64_t now)',
    'int sl_reschedule(sl_db *db, _Out_ sl_session *out, int64_t tenant, int64_t session, int64_t new_start, int64_t now)',
    'int sl_book_recurring(sl_db *db, void *out, _Out_ size_t *n_booked, void *skipped, size_t skipped_cap, _Out_ size_t *n_skipped, int64_t tenant, int64_t student, int64_t first_start, int64_t duration, int64_t credits, uint32_t count, int32_t policy, const char *key, int64_t now)',
    'int sl_confirm(sl_db *db, _Out_ sl_session *out, int64_t tenant, int64_t session, int64_t now)',
    'int sl_cancel(sl_db *db, _Out_ sl_session *out, int64_t tenant, int64_t session, int64_t now)',
    'int sl_complete(sl_db *db, _Out_ sl_session *out, int64_t tenant, int64_t session, int64_t now)',
    'int sl_mark_no_show(sl_db *db, _Out_ sl_session *out, int64_t tenant, int64_t session, int64_t now)',
    'int sl_session_get(sl_db *db, _Out_ sl_session *out, int64_t tenant, int64_t session, uint32_t flags)',
    'int sl_sessions_list(sl_db *db, _Out_ void **out, _Out_ size_t *count, int64_t tenant, int64_t from, int64_t to, uint32_t flags)',
    'int sl_sessions_by_student(sl_db *db, _Out_ void **out, _Out_ size_t *count, int64_t tenant, int64_t student, uint32_t flags)',
    'int sl_soft_delete(sl_db *db, int64_t tenant, int32_t entity, int64_t id, int64_t now)',
    'int sl_restore(sl_db *db, int64_t tenant, int32_t entity, int64_t id, int64_t now)',
    'int sl_purge(sl_db *db, _Out_ size_t *purged, int32_t entity, int64_t before)',
    // classes.h
    'int sl_class_create(sl_db *db, _Out_ sl_session *out, int64_t tenant, int64_t start, int64_t duration, int32_t capacity, int64_t credits_per_seat, const char *key, int64_t now)',
    'int sl_class_get(sl_db *db, _Out_ sl_class *out, int64_t tenant, int64_t class_id, uint32_t flags)',
    'int sl_class_enroll(sl_db *db, _Out_ sl_seat *seat, int64_t tenant, int64_t class_id, int64_t student, uint32_t flags, const char *key, int64_t now)',
    'int sl_class_withdraw(sl_db *db, int64_t tenant, int64_t class_id, int64_t student, const char *key, int64_t now)',
    'int sl_class_no_show(sl_db *db, _Out_ sl_seat *seat, int64_t tenant, int64_t class_id, int64_t student, int64_t now)',
    'int sl_class_seats(sl_db *db, _Out_ void **seats, _Out_ size_t *n, int64_t tenant, int64_t class_id)',
    // teams.h
    'int sl_slots_many(sl_db *db, _Out_ void **out, const int64_t *tenants, size_t n, int64_t from, int64_t to, int64_t duration, int64_t now)',
    'int sl_team_slots(sl_db *db, _Out_ void **out, const int64_t *tenants, size_t n, int64_t from, int64_t to, int64_t duration, int32_t mode, int64_t now)',
    'int sl_free_at(sl_db *db, _Out_ void **out, const int64_t *tenants, size_t n, int64_t start, int64_t duration, int64_t now)',
    'int sl_book_any(sl_db *db, _Out_ sl_session *out, const int64_t *tenants, size_t n, int64_t student, int64_t start, int64_t duration, int64_t credits, const char *key, int64_t now)',
    'int sl_book_all(sl_db *db, void *out, _Out_ size_t *failed_index, const int64_t *tenants, size_t n, int64_t student, int64_t start, int64_t duration, int64_t credits, const char *key, int64_t now)',
    // ics.h
    'int sl_ics_options_init(_Out_ sl_ics_options *o, unsigned int version)',
    'int sl_session_ics(sl_db *db, _Out_ void **out, _Out_ size_t *len, int64_t tenant, int64_t session, const sl_ics_options *opts)',
    'int sl_calendar_ics(sl_db *db, _Out_ void **out, _Out_ size_t *len, int64_t tenant, int64_t from, int64_t to, const sl_ics_options *opts)',
    // outbox.h
    'const char *sl_event_kind_name(int32_t kind)',
    'const char *sl_outbox_state_name(int32_t state)',
    'int sl_outbox_options_init(_Out_ sl_outbox_options *opts, unsigned int version)',
    'int sl_outbox_configure(sl_db *db, const sl_outbox_options *opts)',
    'int sl_outbox_claim(sl_db *db, _Out_ void **events, _Out_ size_t *n, const char *consumer, int64_t tenant, size_t max, int64_t lease_seconds, int64_t now)',
    'int sl_outbox_ack(sl_db *db, int64_t tenant, int64_t event, int64_t token, int64_t now)',
    'int sl_outbox_fail(sl_db *db, int64_t tenant, int64_t event, int64_t token, const char *message, int64_t now)',
    'int sl_outbox_dead(sl_db *db, _Out_ void **events, _Out_ size_t *n, int64_t tenant, size_t max)',
    'int sl_outbox_retry(sl_db *db, int64_t tenant, int64_t event, int64_t now)',
    'int sl_outbox_stats(sl_db *db, _Out_ sl_outbox_counts *out, int64_t tenant, int64_t now)',
    'int sl_outbox_purge(sl_db *db, _Out_ size_t *purged, int64_t before)',
    'int sl_outbox_get(sl_db *db, _Out_ sl_outbox_event *out, int64_t tenant, int64_t event)',
    'int sl_outbox_session_events(sl_db *db, _Out_ void **events, _Out_ size_t *n, int64_t tenant, int64_t session)',
    'void sl_outbox_free(void *events)',
    // ledger.h
    'int sl_ledger_post(sl_db *db, _Out_ sl_entry *out, int64_t tenant, int64_t account, int32_t kind, int64_t amount, const char *key, const char *reference, int64_t now)',
    'int sl_ledger_post_many(sl_db *db, void *out, _Out_ size_t *failed_index, int64_t tenant, const sl_post *posts, size_t n, int64_t now)',
    'int sl_ledger_balance(sl_db *db, _Out_ sl_balance *out, int64_t tenant, int64_t account, int64_t now)',
    'int sl_account_set_floor(sl_db *db, int64_t tenant, int64_t account, int64_t floor, int64_t now)',
    'int sl_account_get(sl_db *db, _Out_ sl_account *out, int64_t tenant, int64_t account, uint32_t flags)',
    'int sl_hold(sl_db *db, _Out_ sl_credit_hold *out, int64_t tenant, int64_t account, int64_t amount, int64_t expires_at, const char *key, int64_t now)',
    'int sl_hold_capture(sl_db *db, _Out_ sl_entry *out, int64_t tenant, int64_t hold, int64_t amount, const char *key, int64_t now)',
    'int sl_hold_release(sl_db *db, _Out_ sl_credit_hold *out, int64_t tenant, int64_t hold, int64_t now)',
    'int sl_hold_get(sl_db *db, _Out_ sl_credit_hold *out, int64_t tenant, int64_t hold)',
    'int sl_ledger_history(sl_db *db, void *out, size_t cap, _Out_ size_t *count, int64_t tenant, int64_t account, int64_t after_seq)',
    'int sl_ledger_verify(sl_db *db, _Out_ sl_verify_report *out, int64_t tenant)',
    'int sl_ledger_head(sl_db *db, _Out_ sl_ledger_anchor *out, int64_t tenant)',
    'int sl_ledger_verify_head(sl_db *db, int64_t tenant, const sl_ledger_anchor *head)',
    'int sl_ledger_seal(sl_db *db, _Out_ size_t *sealed, int64_t tenant)',
    'int sl_webhook_verify(const uint8_t *secret, size_t secret_len, const char *header, const uint8_t *payload, size_t payload_len, int64_t now, int64_t tolerance)',
    'int sl_webhook_claim(sl_db *db, _Out_ int *claimed, int64_t tenant, const char *source, const char *event_id, int64_t now)',
];

// The database calls (those taking an sl_db, but for the error readers and
// sl_close) may run on a worker thread for the Promise API (lib/async.js).
const SYNC_ONLY = new Set(['sl_errmsg', 'sl_errcode', 'sl_close']);
const C = {};
const RAW = {}; // the koffi functions themselves, for a hot path that checks replaying() itself
for (const proto of PROTOS) {
    const name = /\b(sl_\w+)\(/.exec(proto)[1];
    try {
        const fn = lib.func(proto);
        RAW[name] = fn;
        C[name] = /\bsl_db\b/.test(proto) && !SYNC_ONLY.has(name) ? replayable(name, fn) : fn;
    } catch (err) {
        throw new Error(`slotledger: the loaded library (${libraryPath}) has no ${name}; it is older ` +
            `than this binding (${err.message})`);
    }
}

// ---- layouts checked against the library at load time ------------------
// Every struct declared above is compared with the library's own
// sl_struct_size: a binding whose layouts do not match the loaded library
// refuses to load (naming the struct) instead of corrupting memory later.

/** The library's sizeof of each struct of `types` (opaque types skipped). */
function librarySizes(types = T, sizeOf = C.sl_struct_size) {
    const sizes = {};
    for (const name of Object.keys(types)) {
        if (name === 'sl_db') continue; // opaque: no size
        sizes[name] = Number(sizeOf(name));
    }
    return sizes;
}

/** Throw an Error naming the first struct whose koffi size differs from
 * the library's (0: the library does not know the struct). */
function checkStructSizes(types = T, sizeOf = C.sl_struct_size) {
    const sizes = librarySizes(types, sizeOf);
    for (const [name, cSize] of Object.entries(sizes)) {
        const jsSize = koffi.sizeof(types[name]);
        if (cSize === 0) {
            throw new Error(`slotledger: the loaded library (${libraryPath}) does not know struct ${name}; ` +
                'it is older than this binding');
        }
        if (cSize !== jsSize) {
            const e = new Error(`slotledger: struct ${name} is ${cSize} bytes in the loaded library ` +
                `(${libraryPath}) but ${jsSize} bytes in the Node binding: the binding does not match ` +
                "the library's headers");
            e.code = 'SLOTLEDGER_LAYOUT';
            e.struct = name;
            throw e;
        }
    }
    return sizes;
}

// sizeof of each C struct as the loaded library reports it.
const C_SIZES = Object.freeze(checkStructSizes());

module.exports = { koffi, lib, libraryPath, T, C, RAW, C_SIZES, PROTOS, ICS_SUMMARY_FN, checkStructSizes, librarySizes };
