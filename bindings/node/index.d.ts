// Type declarations for the slotledger Node.js binding (CommonJS and ES
// module entries alike; test/types.test.js compiles a typed example).
/// <reference lib="esnext.disposable" />

/** Seconds, or an object adding up hours, minutes and seconds. */
export type Duration = number | bigint | { hours?: number; minutes?: number; seconds?: number };
/** An id, amount or count: a Number (exact to 2^53) or a BigInt (input only). */
export type Int = number | bigint;
/** "YYYY-MM-DD", a Date (its UTC calendar day), or a day number. */
export type CivilDate = string | Date | number;
/** "HH:MM" (00:00..24:00) or minutes after local midnight. */
export type WallTime = string | number;
export type Entity = 'rule' | 'override' | 'session' | 'account';
export type SessionStatus = 'pending' | 'confirmed' | 'cancelled' | 'completed' | 'no_show';
export type SessionKind = 'regular' | 'trial' | 'manual' | 'class';
export type EntryKind = 'purchase' | 'grant' | 'consume' | 'refund' | 'adjust' | 'expire';
export type HoldStatus = 'active' | 'captured' | 'released' | 'expired';

/** Options of sessionIcs / calendarIcs. */
export interface IcsOptions {
    /** UID domain (required): UIDs are "sl-<tenant>-<session>@<domain>". */
    domain: string;
    /** A template ({id} {tenant} {student} {status} {kind} {start} {end};
     * "{{" "}}" for braces) or a function; default "Session {id}". */
    summary?: string | ((session: Session) => string) | null;
    prodid?: string | null;
    includeDeleted?: boolean;
}

// Every options / settings / request object is checked at run time: an own
// enumerable key the method does not read is a TypeError naming it and the
// accepted names (a known key whose value is undefined is fine).
export interface Clock { now?: Date }
export interface ReadOptions { includeDeleted?: boolean }

export interface OpenOptions {
    durability?: 'durable' | 'fast';
    tzdir?: string;
    busyTimeoutMs?: number;
    /** 16..64 bytes keying the ledger hash chain (a string is UTF-8). */
    ledgerKey?: Buffer | Uint8Array | string;
}

export interface TenantSettings extends Clock {
    tz?: string;
    bufferBefore?: Duration;
    bufferAfter?: Duration;
    minNotice?: Duration;
    step?: Duration;
    maxAdvanceDays?: number;
    lateCancel?: Duration;
}

export interface RuleInput extends Clock {
    weekday: number;
    start: WallTime;
    end: WallTime;
    validFrom?: CivilDate | null;
    validUntil?: CivilDate | null;
}

export interface Slot { start: Date; end: Date }
export interface SlotList extends Array<Slot> {
    clamped: boolean;
    total: number;
    truncated: boolean;
}
/** Slots as Unix milliseconds (UTC) in flat (start, end) pairs:
 * [start0, end0, start1, end1, ...], no object per slot (slotsEpoch). */
export interface EpochSlots extends Float64Array {
    clamped: boolean;
    total: number;
    truncated: boolean;
}

export interface BookingInput extends Clock {
    student: Int;
    start: Date;
    duration: Duration;
    credits?: Int;
    key?: string | null;
}

export interface RecurringInput extends BookingInput {
    count: number;
    policy?: 'all-or-nothing' | 'skip-conflicts';
}

export interface PostInput {
    account: Int;
    amount: Int;
    kind: EntryKind;
    key: string;
    reference?: string | null;
}

export interface Balance { posted: number; held: number; available: number; floor: number }
export interface LedgerHead { seq: number; hash: Buffer }
export interface VerifyReport { entries: number; accounts: number; firstBadSeq: number | null; firstBadEntry: number | null }
export interface LocalTime { year: number; month: number; day: number; hour?: number; minute?: number; second?: number }
export interface LocalTimeOut { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number }

