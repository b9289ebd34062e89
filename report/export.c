/* SPDX-License-Identifier: MIT */
/*
 * export.c - mailsleuth export: every session and auth event (and, unless
 * disabled, every finding) as Elastic Common Schema events, streamed in time
 * order from two cursors; nothing is collected in memory.  Field list and
 * ECS mapping: docs/reports.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "export.h"
#include "escape.h"
#include "findings.h"
#include "export_jw.h"

static const char *col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int isnull(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL;
}

/* "TLSv1.2" -> version "1.2", protocol "tls"; "SSLv3" -> "3.0", "ssl" */
static void tls_obj(jw *w, const char *proto, const char *cipher, sqlite3_stmt *st, int bits_col)
{
	char ver[16] = "";
	const char *vp = NULL;
	if (!proto && !cipher)
		return;
	if (proto && !strncmp(proto, "TLSv", 4)) {
		vp = "tls";
		snprintf(ver, sizeof ver, "%s", proto + 4);
	} else if (proto && !strncmp(proto, "SSLv", 4)) {
		vp = "ssl";
		snprintf(ver, sizeof ver, "%s", proto + 4);
	}
	if (vp && !strchr(ver, '.') && strlen(ver) < 8)
		strcat(ver, ".0");
	jw_open(w, "tls", '{');
	jw_bool(w, "established", 1);
	if (vp) {
		jw_str(w, "version", ver);
		jw_str(w, "version_protocol", vp);
	}
	jw_str(w, "cipher", cipher);
	jw_close(w, '}');
	(void)st;
	(void)bits_col;
}

static void process_name(char *buf, size_t cap, const char *service)
{
	snprintf(buf, cap, "%s/smtpd", service ? service : "postfix");
}

static const char *const auth_kind[] = { "unknown", "failure", "error", "aborted", "success", "ratelimit" };

static const char *sql_auth =
	"SELECT e.id, e.session_id, e.ts, e.kind, h.name, sv.s, s.pid, i.ip, cn.s, m.s, r.s, a.name,"
	" e.account_src, e.infer_gap, e.infer_candidates, e.user_unknown, e.pw_len, e.decode_truncated,"
	" t.protocol, t.cipher, t.bits, src.path, e.line, s.port"
	" FROM auth_events e LEFT JOIN sessions s ON s.id = e.session_id LEFT JOIN hosts h ON h.id = e.host_id"
	" LEFT JOIN strings sv ON sv.id = e.service_id LEFT JOIN ips i ON i.id = e.ip_id"
	" LEFT JOIN strings cn ON cn.id = s.client_name_id LEFT JOIN strings m ON m.id = e.mech_id"
	" LEFT JOIN strings r ON r.id = e.reason_id LEFT JOIN accounts a ON a.id = e.account_id"
	" LEFT JOIN tls_params t ON t.id = s.tls_id LEFT JOIN sources src ON src.id = e.source_id"
	" WHERE e.ts >= ?1 AND e.ts < ?2 ORDER BY e.ts, e.id";

/*
 * source, user, tls, host and process objects, shared by auth and session
 * events.  Columns: port_col; protocol, cipher, bits from tls_col; host name,
 * service and pid from host_col.
 */
static void ecs_parties(jw *w, sqlite3_stmt *st, const char *ip, const char *name, int port_col, const char *user,
			int tls_col, int host_col)
{
	char pname[160];
	if (ip || (name && strcmp(name, "unknown"))) {
		jw_open(w, "source", '{');
		jw_str(w, "ip", ip);
		if (name && strcmp(name, "unknown"))
			jw_str(w, "domain", name);
		if (!isnull(st, port_col))
			jw_int(w, "port", sqlite3_column_int64(st, port_col));
		jw_close(w, '}');
	}
	if (user) {
		jw_open(w, "user", '{');
		jw_str(w, "name", user);
		jw_close(w, '}');
	}
	tls_obj(w, col(st, tls_col), col(st, tls_col + 1), st, tls_col + 2);
	jw_open(w, "host", '{');
	jw_str(w, "hostname", col(st, host_col));
	jw_close(w, '}');
	jw_open(w, "process", '{');
	process_name(pname, sizeof pname, col(st, host_col + 1));
	jw_str(w, "name", pname);
	if (!isnull(st, host_col + 2))
		jw_int(w, "pid", sqlite3_column_int64(st, host_col + 2));
	jw_close(w, '}');
}

