/* SPDX-License-Identifier: MIT */
/*
 * q_account.c - report --by account, and successful logins after failures.
 *
 * Both reports read auth_events in plain scans (rowid order: no secondary
 * index is needed or assumed, since ingest may drop them) and aggregate in C
 * while the rows stream by, keeping only what a later step needs.  As single
 * SQL statements with correlated subqueries they took seconds on a 1 GB log
 * with the indexes and minutes without.  The comments say what each column
 * means in the terms of that SQL; the code reproduces it row for row (NULLs,
 * ties and order included).  Memory is kept small on purpose: first touching
 * a page costs more than the work done on it here.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "findings.h"

enum { K_FAIL = 1, K_OK = 4 };                  /* auth_events.kind: failure, success */
enum { ID_NULL = -1, ID_NOMEM = -2 };           /* col_index() besides an index */
enum { SCAN_NOMEM = -1 };                       /* a scan stopped: our allocation failed */

/* ---------- id -> dense index ---------- */

/*
 * Ids are small and dense in practice, but an event may name an id its table
 * lacks (or any integer): mapping each id seen to 0, 1, 2 ... keeps the
 * per-ip and per-account arrays small and the results exact either way.
 * Ids below DIRECT_IDS are looked up in an array indexed by id, the others
 * (none in a database mailsleuth wrote) in a hash table.
 */
enum { DIRECT_IDS = 1 << 22 };

typedef struct {
	int *direct;            /* ids 0 .. ndirect - 1: dense index + 1, 0 = not seen */
	size_t ndirect;
	int64_t *keys;          /* other ids: open addressing */
	int *vals;              /* dense index + 1, 0 = free slot */
	size_t cap;             /* a power of two, or 0 */
	int64_t *ids;           /* per dense index: its id */
	size_t ids_cap;
	int n, nhashed;
} idmap;

static void idmap_release(idmap *m)
{
	free(m->direct);
	free(m->keys);
	free(m->vals);
	free(m->ids);
	memset(m, 0, sizeof *m);
}

static int is_direct(int64_t id)
{
	return id >= 0 && id < DIRECT_IDS;
}

static size_t hash_slot(const idmap *m, int64_t id)
{
	uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ULL;
	size_t mask = m->cap - 1, i = (size_t)(h ^ (h >> 29)) & mask;
	while (m->vals[i] && m->keys[i] != id)
		i = (i + 1) & mask;
	return i;
}

static int hash_grow(idmap *m)
{
	idmap old = *m;
	size_t cap = old.cap ? old.cap * 2 : 256;
	if (cap > (size_t)1 << 31)
		return -1;
	m->keys = malloc(cap * sizeof *m->keys);
	m->vals = calloc(cap, sizeof *m->vals);
	if (!m->keys || !m->vals) {
		free(m->keys);
		free(m->vals);
		*m = old;
		return -1;
	}
	m->cap = cap;
	for (size_t i = 0; i < old.cap; i++)
		if (old.vals[i]) {
			size_t j = hash_slot(m, old.keys[i]);
			m->keys[j] = old.keys[i];
			m->vals[j] = old.vals[i];
		}
	free(old.keys);
	free(old.vals);
	return 0;
}

/* a larger direct array; calloc, so that the part no id reaches is never touched */
static int direct_grow(idmap *m, size_t id)
{
	size_t n = m->ndirect ? m->ndirect * 2 : 256;
	int *d;
	while (n <= id)
		n *= 2;
	d = calloc(n, sizeof *d);
	if (!d)
		return -1;
	if (m->ndirect)
		memcpy(d, m->direct, m->ndirect * sizeof *d);
	free(m->direct);
	m->direct = d;
	m->ndirect = n;
	return 0;
}

/* where id's dense index + 1 is kept (0: not seen yet); NULL when out of memory */
static int *idmap_cell(idmap *m, int64_t id)
{
	size_t i;
	if (is_direct(id)) {
		if ((size_t)id >= m->ndirect && direct_grow(m, (size_t)id))
			return NULL;
		return &m->direct[id];
	}
	if ((size_t)m->nhashed * 3 >= m->cap * 2 && hash_grow(m))
		return NULL;
	i = hash_slot(m, id);
	m->keys[i] = id;
	return &m->vals[i];
}

/* the dense index of id, added if new (*added set); -1 when out of memory */
static int idmap_add(idmap *m, int64_t id, int *added)
{
	int *v = idmap_cell(m, id);
	*added = 0;
	if (!v)
		return -1;
	if (*v)
		return *v - 1;
	if (m->n == INT32_MAX || ms_reserve((void **)&m->ids, (size_t)m->n, &m->ids_cap, sizeof *m->ids))
		return -1;
	m->ids[m->n] = id;
	*v = ++m->n;
	m->nhashed += !is_direct(id);
	*added = 1;
	return *v - 1;
}

/* the dense index of id, -1 if it was never added */
static int idmap_find(const idmap *m, int64_t id)
{
	if (is_direct(id))
		return (size_t)id < m->ndirect ? m->direct[id] - 1 : -1;
	return m->cap ? m->vals[hash_slot(m, id)] - 1 : -1;
}

/* ---------- helpers ---------- */

/*
 * The dense index of id in m, ID_NOMEM when out of memory.  A per-index array
 * *arr (elements of size; NULL arr: none) grows with m, each new element
 * zeroed when its index is handed out, so that no spare capacity is touched.
 */
static int index_of(idmap *m, int64_t id, void **arr, size_t *cap, size_t size)
{
	int added, k = idmap_add(m, id, &added);
	if (k < 0)
		return ID_NOMEM;
	if (added && arr) {
		if (ms_reserve(arr, (size_t)k, cap, size))
			return ID_NOMEM;
		memset((char *)*arr + (size_t)k * size, 0, size);
	}
	return k;
}

/* a row's value v through index_of(), ID_NULL for NULL */
static int col_index(sqlite3_value *v, idmap *m, void **arr, size_t *cap, size_t size)
{
	if (sqlite3_value_type(v) == SQLITE_NULL)
		return ID_NULL;
	return index_of(m, sqlite3_value_int64(v), arr, cap, size);
}

