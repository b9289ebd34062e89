/* SPDX-License-Identifier: MIT */
/* q_account.c - report --by account, and successful logins after failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "../util/strmap.h"

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

/*
 * auth_failures counts smtpd failure lines only (SEMANTICS); plesk_saslauthd /
 * Dovecot lines that could not be joined to one are shown apart as
 * backend_failures.  compromised: a success (in range) from an address that
 * had failed before it, on this or any account (SEMANTICS "compromise").
 * exists: a success for the account was ever seen (whatever the range).
 */
static const char *sql_acct =
	"WITH e AS (SELECT * FROM auth_events WHERE account_id IS NOT NULL AND kind IN (1, 4) AND ts >= ?1 AND ts < ?2),"
	" b AS (SELECT account_id, count(*) AS n, max(user_unknown) AS uu FROM backend_events"
	"   WHERE account_id IS NOT NULL AND fail = 1 AND ts >= ?1 AND ts < ?2 AND ip_id IS NULL GROUP BY account_id),"
	" g AS (SELECT account_id, sum(kind = 1) AS fl, sum(kind = 4) AS ok, count(DISTINCT ip_id) AS nip,"
	"   min(CASE WHEN kind = 1 THEN ts END) AS ff, max(CASE WHEN kind = 1 THEN ts END) AS lf,"
	"   max(user_unknown) AS uu FROM e GROUP BY account_id),"
	" ids AS (SELECT account_id FROM g UNION SELECT account_id FROM b)"
	" SELECT ids.account_id, ac.name, coalesce(g.fl, 0), coalesce(g.ok, 0), coalesce(g.nip, 0),"
	"  g.ff, g.lf,"
	"  EXISTS (SELECT 1 FROM e s WHERE s.account_id = ids.account_id AND s.kind = 4 AND s.ip_id IS NOT NULL"
	"    AND EXISTS (SELECT 1 FROM auth_events f WHERE f.ip_id = s.ip_id AND f.kind = 1"
	"       AND (f.ts < s.ts OR (f.ts = s.ts AND f.id < s.id)))),"
	"  max(coalesce(g.uu, 0), coalesce(b.uu, 0)),"
	"  EXISTS (SELECT 1 FROM auth_events x WHERE x.account_id = ids.account_id AND x.kind = 4),"
	"  coalesce(b.n, 0)"
	" FROM ids JOIN accounts ac ON ac.id = ids.account_id LEFT JOIN g ON g.account_id = ids.account_id"
	" LEFT JOIN b ON b.account_id = ids.account_id ORDER BY 3 DESC, 4 DESC, ac.name";

static const char *sql_ips =
	"SELECT e.account_id, i.ip, count(*) FROM auth_events e JOIN ips i ON i.id = e.ip_id"
	" WHERE e.account_id IS NOT NULL AND e.kind IN (1, 4) AND e.ts >= ?1 AND e.ts < ?2"
	" GROUP BY e.account_id, i.ip ORDER BY e.account_id, 3 DESC, i.ip";

static const char *sql_learned =
	"SELECT DISTINCT account_id, account_src FROM auth_events WHERE account_id IS NOT NULL AND ts >= ?1 AND ts < ?2"
	" UNION SELECT DISTINCT account_id, 3 FROM backend_events WHERE account_id IS NOT NULL AND ts >= ?1 AND ts < ?2"
	" ORDER BY 1, 2";

ms_table *ms_report_by_account(const ms_query *q, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	ms_table *t = ms_table_new(acols, A__N);
	ms_strmap rowof;
	int *nips;
	if (!t)
		return NULL;
	ms_strmap_init(&rowof);
	if (ms_q_prepare(q->db, sql_acct, &st, err, errlen))
		goto fail;
	ms_q_bind_range(st, q, 1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int r = ms_table_add_row(t);
		char key[24];
		if (r < 0)
			break;
		snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(st, 0));
		ms_strmap_put(&rowof, key, strlen(key), r);
		ms_cell_str(ms_table_cell(t, r, A_ACCT), (const char *)sqlite3_column_text(st, 1));
		ms_cell_int(ms_table_cell(t, r, A_FAIL), sqlite3_column_int64(st, 2));
		ms_cell_int(ms_table_cell(t, r, A_SUCC), sqlite3_column_int64(st, 3));
		ms_cell_int(ms_table_cell(t, r, A_NIPS), sqlite3_column_int64(st, 4));
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			ms_cell_time(ms_table_cell(t, r, A_FIRSTF), sqlite3_column_int64(st, 5));
		if (sqlite3_column_type(st, 6) != SQLITE_NULL)
			ms_cell_time(ms_table_cell(t, r, A_LASTF), sqlite3_column_int64(st, 6));
		ms_cell_bool(ms_table_cell(t, r, A_COMP), sqlite3_column_int(st, 7));
		ms_cell_bool(ms_table_cell(t, r, A_EXISTS), sqlite3_column_int(st, 9));
		ms_cell_bool(ms_table_cell(t, r, A_UNKNOWN), sqlite3_column_int(st, 8));
		ms_cell_int(ms_table_cell(t, r, A_BACKEND), sqlite3_column_int64(st, 10));
		ms_table_cell(t, r, A_IPS)->null = 0;
		ms_table_cell(t, r, A_LEARNED)->null = 0;
	}
	sqlite3_finalize(st);
	nips = calloc((size_t)t->nrows + 1, sizeof *nips);
	if (!nips)
		goto fail;
	if (ms_q_prepare(q->db, sql_ips, &st, err, errlen)) {
		free(nips);
		goto fail;
	}
	ms_q_bind_range(st, q, 1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char key[24];
		int64_t r;
		snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(st, 0));
		if (ms_strmap_get(&rowof, key, strlen(key), &r) && nips[r] < 10) {
			ms_cell_list_add(ms_table_cell(t, (int)r, A_IPS), (const char *)sqlite3_column_text(st, 1));
			nips[r]++;
		}
	}
	sqlite3_finalize(st);
	free(nips);
	if (ms_q_prepare(q->db, sql_learned, &st, err, errlen))
		goto fail;
	ms_q_bind_range(st, q, 1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char key[24];
		int64_t r;
		snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(st, 0));
		if (ms_strmap_get(&rowof, key, strlen(key), &r))
			ms_cell_list_add(ms_table_cell(t, (int)r, A_LEARNED), ms_src_name(sqlite3_column_int(st, 1)));
	}
	sqlite3_finalize(st);
	ms_strmap_release(&rowof);
	return t;
