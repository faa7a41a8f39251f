/*
 * lib/store/memtable.h - a sorted array of fixed-size rows with an undo
 * journal, the building block of the memory store. Every mutation made
 * inside a transaction is journalled so that rollback restores the exact
 * previous bytes, in reverse order.
 */
#ifndef SL_STORE_MEMTABLE_H
#define SL_STORE_MEMTABLE_H

#include <stddef.h>

/* A table's sort key: up to four fields of its rows, compared in order. */
enum { SL__MT_I64, SL__MT_I32, SL__MT_STR };
#define SL__MT_KEYS_MAX 4
typedef struct sl__mt_key {
    unsigned short off;  /* offsetof the field in the row */
    unsigned char type;  /* SL__MT_I64 (int64_t), SL__MT_I32 (int32_t), SL__MT_STR (char[], NUL-terminated) */
} sl__mt_key;

typedef struct sl__mt {
    unsigned char *rows;
    size_t n, cap, size;
    int nkeys;
    sl__mt_key keys[SL__MT_KEYS_MAX];
} sl__mt;

typedef struct sl__mt_undo {
    sl__mt *t;
    size_t index;
    int op;               /* what to do on rollback */
    unsigned char *old;   /* previous bytes (replace / remove) */
} sl__mt_undo;

typedef struct sl__mt_journal {
    sl__mt_undo *u;
    size_t n, cap;
} sl__mt_journal;

/* The one growable-array step of the built-in backends (they include no
 * core header, so not lib/core/grow.c's sl__grow): makes room for element
 * n of an array *pp (of any object pointer type, passed as its address) of
 * *cap elements of size bytes, doubling (16 at first). 0, or -1 when out of
 * memory (the array is unchanged). */
int sl__mt_reserve(void *pp, size_t *cap, size_t n, size_t size);
/* An unsorted array of rows of size bytes that a scan callback fills. */
typedef struct sl__mt_vec {
    unsigned char *rows;
    size_t n, cap, size;
} sl__mt_vec;
/* Appends a copy of row: 0, or -1 when out of memory (v unchanged). */
int sl__mt_push(sl__mt_vec *v, const void *row);

/* An empty table of rows of row_size bytes sorted by keys[0..nkeys). */
void sl__mt_init(sl__mt *t, size_t row_size, const sl__mt_key *keys, int nkeys);
void sl__mt_free(sl__mt *t);
/* Index of the first row not less than key (lower bound); *found set if equal. */
size_t sl__mt_find(const sl__mt *t, const void *key, int *found);
void *sl__mt_at(const sl__mt *t, size_t i);
/* Orders row a against row b by the table's key fields (<0, 0, >0). */
int sl__mt_cmp(const sl__mt *t, const void *a, const void *b);
/* Copies the row equal to key into out (t->size bytes): 1, or 0 if none. */
int sl__mt_get(const sl__mt *t, const void *key, void *out);
/* Insert or replace the row equal to `row` (its own key); journalled.
 * Returns 0, or -1 when out of memory (nothing changed). */
int sl__mt_put(sl__mt *t, sl__mt_journal *j, const void *row);
/* Remove row i; journalled. Returns 0 or -1 (out of memory, nothing changed). */
int sl__mt_remove(sl__mt *t, sl__mt_journal *j, size_t i);

void sl__mt_journal_clear(sl__mt_journal *j);   /* commit */
void sl__mt_journal_undo(sl__mt_journal *j);    /* rollback */
/* A savepoint: the journal's length now. Undoing to it reverts only the
 * mutations made since, so that a method that fails half-way (e.g. out of
 * memory after moving a row) leaves the store as it found it. */
size_t sl__mt_journal_mark(const sl__mt_journal *j);
void sl__mt_journal_undo_to(sl__mt_journal *j, size_t mark);
void sl__mt_journal_free(sl__mt_journal *j);

#endif
