/* SPDX-License-Identifier: MIT */
/* findings.c - the finding model: names, options, sorting, evidence; the auth events the detectors share. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdint.h>
#include "findings.h"

static const char *const type_names[MS_F__N] = {
	[MS_F_COMPROMISE] = "compromise",
	[MS_F_MAILBOX_ACCESS] = "mailbox_access",
	[MS_F_CREDENTIALS_IN_LOG] = "credentials_in_log",
	[MS_F_PASSWORD_SPRAY] = "password_spray",
	[MS_F_BRUTE_FORCE] = "brute_force",
	[MS_F_DISTRIBUTED] = "distributed",
	[MS_F_USER_ENUM] = "user_enum",
	[MS_F_WEAK_TLS] = "weak_tls",
};

static const char *const sev_names[] = { "info", "low", "medium", "high", "critical" };
static const char *const conf_names[] = { "low", "medium", "high" };

const char *ms_ftype_name(ms_ftype t)
{
	return (unsigned)t < MS_F__N ? type_names[t] : "unknown";
}

const char *ms_severity_name(ms_severity s)
{
	return (unsigned)s <= MS_SEV_CRITICAL ? sev_names[s] : "unknown";
}

const char *ms_confidence_name(ms_confidence c)
{
	return (unsigned)c <= MS_CONF_HIGH ? conf_names[c] : "unknown";
}

const char *ms_ftype_category(ms_ftype t)
{
	switch (t) {
	case MS_F_WEAK_TLS: return "network";
	case MS_F_CREDENTIALS_IN_LOG: return "configuration";
	default: return "authentication";
	}
}

int ms_severity_parse(const char *s, ms_severity *out)
{
	for (int i = 0; i <= MS_SEV_CRITICAL; i++)
		if (!strcasecmp(s, sev_names[i])) {
			*out = (ms_severity)i;
			return 0;
		}
	return -1;
}

int ms_ftype_parse(const char *s, ms_ftype *out)
{
	for (int i = 0; i < MS_F__N; i++)
		if (!strcasecmp(s, type_names[i])) {
			*out = (ms_ftype)i;
			return 0;
		}
	return -1;
}

void ms_find_opts_default(ms_find_opts *o)
{
	memset(o, 0, sizeof *o);
	o->bf_failures = 10;
	o->spray_accounts = 5;
	o->spray_hash_accounts = 3;
	o->dist_ips = 5;
	o->dist_ip_max = 5;
	o->enum_accounts = 5;
	o->high_failures = 10;
	o->include_low = 1;
}

ms_finding *ms_findings_add(ms_findings *f, ms_ftype type)
{
	if (f->n == f->cap) {
		int nc = f->cap ? f->cap * 2 : 32;
		ms_finding *nv = realloc(f->v, (size_t)nc * sizeof *nv);
		if (!nv)
			return NULL;
		f->v = nv;
		f->cap = nc;
	}
	ms_finding *x = &f->v[f->n++];
	memset(x, 0, sizeof *x);
	x->type = type;
	return x;
}

void ms_finding_set(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? strdup(s) : NULL;
}

static void finding_release(ms_finding *x)
{
	free(x->ip);
	free(x->account);
	free(x->detail);
	free(x->explanation);
	free(x->action);
	for (int i = 0; i < x->nev_lines; i++)
		free(x->ev_lines[i]);
}

void ms_findings_free(ms_findings *f)
{
	for (int i = 0; i < f->n; i++)
		finding_release(&f->v[i]);
	free(f->v);
	memset(f, 0, sizeof *f);
}

void ms_finding_note(ms_finding *f, int64_t event_id, int64_t session_id, const char *path, int64_t line)
{
	if (event_id >= 0 && f->nev_events < MS_F_EVIDENCE_MAX)
		f->ev_events[f->nev_events++] = event_id;
	if (session_id >= 0) {
		int dup = 0;
		for (int i = 0; i < f->nev_sessions; i++)
			dup |= f->ev_sessions[i] == session_id;
		if (!dup && f->nev_sessions < MS_F_EVIDENCE_MAX)
			f->ev_sessions[f->nev_sessions++] = session_id;
	}
	if (path && f->nev_lines < 5) {
		size_t n = strlen(path) + 24;
		char *s = malloc(n);
		if (s) {
			snprintf(s, n, "%s:%lld", path, (long long)line);
			f->ev_lines[f->nev_lines++] = s;
		}
	}
}

/* one item of a ", "-separated list into buf: in double quotes, with '"'
 * doubled, when it holds a ',' or starts with '"' (a user name can), so
 * that the list reads one way; -1 when it does not fit */
