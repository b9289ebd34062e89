/* SPDX-License-Identifier: MIT */
/* redact.c - logged SMTP dialogue split into commands; its secrets hidden. */
#include <string.h>
#include "redact.h"
#include "addr.h"
#include "syslog.h"

/* the line ends a dialogue text may show, longest first where one starts
 * another: Postfix >= 3.4 shows CR and LF as '?' each (a bare LF: one '?'),
 * rsyslog escapes them as #015 #012 (as \015 \012 with a backslash for its
 * escape prefix), sysklogd as ^M ^J, Postfix's escape() as \r \n */
static const struct {
	const char *s;
	size_t n;
} eols[] = { { "#015#012", 8 }, { "\\015\\012", 8 }, { "\\r\\n", 4 }, { "#012", 4 }, { "#015", 4 },
	     { "\\012", 4 }, { "\\015", 4 }, { "\\n", 2 }, { "\\r", 2 },
	     { "^M^J", 4 }, { "^M", 2 }, { "^J", 2 }, { "??", 2 }, { "?", 1 } };

/* Where the first line end in s starts (s.n if none); *len = its length. */
static size_t find_eol(ms_sv s, size_t *len)
{
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		if (c == '\r' || c == '\n') {
			size_t k = i + 1;
			while (k < s.n && (s.p[k] == '\r' || s.p[k] == '\n'))
				k++;
			*len = k - i;
			return i;
		}
		if (c != '?' && c != '#' && c != '\\' && c != '^')
			continue;
		for (size_t e = 0; e < sizeof eols / sizeof eols[0]; e++)
			if (s.n - i >= eols[e].n && memcmp(s.p + i, eols[e].s, eols[e].n) == 0) {
				*len = eols[e].n;
				return i;
			}
	}
	*len = 0;
	return s.n;
}

int ms_dlg_next(ms_sv *rest, ms_sv *cmd, int *eol)
{
	if (!rest->p) {
		*cmd = MS_SV_NULL;
		*eol = 0;
		return 0;
	}
	size_t len, at = find_eol(*rest, &len);
	*cmd = ms_sv_head(*rest, at);
	if (at < rest->n) {
		*eol = 1;
		*rest = ms_sv_skip(*rest, at + len);
		if (rest->n == 0)
			*rest = MS_SV_NULL; /* the text ended with its line end */
		return 1;
	}
	/* the last command: a lone CR shown as '?' (its LF cut off) still ends it */
	*eol = 0;
	while (cmd->n && cmd->p[cmd->n - 1] == '?') {
		cmd->n--;
		*eol = 1;
	}
	*rest = MS_SV_NULL;
	return 1;
}

/* "Read N chars: " / "Write N chars: " at the start of m: the text's offset in m, or 0 */
static size_t tls_text(ms_sv m)
{
	size_t k;
	if (ms_sv_starts(m, "Read "))
		k = 5;
	else if (ms_sv_starts(m, "Write "))
		k = 6;
	else
		return 0;
	size_t d = k;
	while (d < m.n && d - k < 20 && m.p[d] >= '0' && m.p[d] <= '9')
		d++;
	if (d == k || !ms_sv_starts(ms_sv_skip(m, d), " chars:"))
		return 0;
	d += 7;
	return d < m.n && m.p[d] == ' ' ? d + 1 : d;
}

/* "< name[addr]: ", "> name[addr]:port: ", postscreen's "< addr:port: " at
 * the start of m: the text's offset, or 0.  The client's identity is one
 * word ended by ": " and is not checked (a scoped IPv6 address, a mangled
 * one): what matters is that a dialogue text follows. */
static size_t verbose_text(ms_sv m)
{
	if (m.n < 3 || (m.p[0] != '<' && m.p[0] != '>') || m.p[1] != ' ')
		return 0;
	size_t w = 2;
	while (w < m.n && w < 8 && m.p[w] == ' ')
		w++; /* "<  name[addr]: " (a relay's extra blank) */
	size_t lim = m.n < w + 512 ? m.n : w + 512;
	for (size_t i = w; i + 1 < lim && m.p[i] != ' '; i++) {
		if (m.p[i] == ':' && m.p[i + 1] == ' ')
			return i > w ? i + 2 : 0;
		/* "name[addr]:TEXT" (the blank lost): a port is digits and ": " */
		if (m.p[i] == ']' && m.p[i + 1] == ':' && i > w && i + 2 < m.n && m.p[i + 2] != ' ' &&
		    !(m.p[i + 2] >= '0' && m.p[i + 2] <= '9'))
			return i + 2;
	}
	return 0;
}

