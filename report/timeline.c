/* SPDX-License-Identifier: MIT */
/*
 * timeline.c - mailsleuth sessions: the forensic timeline of reconstructed
 * sessions, from the database, and optionally the original log lines
 * re-read from the recorded source file (by line number; decoded
 * passwords are never printed and AUTH payloads of TLS-debug Read/Write
 * lines are redacted).
 */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "timeline.h"
#include "escape.h"
#include "../input/source.h"
#include "export_jw.h"
#include "../parser/redact.h"
#include "../parser/sha256.h"
#include "../parser/syslog.h"
#include "../parser/tracker.h"

typedef struct {
	int64_t ts;
	int order;      /* tie-break: connect 0, events 1, disconnect 2 */
	int seq;        /* then insertion order (auth, messages, rejects): qsort is not stable */
	char *text;     /* already escaped for the terminal */
} tl_ev;

typedef struct {
	tl_ev *v;
	int n, cap;
} tl_list;

static void tl_add(tl_list *l, int64_t ts, int order, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#include <stdarg.h>
static void tl_add(tl_list *l, int64_t ts, int order, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	if (l->n == l->cap) {
		int nc = l->cap ? l->cap * 2 : 16;
		tl_ev *p = realloc(l->v, (size_t)nc * sizeof *p);
		if (!p)
			return;
		l->v = p;
		l->cap = nc;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return;
	l->v[l->n].ts = ts;
	l->v[l->n].order = order;
	l->v[l->n].seq = l->n;
	l->v[l->n].text = s;
	l->n++;
}

static int tl_cmp(const void *a, const void *b)
{
	const tl_ev *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->order != y->order)
		return x->order - y->order;
	return x->seq - y->seq;
}

/* escaped copy of an attacker-chosen string for the terminal */
static const char *esc(char *buf, size_t cap, const unsigned char *s)
{
	if (!s) {
		snprintf(buf, cap, "-");
		return buf;
	}
	ms_esc_text_buf(buf, cap, (const char *)s, strlen((const char *)s));
	return buf;
}

static void fmt_local(int64_t ts, char *buf, size_t cap)
{
	struct tm tm;
	time_t t = (time_t)ts;
	if (ts <= 0 || !localtime_r(&t, &tm))
		snprintf(buf, cap, "%19s", "-");
	else
		strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

static const char *sql_sessions =
	"SELECT s.id, s.start_ts, s.end_ts, h.name, sv.s, s.pid, i.ip, cn.s, s.state, s.orphan,"
	" t.protocol, t.cipher, t.bits, t.alg_bits, t.trust, s.auth_failures, s.auth_successes, s.messages,"
	" s.rejects, er.s, ea.s, src.path, s.first_line, s.last_line, s.c_present, s.c_helo, s.c_ehlo,"
	" s.c_starttls, s.c_auth_ok, s.c_auth_total, s.c_mail, s.c_rcpt_ok, s.c_rcpt_total, s.c_data, s.c_rset,"
	" s.c_quit, s.c_unknown_total, s.c_commands_ok, s.c_commands_total, s.tls_setup, s.source_id, s.port,"
	" src.fingerprint, src.head_len"
	" FROM sessions s LEFT JOIN hosts h ON h.id = s.host_id LEFT JOIN strings sv ON sv.id = s.service_id"
	" LEFT JOIN ips i ON i.id = s.ip_id LEFT JOIN strings cn ON cn.id = s.client_name_id"
	" LEFT JOIN tls_params t ON t.id = s.tls_id LEFT JOIN strings er ON er.id = s.end_reason_id"
	" LEFT JOIN strings ea ON ea.id = s.end_after_id LEFT JOIN sources src ON src.id = s.source_id"
	" WHERE s.start_ts >= ?1 AND s.start_ts < ?2 AND ("
	"  (?3 IS NOT NULL AND i.ip = ?3) OR (?4 IS NOT NULL AND s.id = ?4)"
	/* IN (list) is evaluated once (through auth_account); an EXISTS per session took 10 s on 750 k sessions */
	"  OR (?5 IS NOT NULL AND s.id IN (SELECT e.session_id FROM auth_events e"
	"      WHERE e.account_id = (SELECT id FROM accounts WHERE name = ?5)))"
	"  OR (?5 IS NOT NULL AND s.auth_account_id = (SELECT id FROM accounts WHERE name = ?5)))"
	" ORDER BY s.start_ts, s.id LIMIT ?6";

static const char *sql_auth =
	"SELECT e.ts, e.kind, m.s, r.s, a.name, e.account_src, e.infer_gap, e.pw_len, e.pw_len_exact,"
	" e.decode_truncated, e.user_unknown, e.line"
	" FROM auth_events e LEFT JOIN strings m ON m.id = e.mech_id LEFT JOIN strings r ON r.id = e.reason_id"
	" LEFT JOIN accounts a ON a.id = e.account_id WHERE e.session_id = ?1 ORDER BY e.ts, e.id";

static const char *sql_msgs =
	"SELECT ts, queue_id, sender, nrcpt, delivered, bounced, deferred, size FROM messages"
	" WHERE session_id = ?1 ORDER BY ts, id";

static const char *sql_rejects =
	"SELECT ts, code, reason, sender, recipient FROM rejects WHERE session_id = ?1 ORDER BY ts, id";

static const char *const kind_name[] = { "?", "failed", "error", "aborted", "succeeded", "rate-limited" };

static void counters(sqlite3_stmt *st, char *buf, size_t cap)
{
	static const struct { const char *name; int ok, total; } c[] = {
		{ "helo", 25, -1 }, { "ehlo", 26, -1 }, { "starttls", 27, -1 }, { "auth", 28, 29 },
		{ "mail", 30, -1 }, { "rcpt", 31, 32 }, { "data", 33, -1 }, { "rset", 34, -1 },
		{ "quit", 35, -1 }, { "unknown", -1, 36 }, { "commands", 37, 38 },
	};
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof c / sizeof c[0] && o + 32 < cap; i++) {
		long long ok = c[i].ok >= 0 ? sqlite3_column_int64(st, c[i].ok) : 0;
		long long tot = c[i].total >= 0 ? sqlite3_column_int64(st, c[i].total) : ok;
		if (c[i].ok < 0)
			ok = 0;
		if (ok == 0 && tot == 0)
			continue;
		if (ok == tot)
			o += (size_t)snprintf(buf + o, cap - o, "%s%s=%lld", o ? " " : "", c[i].name, ok);
		else
			o += (size_t)snprintf(buf + o, cap - o, "%s%s=%lld/%lld", o ? " " : "", c[i].name, ok, tot);
	}
}

/* --- original lines --- */

/* which lines of the source belong to a session: its own smtpd's lines and
 * the lines naming its queue ids, on the session's host only (pids and queue
 * ids of other hosts in a central log are not this session's) */
typedef struct {
	ms_sv host;             /* exactly as ingest stored it ("" when the line had none) */
	ms_sv service;          /* "postfix", "postfix/submission"; empty when none */
	long pid;
	char **qids;
	int nq;
} tl_match;

/* a line's host or service against the stored one, which the tracker cut at
 * MS_TRACKER_NAME_MAX bytes */
static int name_eq(ms_sv line, ms_sv stored)
{
	if (line.n > MS_TRACKER_NAME_MAX && stored.n == MS_TRACKER_NAME_MAX)
		line.n = MS_TRACKER_NAME_MAX;
	return ms_sv_eq(line, stored);
}

static int line_wanted(const char *line, size_t n, const tl_match *m)
{
	ms_syslog sl;
	/* the header is read as ingest read it: a tag or host inside the
	 * message text (attacker-chosen) does not count */
	if (ms_syslog_parse(line, n, &sl) != MS_LINE_OK || sl.repeat_last || !name_eq(sl.host, m->host))
		return 0;
	if (ms_sv_eq_lit(sl.daemon, "smtpd") && name_eq(sl.service, m->service) && sl.pid == m->pid)
		return 1;
	for (int i = 0; i < m->nq; i++)
		if (m->qids[i] && *m->qids[i] && sl.msg.n && memmem(sl.msg.p, sl.msg.n, m->qids[i], strlen(m->qids[i])))
			return 1;
	return 0;
}

static void match_init(tl_match *m, sqlite3_stmt *ss, char **qids, int nq)
{
	m->host = ms_sv_cstr((const char *)sqlite3_column_text(ss, 3));
	m->service = ms_sv_cstr((const char *)sqlite3_column_text(ss, 4));
	m->pid = (long)sqlite3_column_int64(ss, 5);
	m->qids = qids;
	m->nq = nq;
}

/*
 * Open a source again by the path ingest recorded: a file, or a tar member
 * recorded as "ARCHIVE:MEMBER" (the archive is the first prefix before a ':'
 * that is a regular file, so names with ':' in them still work).
 */
static ms_input *open_source(const char *path, char *err, size_t errlen)
{
	ms_stream_spec spec;
	struct stat st;
	memset(&spec, 0, sizeof spec);
	spec.path = (char *)path;
	spec.mtime = spec.size = -1;
	if (stat(path, &st) != 0) {
		size_t n = strlen(path);
		char *arch = malloc(n + 1);
		for (size_t i = 1; arch && i + 1 < n; i++) {
			if (path[i] != ':')
				continue;
			memcpy(arch, path, i);
			arch[i] = '\0';
			if (stat(arch, &st) == 0 && S_ISREG(st.st_mode)) {
				spec.path = arch;
				spec.member = (char *)path + i + 1;
				ms_input *in = ms_input_open(&spec, err, errlen);
				free(arch);
				return in;
			}
		}
		free(arch);
	}
	return ms_input_open(&spec, err, errlen);
}

/*
 * Is the file at path still the one ingested: its first head_len bytes
 * (decompressed) have the recorded fingerprint?  After a rotation the name
 * holds another file, whose lines of the same pid are no evidence.
 */
static int same_source(const char *path, const char *fp, int64_t head_len, char *err, size_t errlen)
{
	char head[4096], hex[2 * MS_SHA256_LEN + 1];
	uint8_t h[MS_SHA256_LEN];
	size_t n = 0;
	if (!fp || head_len <= 0 || head_len > (int64_t)sizeof head)
		return 1; /* nothing recorded to compare with */
	ms_input *in = open_source(path, err, errlen);
	if (!in)
		return 0;
	while (n < (size_t)head_len) {
		ssize_t r = ms_input_read(in, head + n, (size_t)head_len - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	ms_input_close(in);
	ms_sha256_buf(head, n, h);
	ms_hex(h, MS_SHA256_LEN, hex);
	if (n == (size_t)head_len && !strcmp(hex, fp))
		return 1;
	snprintf(err, errlen, "the file is no longer the one ingested (its first %lld bytes differ: rotated or "
			      "rewritten since?)", (long long)head_len);
	return 0;
}

static void print_lines(FILE *f, jw *w, const char *path, const char *fp, int64_t head_len, int64_t first,
			int64_t last, const tl_match *m)
{
	char err[256], buf[65536];
	char *acc = NULL, *red = NULL;
	size_t acc_n = 0, acc_cap = 0, red_cap = 0;
	int64_t lineno = 0;
	int shown = 0, done = 0;
	/* standard input cannot be read again, and a file named "(stdin)" here
	 * is not what was read */
	ms_input *in = NULL;
	if (!strcmp(path, "(stdin)"))
		snprintf(err, sizeof err, "it was read from standard input");
	else if (same_source(path, fp, head_len, err, sizeof err))
		in = open_source(path, err, sizeof err);
	if (!in) {
		if (w) {
			jw_str(w, "lines_error", err);
			return;
		}
		fprintf(f, "  (cannot re-read the log: ");
		ms_esc_text(f, err, strlen(err));
		fputs(")\n", f);
		return;
	}
	if (w)
		jw_open(w, "lines", '[');
	while (!done) {
		ssize_t n = ms_input_read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n && !done; i++) {
			if (buf[i] != '\n') {
				if (acc_n + 1 >= acc_cap) {
					if (acc_cap >= 1 << 20)
						continue;   /* overlong: keep the first MiB */
					size_t nc = acc_cap ? acc_cap * 2 : 1024;
					char *p = realloc(acc, nc);
					if (!p)
						continue;
					acc = p;
					acc_cap = nc;
				}
				acc[acc_n++] = buf[i];
				continue;
			}
			lineno++;
			if (acc_n && acc[acc_n - 1] == '\r')
				acc_n--; /* a CRLF log's line end, as the ingest reads it */
			if (acc)
				acc[acc_n] = 0;
			if (lineno >= first && (last < first || lineno <= last) && acc && line_wanted(acc, acc_n, m)) {
				/* TLS-debug and verbose dialogue can carry credentials (redact.h) */
				if (red_cap < acc_n + 32) {
					char *p = realloc(red, acc_n + 32);
					if (!p) {
						acc_n = 0;
						continue; /* no memory for a redacted copy: the line is not shown */
					}
					red = p;
					red_cap = acc_n + 32;
				}
				size_t rn = ms_redact_line(acc, acc_n, red, red_cap);
				if (w) {
					jw_open(w, NULL, '{');
					jw_int(w, "line", lineno);
					jw_key(w, "text");
					ms_esc_json(w->f, red, rn); /* all of it: a NUL byte ends no line */
					jw_close(w, '}');
				} else {
					fprintf(f, "  %6lld| ", (long long)lineno);
					ms_esc_text_raw(f, red, rn); /* the whole line, NUL bytes too */
					fputc('\n', f);
				}
				shown++;
			}
			acc_n = 0;
			if (last >= first && lineno >= last)
				done = 1;
		}
	}
	if (w)
		jw_close(w, ']');
	else if (!shown)
		fputs("  (no line of this session found: the file changed since it was ingested?)\n", f);
	free(acc);
	free(red);
	ms_input_close(in);
}

/* ---- JSON: {"generated_at", "sessions": [{..., "events": [...], "lines": [...]}]} ---- */

static const char *sql_events =
	"SELECT e.ts, 'auth', m.s, CASE e.kind WHEN 1 THEN 'failure' WHEN 2 THEN 'error' WHEN 3 THEN 'aborted'"
	"  WHEN 4 THEN 'success' ELSE 'ratelimit' END, a.name, e.account_src, e.infer_gap, e.pw_len, e.pw_len_exact,"
	"  e.user_unknown, r.s, e.line, e.id, 0"
	" FROM auth_events e LEFT JOIN strings m ON m.id = e.mech_id LEFT JOIN strings r ON r.id = e.reason_id"
	" LEFT JOIN accounts a ON a.id = e.account_id WHERE e.session_id = ?1"
	" UNION ALL SELECT ts, 'message', queue_id, sender, nrcpt, delivered, bounced, deferred, size, NULL, NULL, line, id, 1"
	" FROM messages WHERE session_id = ?1"
	" UNION ALL SELECT ts, 'reject', code, reason, sender, recipient, NULL, NULL, NULL, NULL, NULL, line, id, 2"
	" FROM rejects WHERE session_id = ?1 ORDER BY 1, 14, 13";

static const char *txt(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static void jw_opt_int(jw *w, const char *k, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) != SQLITE_NULL)
		jw_int(w, k, sqlite3_column_int64(st, i));
}

static void jw_local_time(jw *w, const char *k, int64_t ts)
{
	char b[64];
	if (ts <= 0)
		return;
	ms_fmt_time(ts, b, sizeof b);
	jw_str(w, k, b);
}

static int timeline_json(const ms_query *q, const ms_timeline_opts *o, FILE *f, sqlite3_stmt *ss, char *err,
			 size_t errlen)
{
	sqlite3_stmt *se = NULL;
	jw w;
	int rc, n = 0;
	if (ms_q_prepare(q->db, sql_events, &se, err, errlen))
		return -1;
	jw_init(&w, f);
	jw_open(&w, NULL, '{');
	jw_local_time(&w, "generated_at", q->now);
	jw_open(&w, "sessions", '[');
	while ((rc = sqlite3_step(ss)) == SQLITE_ROW) {
		char proc[300], cb[300];
		char *qids[64];
		int nq = 0;
		int64_t sid = sqlite3_column_int64(ss, 0);
		int state = sqlite3_column_int(ss, 8);
		if (o->limit > 0 && n == o->limit) {
			n = -n - 1;     /* more matched */
			break;
		}
		n++;
		fputc('\n', f);
		jw_open(&w, NULL, '{');
		jw_int(&w, "session_id", sid);
		jw_str(&w, "ip", txt(ss, 6));
		jw_str(&w, "client_name", txt(ss, 7));
		jw_str(&w, "host", txt(ss, 3));
		snprintf(proc, sizeof proc, "%s/smtpd", txt(ss, 4) ? txt(ss, 4) : "postfix");
		jw_str(&w, "process", proc);
		jw_opt_int(&w, "pid", ss, 5);
		jw_opt_int(&w, "port", ss, 41);
		jw_local_time(&w, "start", sqlite3_column_int64(ss, 1));
		jw_local_time(&w, "end", sqlite3_column_int64(ss, 2));
		jw_str(&w, "state", state == 0 ? "open" : state == 1 ? "closed" : state == 2 ? "unterminated" : "evicted");
		jw_bool(&w, "orphan", sqlite3_column_int(ss, 9));
		if (txt(ss, 11)) {
			const char *why[12];
			int nw = ms_tls_weak_reasons(txt(ss, 10), txt(ss, 11), sqlite3_column_int(ss, 12), why, 12);
			jw_open(&w, "tls", '{');
			jw_str(&w, "protocol", txt(ss, 10));
			jw_str(&w, "cipher", txt(ss, 11));
			jw_opt_int(&w, "bits", ss, 12);
			jw_opt_int(&w, "alg_bits", ss, 13);
			jw_str(&w, "trust", txt(ss, 14));
			jw_open(&w, "weak_reasons", '[');
			for (int i = 0; i < nw; i++)
				jw_str(&w, NULL, why[i]);
			jw_close(&w, ']');
			jw_close(&w, '}');
		} else {
			jw_key(&w, "tls");
			fputs("null", f);
		}
		jw_int(&w, "auth_failures", sqlite3_column_int64(ss, 15));
		jw_int(&w, "auth_successes", sqlite3_column_int64(ss, 16));
		jw_int(&w, "messages", sqlite3_column_int64(ss, 17));
		jw_int(&w, "rejects", sqlite3_column_int64(ss, 18));
		jw_open(&w, "events", '[');
		if (!sqlite3_column_int(ss, 9)) {
			jw_open(&w, NULL, '{');
			jw_local_time(&w, "time", sqlite3_column_int64(ss, 1));
			jw_str(&w, "type", "connect");
			jw_close(&w, '}');
		}
		sqlite3_reset(se);
		sqlite3_bind_int64(se, 1, sid);
		while (sqlite3_step(se) == SQLITE_ROW) {
			const char *type = txt(se, 1);
			jw_open(&w, NULL, '{');
			jw_local_time(&w, "time", sqlite3_column_int64(se, 0));
			jw_str(&w, "type", type);
			if (!strcmp(type, "auth")) {
				jw_str(&w, "mechanism", txt(se, 2));
				jw_str(&w, "result", txt(se, 3));
				jw_str(&w, "account", txt(se, 4));
				if (txt(se, 4))
					jw_str(&w, "user_source", ms_src_name(sqlite3_column_int(se, 5)));
				jw_opt_int(&w, "inference_gap_s", se, 6);
				if (sqlite3_column_type(se, 7) != SQLITE_NULL && sqlite3_column_int64(se, 7) >= 0) {
					jw_int(&w, "password_length", sqlite3_column_int64(se, 7));
					jw_bool(&w, "password_length_exact", sqlite3_column_int(se, 8));
				}
				if (sqlite3_column_int(se, 9))
					jw_bool(&w, "user_unknown", 1);
				jw_str(&w, "reason", txt(se, 10));
			} else if (!strcmp(type, "message")) {
				const char *qid = txt(se, 2);
				if (qid && nq < 64)
					qids[nq++] = strdup(qid);
				jw_str(&w, "queue_id", qid);
				jw_str(&w, "sender", txt(se, 3));
				jw_opt_int(&w, "recipients", se, 4);
				jw_opt_int(&w, "delivered", se, 5);
				jw_opt_int(&w, "bounced", se, 6);
				jw_opt_int(&w, "deferred", se, 7);
				jw_opt_int(&w, "size", se, 8);
			} else {
				jw_opt_int(&w, "code", se, 2);
				jw_str(&w, "reason", txt(se, 3));
				jw_str(&w, "sender", txt(se, 4));
				jw_str(&w, "recipient", txt(se, 5));
			}
			jw_opt_int(&w, "source_line", se, 11);
			jw_close(&w, '}');
		}
		if (state == 1 || state == 2) {
			jw_open(&w, NULL, '{');
			jw_local_time(&w, "time", sqlite3_column_int64(ss, 2));
			jw_str(&w, "type", state == 1 ? "disconnect" : "unterminated");
			jw_str(&w, "end_reason", txt(ss, 19));
			jw_str(&w, "end_after", txt(ss, 20));
			if (state == 1) {
				counters(ss, cb, sizeof cb);
				jw_str(&w, "counters", cb);
			}
			jw_close(&w, '}');
		} else if (txt(ss, 19)) {
			jw_open(&w, NULL, '{');
			jw_local_time(&w, "time", sqlite3_column_int64(ss, 2));
			jw_str(&w, "type", "end_without_disconnect");
			jw_str(&w, "end_reason", txt(ss, 19));
			jw_str(&w, "end_after", txt(ss, 20));
			jw_close(&w, '}');
		}
		jw_close(&w, ']');
		if (txt(ss, 21)) {
			jw_open(&w, "source", '{');
			jw_str(&w, "path", txt(ss, 21));
			jw_opt_int(&w, "first_line", ss, 22);
			jw_opt_int(&w, "last_line", ss, 23);
			jw_close(&w, '}');
			if (o->lines) {
				tl_match m;
				match_init(&m, ss, qids, nq);
				print_lines(f, &w, txt(ss, 21), txt(ss, 42), sqlite3_column_int64(ss, 43),
					    sqlite3_column_int64(ss, 22), sqlite3_column_int64(ss, 23), &m);
			}
		}
		for (int i = 0; i < nq; i++)
			free(qids[i]);
		jw_close(&w, '}');
	}
	sqlite3_finalize(se);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(q->db));
		return -1;
	}
	fputs(n ? "\n" : "", f);
	jw_close(&w, ']');
	jw_key(&w, "more");
	fputs(n < 0 ? "true" : "false", f);
	jw_close(&w, '}');
	fputc('\n', f);
	return n < 0 ? -n - 1 : n;
}