static int name_item(char *buf, size_t cap, const char *lead, const char *a)
{
	size_t o = strlen(lead);
	int q = strchr(a, ',') != NULL || a[0] == '"';
	if (o + 1 > cap)
		return -1;
	memcpy(buf, lead, o);
	if (q)
		buf[o++] = '"';
	for (const char *p = a; *p; p++) {
		if (o + 3 > cap)
			return -1;
		if (q && *p == '"')
			buf[o++] = '"';
		buf[o++] = *p;
	}
	if (q) {
		if (o + 2 > cap)
			return -1;
		buf[o++] = '"';
	}
	buf[o] = 0;
	return (int)o;
}

int ms_name_list(const char *const *names, int n, char *buf, size_t cap)
{
	size_t len = 0;
	int k = 0;
	buf[0] = 0;
	for (int i = 0; i < n; i++) {
		int w = name_item(buf + len, cap - len, k ? ", " : "", names[i] ? names[i] : "");
		if (w < 0) {
			buf[len] = 0;
			break;
		}
		len += (size_t)w;
		k++;
	}
	return k;
}

int ms_name_set_add(const char **set, int *n, int max, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(set[i], name))
			return 0;
	if (*n >= max)
		return 0;
	set[(*n)++] = name;
	return 1;
}

/*
 * Values as SQL compares an INTEGER column's value with an integer.  The
 * scans read each column once through sqlite3_column_value() (every
 * sqlite3_column_*() call costs ~60 instructions, and a row has many); the
 * connection is used from one thread, which unprotected values need.
 */
int ms_val_eq(sqlite3_value *v, int64_t n)
{
	switch (sqlite3_value_type(v)) {
	case SQLITE_INTEGER: return sqlite3_value_int64(v) == n;
	case SQLITE_FLOAT: return sqlite3_value_double(v) == (double)n;
	default: return 0;       /* NULL, and text or blobs (never equal to a number) */
	}
}

int ms_val_gt0(sqlite3_value *v)
{
	switch (sqlite3_value_type(v)) {
	case SQLITE_NULL: return 0;
	case SQLITE_INTEGER: return sqlite3_value_int64(v) > 0;
	case SQLITE_FLOAT: return sqlite3_value_double(v) > 0;
	default: return 1;       /* text and blobs sort after every number */
	}
}

/*
 * An id column being read into int32 indexes: ids in [0, INT32_MAX) are
 * stored as they are (a database mailsleuth writes has only those, dense);
 * others wait in a side list until ids_finish() gives every id its rank.
 */
typedef struct {
	int64_t *val;
	int *row;
	int n, cap;
	int32_t max;
} id_col;

static int id_put(id_col *c, int32_t *arr, int row, sqlite3_value *val)
{
	if (sqlite3_value_type(val) == SQLITE_NULL) {
		arr[row] = -1;
		return 0;
	}
	int64_t v = sqlite3_value_int64(val);
	if (v >= 0 && v < INT32_MAX) {
		arr[row] = (int32_t)v;
		if ((int32_t)v > c->max)
			c->max = (int32_t)v;
		return 0;
	}
	if (c->n == c->cap) {
		int nc = c->cap ? c->cap * 2 : 64;
		int64_t *nv = realloc(c->val, (size_t)nc * sizeof *nv);
		if (!nv)
			return -1;
		c->val = nv;
		int *nr = realloc(c->row, (size_t)nc * sizeof *nr);
		if (!nr)
			return -1;
		c->row = nr;
		c->cap = nc;
	}
	c->val[c->n] = v;
	c->row[c->n++] = row;
	arr[row] = -2;
	return 0;
}