export class Tenant {
    id: number; tz: string; bufferBefore: number; bufferAfter: number; minNotice: number;
    step: number; maxAdvanceDays: number; lateCancel: number; createdAt: Date; updatedAt: Date;
}
export class Rule {
    id: number; tenant: number; weekday: number; start: string; end: string; startMin: number; endMin: number;
    validFrom: string | null; validUntil: string | null; createdAt: Date; updatedAt: Date; deletedAt: Date | null;
}
export class Override {
    id: number; tenant: number; date: string; windows: [string, string][];
    createdAt: Date; updatedAt: Date; deletedAt: Date | null;
}
export class Session {
    id: number; tenant: number; student: number; start: Date; end: Date; status: SessionStatus; kind: SessionKind;
    credits: number; holdId: number | null; seriesId: number | null; replayed: boolean; key: string | null;
    createdAt: Date; updatedAt: Date; deletedAt: Date | null;
    readonly duration: number;
}
export class Entry {
    id: number; tenant: number; account: number; seq: number; kind: EntryKind; amount: number; balanceAfter: number;
    holdId: number | null; createdAt: Date; replayed: boolean; key: string; reference: string | null; hash: Buffer;
}
export class Hold {
    id: number; tenant: number; account: number; amount: number; captured: number; status: HoldStatus;
    expiresAt: Date; createdAt: Date; resolvedAt: Date | null; entryId: number | null; replayed: boolean; key: string | null;
}
export class Account {
    tenant: number; student: number; floor: number; posted: number; held: number;
    createdAt: Date; updatedAt: Date; deletedAt: Date | null;
}

/** Every database method of Database `m` has a twin `mAsync` taking the same
 * arguments and returning a Promise of the same result: its C calls run on a
 * worker thread (koffi's async calls), one async call at a time per handle,
 * in the order they were made. While one is pending, the synchronous
 * methods and close() of that handle throw Misuse. The method's JavaScript
 * runs again after each C call, so no user callback runs in one: group()
 * has no Async twin, and a summary function of sessionIcsAsync /
 * calendarIcsAsync is Misuse (a template string works). */
export type AsyncVariants<T> = {
    [K in keyof T as T[K] extends (...args: any[]) => any ? `${K & string}Async` : never]:
        T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never;
};

/** A library handle: sl.open() / sl.openMemory() (or their Async twins). */
export class Database {
    private constructor();
    readonly name: string;
    readonly closed: boolean;
    /** Close the handle (idempotent); throws Misuse while async calls are
     * pending, and from code a call on this handle runs (an argument's
     * getter, a group() callback), leaving the handle open. */
    close(): void;
    /** close() once the handle's pending async calls have finished; an
     * async call made after it rejects with Misuse. */
    closeAsync(): Promise<void>;
    /** `using db = sl.open(...)` closes it at the end of the scope. */
    [Symbol.dispose](): void;
    /** `await using db = await sl.openAsync(...)`. */
    [Symbol.asyncDispose](): Promise<void>;
    errcode(): number;
    errmsg(): string;
    /** Run fn's calls as one group: committed when fn returns (acknowledge
     * clients only after group() returns), rolled back when it throws.
     * fn must be synchronous. Returns fn's result. An Async call on this
     * handle inside fn rejects with Misuse, and group() then rolls the
     * whole group back and throws that Misuse. A commit that fails keeps
     * nothing of the group: see groupCommit; run the whole of fn again. */
    group<R>(fn: (db: Database) => R): R;
    /** Open a group (Misuse when one is open: groups do not nest). */
    groupBegin(): void;
    /** Commit the open group. Throws when nothing of it was kept: Busy
     * (retryable: the group was given up, e.g. a call of it lost the
     * connection or a lock wait failed) or StoreError (e.g. the connection
     * was lost during the commit), the message saying to retry the group.
     * The group is over either way: retry the whole group. */
    groupCommit(): void;
    /** Undo the open group's calls and end it. Misuse when no group is
     * open; after a groupCommit() that threw, its message says the group
     * already ended that way and kept nothing. */
    groupRollback(): void;
    readonly inGroup: boolean;
}
export interface Database extends DatabaseMethods, AsyncVariants<DatabaseMethods> {}

/** The database methods of Database (each also as an Async variant). */
export interface DatabaseMethods {
    setTenant(id: Int, settings?: TenantSettings): Tenant;
    tenant(id: Int): Tenant;

    addRule(tenant: Int, rule: RuleInput): number;
    updateRule(tenant: Int, id: Int, changes: Partial<RuleInput>): Rule;
    rule(tenant: Int, id: Int, opts?: ReadOptions): Rule;
    rules(tenant: Int, opts?: ReadOptions): Rule[];
    setOverride(tenant: Int, date: CivilDate, windows: ([WallTime, WallTime] | { start: WallTime; end: WallTime })[], opts?: Clock): number;
    override(tenant: Int, date: CivilDate, opts?: ReadOptions): Override;
    overrides(tenant: Int, from: CivilDate, to: CivilDate, opts?: ReadOptions): Override[];

    slots(tenant: Int, start: Date, end: Date, opts: Clock & { duration: Duration; limit?: number }): SlotList;
    /** slots() as one Float64Array of Unix ms, flat (start, end) pairs. */
    slotsEpoch(tenant: Int, start: Date, end: Date, opts: Clock & { duration: Duration; limit?: number }): EpochSlots;

