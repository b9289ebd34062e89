/* SPDX-License-Identifier: MIT */
/*
 * q_cipher.c - report --by cipher: one row per negotiated TLS parameter set
 * (protocol, cipher, bits, trust) of inbound smtpd sessions, plus one row for
 * sessions that never established TLS.  Weak parameters are flagged with
 * short reason tokens (see ms_tls_weak_reasons and docs/reports.md).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "report.h"

enum { C_PROTO, C_CIPHER, C_BITS, C_ALGBITS, C_TRUST, C_SESS, C_IPS, C_FSESS, C_FAIL, C_OKSESS, C_WEAK,
       C_REASONS, C_FIRST, C_LAST, C__N };

static const ms_col cols[C__N] = {
	[C_PROTO] = { "protocol", "PROTOCOL", MS_COL_STR, 8, 0 },
	[C_CIPHER] = { "cipher", "CIPHER", MS_COL_STR, 20, 0 },
	[C_BITS] = { "bits", "BITS", MS_COL_INT, 0, 1 },
	[C_ALGBITS] = { "alg_bits", NULL, MS_COL_INT, 0, 0 },
	[C_TRUST] = { "trust", "TRUST", MS_COL_STR, 9, 0 },
	[C_SESS] = { "sessions", "SESS", MS_COL_INT, 0, 1 },
	[C_IPS] = { "ips", "IPS", MS_COL_INT, 0, 1 },
	[C_FSESS] = { "sessions_with_failures", NULL, MS_COL_INT, 0, 1 },
	[C_FAIL] = { "auth_failures", "FAIL", MS_COL_INT, 0, 1 },
	[C_OKSESS] = { "sessions_with_successes", NULL, MS_COL_INT, 0, 0 },
	[C_WEAK] = { "weak", NULL, MS_COL_BOOL, 0, 0 },
	[C_REASONS] = { "weak_reasons", "WEAK", MS_COL_LIST, 18, 0 },
	[C_FIRST] = { "first_seen", NULL, MS_COL_TIME, 0, 0 },
	[C_LAST] = { "last_seen", NULL, MS_COL_TIME, 0, 0 },
};

int ms_tls_weak_reasons(const char *protocol, const char *cipher, int bits, const char **out, int max)
{
	int n = 0, null_enc = 0;
#define ADD(tok) do { if (n < max) out[n++] = (tok); } while (0)
	if (protocol) {
		if (!strcasecmp(protocol, "SSLv2"))
			ADD("SSLv2");
		else if (!strcasecmp(protocol, "SSLv3"))
			ADD("SSLv3");
		else if (!strcasecmp(protocol, "TLSv1") || !strcasecmp(protocol, "TLSv1.0"))
			ADD("TLSv1.0");
		else if (!strcasecmp(protocol, "TLSv1.1"))
			ADD("TLSv1.1");
	}
	if (cipher) {
		if (strstr(cipher, "RC4"))
			ADD("RC4");
		if (strstr(cipher, "DES-CBC3") || strstr(cipher, "3DES"))
			ADD("3DES");
		else if (strstr(cipher, "DES"))
			ADD("DES");
		if (strstr(cipher, "EXP"))
			ADD("EXPORT");
		if (strstr(cipher, "NULL") && !strstr(cipher, "aNULL")) {
			ADD("NULL");
			null_enc = 1;
		}
		if (!strncmp(cipher, "ADH", 3) || !strncmp(cipher, "AECDH", 5) || strstr(cipher, "aNULL") ||
		    strstr(cipher, "_anon_"))
			ADD("anonymous");
		if (strstr(cipher, "RC2"))
			ADD("RC2");
		if (strstr(cipher, "MD5"))
			ADD("MD5");
	}
	/* 0 bits: not logged (a line cut short), unless the cipher encrypts nothing */
	if ((bits > 0 && bits < 128) || null_enc)
		ADD("<128bit");
#undef ADD
	return n;
}