/* n zeroed elements of size (never NULL for n = 0 unless out of memory) */
static void *zalloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

/* "ts >= ?1 AND ts < ?2" with the range as ms_q_bind_range() binds it */
static int in_range(const ms_query *q, sqlite3_value *v)
{
	int64_t ts = sqlite3_value_int64(v);
	return sqlite3_value_type(v) != SQLITE_NULL && ts >= ms_q_since(q) && ts < ms_q_until(q);
}

/* ---------- names ---------- */

/* the names of the wanted ids of one idmap (accounts, ips or strings), each with its length */
typedef struct {
	char *buf;          /* all names, each NUL-terminated */
	size_t len, cap;
	size_t *off;        /* per dense index: offset into buf, or SIZE_MAX: no row in the table */
	int *nlen;
} names;

static void names_release(names *nm)
{
	free(nm->buf);
	free(nm->off);
	free(nm->nlen);
	memset(nm, 0, sizeof *nm);
}

/* the name of dense index k, NULL for ID_NULL or an id the table lacks */
static const char *name_of(const names *nm, int k)
{
	return k >= 0 && nm->off[k] != SIZE_MAX ? nm->buf + nm->off[k] : NULL;
}

/* SQLite's BINARY collation: bytes as unsigned, then the shorter first */
static int binary_cmp(const char *a, int alen, const char *b, int blen)
{
	int c = memcmp(a, b, (size_t)(alen < blen ? alen : blen));
	return c ? c : (alen > blen) - (alen < blen);
}

static int names_append(names *nm, int k, const unsigned char *s, int n)
{
	size_t need = nm->len + (size_t)n + 1;
	if (need > nm->cap) {
		size_t nc = nm->cap ? nm->cap : 4096;
		char *p;
		while (nc < need)
			nc *= 2;
		p = realloc(nm->buf, nc);
		if (!p)
			return -1;
		nm->buf = p;
		nm->cap = nc;
	}
	memcpy(nm->buf + nm->len, s, (size_t)n);
	nm->buf[nm->len + (size_t)n] = 0;
	nm->off[k] = nm->len;
	nm->nlen[k] = n;
	nm->len = need;
	return 0;
}

/* keeps column col of the current row (if not NULL) as the name of dense index k */
static int names_take(names *nm, int k, sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	return s ? names_append(nm, k, s, sqlite3_column_bytes(st, col)) : 0;
}

enum { NAME_LOOKUPS_MAX = 2000 };   /* more wanted names than this: one scan of the table is cheaper */

/* the wanted names one lookup by rowid each */
static int lookup_names(sqlite3 *db, const char *sql, const idmap *m, const unsigned char *want, names *nm,
                        char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE;
	if (ms_q_prepare(db, sql, &st, err, errlen))
		return -1;
	for (int k = 0; k < m->n && rc == SQLITE_DONE; k++) {
		if (!want[k])
			continue;
		sqlite3_bind_int64(st, 1, m->ids[k]);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			rc = names_take(nm, k, st, 0) ? SCAN_NOMEM : SQLITE_DONE;
		sqlite3_reset(st);
	}
	return ms_q_scan_end(db, st, rc, rc == SCAN_NOMEM, err, errlen);
}

/* the wanted names in one scan of the table */
static int scan_names(sqlite3 *db, const char *sql, const idmap *m, const unsigned char *want, names *nm,
                      char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;
	if (ms_q_prepare(db, sql, &st, err, errlen))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int k = idmap_find(m, sqlite3_column_int64(st, 0));
		if (k >= 0 && want[k] && names_take(nm, k, st, 1)) {
			rc = SCAN_NOMEM;
			break;
		}
	}
	return ms_q_scan_end(db, st, rc, rc == SCAN_NOMEM, err, errlen);
}

/* the names in table.col (accounts.name, ips.ip, strings.s) of the ids of m that want marks */
static int load_names(sqlite3 *db, const char *table, const char *col, const idmap *m, const unsigned char *want,
                      names *nm, char *err, size_t errlen)
{
	char sql[80];
	int nwant = 0;
	memset(nm, 0, sizeof *nm);
	nm->off = malloc((size_t)(m->n ? m->n : 1) * sizeof *nm->off);
	nm->nlen = zalloc((size_t)m->n, sizeof *nm->nlen);
	if (!nm->off || !nm->nlen) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int k = 0; k < m->n; k++) {
		nm->off[k] = SIZE_MAX;
		nwant += want[k];
	}
	if (nwant <= NAME_LOOKUPS_MAX) {
		snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE id = ?1", col, table);
		return lookup_names(db, sql, m, want, nm, err, errlen);
	}
	snprintf(sql, sizeof sql, "SELECT id, %s FROM %s", col, table);
	return scan_names(db, sql, m, want, nm, err, errlen);
}

/* ---------- report --by account ---------- */

enum { A_ACCT, A_FAIL, A_SUCC, A_NIPS, A_IPS, A_FIRSTF, A_LASTF, A_COMP, A_EXISTS, A_LEARNED, A_UNKNOWN,
       A_BACKEND, A__N };

static const ms_col acols[A__N] = {
	[A_ACCT] = { "account", "ACCOUNT", MS_COL_STR, 34, 0 },
	[A_FAIL] = { "auth_failures", "FAIL", MS_COL_INT, 0, 1 },
	[A_SUCC] = { "auth_successes", "OK", MS_COL_INT, 0, 1 },
	[A_NIPS] = { "ip_count", "IPS", MS_COL_INT, 0, 1 },
	[A_IPS] = { "top_ips", NULL, MS_COL_LIST, 0, 0 },
	[A_FIRSTF] = { "first_failure", NULL, MS_COL_TIME, 0, 0 },
	[A_LASTF] = { "last_failure", "LAST FAILURE", MS_COL_TIME, 0, 0 },
	[A_COMP] = { "compromised", "COMPROMISED", MS_COL_BOOL, 0, 0 },
	[A_EXISTS] = { "exists", NULL, MS_COL_BOOL, 0, 0 },
	[A_LEARNED] = { "learned", NULL, MS_COL_LIST, 0, 0 },
	[A_UNKNOWN] = { "backend_says_unknown", NULL, MS_COL_BOOL, 0, 0 },
	[A_BACKEND] = { "backend_failures", NULL, MS_COL_INT, 0, 0 },
};

