/* SPDX-License-Identifier: MIT */
/*
 * Hostile input at the unit level: lines the attacker shapes (NUL bytes,
 * invalid UTF-8, truncated headers, absurd numbers), strings that must leave
 * through the escapers neutralised, and regressions for crashes found by the
 * fuzz targets (fuzz/).  Every line is copied into an exact-size heap buffer
 * so that the sanitizer build catches any read past its end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ut.h"
#include "../../parser/clock.h"
#include "../../parser/grammar.h"
#include "../../parser/syslog.h"
#include "../../parser/tracker.h"
#include "../../report/escape.h"

/* ---------- helpers ---------- */

static char *dup_exact(const char *s, size_t n)
{
	char *p = malloc(n ? n : 1);
	if (p && n)
		memcpy(p, s, n);
	return p;
}

typedef struct {
	int sessions, auths, open, unterminated;
} counts;

static void c_session(void *ctx, const ms_session_rec *r)
{
	counts *c = ctx;
	c->sessions++;
	if (r->state == MS_SS_OPEN)
		c->open++;
	if (r->state == MS_SS_UNTERMINATED)
		c->unterminated++;
}
static void c_auth(void *ctx, const ms_auth_rec *r) { ((counts *)ctx)->auths++; (void)r; }
static void c_msg(void *ctx, const ms_message_rec *r) { (void)ctx; (void)r; }
static void c_rej(void *ctx, const ms_reject_rec *r) { (void)ctx; (void)r; }
static void c_ps(void *ctx, const ms_postscreen_rec *r) { (void)ctx; (void)r; }
static void c_be(void *ctx, const ms_backend_rec *r) { (void)ctx; (void)r; }

typedef struct {
	ms_grammar *g;
	ms_tracker *tr;
	ms_tzcache tz;
	ms_yearstate ys;
	counts c;
	int64_t line;
} pipe_t;

static int pipe_init(pipe_t *p)
{
	char err[256];
	ms_tracker_cfg cfg;
	ms_sink sink = { NULL, c_session, c_auth, c_msg, c_rej, c_ps, c_be, NULL };
	memset(p, 0, sizeof *p);
	sink.ctx = &p->c;
	ms_tracker_cfg_default(&cfg);
	p->g = ms_grammar_new(err, sizeof err);
	p->tr = ms_tracker_new(&cfg, &sink, NULL);
	ms_tzcache_init(&p->tz);
	ms_year_init(&p->ys);
	ms_year_begin(&p->ys, 2026, 0);
	return p->g && p->tr ? 0 : -1;
}

static void pipe_free(pipe_t *p)
{
	ms_tracker_free(p->tr);
	ms_grammar_free(p->g);
}

/* one line through header, clock, grammar and tracker; returns the event type or -1 */
static int pipe_line(pipe_t *p, const char *s, size_t n)
{
	ms_syslog sl;
	ms_event ev;
	ms_lineref ref;
	int64_t ts;
	char *l = dup_exact(s, n);
	int type = -1;
	p->line++;
	if (ms_syslog_parse(l, n, &sl) == MS_LINE_OK && ms_stamp_to_utc(&p->tz, &p->ys, &sl.ts, &ts) == 0) {
		ms_grammar_classify(p->g, &sl, &ev);
		ref.ts = ts;
		ref.source_id = 1;
		ref.line = p->line;
		ms_tracker_feed(p->tr, &sl, &ev, &ref);
		type = (int)ev.type;
	}
	free(l);
	return type;
}
#define PIPE_LIT(p, s) pipe_line((p), (s), sizeof(s) - 1)

/* render with one escaper into a heap string */
static char *esc(void (*fn)(FILE *, const char *, size_t), const char *s, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fn(f, s, n);
	fclose(f);
	return buf;
}

static int has_ctl(const char *s)
{
	for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
		if (*u < 0x20 || *u == 0x7f)
			return 1;
		if (u[0] == 0xC2 && u[1] >= 0x80 && u[1] < 0xA0)
			return 1; /* C1 control in UTF-8 */
	}
	return 0;
}

/* ---------- fuzz regressions ---------- */