int ms_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int ms_lower_bound_i64(const int64_t *v, int n, int64_t x)
{
	int lo = 0, hi = n;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Indexes for the column: the ids themselves when they are small and dense
 * enough for arrays indexed by them, else the rank of each among the
 * distinct ids (sorted, so index order is still id order).
 */
static int ids_finish(id_col *c, int32_t *arr, int n, ms_fkeys *k)
{
	memset(k, 0, sizeof *k);
	if (c->n == 0 && (int64_t)c->max < 4 * (int64_t)n + 65536) {
		k->n = c->max + 1;
		return 0;
	}
	int64_t m = c->n;
	for (int i = 0; i < n; i++)
		m += arr[i] >= 0;
	int64_t *v = malloc((size_t)(m ? m : 1) * sizeof *v);
	if (!v)
		return -1;
	m = 0;
	for (int i = 0; i < n; i++)
		if (arr[i] >= 0)
			v[m++] = arr[i];
	for (int i = 0; i < c->n; i++)
		v[m++] = c->val[i];
	qsort(v, (size_t)m, sizeof *v, ms_cmp_i64);
	int u = 0;
	for (int64_t i = 0; i < m; i++)
		if (u == 0 || v[i] != v[u - 1])
			v[u++] = v[i];
	for (int i = 0; i < n; i++)
		if (arr[i] >= 0)
			arr[i] = ms_lower_bound_i64(v, u, arr[i]);
	for (int i = 0; i < c->n; i++)
		arr[c->row[i]] = ms_lower_bound_i64(v, u, c->val[i]);
	k->key = v;
	k->n = u;
	return 0;
}

int64_t ms_fkeys_id(const ms_fkeys *k, int idx)
{
	return k->key ? k->key[idx] : idx;
}

int ms_fkeys_index(const ms_fkeys *k, int64_t id)
{
	if (!k->key)
		return id >= 0 && id < k->n ? (int)id : -1;
	if (k->n == 0)
		return -1;
	int r = ms_lower_bound_i64(k->key, k->n, id);
	return r < k->n && k->key[r] == id ? r : -1;
}

/* (one min() or max() per query is a b-tree edge; both in one query scan the table) */
static const char *sql_auth_bounds = "SELECT (SELECT min(id) FROM auth_events), (SELECT max(id) FROM auth_events)";
/* the conditions the detectors test are evaluated in C (ms_val_*): as SQL expressions they cost more.
 * NOT INDEXED: a table scan, in rowid order, which is id order (id INTEGER PRIMARY KEY is the
 * rowid; an aggregate cannot ask for ORDER BY id) */
static const char *sql_auth_all =
	"SELECT count(ms_row(id, session_id, ts, ip_id, account_id, kind, account_src, user_unknown, pw_len,"
	" decode_truncated, pw_hmac, source_id, line)) FROM auth_events NOT INDEXED";

int64_t ms_log_pos(sqlite3_value *src, sqlite3_value *line)
{
	int64_t s = sqlite3_value_int64(src), l = sqlite3_value_int64(line);
	if (sqlite3_value_type(src) == SQLITE_NULL || sqlite3_value_type(line) == SQLITE_NULL)
		return 0;
	s = s < 0 ? 0 : s > (INT64_C(1) << 22) - 1 ? (INT64_C(1) << 22) - 1 : s;
	l = l < 0 ? 0 : l > (INT64_C(1) << 40) - 1 ? (INT64_C(1) << 40) - 1 : l;
	return s << 40 | l;
}

static int rows_grow(ms_fdata *d, int cap)
{
#define GROW(a) do { void *p_ = realloc(d->a, (size_t)cap * sizeof *d->a); if (!p_) return -1; d->a = p_; } while (0)
	if (d->id)
		GROW(id);
	GROW(ts);
	GROW(sess);
	GROW(ip);
	GROW(acct);
	GROW(kind);
	GROW(flag);
#undef GROW
	return 0;
}

/* a first capacity: the id span (exact for the dense ids mailsleuth writes) */
static int rows_guess(ms_fdata *d, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int cap = 4096;
	if (ms_q_prepare(d->q->db, sql_auth_bounds, &st, err, errlen))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		int64_t lo = sqlite3_column_int64(st, 0), hi = sqlite3_column_int64(st, 1);
		if (hi >= lo && hi - lo < (1 << 26))
			cap = (int)(hi - lo + 1);
	}
	sqlite3_finalize(st);
	return cap;
}