fail:
	ms_strmap_release(&rowof);
	ms_table_free(t);
	return NULL;
}

enum { S_TIME, S_ACCT, S_IP, S_PRIOR_IP, S_PRIOR_ACCT, S_FIRST_FAIL, S_SESSION, S_MECH, S__N };

static const ms_col scols[S__N] = {
	[S_TIME] = { "time", "TIME", MS_COL_TIME, 0, 0 },
	[S_ACCT] = { "account", "ACCOUNT", MS_COL_STR, 30, 0 },
	[S_IP] = { "ip", "IP", MS_COL_STR, 39, 0 },
	[S_PRIOR_IP] = { "failures_before_from_ip", "IP FAILS", MS_COL_INT, 0, 1 },
	[S_PRIOR_ACCT] = { "failures_before_on_account", "ACCT FAILS", MS_COL_INT, 0, 1 },
	[S_FIRST_FAIL] = { "first_failure", NULL, MS_COL_TIME, 0, 0 },
	[S_SESSION] = { "session_id", NULL, MS_COL_INT, 0, 0 },
	[S_MECH] = { "mechanism", NULL, MS_COL_STR, 0, 0 },
};

static const char *sql_saf =
	"SELECT s.ts, ac.name, i.ip,"
	" (SELECT count(*) FROM auth_events f WHERE f.ip_id = s.ip_id AND f.kind = 1 AND f.ts <= s.ts AND f.id < s.id),"
	" (SELECT count(*) FROM auth_events f WHERE s.account_id IS NOT NULL AND f.account_id = s.account_id"
	"    AND f.kind = 1 AND f.ts <= s.ts),"
	" (SELECT min(ts) FROM auth_events f WHERE f.ip_id = s.ip_id AND f.kind = 1 AND f.ts <= s.ts),"
	" s.session_id, m.s"
	" FROM auth_events s JOIN ips i ON i.id = s.ip_id LEFT JOIN accounts ac ON ac.id = s.account_id"
	" LEFT JOIN strings m ON m.id = s.mech_id"
	" WHERE s.kind = 4 AND s.ts >= ?1 AND s.ts < ?2 AND EXISTS (SELECT 1 FROM auth_events f WHERE"
	"  f.kind = 1 AND f.ts <= s.ts AND f.ip_id = s.ip_id)"
	" ORDER BY s.ts, s.id";

ms_table *ms_report_success_after_failure(const ms_query *q, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	ms_table *t = ms_table_new(scols, S__N);
	if (!t)
		return NULL;
	if (ms_q_prepare(q->db, sql_saf, &st, err, errlen)) {
		ms_table_free(t);
		return NULL;
	}
	ms_q_bind_range(st, q, 1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int r = ms_table_add_row(t);
		if (r < 0)
			break;
		ms_cell_time(ms_table_cell(t, r, S_TIME), sqlite3_column_int64(st, 0));
		ms_cell_str(ms_table_cell(t, r, S_ACCT), (const char *)sqlite3_column_text(st, 1));
		ms_cell_str(ms_table_cell(t, r, S_IP), (const char *)sqlite3_column_text(st, 2));
		ms_cell_int(ms_table_cell(t, r, S_PRIOR_IP), sqlite3_column_int64(st, 3));
		ms_cell_int(ms_table_cell(t, r, S_PRIOR_ACCT), sqlite3_column_int64(st, 4));
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			ms_cell_time(ms_table_cell(t, r, S_FIRST_FAIL), sqlite3_column_int64(st, 5));
		ms_cell_int(ms_table_cell(t, r, S_SESSION), sqlite3_column_int64(st, 6));
		ms_cell_str(ms_table_cell(t, r, S_MECH), (const char *)sqlite3_column_text(st, 7));
	}
	sqlite3_finalize(st);
	return t;
}