size_t ms_dlg_msg(ms_sv msg)
{
	size_t k = tls_text(msg);
	return k ? k : verbose_text(msg);
}

/*
 * Postfix messages that end with what the client sent, escaped (CR LF as
 * "\r\n"): smtpd's "improper command pipelining after CMD from NAME[IP]: TAIL"
 * (the pending input: after AUTH, the client's answers), "warning: NAME[IP]:
 * request longer than N: TEXT...", postscreen's "PREGREET N after T from
 * [IP]:PORT: TEXT", "COMMAND PIPELINING from [IP]:PORT after CMD: TAIL" and
 * the command filter's "NAME[IP]: replacing command ...".
 * A bot that pipelines its AUTH puts its credentials there.  Returns where
 * the client's text starts in m, or 0.  The first ": " after the prefix ends
 * the address ("[2001:db8::1]:25" holds none).
 */
static size_t client_tail(ms_sv m)
{
	static const char *const pre[] = { "improper command pipelining after ", "PREGREET ", "COMMAND PIPELINING from " };
	ms_sv t = MS_SV_NULL;
	for (size_t i = 0; i < sizeof pre / sizeof pre[0] && !t.p; i++)
		if (ms_sv_starts_(m, pre[i], strlen(pre[i])))
			t = ms_sv_skip(m, strlen(pre[i]));
	if (!t.p && ms_sv_starts(m, "warning: ")) {
		long k = ms_sv_find_lit(m, ": request longer than ");
		if (k > 0)
			t = ms_sv_skip(m, (size_t)k + 22);
	}
	if (!t.p) {
		/* smtpd_command_filter: "NAME[IP]: replacing command \"X\" with \"Y\"":
		 * both commands are the client's, quoted (a quoted one is no command
		 * we know: hidden) */
		ms_sv name, ip;
		long port;
		size_t k = ms_namaddr_parse(m, &name, &ip, &port);
		if (k && ms_sv_starts(ms_sv_skip(m, k), ": replacing command "))
			return k + 20; /* the message starts with the client: not a client's text elsewhere */
	}
	if (!t.p)
		return 0;
	long c = ms_sv_find_lit(t, ": ");
	return c < 0 ? 0 : (size_t)(t.p - m.p) + (size_t)c + 2;
}

/* t is one base64 word (A-Z a-z 0-9 + / =, at least a byte); *mark: it
 * holds one of 0-9 + / = (a plain word does not) */
static int b64_word(ms_sv t, int *mark)
{
	*mark = 0;
	for (size_t q = 0; q < t.n; q++) {
		char c = t.p[q];
		if ((c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=')
			*mark = 1;
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
			return 0;
	}
	return t.n > 0;
}

/* Where the dialogue text of line starts, or -1; sl: its parsed syslog
 * header, NULL when it has none we know. */
static long dlg_text_at(const char *line, size_t n, const ms_syslog *sl)
{
	ms_sv s = ms_sv_make(line, n);
	size_t k;
	if (sl) {
		/* the message is dialogue or it is not: client text elsewhere in
		 * it ("from=<x Read 1 chars: >") must not hide the rest */
		if (!sl->msg.p)
			return -1;
		ms_sv m = sl->msg;
		while (m.n && (m.p[0] == ' ' || m.p[0] == '\t')) /* "prog[pid]:  Read ..." (a template's extra blank) */
			m = ms_sv_skip(m, 1);
		k = ms_dlg_msg(m);
		if (!k && ms_sv_starts(sl->prog, "postfix"))
			k = client_tail(m);
		return k ? (long)((size_t)(m.p - line) + k) : -1;
	}
	/* no syslog header we know (a sample of an unrecognised line, a
	 * message-only export such as journald JSON, a continuation line):
	 * look for the markers anywhere after a blank or punctuation */
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i], b = i ? s.p[i - 1] : ' ';
		ms_sv at = ms_sv_skip(s, i);
		int bound = b == ' ' || b == '\t' || b == ':' || b == '"' || b == '=' || b == '\'' || b == 0;
		if ((c == 'R' || c == 'W') && bound && (k = tls_text(at)))
			return (long)(i + k);
		if ((c == '<' || c == '>') && bound && (k = verbose_text(at)))
			return (long)(i + k);
	}
	/* a line of its own that is an AUTH command or one base64 word (the
	 * rest of a multi-line message, a dialogue pasted alone) */
	size_t b0 = 0;
	while (b0 < s.n && (s.p[b0] == ' ' || s.p[b0] == '\t'))
		b0++;
	ms_sv t = ms_sv_skip(s, b0);
	if (ms_sv_starts_nocase(t, "AUTH ") || ms_sv_starts_nocase(t, "AUTH\t"))
		return (long)b0;
	size_t e = t.n;
	int mark;
	while (e && (t.p[e - 1] == ' ' || t.p[e - 1] == '\t' || t.p[e - 1] == '?'))
		e--;
	return e >= 4 && b64_word(ms_sv_head(t, e), &mark) ? (long)b0 : -1;
}