/* fuzz_syslog: "<13>" alone read one byte past the line */
UT_TEST(hostile_fuzz_pri_only)
{
	ms_syslog sl;
	char *l = dup_exact("<13>", 4);
	UT_EQ_INT(ms_syslog_parse(l, 4, &sl), MS_LINE_BAD);
	free(l);
	l = dup_exact("<1>", 3);
	UT_EQ_INT(ms_syslog_parse(l, 3, &sl), MS_LINE_BAD);
	free(l);
}

/* fuzz_pipeline: a line whose program has no service part (empty host/service
 * view with a NULL pointer) passed NULL to memcmp in the tracker's name table */
UT_TEST(hostile_fuzz_empty_name_view)
{
	pipe_t p;
	UT_ASSERT(pipe_init(&p) == 0);
	PIPE_LIT(&p, "Jan 29 05:32:50 mail dovecot: auth-worker(304): pam(username,1.2.3.4): "
		     "pam_authenticate() failed: Authentication failure (password mismatch?)");
	PIPE_LIT(&p, "Jan 29 05:32:51 mail dovecot: auth-worker(304): pam(username,1.2.3.4): unknown user");
	PIPE_LIT(&p, "Jan 29 05:32:52 auth-worker(22401): Info: pam(x,1.2.3.4): unknown user");
	ms_tracker_finish(p.tr);
	pipe_free(&p);
}

/* ---------- hostile lines ---------- */

UT_TEST(hostile_nul_bytes_in_line)
{
	static const char l[] = "Feb 23 11:57:42 mail postfix/smtpd[1]: connect from ev\0il[192.0.2.1]";
	static const char l2[] = "Feb 23 11:57:43 mail postfix/smtpd[1]: warning: ev\0il[192.0.2.1]: SASL LOGIN "
				 "authentication failed: \0";
	/* a NUL in the program tag makes another service: an orphan session of its own */
	static const char l3[] = "Feb 23 11:57:44 mail postfix\0/smtpd[1]: disconnect from ev\0il[192.0.2.1]";
	static const char l4[] = "\0\0\0\0";
	pipe_t p;
	UT_ASSERT(pipe_init(&p) == 0);
	UT_EQ_INT(pipe_line(&p, l, sizeof l - 1), EV_CONNECT);
	pipe_line(&p, l2, sizeof l2 - 1);
	pipe_line(&p, l3, sizeof l3 - 1);
	UT_EQ_INT(pipe_line(&p, l4, sizeof l4 - 1), -1);
	ms_tracker_finish(p.tr);
	UT_EQ_INT(p.c.sessions, 2);
	UT_EQ_INT(p.c.open, 1);
	pipe_free(&p);
}

UT_TEST(hostile_invalid_utf8_and_truncated_headers)
{
	static const char *const lines[] = {
		"Feb 23 11:57:42 m\xff\xfe postfix/smtpd[1]: connect from \xc3\x28[192.0.2.1]",
		"Feb 23 11:57:42 mail postfix/smtpd[1]: warning: \xed\xa0\x80[192.0.2.1]: SASL PLAIN authentication failed: \xf4\x90",
		"Feb", "Feb 23", "Feb 23 11:57", "Feb 23 11:57:42", "Feb 23 11:57:42 ", "Feb 23 11:57:42 host",
		"Feb 23 11:57:42 host prog[", "Feb 23 11:57:42 host prog[12", "Feb 23 11:57:42 host prog[99999999999999999999]: x",
		"Feb 31 25:61:61 host postfix/smtpd[1]: connect from x[1.2.3.4]",
		"2026-02-23T", "2026-02-23T11:57:42", "2026-99-99T99:99:99+99:99 host postfix/smtpd[1]: x",
		"<", "<999999>", "<13>1", "<13>1 ", "1 ", "1 2", "@", "@4000", "@400000004c91b044077a9e94",
		"-- ", "\r", "\r\r\r",
	};
	pipe_t p;
	UT_ASSERT(pipe_init(&p) == 0);
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		pipe_line(&p, lines[i], strlen(lines[i]));
	ms_tracker_finish(p.tr);
	pipe_free(&p);
}

