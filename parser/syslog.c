/* SPDX-License-Identifier: MIT */
#include "syslog.h"

static inline int isdig(char c) { return c >= '0' && c <= '9'; }

int ms_month_from_abbr(const char *p)
{
	/* p has at least 3 readable bytes (checked by callers) */
	unsigned a = (unsigned char)p[0] | 0x20, b = (unsigned char)p[1] | 0x20, c = (unsigned char)p[2] | 0x20;
	switch (a) {
	case 'j':
		if (b == 'a' && c == 'n') return 1;
		if (b == 'u' && c == 'n') return 6;
		if (b == 'u' && c == 'l') return 7;
		return 0;
	case 'f': return (b == 'e' && c == 'b') ? 2 : 0;
	case 'm':
		if (b == 'a' && c == 'r') return 3;
		if (b == 'a' && c == 'y') return 5;
		return 0;
	case 'a':
		if (b == 'p' && c == 'r') return 4;
		if (b == 'u' && c == 'g') return 8;
		return 0;
	case 's': return (b == 'e' && c == 'p') ? 9 : 0;
	case 'o': return (b == 'c' && c == 't') ? 10 : 0;
	case 'n': return (b == 'o' && c == 'v') ? 11 : 0;
	case 'd': return (b == 'e' && c == 'c') ? 12 : 0;
	}
	return 0;
}