static int pw_push(ms_fdata *d, int *cap, const void *hmac, int row)
{
	if (d->npw == *cap) {
		int nc = *cap ? *cap * 2 : 256;
		ms_fpw *nv = realloc(d->pw, (size_t)nc * sizeof *nv);
		if (!nv)
			return -1;
		d->pw = nv;
		*cap = nc;
	}
	memcpy(d->pw[d->npw].hmac, hmac, 32);
	d->pw[d->npw++].row = row;
	return 0;
}

/*
 * The ids of auth events are implicit (id0 + row) while they are dense, as
 * mailsleuth writes them: 8 bytes a row less to fault in.  The first gap
 * makes them explicit.
 */
static int ids_explicit(ms_fdata *d, int rows, int cap)
{
	d->id = malloc((size_t)cap * sizeof *d->id);
	if (!d->id)
		return -1;
	for (int i = 0; i < rows; i++)
		d->id[i] = d->id0 + i;
	return 0;
}

/* the scan's state, for its ms_row() */
typedef struct {
	ms_fdata *d;
	int cap, pwcap;
	id_col ipc, acc;
	int64_t since, until;
	int64_t *pos;           /* per row: ms_log_pos(), until group_by_ip() has used it */
} auth_scan;

/* one row of sql_auth_all (its values a) into the arrays */
static int scan_row(ms_fdata *d, sqlite3_value **a, int r, int cap, id_col *ipc, id_col *acc, int *pwcap,
		    int64_t since, int64_t until)
{
	uint8_t fl = 0;
	sqlite3_value *v;
	int64_t id = sqlite3_value_int64(a[0]);
	if (r == 0)
		d->id0 = id;
	if (!d->id && id != d->id0 + r && ids_explicit(d, r, cap))
		return -1;
	if (d->id)
		d->id[r] = id;
	v = a[1];
	d->sess[r] = sqlite3_value_int64(v);
	if (sqlite3_value_type(v) != SQLITE_NULL)
		fl |= MS_EV_SESS;
	v = a[2];
	d->ts[r] = sqlite3_value_int64(v);
	if (sqlite3_value_type(v) != SQLITE_NULL) {
		fl |= MS_EV_TS;
		if (d->ts[r] >= since && d->ts[r] < until)
			fl |= MS_EV_IN;
	}
	if (id_put(ipc, d->ip, r, a[3]) || id_put(acc, d->acct, r, a[4]))
		return -1;
	v = a[5];
	d->kind[r] = ms_val_eq(v, 1) ? 1 : ms_val_eq(v, 4) ? 4 : 0;
	if (ms_val_eq(a[6], 2))
		fl |= MS_EV_DECODED;
	if (ms_val_eq(a[7], 1))
		fl |= MS_EV_UNKNOWN;
	if (ms_val_gt0(a[8]))
		fl |= MS_EV_PW;
	d->flag[r] = fl;
	/* the attempts per_password groups (pw_hmac IS NOT NULL AND decode_truncated = 0 in the range):
	 * only values of 32 bytes were ever reported */
	if (!(fl & MS_EV_IN) || !ms_val_eq(a[9], 0))
		return 0;
	v = a[10];
	if (sqlite3_value_type(v) != SQLITE_NULL && sqlite3_value_bytes(v) == 32 &&
	    pw_push(d, pwcap, sqlite3_value_blob(v), r))
		return -1;
	return 0;
}