enum { TOP_IPS = 10 };

/*
 * auth_failures counts smtpd failure lines only (SEMANTICS); plesk_saslauthd /
 * Dovecot lines that could not be joined to one are shown apart as
 * backend_failures.  compromised: `findings` (its default options) has a
 * compromise finding on the account, of any confidence: the one rule of
 * SEMANTICS "compromise" (a failure for it or for an unknown account, or
 * the address's part in an attack), not a second reading of it.
 * exists: a success for the account was ever seen (whatever the range): an
 * smtpd login, or a back end's (Dovecot's IMAP/POP "Login:").
 *
 * An account is listed if it has an in-range failure or success (kind 1 or
 * 4) or an in-range backend failure, and is a row of accounts; the list is
 * ordered by auth_failures DESC, auth_successes DESC, name.
 */
typedef struct {
	int64_t fail, ok;       /* in-range failures, successes */
	int64_t ff, lf;         /* min, max ts of those failures (when fail > 0) */
	int64_t uu;             /* max(0, user_unknown of those and of its backend failures) */
	int64_t backend;        /* attempts of in-range back-end failures (none joined to smtpd): see backend_fn() */
	int last;               /* its latest attempt with an ip: acct_report.att[last - 1], 0 = none */
	int listed;             /* any in-range failure, success or backend failure */
	int comp;               /* a compromise finding names it */
	int exists;             /* any success ever */
	unsigned learned;       /* learned_bit()s of its in-range auth and backend rows, any kind */
} acct_agg;

/* an in-range failure or success with an ip, chained to the previous one of its account */
typedef struct {
	int ip;
	int prev;               /* as acct_agg.last */
} attempt;

/* an in-range Dovecot failure of an account: its address (ip_id, null) and attempts */
typedef struct {
	int64_t ip, attempts;
	int acct, ip_null;
} dov_fail;

typedef struct {
	idmap ips, accts;
	acct_agg *agg;          /* per account */
	attempt *att;           /* for ip_count and top_ips, 8 bytes each: less than any map of (account, ip) */
	dov_fail *dov;
	size_t agg_cap, natt, att_cap, ndov, dov_cap;
	names acct_names, ip_names;
} acct_report;

static void acct_report_release(acct_report *ar)
{
	idmap_release(&ar->ips);
	idmap_release(&ar->accts);
	free(ar->agg);
	free(ar->att);
	free(ar->dov);
	names_release(&ar->acct_names);
	names_release(&ar->ip_names);
}

/*
 * The learned list came from SELECT DISTINCT account_src ... ORDER BY it,
 * each named by ms_src_name(): NULL and values below 1 sort first (named
 * "unknown"), then 1, 2, 3, then larger values ("unknown" again, which the
 * list drops as a duplicate).  One bit per position, in that order; then
 * "backend": a plesk_saslauthd, saslauthd or Dovecot line joined to no
 * smtpd failure named it (not "inferred", which is a name joined to a
 * failure by time).
 */
enum { LEARNED_POSITIONS = 5, LEARNED_BACKEND = LEARNED_POSITIONS };

static unsigned learned_bit(int is_null, int64_t src)
{
	if (is_null || src < 1)
		return 1u << 0;
	if (src > 3)
		return 1u << 4;
	return 1u << src;
}

static int add_ip_attempt(acct_report *ar, int acct, int ip)
{
	if (ar->natt == INT32_MAX || ms_reserve((void **)&ar->att, ar->natt, &ar->att_cap, sizeof *ar->att))
		return -1;
	ar->att[ar->natt++] = (attempt){ ip, ar->agg[acct].last };
	ar->agg[acct].last = (int)ar->natt;
	return 0;
}

/* an in-range failure or success (kind 1 or 4) naming an account */
static int add_attempt(acct_report *ar, sqlite3_value **v, int kind, int acct, int ip)
{
	acct_agg *g = &ar->agg[acct];
	int64_t ts = sqlite3_value_int64(v[1]), uu = sqlite3_value_int64(v[6]);
	g->listed = 1;
	if (uu > g->uu)
		g->uu = uu;
	if (kind == K_FAIL) {
		if (!g->fail || ts < g->ff)
			g->ff = ts;
		if (!g->fail || ts > g->lf)
			g->lf = ts;
		g->fail++;
	} else {
		g->ok++;
	}
	return ip < 0 ? 0 : add_ip_attempt(ar, acct, ip);
}

static const char *sql_auth_acct =
	"SELECT count(ms_row(id, ts, kind, ip_id, account_id, account_src, user_unknown)) FROM auth_events";

/* one auth_events row: what concerns its account */
static int auth_row(const ms_query *q, acct_report *ar, sqlite3_value **v)
{
	int64_t kind = sqlite3_value_int64(v[2]);
	int acct = col_index(v[4], &ar->accts, (void **)&ar->agg, &ar->agg_cap, sizeof *ar->agg);
	int ip = acct < 0 ? ID_NULL : col_index(v[3], &ar->ips, NULL, NULL, 0);
	if (ip == ID_NOMEM || acct == ID_NOMEM)
		return -1;
	if (acct < 0)
		return 0;
	if (kind == K_OK)
		ar->agg[acct].exists = 1;
	if (!in_range(q, v[1]))
		return 0;
	ar->agg[acct].learned |= learned_bit(sqlite3_value_type(v[5]) == SQLITE_NULL, sqlite3_value_int64(v[5]));
	return kind == K_FAIL || kind == K_OK ? add_attempt(ar, v, (int)kind, acct, ip) : 0;
}

/* what an account report's ms_row() needs */
typedef struct {
	const ms_query *q;
	acct_report *ar;
} acct_scan;

static void auth_fn(sqlite3_context *cx, void *user, int argc, sqlite3_value **v)
{
	acct_scan *a = user;
	(void)argc;
	if (auth_row(a->q, a->ar, v))
		sqlite3_result_error_nomem(cx);
}

static int scan_auth(const ms_query *q, acct_report *ar, char *err, size_t errlen)
{
	acct_scan a = { q, ar };
	return ms_q_scan_rows(q->db, q, sql_auth_acct, NULL, auth_fn, &a, err, errlen);
}