static void auth_event(jw *w, sqlite3_stmt *st)
{
	int kind = sqlite3_column_int(st, 3);
	const char *k = kind >= 1 && kind <= 5 ? auth_kind[kind] : "unknown";
	const char *outcome = kind == 1 ? "failure" : kind == 4 ? "success" : "unknown";
	const char *ip = col(st, 7), *name = col(st, 8), *user = col(st, 11);
	jw_open(w, NULL, '{');
	jw_time(w, "@timestamp", sqlite3_column_int64(st, 2));
	jw_open(w, "event", '{');
	jw_str(w, "kind", "event");
	jw_str1(w, "category", "authentication");
	jw_str1(w, "type", "start");
	jw_str(w, "action", "smtp-auth");
	jw_str(w, "outcome", outcome);
	jw_str(w, "reason", col(st, 10));
	jw_str(w, "module", "mailsleuth");
	jw_str(w, "dataset", "mailsleuth.auth");
	jw_close(w, '}');
	ecs_parties(w, st, ip, name, 23, user, 18, 4);
	jw_open(w, "related", '{');
	jw_str1(w, "ip", ip);
	jw_str1(w, "user", user);
	jw_close(w, '}');
	if (col(st, 21)) {
		jw_open(w, "log", '{');
		jw_open(w, "file", '{');
		jw_str(w, "path", col(st, 21));
		jw_close(w, '}');
		jw_close(w, '}');
	}
	jw_open(w, "mailsleuth", '{');
	jw_int(w, "auth_event_id", sqlite3_column_int64(st, 0));
	if (!isnull(st, 1))
		jw_int(w, "session_id", sqlite3_column_int64(st, 1));
	jw_str(w, "auth_result", k);
	jw_str(w, "mechanism", col(st, 9));
	if (user)
		jw_str(w, "user_source", ms_src_name(sqlite3_column_int(st, 12)));
	if (!isnull(st, 13))
		jw_int(w, "inference_gap_s", sqlite3_column_int64(st, 13));
	if (!isnull(st, 14))
		jw_int(w, "inference_candidates", sqlite3_column_int64(st, 14));
	if (sqlite3_column_int(st, 15))
		jw_bool(w, "user_unknown", 1);
	if (!isnull(st, 16) && sqlite3_column_int64(st, 16) >= 0)
		jw_int(w, "password_length", sqlite3_column_int64(st, 16));
	if (sqlite3_column_int(st, 17))
		jw_bool(w, "decode_truncated", 1);
	if (!isnull(st, 22))
		jw_int(w, "source_line", sqlite3_column_int64(st, 22));
	jw_close(w, '}');
	jw_close(w, '}');
}

static const char *sql_sess =
	"SELECT s.id, s.start_ts, s.end_ts, h.name, sv.s, s.pid, i.ip, s.port, cn.s,"
	" CASE s.state WHEN 0 THEN 'open' WHEN 1 THEN 'closed' WHEN 2 THEN 'unterminated' ELSE 'evicted' END,"
	" s.orphan, t.protocol, t.cipher, t.bits, t.trust, s.auth_failures, s.auth_errors, s.auth_aborts,"
	" s.auth_successes, a.name, s.auth_account_src, s.messages, s.rejects, er.s, src.path, s.first_line,"
	" s.last_line, mth.s"
	" FROM sessions s LEFT JOIN hosts h ON h.id = s.host_id LEFT JOIN strings sv ON sv.id = s.service_id"
	" LEFT JOIN ips i ON i.id = s.ip_id LEFT JOIN strings cn ON cn.id = s.client_name_id"
	" LEFT JOIN tls_params t ON t.id = s.tls_id LEFT JOIN accounts a ON a.id = s.auth_account_id"
	" LEFT JOIN strings er ON er.id = s.end_reason_id LEFT JOIN sources src ON src.id = s.source_id"
	" LEFT JOIN strings mth ON mth.id = s.auth_method_id"
	" WHERE s.start_ts >= ?1 AND s.start_ts < ?2 ORDER BY s.start_ts, s.id";

static const char *sql_sess_users =
	"SELECT DISTINCT a.name FROM auth_events e JOIN accounts a ON a.id = e.account_id WHERE e.session_id = ?1"
	" ORDER BY 1";

/* related.user of a session: every account its AUTH attempts named */
static void session_users(jw *w, sqlite3_stmt *su, int64_t sid, const char *user)
{
	int n = 0;
	sqlite3_reset(su);
	sqlite3_bind_int64(su, 1, sid);
	while (sqlite3_step(su) == SQLITE_ROW) {
		if (!n++)
			jw_open(w, "user", '[');
		jw_str(w, NULL, (const char *)sqlite3_column_text(su, 0));
	}
	if (n)
		jw_close(w, ']');
	else
		jw_str1(w, "user", user);
}