/* a billion-second jump forward and time going backwards: no crash, sessions still close */
UT_TEST(hostile_clock_jumps)
{
	pipe_t p;
	int64_t ts;
	ms_stamp st;
	UT_ASSERT(pipe_init(&p) == 0);
	PIPE_LIT(&p, "2026-02-23T11:57:42Z mail postfix/smtpd[7]: connect from a[192.0.2.7]");
	PIPE_LIT(&p, "2058-01-01T00:00:00Z mail postfix/smtpd[7]: disconnect from a[192.0.2.7]");
	PIPE_LIT(&p, "1990-01-01T00:00:00Z mail postfix/smtpd[8]: connect from b[192.0.2.8]");
	PIPE_LIT(&p, "1989-12-31T23:59:59Z mail postfix/smtpd[8]: disconnect from b[192.0.2.8]");
	PIPE_LIT(&p, "9999-12-31T23:59:59Z mail postfix/smtpd[9]: connect from c[192.0.2.9]");
	PIPE_LIT(&p, "0000-01-01T00:00:00Z mail postfix/smtpd[9]: disconnect from c[192.0.2.9]");
	ms_tracker_finish(p.tr);
	UT_EQ_INT(p.c.open, 1); /* pid 9's year-0 disconnect is not a valid date */
	/* pid 7's disconnect 32 years on: its session was idle for more than an
	 * hour, so it is evicted and the disconnect is an orphan of its own */
	UT_EQ_INT(p.c.sessions, 4);
	/* extreme TAI64N stamps convert without overflow */
	memset(&st, 0, sizeof st);
	st.kind = MS_TS_EPOCH;
	st.epoch = INT64_MAX;
	(void)ms_stamp_to_utc(&p.tz, &p.ys, &st, &ts);
	st.epoch = INT64_MIN;
	(void)ms_stamp_to_utc(&p.tz, &p.ys, &st, &ts);
	pipe_free(&p);
}

/* pid wrap: the same pid connects again while its session is open */
UT_TEST(hostile_pid_reuse_closes_unterminated)
{
	pipe_t p;
	UT_ASSERT(pipe_init(&p) == 0);
	PIPE_LIT(&p, "Feb 23 11:57:42 mail postfix/smtpd[32768]: connect from a[192.0.2.1]");
	PIPE_LIT(&p, "Feb 23 11:57:43 mail postfix/smtpd[32768]: connect from b[192.0.2.2]");
	PIPE_LIT(&p, "Feb 23 11:57:44 mail postfix/smtpd[32768]: disconnect from b[192.0.2.2]");
	ms_tracker_finish(p.tr);
	UT_EQ_INT(p.c.sessions, 2);
	UT_EQ_INT(p.c.unterminated, 1);
	pipe_free(&p);
}

/* more open sessions than the tracker holds: memory stays bounded, nothing is lost */
UT_TEST(hostile_many_open_sessions_bounded)
{
	char err[256], line[160];
	ms_tracker_cfg cfg;
	counts c;
	ms_sink sink = { &c, c_session, c_auth, c_msg, c_rej, c_ps, c_be, NULL };
	pipe_t p;
	memset(&c, 0, sizeof c);
	UT_ASSERT(pipe_init(&p) == 0);
	ms_tracker_free(p.tr);
	ms_tracker_cfg_default(&cfg);
	cfg.max_open = 64;
	p.tr = ms_tracker_new(&cfg, &sink, NULL);
	UT_ASSERT(p.tr != NULL);
	(void)err;
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(line, sizeof line, "Feb 23 11:%02d:%02d mail postfix/smtpd[%d]: connect from h%d[10.0.%d.%d]",
				 i / 60 % 60, i % 60, 1000 + i, i, i / 256, i % 256);
		pipe_line(&p, line, (size_t)n);
	}
	ms_tracker_finish(p.tr);
	UT_EQ_INT(c.sessions, 1000);
	pipe_free(&p);
}

/* ---------- escaping ---------- */

static const char *const EVIL[] = {
	"\x1b[31mred\x1b[0m", "\x1b]0;owned\x07", "\x1b]8;;http://x/\x1b\\link\x1b]8;;\x1b\\", "<script>alert(1)</script>",
	"a\"b", "a,b", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "line1\nline2", "cr\roverwrite",
	("\xc2\x9b" "31m"), "\xff\xfe", "nul\0x", "\t=tab", "back\\slash",
};

