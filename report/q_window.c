/* SPDX-License-Identifier: MIT */
/*
 * q_window.c - report --by window: activity per time bucket.
 *
 * Buckets are aligned in the process time zone (--tz, else TZ):
 *  - a window that is a whole number of days starts at local midnight and
 *    steps by calendar days (mktime), so a 1d bucket across a DST change is
 *    23 or 25 hours long;
 *  - a shorter window is aligned on local wall-clock multiples of its length
 *    (floor of UTC seconds + UTC offset), so 1h buckets start at :00 local
 *    even in zones with a half-hour offset.
 * Every bucket between the first and the last one is present, empty or not.
 *
 * Both tables are read with one plain scan each (no ORDER BY, no index: the
 * secondary indexes may not exist, and a sort or an index walk with a table
 * lookup per row is slower than the scan); the rows are kept in memory since
 * the buckets depend on the span of all of them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report.h"

enum { W_START, W_END, W_SESS, W_FAIL, W_SUCC, W_AIPS, W_ACCTS, W__N };

static const ms_col cols[W__N] = {
	[W_START] = { "bucket_start", "BUCKET", MS_COL_TIME, 0, 0 },
	[W_END] = { "bucket_end", NULL, MS_COL_TIME, 0, 0 },
	[W_SESS] = { "sessions", "SESSIONS", MS_COL_INT, 0, 1 },
	[W_FAIL] = { "auth_failures", "FAILURES", MS_COL_INT, 0, 1 },
	[W_SUCC] = { "auth_successes", "SUCCESSES", MS_COL_INT, 0, 1 },
	[W_AIPS] = { "attacking_ips", "ATTACK IPS", MS_COL_INT, 0, 1 },
	[W_ACCTS] = { "targeted_accounts", "ACCOUNTS", MS_COL_INT, 0, 1 },
};

#define MAX_BUCKETS 100000

static int64_t local_offset(int64_t ts)
{
	struct tm tm;
	time_t t = (time_t)ts;
	if (!localtime_r(&t, &tm))
		return 0;
	return tm.tm_gmtoff;
}

/* a + b, held at the int64 limits (a database may hold any time) */
static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* start of the bucket holding ts */
static int64_t bucket_floor(int64_t ts, int64_t w)
{
	if (w % 86400 == 0) {
		struct tm tm;
		time_t t = (time_t)ts;
		if (!localtime_r(&t, &tm))
			return ts;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		tm.tm_isdst = -1;
		return (int64_t)mktime(&tm);
	}
	/* floor(x / w) * w, held at INT64_MIN where it would fall below */
	int64_t off = local_offset(ts), x = sat_add(ts, off), m = (x % w + w) % w;
	int64_t b = sat_add(x >= INT64_MIN + m ? x - m : INT64_MIN, -off);
	/* around an offset change the floor computed with ts's offset can land
	 * after ts (the bucket began under the other offset): step back */
	if (b > ts)
		b = sat_add(b, -w);
	return b;
}

/* start of the bucket after the one starting at b */
static int64_t bucket_next(int64_t b, int64_t w)
{
	if (w % 86400 == 0) {
		struct tm tm;
		time_t t = (time_t)b;
		if (!localtime_r(&t, &tm))
			return sat_add(b, w);
		tm.tm_mday += (int)(w / 86400);
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		tm.tm_isdst = -1;
		int64_t n = (int64_t)mktime(&tm);
		return n > b ? n : sat_add(b, w);
	}
	int64_t n = bucket_floor(sat_add(b, w), w);
	if (n <= b)
		n = bucket_floor(sat_add(b, w + w / 2), w);
	return n > b ? n : sat_add(b, w);
}