    book(tenant: Int, req: BookingInput): Session;
    bookMany(tenant: Int, bookings: Omit<BookingInput, 'key' | 'now'>[], opts?: Clock & { key?: string | null }): Session[];
    bookTrial(tenant: Int, req: Omit<BookingInput, 'credits'>): Session;
    scheduleManual(tenant: Int, req: BookingInput): Session;
    reschedule(tenant: Int, sessionId: Int, newStart: Date, opts?: Clock): Session;
    bookRecurring(tenant: Int, req: RecurringInput): { sessions: Session[]; skipped: Date[] };
    confirm(tenant: Int, sessionId: Int, opts?: Clock): Session;
    cancel(tenant: Int, sessionId: Int, opts?: Clock): Session;
    complete(tenant: Int, sessionId: Int, opts?: Clock): Session;
    markNoShow(tenant: Int, sessionId: Int, opts?: Clock): Session;
    session(tenant: Int, id: Int, opts?: ReadOptions): Session;
    sessions(tenant: Int, from: Date, to: Date, opts?: ReadOptions): Session[];
    sessionsByStudent(tenant: Int, student: Int, opts?: ReadOptions): Session[];

    /** RFC 5545 text (CRLF, folded at 75 octets); see include/slotledger/ics.h. */
    sessionIcs(tenant: Int, session: Int, opts: IcsOptions): string;
    calendarIcs(tenant: Int, from: Date, to: Date, opts: IcsOptions & { student?: Int | null }): string;

    /** The calendar-sync outbox (include/slotledger/outbox.h). */
    outboxConfigure(opts?: { attempts?: number; backoffBase?: Duration; backoffCap?: Duration }): void;
    outboxClaim(consumer: string, opts?: Clock & { tenant?: Int | null; max?: Int; lease?: Duration }): OutboxEvent[];
    outboxAck(event: OutboxEvent | Int, opts?: Clock & { tenant?: Int; token?: Int }): void;
    outboxFail(event: OutboxEvent | Int, message?: string | null, opts?: Clock & { tenant?: Int; token?: Int }): void;
    outboxDead(opts?: { tenant?: Int | null; max?: Int }): OutboxEvent[];
    outboxRetry(tenant: Int, event: Int, opts?: Clock): void;
    outboxStats(opts?: Clock & { tenant?: Int | null }): OutboxStats;
    outboxPurge(before: Date): number;
    outboxEvent(tenant: Int, event: Int): OutboxEvent;
    outboxEvents(tenant: Int, session: Int): OutboxEvent[];
    /** Group classes (include/slotledger/classes.h). The session calls work on a class too. */
    createClass(tenant: Int, req: Clock & { start: Date; duration: Duration; capacity: number; creditsPerSeat?: Int; key?: string | null }): Session;
    classInfo(tenant: Int, classId: Int, opts?: ReadOptions): ClassInfo;
    enroll(tenant: Int, classId: Int, student: Int, opts?: Clock & { waitlist?: boolean; key?: string | null }): Seat;
    withdraw(tenant: Int, classId: Int, student: Int, opts?: Clock & { key?: string | null }): void;
    classNoShow(tenant: Int, classId: Int, student: Int, opts?: Clock): Seat;
    seats(tenant: Int, classId: Int): Seat[];
    /** Many teachers in one call (include/slotledger/teams.h); lists of 1..10,000 ids, no duplicates. */
    slotsMany(tenants: Int[], start: Date, end: Date, opts: Clock & { duration: Duration }): TeamSlots;
    slotsManyEpoch(tenants: Int[], start: Date, end: Date, opts: Clock & { duration: Duration }): TeamSlotsEpoch;
    teamSlots(tenants: Int[], start: Date, end: Date, opts: Clock & { duration: Duration; mode?: 'any' | 'all' }): TeamStart[];
    freeAt(tenants: Int[], start: Date, opts: Clock & { duration: Duration; detail?: false }): number[];
    freeAt(tenants: Int[], start: Date, opts: Clock & { duration: Duration; detail: true }): Map<number, string>;
    bookAny(tenants: Int[], req: BookingInput): Session;
    /** 1..100 tenants, all or nothing; a failure carries .failedIndex. */
    bookAll(tenants: Int[], req: BookingInput): Session[];

    softDelete(tenant: Int, entity: Entity, id: Int, opts?: Clock): void;
    restore(tenant: Int, entity: Entity, id: Int, opts?: Clock): void;
    purge(entity: Entity, before: Date): number;