UT_TEST(hostile_escape_text)
{
	char buf[512];
	for (size_t i = 0; i < sizeof EVIL / sizeof EVIL[0]; i++) {
		size_t n = strlen(EVIL[i]);
		ms_esc_text_buf(buf, sizeof buf, EVIL[i], n);
		if (has_ctl(buf))
			UT_ASSERT(!"control byte in text output");
	}
	ms_esc_text_buf(buf, sizeof buf, "\x1b[31m", 5);
	UT_EQ_STR(buf, "\\x1b[31m");
}

UT_TEST(hostile_escape_json)
{
	for (size_t i = 0; i < sizeof EVIL / sizeof EVIL[0]; i++) {
		char *o = esc(ms_esc_json, EVIL[i], strlen(EVIL[i]));
		UT_ASSERT(o != NULL);
		if (has_ctl(o)) {
			free(o);
			UT_ASSERT(!"control byte in JSON output");
		}
		free(o);
	}
	char *o = esc(ms_esc_json, "a\"\n\x1b", 4);
	UT_EQ_STR(o, "\"a\\\"\\n\\u001b\"");
	free(o);
}

/* escaping in pieces (the JSON row buffer): a sequence is never split, each
 * call takes at least one when there is room for its longest escape, and the
 * pieces put together are the escape of the whole */
UT_TEST(hostile_escape_json_pieces)
{
	const char in[] = "ok\xe2\x82\xac\xc2\x9b\xff\"\\\x01\x7f\xf0\x9f\x98\x80tail";
	size_t n = sizeof in - 1;
	char *whole = esc(ms_esc_json, in, n);
	UT_ASSERT(whole != NULL);
	for (size_t room = MS_ESC_JSON_MAX; room <= 24; room++) {
		char out[256], piece[32];
		size_t o = 0, i = 0;
		out[o++] = '"';
		while (i < n) {
			size_t used, k = ms_esc_json_some(piece, room, in + i, n - i, &used);
			UT_ASSERT(used > 0);
			UT_ASSERT(k <= room);
			memcpy(out + o, piece, k);
			o += k;
			i += used;
		}
		out[o++] = '"';
		out[o] = 0;
		UT_EQ_STR(out, whole);
	}
	size_t used = 99;
	char tiny[MS_ESC_JSON_MAX - 1];
	UT_EQ_INT(ms_esc_json_some(tiny, sizeof tiny, in, n, &used), 0); /* no room: nothing taken */
	UT_EQ_INT(used, 0);
	free(whole);
}

UT_TEST(hostile_escape_csv)
{
	char *o = esc(ms_esc_csv, "=cmd|' /C calc'!A0", 18);
	UT_EQ_STR(o, "\"'=cmd|' /C calc'!A0\"");
	free(o);
	o = esc(ms_esc_csv, "a\"b,c", 5);
	UT_EQ_STR(o, "\"a\"\"b,c\"");
	free(o);
	o = esc(ms_esc_csv, "@SUM(1+1)\ttab\nx", 15);
	UT_EQ_STR(o, "\"'@SUM(1+1)\\x09tab\\x0ax\"");
	free(o);
	const char *lead = "=+-@";
	for (int i = 0; lead[i]; i++) {
		char s[4] = { lead[i], 'x', 0, 0 };
		o = esc(ms_esc_csv, s, 2);
		UT_ASSERT(o[0] == '"' && o[1] == '\'');
		free(o);
	}
	for (size_t i = 0; i < sizeof EVIL / sizeof EVIL[0]; i++) {
		o = esc(ms_esc_csv, EVIL[i], strlen(EVIL[i]));
		/* no control byte at all, TAB and LF included (docs/reports.md) */
		if (has_ctl(o)) {
			free(o);
			UT_ASSERT(!"control byte in CSV output");
		}
		free(o);
	}
}