/*
 * The report was one GROUP BY over sessions LEFT JOIN tls_params with
 * count(DISTINCT ip_id), about 2 s on an 8M-line log.  It is now one plain
 * scan of a few integer columns of sessions, aggregated in C:
 *  - tls_params is small: one query ranks each row's (protocol, cipher, bits,
 *    alg_bits, trust) tuple, so ids whose tuples compare equal (as GROUP BY
 *    compares them) share a group, and ranks (protocol, cipher, bits, trust)
 *    to order the groups as the old ORDER BY did;
 *  - a synthetic all-NULL row stands for sessions without TLS (tls_id NULL or
 *    pointing nowhere), as the LEFT JOIN produced them: it shares the group
 *    of a tls_params row whose five values are all NULL, as before;
 *  - distinct addresses per group: a bitmap per group over the ips ids.
 * The scan does not use sessions_ts (+start_ts): walking an index with a table
 * lookup per row is slower than the scan, and the index may not exist.
 */
static const char *sql_groups =
	"SELECT id, protocol, cipher, bits, alg_bits, trust,"
	" dense_rank() OVER (ORDER BY protocol, cipher, bits, alg_bits, trust),"
	" dense_rank() OVER (ORDER BY protocol, cipher, bits, trust)"
	" FROM (SELECT id, protocol, cipher, bits, alg_bits, trust FROM tls_params"
	" UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL)"
	" ORDER BY 7";

static const char *sql_scan =
	"SELECT count(ms_row(tls_id, ip_id, start_ts, end_ts, auth_failures, auth_successes, auth_aborts))"
	" FROM sessions";

/* one output row: a distinct (protocol, cipher, bits, alg_bits, trust) tuple */
typedef struct {
	char *proto, *cipher, *trust;   /* as sqlite3_column_text gave them */
	int cipher_null;                /* t.cipher IS NULL, the first sort key */
	int has_bits, has_alg_bits;
	int64_t bits, alg_bits;
	int64_t key_rank;               /* equal tuples, equal rank */
	int64_t order_rank;             /* rank of (protocol, cipher, bits, trust) */
	int64_t sessions, ips, fail_sessions, failures, ok_sessions, auth_sessions;
	int64_t first, last;
} tls_group;

typedef struct {
	int64_t id;                     /* tls_params.id */
	int group;
} tls_id_group;

/* a session's group and address, when the address is outside the bitmap */
typedef struct {
	int group;
	int64_t ip;
} group_ip;

typedef struct {
	tls_group *g;
	int ng, none;                   /* none: group of sessions without TLS */
	tls_id_group *ids;              /* sorted by id */
	int nids;
	/* count(DISTINCT ip_id): one bitmap per group over the ids of the ips
	 * table (a few bits per address: fast and small), and a list sorted at
	 * the end for any other ip_id */
	uint64_t *seen;                 /* group g: seen[g * ip_words ...] */
	int64_t ip_lo;                  /* the id of bit 0 */
	size_t ip_words;                /* words per group; 0: no bitmap */
	group_ip *other;
	size_t nother, capother;
} cipher_acc;

static void acc_free(cipher_acc *a)
{
	for (int i = 0; i < a->ng; i++) {
		free(a->g[i].proto);
		free(a->g[i].cipher);
		free(a->g[i].trust);
	}
	free(a->g);
	free(a->ids);
	free(a->seen);
	free(a->other);
}

static int cmp_id_group(const void *x, const void *y)
{
	int64_t a = ((const tls_id_group *)x)->id, b = ((const tls_id_group *)y)->id;
	return (a > b) - (a < b);
}

/* copy of a text column, NULL for SQL NULL; *oom set when the copy fails */
static char *col_strdup(sqlite3_stmt *st, int col, int *oom)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	char *d;
	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = 1;
	return d;
}

