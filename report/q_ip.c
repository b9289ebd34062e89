/* SPDX-License-Identifier: MIT */
/* q_ip.c - report --by ip: one row per client address. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "escape.h"
#include "q_ids.h"
#include "bigmem.h"

enum { C_IP, C_SESS, C_FAIL, C_SUCC, C_ACCTS, C_FIRST, C_LAST, C_ERRORS, C_ORPHAN, C_REJ, C_PS,
       C_SUCCEEDED, C_ACCT_DETAIL, C_MECHS, C_PROTOS, C_CIPHERS, C_NAMES, C__N };

static const ms_col cols[C__N] = {
	[C_IP] = { "ip", "IP", MS_COL_STR, MS_W_ADDR, 0 },
	[C_SESS] = { "sessions", "SESS", MS_COL_INT, 0, 1 },
	[C_FAIL] = { "auth_failures", "FAIL", MS_COL_INT, 0, 1 },
	[C_SUCC] = { "auth_successes", "OK", MS_COL_INT, 0, 1 },
	[C_ACCTS] = { "accounts", "ACCOUNTS", MS_COL_LIST, 28, 0 },
	[C_FIRST] = { "first_seen", NULL, MS_COL_TIME, 0, 0 },
	[C_LAST] = { "last_seen", "LAST SEEN", MS_COL_TIME, 0, 0 },
	[C_ERRORS] = { "auth_errors", NULL, MS_COL_INT, 0, 0 },
	[C_ORPHAN] = { "orphan_sessions", NULL, MS_COL_INT, 0, 0 },
	[C_REJ] = { "rejects", NULL, MS_COL_INT, 0, 0 },
	[C_PS] = { "postscreen_connections", NULL, MS_COL_INT, 0, 0 },
	[C_SUCCEEDED] = { "ever_succeeded", NULL, MS_COL_BOOL, 0, 0 },
	[C_ACCT_DETAIL] = { "account_details", NULL, MS_COL_JSON, 0, 0 },
	[C_MECHS] = { "mechanisms", NULL, MS_COL_LIST, 0, 0 },
	[C_PROTOS] = { "tls_protocols", NULL, MS_COL_LIST, 0, 0 },
	[C_CIPHERS] = { "tls_ciphers", NULL, MS_COL_LIST, 0, 0 },
	[C_NAMES] = { "reverse_names", NULL, MS_COL_LIST, 0, 0 },
};

/*
 * How: one sequential scan of each of sessions, auth_events, postscreen and
 * rejects, aggregated in C per address.  The SQL this replaces (GROUP BY
 * ip_id through the ip indexes, a UNION of four CTEs, DISTINCT joins) took
 * 7 s on the 8 M-line database; the scans take ~0.3 s together.  Row order
 * and every column are the same as that SQL gave: addresses by failures,
 * successes, sessions (all descending), then address text; accounts per
 * address by name, then how learned; mechanisms, TLS
 * protocols and ciphers, reverse names in ascending byte order.
 */
static const char *sql_sessions =
	"SELECT count(ms_row(ip_id, orphan, start_ts, end_ts, tls_id, client_name_id)) FROM sessions";
static const char *sql_auth =
	"SELECT count(ms_row(ip_id, kind, ts, account_id, account_src, mech_id)) FROM auth_events";
static const char *sql_postscreen = "SELECT count(ms_row(ip_id, start_ts, end_ts)) FROM postscreen";
/* refusals only: warn, hold, discard, filter, redirect lines refused nothing (schema.md) */
static const char *sql_rejects = "SELECT count(ms_row(ip_id, ts, ts)) FROM rejects WHERE action_id IN"
				 " (SELECT id FROM strings WHERE s IN ('reject', 'milter-reject', 'defer'))";
/* sessions and postscreen conversations that began before --since and ended in the
 * range (ms_q_scan_rows() adds the range on end_ts; ?1 is --since).  Sessions of up
 * to a day: through the start_ts index, not a second scan of the table */
static const char *sql_sessions_tail =
	"SELECT count(ms_row(ip_id, end_ts, end_ts)) FROM sessions WHERE start_ts >= ?1 - 86400 AND start_ts < ?1";
static const char *sql_postscreen_tail =
	"SELECT count(ms_row(ip_id, end_ts, end_ts)) FROM postscreen WHERE +start_ts < ?1";

typedef struct {
	int64_t sess, orphan, fail, ok, err, rej, ps;
	int64_t first, last;
	int seen;
} ip_agg;

/* what the sessions and rejects scans add per address, on their own thread */
typedef struct {
	int64_t sess, orphan, rej;
	int64_t first, last;
	int seen;
} sess_agg;

typedef struct {
	int ip, acct, src;
	int rank; /* of the account name in byte order */
	int64_t fail, ok;
} acct_agg;

/* a growable vector of (address index, other index) pairs packed in 64 bits */
typedef struct {
	uint64_t *v;
	size_t n, cap;
} pairs;

typedef struct {
	acct_agg *v;
	size_t n, cap;
} accts;

/* the sort key of a row, copied out of the aggregate so comparisons stay in one array */
typedef struct {
	int64_t fail, ok, sess;
	int fam;             /* ip_key(): numeric order (0 IPv4, 1 IPv6, 2 other), then hi, lo */
	uint64_t hi, lo;
	const char *ip_text; /* "" for NULL */
	int ip;
} ip_ref;

