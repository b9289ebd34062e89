/* SPDX-License-Identifier: MIT */
/* rowbatch.c - the "ms_rows" virtual table over a batch of rows in memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rowbatch.h"

/* the text of one batch: rows are bounded by the tracker, this only guards the offsets */
#define TXT_MAX ((size_t)1 << 30)

typedef struct {
	ms_rowbatch *tabs;
	int ntabs;
} rb_module_ctx;

typedef struct {
	sqlite3_vtab base;
	ms_rowbatch *b;
} rb_vtab;

typedef struct {
	sqlite3_vtab_cursor base;
	int row;
	const ms_rb_cell *cells; /* the current row's (valid while row < n) */
} rb_cursor;

static int x_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **err)
{
	rb_module_ctx *m = aux;
	char *end;
	long idx = argc == 4 ? strtol(argv[3], &end, 10) : -1;
	if (idx < 0 || idx >= m->ntabs || end == argv[3] || *end) {
		*err = sqlite3_mprintf("ms_rows: expected one batch number");
		return SQLITE_ERROR;
	}
	ms_rowbatch *b = &m->tabs[idx];
	if (b->ncol < 1 || b->ncol > 200) {
		*err = sqlite3_mprintf("ms_rows: batch %ld not set up", idx);
		return SQLITE_ERROR;
	}
	char decl[2048];
	size_t n = (size_t)snprintf(decl, sizeof decl, "CREATE TABLE x(");
	for (int i = 0; i < b->ncol && n < sizeof decl; i++)
		n += (size_t)snprintf(decl + n, sizeof decl - n, "%sc%d", i ? "," : "", i);
	if (n + 2 > sizeof decl) {
		*err = sqlite3_mprintf("ms_rows: too many columns");
		return SQLITE_ERROR;
	}
	memcpy(decl + n, ")", 2);
	int rc = sqlite3_declare_vtab(db, decl);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
	rb_vtab *v = sqlite3_malloc(sizeof *v);
	if (!v)
		return SQLITE_NOMEM;
	memset(v, 0, sizeof *v);
	v->b = b;
	*out = &v->base;
	return SQLITE_OK;
}

static int x_best_index(sqlite3_vtab *t, sqlite3_index_info *info)
{
	rb_vtab *v = (rb_vtab *)t;
	info->estimatedCost = 1.0 + v->b->n;
	info->estimatedRows = v->b->n;
	return SQLITE_OK;
}

static int x_disconnect(sqlite3_vtab *t)
{
	sqlite3_free(t);
	return SQLITE_OK;
}

static int x_open(sqlite3_vtab *t, sqlite3_vtab_cursor **out)
{
	(void)t;
	rb_cursor *c = sqlite3_malloc(sizeof *c);
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof *c);
	*out = &c->base;
	return SQLITE_OK;
}

static int x_close(sqlite3_vtab_cursor *c)
{
	sqlite3_free(c);
	return SQLITE_OK;
}

static int x_filter(sqlite3_vtab_cursor *c, int idx, const char *s, int argc, sqlite3_value **argv)
{
	(void)idx, (void)s, (void)argc, (void)argv;
	rb_cursor *cur = (rb_cursor *)c;
	cur->row = 0;
	cur->cells = ((const rb_vtab *)c->pVtab)->b->cells;
	return SQLITE_OK;
}

static int x_next(sqlite3_vtab_cursor *c)
{
	rb_cursor *cur = (rb_cursor *)c;
	cur->row++;
	cur->cells += ((const rb_vtab *)c->pVtab)->b->ncol;
	return SQLITE_OK;
}

static int x_eof(sqlite3_vtab_cursor *c)
{
	const rb_vtab *v = (const rb_vtab *)c->pVtab;
	return ((rb_cursor *)c)->row >= v->b->n;
}

