/* SPDX-License-Identifier: MIT */
/*
 * table.h - one result model, many writers.  A report query fills an
 * ms_table (typed columns, rows of cells); the writers render any table as
 * text (aligned, 80 columns), JSON ({"generated_at", "rows": [...]}),
 * NDJSON (one object per row), CSV (RFC 4180) or an HTML fragment.
 *
 * Ownership: ms_table_new() / ms_table_free(); cells copy their strings,
 * except the ms_cell_ref*() ones, which point at strings the table's arena
 * owns (or that outlive it): a report with 100 k rows builds them without a
 * malloc per string.
 */
#ifndef MS_TABLE_H
#define MS_TABLE_H

#include <stdint.h>
#include <stdio.h>
#include "arena.h"

/* the max_width of a column of addresses (the longest IPv6 text): never
 * cut, nor narrowed to fit a line */
#define MS_W_ADDR 39

typedef enum { MS_COL_STR, MS_COL_INT, MS_COL_TIME, MS_COL_LIST, MS_COL_BOOL, MS_COL_REAL, MS_COL_JSON } ms_coltype;

typedef struct {
	const char *key;    /* JSON / CSV name (snake_case) */
	const char *title;  /* text header; NULL = not shown in text */
	ms_coltype type;
	int max_width;      /* text: cut longer values (0 = no limit) */
	int right;          /* text: right-align */
} ms_col;

/* 16 bytes: a 125 k-row report has 2 M cells, and every page touched costs.
 * A cell holds one value, of its column's type. */
typedef struct {
	union {
		int64_t i;  /* INT, TIME, BOOL */
		double r;   /* REAL */
		char *s;    /* STR, JSON (raw JSON text) */
		char **list; /* LIST */
	};
	int nlist;
	unsigned char null;
	unsigned char ref;  /* s / list (and list's strings) are not the cell's to free */
} ms_cell;

typedef struct {
	const ms_col *cols;
	int ncols;
	ms_cell *cells;     /* rows * ncols */
	int nrows, cap;
	ms_arena arena;     /* what ref cells point at */
} ms_table;

ms_table *ms_table_new(const ms_col *cols, int ncols);
void ms_table_free(ms_table *t);
int ms_table_add_row(ms_table *t);                /* returns row index or -1 */
int ms_table_reserve(ms_table *t, int rows);      /* room for rows in all (no regrowth); -1 when out of memory */
/* n rows at once, every cell zero (not null): the caller sets each one, from
 * as many threads as it likes (one row or cell each).  Returns the first
 * new row, or -1 when out of memory. */
int ms_table_add_set_rows(ms_table *t, int n);
ms_cell *ms_table_cell(ms_table *t, int row, int col);
void ms_cell_str(ms_cell *c, const char *s);
void ms_cell_strn(ms_cell *c, const char *s, size_t n);
void ms_cell_int(ms_cell *c, int64_t v);
void ms_cell_real(ms_cell *c, double v);
void ms_cell_time(ms_cell *c, int64_t ts);        /* ts <= 0: null */
void ms_cell_bool(ms_cell *c, int v);
void ms_cell_list_add(ms_cell *c, const char *s);  /* unless already in the list */
void ms_cell_list_push(ms_cell *c, const char *s); /* caller knows it is new: no search */
void ms_cell_json(ms_cell *c, const char *raw);   /* pre-rendered JSON value */
/* STR or JSON cell pointing at s, which lives in t->arena or outlives t */
void ms_cell_ref(ms_cell *c, const char *s);
/* LIST cell of the n strings at items (each in t->arena or outliving t); the
 * pointer array is copied into t->arena.  Returns -1 when out of memory. */
int ms_cell_list_ref(ms_table *t, ms_cell *c, const char *const *items, int n);
/* LIST cell of the n strings at items: the array and the strings live in
 * t->arena or outlive t (nothing is copied; items may be NULL when n is 0) */
void ms_cell_list_keep(ms_cell *c, const char *const *items, int n);

typedef enum { MS_FMT_TEXT, MS_FMT_JSON, MS_FMT_NDJSON, MS_FMT_CSV, MS_FMT_HTML } ms_format;
int ms_format_parse(const char *s, ms_format *out);

typedef struct {
	int64_t generated_at;
	int color;          /* text: ANSI colour allowed */
	int limit;          /* rows to print (<= 0: all) */
	const char *title;  /* text/html heading */
	const char *extra_json; /* extra top-level members for JSON, e.g. "\"kind\":\"ip\"" (no braces) */
	const char *more_hint;  /* text: what the "N more" note suggests (NULL: "use --top N or --format json") */
} ms_render_opts;

void ms_table_render(const ms_table *t, ms_format fmt, FILE *f, const ms_render_opts *o);
void ms_table_render_html_fragment(const ms_table *t, FILE *f, int limit);

/* RFC 3339 in the process time zone (TZ), e.g. 2026-02-23T11:57:42+01:00 */
void ms_fmt_time(int64_t ts, char *buf, size_t cap);
/* the same in UTC ("...Z") whatever the zone: ECS @timestamp, event.start/end */
void ms_fmt_time_utc(int64_t ts, char *buf, size_t cap);
/* ms_fmt_time()'s text, with the UTC offsets of the hours asked remembered in
 * m (zeroed before the first call; one per thread): localtime_r() takes a
 * process-wide lock, which two renderers took 500 k times.  1024 hours (six
 * weeks of log) are kept, each in the slot of its number modulo 1024. */
#define MS_TIME_MEMO 1024
typedef struct {
	int64_t hour;          /* floor(ts / 3600) */
	long off;
	unsigned char set, ok; /* ok: off holds for the whole hour */
} ms_time_hour;
typedef struct {
	ms_time_hour e[MS_TIME_MEMO];
} ms_time_memo;
void ms_fmt_time_m(ms_time_memo *m, int64_t ts, char *buf, size_t cap);
/* a decimal integer into f (faster than fprintf) */
void ms_put_int(FILE *f, int64_t v);
/* v in decimal at the end of b; returns where it starts (fprintf's "%lld"
 * costs more than the rest of a cell) */
size_t ms_int_text(char b[24], int64_t v);
/* a JSON array of strings into f */
void ms_json_str_array(FILE *f, char *const *list, int n);

#endif