/* index of the bucket holding ts: the last start <= ts */
static int bucket_of(const int64_t *starts, int n, int64_t ts)
{
	int lo = 0, hi = n - 1;
	if (n == 0 || ts < starts[0])
		return -1;
	while (lo < hi) {
		int mid = lo + (hi - lo + 1) / 2;
		if (starts[mid] <= ts)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* distinct ids in v[0..n) (sorts v) */
static int64_t distinct(int64_t *v, size_t n)
{
	int64_t d = 0;
	qsort(v, n, sizeof *v, cmp_i64);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || v[i] != v[i - 1])
			d++;
	return d;
}

/* the range on start_ts and ts is added by ms_q_scan_rows */
static const char *sql_sess = "SELECT count(ms_row(start_ts)) FROM sessions WHERE orphan = 0";

static const char *sql_auth = "SELECT count(ms_row(ts, kind, ip_id, account_id)) FROM auth_events WHERE kind IN (1, 4)";

/* an auth_events row in the range: a failure or a success */
typedef struct {
	int64_t ts, ip, account;
	int bucket;
	unsigned char success, has_ip, has_account;
} auth_row;

/* the rows of the range, and their span */
typedef struct {
	int64_t *sess;                  /* start_ts of non-orphan sessions */
	size_t nsess, capsess;
	auth_row *auth;
	size_t nauth, capauth;
	int have;                       /* any row at all */
	int64_t lo, hi;                 /* first and last time of the rows */
} window_rows;

/* v (cap elements of size bytes) with room for n + 1; NULL when out of memory,
 * v being still valid */
static void *reserve(void *v, size_t *cap, size_t n, size_t size)
{
	size_t nc;
	void *p;
	if (n < *cap)
		return v;
	nc = *cap ? *cap * 2 : 1024;
	if (nc > SIZE_MAX / size)
		return NULL;
	p = realloc(v, nc * size);
	if (p)
		*cap = nc;
	return p;
}

static void span_add(window_rows *r, int64_t ts)
{
	if (!r->have || ts < r->lo)
		r->lo = ts;
	if (!r->have || ts > r->hi)
		r->hi = ts;
	r->have = 1;
}

/* ms_row(start_ts) */
static void sess_row(sqlite3_context *cx, void *user, int argc, sqlite3_value **v)
{
	window_rows *r = user;
	int64_t *p = reserve(r->sess, &r->capsess, r->nsess, sizeof *p);
	(void)argc;
	if (!p) {
		sqlite3_result_error_nomem(cx);
		return;
	}
	r->sess = p;
	r->sess[r->nsess++] = sqlite3_value_int64(v[0]);
	span_add(r, r->sess[r->nsess - 1]);
}

/* -1 with err set on failure */
static int load_sessions(const ms_query *q, window_rows *r, char *err, size_t errlen)
{
	return ms_q_scan_rows(q->db, q, sql_sess, "start_ts", sess_row, r, err, errlen);
}

/* ms_row(ts, kind, ip_id, account_id) */
static void auth_row_in(sqlite3_context *cx, void *user, int argc, sqlite3_value **v)
{
	window_rows *r = user;
	auth_row *p = reserve(r->auth, &r->capauth, r->nauth, sizeof *p);
	(void)argc;
	if (!p) {
		sqlite3_result_error_nomem(cx);
		return;
	}
	r->auth = p;
	p = &r->auth[r->nauth++];
	p->ts = sqlite3_value_int64(v[0]);
	p->success = sqlite3_value_int(v[1]) == 4;
	p->has_ip = sqlite3_value_type(v[2]) != SQLITE_NULL;
	p->ip = sqlite3_value_int64(v[2]);
	p->has_account = sqlite3_value_type(v[3]) != SQLITE_NULL;
	p->account = sqlite3_value_int64(v[3]);
	p->bucket = -1;
	span_add(r, p->ts);
}

static int load_auth(const ms_query *q, window_rows *r, char *err, size_t errlen)
{
	return ms_q_scan_rows(q->db, q, sql_auth, "ts", auth_row_in, r, err, errlen);
}

/* the starts of the buckets covering [lo, hi] into *starts; their number, or
 * -1 with err set (too many, or out of memory) */
static int make_buckets(int64_t lo, int64_t hi, int64_t w, int64_t **starts, char *err, size_t errlen)
{
	size_t cap = 0;
	int n = 0;
	*starts = NULL;
	for (int64_t b = bucket_floor(lo, w); b <= hi; b = bucket_next(b, w)) {
		int64_t *p;
		if (n >= MAX_BUCKETS) {
			snprintf(err, errlen, "--window: more than %d buckets of %llds; use a larger --window or a shorter --since/--until range",
				 MAX_BUCKETS, (long long)w);
			return -1;
		}
		p = reserve(*starts, &cap, (size_t)n, sizeof *p);
		if (!p) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		*starts = p;
		p[n++] = b;
	}
	return n;
}

/* one zeroed row per bucket */
static int add_rows(ms_table *t, const int64_t *starts, int n, int64_t w)
{
	for (int i = 0; i < n; i++) {
		int r = ms_table_add_row(t);
		if (r < 0)
			return -1;
		ms_cell_time(ms_table_cell(t, r, W_START), starts[i]);
		ms_cell_time(ms_table_cell(t, r, W_END), i + 1 < n ? starts[i + 1] : bucket_next(starts[i], w));
		for (int j = W_SESS; j < W__N; j++)
			ms_cell_int(ms_table_cell(t, r, j), 0);
	}
	return 0;
}

/* bucket_of, trying first the bucket of the previous row (hint): the rows
 * come mostly in time order */
static int bucket_near(const int64_t *starts, int n, int64_t ts, int hint)
{
	if (hint >= 0 && starts[hint] <= ts && (hint + 1 == n || ts < starts[hint + 1]))
		return hint;
	return bucket_of(starts, n, ts);
}

/* sessions, failures and successes per bucket; notes each auth row's bucket */
static void count_rows(ms_table *t, const int64_t *starts, int n, window_rows *r)
{
	int b = -1;
	for (size_t i = 0; i < r->nsess; i++) {
		b = bucket_near(starts, n, r->sess[i], b);
		if (b >= 0)
			ms_table_cell(t, b, W_SESS)->i++;
	}
	b = -1;
	for (size_t i = 0; i < r->nauth; i++) {
		auth_row *a = &r->auth[i];
		a->bucket = b = bucket_near(starts, n, a->ts, b);
		if (a->bucket >= 0)
			ms_table_cell(t, a->bucket, a->success ? W_SUCC : W_FAIL)->i++;
	}
}

/* the failure's ip_id (account 0) or account_id (account 1), if not NULL */
static int failure_id(const auth_row *a, int account, int64_t *id)
{
	if (a->success || a->bucket < 0 || !(account ? a->has_account : a->has_ip))
		return 0;
	*id = account ? a->account : a->ip;
	return 1;
}

/* ids spanning at most this many values are counted with a stamp per value */
#define MAX_STAMPS (1 << 24)

/*
 * Distinct ids of each bucket b, ids[first[b] .. first[b + 1]), into column
 * col.  When the ids span a small range (they are rowids of ips or accounts),
 * a stamp per id value says whether the current bucket already counted it:
 * no sort.  Otherwise each bucket's ids are sorted.
 */
static void count_buckets(ms_table *t, int col, int n, const size_t *first, int64_t *ids, int64_t lo, int64_t hi)
{
	uint64_t span = (uint64_t)hi - (uint64_t)lo;
	int *stamp = first[n] > 0 && span < MAX_STAMPS ? calloc((size_t)span + 1, sizeof *stamp) : NULL;
	for (int b = 0; b < n; b++) {
		int64_t d = 0;
		if (!stamp)
			d = distinct(ids + first[b], first[b + 1] - first[b]);
		else
			for (size_t i = first[b]; i < first[b + 1]; i++) {
				int *s = &stamp[(uint64_t)ids[i] - (uint64_t)lo];
				if (*s != b + 1) {
					*s = b + 1;
					d++;
				}
			}
		ms_table_cell(t, b, col)->i = d;
	}
	free(stamp);
}

/*
 * Distinct non-NULL ids of the failures in each bucket into column col: the
 * ids are grouped by bucket with a counting sort, then counted bucket by
 * bucket.  -1 when out of memory.
 */
static int count_distinct(ms_table *t, int col, int n, const window_rows *r, int account)
{
	size_t *first = calloc((size_t)n + 1, sizeof *first);   /* bucket b: ids[first[b] .. first[b + 1]) */
	size_t *next = malloc(((size_t)n + 1) * sizeof *next);  /* where bucket b's next id goes */
	int64_t *ids = NULL, id, lo = INT64_MAX, hi = INT64_MIN;
	int rc = -1;
	if (!first || !next)
		goto out;
	for (size_t i = 0; i < r->nauth; i++)
		if (failure_id(&r->auth[i], account, &id)) {
			if (id < lo)
				lo = id;
			if (id > hi)
				hi = id;
			first[r->auth[i].bucket + 1]++;
		}
	for (int b = 0; b < n; b++) {
		first[b + 1] += first[b];
		next[b] = first[b];
	}
	ids = malloc((first[n] ? first[n] : 1) * sizeof *ids);
	if (!ids)
		goto out;
	for (size_t i = 0; i < r->nauth; i++)
		if (failure_id(&r->auth[i], account, &id))
			ids[next[r->auth[i].bucket]++] = id;
	count_buckets(t, col, n, first, ids, lo, hi);
	rc = 0;
out:
	free(ids);
	free(next);
	free(first);
	return rc;
}

ms_table *ms_report_by_window(const ms_query *q, char *err, size_t errlen)
{
	window_rows rows = { 0 };
	ms_table *t = NULL;
	int64_t w = q->window > 0 ? q->window : 3600;
	int64_t lo, hi, *starts = NULL;
	int64_t cache = ms_q_cache_cap(q->db);
	int have, n, rc;

	rc = load_sessions(q, &rows, err, errlen) != 0 || load_auth(q, &rows, err, errlen) != 0;
	ms_q_cache_restore(q->db, cache);
	if (rc)
		goto fail;
	have = rows.have;
	lo = rows.have ? rows.lo : 0;
	hi = rows.have ? rows.hi : 0;
	/* an explicit range is shown whole */
	if (q->since > 0) {
		lo = q->since;
		have = 1;
		if (!q->until && hi < lo)
			hi = lo;
	}
	if (q->until > 0) {
		hi = q->until - 1;
		if (!have)
			lo = hi;
		have = 1;
	}
	t = ms_table_new(cols, W__N);
	if (!t)
		goto oom;
	if (!have || hi < lo)
		goto done;

	n = make_buckets(lo, hi, w, &starts, err, errlen);
	if (n < 0)
		goto fail;
	if (add_rows(t, starts, n, w) != 0)
		goto oom;
	count_rows(t, starts, n, &rows);
	if (count_distinct(t, W_AIPS, n, &rows, 0) != 0 || count_distinct(t, W_ACCTS, n, &rows, 1) != 0)
		goto oom;
done:
	free(starts);
	free(rows.sess);
	free(rows.auth);
	return t;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	free(starts);
	free(rows.sess);
	free(rows.auth);
	ms_table_free(t);
	return NULL;
}
