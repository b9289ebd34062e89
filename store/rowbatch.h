/* SPDX-License-Identifier: MIT */
/*
 * rowbatch.h - rows of one table gathered in memory and inserted by one
 * statement per batch (internal to store/).
 *
 * A one-row INSERT costs SQLite as much again in starting and ending the
 * statement and seeking its explicit id as in encoding the row; gathered
 * rows are handed to `INSERT OR REPLACE INTO t SELECT * FROM temp.<vtab>`,
 * a virtual table (module "ms_rows") that reads them from this buffer, so
 * those costs are paid once per batch.  Rows keep their order: a later row
 * with the same id replaces an earlier one as it did one statement each.
 *
 * Values are copied in (text and blobs into the batch's own buffer), so the
 * caller's strings need only live until the setter returns.  The caller
 * fills every column of a row in order, then ends it with
 * ms_rowbatch_end_row(); it inserts the rows with ms_rowbatch_flush() when
 * the batch is full (n == cap: no more rows are taken) and before a commit
 * or any read of the table.  Memory: cap * ncol cells of 16 bytes
 * and the row texts of one batch.
 *
 * Ownership: the store holds an array of these; ms_rowbatch_module() is
 * given that array and must outlive the connection's use of the module.
 */
#ifndef MS_ROWBATCH_H
#define MS_ROWBATCH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sqlite3.h>

enum { RB_NULL, RB_INT, RB_TEXT, RB_BLOB };
enum { RB_OK, RB_BAD_COUNT, RB_BAD_MEMORY };

typedef struct {
	union {
		int64_t i;
		struct {
			uint32_t off, len;
		} t;
	} u;
	uint8_t type;
} ms_rb_cell;

typedef struct {
	int ncol, cap;
	int n;          /* complete rows held */
	int col;        /* next column of the row being filled */
	int bad;        /* the row being filled: RB_BAD_COUNT (a value too many, or no room
			 * for another row) or RB_BAD_MEMORY (its text did not fit) */
	ms_rb_cell *cells; /* cap * ncol */
	char *txt;
	size_t txt_used, txt_cap;
	sqlite3_stmt *ins;
} ms_rowbatch;

/* Register module "ms_rows" on db: `CREATE VIRTUAL TABLE temp.x USING ms_rows(I)`
 * reads batch I of the array tabs (ntabs entries). */
int ms_rowbatch_module(sqlite3 *db, ms_rowbatch *tabs, int ntabs);
/* Set up batch idx of the array given to the module for `table` (ncol columns):
 * creates temp.ms_rows_<table> and prepares the insert.  0, or -1 with the
 * connection's error message. */
int ms_rowbatch_init(ms_rowbatch *b, sqlite3 *db, int idx, const char *table, int ncol, int cap);
void ms_rowbatch_free(ms_rowbatch *b);
/* Insert the rows held (none: nothing).  SQLITE_DONE on success, else the
 * step's error code (the rows are dropped either way). */
int ms_rowbatch_flush(ms_rowbatch *b);
/* Forget the rows held (a rollback). */
void ms_rowbatch_discard(ms_rowbatch *b);

/* slow path of ms_rowbatch_bytes(): grow the text buffer; -1 when it cannot */
int ms_rowbatch_reserve(ms_rowbatch *b, size_t n);

static inline ms_rb_cell *ms_rowbatch_next(ms_rowbatch *b)
{
	if (b->col >= b->ncol || b->n >= b->cap) {
		b->bad = RB_BAD_COUNT;
		return NULL;
	}
	return &b->cells[(size_t)b->n * (size_t)b->ncol + (size_t)b->col++];
}

static inline void ms_rowbatch_int(ms_rowbatch *b, int64_t v)
{
	ms_rb_cell *c = ms_rowbatch_next(b);
	if (c) {
		c->type = RB_INT;
		c->u.i = v;
	}
}

static inline void ms_rowbatch_null(ms_rowbatch *b)
{
	ms_rb_cell *c = ms_rowbatch_next(b);
	if (c)
		c->type = RB_NULL;
}

/* type RB_TEXT or RB_BLOB; n bytes at p, copied */
static inline void ms_rowbatch_bytes(ms_rowbatch *b, uint8_t type, const void *p, size_t n)
{
	ms_rb_cell *c = ms_rowbatch_next(b);
	if (!c)
		return;
	if (n > b->txt_cap - b->txt_used && ms_rowbatch_reserve(b, n) != 0) {
		c->type = RB_NULL;
		b->bad = RB_BAD_MEMORY;
		return;
	}
	if (n) /* an empty value may come before the buffer exists */
		memcpy(b->txt + b->txt_used, p, n);
	c->type = type;
	c->u.t.off = (uint32_t)b->txt_used;
	c->u.t.len = (uint32_t)n;
	b->txt_used += n;
}

/* End the row: RB_OK when it had every column (the batch is then full when
 * n == cap: flush it), else why it was dropped (RB_BAD_COUNT: a value
 * missing or extra, or a full batch not flushed; RB_BAD_MEMORY). */
static inline int ms_rowbatch_end_row(ms_rowbatch *b)
{
	int bad = b->bad ? b->bad : b->col != b->ncol ? RB_BAD_COUNT : RB_OK;
	b->col = 0;
	b->bad = RB_OK;
	if (bad == RB_OK)
		b->n++;
	return bad;
}

#endif