static void auth_scan_row(sqlite3_context *cx, void *user, int argc, sqlite3_value **v)
{
	auth_scan *a = user;
	ms_fdata *d = a->d;
	(void)argc;
	if (d->n == a->cap) {
		int64_t *np = a->cap > INT32_MAX / 2 ? NULL : realloc(a->pos, (size_t)a->cap * 2 * sizeof *np);
		if (np)
			a->pos = np;
		if (!np || rows_grow(d, a->cap * 2)) {
			sqlite3_result_error_nomem(cx);
			return;
		}
		a->cap *= 2;
	}
	if (scan_row(d, v, d->n, a->cap, &a->ipc, &a->acc, &a->pwcap, a->since, a->until)) {
		sqlite3_result_error_nomem(cx);
		return;
	}
	a->pos[d->n] = ms_log_pos(v[11], v[12]);
	d->n++;
}

static int scan_auth(ms_fdata *d, int64_t **pos, char *err, size_t errlen)
{
	auth_scan a = { .d = d, .ipc = { .max = -1 }, .acc = { .max = -1 } };
	int rc;
	a.cap = rows_guess(d, err, errlen);
	a.since = ms_q_since(d->q);
	a.until = ms_q_until(d->q);
	if (a.cap < 0)
		return -1;
	a.pos = malloc((size_t)a.cap * sizeof *a.pos);
	*pos = a.pos;
	if (!a.pos || rows_grow(d, a.cap)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = ms_q_scan_rows(d->q->db, d->q, sql_auth_all, NULL, auth_scan_row, &a, err, errlen);
	*pos = a.pos;
	if (rc == 0 && (ids_finish(&a.ipc, d->ip, d->n, &d->ips) || ids_finish(&a.acc, d->acct, d->n, &d->accts))) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	free(a.ipc.val);
	free(a.ipc.row);
	free(a.acc.val);
	free(a.acc.row);
	return rc;
}

/* an address's row in log order: (time, place in the log, id); no time last */
typedef struct {
	int64_t ts, pos;
	int32_t row;
	uint8_t no_ts;
} log_key;

static int cmp_log_key(const void *pa, const void *pb)
{
	const log_key *a = pa, *b = pb;
	if (a->no_ts != b->no_ts)
		return a->no_ts ? 1 : -1;
	if (!a->no_ts && a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (!a->no_ts && a->pos != b->pos)
		return a->pos < b->pos ? -1 : 1;
	return (a->row > b->row) - (a->row < b->row);
}

/*
 * One address's rows rows[0 .. nr) (in id order) into log order: "before"
 * in the detectors is this order (docs/semantics.md: lines of the same
 * second keep the order syslog wrote them in).  Nearly
 * every address is in that order already: checked first.
 */
static void log_order(const ms_fdata *d, const int64_t *pos, int32_t *rows, int nr, log_key *tmp)
{
	int sorted = 1;
	for (int i = 0; i < nr; i++) {
		int r = rows[i];
		tmp[i] = (log_key){ d->ts[r], pos[r], r, !(d->flag[r] & MS_EV_TS) };
		if (i && cmp_log_key(&tmp[i - 1], &tmp[i]) > 0)
			sorted = 0;
	}
	if (sorted)
		return;
	qsort(tmp, (size_t)nr, sizeof *tmp, cmp_log_key);
	for (int i = 0; i < nr; i++)
		rows[i] = tmp[i].row;
}

/* the rows of each address together (a counting sort), each address's in log order */
static int group_by_ip(ms_fdata *d, const int64_t *pos)
{
	int nip = d->ips.n;
	log_key *tmp;
	d->ip_start = calloc((size_t)nip + 2, sizeof *d->ip_start);
	d->by_ip = malloc((size_t)(d->n ? d->n : 1) * sizeof *d->by_ip);
	if (!d->ip_start || !d->by_ip)
		return -1;
	for (int r = 0; r < d->n; r++)
		if (d->ip[r] >= 0)
			d->ip_start[d->ip[r] + 2]++;
	/* counts at k + 2, so that after the sums ip_start[k + 1] is where address k's rows start ... */
	for (int k = 0; k < nip; k++) {
		if (d->ip_start[k + 2] > d->ip_max_rows)
			d->ip_max_rows = d->ip_start[k + 2];
		d->ip_start[k + 2] += d->ip_start[k + 1];
	}
	/* ... and after filling, where they end: ip_start[k] is then the start of address k */
	for (int r = 0; r < d->n; r++)
		if (d->ip[r] >= 0)
			d->by_ip[d->ip_start[d->ip[r] + 1]++] = r;
	tmp = malloc((size_t)(d->ip_max_rows ? d->ip_max_rows : 1) * sizeof *tmp);
	if (!tmp)
		return -1;
	for (int k = 0; k < nip; k++)
		log_order(d, pos, d->by_ip + d->ip_start[k], d->ip_start[k + 1] - d->ip_start[k], tmp);
	free(tmp);
	return 0;
}

/*
 * MS_EV_FOREIGN: a failure that no earlier success of the same (address,
 * account) explains, at any time: no success of ip_id and account_id
 * before it in the log (an address's rows are in log order).  Unnamed
 * accounts, no address and a NULL time are foreign.
 */
static int mark_foreign(ms_fdata *d)
{
	int na = d->accts.n ? d->accts.n : 1;
	int32_t *stamp = calloc((size_t)na, sizeof *stamp);
	if (!stamp)
		return -1;
	for (int r = 0; r < d->n; r++)
		if (d->kind[r] == 1 && d->ip[r] < 0)
			d->flag[r] |= MS_EV_FOREIGN;
	for (int k = 0; k < d->ips.n; k++) {
		const int32_t *rows = d->by_ip + d->ip_start[k];
		int nr = d->ip_start[k + 1] - d->ip_start[k];
		for (int i = 0; i < nr; i++) {
			int r = rows[i], a = d->acct[r];
			if (!(d->flag[r] & MS_EV_TS)) {
				if (d->kind[r] == 1)
					d->flag[r] |= MS_EV_FOREIGN;
			} else if (d->kind[r] == 4 && a >= 0) {
				stamp[a] = k + 1;
			} else if (d->kind[r] == 1 && (a < 0 || stamp[a] != k + 1)) {
				d->flag[r] |= MS_EV_FOREIGN;
			}
		}
	}
	free(stamp);
	return 0;
}

/* names of the account indexes, whether the accounts table has them, and
 * their logins in the range */
static int account_names(ms_fdata *d, char *err, size_t errlen)
{
	int na = d->accts.n ? d->accts.n : 1;
	if (ms_ids_load(d->q->db, "SELECT id, name FROM accounts ORDER BY id", &d->accounts, err, errlen))
		return -1;
	d->acct_name = calloc((size_t)na, sizeof *d->acct_name);
	d->acct_known = calloc((size_t)na, sizeof *d->acct_known);
	d->acct_ok = calloc((size_t)na, sizeof *d->acct_ok);
	if (!d->acct_name || !d->acct_known || !d->acct_ok) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int k = 0; k < d->accts.n; k++) {
		int t = ms_ids_find(&d->accounts, ms_fkeys_id(&d->accts, k));
		if (t >= 0) {
			d->acct_name[k] = d->accounts.text[t];
			d->acct_known[k] = 1;
		}
	}
	for (int r = 0; r < d->n; r++)
		if (d->kind[r] == 4 && d->acct[r] >= 0 && (d->flag[r] & MS_EV_IN))
			d->acct_ok[d->acct[r]]++;
	return 0;
}

void ms_fdata_free(ms_fdata *d)
{
	free(d->id);
	free(d->ts);
	free(d->sess);
	free(d->ip);
	free(d->acct);
	free(d->kind);
	free(d->flag);
	free(d->ips.key);
	free(d->accts.key);
	free(d->ip_start);
	free(d->by_ip);
	ms_ids_free(&d->accounts);
	free(d->acct_name);
	free(d->acct_known);
	free(d->acct_ok);
	free(d->pw);
	sqlite3_finalize(d->ev_line);
	sqlite3_finalize(d->ip_text);
	memset(d, 0, sizeof *d);
}

int ms_fdata_load(ms_fdata *d, const ms_query *q, char *err, size_t errlen)
{
	int64_t *pos = NULL;
	int rc;
	memset(d, 0, sizeof *d);
	d->q = q;
	if (scan_auth(d, &pos, err, errlen) || account_names(d, err, errlen) ||
	    ms_q_prepare(q->db,
			 "SELECT src.path, e.line FROM auth_events e LEFT JOIN sources src ON src.id = e.source_id"
			 " WHERE e.id = ?1", &d->ev_line, err, errlen) ||
	    ms_q_prepare(q->db, "SELECT ip FROM ips WHERE id = ?1", &d->ip_text, err, errlen)) {
		free(pos);
		return -1;
	}
	rc = group_by_ip(d, pos) || mark_foreign(d) ? -1 : 0;
	free(pos);
	if (rc)
		snprintf(err, errlen, "out of memory");
	return rc;
}

int ms_fdata_ip_text(ms_fdata *d, int64_t ip_id, char *buf, size_t cap, char *err, size_t errlen)
{
	sqlite3_reset(d->ip_text);
	sqlite3_bind_int64(d->ip_text, 1, ip_id);
	int rc = sqlite3_step(d->ip_text);
	if (rc == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(d->ip_text, 0);
		snprintf(buf, cap, "%s", s ? s : "");
		sqlite3_reset(d->ip_text);
		return 1;
	}
	sqlite3_reset(d->ip_text);
	if (rc == SQLITE_DONE)
		return 0;
	snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(d->q->db));
	return -1;
}

