/* SPDX-License-Identifier: MIT */
/* q_ip.c - report --by ip: one row per client address. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "escape.h"
#include "../util/strmap.h"

enum { C_IP, C_SESS, C_FAIL, C_SUCC, C_ACCTS, C_FIRST, C_LAST, C_ERRORS, C_ORPHAN, C_REJ, C_PS,
       C_SUCCEEDED, C_ACCT_DETAIL, C_MECHS, C_PROTOS, C_CIPHERS, C_NAMES, C__N };

static const ms_col cols[C__N] = {
	[C_IP] = { "ip", "IP", MS_COL_STR, 39, 0 },
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

static const char *sql_main =
	"WITH s AS (SELECT ip_id, sum(orphan = 0) AS n, sum(orphan) AS o, min(start_ts) AS f, max(end_ts) AS l"
	"   FROM sessions WHERE ip_id IS NOT NULL AND start_ts >= ?1 AND start_ts < ?2 GROUP BY ip_id),"
	" a AS (SELECT ip_id, sum(kind = 1) AS fl, sum(kind = 4) AS ok, sum(kind = 2) AS er, min(ts) AS f, max(ts) AS l"
	"   FROM auth_events WHERE ip_id IS NOT NULL AND ts >= ?1 AND ts < ?2 GROUP BY ip_id),"
	" p AS (SELECT ip_id, count(*) AS n, min(start_ts) AS f, max(end_ts) AS l"
	"   FROM postscreen WHERE ip_id IS NOT NULL AND start_ts >= ?1 AND start_ts < ?2 GROUP BY ip_id),"
	" r AS (SELECT ip_id, count(*) AS n, min(ts) AS f, max(ts) AS l"
	"   FROM rejects WHERE ip_id IS NOT NULL AND ts >= ?1 AND ts < ?2 GROUP BY ip_id),"
	" ids AS (SELECT ip_id FROM s UNION SELECT ip_id FROM a UNION SELECT ip_id FROM p UNION SELECT ip_id FROM r)"
	" SELECT ids.ip_id, ips.ip, coalesce(s.n, 0), coalesce(a.fl, 0), coalesce(a.ok, 0),"
	"  min(coalesce(s.f, 9e18), coalesce(a.f, 9e18), coalesce(p.f, 9e18), coalesce(r.f, 9e18)),"
	"  max(coalesce(s.l, 0), coalesce(a.l, 0), coalesce(p.l, 0), coalesce(r.l, 0)),"
	"  coalesce(a.er, 0), coalesce(s.o, 0), coalesce(r.n, 0), coalesce(p.n, 0)"
	" FROM ids JOIN ips ON ips.id = ids.ip_id LEFT JOIN s ON s.ip_id = ids.ip_id"
	" LEFT JOIN a ON a.ip_id = ids.ip_id LEFT JOIN p ON p.ip_id = ids.ip_id LEFT JOIN r ON r.ip_id = ids.ip_id"
	" ORDER BY 4 DESC, 5 DESC, 3 DESC, ips.ip";

static const char *sql_accounts =
	"SELECT e.ip_id, ac.name, e.account_src, sum(e.kind = 1), sum(e.kind = 4)"
	" FROM auth_events e JOIN accounts ac ON ac.id = e.account_id"
	" WHERE e.ip_id IS NOT NULL AND e.kind IN (1, 4) AND e.ts >= ?1 AND e.ts < ?2"
	" GROUP BY e.ip_id, ac.name, e.account_src ORDER BY e.ip_id, 4 + 5 DESC, ac.name";

static const char *sql_mechs =
	"SELECT DISTINCT e.ip_id, upper(m.s) FROM auth_events e JOIN strings m ON m.id = e.mech_id"
	" WHERE e.ip_id IS NOT NULL AND e.ts >= ?1 AND e.ts < ?2 ORDER BY 1, 2";

static const char *sql_tls =
	"SELECT DISTINCT s.ip_id, t.protocol, t.cipher FROM sessions s JOIN tls_params t ON t.id = s.tls_id"
	" WHERE s.ip_id IS NOT NULL AND s.start_ts >= ?1 AND s.start_ts < ?2 ORDER BY 1, 2, 3";

static const char *sql_names =
	"SELECT DISTINCT s.ip_id, n.s FROM sessions s JOIN strings n ON n.id = s.client_name_id"
	" WHERE s.ip_id IS NOT NULL AND n.s <> 'unknown' AND s.start_ts >= ?1 AND s.start_ts < ?2 ORDER BY 1, 2";

/* detail accumulator per row */
typedef struct {
	char *buf;
	size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 256;
		while (nc < b->n + n + 1)
			nc *= 2;
		char *p = realloc(b->buf, nc);
		if (!p)
			return;
		b->buf = p;
		b->cap = nc;
	}
	memcpy(b->buf + b->n, s, n);
	b->n += n;
	b->buf[b->n] = 0;
}

static void sb_json_str(sbuf *b, const char *s)
{
	/* minimal JSON string escaping into a buffer (same rules as ms_esc_json) */
	char *m = NULL;
	size_t ml = 0;
	FILE *f = open_memstream(&m, &ml);
	if (!f)
		return;
	ms_esc_json(f, s, strlen(s));
	fclose(f);
	sb_add(b, m, ml);
	free(m);
}