/*
 * compromised: the accounts of the compromise findings, found as `findings`
 * finds them (its default thresholds, every confidence), by name: the
 * findings' accounts are names of the accounts table, as the rows' are.
 */
static int comp_findings(const ms_query *q, ms_findings *f, char *err, size_t errlen)
{
	ms_find_opts o;
	ms_find_opts_default(&o);
	o.no_tls = 1; /* only the compromises are wanted */
	return ms_findings_run(q, &o, f, err, errlen);
}

static int mark_compromised(acct_report *ar, const ms_findings *f, char *err, size_t errlen)
{
	ms_strmap comp;
	int rc = 0;
	int64_t v;
	ms_strmap_init(&comp);
	for (int i = 0; i < f->n && !rc; i++)
		if (f->v[i].type == MS_F_COMPROMISE && f->v[i].account)
			rc = ms_strmap_put(&comp, f->v[i].account, strlen(f->v[i].account), 1);
	for (int k = 0; k < ar->accts.n && !rc && comp.n; k++) {
		const char *name = ar->agg[k].listed ? name_of(&ar->acct_names, k) : NULL;
		if (name)
			ar->agg[k].comp = ms_strmap_get(&comp, name, (size_t)ar->acct_names.nlen[k], &v);
	}
	if (rc)
		snprintf(err, errlen, "out of memory");
	ms_strmap_release(&comp);
	return rc;
}

/*
 * The findings take two thirds of the report's time and need nothing of its
 * scans: they run on a thread of their own with a second read-only
 * connection while this one scans.  Both see one database: this connection
 * holds its read lock (no commit can land) before the other opens.  When the
 * thread cannot run or its connection fails (SQLITE_BUSY behind a writer's
 * pending commit, which waits for this connection's lock: so it waits only
 * two seconds), the findings run here after the scans, as before.
 */
typedef struct {
	ms_query q;             /* the caller's, on the second connection */
	ms_findings f;
	int rc;
	char err[256];
} comp_job;

static void *comp_thread(void *p)
{
	comp_job *j = p;
	j->rc = comp_findings(&j->q, &j->f, j->err, sizeof j->err);
	return NULL;
}

static const char *sql_backend =
	"SELECT count(ms_row(ts, account_id, fail, user_unknown, attempts,"
	" backend_id = (SELECT id FROM strings WHERE s = 'dovecot'), ip_id)) FROM backend_events";

/*
 * backend_events: any in-range row teaches the account's name ("backend");
 * an in-range one with fail = 1 is a back-end failure (the table holds only
 * lines not joined to an smtpd failure), and its user_unknown counts for
 * backend_says_unknown.  The attempts: a plesk_saslauthd or saslauthd line
 * is one; Dovecot logs an attempt twice when auth_verbose is on, once by
 * its auth process (a row of 0 attempts) and once in its login process's
 * "auth failed, N attempts" (N), and either may be missing (a typo before a
 * login in the same connection has only the first; without auth_verbose
 * there is only the second), so an account's Dovecot attempts are the
 * larger of the two counts from each address (the attempts of two addresses
 * are not one attempt logged twice): dovecot_attempts().
 */
/* ms_row(ts, account_id, fail, user_unknown, attempts, is_dovecot, ip_id) */
static void backend_fn(sqlite3_context *cx, void *user, int argc, sqlite3_value **v)
{
	acct_scan *a = user;
	acct_report *ar = a->ar;
	int k = col_index(v[1], &ar->accts, (void **)&ar->agg, &ar->agg_cap, sizeof *ar->agg);
	acct_agg *g;
	(void)argc;
	if (k == ID_NOMEM) {
		sqlite3_result_error_nomem(cx);
		return;
	}
	if (k < 0)
		return;
	g = &ar->agg[k];
	if (sqlite3_value_int64(v[2]) == 0)
		g->exists = 1; /* a back end's login (Dovecot's IMAP/POP "Login:"), whenever */
	if (!in_range(a->q, v[0]))
		return;
	g->learned |= 1u << LEARNED_BACKEND;
	if (sqlite3_value_int64(v[2]) == 1) {
		g->listed = 1;
		int64_t n = sqlite3_value_int64(v[4]);
		if (!sqlite3_value_int64(v[5])) {
			g->backend += n;
		} else if (ms_reserve((void **)&ar->dov, ar->ndov, &ar->dov_cap, sizeof *ar->dov)) {
			sqlite3_result_error_nomem(cx);
			return;
		} else {
			ar->dov[ar->ndov++] = (dov_fail){ sqlite3_value_int64(v[6]), n, k, sqlite3_value_type(v[6]) == SQLITE_NULL };
		}
		if (sqlite3_value_int64(v[3]) > g->uu)
			g->uu = sqlite3_value_int64(v[3]);
	}
}

/* by account, then address (no address first) */
static int cmp_dov(const void *pa, const void *pb)
{
	const dov_fail *a = pa, *b = pb;
	if (a->acct != b->acct)
		return a->acct < b->acct ? -1 : 1;
	if (a->ip_null != b->ip_null)
		return a->ip_null ? -1 : 1;
	return (a->ip > b->ip) - (a->ip < b->ip);
}

/* the Dovecot attempts into backend: per (account, address), the larger of the auth
 * process's lines and the login process's attempts */
static void dovecot_attempts(acct_report *ar)
{
	if (ar->ndov > 1)
		qsort(ar->dov, ar->ndov, sizeof *ar->dov, cmp_dov);
	for (size_t i = 0, j; i < ar->ndov; i = j) {
		int64_t auth = 0, login = 0;
		for (j = i; j < ar->ndov && cmp_dov(&ar->dov[i], &ar->dov[j]) == 0; j++) {
			if (ar->dov[j].attempts == 0)
				auth++;
			else
				login += ar->dov[j].attempts;
		}
		ar->agg[ar->dov[i].acct].backend += auth > login ? auth : login;
	}
}

static int scan_backend(const ms_query *q, acct_report *ar, char *err, size_t errlen)
{
	acct_scan a = { q, ar };
	if (ms_q_scan_rows(q->db, q, sql_backend, NULL, backend_fn, &a, err, errlen))
		return -1;
	dovecot_attempts(ar);
	return 0;
}