static void session_event(jw *w, sqlite3_stmt *st, sqlite3_stmt *su)
{
	const char *ip = col(st, 6), *name = col(st, 8), *user = col(st, 19);
	int64_t fails = sqlite3_column_int64(st, 15), oks = sqlite3_column_int64(st, 18);
	int64_t start = sqlite3_column_int64(st, 1), end = sqlite3_column_int64(st, 2);
	jw_open(w, NULL, '{');
	jw_time(w, "@timestamp", start);
	jw_open(w, "event", '{');
	jw_str(w, "kind", "event");
	jw_str1(w, "category", "network");
	jw_str1(w, "type", "connection");
	jw_str(w, "action", "smtp-session");
	jw_str(w, "outcome", oks > 0 ? "success" : fails > 0 ? "failure" : "unknown");
	jw_time(w, "start", start);
	if (!isnull(st, 2)) {
		jw_time(w, "end", end);
		if (end >= start)
			jw_int(w, "duration", (long long)(end - start) * 1000000000LL);
	}
	jw_str(w, "module", "mailsleuth");
	jw_str(w, "dataset", "mailsleuth.session");
	jw_close(w, '}');
	ecs_parties(w, st, ip, name, 7, user, 11, 3);
	jw_open(w, "related", '{');
	jw_str1(w, "ip", ip);
	session_users(w, su, sqlite3_column_int64(st, 0), user);
	jw_close(w, '}');
	if (col(st, 24)) {
		jw_open(w, "log", '{');
		jw_open(w, "file", '{');
		jw_str(w, "path", col(st, 24));
		jw_close(w, '}');
		jw_close(w, '}');
	}
	jw_open(w, "mailsleuth", '{');
	jw_int(w, "session_id", sqlite3_column_int64(st, 0));
	jw_str(w, "state", col(st, 9));
	jw_bool(w, "orphan", sqlite3_column_int(st, 10));
	if (col(st, 14))
		jw_str(w, "tls_trust", col(st, 14));
	if (!isnull(st, 13))
		jw_int(w, "tls_bits", sqlite3_column_int64(st, 13));
	jw_int(w, "auth_failures", fails);
	jw_int(w, "auth_errors", sqlite3_column_int64(st, 16));
	jw_int(w, "auth_aborts", sqlite3_column_int64(st, 17));
	jw_int(w, "auth_successes", oks);
	if (user)
		jw_str(w, "user_source", ms_src_name(sqlite3_column_int(st, 20)));
	jw_str(w, "mechanism", col(st, 27));
	jw_int(w, "messages", sqlite3_column_int64(st, 21));
	jw_int(w, "rejects", sqlite3_column_int64(st, 22));
	jw_str(w, "end_reason", col(st, 23));
	if (!isnull(st, 25))
		jw_int(w, "source_line", sqlite3_column_int64(st, 25));
	if (!isnull(st, 26))
		jw_int(w, "source_last_line", sqlite3_column_int64(st, 26));
	jw_close(w, '}');
	jw_close(w, '}');
}

int ms_export(const ms_query *q, const ms_export_opts *o, FILE *out, char *err, size_t errlen)
{
	sqlite3_stmt *sa = NULL, *ss = NULL, *su = NULL;
	int ra, rs, n = 0, ret = -1;
	jw w;
	memset(&w, 0, sizeof w);
	w.f = out;
	w.depth = 0;
	w.first[0] = 1;
	if (ms_q_prepare(q->db, sql_auth, &sa, err, errlen) || ms_q_prepare(q->db, sql_sess, &ss, err, errlen) ||
	    ms_q_prepare(q->db, sql_sess_users, &su, err, errlen))
		goto done;
	ms_q_bind_range(sa, q, 1);
	ms_q_bind_range(ss, q, 1);
	if (o->json) {
		char tb[64];
		ms_fmt_time(o->generated_at, tb, sizeof tb);
		fputs("{\"generated_at\":", out);
		ms_esc_json(out, tb, strlen(tb));
		fputs(",\"events\":[", out);
	}
	ra = sqlite3_step(sa);
	rs = o->sessions ? sqlite3_step(ss) : SQLITE_DONE;
	/* merge by time; at equal seconds the session (its connect) comes first */
	while (ra == SQLITE_ROW || rs == SQLITE_ROW) {
		int take_sess = rs == SQLITE_ROW &&
				(ra != SQLITE_ROW || sqlite3_column_int64(ss, 1) <= sqlite3_column_int64(sa, 2));
		if (o->json)
			fputs(n ? ",\n" : "\n", out);
		w.depth = 0;
		w.first[0] = 1;
		if (take_sess) {
			session_event(&w, ss, su);
			rs = sqlite3_step(ss);
		} else {
			auth_event(&w, sa);
			ra = sqlite3_step(sa);
		}
		if (!o->json)
			fputc('\n', out);
		n++;
	}
	if (ra != SQLITE_DONE || rs != SQLITE_DONE) {
		snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(q->db));
		goto done;
	}
	if (o->findings) {
		ms_findings fs;
		ms_find_opts fo;
		memset(&fs, 0, sizeof fs);
		ms_find_opts_default(&fo);
		if (ms_findings_run(q, &fo, &fs, err, errlen) != 0)
			goto done;
		for (int i = 0; i < fs.n; i++) {
			if (o->json)
				fputs(n ? ",\n" : "\n", out);
			ms_finding_ecs(&fs.v[i], out);
			if (!o->json)
				fputc('\n', out);
			n++;
		}
		ms_findings_free(&fs);
	}
	if (o->json)
		fputs(n ? "\n]}\n" : "]}\n", out);
	ret = 0;
done:
	sqlite3_finalize(sa);
	sqlite3_finalize(ss);
	sqlite3_finalize(su);
	return ret;
}