    post(tenant: Int, req: PostInput & Clock): Entry;
    postMany(tenant: Int, posts: PostInput[], opts?: Clock): Entry[];
    balance(tenant: Int, account: Int, opts?: Clock): Balance;
    setFloor(tenant: Int, account: Int, floor: Int, opts?: Clock): void;
    account(tenant: Int, account: Int, opts?: ReadOptions): Account;
    hold(tenant: Int, req: Clock & { account: Int; amount: Int; expiresAt?: Date; ttl?: Duration; key: string }): Hold;
    capture(tenant: Int, holdId: Int, opts?: Clock & { amount?: Int; key?: string }): Entry;
    release(tenant: Int, holdId: Int, opts?: Clock): Hold;
    holdGet(tenant: Int, holdId: Int): Hold;
    /** account absent, null or 0: every account of the tenant. */
    history(tenant: Int, opts?: { account?: Int | null; afterSeq?: Int; limit?: number }): Entry[];
    verify(tenant: Int): VerifyReport;
    /** The tenant's chain head: an anchor to keep outside the database. */
    ledgerHead(tenant: Int): LedgerHead;
    /** verify(), then proves the ledger still extends `head`; throws TamperError otherwise. */
    verifyHead(tenant: Int, head: LedgerHead): void;
    /** Upgrade step for keyed databases written before row MACs: verify, then seal rows that have no MAC. */
    seal(tenant: Int): number;
    webhookClaim(tenant: Int, source: string, eventId: string, opts?: Clock): boolean;

    checkZone(zone: string): true;
    utcOffset(zone: string, date: Date): number;
    utcToLocal(zone: string, date: Date): LocalTimeOut;
    localToUtc(zone: string, local: LocalTime): { date: Date; kind: 'unique' | 'gap' | 'fold' };
}

export function open(path: string, opts?: OpenOptions): Database;
export function openMemory(opts?: OpenOptions): Database;
/** open() on a worker thread. */
export function openAsync(path: string, opts?: OpenOptions): Promise<Database>;
/** openMemory() on a worker thread. */
export function openMemoryAsync(opts?: OpenOptions): Promise<Database>;

export class SlotledgerError extends Error {
    /** The negative SL_E* result code. */
    code: number;
    /** Its symbolic name, e.g. "SL_ECONFLICT" (Python: .code_name). */
    codeName: string;
    /** The library's sentence for the code (sl_code_description). */
    readonly description: string;
    /** bookMany / postMany: the index of the failing item, or null. */
    failedIndex?: number | null;
    /** verify: the report naming the first bad entry. */
    report?: VerifyReport;
}
export { SlotledgerError as Error };
export class InvalidArgument extends SlotledgerError {}
export class NoMemory extends SlotledgerError {}
export class NotFound extends SlotledgerError {}
export class Conflict extends SlotledgerError {}
export class Unavailable extends SlotledgerError {}
export class OutOfRange extends SlotledgerError {}
export { OutOfRange as RangeErrorSl };
export class TimeZoneError extends SlotledgerError {}
export class IdempotencyMismatch extends SlotledgerError {}
export class InsufficientCredits extends SlotledgerError {}
export class StateError extends SlotledgerError {}
export class Expired extends SlotledgerError {}
export class Busy extends SlotledgerError {}
export class StoreError extends SlotledgerError {}
export class TamperError extends SlotledgerError {}
export class AlreadyExists extends SlotledgerError {}
export class Misuse extends SlotledgerError {}
/** SL_EFULL: the class has no free seat (enroll with { waitlist: true } to queue). */
export class ClassFull extends SlotledgerError {}
export const codes: Readonly<Record<string, number>>;

export function webhookVerify(secret: Buffer | Uint8Array | string, header: string, payload: Buffer | Uint8Array | string,
    opts?: Clock & { tolerance?: Duration }): true;