/* the names of the listed accounts, and of every address an account was used from */
static int load_acct_names(const ms_query *q, acct_report *ar, char *err, size_t errlen)
{
	unsigned char *want_acct = zalloc((size_t)ar->accts.n, 1), *want_ip = zalloc((size_t)ar->ips.n, 1);
	int rc = -1;
	if (!want_acct || !want_ip) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (int k = 0; k < ar->accts.n; k++)
		want_acct[k] = (unsigned char)ar->agg[k].listed;
	for (size_t i = 0; i < ar->natt; i++)
		want_ip[ar->att[i].ip] = 1;
	if (!load_names(q->db, "accounts", "name", &ar->accts, want_acct, &ar->acct_names, err, errlen)
	    && !load_names(q->db, "ips", "ip", &ar->ips, want_ip, &ar->ip_names, err, errlen))
		rc = 0;
out:
	free(want_acct);
	free(want_ip);
	return rc;
}

/* one address of an account: ORDER BY count DESC, ip */
typedef struct {
	int64_t n;
	const char *ip;
	int len;
} ip_order;

static int cmp_ip_order(const ip_order *a, const ip_order *b)
{
	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return binary_cmp(a->ip, a->len, b->ip, b->len);
}

/* keeps the best TOP_IPS of the addresses offered, best first, in top[0 .. *n) */
static void top_offer(ip_order *top, int *n, ip_order c)
{
	int i = *n;
	if (i == TOP_IPS) {
		if (cmp_ip_order(&c, &top[TOP_IPS - 1]) >= 0)
			return;
		i--;
	} else {
		(*n)++;
	}
	for (; i > 0 && cmp_ip_order(&c, &top[i - 1]) < 0; i--)
		top[i] = top[i - 1];
	top[i] = c;
}

/* top_ips: up to TOP_IPS addresses (rows of ips) with the most attempts; ip_count: how many addresses */
typedef struct {
	ip_order ip[TOP_IPS];
	int n;
	int64_t nips;
} acct_ips;

/* per-ip scratch for ips_of(): n[ip] counts for the account stamp[ip] - 1; seen lists the ips counted */
typedef struct {
	int *stamp, *seen;
	int64_t *n;
} ip_scratch;

/* an account's addresses, from the chain of its attempts */
static void ips_of(const acct_report *ar, int acct, ip_scratch *sc, acct_ips *out)
{
	int nseen = 0;
	memset(out, 0, sizeof *out);
	for (int i = ar->agg[acct].last; i; i = ar->att[i - 1].prev) {
		int ip = ar->att[i - 1].ip;
		if (sc->stamp[ip] != acct + 1) {
			sc->stamp[ip] = acct + 1;
			sc->n[ip] = 0;
			sc->seen[nseen++] = ip;
		}
		sc->n[ip]++;
	}
	out->nips = nseen;
	for (int i = 0; i < nseen; i++) {
		int ip = sc->seen[i];
		const char *name = name_of(&ar->ip_names, ip);
		if (name)
			top_offer(out->ip, &out->n, (ip_order){ sc->n[ip], name, ar->ip_names.nlen[ip] });
	}
}

/* a listed account: ORDER BY auth_failures DESC, auth_successes DESC, name */
typedef struct {
	int64_t fail, ok;
	const char *name;
	int len, acct;
} acct_order;

static int cmp_acct_order(const void *pa, const void *pb)
{
	const acct_order *a = pa, *b = pb;
	if (a->fail != b->fail)
		return a->fail > b->fail ? -1 : 1;
	if (a->ok != b->ok)
		return a->ok > b->ok ? -1 : 1;
	return binary_cmp(a->name, a->len, b->name, b->len);
}

static void fill_acct_row(ms_table *t, int r, const acct_report *ar, const acct_order *o, const acct_ips *ips)
{
	const acct_agg *g = &ar->agg[o->acct];
	ms_cell *top = ms_table_cell(t, r, A_IPS), *learned = ms_table_cell(t, r, A_LEARNED);
	ms_cell_str(ms_table_cell(t, r, A_ACCT), o->name);
	ms_cell_int(ms_table_cell(t, r, A_FAIL), g->fail);
	ms_cell_int(ms_table_cell(t, r, A_SUCC), g->ok);
	ms_cell_int(ms_table_cell(t, r, A_NIPS), ips->nips);
	for (int i = 0; i < ips->n; i++)
		ms_cell_list_add(top, ips->ip[i].ip);
	top->null = 0;
	if (g->fail) {
		ms_cell_time(ms_table_cell(t, r, A_FIRSTF), g->ff);
		ms_cell_time(ms_table_cell(t, r, A_LASTF), g->lf);
	}
	ms_cell_bool(ms_table_cell(t, r, A_COMP), g->comp);
	ms_cell_bool(ms_table_cell(t, r, A_EXISTS), g->exists);
	/* the SQL's max() was read with sqlite3_column_int(): its low 32 bits */
	ms_cell_bool(ms_table_cell(t, r, A_UNKNOWN), (uint32_t)g->uu != 0);
	ms_cell_int(ms_table_cell(t, r, A_BACKEND), g->backend);
	for (int b = 0; b < LEARNED_POSITIONS; b++)
		if (g->learned & 1u << b)
			ms_cell_list_add(learned, ms_src_name(b));
	if (g->learned & 1u << LEARNED_BACKEND)
		ms_cell_list_add(learned, "backend");
	learned->null = 0;
}