UT_TEST(hostile_escape_html)
{
	char *o = esc(ms_esc_html, "<script>alert(\"x\")</script>", 27);
	UT_EQ_STR(o, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
	free(o);
	for (size_t i = 0; i < sizeof EVIL / sizeof EVIL[0]; i++) {
		o = esc(ms_esc_html, EVIL[i], strlen(EVIL[i]));
		if (has_ctl(o) || strchr(o, '<')) {
			free(o);
			UT_ASSERT(!"control byte or tag in HTML output");
		}
		free(o);
	}
}

/* fuzz_grammar: "NOQUEUE: reject: from [...]" (no stage before " from ") from a
 * non-smtpd postfix daemon gave the stage view a length of (size_t)-1 */
UT_TEST(hostile_fuzz_reject_without_stage)
{
	static const char m[] = "NOQUEUE: reject: from [192.0.2.1]:25: 550 no; from=<a@b> helo=<x>";
	ms_event ev;
	char *l = dup_exact(m, sizeof m - 1);
	pipe_t p;
	memset(&ev, 0, sizeof ev);
	ms_parse_postfix_other(MS_SV_LIT("cleanup"), ms_sv_make(l, sizeof m - 1), &ev);
	UT_EQ_INT(ev.type, EV_REJECT);
	UT_EQ_INT(ev.where.n, 0);
	UT_EQ_SV(ev.ip, "192.0.2.1");
	free(l);
	UT_ASSERT(pipe_init(&p) == 0);
	PIPE_LIT(&p, "Feb 23 11:57:42 mail postfix/cleanup[5]: NOQUEUE: reject: from [192.0.2.1]:25: 550 no");
	ms_tracker_finish(p.tr);
	pipe_free(&p);
}

/* fuzz_grammar: a TAI64N label >= 2^63 overflowed the epoch conversion */
UT_TEST(hostile_fuzz_tai64n_reserved_label)
{
	ms_syslog sl;
	static const char l1[] = "@c0000000000000000000000000 prog: x";
	static const char l2[] = "@ffffffffffffffffffffffff prog: x";
	char *l = dup_exact(l1, sizeof l1 - 1);
	UT_EQ_INT(ms_syslog_parse(l, sizeof l1 - 1, &sl), MS_LINE_BAD);
	free(l);
	l = dup_exact(l2, sizeof l2 - 1);
	UT_EQ_INT(ms_syslog_parse(l, sizeof l2 - 1, &sl), MS_LINE_BAD);
	free(l);
}

/* ---------- saved state ---------- */

/* A state with evicted sessions and queue ids (its last section), damaged
 * every way a database could hand it back: cut at every length, and each
 * byte of its last 4 KiB changed.  Loaded from an exact-size copy (the
 * sanitizer build sees any read past it); refused or loaded, never a crash,
 * and a refused one leaves the tracker as it was. */
UT_TEST(hostile_state_blob_damaged)
{
	pipe_t p;
	char line[200];
	UT_ASSERT(pipe_init(&p) == 0);
	PIPE_LIT(&p, "Feb 23 10:00:00 mail postfix/smtpd[100]: connect from a[192.0.2.1]");
	PIPE_LIT(&p, "Feb 23 10:00:01 mail postfix/smtpd[100]: 4ABCDEF01: client=a[192.0.2.1]");
	for (int i = 0; i < 80; i++) { /* sessions evicted as idle: the ring fills */
		int n = snprintf(line, sizeof line, "Feb 23 1%d:%02d:00 mail postfix/smtpd[%d]: connect from b[10.0.0.%d]",
				 i < 40 ? 1 : 3, i % 60, 200 + i, i);
		pipe_line(&p, line, (size_t)n);
	}
	size_t len = 0;
	char *blob = ms_tracker_save(p.tr, &len);
	UT_ASSERT(blob != NULL && len > 4096);
	UT_ASSERT(ms_tracker_load(p.tr, blob, len) == 0);
	for (size_t cut = len > 8192 ? len - 8192 : 0; cut < len; cut++) {
		char *c = dup_exact(blob, cut);
		UT_ASSERT(ms_tracker_load(p.tr, c, cut) != 0); /* every section's size is checked */
		free(c);
	}
	char *m = dup_exact(blob, len);
	for (size_t i = len - 4096; i < len; i++) {
		for (int v = 0; v < 3; v++) {
			m[i] = (char)(v == 0 ? 0xFF : v == 1 ? 0 : blob[i] ^ 0x55);
			(void)ms_tracker_load(p.tr, m, len);
			m[i] = blob[i];
		}
	}
	free(m);
	/* whatever was loaded last, the tracker goes on */
	PIPE_LIT(&p, "Feb 23 14:00:00 mail postfix/smtpd[100]: disconnect from a[192.0.2.1]");
	ms_tracker_finish(p.tr);
	free(blob);
	pipe_free(&p);
}