static int ieq_prefix(ms_sv s, const char *w)
{
	size_t n = strlen(w);
	if (s.n < n || !ms_sv_starts_nocase(s, w))
		return 0;
	return s.n == n || s.p[n] == ' ' || s.p[n] == ':';
}

/*
 * Commands whose arguments carry no credentials, in the forms a client sends
 * them: a body line or a short base64 answer that merely starts with such a
 * word ("Data: ...", "eHlo") is not one.
 */
static int safe_command(ms_sv c)
{
	/* the whole command */
	static const char *const bare[] = { "QUIT", "RSET", "NOOP", "STARTTLS", "DATA" };
	/* the word, one space, an argument */
	static const char *const arg[] = { "EHLO ", "HELO ", "LHLO ", "NOOP ", "BDAT ", "VRFY ", "EXPN ", "ETRN ",
					   "XCLIENT ", "XFORWARD " };
	/* the word and its colon */
	static const char *const colon[] = { "MAIL FROM:", "RCPT TO:" };
	if (c.n == 0 || (c.n == 1 && c.p[0] == '*'))
		return 1; /* an empty line; the SASL abort */
	/* a line end the log shows in a form we do not know would join the
	 * next command to this one's argument: "EHLO x<?>AUTH PLAIN <b64>" */
	for (size_t i = 1; i + 5 <= c.n; i++)
		if ((c.p[i] == 'A' || c.p[i] == 'a') && !((c.p[i - 1] >= 'A' && c.p[i - 1] <= 'Z') ||
							   (c.p[i - 1] >= 'a' && c.p[i - 1] <= 'z')) &&
		    ms_sv_starts_nocase(ms_sv_skip(c, i), "AUTH") && (c.p[i + 4] == ' ' || c.p[i + 4] == '\t'))
			return 0;
	for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++)
		if (c.n == strlen(bare[i]) && ms_sv_starts_nocase(c, bare[i]))
			return 1;
	for (size_t i = 0; i < sizeof arg / sizeof arg[0]; i++)
		if (c.n > strlen(arg[i]) && ms_sv_starts_nocase(c, arg[i]))
			return 1;
	for (size_t i = 0; i < sizeof colon / sizeof colon[0]; i++)
		if (ms_sv_starts_nocase(c, colon[i]))
			return 1;
	return 0;
}

/* a three-digit reply code, then the end, ' ' or '-' */
static int reply_code(ms_sv c)
{
	for (int i = 0; i < 3; i++)
		if (i >= (int)c.n || c.p[i] < '0' || c.p[i] > '9')
			return 0;
	return c.n == 3 || c.p[3] == ' ' || c.p[3] == '-';
}

typedef struct {
	char *p;
	size_t n, cap;
} obuf;

static void put(obuf *o, const char *s, size_t n)
{
	size_t room = o->cap - 1 - o->n;
	if (n > room)
		n = room;
	memcpy(o->p + o->n, s, n);
	o->n += n;
}

/* markers after which a text is a secret: anywhere in a line without a
 * syslog header or in a bare text; with a header see secret_at() */
static const struct {
	const char *s;
	size_t n;
	int dovecot;    /* a Dovecot marker: also in a line with a header, outside Postfix's */
} secret_mk[] = {
	/* Postfix -v, both sides of SASL (xsasl_cyrus_server.c, xsasl_cyrus_client.c,
	 * xsasl_dovecot_server.c, smtp_sasl_glue.c): decoded answers, the initial PLAIN
	 * response, the smtp client's own relay password */
	{ ": decoded initial response ", 27, 0 },
	{ ": decoded response: ", 20, 0 },
	{ ", init_response ", 16, 0 },
	{ ": uncoded initial reply: ", 25, 0 },
	{ " uncoded client response ", 25, 0 },
	/* Dovecot auth_verbose_passwords=plain, =sha1 ("(SHA1 of given password: 123abc)":
	 * an unsalted hash, as good as the password to a cracker) */
	{ "(given password: ", 17, 1 },
	{ " of given password: ", 20, 1 },
};

