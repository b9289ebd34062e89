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
 */
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

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
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
	int64_t off = local_offset(ts);
	int64_t b = floor_div(ts + off, w) * w - off;
	/* around an offset change the floor computed with ts's offset can land
	 * after ts (the bucket began under the other offset): step back */
	if (b > ts)
		b -= w;
	return b;
}

/* start of the bucket after the one starting at b */
static int64_t bucket_next(int64_t b, int64_t w)
{
	if (w % 86400 == 0) {
		struct tm tm;
		time_t t = (time_t)b;
		if (!localtime_r(&t, &tm))
			return b + w;
		tm.tm_mday += (int)(w / 86400);
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		tm.tm_isdst = -1;
		int64_t n = (int64_t)mktime(&tm);
		return n > b ? n : b + w;
	}
	int64_t n = bucket_floor(b + w, w);
	if (n <= b)
		n = bucket_floor(b + w + w / 2, w);
	return n > b ? n : b + w;
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

static const char *sql_span =
	"SELECT min(f), max(l) FROM ("
	" SELECT min(start_ts) AS f, max(start_ts) AS l FROM sessions WHERE orphan = 0 AND start_ts >= ?1 AND start_ts < ?2"
	" UNION ALL SELECT min(ts), max(ts) FROM auth_events WHERE kind IN (1, 4) AND ts >= ?1 AND ts < ?2)";

static const char *sql_sess =
	"SELECT start_ts FROM sessions WHERE orphan = 0 AND start_ts >= ?1 AND start_ts < ?2";

/* ordered by time so that the distinct sets are built one bucket at a time */
static const char *sql_auth =
	"SELECT ts, kind, ip_id, account_id FROM auth_events WHERE kind IN (1, 4) AND ts >= ?1 AND ts < ?2"
	" ORDER BY ts";

ms_table *ms_report_by_window(const ms_query *q, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	ms_table *t = NULL;
	int64_t w = q->window > 0 ? q->window : 3600;
	int64_t lo, hi, *starts = NULL, *ipv = NULL, *acv = NULL;
	size_t nip = 0, nac = 0, capip = 0, capac = 0;
	int n = 0, cur = -1, rc;

	if (ms_q_prepare(q->db, sql_span, &st, err, errlen))
		return NULL;
	ms_q_bind_range(st, q, 1);
	if (sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(q->db));
		sqlite3_finalize(st);
		return NULL;
	}
	int have = sqlite3_column_type(st, 0) != SQLITE_NULL;
	lo = sqlite3_column_int64(st, 0);
	hi = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	st = NULL;
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
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!have || hi < lo)
		return t;

	/* bucket starts */
	size_t cap = 0;
	for (int64_t b = bucket_floor(lo, w); b <= hi; b = bucket_next(b, w)) {
		if (n >= MAX_BUCKETS) {
			snprintf(err, errlen, "--window: more than %d buckets of %llds; use a larger --window or a shorter --since/--until range",
				 MAX_BUCKETS, (long long)w);
			goto fail;
		}
		if ((size_t)n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			int64_t *p = realloc(starts, nc * sizeof *p);
			if (!p)
				goto oom;
			starts = p;
			cap = nc;
		}
		starts[n++] = b;
	}
	for (int i = 0; i < n; i++) {
		int r = ms_table_add_row(t);
		if (r < 0)
			goto oom;
		ms_cell_time(ms_table_cell(t, r, W_START), starts[i]);
		ms_cell_time(ms_table_cell(t, r, W_END), i + 1 < n ? starts[i + 1] : bucket_next(starts[i], w));
		for (int j = W_SESS; j < W__N; j++)
			ms_cell_int(ms_table_cell(t, r, j), 0);
	}

	if (ms_q_prepare(q->db, sql_sess, &st, err, errlen))
		goto fail;
	ms_q_bind_range(st, q, 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int b = bucket_of(starts, n, sqlite3_column_int64(st, 0));
		if (b >= 0)
			ms_table_cell(t, b, W_SESS)->i++;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE)
		goto dberr;

	if (ms_q_prepare(q->db, sql_auth, &st, err, errlen))
		goto fail;
	ms_q_bind_range(st, q, 1);
	for (;;) {
		rc = sqlite3_step(st);
		int b = -1;
		if (rc == SQLITE_ROW)
			b = bucket_of(starts, n, sqlite3_column_int64(st, 0));
		if (cur >= 0 && (rc != SQLITE_ROW || b != cur)) {
			ms_table_cell(t, cur, W_AIPS)->i = distinct(ipv, nip);
			ms_table_cell(t, cur, W_ACCTS)->i = distinct(acv, nac);
			nip = nac = 0;
		}
		if (rc != SQLITE_ROW)
			break;
		cur = b;
		if (b < 0)
			continue;
		if (sqlite3_column_int(st, 1) == 4) {
			ms_table_cell(t, b, W_SUCC)->i++;
			continue;
		}
		ms_table_cell(t, b, W_FAIL)->i++;
		if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
			if (nip == capip) {
				size_t nc = capip ? capip * 2 : 64;
				int64_t *p = realloc(ipv, nc * sizeof *p);
				if (!p)
					goto oom;
				ipv = p;
				capip = nc;
			}
			ipv[nip++] = sqlite3_column_int64(st, 2);
		}
		if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
			if (nac == capac) {
				size_t nc = capac ? capac * 2 : 64;
				int64_t *p = realloc(acv, nc * sizeof *p);
				if (!p)
					goto oom;
				acv = p;
				capac = nc;
			}
			acv[nac++] = sqlite3_column_int64(st, 3);
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE)
		goto dberr;
	free(starts);
	free(ipv);
	free(acv);
	return t;
dberr:
	snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(q->db));
	goto fail;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	if (st)
		sqlite3_finalize(st);
	free(starts);
	free(ipv);
	free(acv);
	ms_table_free(t);
	return NULL;
}
