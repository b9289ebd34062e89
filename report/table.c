/* SPDX-License-Identifier: MIT */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "table.h"
#include "escape.h"
#include "html.h"
#include "bigmem.h"

ms_table *ms_table_new(const ms_col *cols, int ncols)
{
	ms_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->cols = cols;
	t->ncols = ncols;
	return t;
}

static void cell_clear(ms_cell *c, ms_coltype type)
{
	if (c->ref) {
		/* the arena's */
	} else if (type == MS_COL_LIST) {
		for (int i = 0; i < c->nlist; i++)
			free(c->list[i]);
		free(c->list);
	} else if (type == MS_COL_STR || type == MS_COL_JSON) {
		free(c->s);
	}
	memset(c, 0, sizeof *c);
}

void ms_table_free(ms_table *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nrows * t->ncols; i++)
		cell_clear(&t->cells[i], t->cols[i % t->ncols].type);
	ms_big_free(t->cells);
	ms_arena_free(&t->arena);
	free(t);
}

int ms_table_reserve(ms_table *t, int rows)
{
	if (rows <= t->cap)
		return 0;
	ms_cell *n = ms_big_realloc(t->cells, (size_t)rows * (size_t)t->ncols * sizeof *n);
	if (!n)
		return -1;
	t->cells = n;
	t->cap = rows;
	return 0;
}

int ms_table_add_row(ms_table *t)
{
	if (t->nrows == t->cap && ms_table_reserve(t, t->cap ? t->cap * 2 : 64) != 0)
		return -1;
	memset(&t->cells[(size_t)t->nrows * (size_t)t->ncols], 0, (size_t)t->ncols * sizeof(ms_cell));
	for (int i = 0; i < t->ncols; i++)
		t->cells[(size_t)t->nrows * (size_t)t->ncols + (size_t)i].null = 1;
	return t->nrows++;
}

/* cells past nrows are zero: ms_big_realloc() gives zeroed memory and only
 * ms_table_add_row() writes a row, the one it adds */
int ms_table_add_set_rows(ms_table *t, int n)
{
	if (n < 0 || n > INT32_MAX - t->nrows || ms_table_reserve(t, t->nrows + n) != 0)
		return -1;
	int first = t->nrows;
	t->nrows += n;
	return first;
}

ms_cell *ms_table_cell(ms_table *t, int row, int col)
{
	return &t->cells[(size_t)row * (size_t)t->ncols + (size_t)col];
}

void ms_cell_strn(ms_cell *c, const char *s, size_t n)
{
	if (!c->ref)
		free(c->s);
	c->ref = 0;
	c->s = NULL;
	c->null = 1;
	if (!s)
		return;
	c->s = malloc(n + 1);
	if (!c->s)
		return;
	memcpy(c->s, s, n);
	c->s[n] = 0;
	c->null = 0;
}
void ms_cell_str(ms_cell *c, const char *s) { ms_cell_strn(c, s, s ? strlen(s) : 0); }
void ms_cell_int(ms_cell *c, int64_t v) { c->i = v; c->null = 0; }
void ms_cell_real(ms_cell *c, double v) { c->r = v; c->null = 0; }
void ms_cell_time(ms_cell *c, int64_t ts) { c->i = ts; c->null = ts <= 0; }
void ms_cell_bool(ms_cell *c, int v) { c->i = v != 0; c->null = 0; }
void ms_cell_json(ms_cell *c, const char *raw) { ms_cell_str(c, raw); }

void ms_cell_ref(ms_cell *c, const char *s)
{
	if (!c->ref)
		free(c->s);
	c->s = (char *)s;
	c->ref = 1;
	c->null = s == NULL;
}

int ms_cell_list_ref(ms_table *t, ms_cell *c, const char *const *items, int n)
{
	char **l = ms_arena_alloc(&t->arena, (size_t)(n > 0 ? n : 1) * sizeof *l);
	if (!l)
		return -1;
	if (!c->ref) {
		for (int i = 0; i < c->nlist; i++)
			free(c->list[i]);
		free(c->list);
	}
	for (int i = 0; i < n; i++)
		l[i] = (char *)items[i];
	c->list = l;
	c->nlist = n;
	c->ref = 1;
	c->null = 0;
	return 0;
}

void ms_cell_list_keep(ms_cell *c, const char *const *items, int n)
{
	if (!c->ref) {
		for (int i = 0; i < c->nlist; i++)
			free(c->list[i]);
		free(c->list);
	}
	c->list = (char **)items;
	c->nlist = n;
	c->ref = 1;
	c->null = 0;
}