/* The offset in s from which it is a secret (s.n: nothing is), the start of
 * its message m given when s is a line with a syslog header, postfix when
 * its program is Postfix's.  In a line with a header only the -v function
 * names decide, and Dovecot's markers outside Postfix's lines: a client's
 * from=<x, init_response y> must not hide the rest of a reject line.  A Postfix -v
 * line of a SASL function ("xsasl_cyrus_client_get_passwd: PW",
 * "smtp_sasl_passwd_lookup: host `relay' user `u' pass `PW'", "maps_find:
 * smtp_sasl_passwd: ...: [relay]:587 = u:PW") keeps only the function's name;
 * Dovecot's auth_debug_passwords "SCHEME(PW) != 'hash'" loses the
 * parenthesis on. */
static size_t secret_at(ms_sv s, ms_sv m, int postfix)
{
	size_t best = s.n;
	for (size_t i = 0; i < sizeof secret_mk / sizeof secret_mk[0]; i++) {
		if (m.p && (postfix || !secret_mk[i].dovecot))
			continue; /* with a header: only Dovecot's markers, outside Postfix */
		long k = ms_sv_find(s, secret_mk[i].s, secret_mk[i].n);
		if (k >= 0 && (size_t)k + secret_mk[i].n < best)
			best = (size_t)k + secret_mk[i].n;
	}
	if (m.p) {
		size_t id = 0;
		while (id < m.n && ((m.p[id] >= 'a' && m.p[id] <= 'z') || (m.p[id] >= 'A' && m.p[id] <= 'Z') ||
				    (m.p[id] >= '0' && m.p[id] <= '9') || m.p[id] == '_'))
			id++;
		if (id && id + 1 < m.n && m.p[id] == ':' && m.p[id + 1] == ' ') {
			ms_sv name = ms_sv_head(m, id);
			int sasl = 0;
			for (size_t i = 0; i + 4 <= name.n && !sasl; i++)
				sasl = ms_sv_starts_nocase(ms_sv_skip(name, i), "sasl");
			if (sasl || ms_sv_find_lit(m, "sasl_passw") >= 0) {
				size_t off = (size_t)(m.p - s.p) + id + 2;
				if (off < best)
					best = off;
			}
		}
	}
	long ne = m.p && postfix ? -1 : ms_sv_find_lit(s, ") != '");
	if (ne > 0) {
		long op = ne;
		while (op > 0 && s.p[op - 1] != '(')
			op--;
		if (op > 0 && (size_t)op < best)
			best = (size_t)op;
	}
	return best;
}

size_t ms_redact_text(const char *s, size_t n, char *out, size_t cap)
{
	obuf o = { out, 0, cap };
	size_t k = secret_at(ms_sv_make(s, n), MS_SV_NULL, 0);
	put(&o, s, k);
	if (k < n)
		put(&o, "[redacted]", 10);
	out[o.n] = 0;
	return o.n;
}

/*
 * An unrecognised line's message: another daemon's dialogue in a form we do
 * not know ("<-- AUTH PLAIN ...", "C: AUTH LOGIN ..."), or a lone base64
 * word (an answer logged by itself).  Where its dialogue starts, or -1.
 * A lone word counts when it holds a digit, '+', '/' or '=' (a daemon's
 * "Reloading" is no answer; "UFd1bnJlYzQ=" is).
 */
/* s starts with a SASL mechanism name: one of the usual ones in any case, or
 * a name in RFC 4422's upper case (A-Z 0-9 - _, up to 20), then its end or a
 * blank ("auth failed for user" in a daemon's prose is none) */
static int sasl_mech(ms_sv s)
{
	static const char *const known[] = { "PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "XOAUTH2", "OAUTHBEARER",
					     "NTLM", "GSSAPI", "EXTERNAL", "ANONYMOUS", "SCRAM-SHA-1", "SCRAM-SHA-256" };
	size_t e = 0;
	int upper = 1;
	while (e < s.n && s.p[e] != ' ' && s.p[e] != '\t' && s.p[e] != ':') {
		char c = s.p[e];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			upper = 0;
		e++;
	}
	if (e == 0)
		return 0;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (e == strlen(known[i]) && ms_sv_starts_nocase(s, known[i]))
			return 1;
	return upper && e >= 4 && e <= 20;
}