int ms_fdata_note(ms_fdata *d, ms_finding *f, int row, int64_t no_session, char *err, size_t errlen)
{
	const char *path = NULL;
	int64_t line = 0;
	int rc = SQLITE_DONE;
	if (f->nev_lines < 5) { /* only the first five keep their "path:line" */
		sqlite3_reset(d->ev_line);
		sqlite3_bind_int64(d->ev_line, 1, ms_fdata_id(d, row));
		rc = sqlite3_step(d->ev_line);
		if (rc == SQLITE_ROW) {
			path = (const char *)sqlite3_column_text(d->ev_line, 0);
			line = sqlite3_column_int64(d->ev_line, 1);
		}
	}
	ms_finding_note(f, ms_fdata_id(d, row), (d->flag[row] & MS_EV_SESS) ? d->sess[row] : no_session, path, line);
	sqlite3_reset(d->ev_line);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(d->q->db));
		return -1;
	}
	return 0;
}

int ms_fdata_evidence(ms_fdata *d, ms_finding *f, const ms_fev *ev, int n, char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		if (f->nev_events >= MS_F_EVIDENCE_MAX) {
			f->evidence_truncated = 1;
			break;
		}
		if (ms_fdata_note(d, f, ev[i].row, -1, err, errlen))
			return -1;
	}
	return 0;
}