/* a list cell's strings, per address; the array (and strings copied) in an arena the table takes over */
typedef struct {
	const char **v;
	int n;
} plist;

typedef struct {
	const ms_query *q;
	ms_ids ips, accounts, strings, tls_proto, tls_cipher;
	int *acct_rank; /* of each account's name in byte order */
	int unknown;    /* the index of the string "unknown" (no reverse name), or -1 */
	ip_agg *agg;
	pairs mechs;
	accts acc;
	/* the list cells of each address: accounts and mechanisms made on this thread,
	 * the others by the sessions job (moved here when it ends) */
	ms_arena arena, sess_arena;
	plist *l_accts, *l_mechs, *l_protos, *l_ciphers, *l_names;
	const char **detail; /* account_details JSON; NULL: none */
	ip_ref *order;       /* the addresses seen, in report order */
	int norder;
} ip_ctx;

static int pairs_add(pairs *p, int a, int b)
{
	uint64_t x = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
	if (p->n && p->v[p->n - 1] == x) /* a session burst from one address: skip the repeat early */
		return 0;
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 4096;
		uint64_t *nv = ms_big_realloc(p->v, nc * sizeof *nv);
		if (!nv)
			return -1;
		p->v = nv;
		p->cap = nc;
	}
	p->v[p->n++] = x;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* insertion sort, for the many groups of a few elements (qsort's set-up costs more) */
static void small_sort(char *b, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	char tmp[64];
	if (size > sizeof tmp) {
		qsort(b, n, size, cmp);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		size_t j = i;
		memcpy(tmp, b + i * size, size);
		for (; j > 0 && cmp(b + (j - 1) * size, tmp) > 0; j--)
			memcpy(b + j * size, b + (j - 1) * size, size);
		memcpy(b + j * size, tmp, size);
	}
}

/* qsort, or for a few elements the insertion sort */
static void sort_some(void *b, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 16)
		qsort(b, n, size, cmp);
	else if (n > 1)
		small_sort(b, n, size, cmp);
}

/*
 * Order n elements by address index (a counting sort: linear, where one qsort
 * of the 750 k session pairs took 0.2 s), then each address's group by cmp.
 * Returns -1 when out of memory (the elements are then unchanged).
 */