static int x_column(sqlite3_vtab_cursor *c, sqlite3_context *cx, int col)
{
	const ms_rowbatch *b = ((const rb_vtab *)c->pVtab)->b;
	const rb_cursor *cur = (const rb_cursor *)c;
	/* SQLite asks only for declared columns of a row before xEof: kept as a check */
	if ((unsigned)col >= (unsigned)b->ncol || cur->row >= b->n)
		return SQLITE_OK; /* NULL */
	const ms_rb_cell *e = cur->cells + col;
	/* the values stay in the batch until the statement is over: SQLITE_STATIC */
	switch (e->type) {
	case RB_INT: sqlite3_result_int64(cx, e->u.i); break;
	/* an empty value has no bytes in the buffer (which may not exist yet):
	 * a non-NULL pointer, or SQLite would store NULL instead of '' */
	case RB_TEXT:
		sqlite3_result_text(cx, e->u.t.len ? b->txt + e->u.t.off : "", (int)e->u.t.len, SQLITE_STATIC);
		break;
	case RB_BLOB:
		sqlite3_result_blob(cx, e->u.t.len ? b->txt + e->u.t.off : "", (int)e->u.t.len, SQLITE_STATIC);
		break;
	default: break;
	}
	return SQLITE_OK;
}

static int x_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *id)
{
	*id = ((rb_cursor *)c)->row;
	return SQLITE_OK;
}

static const sqlite3_module rb_module = {
	.iVersion = 0,
	.xCreate = x_connect,
	.xConnect = x_connect,
	.xBestIndex = x_best_index,
	.xDisconnect = x_disconnect,
	.xDestroy = x_disconnect,
	.xOpen = x_open,
	.xClose = x_close,
	.xFilter = x_filter,
	.xNext = x_next,
	.xEof = x_eof,
	.xColumn = x_column,
	.xRowid = x_rowid,
};

int ms_rowbatch_module(sqlite3 *db, ms_rowbatch *tabs, int ntabs)
{
	rb_module_ctx *m = sqlite3_malloc(sizeof *m);
	if (!m)
		return SQLITE_NOMEM;
	m->tabs = tabs;
	m->ntabs = ntabs;
	/* sqlite3_free releases m with the connection (and on failure here) */
	return sqlite3_create_module_v2(db, "ms_rows", &rb_module, m, sqlite3_free);
}

int ms_rowbatch_init(ms_rowbatch *b, sqlite3 *db, int idx, const char *table, int ncol, int cap)
{
	char sql[256];
	memset(b, 0, sizeof *b);
	b->ncol = ncol;
	b->cap = cap;
	b->cells = calloc((size_t)cap * (size_t)ncol, sizeof *b->cells);
	if (!b->cells)
		return -1;
	snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE temp.ms_rows_%s USING ms_rows(%d)", table, idx);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO main.%s SELECT * FROM temp.ms_rows_%s", table, table);
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &b->ins, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

void ms_rowbatch_free(ms_rowbatch *b)
{
	sqlite3_finalize(b->ins);
	free(b->cells);
	free(b->txt);
	memset(b, 0, sizeof *b);
}

int ms_rowbatch_reserve(ms_rowbatch *b, size_t n)
{
	if (n > TXT_MAX || b->txt_used > TXT_MAX - n)
		return -1;
	size_t cap = b->txt_cap ? b->txt_cap : 16384;
	while (cap - b->txt_used < n)
		cap *= 2;
	char *t = realloc(b->txt, cap);
	if (!t)
		return -1;
	b->txt = t;
	b->txt_cap = cap;
	return 0;
}

int ms_rowbatch_flush(ms_rowbatch *b)
{
	int rc = SQLITE_DONE;
	if (b->n > 0 && b->ins) {
		rc = sqlite3_step(b->ins);
		sqlite3_reset(b->ins);
	}
	ms_rowbatch_discard(b);
	return rc;
}

void ms_rowbatch_discard(ms_rowbatch *b)
{
	b->n = 0;
	b->col = 0;
	b->bad = 0;
	b->txt_used = 0;
}