/* the listed accounts that are rows of accounts, in order */
static ms_table *acct_table(const acct_report *ar)
{
	size_t nip = (size_t)ar->ips.n, n = 0;
	acct_order *order = zalloc((size_t)ar->accts.n, sizeof *order);
	ip_scratch sc = { zalloc(nip, sizeof *sc.stamp), zalloc(nip, sizeof *sc.seen), zalloc(nip, sizeof *sc.n) };
	ms_table *t = ms_table_new(acols, A__N);
	if (!order || !sc.stamp || !sc.seen || !sc.n || !t)
		goto fail;
	for (int k = 0; k < ar->accts.n; k++) {
		const char *name = ar->agg[k].listed ? name_of(&ar->acct_names, k) : NULL;
		if (name)
			order[n++] = (acct_order){ ar->agg[k].fail, ar->agg[k].ok, name, ar->acct_names.nlen[k], k };
	}
	qsort(order, n, sizeof *order, cmp_acct_order);
	for (size_t i = 0; i < n; i++) {
		acct_ips ips;
		int r = ms_table_add_row(t);
		if (r < 0)
			goto fail;
		ips_of(ar, order[i].acct, &sc, &ips);
		fill_acct_row(t, r, ar, &order[i], &ips);
	}
	goto out;
fail:
	ms_table_free(t);
	t = NULL;
out:
	free(order);
	free(sc.stamp);
	free(sc.seen);
	free(sc.n);
	return t;
}

ms_table *ms_report_by_account(const ms_query *q, char *err, size_t errlen)
{
	acct_report ar = { 0 };
	ms_table *t = NULL;
	comp_job j = { .q = *q, .rc = -1 };
	pthread_t th;
	int threaded = 0, scanned;
	int began = ms_q_read_begin(q->db);
	if (began >= 0 && (j.q.db = ms_q_open_sibling(q->db, 2000)) != NULL) {
		threaded = pthread_create(&th, NULL, comp_thread, &j) == 0;
		if (!threaded)
			sqlite3_close(j.q.db);
	}
	scanned = !scan_auth(q, &ar, err, errlen) && !scan_backend(q, &ar, err, errlen) &&
		  !load_acct_names(q, &ar, err, errlen);
	if (threaded) {
		pthread_join(th, NULL);
		sqlite3_close(j.q.db);
	}
	if (!scanned)
		goto out;
	if (j.rc != 0) { /* not run, or failed there: here, in the same read transaction */
		ms_findings_free(&j.f);
		if (comp_findings(q, &j.f, err, errlen))
			goto out;
	}
	if (mark_compromised(&ar, &j.f, err, errlen))
		goto out;
	t = acct_table(&ar);
	if (!t)
		snprintf(err, errlen, "out of memory");
out:
	ms_findings_free(&j.f);
	ms_q_read_end(q->db, began);
	acct_report_release(&ar);
	return t;
}

/* ---------- report --by logins ---------- */

enum { S_TIME, S_ACCT, S_IP, S_PRIOR_IP, S_PRIOR_ACCT, S_FIRST_FAIL, S_SESSION, S_MECH, S__N };

static const ms_col scols[S__N] = {
	[S_TIME] = { "time", "TIME", MS_COL_TIME, 0, 0 },
	[S_ACCT] = { "account", "ACCOUNT", MS_COL_STR, 30, 0 },
	[S_IP] = { "ip", "IP", MS_COL_STR, MS_W_ADDR, 0 },
	[S_PRIOR_IP] = { "failures_before_from_ip", "IP FAILS", MS_COL_INT, 0, 1 },
	[S_PRIOR_ACCT] = { "failures_before_on_account", "ACCT FAILS", MS_COL_INT, 0, 1 },
	[S_FIRST_FAIL] = { "first_failure", NULL, MS_COL_TIME, 0, 0 },
	[S_SESSION] = { "session_id", NULL, MS_COL_INT, 0, 0 },
	[S_MECH] = { "mechanism", NULL, MS_COL_STR, 0, 0 },
};

/*
 * One row per success s (kind 4) in range whose ip is a row of ips and had a
 * failure f before it, ordered by s.ts, then log order.  "Before" is log
 * order, as in findings: (ts, ms_log_pos()), lines of the same second in the
 * order syslog wrote them (docs/schema.md promises no order of the ids).
 * Failures are those of all time, whatever the range (and those with a
 * NULL ts compare with nothing):
 *   failures_before_from_ip     failures of s's ip before s
 *   failures_before_on_account  failures naming s's account before s (0 if s names none)
 *   first_failure               the earliest failure of s's ip
 *   session_id                  NULL shown as 0
 * The successes are read first (few) and put in that order; then the
 * failures stream by, and only those from the successes' addresses are kept.
 */
typedef struct {
	int64_t ts, pos, id, session;
	int ip, acct, mech;         /* dense indexes of login_report's maps, ID_NULL for NULL */
	int64_t prior_ip, prior_acct;
} login;

/* the earliest failure from an address, in log order */
typedef struct {
	int64_t ts, pos;
	int any;
} ip_first;

/* a failure from an address with logins */
typedef struct {
	int64_t ts, pos;
	int ip;
} ip_fail;

/* a login in a group (by account or ip), with its place in the log at hand for binary searches */
typedef struct {
	int64_t ts, pos;
	size_t login;               /* index into login_report.v */
} login_ref;

/* (ts, pos) order */
static int cmp_at(int64_t ts1, int64_t pos1, int64_t ts2, int64_t pos2)
{
	if (ts1 != ts2)
		return ts1 < ts2 ? -1 : 1;
	return (pos1 > pos2) - (pos1 < pos2);
}

typedef struct {
	idmap ips, accts, mechs;    /* of the in-range successes */
	login *v;
	size_t n, cap;
	ip_first *first;            /* per ip */
	size_t first_cap;
	ip_fail *fails;             /* the failures from those ips */
	size_t nfails, fails_cap;
	login_ref *by_acct;         /* logins grouped by account: acct_start[k] .. acct_start[k + 1] */
	size_t *acct_start;
	names ip_names, acct_names, mech_names;
} login_report;

static void login_report_release(login_report *lr)
{
	idmap_release(&lr->ips);
	idmap_release(&lr->accts);
	idmap_release(&lr->mechs);
	free(lr->v);
	free(lr->first);
	free(lr->fails);
	free(lr->by_acct);
	free(lr->acct_start);
	names_release(&lr->ip_names);
	names_release(&lr->acct_names);
	names_release(&lr->mech_names);
}

static const char *sql_successes =
	"SELECT count(ms_row(id, ts, ip_id, account_id, session_id, mech_id, source_id, line)) FROM auth_events"
	" WHERE +kind = 4";