/* a ref list becomes the cell's own before it grows */
static int list_own(ms_cell *c)
{
	int n = c->nlist, cap = 1;
	while (cap < n)
		cap *= 2;
	char **l = malloc((size_t)cap * sizeof *l);
	if (!l)
		return -1;
	for (int i = 0; i < n; i++) {
		l[i] = strdup(c->list[i]);
		if (!l[i]) {
			while (i--)
				free(l[i]);
			free(l);
			return -1;
		}
	}
	c->list = l;
	c->ref = 0;
	return 0;
}

void ms_cell_list_push(ms_cell *c, const char *s)
{
	char **n;
	if (!s)
		return;
	if (c->ref && list_own(c) != 0)
		return;
	/* grow by doubling: a spraying address has thousands of accounts */
	if ((c->nlist & (c->nlist - 1)) == 0) {
		n = realloc(c->list, (size_t)(c->nlist ? c->nlist * 2 : 1) * sizeof *n);
		if (!n)
			return;
		c->list = n;
	}
	c->list[c->nlist] = strdup(s);
	if (c->list[c->nlist])
		c->nlist++;
	c->null = 0;
}

void ms_cell_list_add(ms_cell *c, const char *s)
{
	if (!s)
		return;
	for (int i = 0; i < c->nlist; i++)
		if (!strcmp(c->list[i], s))
			return;
	ms_cell_list_push(c, s);
}

int ms_format_parse(const char *s, ms_format *out)
{
	static const struct { const char *n; ms_format f; } m[] = {
		{ "text", MS_FMT_TEXT }, { "json", MS_FMT_JSON }, { "ndjson", MS_FMT_NDJSON },
		{ "csv", MS_FMT_CSV }, { "html", MS_FMT_HTML },
	};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (!strcmp(s, m[i].n)) {
			*out = m[i].f;
			return 0;
		}
	return -1;
}

/* v (0..99) as two digits at p; returns the end */
static char *two(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* what ms_fmt_time()'s strftime()s print, without their cost (a report prints 250 k
 * times): y in 1000..9999, |off| under 100 hours, room for 26 bytes */
static void put_iso(char *buf, int y, int mon, int mday, int hour, int min, int sec, long off)
{
	char *p = buf;
	p = two(two(p, y / 100), y % 100);
	*p++ = '-';
	p = two(p, mon);
	*p++ = '-';
	p = two(p, mday);
	*p++ = 'T';
	p = two(p, hour);
	*p++ = ':';
	p = two(p, min);
	*p++ = ':';
	p = two(p, sec);
	if (off == 0) {
		*p++ = 'Z';
	} else {
		long a = labs(off);
		*p++ = off < 0 ? '-' : '+';
		p = two(p, (int)(a / 3600));
		*p++ = ':';
		p = two(p, (int)(a % 3600 / 60));
	}
	*p = 0;
}

void ms_fmt_time_utc(int64_t ts, char *buf, size_t cap)
{
	struct tm tm;
	time_t t = (time_t)ts;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, cap, "%lld", (long long)ts);
		return;
	}
	if (cap >= 26 && tm.tm_year >= 1000 - 1900 && tm.tm_year <= 9999 - 1900) {
		put_iso(buf, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, 0);
		return;
	}
	char b[40];
	if (strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		b[0] = 0;
	snprintf(buf, cap, "%sZ", b);
}