ms_table *ms_report_by_ip(const ms_query *q, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	ms_table *t = ms_table_new(cols, C__N);
	ms_strmap rowof;
	sbuf *detail = NULL;
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ms_strmap_init(&rowof);
	if (ms_q_prepare(q->db, sql_main, &st, err, errlen))
		goto fail;
	ms_q_bind_range(st, q, 1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int r = ms_table_add_row(t);
		char key[24];
		if (r < 0)
			break;
		snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(st, 0));
		ms_strmap_put(&rowof, key, strlen(key), r);
		ms_cell_str(ms_table_cell(t, r, C_IP), (const char *)sqlite3_column_text(st, 1));
		ms_cell_int(ms_table_cell(t, r, C_SESS), sqlite3_column_int64(st, 2));
		ms_cell_int(ms_table_cell(t, r, C_FAIL), sqlite3_column_int64(st, 3));
		ms_cell_int(ms_table_cell(t, r, C_SUCC), sqlite3_column_int64(st, 4));
		ms_cell_bool(ms_table_cell(t, r, C_SUCCEEDED), sqlite3_column_int64(st, 4) > 0);
		int64_t f = sqlite3_column_int64(st, 5), l = sqlite3_column_int64(st, 6);
		ms_cell_time(ms_table_cell(t, r, C_FIRST), f < (int64_t)8e18 ? f : 0);
		ms_cell_time(ms_table_cell(t, r, C_LAST), l);
		ms_cell_int(ms_table_cell(t, r, C_ERRORS), sqlite3_column_int64(st, 7));
		ms_cell_int(ms_table_cell(t, r, C_ORPHAN), sqlite3_column_int64(st, 8));
		ms_cell_int(ms_table_cell(t, r, C_REJ), sqlite3_column_int64(st, 9));
		ms_cell_int(ms_table_cell(t, r, C_PS), sqlite3_column_int64(st, 10));
		ms_table_cell(t, r, C_ACCTS)->null = 0;
		ms_table_cell(t, r, C_MECHS)->null = 0;
		ms_table_cell(t, r, C_PROTOS)->null = 0;
		ms_table_cell(t, r, C_CIPHERS)->null = 0;
		ms_table_cell(t, r, C_NAMES)->null = 0;
	}
	sqlite3_finalize(st);

	detail = calloc((size_t)t->nrows + 1, sizeof *detail);
	if (!detail)
		goto fail;
	/* accounts with how each was learned */
	if (ms_q_prepare(q->db, sql_accounts, &st, err, errlen))
		goto fail;
	ms_q_bind_range(st, q, 1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char key[24], num[96];
		int64_t r;
		snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(st, 0));
		if (!ms_strmap_get(&rowof, key, strlen(key), &r))
			continue;
		const char *name = (const char *)sqlite3_column_text(st, 1);
		ms_cell_list_add(ms_table_cell(t, (int)r, C_ACCTS), name);
		sbuf *b = &detail[r];
		sb_add(b, b->n ? "," : "[", 1);
		sb_add(b, "{\"account\":", 11);
		sb_json_str(b, name);
		snprintf(num, sizeof num, ",\"learned\":\"%s\",\"failures\":%lld,\"successes\":%lld}",
			 ms_src_name(sqlite3_column_int(st, 2)), (long long)sqlite3_column_int64(st, 3),
			 (long long)sqlite3_column_int64(st, 4));
		sb_add(b, num, strlen(num));
	}
	sqlite3_finalize(st);
	for (int r = 0; r < t->nrows; r++) {
		if (detail[r].n)
			sb_add(&detail[r], "]", 1);
		ms_cell_json(ms_table_cell(t, r, C_ACCT_DETAIL), detail[r].n ? detail[r].buf : "[]");
		free(detail[r].buf);
	}
	free(detail);
	detail = NULL;

	if (ms_q_prepare(q->db, sql_mechs, &st, err, errlen))
		goto fail;
	ms_q_bind_range(st, q, 1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char key[24];
		int64_t r;
		snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(st, 0));
		if (ms_strmap_get(&rowof, key, strlen(key), &r))
			ms_cell_list_add(ms_table_cell(t, (int)r, C_MECHS), (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (ms_q_prepare(q->db, sql_tls, &st, err, errlen))
		goto fail;
	ms_q_bind_range(st, q, 1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char key[24];
		int64_t r;
		snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(st, 0));
		if (!ms_strmap_get(&rowof, key, strlen(key), &r))
			continue;
		if (sqlite3_column_text(st, 1))
			ms_cell_list_add(ms_table_cell(t, (int)r, C_PROTOS), (const char *)sqlite3_column_text(st, 1));
		if (sqlite3_column_text(st, 2))
			ms_cell_list_add(ms_table_cell(t, (int)r, C_CIPHERS), (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	if (ms_q_prepare(q->db, sql_names, &st, err, errlen))
		goto fail;
	ms_q_bind_range(st, q, 1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char key[24];
		int64_t r;
		snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(st, 0));
		if (ms_strmap_get(&rowof, key, strlen(key), &r))
			ms_cell_list_add(ms_table_cell(t, (int)r, C_NAMES), (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	ms_strmap_release(&rowof);
	return t;
fail:
	free(detail);
	ms_strmap_release(&rowof);
	ms_table_free(t);
	return NULL;
}