/* the in-range successes with an ip; the unary + keeps SQLite on a plain scan whatever the indexes */
/* what the logins report's ms_row() needs */
typedef struct {
	const ms_query *q;
	login_report *lr;
} login_scan;

/* ms_row(id, ts, ip_id, account_id, session_id, mech_id, source_id, line) */
static void success_fn(sqlite3_context *cx, void *user, int argc, sqlite3_value **v)
{
	login_scan *a = user;
	login_report *lr = a->lr;
	login *l;
	(void)argc;
	if (sqlite3_value_type(v[2]) == SQLITE_NULL || !in_range(a->q, v[1]))
		return;
	if (ms_reserve((void **)&lr->v, lr->n, &lr->cap, sizeof *lr->v)) {
		sqlite3_result_error_nomem(cx);
		return;
	}
	l = &lr->v[lr->n];
	*l = (login){ sqlite3_value_int64(v[1]), ms_log_pos(v[6], v[7]), sqlite3_value_int64(v[0]),
	              sqlite3_value_int64(v[4]),
	              col_index(v[2], &lr->ips, (void **)&lr->first, &lr->first_cap, sizeof *lr->first),
	              col_index(v[3], &lr->accts, NULL, NULL, 0), col_index(v[5], &lr->mechs, NULL, NULL, 0), 0, 0 };
	if (l->ip == ID_NOMEM || l->acct == ID_NOMEM || l->mech == ID_NOMEM) {
		sqlite3_result_error_nomem(cx);
		return;
	}
	lr->n++;
}

static int scan_successes(const ms_query *q, login_report *lr, char *err, size_t errlen)
{
	login_scan a = { q, lr };
	return ms_q_scan_rows(q->db, q, sql_successes, NULL, success_fn, &a, err, errlen);
}

/* ORDER BY s.ts, its place in the log, s.id */
static int cmp_login_time(const void *pa, const void *pb)
{
	const login *a = pa, *b = pb;
	int c = cmp_at(a->ts, a->pos, b->ts, b->pos);
	return c ? c : (a->id > b->id) - (a->id < b->id);
}

/* the scan went in rowid order, nearly always time order already: sort only if it is not */
static void order_logins(login_report *lr)
{
	for (size_t i = 1; i < lr->n; i++)
		if (cmp_login_time(&lr->v[i - 1], &lr->v[i]) > 0) {
			qsort(lr->v, lr->n, sizeof *lr->v, cmp_login_time);
			return;
		}
}

/*
 * The logins grouped by account or by ip (a counting sort, so each group
 * stays in time order); those with a NULL account are left out.  Group k is
 * refs[(*start)[k] .. (*start)[k + 1]).  NULL when out of memory.
 */
static login_ref *group_logins(const login_report *lr, int by_ip, size_t **start)
{
	size_t nk = (size_t)(by_ip ? lr->ips.n : lr->accts.n), *pos = zalloc(nk, sizeof *pos);
	login_ref *refs = zalloc(lr->n, sizeof *refs);
	*start = zalloc(nk + 1, sizeof **start);
	if (!pos || !refs || !*start) {
		free(pos);
		free(refs);
		free(*start);
		*start = NULL;
		return NULL;
	}
	for (size_t i = 0; i < lr->n; i++) {
		int k = by_ip ? lr->v[i].ip : lr->v[i].acct;
		if (k >= 0)
			(*start)[k + 1]++;
	}
	for (size_t k = 0; k < nk; k++)
		(*start)[k + 1] += (*start)[k];
	memcpy(pos, *start, nk * sizeof *pos);
	for (size_t i = 0; i < lr->n; i++) {
		int k = by_ip ? lr->v[i].ip : lr->v[i].acct;
		if (k >= 0)
			refs[pos[k]++] = (login_ref){ lr->v[i].ts, lr->v[i].pos, i };
	}
	free(pos);
	return refs;
}

/*
 * failures_before_on_account: a failure at (ts, pos) counts for the logins
 * on its account after it, a suffix of the account's logins in log order: it
 * adds one at the first of them (prior_acct is a difference array until
 * sum_prior_on_account()).
 */
static void fail_on_account(login_report *lr, int acct, int64_t ts, int64_t pos)
{
	size_t lo = lr->acct_start[acct], hi = lr->acct_start[acct + 1];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_at(lr->by_acct[mid].ts, lr->by_acct[mid].pos, ts, pos) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < lr->acct_start[acct + 1])
		lr->v[lr->by_acct[lo].login].prior_acct++;
}

static void sum_prior_on_account(login_report *lr)
{
	for (int k = 0; k < lr->accts.n; k++) {
		int64_t sum = 0;
		for (size_t i = lr->acct_start[k]; i < lr->acct_start[k + 1]; i++) {
			login *l = &lr->v[lr->by_acct[i].login];
			sum += l->prior_acct;
			l->prior_acct = sum;
		}
	}
}

static const char *sql_failures =
	"SELECT count(ms_row(id, ts, ip_id, account_id, source_id, line)) FROM auth_events WHERE +kind = 1";

/* one failure (with a ts): for the logins on its account, and kept if from one of their addresses */
static int failure_row(login_report *lr, sqlite3_value **v)
{
	int64_t ts = sqlite3_value_int64(v[1]), pos = ms_log_pos(v[4], v[5]);
	int ip = -1, acct = -1;
	if (sqlite3_value_type(v[3]) != SQLITE_NULL)
		acct = idmap_find(&lr->accts, sqlite3_value_int64(v[3]));
	if (acct >= 0)
		fail_on_account(lr, acct, ts, pos);
	if (sqlite3_value_type(v[2]) != SQLITE_NULL)
		ip = idmap_find(&lr->ips, sqlite3_value_int64(v[2]));
	if (ip < 0)
		return 0;
	if (!lr->first[ip].any || cmp_at(ts, pos, lr->first[ip].ts, lr->first[ip].pos) < 0)
		lr->first[ip] = (ip_first){ ts, pos, 1 };
	if (ms_reserve((void **)&lr->fails, lr->nfails, &lr->fails_cap, sizeof *lr->fails))
		return -1;
	lr->fails[lr->nfails++] = (ip_fail){ ts, pos, ip };
	return 0;
}