static int fev_before(int64_t ts, int row, const ms_fev *b, int desc)
{
	if (ts != b->ts)
		return desc ? ts > b->ts : ts < b->ts;
	return desc ? row > b->row : row < b->row;
}

void ms_fev_keep(ms_fev *best, int *n, int k, int64_t ts, int row, int desc)
{
	if (k <= 0 || (*n == k && !fev_before(ts, row, &best[k - 1], desc)))
		return;
	int i = *n < k ? (*n)++ : k - 1; /* when full, the last one drops out */
	while (i > 0 && fev_before(ts, row, &best[i - 1], desc)) {
		best[i] = best[i - 1];
		i--;
	}
	best[i].ts = ts;
	best[i].row = row;
}

static int cmp_fev(const void *a, const void *b)
{
	const ms_fev *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

void ms_fev_sort(ms_fev *v, int n)
{
	if (n > 1)
		qsort(v, (size_t)n, sizeof *v, cmp_fev);
}

int64_t ms_count_distinct(int64_t *v, int n)
{
	int sorted = 1;
	int64_t k = 0;
	for (int i = 1; i < n && sorted; i++)
		sorted = v[i - 1] <= v[i];
	if (!sorted)
		qsort(v, (size_t)n, sizeof *v, ms_cmp_i64);
	for (int i = 0; i < n; i++)
		k += i == 0 || v[i] != v[i - 1];
	return k;
}

void ms_findings_filter(ms_findings *f, ms_severity min, unsigned types)
{
	int k = 0;
	for (int i = 0; i < f->n; i++) {
		if (f->v[i].severity >= min && (!types || (types & (1u << f->v[i].type))))
			f->v[k++] = f->v[i];
		else
			finding_release(&f->v[i]);
	}
	f->n = k;
}

static int cmp_finding(const void *a, const void *b)
{
	const ms_finding *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->confidence != y->confidence)
		return x->confidence > y->confidence ? -1 : 1;
	int64_t sx = x->failures + x->sessions, sy = y->failures + y->sessions;
	if (sx != sy)
		return sx > sy ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	int c = strcmp(x->ip ? x->ip : "", y->ip ? y->ip : "");
	if (c)
		return c;
	return strcmp(x->account ? x->account : "", y->account ? y->account : "");
}