static int two(const char *p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

/* "hh:mm:ss" at p (8 bytes available) */
static int parse_hms(const char *p, ms_stamp *ts)
{
	if (!isdig(p[0]) || !isdig(p[1]) || p[2] != ':' || !isdig(p[3]) || !isdig(p[4]) ||
	    p[5] != ':' || !isdig(p[6]) || !isdig(p[7]))
		return 0;
	ts->hour = two(p);
	ts->min = two(p + 3);
	ts->sec = two(p + 6);
	if (ts->hour > 23 || ts->min > 59 || ts->sec > 60)
		return 0;
	if (ts->sec == 60)
		ts->sec = 59; /* leap second: clamp */
	return 1;
}

/* optional ".ffffff"; returns bytes consumed */
static size_t parse_frac(const char *p, size_t avail, ms_stamp *ts, int comma)
{
	size_t i = 1;
	int us = 0, digits = 0;
	if (avail < 2 || (p[0] != '.' && !(comma && p[0] == ',')) || !isdig(p[1]))
		return 0;
	while (i < avail && isdig(p[i])) {
		if (digits < 6) {
			us = us * 10 + (p[i] - '0');
			digits++;
		}
		i++;
	}
	while (digits < 6) {
		us *= 10;
		digits++;
	}
	ts->usec = us;
	return i;
}

static size_t parse_3164(ms_sv s, ms_stamp *ts)
{
	const char *p = s.p;
	size_t i;
	if (s.n < 14 || p[3] != ' ')
		return 0;
	ts->mon = ms_month_from_abbr(p);
	if (!ts->mon)
		return 0;
	i = 4;
	if (p[i] == ' ')          /* "Feb  3" */
		i++;
	if (!isdig(p[i]))
		return 0;
	if (isdig(p[i + 1])) {    /* "Feb 03" / "Feb 23" */
		ts->mday = two(p + i);
		i += 2;
	} else {                  /* "Feb 3" */
		ts->mday = p[i] - '0';
		i += 1;
	}
	if (ts->mday < 1 || ts->mday > 31 || i >= s.n || p[i] != ' ')
		return 0;
	i++;
	if (s.n < i + 8 || !parse_hms(p + i, ts))
		return 0;
	i += 8;
	i += parse_frac(p + i, s.n - i, ts, 0);
	ts->kind = MS_TS_3164;
	ts->year = 0;
	return i;
}

/* "YYYY-MM-DD" then 'T' or ' ' then hh:mm:ss[.f][zone] */
static size_t parse_iso(ms_sv s, ms_stamp *ts, int *space_sep)
{
	const char *p = s.p;
	size_t i;
	if (s.n < 19)
		return 0;
	for (i = 0; i < 4; i++)
		if (!isdig(p[i]))
			return 0;
	if (p[4] != '-' || !isdig(p[5]) || !isdig(p[6]) || p[7] != '-' || !isdig(p[8]) || !isdig(p[9]))
		return 0;
	if (p[10] != 'T' && p[10] != ' ')
		return 0;
	*space_sep = p[10] == ' ';
	ts->year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + two(p + 2);
	ts->mon = two(p + 5);
	ts->mday = two(p + 8);
	if (ts->mon < 1 || ts->mon > 12 || ts->mday < 1 || ts->mday > 31 || ts->year < 1970)
		return 0;
	if (!parse_hms(p + 11, ts))
		return 0;
	i = 19;
	i += parse_frac(p + i, s.n - i, ts, 1); /* ISO 8601 allows a comma */
	ts->has_offset = 0;
	ts->offset = 0;
	if (i < s.n && p[i] == 'Z') {
		ts->has_offset = 1;
		i++;
	} else if (i + 5 <= s.n && (p[i] == '+' || p[i] == '-') && isdig(p[i + 1]) && isdig(p[i + 2])) {
		int sign = p[i] == '-' ? -1 : 1;
		int hh = two(p + i + 1), mm;
		if (p[i + 3] == ':' && i + 6 <= s.n && isdig(p[i + 4]) && isdig(p[i + 5])) {
			mm = two(p + i + 4);
			i += 6;
		} else if (isdig(p[i + 3]) && isdig(p[i + 4])) {
			mm = two(p + i + 3);
			i += 5;
		} else {
			return 0;
		}
		if (hh > 23 || mm > 59)
			return 0;
		ts->has_offset = 1;
		ts->offset = sign * (hh * 3600 + mm * 60);
	}
	ts->kind = MS_TS_ISO;
	return i;
}

static size_t parse_tai64n(ms_sv s, ms_stamp *ts)
{
	uint64_t v = 0;
	if (s.n < 25 || s.p[0] != '@')
		return 0;
	for (size_t i = 1; i < 25; i++) {
		char c = s.p[i];
		int d;
		if (isdig(c)) d = c - '0';
		else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
		else return 0;
		if (i <= 16)
			v = (v << 4) | (uint64_t)d;
	}
	/* labels >= 2^63 are reserved; past the end of year 9999 (as for ISO 8601
	 * times, four-digit years) a label is no log time: not a stamp */
	if (v < (UINT64_C(1) << 62) || v - (UINT64_C(1) << 62) > UINT64_C(253402300799) + 10)
		return 0;
	ts->kind = MS_TS_EPOCH;
	ts->epoch = (int64_t)(v - (UINT64_C(1) << 62)) - 10; /* daemontools: TAI = UTC + 10 */
	return 25;
}

/* journalctl -o short-unix: "1708685862.123456" (seconds since 1970, UTC) */
static size_t parse_unix(ms_sv s, ms_stamp *ts)
{
	size_t i = 0;
	int64_t v = 0;
	while (i < s.n && i < 12 && isdig(s.p[i]))
		v = v * 10 + (s.p[i++] - '0');
	if (i < 9 || i > 11 || s.p[0] == '0' || i >= s.n || s.p[i] != '.' || v > INT64_C(253402300799))
		return 0;
	size_t f = parse_frac(s.p + i, s.n - i, ts, 0);
	if (!f)
		return 0;
	ts->kind = MS_TS_EPOCH;
	ts->epoch = v;
	return i + f;
}

/* zone abbreviations that name one offset wherever they are used (CST,
 * IST, AST, BST name several: those are read in --tz) */
static const struct {
	const char *abbr;
	int offset; /* seconds east of UTC */
} zone_abbr[] = {
	{ "UTC", 0 },          { "GMT", 0 },          { "WET", 0 },          { "WEST", 3600 },
	{ "CET", 3600 },       { "CEST", 7200 },      { "MET", 3600 },       { "MEST", 7200 },
	{ "EET", 7200 },       { "EEST", 10800 },     { "MSK", 10800 },      { "SAST", 7200 },
	{ "EST", -18000 },     { "EDT", -14400 },     { "CDT", -18000 },     { "MST", -25200 },
	{ "MDT", -21600 },     { "PST", -28800 },     { "PDT", -25200 },     { "AKST", -32400 },
	{ "AKDT", -28800 },    { "HST", -36000 },     { "NST", -12600 },     { "NDT", -9000 },
	{ "JST", 32400 },      { "KST", 32400 },      { "HKT", 28800 },      { "SGT", 28800 },
	{ "AWST", 28800 },     { "ACST", 34200 },     { "ACDT", 37800 },     { "AEST", 36000 },
	{ "AEDT", 39600 },     { "NZST", 43200 },     { "NZDT", 46800 },     { "WIB", 25200 },
};

/*
 * journalctl -o short-full: "Fri 2024-02-23 11:57:42 CET": the zone's
 * abbreviation when it names one offset (zone_abbr[]: CET, CEST, EST,
 * PDT...), or a numeric offset such as "+03"; any other (CST, IST: several
 * zones use them) is read in --tz, as a syslog stamp is.
 */
static size_t parse_full(ms_sv s, ms_stamp *ts)
{
	int sp;
	if (s.n < 25 || s.p[3] != ' ' || !isdig(s.p[4]))
		return 0;
	for (int k = 0; k < 3; k++)
		if (!((s.p[k] | 0x20) >= 'a' && (s.p[k] | 0x20) <= 'z'))
			return 0;
	size_t n = parse_iso(ms_sv_skip(s, 4), ts, &sp);
	if (n != 19 || !sp || ts->has_offset || 4 + n >= s.n || s.p[4 + n] != ' ')
		return 0;
	size_t z = 4 + n + 1, e = z;
	while (e < s.n && e - z < 6 && s.p[e] != ' ')
		e++;
	if (e == z || e >= s.n || s.p[e] != ' ')
		return 0;
	ms_sv zone = ms_sv_make(s.p + z, e - z);
	if (zone.p[0] != '+' && zone.p[0] != '-') {
		for (size_t i = 0; i < sizeof zone_abbr / sizeof zone_abbr[0]; i++)
			if (zone.n == strlen(zone_abbr[i].abbr) && !memcmp(zone.p, zone_abbr[i].abbr, zone.n)) {
				ts->has_offset = 1;
				ts->offset = zone_abbr[i].offset;
				break;
			}
	} else {
		/* "+03", "+0530", "+05:30"; any other signed zone is no stamp */
		int hh, mm = 0;
		if (zone.n < 3 || !isdig(zone.p[1]) || !isdig(zone.p[2]))
			return 0;
		hh = two(zone.p + 1);
		if (zone.n == 5 && isdig(zone.p[3]) && isdig(zone.p[4]))
			mm = two(zone.p + 3);
		else if (zone.n == 6 && zone.p[3] == ':' && isdig(zone.p[4]) && isdig(zone.p[5]))
			mm = two(zone.p + 4);
		else if (zone.n != 3)
			return 0;
		if (hh > 23 || mm > 59)
			return 0;
		ts->has_offset = 1;
		ts->offset = (zone.p[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
	}
	return e;
}

size_t ms_stamp_parse(ms_sv s, ms_stamp *ts)
{
	int sp;
	memset(ts, 0, sizeof *ts);
	if (s.n == 0)
		return 0;
	if (isdig(s.p[0])) {
		size_t n = parse_iso(s, ts, &sp);
		return n ? n : parse_unix(s, ts);
	}
	if (s.p[0] == '@')
		return parse_tai64n(s, ts);
	size_t n = parse_3164(s, ts);
	return n ? n : parse_full(s, ts);
}

/* Next space-delimited token starting at *pos; advances past one space. */
static ms_sv token(ms_sv s, size_t *pos)
{
	size_t i = *pos, st;
	while (i < s.n && s.p[i] == ' ')
		i++;
	st = i;
	if (i < s.n) {
		const char *sp = memchr(s.p + i, ' ', s.n - i);
		i = sp ? (size_t)(sp - s.p) : s.n;
	}
	*pos = i < s.n ? i + 1 : i;
	return ms_sv_make(s.p + st, i - st);
}

/* Split "prog[pid]:" / "prog:" / "prog(x):" tokens.  tok excludes the space.
 * Returns 1 if tok is a program tag. */
static int split_tag(ms_sv tok, ms_syslog *out)
{
	long lb;
	if (tok.n < 2 || tok.p[tok.n - 1] != ':')
		return 0;
	tok.n--;
	out->pid = -1;
	if (tok.n && tok.p[tok.n - 1] == ']' && (lb = ms_sv_rchr(tok, '[')) > 0) {
		/* at most 10 digits: no overflow; inline (ms_sv_u64 was 68
		 * instructions a line here, the call included) */
		uint64_t v = 0;
		size_t k = 0;
		ms_sv num = ms_sv_make(tok.p + lb + 1, tok.n - (size_t)lb - 2);
		if (num.n <= 10)
			for (unsigned d; k < num.n && (d = (unsigned)((unsigned char)num.p[k] - '0')) <= 9; k++)
				v = v * 10 + d;
		if (num.n > 0 && num.n <= 10 && k == num.n) {
			out->pid = (long)v;
			tok.n = (size_t)lb;
		}
	}
	if (tok.n == 0)
		return 0;
	out->prog = tok;
	return 1;
}

/* "mail.info", "local0.warn": a facility.priority token (busybox syslogd writes one
 * between the host and the tag) */
static int is_facility_priority(ms_sv t)
{
	static const char *const fac[] = { "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
					   "uucp", "cron", "authpriv", "ftp", "local0", "local1", "local2",
					   "local3", "local4", "local5", "local6", "local7" };
	static const char *const pri[] = { "emerg", "alert", "crit", "err", "error", "warn", "warning",
					   "notice", "info", "debug", "panic" };
	long dot = ms_sv_chr(t, '.');
	if (dot <= 0 || t.n > 20)
		return 0;
	ms_sv f = ms_sv_head(t, (size_t)dot), p = ms_sv_skip(t, (size_t)dot + 1);
	int ok = 0;
	for (size_t i = 0; i < sizeof fac / sizeof *fac && !ok; i++)
		ok = f.n == strlen(fac[i]) && memcmp(f.p, fac[i], f.n) == 0;
	if (!ok)
		return 0;
	for (size_t i = 0; i < sizeof pri / sizeof *pri; i++)
		if (p.n == strlen(pri[i]) && memcmp(p.p, pri[i], p.n) == 0)
			return 1;
	return 0;
}

/* A tag cut at 32 bytes by rsyslog's "%syslogtag:1:32%", with all of the pid
 * but the "]:": "postfix/submission/smtpd[2634372".  Only with 7 digits or more
 * (Linux pids have at most 7): a pid cut short would merge processes. */
static int cut_tag(ms_sv tok, ms_syslog *out)
{
	long lb = ms_sv_rchr(tok, '[');
	size_t d, end = tok.n;
	uint64_t v;
	if (tok.n != 32 || lb <= 0 || (size_t)lb + 1 >= tok.n)
		return 0;
	int closed = tok.p[tok.n - 1] == ']'; /* "...smtpd[263437]": only the ':' was cut */
	end -= (size_t)closed;
	d = ms_sv_u64(ms_sv_make(tok.p + lb + 1, end - (size_t)lb - 1), &v);
	if (d != end - (size_t)lb - 1 || d == 0 || (!closed && d < 7) || d > 10)
		return 0;
	out->prog = ms_sv_head(tok, (size_t)lb);
	out->pid = (long)v;
	return 1;
}

static void split_daemon(ms_syslog *out)
{
	long sl = ms_sv_rchr(out->prog, '/');
	if (sl >= 0) {
		out->daemon = ms_sv_skip(out->prog, (size_t)sl + 1);
		out->service = ms_sv_head(out->prog, (size_t)sl);
	} else {
		out->daemon = out->prog;
		out->service = MS_SV_NULL;
	}
	/* "auth-worker(22401)" style: strip the parenthesised part from the daemon */
	if (out->daemon.n && out->daemon.p[out->daemon.n - 1] == ')') {
		long lp = ms_sv_chr(out->daemon, '(');
		if (lp > 0)
			out->daemon.n = (size_t)lp;
	}
}

/*
 * What some syslog daemons wrap around a message:
 *  - Solaris' "[ID 197553 mail.info] " message id and facility;
 *  - rsyslog's repeated-message reduction (on in Ubuntu's shipped
 *    configuration): "message repeated 4 times: [ warning: ... failed: ...]" stands
 *    for four lines of that message, which an attacker retrying in one
 *    session writes.  repeat = N (at most MS_REPEAT_MAX: the wrapper's text
 *    is the message's, anything may write it).
 */
#define MS_REPEAT_MAX 100000

static void unwrap_slow(ms_syslog *out)
{
	ms_sv m = out->msg;
	if (ms_sv_starts(m, "[ID ")) {
		size_t i = 4, d = 0;
		while (i < m.n && isdig(m.p[i]))
			i++, d++;
		if (d && i < m.n && m.p[i] == ' ') {
			long e = ms_sv_find_lit(ms_sv_skip(m, i), "] ");
			if (e > 0 && e < 32)
				m = ms_sv_skip(m, i + (size_t)e + 2);
		}
	}
	if (ms_sv_starts(m, "message repeated ")) {
		ms_sv r = ms_sv_skip(m, 17);
		uint64_t v;
		size_t d = ms_sv_u64(r, &v);
		if (d && d <= 12 && v > 0 && ms_sv_starts(ms_sv_skip(r, d), " times: [") && m.p[m.n - 1] == ']') {
			ms_sv in = ms_sv_skip(r, d + 9);
			in.n--; /* the closing ']' */
			if (in.n && in.p[0] == ' ')
				in = ms_sv_skip(in, 1);
			m = in;
			out->repeat = (int)(v > MS_REPEAT_MAX ? MS_REPEAT_MAX : v);
		}
	}
	out->msg = m;
}

/* one test of the first byte for nearly every line */
static inline void unwrap_msg(ms_syslog *out)
{
	if (out->msg.n && (out->msg.p[0] == '[' || out->msg.p[0] == 'm'))
		unwrap_slow(out);
}

/*
 * "last message repeated N times" (sysklogd, BSD syslogd, rsyslog when the
 * repeat line carries no message), FreeBSD's "--- last message repeated N
 * times ---": N, or 0.  Out of line and only where a tag is missing:
 * inlined into the header parser it cost every line ~10 instructions
 * (callgrind, 20 MB benchmark log).
 */
__attribute__((noinline, cold)) static int repeat_last(ms_sv r)
{
	uint64_t v;
	int dashes = ms_sv_starts(r, "--- ");
	if (dashes)
		r = ms_sv_skip(r, 4);
	if (!ms_sv_starts(r, "last message repeated "))
		return 0;
	r = ms_sv_skip(r, 22);
	size_t d = ms_sv_u64(r, &v);
	if (!d || d > 12 || v == 0)
		return 0;
	r = ms_sv_skip(r, d);
	if (!ms_sv_starts(r, " time"))
		return 0;
	r = ms_sv_skip(r, ms_sv_starts(r, " times") ? 6 : 5);
	if (dashes && ms_sv_starts(r, " ---"))
		r = ms_sv_skip(r, 4);
	while (r.n && r.p[r.n - 1] == ' ')
		r.n--;
	return r.n ? 0 : (int)(v > MS_REPEAT_MAX ? MS_REPEAT_MAX : v);
}

static ms_line_status parse_5424(ms_sv s, size_t pos, ms_syslog *out)
{
	ms_sv host, app, procid, msgid;
	size_t n;
	int sp = 0;
	n = parse_iso(ms_sv_skip(s, pos), &out->ts, &sp);
	if (!n || sp)
		return MS_LINE_BAD;
	pos += n;
	if (pos >= s.n || s.p[pos] != ' ')
		return MS_LINE_BAD;
	pos++;
	host = token(s, &pos);
	app = token(s, &pos);
	procid = token(s, &pos);
	msgid = token(s, &pos);
	if (!host.n || !app.n || !procid.n || !msgid.n)
		return MS_LINE_BAD;
	/* structured data: "-" or one or more [..] groups (quoted values may hold ']') */
	if (pos < s.n && s.p[pos] == '-') {
		pos++;
	} else {
		while (pos < s.n && s.p[pos] == '[') {
			int q = 0;
			pos++;
			while (pos < s.n) {
				char c = s.p[pos++];
				if (c == '\\' && pos < s.n) { pos++; continue; }
				if (c == '"') q = !q;
				else if (c == ']' && !q) break;
			}
		}
	}
	if (pos < s.n && s.p[pos] == ' ')
		pos++;
	/* rsyslog's RSYSLOG_SyslogProtocol23Format: "%STRUCTURED-DATA% %msg%", and
	 * its msg keeps the space that followed the tag's ':' */
	if (pos < s.n && s.p[pos] == ' ')
		pos++;
	if (s.n - pos >= 3 && (unsigned char)s.p[pos] == 0xEF && (unsigned char)s.p[pos + 1] == 0xBB &&
	    (unsigned char)s.p[pos + 2] == 0xBF)
		pos += 3;
	out->host = ms_sv_eq_lit(host, "-") ? MS_SV_NULL : host;
	out->prog = ms_sv_eq_lit(app, "-") ? MS_SV_NULL : app;
	out->pid = -1;
	if (!ms_sv_eq_lit(procid, "-")) {
		uint64_t v;
		if (procid.n <= 10 && ms_sv_u64(procid, &v) == procid.n)
			out->pid = (long)v;
	}
	split_daemon(out);
	out->msg = ms_sv_skip(s, pos);
	unwrap_msg(out);
	return MS_LINE_OK;
}

/* the first n bytes of a and b are equal (n <= sizeof memo text) */
static int stamp_eq(const char *a, const char *b, size_t n)
{
	uint64_t x, y, u, v;
	if (n < 8 || n > 16)
		return memcmp(a, b, n) == 0;
	/* "Feb  3 12:00:00" is 15 bytes: two overlapping words */
	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	memcpy(&u, a + n - 8, 8);
	memcpy(&v, b + n - 8, 8);
	return ((x ^ y) | (u ^ v)) == 0;
}

ms_line_status ms_syslog_parse(const char *line, size_t len, ms_syslog *out)
{
	return ms_syslog_parse_memo(line, len, out, NULL);
}

static ms_line_status parse_line(const char *line, size_t len, ms_syslog *out, ms_stamp_memo *memo);

/* a name of a container or service: [A-Za-z0-9][A-Za-z0-9_.-]* */
static size_t name_len(ms_sv s)
{
	size_t i = 0;
	while (i < s.n && i < 128 &&
	       ((s.p[i] >= 'a' && s.p[i] <= 'z') || (s.p[i] >= 'A' && s.p[i] <= 'Z') || isdig(s.p[i]) ||
		(i > 0 && (s.p[i] == '_' || s.p[i] == '.' || s.p[i] == '-'))))
		i++;
	return i;
}

/*
 * What a tool put before a syslog line, when the line is none without it:
 * where the line starts (0: nothing known).
 * - `docker compose logs`: "postfix-mailcow-1  | " (v1: "postfix-mailcow_1    | ");
 * - a container runtime's log file (Kubernetes CRI): "2024-12-21T22:07:01.123456789Z stdout F ";
 * - `docker logs -t`: "2024-12-21T22:07:01.123456789Z ";
 * - grep over several files: "/var/log/maillog:" or "maillog.1:123:" (-n).
 * The line's own stamp is read, not the tool's.
 */
static size_t wrapper_len(ms_sv s)
{
	size_t n = name_len(s), i = n;
	while (i < s.n && s.p[i] == ' ')
		i++;
	if (n && i > n && i + 1 < s.n && s.p[i] == '|' && s.p[i + 1] == ' ')
		return i + 2;
	ms_stamp ts;
	int sp = 0;
	memset(&ts, 0, sizeof ts);
	if (s.n && isdig(s.p[0]) && (n = parse_iso(s, &ts, &sp)) && !sp && ts.has_offset && n + 1 < s.n &&
	    s.p[n] == ' ') {
		ms_sv r = ms_sv_skip(s, n + 1);
		if ((ms_sv_starts(r, "stdout ") || ms_sv_starts(r, "stderr ")) && r.n > 9 &&
		    (r.p[7] == 'F' || r.p[7] == 'P') && r.p[8] == ' ')
			return n + 1 + 9;
		return n + 1;
	}
	/* grep: a path (no blank), ':', maybe a line number and ':' or '-' */
	for (i = 0; i < s.n && i < 4096 && s.p[i] != ' ' && s.p[i] != '\t'; i++)
		if (s.p[i] == ':') {
			ms_sv path = ms_sv_head(s, i);
			if (!memchr(path.p, '/', path.n) && !memchr(path.p, '.', path.n))
				return 0;
			size_t k = i + 1, d = k;
			while (d < s.n && isdig(s.p[d]))
				d++;
			if (d > k && d < s.n && (s.p[d] == ':' || s.p[d] == '-'))
				k = d + 1;
			return k < s.n ? k : 0;
		}
	return 0;
}

ms_line_status ms_syslog_parse_memo(const char *line, size_t len, ms_syslog *out, ms_stamp_memo *memo)
{
	ms_line_status r = parse_line(line, len, out, memo);
	/* a wrapped line: once or twice ("name | 2024-...Z Dec 21 ..." of
	 * `docker compose logs -t`); nothing is lost when it is no line either */
	size_t off = 0;
	for (int k = 0; k < 2 && r == MS_LINE_BAD; k++) {
		size_t w = wrapper_len(ms_sv_make(line + off, len - off));
		if (!w)
			break;
		off += w;
		r = parse_line(line + off, len - off, out, memo);
	}
	return r;
}

static ms_line_status parse_line(const char *line, size_t len, ms_syslog *out, ms_stamp_memo *memo)
{
	ms_sv s = ms_sv_make(line, len);
	size_t pos = 0, n;
	int sp = 0;
	ms_sv tok;

	memset(out, 0, sizeof *out);
	out->pid = -1;
	/* the line end, and blanks a relay or an editor left before it (a
	 * trailing blank made "connect from NAME[IP] " unrecognised) */
	while (s.n && (s.p[s.n - 1] == '\r' || s.p[s.n - 1] == '\n' || s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	/* the NULs a crash leaves before the next line (NULs alone are no line),
	 * a UTF-8 byte order mark */
	if (s.n && (s.p[0] == '\0' || (unsigned char)s.p[0] == 0xEF)) {
		while (s.n && s.p[0] == '\0')
			s = ms_sv_skip(s, 1);
		if (s.n == 0)
			return MS_LINE_BAD;
		if (s.n >= 3 && (unsigned char)s.p[0] == 0xEF && (unsigned char)s.p[1] == 0xBB &&
		    (unsigned char)s.p[2] == 0xBF)
			s = ms_sv_skip(s, 3);
	}
	if (s.n == 0)
		return MS_LINE_MARKER;
	if (ms_sv_starts(s, "-- "))
		return MS_LINE_MARKER;

	/* RFC 5424: optional <PRI> then version "1 " */
	if (s.p[0] == '<') {
		size_t i = 1;
		while (i < s.n && i < 5 && isdig(s.p[i]))
			i++;
		if (i == 1 || i >= s.n || s.p[i] != '>')
			return MS_LINE_BAD;
		pos = i + 1;
		if (pos + 2 <= s.n && s.p[pos] == '1' && s.p[pos + 1] == ' ')
			return parse_5424(s, pos + 2, out);
		/* "<13>Feb  3 ..." : BSD syslog with PRI */
		s = ms_sv_skip(s, pos);
		pos = 0;
		if (s.n == 0)
			return MS_LINE_BAD; /* "<13>" and nothing else */
	} else if (s.n > 2 && s.p[0] == '1' && s.p[1] == ' ' && isdig(s.p[2])) {
		return parse_5424(s, 2, out);
	}

	if (memo && memo->n && s.n > memo->n && s.p[memo->n] == ' ' && stamp_eq(s.p, memo->text, memo->n)) {
		/* the stamp of the line before (bytes 0..n, the space included,
		 * are all the stamp parsers read) */
		out->ts = memo->ts;
		n = memo->n;
		sp = memo->sp;
		out->stamp_id = memo->gen;
	} else {
		if (isdig(s.p[0])) {
			n = parse_iso(s, &out->ts, &sp);
			if (!n) { /* journalctl short-unix */
				memset(&out->ts, 0, sizeof out->ts);
				n = parse_unix(s, &out->ts);
				sp = 0;
			}
		} else if (s.p[0] == '@') {
			n = parse_tai64n(s, &out->ts);
			sp = 1; /* no host */
		} else {
			n = parse_3164(s, &out->ts);
			if (!n) { /* journalctl short-full */
				memset(&out->ts, 0, sizeof out->ts);
				n = parse_full(s, &out->ts);
				sp = 0;
			}
		}
		if (!n || n >= s.n || s.p[n] != ' ')
			return MS_LINE_BAD;
		if (memo && n <= sizeof memo->text) {
			memcpy(memo->text, s.p, n);
			memo->n = n;
			memo->sp = sp;
			memo->ts = out->ts;
			out->stamp_id = ++memo->gen;
		}
	}
	pos = n + 1;

	tok = token(s, &pos);
	if (!tok.n)
		return MS_LINE_BAD;
	if (sp || tok.p[tok.n - 1] == ':') {
		/* no host field: the token is the program tag */
		if (!split_tag(tok, out)) {
			if (!sp)
				return MS_LINE_BAD;
			/* "2026-12-07 17:23:45 HOST prog[pid]: ..." (an rsyslog or
			 * syslog-ng template with a space-separated date): a host */
			size_t p2 = pos;
			ms_sv t2 = token(s, &p2);
			if (out->ts.kind == MS_TS_ISO && tok.p[tok.n - 1] != ':' && split_tag(t2, out)) {
				out->host = tok;
				pos = p2;
				goto tagged;
			}
			/* TAI64N/dovecot lines: "imap-login: ..." must be a tag; else treat whole as msg */
			out->msg = ms_sv_make(tok.p, s.n - (size_t)(tok.p - s.p));
			return MS_LINE_OK;
		}
	} else {
		size_t save = pos;
		out->host = tok;
		tok = token(s, &pos);
		if (!split_tag(tok, out)) {
			if (tok.n && (out->repeat_last = repeat_last(ms_sv_make(tok.p, s.n - (size_t)(tok.p - s.p)))) > 0) {
				/* no program: "HOST last message repeated N times" */
				out->prog = out->daemon = out->service = MS_SV_NULL;
				out->pid = -1;
				out->msg = ms_sv_make(tok.p, s.n - (size_t)(tok.p - s.p));
				return MS_LINE_OK;
			}
			/* RFC 3339 stamp with the RFC 5424 field layout (template without <PRI>1) */
			if (out->ts.kind == MS_TS_ISO) {
				ms_syslog tmp;
				memset(&tmp, 0, sizeof tmp);
				tmp.ts = out->ts;
				if (parse_5424(s, 0, &tmp) == MS_LINE_OK && tmp.pid >= 0) {
					*out = tmp;
					return MS_LINE_OK;
				}
			}
			/* busybox syslogd: "HOST mail.info prog[pid]: ..." */
			size_t p2 = pos;
			ms_sv t2 = token(s, &p2);
			if (is_facility_priority(tok) && split_tag(t2, out)) {
				pos = p2;
				goto tagged;
			}
			/* rsyslog's forwarding templates cut the tag at 32 bytes
			 * ("%syslogtag:1:32%"): "postfix/submission/smtpd[2634372 msg" */
			if (cut_tag(tok, out))
				goto tagged;
			/* a program name with one space and a pid (Plesk's
			 * "greylisting filter[29663]: ...") */
			if (!tok.n || t2.n < 3 || t2.p[t2.n - 2] != ']' || t2.p[t2.n - 1] != ':' ||
			    !split_tag(ms_sv_make(tok.p, (size_t)(t2.p + t2.n - tok.p)), out) || out->pid < 0)
				return MS_LINE_BAD;
			(void)save;
			pos = p2;
		}
	}
tagged:
	split_daemon(out);
	/* a template's "%syslogtag% %msg%" with msg keeping the space after the tag's ':'
	 * (no program's message starts with a space) */
	while (pos < s.n && s.p[pos] == ' ')
		pos++;
	out->msg = ms_sv_skip(s, pos);

	/* Forwarded wrapper: "systemd[1]: plesk_saslauthd[6896]: msg" */
	if (ms_sv_eq_lit(out->daemon, "systemd") || ms_sv_eq_lit(out->daemon, "journal")) {
		size_t p2 = 0;
		ms_syslog inner = *out;
		tok = token(out->msg, &p2);
		if (tok.n && split_tag(tok, &inner) && inner.pid >= 0) {
			split_daemon(&inner);
			inner.msg = ms_sv_skip(out->msg, p2);
			*out = inner;
		}
	}
	unwrap_msg(out);
	return MS_LINE_OK;
}