/* appends a group for the current row of sql_groups; -1 when out of memory */
static int add_group(cipher_acc *a, int *cap, sqlite3_stmt *st)
{
	tls_group *g;
	int oom = 0;
	if (a->ng == *cap) {
		int nc = *cap ? *cap * 2 : 32;
		tls_group *p = realloc(a->g, (size_t)nc * sizeof *p);
		if (!p)
			return -1;
		a->g = p;
		*cap = nc;
	}
	g = &a->g[a->ng++];
	memset(g, 0, sizeof *g);
	/* types first: they are undefined after a conversion */
	g->cipher_null = sqlite3_column_type(st, 2) == SQLITE_NULL;
	g->has_bits = sqlite3_column_type(st, 3) != SQLITE_NULL;
	g->has_alg_bits = sqlite3_column_type(st, 4) != SQLITE_NULL;
	g->proto = col_strdup(st, 1, &oom);
	g->cipher = col_strdup(st, 2, &oom);
	g->trust = col_strdup(st, 5, &oom);
	g->bits = sqlite3_column_int64(st, 3);
	g->alg_bits = sqlite3_column_int64(st, 4);
	g->key_rank = sqlite3_column_int64(st, 6);
	g->order_rank = sqlite3_column_int64(st, 7);
	return oom ? -1 : 0;
}

/* maps tls_params id to group */
static int add_id(cipher_acc *a, int *cap, int64_t id)
{
	if (a->nids == *cap) {
		int nc = *cap ? *cap * 2 : 32;
		tls_id_group *p = realloc(a->ids, (size_t)nc * sizeof *p);
		if (!p)
			return -1;
		a->ids = p;
		*cap = nc;
	}
	a->ids[a->nids].id = id;
	a->ids[a->nids++].group = a->ng - 1;
	return 0;
}

/* the groups; rows come ordered by tuple rank, so a group is a run of equal ranks */
static int load_groups(const ms_query *q, cipher_acc *a, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc, cap = 0, capids = 0;
	if (ms_q_prepare(q->db, sql_groups, &st, err, errlen))
		return -1;
	a->none = -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((a->ng == 0 || a->g[a->ng - 1].key_rank != sqlite3_column_int64(st, 6)) &&
		    add_group(a, &cap, st) != 0)
			goto oom;
		if (sqlite3_column_type(st, 0) == SQLITE_NULL)
			a->none = a->ng - 1;
		else if (add_id(a, &capids, sqlite3_column_int64(st, 0)) != 0)
			goto oom;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || a->none < 0) {
		snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(q->db));
		return -1;
	}
	if (a->nids > 0)
		qsort(a->ids, (size_t)a->nids, sizeof *a->ids, cmp_id_group);
	return 0;
oom:
	sqlite3_finalize(st);
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* group of a session's tls_id: the join t.id = s.tls_id only matches an
 * integer (a column with integer affinity holds nothing else that could equal
 * an INTEGER PRIMARY KEY); no match is the no-TLS group */