static int group_sort(void *base, size_t n, size_t size, int (*ip_of_elem)(const void *), int nips,
		      int (*cmp)(const void *, const void *))
{
	size_t *start = ms_big_calloc(((size_t)nips + 1) * sizeof *start);
	char *tmp = ms_big_calloc(n * size);
	if (!start || !tmp) {
		ms_big_free(start);
		ms_big_free(tmp);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		start[ip_of_elem((char *)base + i * size) + 1]++;
	for (int k = 0; k < nips; k++)
		start[k + 1] += start[k];
	for (size_t i = 0; i < n; i++) {
		const char *e = (char *)base + i * size;
		memcpy(tmp + start[ip_of_elem(e)]++ * size, e, size);
	}
	memcpy(base, tmp, n * size);
	ms_big_free(tmp);
	/* start[k] is now the end of group k, i.e. the start of group k + 1 */
	for (int k = 0; k < nips; k++) {
		size_t from = k ? start[k - 1] : 0;
		sort_some((char *)base + from * size, start[k] - from, size, cmp);
	}
	ms_big_free(start);
	return 0;
}

static int pair_ip(const void *e) { return (int)(*(const uint64_t *)e >> 32); }

/* grouped by address, then ascending, without duplicates */
static int pairs_unique(pairs *p, int nips)
{
	size_t w = 0;
	if (!p->n)
		return 0;
	if (group_sort(p->v, p->n, sizeof *p->v, pair_ip, nips, cmp_u64) != 0)
		return -1;
	for (size_t i = 1; i < p->n; i++)
		if (p->v[i] != p->v[w])
			p->v[++w] = p->v[i];
	p->n = w + 1;
	return 0;
}

static int pair_a(uint64_t x) { return (int)(x >> 32); }
static int pair_b(uint64_t x) { return (int)(uint32_t)x; }

static int accts_add(accts *a, int ip, int acct, int rank, int src, int ok)
{
	acct_agg *last = a->n ? &a->v[a->n - 1] : NULL;
	if (!(last && last->ip == ip && last->acct == acct && last->src == src)) {
		if (a->n == a->cap) {
			size_t nc = a->cap ? a->cap * 2 : 4096;
			acct_agg *nv = ms_big_realloc(a->v, nc * sizeof *nv);
			if (!nv)
				return -1;
			a->v = nv;
			a->cap = nc;
		}
		last = &a->v[a->n++];
		memset(last, 0, sizeof *last);
		last->ip = ip;
		last->acct = acct;
		last->rank = rank;
		last->src = src;
	}
	if (ok)
		last->ok++;
	else
		last->fail++;
	return 0;
}

static int v_null(sqlite3_value *v) { return sqlite3_value_type(v) == SQLITE_NULL; }

/* An address was seen from first until last (if not NULL).  A session or
 * postscreen conversation that started in the range but ended after it was
 * last seen in the range at its start, as far as the table knows (the
 * range holds only events in [since, until), reports.md); one that began
 * before the range and ended in it, at its end (its last line: the tail
 * scans pass it as both). */
static void widen(int *seen, int64_t *first, int64_t *last, int64_t from, sqlite3_value *last_v, int64_t until)
{
	*seen = 1;
	if (from < *first)
		*first = from;
	int64_t l = v_null(last_v) ? from : sqlite3_value_int64(last_v);
	if (l >= until)
		l = from;
	if (l > *last)
		*last = l;
}

/* the index of an id in t, or -1 when NULL or unknown (not in ips: the old JOIN dropped it) */
static int ref_of(const ms_ids *t, sqlite3_value *v)
{
	if (v_null(v))
		return -1;
	return ms_ids_find(t, sqlite3_value_int64(v));
}

/*
 * The sessions scan is the longest of the four; it runs on a thread of its
 * own, with a second read-only connection, and then the rejects scan (which
 * balances the two threads), while this thread scans auth events and
 * postscreen.  It reads only what is loaded before it starts (ips,
 * tls_proto, strings, the query) and writes only the job.
 */
typedef struct {
	const ip_ctx *c;
	sqlite3 *db;
	sess_agg *agg;   /* per address */
	pairs tls, names;
	ms_arena arena;  /* of the lists below */
	plist *protos, *ciphers, *names_l;
	int rc;          /* of the scans and the lists: read after the join */
	char err[256];
	/* set under mu (cv signalled) when the scans are over: agg and scan_rc are
	 * then final and the thread no longer touches agg; it makes its lists */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int scanned, scan_rc;
} sess_job;

/* ms_row(ip_id, orphan, start_ts, end_ts, tls_id, client_name_id) */
static void sess_row(sqlite3_context *cx, void *user, int argc, sqlite3_value **v)
{
	sess_job *j = user;
	const ip_ctx *c = j->c;
	(void)argc;
	int ip = ref_of(&c->ips, v[0]);
	if (ip < 0)
		return;
	sess_agg *g = &j->agg[ip];
	widen(&g->seen, &g->first, &g->last, sqlite3_value_int64(v[2]), v[3], ms_q_until(c->q));
	if (!v_null(v[1])) {
		int64_t o = sqlite3_value_int64(v[1]);
		g->sess += o == 0;
		g->orphan += o;
	}
	int tls = ref_of(&c->tls_proto, v[4]);
	int name = ref_of(&c->strings, v[5]);
	if ((tls >= 0 && pairs_add(&j->tls, ip, tls) != 0) ||
	    (name >= 0 && name != c->unknown && pairs_add(&j->names, ip, name) != 0))
		sqlite3_result_error_nomem(cx);
}

/* ms_row(ip_id, ts, ts) of rejects */
static void sess_rej_row(sqlite3_context *cx, void *user, int argc, sqlite3_value **v)
{
	sess_job *j = user;
	(void)cx;
	(void)argc;
	int ip = ref_of(&j->c->ips, v[0]);
	if (ip < 0)
		return;
	sess_agg *g = &j->agg[ip];
	widen(&g->seen, &g->first, &g->last, sqlite3_value_int64(v[1]), v[2], ms_q_until(j->c->q));
	g->rej++;
}

/* ms_row(ip_id, end_ts, end_ts) of a session that began before --since and ended in the range:
 * its end is a line of the address in the range (first_seen, last_seen), nothing else of it counts */
static void sess_tail_row(sqlite3_context *cx, void *user, int argc, sqlite3_value **v)
{
	sess_job *j = user;
	(void)cx;
	(void)argc;
	int ip = ref_of(&j->c->ips, v[0]);
	if (ip < 0 || v_null(v[1]))
		return;
	sess_agg *g = &j->agg[ip];
	widen(&g->seen, &g->first, &g->last, sqlite3_value_int64(v[1]), v[2], ms_q_until(j->c->q));
}

/* sessions (and with --since, the ends of those that began before it), then rejects: the
 * scans of this thread (the other has auth events and postscreen) */
static int scan_sessions(sess_job *j)
{
	return ms_q_scan_rows(j->db, j->c->q, sql_sessions, "start_ts", sess_row, j, j->err, sizeof j->err) ||
	       (j->c->q->since > 0 &&
		ms_q_scan_rows(j->db, j->c->q, sql_sessions_tail, "end_ts", sess_tail_row, j, j->err, sizeof j->err)) ||
	       ms_q_scan_rows(j->db, j->c->q, sql_rejects, "ts", sess_rej_row, j, j->err, sizeof j->err);
}

/* the sessions scan's results into the context */
static void sess_merge_aggs(ip_ctx *c, const sess_job *j)
{
	for (int i = 0; i < c->ips.n; i++) {
		const sess_agg *s = &j->agg[i];
		ip_agg *g = &c->agg[i];
		if (!s->seen)
			continue;
		g->seen = 1;
		g->sess += s->sess;
		g->orphan += s->orphan;
		g->rej += s->rej;
		if (s->first < g->first)
			g->first = s->first;
		if (s->last > g->last)
			g->last = s->last;
	}
}

/* the sessions thread's lists into the context, when it has ended */
static void sess_take_lists(ip_ctx *c, sess_job *j)
{
	ms_arena_move(&c->sess_arena, &j->arena);
	c->l_protos = j->protos;
	c->l_ciphers = j->ciphers;
	c->l_names = j->names_l;
	j->protos = j->ciphers = j->names_l = NULL;
}

/* ms_row(ip_id, kind, ts, account_id, account_src, mech_id) */
static void auth_row(sqlite3_context *cx, void *user, int argc, sqlite3_value **v)
{
	ip_ctx *c = user;
	(void)argc;
	int ip = ref_of(&c->ips, v[0]);
	if (ip < 0)
		return;
	ip_agg *g = &c->agg[ip];
	widen(&g->seen, &g->first, &g->last, sqlite3_value_int64(v[2]), v[2], ms_q_until(c->q));
	int kind = v_null(v[1]) ? 0 : sqlite3_value_int(v[1]);
	g->fail += kind == 1;
	g->ok += kind == 4;
	g->err += kind == 2;
	int acct = ref_of(&c->accounts, v[3]);
	int mech = ref_of(&c->strings, v[5]);
	if (((kind == 1 || kind == 4) && acct >= 0 &&
	     accts_add(&c->acc, ip, acct, c->acct_rank[acct], sqlite3_value_int(v[4]), kind == 4) != 0) ||
	    (mech >= 0 && pairs_add(&c->mechs, ip, mech) != 0))
		sqlite3_result_error_nomem(cx);
}

/* ms_row(ip_id, start_ts, end_ts) of postscreen: a count, first and last time */
static void ps_row(sqlite3_context *cx, void *user, int argc, sqlite3_value **v)
{
	ip_ctx *c = user;
	(void)cx;
	(void)argc;
	int ip = ref_of(&c->ips, v[0]);
	if (ip < 0)
		return;
	ip_agg *g = &c->agg[ip];
	widen(&g->seen, &g->first, &g->last, sqlite3_value_int64(v[1]), v[2], ms_q_until(c->q));
	g->ps++;
}

/* ms_row(ip_id, end_ts, end_ts) of a postscreen conversation that began before --since and
 * ended in the range: as sess_tail_row() */
static void ps_tail_row(sqlite3_context *cx, void *user, int argc, sqlite3_value **v)
{
	ip_ctx *c = user;
	(void)cx;
	(void)argc;
	int ip = ref_of(&c->ips, v[0]);
	if (ip < 0 || v_null(v[1]))
		return;
	ip_agg *g = &c->agg[ip];
	widen(&g->seen, &g->first, &g->last, sqlite3_value_int64(v[1]), v[2], ms_q_until(c->q));
}


/* The address's order as a number: IPv4 addresses by value (10.0.0.9
 * before 10.0.0.10), then IPv6 ones by their 128 bits (hi, lo); the text
 * breaks the ties of what is no address. */
static void ip_key(const char *s, ip_ref *r)
{
	unsigned char b[16];
	r->fam = 2;
	r->hi = r->lo = 0;
	if (inet_pton(AF_INET, s, b) == 1) {
		r->fam = 0;
		r->lo = (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 | (uint64_t)b[2] << 8 | b[3];
	} else if (inet_pton(AF_INET6, s, b) == 1) {
		r->fam = 1;
		for (int i = 0; i < 8; i++) {
			r->hi = r->hi << 8 | b[i];
			r->lo = r->lo << 8 | b[i + 8];
		}
	}
}

static int cmp_rows(const void *pa, const void *pb)
{
	const ip_ref *a = pa, *b = pb;
	if (a->fail != b->fail)
		return a->fail > b->fail ? -1 : 1;
	if (a->ok != b->ok)
		return a->ok > b->ok ? -1 : 1;
	if (a->sess != b->sess)
		return a->sess > b->sess ? -1 : 1;
	if (a->fam != b->fam)
		return a->fam < b->fam ? -1 : 1;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return strcmp(a->ip_text, b->ip_text);
}

typedef struct {
	const ip_ctx *c;
	ms_table *t;
	const ip_ref *order;
	int base;     /* the table row of order[0] */
	int from, to; /* in order */
} rows_job;

static void put_rows(const rows_job *j)
{
	const ip_ctx *c = j->c;
	ms_table *t = j->t;
	for (int k = j->from; k < j->to; k++) {
		int ip = j->order[k].ip, r = j->base + k;
		const ip_agg *g = &c->agg[ip];
		ms_cell_ref(ms_table_cell(t, r, C_IP), c->ips.text[ip]);
		ms_cell_int(ms_table_cell(t, r, C_SESS), g->sess);
		ms_cell_int(ms_table_cell(t, r, C_FAIL), g->fail);
		ms_cell_int(ms_table_cell(t, r, C_SUCC), g->ok);
		ms_cell_bool(ms_table_cell(t, r, C_SUCCEEDED), g->ok > 0);
		ms_cell_time(ms_table_cell(t, r, C_FIRST), g->first < (int64_t)8e18 ? g->first : 0);
		ms_cell_time(ms_table_cell(t, r, C_LAST), g->last);
		ms_cell_int(ms_table_cell(t, r, C_ERRORS), g->err);
		ms_cell_int(ms_table_cell(t, r, C_ORPHAN), g->orphan);
		ms_cell_int(ms_table_cell(t, r, C_REJ), g->rej);
		ms_cell_int(ms_table_cell(t, r, C_PS), g->ps);
		ms_cell_list_keep(ms_table_cell(t, r, C_ACCTS), c->l_accts[ip].v, c->l_accts[ip].n);
		ms_cell_list_keep(ms_table_cell(t, r, C_MECHS), c->l_mechs[ip].v, c->l_mechs[ip].n);
		ms_cell_list_keep(ms_table_cell(t, r, C_PROTOS), c->l_protos[ip].v, c->l_protos[ip].n);
		ms_cell_list_keep(ms_table_cell(t, r, C_CIPHERS), c->l_ciphers[ip].v, c->l_ciphers[ip].n);
		ms_cell_list_keep(ms_table_cell(t, r, C_NAMES), c->l_names[ip].v, c->l_names[ip].n);
		ms_cell_ref(ms_table_cell(t, r, C_ACCT_DETAIL), c->detail[ip] ? c->detail[ip] : "[]");
	}
}

static void *rows_thread(void *p)
{
	put_rows(p);
	return NULL;
}

/* the addresses seen, in report order (c->order); -1 when out of memory */
static int order_rows(ip_ctx *c)
{
	int n = 0;
	ip_ref *order = ms_big_calloc((size_t)c->ips.n * sizeof *order);
	if (!order)
		return -1;
	for (int i = 0; i < c->ips.n; i++)
		if (c->agg[i].seen) {
			const char *ip = c->ips.text[i] ? c->ips.text[i] : "";
			order[n] = (ip_ref){ .fail = c->agg[i].fail, .ok = c->agg[i].ok, .sess = c->agg[i].sess,
					     .ip_text = ip, .ip = i };
			ip_key(ip, &order[n++]);
		}
	qsort(order, (size_t)n, sizeof *order, cmp_rows);
	c->order = order;
	c->norder = n;
	return 0;
}

/* the rows in c->order; a big table's second half filled on another thread */
static int fill_rows(ip_ctx *c, ms_table *t)
{
	int n = c->norder;
	const ip_ref *order = c->order;
	int first = ms_table_add_set_rows(t, n);
	if (first < 0)
		return -1;
	rows_job a = { c, t, order, first, 0, n }, b = a;
	pthread_t th;
	int threaded = 0;
	if (n >= 8192) {
		b.from = a.to = n / 2;
		threaded = pthread_create(&th, NULL, rows_thread, &b) == 0;
		if (!threaded)
			a.to = n;
	}
	put_rows(&a);
	if (threaded)
		pthread_join(th, NULL);
	return 0;
}

/* within one address: by name, then how learned */
static int cmp_acct(const void *pa, const void *pb)
{
	const acct_agg *a = pa, *b = pb;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return (a->src > b->src) - (a->src < b->src);
}

static int acct_ip(const void *e) { return ((const acct_agg *)e)->ip; }

typedef struct {
	const char *s;
	int i;
} named;

static int cmp_named(const void *pa, const void *pb)
{
	const named *a = pa, *b = pb;
	return strcmp(a->s, b->s);
}

/* rank[i] = position of ids->text[i] in byte order */
static int *name_ranks(const ms_ids *ids)
{
	named *v = malloc((size_t)(ids->n ? ids->n : 1) * sizeof *v);
	int *rank = malloc((size_t)(ids->n ? ids->n : 1) * sizeof *rank);
	if (!v || !rank) {
		free(v);
		free(rank);
		return NULL;
	}
	for (int i = 0; i < ids->n; i++)
		v[i] = (named){ ids->text[i] ? ids->text[i] : "", i };
	qsort(v, (size_t)ids->n, sizeof *v, cmp_named);
	for (int i = 0; i < ids->n; i++)
		rank[v[i].i] = i;
	free(v);
	return rank;
}

/* one entry per (address, account, how learned), in output order */
static int accts_merge(accts *a, int nips)
{
	size_t w = 0;
	if (!a->n)
		return 0;
	if (group_sort(a->v, a->n, sizeof *a->v, acct_ip, nips, cmp_acct) != 0)
		return -1;
	for (size_t i = 1; i < a->n; i++) {
		if (a->v[i].ip == a->v[w].ip && cmp_acct(&a->v[i], &a->v[w]) == 0) {
			a->v[w].fail += a->v[i].fail;
			a->v[w].ok += a->v[i].ok;
		} else {
			a->v[++w] = a->v[i];
		}
	}
	a->n = w + 1;
	return 0;
}

/* a growable array of string pointers, for a list cell */
typedef struct {
	const char **v;
	int n, cap;
} strs;

static int strs_push(strs *l, const char *s)
{
	if (l->n == l->cap) {
		int nc = l->cap ? l->cap * 2 : 64;
		const char **nv = realloc(l->v, (size_t)nc * sizeof *nv);
		if (!nv)
			return -1;
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n++] = s;
	return 0;
}

/* dst = a copy of the n pointers at items, in a */
static int plist_set(ms_arena *a, plist *dst, const char *const *items, int n)
{
	const char **v = ms_arena_alloc(a, (size_t)(n > 0 ? n : 1) * sizeof *v);
	if (!v)
		return -1;
	if (n)
		memcpy(v, items, (size_t)n * sizeof *v);
	dst->v = v;
	dst->n = n;
	return 0;
}

/* the account details are written into an ms_big_buf directly (stdio's cost
 * per call was most of this list's time: ten calls per account entry) */
static void jb_put(ms_big_buf *b, const char *s, size_t n)
{
	if (ms_big_buf_reserve(b, n) == 0) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

static void jb_lit(ms_big_buf *b, const char *s) { jb_put(b, s, strlen(s)); }

/* s as a JSON string, as ms_esc_json() writes it */
static void jb_str(ms_big_buf *b, const char *s)
{
	size_t n = strlen(s);
	jb_put(b, "\"", 1);
	while (n) {
		size_t used;
		if (ms_big_buf_reserve(b, 256) != 0)
			return;
		b->len += ms_esc_json_some(b->p + b->len, 256, s, n, &used);
		s += used;
		n -= used;
	}
	jb_put(b, "\"", 1);
}

/* v in decimal, as ms_put_int() writes it */
static void jb_int(ms_big_buf *b, int64_t v)
{
	char t[24];
	size_t o = ms_int_text(t, v);
	jb_put(b, t + o, sizeof t - o);
}

/*
 * The accounts list and the account_details JSON of each address.  The JSON
 * of every address goes into one buffer, NUL-terminated, which the arena
 * keeps: detail[address] points into it.
 */
static int fill_accounts(ip_ctx *c, ms_arena *arena, plist *lists, const char **detail)
{
	strs names = { 0 };
	size_t *at = NULL;
	ms_big_buf jb = { 0 };
	int rc = -1, nrows = 0;
	if (accts_merge(&c->acc, c->ips.n) != 0)
		return -1;
	if (!c->acc.n)
		return 0;
	at = ms_big_calloc(c->acc.n * sizeof *at);
	if (!at)
		goto out;
	for (size_t i = 0; i < c->acc.n;) {
		int ip = c->acc.v[i].ip;
		names.n = 0;
		at[nrows++] = jb.len;
		for (size_t first = i; i < c->acc.n && c->acc.v[i].ip == ip; i++) {
			const acct_agg *a = &c->acc.v[i];
			const char *name = c->accounts.text[a->acct] ? c->accounts.text[a->acct] : "";
			if ((i == first || c->acc.v[i - 1].acct != a->acct) && /* sorted by name: repeats are adjacent */
			    strs_push(&names, name) != 0)
				goto out;
			jb_lit(&jb, i == first ? "[{\"account\":" : ",{\"account\":");
			jb_str(&jb, name);
			jb_lit(&jb, ",\"learned\":\"");
			jb_lit(&jb, ms_src_name(a->src));
			jb_lit(&jb, "\",\"failures\":");
			jb_int(&jb, a->fail);
			jb_lit(&jb, ",\"successes\":");
			jb_int(&jb, a->ok);
			jb_put(&jb, "}", 1);
		}
		jb_put(&jb, "]\0", 2); /* NUL-terminated: detail[] points at each */
		if (plist_set(arena, &lists[ip], names.v, names.n) != 0)
			goto out;
	}
	if (jb.failed || !jb.p)
		goto out;
	if (ms_arena_keep_big(arena, jb.p) != 0) {
		jb.p = NULL; /* freed */
		goto out;
	}
	/* the same walk again, now that the buffer stays where it is */
	for (size_t i = 0, k = 0; i < c->acc.n; k++) {
		int ip = c->acc.v[i].ip;
		detail[ip] = jb.p + at[k];
		while (i < c->acc.n && c->acc.v[i].ip == ip)
			i++;
	}
	jb.p = NULL; /* the arena's now */
	rc = 0;
out:
	ms_big_free(jb.p);
	ms_big_free(at);
	free(names.v);
	return rc;
}

/* the distinct (address, string) pairs of v, each address's strings listed in byte order
 * (upper: as SQLite's upper(), ASCII only, the copies in the arena) */
static int fill_strings(const ip_ctx *c, ms_arena *arena, pairs *v, plist *lists, int upper)
{
	named *w = NULL;
	size_t wcap = 0;
	strs out = { 0 };
	if (pairs_unique(v, c->ips.n) != 0)
		return -1;
	for (size_t i = 0; i < v->n;) {
		int ip = pair_a(v->v[i]);
		size_t n = 0;
		for (; i < v->n && pair_a(v->v[i]) == ip; i++) {
			if (n == wcap) {
				size_t nc = wcap ? wcap * 2 : 64;
				named *nw = realloc(w, nc * sizeof *nw);
				if (!nw)
					goto oom;
				w = nw;
				wcap = nc;
			}
			const char *s = c->strings.text[pair_b(v->v[i])];
			w[n++] = (named){ s ? s : "", 0 };
		}
		if (upper)
			for (size_t k = 0; k < n; k++) {
				char *u = ms_arena_strdup(arena, w[k].s);
				if (!u)
					goto oom;
				for (char *p = u; *p; p++)
					if (*p >= 'a' && *p <= 'z')
						*p = (char)(*p - 'a' + 'A');
				w[k].s = u;
			}
		sort_some(w, n, sizeof *w, cmp_named);
		out.n = 0;
		for (size_t k = 0; k < n; k++) /* sorted: repeats (upper-cased) are adjacent */
			if ((k == 0 || strcmp(w[k].s, w[k - 1].s) != 0) && strs_push(&out, w[k].s) != 0)
				goto oom;
		if (plist_set(arena, &lists[ip], out.v, out.n) != 0)
			goto oom;
	}
	free(w);
	free(out.v);
	return 0;
oom:
	free(w);
	free(out.v);
	return -1;
}

typedef struct {
	const char *proto, *cipher;
} tls_pair;

/* SQLite's order: NULL first, then bytes */
static int cmp_nullable(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_tls(const void *pa, const void *pb)
{
	const tls_pair *a = pa, *b = pb;
	int d = cmp_nullable(a->proto, b->proto);
	return d ? d : cmp_nullable(a->cipher, b->cipher);
}

/* protocols and ciphers in the order of the distinct (protocol, cipher) pairs, as before */
static int fill_tls(const ip_ctx *c, pairs *tls, ms_arena *arena, plist *protos_l, plist *ciphers_l)
{
	tls_pair *w = NULL;
	size_t wcap = 0;
	strs protos = { 0 }, ciphers = { 0 };
	int rc = -1;
	if (pairs_unique(tls, c->ips.n) != 0)
		return -1;
	for (size_t i = 0; i < tls->n;) {
		int ip = pair_a(tls->v[i]);
		size_t n = 0;
		for (; i < tls->n && pair_a(tls->v[i]) == ip; i++) {
			if (n == wcap) {
				size_t nc = wcap ? wcap * 2 : 16;
				tls_pair *nw = realloc(w, nc * sizeof *nw);
				if (!nw)
					goto out;
				w = nw;
				wcap = nc;
			}
			int k = pair_b(tls->v[i]);
			w[n++] = (tls_pair){ c->tls_proto.text[k], c->tls_cipher.text[k] };
		}
		sort_some(w, n, sizeof *w, cmp_tls);
		protos.n = ciphers.n = 0;
		for (size_t k = 0; k < n; k++) {
			if (w[k].proto && (k == 0 || cmp_nullable(w[k].proto, w[k - 1].proto) != 0) &&
			    strs_push(&protos, w[k].proto) != 0)
				goto out;
			if (w[k].cipher) {
				int seen = 0;
				for (int x = 0; x < ciphers.n && !seen; x++)
					seen = strcmp(ciphers.v[x], w[k].cipher) == 0;
				if (!seen && strs_push(&ciphers, w[k].cipher) != 0)
					goto out;
			}
		}
		if ((protos.n && plist_set(arena, &protos_l[ip], protos.v, protos.n) != 0) ||
		    (ciphers.n && plist_set(arena, &ciphers_l[ip], ciphers.v, ciphers.n) != 0))
			goto out;
	}
	rc = 0;
out:
	free(w);
	free(protos.v);
	free(ciphers.v);
	return rc;
}

/* the sessions scan, then the lists it gives: TLS protocols and ciphers, reverse names */
static int sess_lists(sess_job *j)
{
	size_t n = (size_t)j->c->ips.n * sizeof(plist);
	int rc = 0;
	j->protos = ms_big_calloc(n);
	j->ciphers = ms_big_calloc(n);
	j->names_l = ms_big_calloc(n);
	if (!j->protos || !j->ciphers || !j->names_l ||
	    fill_tls(j->c, &j->tls, &j->arena, j->protos, j->ciphers) != 0 ||
	    fill_strings(j->c, &j->arena, &j->names, j->names_l, 0) != 0) {
		snprintf(j->err, sizeof j->err, "out of memory");
		rc = -1;
	}
	/* done with: the pages go back now, for the table's cells to reuse */
	ms_big_free(j->tls.v);
	ms_big_free(j->names.v);
	memset(&j->tls, 0, sizeof j->tls);
	memset(&j->names, 0, sizeof j->names);
	return rc;
}

/* the sessions and rejects scans, then the lists they give (TLS protocols and
 * ciphers, reverse names) */
static void *sess_thread(void *p)
{
	sess_job *j = p;
	int rc = scan_sessions(j);
	pthread_mutex_lock(&j->mu);
	j->scan_rc = rc;
	j->scanned = 1;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	j->rc = rc != 0 ? rc : sess_lists(j);
	return NULL;
}

/* the auth scan's lists: accounts (with the account_details JSON) and mechanisms */
static int auth_lists(ip_ctx *c)
{
	size_t n = (size_t)c->ips.n * sizeof(plist);
	c->l_accts = ms_big_calloc(n);
	c->l_mechs = ms_big_calloc(n);
	c->detail = ms_big_calloc((size_t)c->ips.n * sizeof *c->detail);
	int rc = !c->l_accts || !c->l_mechs || !c->detail ||
		 fill_accounts(c, &c->arena, c->l_accts, c->detail) != 0 ||
		 fill_strings(c, &c->arena, &c->mechs, c->l_mechs, 1) != 0;
	ms_big_free(c->acc.v); /* done with (as in sess_thread) */
	ms_big_free(c->mechs.v);
	memset(&c->acc, 0, sizeof c->acc);
	memset(&c->mechs, 0, sizeof c->mechs);
	return rc ? -1 : 0;
}

/*
 * The four scans and the lists they give, the sessions scan on a second
 * thread where it can (with its lists: both threads then work ~0.2 s on the
 * 1 GB benchmark database).
 */
static int scan_all(ip_ctx *c, char *err, size_t errlen)
{
	sess_job j = { .c = c, .db = c->q->db };
	pthread_t th;
	int threaded = 0, rc;
	/* (this thread holds no read lock while it waits for the other: it may
	 * wait for a commit as long as any reader) */
	sqlite3 *db2 = ms_q_open_sibling(c->q->db, 60000);
	j.agg = ms_big_calloc((size_t)c->ips.n * sizeof *j.agg);
	if (!j.agg) {
		sqlite3_close(db2);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < c->ips.n; i++)
		j.agg[i].first = INT64_MAX;
	int sync = pthread_mutex_init(&j.mu, NULL) == 0;
	if (sync && pthread_cond_init(&j.cv, NULL) != 0) {
		pthread_mutex_destroy(&j.mu);
		sync = 0;
	}
	if (db2 && sync) {
		ms_q_cache_cap(db2); /* a connection of its own: closed, not restored */
		j.db = db2;
		threaded = pthread_create(&th, NULL, sess_thread, &j) == 0;
		if (!threaded)
			j.db = c->q->db;
	}
	int64_t cache = ms_q_cache_cap(c->q->db);
	if (!threaded) { /* the same work first, on this thread */
		j.scan_rc = scan_sessions(&j);
		j.scanned = 1;
		j.rc = j.scan_rc != 0 ? j.scan_rc : sess_lists(&j);
	}
	rc = ms_q_scan_rows(c->q->db, c->q, sql_auth, "ts", auth_row, c, err, errlen) ||
	     ms_q_scan_rows(c->q->db, c->q, sql_postscreen, "start_ts", ps_row, c, err, errlen) ||
	     (c->q->since > 0 &&
	      ms_q_scan_rows(c->q->db, c->q, sql_postscreen_tail, "end_ts", ps_tail_row, c, err, errlen));
	ms_q_cache_restore(c->q->db, cache);
	if (rc == 0 && auth_lists(c) != 0) {
		snprintf(err, errlen, "out of memory");
		rc = 1;
	}
	/* as soon as the other thread's scans are over: its aggregates into ours, and the
	 * rows' order, while it makes its lists */
	if (threaded) {
		pthread_mutex_lock(&j.mu);
		while (!j.scanned)
			pthread_cond_wait(&j.cv, &j.mu);
		pthread_mutex_unlock(&j.mu);
	}
	if (rc == 0 && j.scan_rc == 0) {
		sess_merge_aggs(c, &j);
		if (order_rows(c) != 0) {
			snprintf(err, errlen, "out of memory");
			rc = 1;
		}
	}
	if (threaded)
		pthread_join(th, NULL);
	if (sync) {
		pthread_cond_destroy(&j.cv);
		pthread_mutex_destroy(&j.mu);
	}
	sqlite3_close(db2);
	if (j.rc != 0 && rc == 0) {
		snprintf(err, errlen, "%s", j.err);
		rc = 1;
	}
	if (rc == 0)
		sess_take_lists(c, &j);
	ms_big_free(j.agg);
	ms_big_free(j.tls.v);
	ms_big_free(j.names.v);
	ms_big_free(j.protos);
	ms_big_free(j.ciphers);
	ms_big_free(j.names_l);
	ms_arena_free(&j.arena);
	return rc ? -1 : 0;
}

static void ctx_free(ip_ctx *c)
{
	ms_ids_free(&c->ips);
	ms_ids_free(&c->accounts);
	ms_ids_free(&c->strings);
	ms_ids_free(&c->tls_proto);
	ms_ids_free(&c->tls_cipher);
	free(c->acct_rank);
	ms_big_free(c->agg);
	ms_big_free(c->mechs.v);
	ms_big_free(c->acc.v);
	ms_big_free(c->l_accts);
	ms_big_free(c->l_mechs);
	ms_big_free(c->l_protos);
	ms_big_free(c->l_ciphers);
	ms_big_free(c->l_names);
	ms_big_free(c->detail);
	ms_arena_free(&c->arena);
	ms_arena_free(&c->sess_arena);
	ms_big_free(c->order);
}

ms_table *ms_report_by_ip(const ms_query *q, char *err, size_t errlen)
{
	ip_ctx c;
	ms_table *t = ms_table_new(cols, C__N);
	memset(&c, 0, sizeof c);
	c.q = q;
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (ms_ids_load(q->db, "SELECT id, ip FROM ips ORDER BY id", &c.ips, err, errlen) ||
	    ms_ids_load(q->db, "SELECT id, name FROM accounts ORDER BY id", &c.accounts, err, errlen) ||
	    ms_ids_load(q->db, "SELECT id, s FROM strings ORDER BY id", &c.strings, err, errlen) ||
	    ms_ids_load(q->db, "SELECT id, protocol FROM tls_params ORDER BY id", &c.tls_proto, err, errlen) ||
	    ms_ids_load(q->db, "SELECT id, cipher FROM tls_params ORDER BY id", &c.tls_cipher, err, errlen))
		goto fail;
	/* the rows point at these strings: the table keeps them */
	ms_arena_move(&t->arena, &c.ips.pool);
	ms_arena_move(&t->arena, &c.accounts.pool);
	ms_arena_move(&t->arena, &c.strings.pool);
	ms_arena_move(&t->arena, &c.tls_proto.pool);
	ms_arena_move(&t->arena, &c.tls_cipher.pool);
	c.unknown = -1;
	for (int i = 0; i < c.strings.n && c.unknown < 0; i++)
		if (c.strings.text[i] && strcmp(c.strings.text[i], "unknown") == 0)
			c.unknown = i;
	c.agg = ms_big_calloc((size_t)c.ips.n * sizeof *c.agg);
	c.acct_rank = name_ranks(&c.accounts);
	if (!c.agg || !c.acct_rank)
		goto oom;
	for (int i = 0; i < c.ips.n; i++)
		c.agg[i].first = INT64_MAX;
	if (scan_all(&c, err, errlen) != 0)
		goto fail;
	if (fill_rows(&c, t))
		goto oom;
	/* the list cells point into these */
	ms_arena_move(&t->arena, &c.arena);
	ms_arena_move(&t->arena, &c.sess_arena);
	ctx_free(&c);
	return t;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	ctx_free(&c);
	ms_table_free(t);
	return NULL;
}