void ms_fmt_time(int64_t ts, char *buf, size_t cap)
{
	struct tm tm;
	time_t t = (time_t)ts;
	long off;
	if (!localtime_r(&t, &tm)) {
		snprintf(buf, cap, "%lld", (long long)ts);
		return;
	}
	off = tm.tm_gmtoff;
	if (cap >= 26 && tm.tm_year >= 1000 - 1900 && tm.tm_year <= 9999 - 1900 && labs(off) < 100 * 3600) {
		put_iso(buf, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off);
		return;
	}
	/* strftime() leaves the buffer undefined when the text does not fit: into
	 * one that fits, then cut as snprintf() cuts */
	char b[40];
	if (strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		b[0] = 0;
	if (off == 0)
		snprintf(buf, cap, "%sZ", b);
	else
		snprintf(buf, cap, "%s%c%02ld:%02ld", b, off < 0 ? '-' : '+', labs(off) / 3600, (labs(off) % 3600) / 60);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* the date of day z (days since 1970-01-01) in the proleptic Gregorian calendar */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* does localtime_r(t) say what plain arithmetic with off says (no leap seconds)? */
static int same_as_arith(time_t t, const struct tm *tm, long off)
{
	int64_t lt = (int64_t)t + off, days = floor_div(lt, 86400), sec = lt - days * 86400;
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	return tm->tm_year + 1900 == y && tm->tm_mon + 1 == m && tm->tm_mday == d && tm->tm_hour == sec / 3600 &&
	       tm->tm_min == sec % 3600 / 60 && tm->tm_sec == sec % 60;
}

/*
 * An hour's offset is remembered when it is the same at the hour's first and
 * last second (no zone changes its offset twice within an hour) and
 * localtime_r() agrees with arithmetic at both (a zone with leap seconds
 * does not: it always goes to ms_fmt_time()).
 */
void ms_fmt_time_m(ms_time_memo *m, int64_t ts, char *buf, size_t cap)
{
	if (ts < -((int64_t)1 << 40) || ts > ((int64_t)1 << 40)) { /* ~35 000 years: beyond, no memo */
		ms_fmt_time(ts, buf, cap);
		return;
	}
	int64_t h = floor_div(ts, 3600);
	ms_time_hour *e = &m->e[(uint64_t)h % MS_TIME_MEMO];
	if (!e->set || e->hour != h) {
		struct tm a, b;
		time_t t0 = (time_t)(h * 3600), t1 = t0 + 3599;
		e->set = 1;
		e->hour = h;
		e->ok = localtime_r(&t0, &a) && localtime_r(&t1, &b) && a.tm_gmtoff == b.tm_gmtoff &&
			same_as_arith(t0, &a, a.tm_gmtoff) && same_as_arith(t1, &b, b.tm_gmtoff);
		e->off = e->ok ? a.tm_gmtoff : 0;
	}
	int64_t lt = ts + e->off, days = floor_div(lt, 86400), sec = lt - days * 86400;
	int y, mon, d;
	civil_from_days(days, &y, &mon, &d);
	if (!e->ok || cap < 26 || y < 1000 || y > 9999 || labs(e->off) >= 100 * 3600) {
		ms_fmt_time(ts, buf, cap);
		return;
	}
	put_iso(buf, y, mon, d, (int)(sec / 3600), (int)(sec % 3600 / 60), (int)(sec % 60), e->off);
}

void ms_json_str_array(FILE *f, char *const *list, int n)
{
	fputc_unlocked('[', f);
	for (int i = 0; i < n; i++) {
		if (i)
			fputc_unlocked(',', f);
		ms_esc_json(f, list[i], strlen(list[i]));
	}
	fputc_unlocked(']', f);
}

/* ---------- JSON ---------- */

size_t ms_int_text(char b[24], int64_t v)
{
	size_t o = 24;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do
		b[--o] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		b[--o] = '-';
	return o;
}

void ms_put_int(FILE *f, int64_t v)
{
	char b[24];
	size_t o = ms_int_text(b, v);
	fwrite_unlocked(b + o, 1, sizeof b - o, f);
}

/*
 * JSON rows are built in a buffer of their own and written with one fwrite
 * per row (or per 16 KiB): stdio's cost per call was more than the
 * formatting (~100 calls a row in report --by ip).
 */
typedef struct {
	FILE *f;
	ms_time_memo *tm;
	size_t n;
	char p[16384];
} jout;

static void jo_flush(jout *o)
{
	if (o->n)
		fwrite_unlocked(o->p, 1, o->n, o->f);
	o->n = 0;
}

static void jo_put(jout *o, const char *s, size_t n)
{
	if (n > sizeof o->p - o->n) {
		jo_flush(o);
		if (n > sizeof o->p) {
			fwrite_unlocked(s, 1, n, o->f);
			return;
		}
	}
	memcpy(o->p + o->n, s, n);
	o->n += n;
}

static void jo_c(jout *o, char c)
{
	if (o->n == sizeof o->p)
		jo_flush(o);
	o->p[o->n++] = c;
}

/* s[0..n) escaped, without quotes */
static void jo_esc(jout *o, const char *s, size_t n)
{
	while (n) {
		size_t used;
		if (sizeof o->p - o->n < MS_ESC_JSON_MAX)
			jo_flush(o);
		o->n += ms_esc_json_some(o->p + o->n, sizeof o->p - o->n, s, n, &used);
		s += used;
		n -= used;
	}
}

static void jo_str(jout *o, const char *s, size_t n)
{
	jo_c(o, '"');
	jo_esc(o, s, n);
	jo_c(o, '"');
}

/* s up to its NUL, as a JSON string: plain bytes are copied as they are
 * found (no strlen() first), the rest the general way */
static void jo_strz(jout *o, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	jo_c(o, '"');
	for (;;) {
		size_t n = o->n;
		while (n < sizeof o->p && ms_json_plain(*u))
			o->p[n++] = (char)*u++;
		o->n = n;
		if (n < sizeof o->p) /* at the NUL, or at a byte to escape */
			break;
		jo_flush(o);
	}
	if (*u)
		jo_esc(o, (const char *)u, strlen((const char *)u));
	jo_c(o, '"');
}

static void jo_int(jout *o, int64_t v)
{
	char b[24];
	size_t k = ms_int_text(b, v);
	jo_put(o, b + k, sizeof b - k);
}

static void jo_lit(jout *o, const char *s) { jo_put(o, s, strlen(s)); }

static void json_cell(jout *o, const ms_col *col, const ms_cell *c)
{
	char tb[64];
	if (c->null) {
		jo_lit(o, col->type == MS_COL_LIST ? "[]" : "null");
		return;
	}
	switch (col->type) {
	case MS_COL_STR: jo_strz(o, c->s); break;
	case MS_COL_INT: jo_int(o, c->i); break;
	case MS_COL_REAL:
		snprintf(tb, sizeof tb, "%.3f", c->r);
		jo_lit(o, tb);
		break;
	case MS_COL_BOOL: jo_lit(o, c->i ? "true" : "false"); break;
	case MS_COL_TIME:
		ms_fmt_time_m(o->tm, c->i, tb, sizeof tb);
		jo_strz(o, tb);
		break;
	case MS_COL_LIST:
		jo_c(o, '[');
		for (int i = 0; i < c->nlist; i++) {
			if (i)
				jo_c(o, ',');
			jo_strz(o, c->list[i]);
		}
		jo_c(o, ']');
		break;
	case MS_COL_JSON: jo_lit(o, c->s); break;
	}
}

/* '{' or ',', the column's key as a JSON string, ':' -- for each column, made once per render */
typedef struct {
	char *buf;  /* NULL: none (out of memory), json_row escapes the keys itself */
	size_t *at; /* ncols + 1 offsets into buf */
} json_keys;

static void json_keys_make(const ms_table *t, json_keys *k)
{
	size_t len = 0;
	FILE *m;
	k->buf = NULL;
	k->at = malloc((size_t)(t->ncols + 1) * sizeof *k->at);
	m = k->at ? open_memstream(&k->buf, &len) : NULL;
	if (!m) {
		free(k->at);
		k->at = NULL;
		return;
	}
	for (int j = 0; j < t->ncols; j++) {
		k->at[j] = (size_t)ftello(m);
		fputc(j ? ',' : '{', m);
		ms_esc_json(m, t->cols[j].key, strlen(t->cols[j].key));
		fputc(':', m);
	}
	k->at[t->ncols] = (size_t)ftello(m);
	if (fclose(m) != 0 || !k->buf) {
		free(k->buf);
		free(k->at);
		k->buf = NULL;
		k->at = NULL;
	}
}

static void json_keys_free(json_keys *k)
{
	free(k->buf);
	free(k->at);
}

static void json_row(const ms_table *t, const json_keys *k, int r, FILE *f, ms_time_memo *tm)
{
	jout o;
	o.f = f;
	o.tm = tm;
	o.n = 0;
	for (int j = 0; j < t->ncols; j++) {
		if (k->buf) {
			jo_put(&o, k->buf + k->at[j], k->at[j + 1] - k->at[j]);
		} else {
			jo_c(&o, j ? ',' : '{');
			jo_str(&o, t->cols[j].key, strlen(t->cols[j].key));
			jo_c(&o, ':');
		}
		json_cell(&o, &t->cols[j], &t->cells[(size_t)r * (size_t)t->ncols + (size_t)j]);
	}
	jo_lit(&o, t->ncols ? "}" : "{}");
	jo_flush(&o);
}

/* rows [from, to) of a JSON array (",\n" before each but the first of the
 * table) or of NDJSON (a newline after each) */
typedef struct {
	const ms_table *t;
	const json_keys *k;
	int from, to;
	int nd;
	FILE *f;
} json_part;

static void json_rows(const json_part *p, ms_time_memo *tm)
{
	for (int r = p->from; r < p->to; r++) {
		if (!p->nd)
			fputs_unlocked(r ? ",\n" : "\n", p->f);
		json_row(p->t, p->k, r, p->f, tm);
		if (p->nd)
			fputc_unlocked('\n', p->f);
	}
}

/*
 * Rows [0, n) of a big table are rendered by two threads at once (report
 * --by ip on the 1 GB benchmark database prints 66 MB of JSON: 0.14 s on
 * one core).  Blocks of JSON_BLOCK rows alternate: this thread renders the
 * even ones straight to f, a helper the odd ones into one of two buffers,
 * which this thread writes in turn.  Rows are sorted, so neighbouring blocks
 * cost about the same, where one split in halves was ~3:1 (the first rows
 * are the addresses with the most accounts).  The buffers are reused: a
 * few MB, not half the output.  A block the helper could not render (out of
 * memory) is rendered here; without a thread, one does all: the bytes are
 * the same.
 */
#define JSON_SPLIT_MIN 4096
#define JSON_BLOCK 512

typedef struct {
	json_part p;         /* t, k, n (to), nd */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	ms_big_buf buf[2];
	FILE *bf[2];
	int ready[2];        /* the block in each buffer, or -1 when free */
	int bad[2];          /* that block could not be rendered */
} json_pp;

static void *json_helper(void *arg)
{
	json_pp *pp = arg;
	ms_time_memo tm;
	memset(&tm, 0, sizeof tm);
	for (int b = 1; (int64_t)b * JSON_BLOCK < pp->p.to; b += 2) {
		int s = (b / 2) % 2;
		pthread_mutex_lock(&pp->mu);
		while (pp->ready[s] != -1)
			pthread_cond_wait(&pp->cv, &pp->mu);
		pthread_mutex_unlock(&pp->mu);
		json_part q = pp->p;
		q.from = b * JSON_BLOCK;
		q.to = q.from + JSON_BLOCK < pp->p.to ? q.from + JSON_BLOCK : pp->p.to;
		q.f = pp->bf[s];
		clearerr(q.f);
		pp->buf[s].len = 0; /* the stream was flushed: the next byte goes to the start */
		pp->buf[s].failed = 0;
		json_rows(&q, &tm);
		int bad = fflush(q.f) != 0 || ferror(q.f) || pp->buf[s].failed;
		pthread_mutex_lock(&pp->mu);
		pp->ready[s] = b;
		pp->bad[s] = bad;
		pthread_cond_broadcast(&pp->cv);
		pthread_mutex_unlock(&pp->mu);
	}
	return NULL;
}

static int json_pp_run(json_pp *pp, FILE *f)
{
	pthread_t th;
	ms_time_memo tm;
	memset(&tm, 0, sizeof tm);
	int n = pp->p.to;
	pp->ready[0] = pp->ready[1] = -1;
	pp->bf[0] = ms_big_stream(&pp->buf[0]);
	pp->bf[1] = pp->bf[0] ? ms_big_stream(&pp->buf[1]) : NULL;
	int ok = pp->bf[1] && pthread_mutex_init(&pp->mu, NULL) == 0;
	if (ok && pthread_cond_init(&pp->cv, NULL) != 0) {
		pthread_mutex_destroy(&pp->mu);
		ok = 0;
	}
	if (ok && pthread_create(&th, NULL, json_helper, pp) != 0) {
		pthread_cond_destroy(&pp->cv);
		pthread_mutex_destroy(&pp->mu);
		ok = 0;
	}
	if (ok) {
		for (int b = 0; (int64_t)b * JSON_BLOCK < n; b++) {
			json_part q = pp->p;
			q.from = b * JSON_BLOCK;
			q.to = q.from + JSON_BLOCK < n ? q.from + JSON_BLOCK : n;
			q.f = f;
			if (b % 2 == 0) {
				json_rows(&q, &tm);
				continue;
			}
			int s = (b / 2) % 2;
			pthread_mutex_lock(&pp->mu);
			while (pp->ready[s] != b)
				pthread_cond_wait(&pp->cv, &pp->mu);
			pthread_mutex_unlock(&pp->mu);
			if (pp->bad[s])
				json_rows(&q, &tm);
			else if (pp->buf[s].len)
				fwrite_unlocked(pp->buf[s].p, 1, pp->buf[s].len, f);
			pthread_mutex_lock(&pp->mu);
			pp->ready[s] = -1;
			pthread_cond_broadcast(&pp->cv);
			pthread_mutex_unlock(&pp->mu);
		}
		pthread_join(th, NULL);
		pthread_cond_destroy(&pp->cv);
		pthread_mutex_destroy(&pp->mu);
	}
	for (int s = 0; s < 2; s++) {
		if (pp->bf[s])
			fclose(pp->bf[s]);
		ms_big_free(pp->buf[s].p);
	}
	return ok ? 0 : -1;
}

static void json_rows_all(const ms_table *t, const json_keys *k, int n, int nd, FILE *f)
{
	json_part a = { t, k, 0, n, nd, f };
	if (n >= JSON_SPLIT_MIN) {
		json_pp pp;
		memset(&pp, 0, sizeof pp);
		pp.p = a;
		if (json_pp_run(&pp, f) == 0)
			return;
	}
	ms_time_memo tm;
	memset(&tm, 0, sizeof tm);
	json_rows(&a, &tm);
}

/* ---------- text ---------- */

static void text_value(const ms_col *col, const ms_cell *c, char *buf, size_t cap)
{
	char tb[64];
	buf[0] = 0;
	if (c->null) {
		snprintf(buf, cap, "-");
		return;
	}
	switch (col->type) {
	case MS_COL_STR: ms_esc_text_buf(buf, cap, c->s, strlen(c->s)); break;
	case MS_COL_INT: snprintf(buf, cap, "%lld", (long long)c->i); break;
	case MS_COL_REAL: snprintf(buf, cap, "%.2f", c->r); break;
	case MS_COL_BOOL: snprintf(buf, cap, "%s", c->i ? "yes" : "no"); break;
	case MS_COL_TIME: {
		struct tm tm;
		time_t tt = (time_t)c->i;
		if (localtime_r(&tt, &tm)) {
			strftime(tb, sizeof tb, "%Y-%m-%d %H:%M", &tm);
			/* the hour a clock change repeats reads twice: its offset says which
			 * (no change within an hour either side, the common case: no fold) */
			static const int shift[] = { 3600, -3600, 1800, -1800 };
			struct tm nb[2];
			time_t t_b = tt - 3600, t_a = tt + 3600;
			int change = !localtime_r(&t_b, &nb[0]) || !localtime_r(&t_a, &nb[1]) ||
				     nb[0].tm_gmtoff != tm.tm_gmtoff || nb[1].tm_gmtoff != tm.tm_gmtoff;
			for (size_t k = 0; change && k < sizeof shift / sizeof shift[0]; k++) {
				struct tm o;
				time_t t2 = tt + shift[k];
				char ob[40];
				if (localtime_r(&t2, &o) && strftime(ob, sizeof ob, "%Y-%m-%d %H:%M", &o) &&
				    !strcmp(ob, tb)) {
					size_t l = strlen(tb);
					strftime(tb + l, sizeof tb - l, " %z", &tm);
					break;
				}
			}
		} else {
			snprintf(tb, sizeof tb, "%lld", (long long)c->i);
		}
		snprintf(buf, cap, "%s", tb);
		break;
	}
	case MS_COL_LIST: {
		size_t o = 0;
		for (int i = 0; i < c->nlist && o + 4 < cap; i++) {
			if (i) {
				buf[o++] = ',';
				buf[o] = 0;
			}
			o += strlen(buf + o);
			ms_esc_text_item_buf(buf + o, cap - o, c->list[i], strlen(c->list[i]), ',');
			o += strlen(buf + o);
		}
		if (c->nlist == 0)
			snprintf(buf, cap, "-");
		break;
	}
	case MS_COL_JSON: snprintf(buf, cap, "%s", c->s); break;
	}
}

/* bytes of the unit of escaped text at p, whose columns go to *cols: a
 * "\xNN" or "\\" escape (cut in half it would read as other bytes), one
 * UTF-8 character (ms_utf8_cols()), or one byte */
static size_t esc_unit(const unsigned char *p, int *cols)
{
	size_t n = 1;
	if (p[0] == '\\' && p[1] == 'x' && p[2] && p[3])
		n = 4;
	else if (p[0] == '\\' && p[1])
		n = 2;
	else if (p[0] >= 0xC0)
		while ((p[n] & 0xC0) == 0x80)
			n++;
	if (p[0] < 0x80)
		*cols = (int)n;
	else
		*cols = ms_utf8_len(p, n) == (int)n ? ms_utf8_cols(p, (int)n) : 1;
	return n;
}

/* display width of escaped UTF-8 text */
static int dwidth(const char *s)
{
	int w = 0, c;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		p += esc_unit(p, &c);
		w += c;
	}
	return w;
}

/* cut escaped text (in a buffer of cap bytes) to at most w display
 * columns, ending in "…" when cut, on the boundary of an escape or a
 * character */
static void cut_to(char *s, size_t cap, int w)
{
	unsigned char *p = (unsigned char *)s;
	int n = 0, c;
	if (dwidth(s) <= w)
		return;
	while (*p) {
		size_t k = esc_unit(p, &c);
		if (n + c > w - 1 || (size_t)(p - (unsigned char *)s) + k + 4 > cap)
			break;
		n += c;
		p += k;
	}
	strcpy((char *)p, "\xe2\x80\xa6");
}

static int last_titled(const ms_table *t, int j)
{
	for (int k = j + 1; k < t->ncols; k++)
		if (t->cols[k].title)
			return 0;
	return 1;
}

static void render_text(const ms_table *t, FILE *f, const ms_render_opts *o)
{
	int n = t->nrows;
	int *w = calloc((size_t)t->ncols, sizeof *w);
	char buf[512];
	if (!w)
		return;
	if (o->limit > 0 && n > o->limit)
		n = o->limit;
	for (int j = 0; j < t->ncols; j++)
		if (t->cols[j].title)
			w[j] = dwidth(t->cols[j].title);
	for (int r = 0; r < n; r++)
		for (int j = 0; j < t->ncols; j++) {
			if (!t->cols[j].title)
				continue;
			text_value(&t->cols[j], &t->cells[(size_t)r * (size_t)t->ncols + (size_t)j], buf, sizeof buf);
			int dw = dwidth(buf);
			if (t->cols[j].max_width && dw > t->cols[j].max_width)
				dw = t->cols[j].max_width;
			if (dw > w[j])
				w[j] = dw;
		}
	/* an IPv6 address wider than IPv4's 15 columns takes its room from
	 * the columns values may be cut in (the widest first, down to their
	 * title, at least 6), as long as the line is over 80 columns:
	 * addresses are never cut */
	int total = 1, extra = 0;
	for (int j = 0; j < t->ncols; j++)
		if (t->cols[j].title) {
			total += 1 + w[j];
			if (t->cols[j].max_width == MS_W_ADDR && w[j] > 15)
				extra += w[j] - 15;
		}
	while (total > 80 && extra > 0) {
		int best = -1;
		for (int j = 0; j < t->ncols; j++) {
			const ms_col *cj = &t->cols[j];
			int floor = cj->title ? dwidth(cj->title) : 0;
			if (floor < 6)
				floor = 6;
			if (cj->title && cj->max_width && cj->max_width != MS_W_ADDR && w[j] > floor &&
			    (best < 0 || w[j] > w[best]))
				best = j;
		}
		if (best < 0)
			break;
		w[best]--;
		total--;
		extra--;
	}
	if (o->title) {
		if (o->color)
			fprintf(f, "\033[1m%s\033[0m\n", o->title);
		else
			fprintf(f, "%s\n", o->title);
	}
	if (t->nrows == 0) {
		fputs("  (none)\n", f);
		free(w);
		return;
	}
	fputs(" ", f);
	for (int j = 0; j < t->ncols; j++) {
		if (!t->cols[j].title)
			continue;
		int last = 1;
		for (int k = j + 1; k < t->ncols; k++)
			if (t->cols[k].title)
				last = 0;
		if (t->cols[j].right)
			fprintf(f, " %*s", w[j], t->cols[j].title);
		else if (last)
			fprintf(f, " %s", t->cols[j].title);
		else
			fprintf(f, " %-*s", w[j], t->cols[j].title);
	}
	fputc('\n', f);
	for (int r = 0; r < n; r++) {
		fputs(" ", f);
		for (int j = 0; j < t->ncols; j++) {
			if (!t->cols[j].title)
				continue;
			text_value(&t->cols[j], &t->cells[(size_t)r * (size_t)t->ncols + (size_t)j], buf, sizeof buf);
			if (t->cols[j].max_width && dwidth(buf) > w[j])
				cut_to(buf, sizeof buf, w[j]);
			int pad = w[j] - dwidth(buf);
			if (pad < 0)
				pad = 0;
			fputc(' ', f);
			if (t->cols[j].right)
				fprintf(f, "%*s%s", pad, "", buf);
			else if (last_titled(t, j))
				fputs(buf, f);
			else
				fprintf(f, "%s%*s", buf, pad, "");
		}
		fputc('\n', f);
	}
	if (n < t->nrows)
		fprintf(f, "  ... %d more (%s)\n", t->nrows - n,
			o && o->more_hint ? o->more_hint : "use --top N or --format json");
	free(w);
}

/* ---------- CSV ---------- */

static void render_csv(const ms_table *t, FILE *f, int n)
{
	char tb[64];
	for (int j = 0; j < t->ncols; j++) {
		if (j)
			fputc(',', f);
		ms_esc_csv(f, t->cols[j].key, strlen(t->cols[j].key));
	}
	fputs("\r\n", f);
	for (int r = 0; r < n; r++) {
		for (int j = 0; j < t->ncols; j++) {
			const ms_cell *c = &t->cells[(size_t)r * (size_t)t->ncols + (size_t)j];
			if (j)
				fputc(',', f);
			if (c->null)
				continue;
			switch (t->cols[j].type) {
			case MS_COL_STR: ms_esc_csv(f, c->s, strlen(c->s)); break;
			case MS_COL_JSON: ms_esc_csv_json(f, c->s, strlen(c->s)); break;
			case MS_COL_INT: fprintf(f, "%lld", (long long)c->i); break;
			case MS_COL_REAL: fprintf(f, "%.3f", c->r); break;
			case MS_COL_BOOL: fputs(c->i ? "true" : "false", f); break;
			case MS_COL_TIME:
				ms_fmt_time(c->i, tb, sizeof tb);
				fputs(tb, f);
				break;
			case MS_COL_LIST:
				ms_esc_csv_list(f, (const char *const *)c->list, c->nlist);
				break;
			}
		}
		fputs("\r\n", f);
	}
}

void ms_table_render_html_fragment(const ms_table *t, FILE *f, int limit)
{
	char buf[512];
	int n = t->nrows;
	if (limit > 0 && n > limit)
		n = limit;
	fputs("<table>\n<thead><tr>", f);
	for (int j = 0; j < t->ncols; j++) {
		if (!t->cols[j].title)
			continue;
		fputs("<th>", f);
		ms_esc_html(f, t->cols[j].title, strlen(t->cols[j].title));
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (int r = 0; r < n; r++) {
		fputs("<tr>", f);
		for (int j = 0; j < t->ncols; j++) {
			const ms_cell *c = &t->cells[(size_t)r * (size_t)t->ncols + (size_t)j];
			if (!t->cols[j].title)
				continue;
			fputs(t->cols[j].right ? "<td class=\"n\">" : "<td>", f);
			if (t->cols[j].type == MS_COL_STR && !c->null) {
				ms_esc_html(f, c->s, strlen(c->s));
			} else if (t->cols[j].type == MS_COL_LIST && !c->null) {
				for (int i = 0; i < c->nlist; i++) {
					if (i)
						fputs(", ", f);
					ms_esc_html_item(f, c->list[i], strlen(c->list[i]), ',');
				}
			} else {
				text_value(&t->cols[j], c, buf, sizeof buf);
				ms_esc_html(f, buf, strlen(buf));
			}
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
}

void ms_table_render(const ms_table *t, ms_format fmt, FILE *f, const ms_render_opts *o)
{
	char tb[64];
	json_keys keys;
	int n = t->nrows;
	if (o->limit > 0 && n > o->limit)
		n = o->limit;
	switch (fmt) {
	case MS_FMT_TEXT:
		render_text(t, f, o);
		break;
	case MS_FMT_JSON:
		ms_fmt_time(o->generated_at, tb, sizeof tb);
		fputs("{\"generated_at\":", f);
		ms_esc_json(f, tb, strlen(tb));
		if (o->extra_json && *o->extra_json) {
			fputc(',', f);
			fputs(o->extra_json, f);
		}
		fputs(",\"rows\":[", f);
		json_keys_make(t, &keys);
		json_rows_all(t, &keys, n, 0, f);
		json_keys_free(&keys);
		fputs(n ? "\n]}\n" : "]}\n", f);
		break;
	case MS_FMT_NDJSON:
		json_keys_make(t, &keys);
		json_rows_all(t, &keys, n, 1, f);
		json_keys_free(&keys);
		break;
	case MS_FMT_CSV:
		render_csv(t, f, n);
		break;
	case MS_FMT_HTML:
		ms_html_begin(f, o->title ? o->title : "mailsleuth", o->generated_at);
		ms_table_render_html_fragment(t, f, n);
		ms_html_end(f);
		break;
	}
}