/** limit: more slots than this is OutOfRange; without it, every slot (SL_MAX_SLOTS bounds sl_slots only). */
export interface EngineParams {
    duration: Duration; step?: Duration; bufferBefore?: Duration; bufferAfter?: Duration;
    from: Date; to: Date; earliest?: Date; horizon?: Date | null; limit?: number;
}
export function engineSlots(avail: Slot[], busy: Slot[], params: EngineParams): Slot[];
/** engineSlots() as one Float64Array of Unix ms, flat (start, end) pairs. */
export function engineSlotsEpoch(avail: Slot[], busy: Slot[], params: EngineParams): Float64Array;
export function checkZone(zone: string): true;
export function utcOffset(zone: string, date: Date): number;
export function utcToLocal(zone: string, date: Date): LocalTimeOut;
export function localToUtc(zone: string, local: LocalTime): { date: Date; kind: 'unique' | 'gap' | 'fold' };
export function dateFromCivil(year: number, month: number, day: number): number;
export function dateToCivil(days: number): { year: number; month: number; day: number };
export function weekday(days: number): number;
export function dateOfTime(date: Date): number;
export function formatTime(date: Date): string;
export function parseTime(text: string): Date;
export function formatDate(days: number): string;
export function parseDate(text: string): number;
export function version(): string;
export function versionNumber(): number;
export function strerror(code: number): string;
export function errorMin(): number;
/** The library's sentence for a result code (sl_code_description). */
export function codeDescription(code: number): string;
export const libraryPath: string;
export const leakedHandlesClosed: number;

export const MAX_RANGE_DAYS: number;
export const MAX_WINDOWS_PER_DAY: number;
export const MAX_SLOTS: number;
export const MAX_RECURRING: number;
export const MAX_BATCH: number;
export const MAX_LINKED: number;
export const KEY_MAX: number;
export const TZ_NAME_MAX: number;
export const STATUS: Readonly<Record<SessionStatus, number>>;
export const ENTRY_KIND: Readonly<Record<EntryKind, number>>;
/** Enumerations read from the loaded library at load time (name -> value). */
export const SESSION_KIND: Readonly<Record<SessionKind, number>>;
export const HOLD_STATUS: Readonly<Record<HoldStatus, number>>;
export const ENTITY: Readonly<Record<Entity, number>>;
export const EVENT_KIND: Readonly<Record<EventKind, number>>;
export const OUTBOX_STATE: Readonly<Record<OutboxState, number>>;

export type EventKind = 'booked' | 'rescheduled' | 'confirmed' | 'cancelled' | 'completed' | 'no_show'
    | 'deleted' | 'restored' | 'purged' | (string & {});
export type OutboxState = 'pending' | 'leased' | 'acked' | 'dead';

/** One outbox event: a change of one session (its state after the change) and its delivery. */
export class OutboxEvent {
    readonly id: number;
    readonly tenant: number;
    readonly session: number;
    /** Per session: 1, 2, 3, ... in the order of its changes. */
    readonly seq: number;
    readonly kind: EventKind;
    readonly status: SessionStatus;
    readonly sessionKind: SessionKind;
    readonly student: number;
    readonly start: Date;
    readonly end: Date;
    readonly credits: number;
    readonly deletedAt: Date | null;
    readonly createdAt: Date;
    readonly state: OutboxState;
    readonly attempts: number;
    readonly availableAt: Date;
    readonly leaseUntil: Date | null;
    readonly token: number | null;
    readonly ackedAt: Date | null;
    readonly consumer: string | null;
    readonly error: string | null;
}

export interface OutboxStats {
    due: number; waiting: number; leased: number; dead: number; acked: number;
    /** Seconds since the oldest event neither acknowledged nor dead was made (0: none). */
    oldestAge: number;
}
export const SEAT_STATUS: Readonly<Record<SeatStatus, number>>;

export type SeatStatus = 'seated' | 'waitlisted' | 'withdrawn' | 'present' | 'no_show' | 'cancelled';

/** A student's place in a group class: a seat or a waitlist place. */
export class Seat {
    readonly id: number;
    readonly tenant: number;
    readonly classId: number;
    readonly student: number;
    readonly status: SeatStatus;
    /** First-come order within the class, from 1. */
    readonly position: number;
    readonly holdId: number | null;
    readonly createdAt: Date;
    readonly updatedAt: Date;
    readonly key: string | null;
    readonly replayed: boolean;
}

export interface ClassInfo {
    id: number; tenant: number; capacity: number; creditsPerSeat: number;
    /** Seated, present or no-show seats (<= capacity). */
    taken: number;
    waitlisted: number;
}

/** tenant -> its slots; .unknown: tenants that did not answer -> code name ("SL_ENOTFOUND", "SL_ETZ"). */
export interface TeamSlots extends Map<number, Array<{ start: Date; end: Date }>> {
    unknown: Map<number, string>;
    clamped: boolean;
}
/** tenant -> flat (start, end) pairs in epoch milliseconds: disjoint views of one buffer per call,
 * which holds that call's slots only. */
export interface TeamSlotsEpoch extends Map<number, Float64Array> {
    unknown: Map<number, string>;
    clamped: boolean;
}
export interface TeamStart { start: Date; end: Date; who: number[] }