static long unknown_dlg_at(const char *line, size_t n, const ms_syslog *sl)
{
	ms_sv m = sl && sl->msg.p ? sl->msg : ms_sv_make(line, n);
	size_t base = (size_t)(m.p - line);
	for (size_t i = 0; i + 5 <= m.n; i++) {
		char b = i ? m.p[i - 1] : ' ';
		/* "AUTH PLAIN ...", "AUTH=PLAIN ...", "AUTH PLAIN:..." */
		if ((b == ' ' || b == '\t' || b == ':' || b == '>' || b == '-' || b == '"') &&
		    ms_sv_starts_nocase(ms_sv_skip(m, i), "AUTH") && (m.p[i + 4] == ' ' || m.p[i + 4] == '=') &&
		    sasl_mech(ms_sv_trim(ms_sv_skip(m, i + 5))))
			return (long)(base + i);
	}
	ms_sv t = ms_sv_trim(m);
	int mark;
	if (t.n >= 8 && b64_word(t, &mark) && mark)
		return (long)(t.p - line);
	/* a short tag, then one base64 word: "C: VXNlcjE=" */
	long sp = ms_sv_chr(t, ' ');
	if (sp > 0 && sp <= 5) {
		ms_sv w = ms_sv_trim(ms_sv_skip(t, (size_t)sp + 1));
		if (w.n >= 8 && b64_word(w, &mark) && mark)
			return (long)(w.p - line);
	}
	return -1;
}

static size_t redact(const char *line, size_t n, char *out, size_t cap, int unknown);

size_t ms_redact_line(const char *line, size_t n, char *out, size_t cap)
{
	return redact(line, n, out, cap, 0);
}

size_t ms_redact_unknown_line(const char *line, size_t n, char *out, size_t cap)
{
	return redact(line, n, out, cap, 1);
}

static size_t redact(const char *line, size_t n, char *out, size_t cap, int unknown)
{
	obuf o = { out, 0, cap };
	ms_syslog sl;
	int ok = ms_syslog_parse(line, n, &sl) == MS_LINE_OK;
	long at = dlg_text_at(line, n, ok ? &sl : NULL);
	if (at < 0 && unknown)
		at = unknown_dlg_at(line, n, ok ? &sl : NULL);
	if (at < 0) {
		ms_sv m = ok ? (sl.msg.p ? sl.msg : ms_sv_make(line + n, 0)) : MS_SV_NULL;
		size_t k = secret_at(ms_sv_make(line, n), m, ok && ms_sv_starts(sl.prog, "postfix"));
		put(&o, line, k);
		if (k < n)
			put(&o, "[redacted]", 10);
		out[o.n] = 0;
		return o.n;
	}
	put(&o, line, (size_t)at);
	/* blanks at the end are the line's, not a command (the parser leaves them out) */
	size_t tail = n;
	while (tail > (size_t)at && (line[tail - 1] == ' ' || line[tail - 1] == '\t' || line[tail - 1] == '\r' ||
				      line[tail - 1] == '\n'))
		tail--;
	ms_sv rest = ms_sv_make(line + at, tail - (size_t)at), c;
	int eol, whole = 1;
	if (rest.n == 0)
		rest = MS_SV_NULL;
	while (ms_dlg_next(&rest, &c, &eol)) {
		/* the command and its line end as logged */
		const char *end = rest.p ? rest.p : line + tail;
		size_t span = (size_t)(end - c.p);
		if (safe_command(c) || (reply_code(c) && memcmp(c.p, "334", 3) != 0)) {
			put(&o, c.p, span);
			continue;
		}
		if (reply_code(c)) { /* a 334 challenge: what follows it answers the challenge */
			put(&o, c.p, 3);
			put(&o, " [redacted]", 11);
			whole = 0;
			break;
		}
		if (ieq_prefix(c, "AUTH")) {
			/* the mechanism, if it looks like one (RFC 4422: up to 20 of A-Z 0-9 - _) */
			size_t m = 4;
			while (m < c.n && c.p[m] == ' ')
				m++;
			size_t ms = m;
			while (m < c.n && c.p[m] != ' ' && m - ms <= 20) {
				char x = c.p[m];
				if (!((x >= 'A' && x <= 'Z') || (x >= 'a' && x <= 'z') || (x >= '0' && x <= '9') || x == '-' ||
				      x == '_'))
					break;
				m++;
			}
			if (m - ms > 20 || (m < c.n && c.p[m] != ' '))
				m = ms; /* not a mechanism name: hide it too */
			put(&o, c.p, m);
			size_t k = m;
			while (k < c.n && c.p[k] == ' ')
				k++;
			if (k == c.n) { /* "AUTH LOGIN": the answers follow as commands of their own */
				put(&o, c.p + c.n, span - c.n);
				continue;
			}
			put(&o, m > ms ? " [redacted]" : "[redacted]", m > ms ? 11 : 10);
			whole = 0;
			break;
		}
		put(&o, "[redacted]", 10);
		whole = 0;
		break;
	}
	if (whole)
		put(&o, line + tail, n - tail);
	out[o.n] = 0;
	return o.n;
}