static int group_of(const cipher_acc *a, sqlite3_value *v)
{
	int lo = 0, hi = a->nids - 1;
	int64_t id;
	if (sqlite3_value_type(v) != SQLITE_INTEGER)
		return a->none;
	id = sqlite3_value_int64(v);
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (a->ids[mid].id == id)
			return a->ids[mid].group;
		if (a->ids[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return a->none;
}

/* bound on the bitmaps: a huge ips table falls back to the sorted list */
#define MAX_BITMAP_BITS ((uint64_t)512 << 20)

/* the bitmaps cover the ids of the ips table (min and max are each one
 * b-tree descent) */
static int setup_bitmaps(const ms_query *q, cipher_acc *a, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = 0;
	if (ms_q_prepare(q->db, "SELECT (SELECT min(id) FROM ips), (SELECT max(id) FROM ips)", &st, err, errlen))
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(q->db));
		rc = -1;
	} else if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
		int64_t lo = sqlite3_column_int64(st, 0), hi = sqlite3_column_int64(st, 1);
		uint64_t bits = (uint64_t)hi - (uint64_t)lo;    /* one less than the ids */
		if (hi >= lo && bits < MAX_BITMAP_BITS / (uint64_t)a->ng) {
			a->ip_lo = lo;
			a->ip_words = (size_t)(bits / 64 + 1);
			a->seen = calloc((size_t)a->ng * a->ip_words, sizeof *a->seen);
			if (!a->seen) {
				snprintf(err, errlen, "out of memory");
				rc = -1;
			}
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/* counts ip in its group's distinct addresses unless already there */
static int add_ip(cipher_acc *a, int group, int64_t ip)
{
	uint64_t off = (uint64_t)ip - (uint64_t)a->ip_lo;
	if (ip >= a->ip_lo && off / 64 < a->ip_words) {
		uint64_t *w = &a->seen[(size_t)group * a->ip_words + (size_t)(off / 64)];
		uint64_t bit = (uint64_t)1 << (off % 64);
		if (!(*w & bit)) {
			*w |= bit;
			a->g[group].ips++;
		}
		return 0;
	}
	if (a->nother == a->capother) {
		size_t nc = a->capother ? a->capother * 2 : 64;
		group_ip *p = realloc(a->other, nc * sizeof *p);
		if (!p)
			return -1;
		a->other = p;
		a->capother = nc;
	}
	a->other[a->nother].group = group;
	a->other[a->nother++].ip = ip;
	return 0;
}

static int cmp_group_ip(const void *x, const void *y)
{
	const group_ip *a = x, *b = y;
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	return (a->ip > b->ip) - (a->ip < b->ip);
}

/* adds the distinct addresses that were outside the bitmaps */
static void count_other_ips(cipher_acc *a)
{
	if (a->nother == 0)
		return;         /* qsort must not get a NULL array */
	qsort(a->other, a->nother, sizeof *a->other, cmp_group_ip);
	for (size_t i = 0; i < a->nother; i++)
		if (i == 0 || a->other[i].group != a->other[i - 1].group || a->other[i].ip != a->other[i - 1].ip)
			a->g[a->other[i].group].ips++;
}

/*
 * Adds one session to its group, as the old aggregates did: count(*),
 * sum(auth_failures > 0), coalesce(sum(auth_failures), 0),
 * sum(auth_successes > 0), min(start_ts), max(coalesce(end_ts, start_ts)) and
 * sum(coalesce(failures, 0) + coalesce(successes, 0) + coalesce(aborts, 0) > 0).
 * A NULL counter reads as 0, which gives the same sums and comparisons (a sum
 * of only NULLs was printed as 0 too).
 */
static void add_session(tls_group *g, sqlite3_value **v)
{
	int64_t start = sqlite3_value_int64(v[2]);
	int64_t end = sqlite3_value_type(v[3]) == SQLITE_NULL ? start : sqlite3_value_int64(v[3]);
	int64_t fail = sqlite3_value_int64(v[4]), ok = sqlite3_value_int64(v[5]);
	int64_t aborts = sqlite3_value_int64(v[6]);
	if (g->sessions++ == 0) {
		g->first = start;
		g->last = end;
	} else {
		if (start < g->first)
			g->first = start;
		if (end > g->last)
			g->last = end;
	}
	g->fail_sessions += fail > 0;
	g->failures += fail;
	g->ok_sessions += ok > 0;
	g->auth_sessions += fail + ok + aborts > 0;
}

/* ms_row(tls_id, ip_id, start_ts, end_ts, auth_failures, auth_successes, auth_aborts) */
static void scan_row(sqlite3_context *cx, void *user, int argc, sqlite3_value **v)
{
	cipher_acc *a = user;
	(void)argc;
	int g = group_of(a, v[0]);
	add_session(&a->g[g], v);
	if (sqlite3_value_type(v[1]) != SQLITE_NULL && add_ip(a, g, sqlite3_value_int64(v[1])) != 0)
		sqlite3_result_error_nomem(cx);
}

static int scan_sessions(const ms_query *q, cipher_acc *a, char *err, size_t errlen)
{
	return ms_q_scan_rows(q->db, q, sql_scan, "start_ts", scan_row, a, err, errlen);
}

/*
 * The old ORDER BY t.cipher IS NULL, sessions DESC, protocol, cipher, bits,
 * trust; order_rank stands for the last four.  Groups equal on all of them
 * (differing only in alg_bits) have no defined order: SQLite gave them in
 * GROUP BY order, by alg_bits, and so does key_rank.
 */
static int cmp_rows(const void *x, const void *y)
{
	const tls_group *a = *(const tls_group *const *)x, *b = *(const tls_group *const *)y;
	if (a->cipher_null != b->cipher_null)
		return a->cipher_null ? 1 : -1;
	if (a->sessions != b->sessions)
		return a->sessions > b->sessions ? -1 : 1;
	if (a->order_rank != b->order_rank)
		return a->order_rank < b->order_rank ? -1 : 1;
	return (a->key_rank > b->key_rank) - (a->key_rank < b->key_rank);
}

/* one table row; -1 when out of memory */
static int add_row(ms_table *t, const tls_group *g)
{
	const char *why[12];
	int nwhy, tls = g->cipher != NULL || g->proto != NULL;
	int r = ms_table_add_row(t);
	if (r < 0)
		return -1;
	ms_cell_str(ms_table_cell(t, r, C_PROTO), tls ? g->proto : "none");
	ms_cell_str(ms_table_cell(t, r, C_CIPHER), g->cipher);
	if (g->has_bits)
		ms_cell_int(ms_table_cell(t, r, C_BITS), g->bits);
	if (g->has_alg_bits)
		ms_cell_int(ms_table_cell(t, r, C_ALGBITS), g->alg_bits);
	ms_cell_str(ms_table_cell(t, r, C_TRUST), g->trust);
	ms_cell_int(ms_table_cell(t, r, C_SESS), g->sessions);
	ms_cell_int(ms_table_cell(t, r, C_IPS), g->ips);
	ms_cell_int(ms_table_cell(t, r, C_FSESS), g->fail_sessions);
	ms_cell_int(ms_table_cell(t, r, C_FAIL), g->failures);
	ms_cell_int(ms_table_cell(t, r, C_OKSESS), g->ok_sessions);
	ms_cell_time(ms_table_cell(t, r, C_FIRST), g->first);
	ms_cell_time(ms_table_cell(t, r, C_LAST), g->last);
	if (tls)
		nwhy = ms_tls_weak_reasons(g->proto, g->cipher, (int)g->bits, why, 12);
	else if (g->auth_sessions > 0) {
		/* AUTH over a connection without TLS: the password crossed in clear */
		why[0] = "plaintext AUTH";
		nwhy = 1;
	} else
		nwhy = 0;
	ms_table_cell(t, r, C_REASONS)->null = 0;
	for (int i = 0; i < nwhy; i++)
		ms_cell_list_add(ms_table_cell(t, r, C_REASONS), why[i]);
	ms_cell_bool(ms_table_cell(t, r, C_WEAK), nwhy > 0);
	return 0;
}

/* the groups that have sessions, in report order */
static int fill_table(ms_table *t, cipher_acc *a)
{
	const tls_group **rows = malloc(((size_t)a->ng + 1) * sizeof *rows);
	int n = 0, rc = 0;
	if (!rows)
		return -1;
	for (int i = 0; i < a->ng; i++)
		if (a->g[i].sessions > 0)
			rows[n++] = &a->g[i];
	qsort(rows, (size_t)n, sizeof *rows, cmp_rows);
	for (int i = 0; i < n && rc == 0; i++)
		rc = add_row(t, rows[i]);
	free(rows);
	return rc;
}

ms_table *ms_report_by_cipher(const ms_query *q, char *err, size_t errlen)
{
	cipher_acc a = { 0 };
	ms_table *t = ms_table_new(cols, C__N);
	int64_t cache;
	int rc;
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (load_groups(q, &a, err, errlen) != 0 || setup_bitmaps(q, &a, err, errlen) != 0)
		goto fail;
	cache = ms_q_cache_cap(q->db);
	rc = scan_sessions(q, &a, err, errlen);
	ms_q_cache_restore(q->db, cache);
	if (rc != 0)
		goto fail;
	count_other_ips(&a);
	if (fill_table(t, &a) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	acc_free(&a);
	return t;
fail:
	acc_free(&a);
	ms_table_free(t);
	return NULL;
}