/* ms_row(id, ts, ip_id, account_id, source_id, line) */
static void failure_fn(sqlite3_context *cx, void *user, int argc, sqlite3_value **v)
{
	login_report *lr = user;
	(void)argc;
	if (sqlite3_value_type(v[1]) != SQLITE_NULL && failure_row(lr, v))
		sqlite3_result_error_nomem(cx);
}

static int scan_failures(const ms_query *q, login_report *lr, char *err, size_t errlen)
{
	if (ms_q_scan_rows(q->db, q, sql_failures, NULL, failure_fn, lr, err, errlen))
		return -1;
	sum_prior_on_account(lr);
	return 0;
}

/* keeps (in order) the logins from an address with a failure before them that is a row of ips */
static int keep_logins(const ms_query *q, login_report *lr, char *err, size_t errlen)
{
	unsigned char *want = zalloc((size_t)lr->ips.n, 1);
	size_t n = 0;
	if (!want) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < lr->n; i++)
		want[lr->v[i].ip] = 1;
	if (load_names(q->db, "ips", "ip", &lr->ips, want, &lr->ip_names, err, errlen)) {
		free(want);
		return -1;
	}
	free(want);
	for (size_t i = 0; i < lr->n; i++) {
		const login *l = &lr->v[i];
		const ip_first *f = &lr->first[l->ip];
		if (f->any && cmp_at(f->ts, f->pos, l->ts, l->pos) <= 0 && name_of(&lr->ip_names, l->ip))
			lr->v[n++] = *l;
	}
	lr->n = n;
	return 0;
}

/* the names of the logins' accounts and mechanisms (NULL stays NULL: left joins) */
static int load_login_names(const ms_query *q, login_report *lr, char *err, size_t errlen)
{
	unsigned char *want_acct = zalloc((size_t)lr->accts.n, 1), *want_mech = zalloc((size_t)lr->mechs.n, 1);
	int rc = -1;
	if (!want_acct || !want_mech) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < lr->n; i++) {
		if (lr->v[i].acct >= 0)
			want_acct[lr->v[i].acct] = 1;
		if (lr->v[i].mech >= 0)
			want_mech[lr->v[i].mech] = 1;
	}
	if (!load_names(q->db, "accounts", "name", &lr->accts, want_acct, &lr->acct_names, err, errlen)
	    && !load_names(q->db, "strings", "s", &lr->mechs, want_mech, &lr->mech_names, err, errlen))
		rc = 0;
out:
	free(want_acct);
	free(want_mech);
	return rc;
}

/* by ip, then log order */
static int cmp_ip_fail(const void *pa, const void *pb)
{
	const ip_fail *a = pa, *b = pb;
	if (a->ip != b->ip)
		return a->ip < b->ip ? -1 : 1;
	return cmp_at(a->ts, a->pos, b->ts, b->pos);
}

/* how many of f[0..n), in log order, are at or before (ts, pos): before it (a login is no failure line) */
static size_t count_before(const ip_fail *f, size_t n, int64_t ts, int64_t pos)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_at(f[mid].ts, f[mid].pos, ts, pos) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* failures_before_from_ip of every login, from the failures of its address in log order */
static int prior_from_ip(login_report *lr)
{
	size_t *start = NULL, f = 0;
	login_ref *by_ip = group_logins(lr, 1, &start);
	if (!by_ip) {
		free(start);
		return -1;
	}
	if (lr->nfails > 1)
		qsort(lr->fails, lr->nfails, sizeof *lr->fails, cmp_ip_fail);
	for (int k = 0; k < lr->ips.n; k++) {
		size_t f1;
		while (f < lr->nfails && lr->fails[f].ip < k)
			f++;
		for (f1 = f; f1 < lr->nfails && lr->fails[f1].ip == k; f1++)
			;
		for (size_t i = start[k]; i < start[k + 1]; i++) {
			login *s1 = &lr->v[by_ip[i].login];
			/* lr->fails is NULL when there are none */
			s1->prior_ip = f1 > f ? (int64_t)count_before(lr->fails + f, f1 - f, s1->ts, s1->pos) : 0;
		}
	}
	free(start);
	free(by_ip);
	return 0;
}

static void fill_login_row(ms_table *t, int r, const login_report *lr, const login *l)
{
	ms_cell_time(ms_table_cell(t, r, S_TIME), l->ts);
	ms_cell_str(ms_table_cell(t, r, S_ACCT), name_of(&lr->acct_names, l->acct));
	ms_cell_str(ms_table_cell(t, r, S_IP), name_of(&lr->ip_names, l->ip));
	ms_cell_int(ms_table_cell(t, r, S_PRIOR_IP), l->prior_ip);
	ms_cell_int(ms_table_cell(t, r, S_PRIOR_ACCT), l->prior_acct);
	ms_cell_time(ms_table_cell(t, r, S_FIRST_FAIL), lr->first[l->ip].ts);
	ms_cell_int(ms_table_cell(t, r, S_SESSION), l->session);
	ms_cell_str(ms_table_cell(t, r, S_MECH), name_of(&lr->mech_names, l->mech));
}

static ms_table *login_table(const login_report *lr)
{
	ms_table *t = ms_table_new(scols, S__N);
	if (!t)
		return NULL;
	for (size_t i = 0; i < lr->n; i++) {
		int r = ms_table_add_row(t);
		if (r < 0) {
			ms_table_free(t);
			return NULL;
		}
		fill_login_row(t, r, lr, &lr->v[i]);
	}
	return t;
}

ms_table *ms_report_success_after_failure(const ms_query *q, char *err, size_t errlen)
{
	login_report lr = { 0 };
	ms_table *t = NULL;
	if (scan_successes(q, &lr, err, errlen))
		goto out;
	order_logins(&lr);
	lr.by_acct = group_logins(&lr, 0, &lr.acct_start);
	if (!lr.by_acct) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (scan_failures(q, &lr, err, errlen) || keep_logins(q, &lr, err, errlen)
	    || load_login_names(q, &lr, err, errlen))
		goto out;
	if (prior_from_ip(&lr) || !(t = login_table(&lr)))
		snprintf(err, errlen, "out of memory");
out:
	login_report_release(&lr);
	return t;
}