/* "reject CODE REASON (from <S> to <R>)": the code only when the reason
 * (Postfix's reply text, which mostly starts with it) does not, from and
 * to only when the line named them */
static void reject_event(tl_list *l, sqlite3_stmt *sr)
{
	char code[32] = "", reason[512] = "", ft[1100] = "", b1[512], b2[512];
	const char *r = (const char *)sqlite3_column_text(sr, 2);
	int has_from = sqlite3_column_type(sr, 3) != SQLITE_NULL, has_to = sqlite3_column_type(sr, 4) != SQLITE_NULL;
	if (sqlite3_column_type(sr, 1) != SQLITE_NULL) {
		snprintf(code, sizeof code, " %lld", (long long)sqlite3_column_int64(sr, 1));
		size_t cl = strlen(code + 1);
		if (r && !strncmp(r, code + 1, cl) && (r[cl] == ' ' || r[cl] == '\0'))
			code[0] = 0;
	}
	if (r && *r) {
		reason[0] = ' ';
		esc(reason + 1, sizeof reason - 1, (const unsigned char *)r);
	}
	if (has_from || has_to)
		snprintf(ft, sizeof ft, " (%s%s%s%s%s%s%s)", has_from ? "from <" : "",
			 has_from ? esc(b1, sizeof b1, sqlite3_column_text(sr, 3)) : "", has_from ? ">" : "",
			 has_from && has_to ? " " : "", has_to ? "to <" : "",
			 has_to ? esc(b2, sizeof b2, sqlite3_column_text(sr, 4)) : "", has_to ? ">" : "");
	tl_add(l, sqlite3_column_int64(sr, 0), 1, "reject%s%s%s", code, reason, ft);
}