/* a login in the range: only then can a compromise be judged */
static int any_success_in_range(const ms_fdata *d)
{
	for (int r = 0; r < d->n; r++)
		if (d->kind[r] == 4 && (d->flag[r] & MS_EV_IN))
			return 1;
	return 0;
}

/* wide: every event with a time before --until counts as in the range;
 * else back to the query's range */
static void widen_range(ms_fdata *d, int wide)
{
	int64_t since = wide ? INT64_MIN : ms_q_since(d->q), until = ms_q_until(d->q);
	for (int r = 0; r < d->n; r++) {
		uint8_t fl = d->flag[r] & (uint8_t)~MS_EV_IN;
		if ((fl & MS_EV_TS) && d->ts[r] >= since && d->ts[r] < until)
			fl |= MS_EV_IN;
		d->flag[r] = fl;
	}
}

int ms_findings_run(const ms_query *q, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	ms_fdata d;
	ms_findings before;
	memset(out, 0, sizeof *out);
	memset(&before, 0, sizeof before);
	int began = ms_q_read_begin(q->db); /* every detector sees one database */
	/* attacks first: the compromise detector consults them */
	int rc = ms_fdata_load(&d, q, err, errlen);
	if (rc == 0 && ms_find_attacks(&d, o, out, err, errlen))
		rc = -1;
	/* with --since, a login in the range is still judged by the attacks that
	 * came before it (findings.md): its address's brute force, or the
	 * distributed campaign it took part in, may have ended before --since.
	 * Those attacks, found over everything up to --until, only inform the
	 * compromise detector; they are not reported. */
	if (rc == 0 && q->since > 0 && !o->no_compromise && any_success_in_range(&d)) {
		widen_range(&d, 1);
		if (ms_find_attacks(&d, o, &before, err, errlen))
			rc = -1;
		widen_range(&d, 0);
	}
	if (rc == 0 && (ms_find_mailbox(&d, o, out, err, errlen) ||
			ms_find_compromise(&d, o, out, &before, err, errlen) ||
			(!o->no_tls && ms_find_tls(&d, o, out, err, errlen))))
		rc = -1;
	ms_findings_free(&before);
	ms_fdata_free(&d);
	ms_q_read_end(q->db, began);
	if (rc) {
		ms_findings_free(out);
		return -1;
	}
	if (out->n > 1)
		qsort(out->v, (size_t)out->n, sizeof *out->v, cmp_finding);
	return 0;
}