int ms_timeline(const ms_query *q, const ms_timeline_opts *o, FILE *f, char *err, size_t errlen)
{
	sqlite3_stmt *ss = NULL, *sa = NULL, *sm = NULL, *sr = NULL;
	int rc, nsess = 0, ret = -1;
	if (ms_q_prepare(q->db, sql_sessions, &ss, err, errlen) || ms_q_prepare(q->db, sql_auth, &sa, err, errlen) ||
	    ms_q_prepare(q->db, sql_msgs, &sm, err, errlen) || ms_q_prepare(q->db, sql_rejects, &sr, err, errlen))
		goto done;
	ms_q_bind_range(ss, q, 1);
	if (o->ip)
		sqlite3_bind_text(ss, 3, o->ip, -1, SQLITE_STATIC);
	if (o->id > 0)
		sqlite3_bind_int64(ss, 4, o->id);
	if (o->account)
		sqlite3_bind_text(ss, 5, o->account, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ss, 6, o->limit > 0 ? o->limit + 1 : INT64_MAX);
	if (o->json) {
		ret = timeline_json(q, o, f, ss, err, errlen);
		goto done;
	}
	while ((rc = sqlite3_step(ss)) == SQLITE_ROW) {
		char b1[512], b2[512], b3[512], tb[40], tb2[40];
		tl_list l = { NULL, 0, 0 };
		char *qids[64];
		int nq = 0;
		int64_t sid = sqlite3_column_int64(ss, 0), start = sqlite3_column_int64(ss, 1);
		int64_t end = sqlite3_column_int64(ss, 2);
		int state = sqlite3_column_int(ss, 8);
		const unsigned char *ip = sqlite3_column_text(ss, 6), *name = sqlite3_column_text(ss, 7);
		if (o->limit > 0 && nsess == o->limit) {
			fprintf(f, "... more sessions match (use --top N)\n");
			break;
		}
		nsess++;
		fmt_local(start, tb, sizeof tb);
		fmt_local(end, tb2, sizeof tb2);
		fprintf(f, "%sSession %lld%s  %s  %s %s/smtpd[%lld]%s\n", nsess > 1 ? "\n" : "", (long long)sid,
			sqlite3_column_int(ss, 9) ? " (orphan: the log began inside it)" : "",
			esc(b1, sizeof b1, ip), esc(b2, sizeof b2, sqlite3_column_text(ss, 3)),
			esc(b3, sizeof b3, sqlite3_column_text(ss, 4)), (long long)sqlite3_column_int64(ss, 5),
			state == 1 ? "" : state == 0 ? "  still open at end of input" : state == 2 ? "  unterminated" : "  evicted");
		if (!sqlite3_column_int(ss, 9))
			tl_add(&l, start, 0, "connect from %s[%s]", esc(b1, sizeof b1, name), esc(b2, sizeof b2, ip));
		if (sqlite3_column_text(ss, 11)) {
			const char *why[12];
			int nw = ms_tls_weak_reasons((const char *)sqlite3_column_text(ss, 10),
						     (const char *)sqlite3_column_text(ss, 11), sqlite3_column_int(ss, 12), why, 12);
			char wb[160] = "";
			size_t wo = 0;
			for (int i = 0; i < nw && wo + 20 < sizeof wb; i++)
				wo += (size_t)snprintf(wb + wo, sizeof wb - wo, "%s%s", i ? ", " : "  WEAK: ", why[i]);
			fprintf(f, "  TLS: %s with %s (%lld/%lld bits, %s)%s\n", esc(b1, sizeof b1, sqlite3_column_text(ss, 10)),
				esc(b2, sizeof b2, sqlite3_column_text(ss, 11)), (long long)sqlite3_column_int64(ss, 12),
				(long long)sqlite3_column_int64(ss, 13), esc(b3, sizeof b3, sqlite3_column_text(ss, 14)), wb);
		} else if (sqlite3_column_int(ss, 39)) {
			fprintf(f, "  TLS: set up but never established\n");
		} else {
			fprintf(f, "  TLS: none (plaintext)\n");
		}
		/* auth events */
		sqlite3_reset(sa);
		sqlite3_bind_int64(sa, 1, sid);
		while (sqlite3_step(sa) == SQLITE_ROW) {
			int kind = sqlite3_column_int(sa, 1);
			char user[600] = "", extra[200] = "";
			if (sqlite3_column_text(sa, 4)) {
				size_t ul = (size_t)snprintf(user, sizeof user, " as %s (%s", esc(b1, sizeof b1, sqlite3_column_text(sa, 4)),
							     ms_src_name(sqlite3_column_int(sa, 5)));
				if (sqlite3_column_type(sa, 6) != SQLITE_NULL && ul < sizeof user)
					ul += (size_t)snprintf(user + ul, sizeof user - ul, ", %llds apart",
							       (long long)sqlite3_column_int64(sa, 6));
				if (ul < sizeof user)
					snprintf(user + ul, sizeof user - ul, ")");
			}
			if (sqlite3_column_type(sa, 7) != SQLITE_NULL && sqlite3_column_int64(sa, 7) >= 0)
				snprintf(extra, sizeof extra, ", password of %s%lld characters (not shown)",
					 sqlite3_column_int(sa, 8) ? "" : "at least ", (long long)sqlite3_column_int64(sa, 7));
			tl_add(&l, sqlite3_column_int64(sa, 0), 1, "AUTH %s %s%s%s%s%s%s",
			       esc(b2, sizeof b2, sqlite3_column_text(sa, 2)), kind >= 1 && kind <= 5 ? kind_name[kind] : "?",
			       user, extra, sqlite3_column_int(sa, 10) ? ", no such user" : "",
			       sqlite3_column_text(sa, 3) ? ": " : "", sqlite3_column_text(sa, 3) ?
			       esc(b3, sizeof b3, sqlite3_column_text(sa, 3)) : "");
		}
		sqlite3_reset(sm);
		sqlite3_bind_int64(sm, 1, sid);
		while (sqlite3_step(sm) == SQLITE_ROW) {
			const unsigned char *qid = sqlite3_column_text(sm, 1);
			if (qid && nq < 64)
				qids[nq++] = strdup((const char *)qid);
			tl_add(&l, sqlite3_column_int64(sm, 0), 1, "message %s from <%s>, %lld recipients: %lld delivered, %lld bounced, %lld deferred",
			       esc(b1, sizeof b1, qid), esc(b2, sizeof b2, sqlite3_column_text(sm, 2)),
			       (long long)sqlite3_column_int64(sm, 3), (long long)sqlite3_column_int64(sm, 4),
			       (long long)sqlite3_column_int64(sm, 5), (long long)sqlite3_column_int64(sm, 6));
		}
		sqlite3_reset(sr);
		sqlite3_bind_int64(sr, 1, sid);
		while (sqlite3_step(sr) == SQLITE_ROW)
			reject_event(&l, sr);
		/* the end reason: "lost connection after AUTH" */
		char rb[1200] = "";
		int has_r = sqlite3_column_text(ss, 19) != NULL;
		if (has_r)
			snprintf(rb, sizeof rb, "%s%s%s", esc(b1, sizeof b1, sqlite3_column_text(ss, 19)),
				 sqlite3_column_text(ss, 20) ? " after " : "",
				 sqlite3_column_text(ss, 20) ? esc(b2, sizeof b2, sqlite3_column_text(ss, 20)) : "");
		if (state == 1) {
			char cb[300];
			counters(ss, cb, sizeof cb);
			tl_add(&l, end, 2, "%s%sdisconnect  %s", rb, has_r ? ", then " : "", cb);
		} else if (state == 2) {
			tl_add(&l, end, 2, "%s%sno disconnect: the process started a new session", rb, has_r ? ", then " : "");
		} else if (has_r) {
			/* and then the end of input (or the session's eviction) before its disconnect line */
			tl_add(&l, end, 2, "%s; no disconnect line followed", rb);
		}
		if (l.n > 1)
			qsort(l.v, (size_t)l.n, sizeof *l.v, tl_cmp);
		for (int i = 0; i < l.n; i++) {
			fmt_local(l.v[i].ts, tb, sizeof tb);
			fprintf(f, "  %s  %s\n", tb, l.v[i].text);
			free(l.v[i].text);
		}
		free(l.v);
		fprintf(f, "  counts: %lld auth failures, %lld successes, %lld messages, %lld rejects\n",
			(long long)sqlite3_column_int64(ss, 15), (long long)sqlite3_column_int64(ss, 16),
			(long long)sqlite3_column_int64(ss, 17), (long long)sqlite3_column_int64(ss, 18));
		const char *path = (const char *)sqlite3_column_text(ss, 21);
		int64_t fl = sqlite3_column_int64(ss, 22), ll = sqlite3_column_int64(ss, 23);
		if (path) {
			fprintf(f, "  evidence: %s lines %lld-%lld%s\n", esc(b1, sizeof b1, (const unsigned char *)path),
				(long long)fl, (long long)ll, ll < fl ? " (continues in a later file)" : "");
			if (o->lines) {
				tl_match m;
				match_init(&m, ss, qids, nq);
				print_lines(f, NULL, path, (const char *)sqlite3_column_text(ss, 42),
					    sqlite3_column_int64(ss, 43), fl, ll, &m);
			}
		}
		for (int i = 0; i < nq; i++)
			free(qids[i]);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(q->db));
		goto done;
	}
	if (nsess == 0)
		fputs("no matching session\n", f);
	ret = nsess;
done:
	sqlite3_finalize(ss);
	sqlite3_finalize(sa);
	sqlite3_finalize(sm);
	sqlite3_finalize(sr);
	return ret;
}
