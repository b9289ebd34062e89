/* SPDX-License-Identifier: MIT */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grammar.h"
#include "grammar_int.h"

static const char *const ev_names[EV__COUNT] = {
	"unknown", "noise", "connect", "disconnect", "abort", "auth_fail", "auth_aborted",
	"auth_ratelimit", "client", "reject", "rdns_mismatch", "client_warn", "tls_setup",
	"tls_established", "tls_outbound", "tls_error", "tls_read", "tls_write", "ps_connect",
	"ps_pass", "ps_event", "ps_disconnect", "ps_reject", "q_msgid", "q_from", "q_delivery",
	"q_removed", "plesk_fail", "plesk_nouser", "saslauthd_fail", "dovecot_auth",
	"dovecot_login", "log_loss", "sasl_server_down",
};

const char *ms_ev_name(ms_ev_type t)
{
	return (t >= 0 && t < EV__COUNT) ? ev_names[t] : "?";
}

static pcre2_code *compile(const char *pat, char *err, size_t errlen)
{
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
	if (!re) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(ec, msg, sizeof msg);
		snprintf(err, errlen, "internal pattern error at %zu: %s", (size_t)eo, (char *)msg);
		return NULL;
	}
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
	return re;
}

ms_grammar *ms_grammar_new(char *err, size_t errlen)
{
	ms_grammar *g = calloc(1, sizeof *g);
	if (!g) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->re_dovecot_auth = compile(
		"(?:^|[ :])(pam|passwd-file|passwd|shadow|sql|ldap|checkpassword|bsdauth|lua|oauth2|static|vpopmail)"
		"\\(([^,()]*),([0-9A-Fa-f.:]+)(?:,<[^>]*>|,)?\\): (.*)$", err, errlen);
	g->re_saslauthd = compile(
		"auth failure: \\[user=([^\\]]*)\\] \\[service=([^\\]]*)\\](?: \\[realm=[^\\]]*\\])?(?: \\[remote=([^\\]]*)\\])?"
		"(?: \\[mech=([^\\]]*)\\])?(?: \\[reason=([^\\]]*)\\])?",
		err, errlen);
	if (!g->re_dovecot_auth || !g->re_saslauthd) {
		ms_grammar_free(g);
		return NULL;
	}
	g->md = pcre2_match_data_create(16, NULL);
	if (!g->md) {
		snprintf(err, errlen, "out of memory");
		ms_grammar_free(g);
		return NULL;
	}
	return g;
}

void ms_grammar_free(ms_grammar *g)
{
	if (!g)
		return;
	pcre2_code_free(g->re_dovecot_auth);
	pcre2_code_free(g->re_saslauthd);
	pcre2_match_data_free(g->md);
	free(g);
}

int ms_grammar_match(ms_grammar *g, void *re, ms_sv s, ms_sv *caps, int ncaps)
{
	int rc = pcre2_match((pcre2_code *)re, (PCRE2_SPTR)(s.p ? s.p : ""), s.n, 0, 0, g->md, NULL);
	if (rc < 0)
		return 0;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(g->md);
	for (int i = 0; i < ncaps; i++) {
		if (i + 1 < rc && ov[2 * (i + 1)] != PCRE2_UNSET)
			caps[i] = ms_sv_make(s.p + ov[2 * (i + 1)], ov[2 * (i + 1) + 1] - ov[2 * (i + 1)]);
		else
			caps[i] = MS_SV_NULL;
	}
	return 1;
}

static int is_dovecot(ms_sv d)
{
	return ms_sv_eq_lit(d, "dovecot") || ms_sv_eq_lit(d, "auth") || ms_sv_eq_lit(d, "auth-worker") ||
	       ms_sv_eq_lit(d, "dovecot-auth") || ms_sv_ends(d, "-login");
}

static void ev_reset(ms_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->port = -1;
	ev->num = -1;
	ev->num2 = -1;
}

/*
 * A Postfix line whose tag lost its "/daemon": rsyslog's RFC 5424 APP-NAME and
 * its programname stop at the first '/' (unless parser.permitSlashInProgramName
 * is on), so "postfix/smtpd[1003]" arrives as "postfix 1003" or "postfix[1003]".
 * The daemon is told by the text, and only what names a client goes to smtpd
 * or postscreen: tlsproxy ("CONNECT from [IP]:PORT" without " to", a TLS
 * line with a bare "[IP]:PORT") and the smtp client (its -v dialogue
 * "< NAME[IP]:25: ...", its "SASL authentication failed: server said") log
 * look-alike lines (tlsproxy's "DISCONNECT [IP]:PORT" is still postscreen's).
 * The program name becomes the service, so that the session key (host,
 * service, pid) is the same for every line of a process.  What stays ambiguous is left to the other daemons' grammar or
 * unrecognised, never counted as a client's.
 */
static int smtpd_queue_line(ms_sv rest)
{
	static const char *const act[] = { "reject: ", "hold: ", "discard: ", "filter: ", "warn: ", "redirect: ",
					   "reject_warning: ", "bcc: " };
	if (ms_sv_starts(rest, "client=") || ms_sv_starts(rest, "lost connection after ") ||
	    ms_sv_starts(rest, "timeout after ") || ms_sv_starts(rest, "too many errors after ") ||
	    ms_sv_starts(rest, "abort: TLS from ") || ms_sv_starts(rest, "bare <LF> received after "))
		return 1;
	/* smtpd's "ACTION: STAGE from NAME[IP]: ..."; cleanup's "ACTION: header|body ..." */
	for (size_t i = 0; i < sizeof act / sizeof *act; i++) {
		size_t n = strlen(act[i]);
		if (rest.n > n && memcmp(rest.p, act[i], n) == 0) {
			ms_sv st = ms_sv_skip(rest, n);
			return !ms_sv_starts(st, "header ") && !ms_sv_starts(st, "body ");
		}
	}
	return 0;
}

static ms_family bare_postfix(ms_syslog *sl, ms_event *ev)
{
	ms_sv m = sl->msg;
	size_t q = ms_queue_id_len(m);
	sl->service = sl->prog;
	if (q && !(q == 7 && ms_sv_starts(m, "NOQUEUE"))) {
		if (smtpd_queue_line(ms_sv_skip(m, q + 2))) {
			sl->daemon = MS_SV_LIT("smtpd");
			ms_parse_smtpd(m, ev);
			return MS_FAM_SMTPD;
		}
		ms_parse_postfix_other(MS_SV_NULL, m, ev);
		return MS_FAM_POSTFIX;
	}
	/* postscreen's CONNECT names its own end too (from 2.9): tlsproxy's does not */
	if (!ms_sv_starts(m, "CONNECT from [") || ms_sv_find_lit(m, " to [") > 0) {
		ms_parse_postscreen(m, ev);
		if (ev->type >= EV_PS_CONNECT && ev->type <= EV_PS_REJECT) {
			sl->daemon = MS_SV_LIT("postscreen");
			return MS_FAM_POSTSCREEN;
		}
		ev_reset(ev);
	}
	ms_parse_smtpd(m, ev);
	/* a client's line: it names one (smtpd's NAME[IP], never tlsproxy's bare [IP]) */
	if (ev->type != EV_UNKNOWN && ev->type != EV_NOISE && ev->ip.n && ev->name.n && m.p[0] != '<' &&
	    m.p[0] != '>' && ms_sv_find_lit(m, ": SASL authentication failed: server said") < 0) {
		sl->daemon = MS_SV_LIT("smtpd");
		return MS_FAM_SMTPD;
	}
	/* smtpd's own noise (as with the full tag) */
	if (ev->type == EV_NOISE) {
		sl->daemon = MS_SV_LIT("smtpd");
		return MS_FAM_SMTPD;
	}
	/* a connect or disconnect smtpd could not read stays unrecognised, as with
	 * the full tag (the other daemons' grammar would call it noise) */
	if (ev->type == EV_UNKNOWN && (ms_sv_starts(m, "connect from ") || ms_sv_starts(m, "disconnect from ") ||
				       (ms_sv_starts(m, "warning: ") && ms_sv_chr(m, '[') > 0)))
		return MS_FAM_SMTPD;
	ev_reset(ev);
	ms_parse_postfix_other(MS_SV_NULL, m, ev);
	return MS_FAM_POSTFIX;
}

/*
 * Programs that share a mail server's log and whose lines are no evidence of
 * SMTP AUTH (content filters, milters, policy servers, list managers,
 * Plesk's): known noise, counted by program in parse --summary, so that
 * report --by unrecognised shows what the grammars missed.  Matched on the
 * name after a path ("/usr/lib/plesk-9.0/psa-pc-remote").
 */
static int mail_companion(ms_sv prog)
{
	static const char *const names[] = {
		"amavis", "amavisd", "amavisd-new", "amavisd-milter", "spamd", "spamc", "spamass-milter",
		"opendkim", "opendmarc", "openarc", "dkimpy-milter", "policyd-spf", "policyd-spf-perl",
		"policyd-weight", "postgrey", "postfwd", "postfwd2", "sqlgrey", "clamd", "freshclam",
		"clamav-milter", "milter-greylist", "rspamd", "rspamc", "psa-pc-remote", "greylisting filter",
		"mailman", "sympa", "fetchmail", "procmail", "maildrop", "dspam", "bogofilter",
	};
	long sl = ms_sv_rchr(prog, '/');
	ms_sv base = sl >= 0 ? ms_sv_skip(prog, (size_t)sl + 1) : prog;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (base.n == strlen(names[i]) && !memcmp(base.p, names[i], base.n))
			return 1;
	return 0;
}

ms_family ms_grammar_classify(ms_grammar *g, ms_syslog *sl, ms_event *ev)
{
	ms_sv d = sl->daemon;
	ev_reset(ev);

	if (ms_sv_eq_lit(d, "smtpd")) {
		ms_parse_smtpd(sl->msg, ev);
		return MS_FAM_SMTPD;
	}
	if (ms_sv_eq_lit(d, "postscreen")) {
		ms_parse_postscreen(sl->msg, ev);
		return MS_FAM_POSTSCREEN;
	}
	if (ms_sv_eq_lit(d, "plesk_saslauthd")) {
		ms_parse_plesk(sl->msg, ev);
		return MS_FAM_PLESK;
	}
	if (ms_sv_eq_lit(d, "saslauthd")) {
		ms_parse_saslauthd(g, sl->msg, ev);
		return MS_FAM_SASLAUTHD;
	}
	if (is_dovecot(d)) {
		/* "imap-login: Info: ..." with no host (TAI64N, Dovecot's own file): the program is the service */
		if (ms_sv_ends(d, "-login") && ms_sv_find_lit(sl->msg, "-login: ") < 0)
			ms_parse_dovecot_login(d, sl->msg, ev);
		else
			ms_parse_dovecot(g, sl->msg, ev);
		return MS_FAM_DOVECOT;
	}
	if (ms_sv_starts(sl->prog, "postfix")) {
		if (!sl->service.n)
			return bare_postfix(sl, ev);
		ms_parse_postfix_other(d, sl->msg, ev);
		return MS_FAM_POSTFIX;
	}
	/* Dovecot 2.4 prefix "auth(user,ip,sasl:mech)<session>: ..." */
	if ((ms_sv_starts(sl->prog, "auth(") || ms_sv_starts(sl->prog, "auth-worker(")) && ms_sv_chr(sl->prog, ',') > 0) {
		ms_parse_dovecot_prefixed(sl->prog, sl->msg, ev);
		return MS_FAM_DOVECOT;
	}
	/* Dovecot's own log_path file with syslog-style stamps: "Jun 23 15:04:05 Info: imap-login: ..." */
	if (sl->host.n == 0 && (ms_sv_eq_lit(sl->prog, "Info") || ms_sv_eq_lit(sl->prog, "Warn") ||
				ms_sv_eq_lit(sl->prog, "Warning") || ms_sv_eq_lit(sl->prog, "Error") ||
				ms_sv_eq_lit(sl->prog, "Fatal") || ms_sv_eq_lit(sl->prog, "Panic") ||
				ms_sv_eq_lit(sl->prog, "Debug"))) {
		ms_sv m = sl->msg;
		if (ms_sv_find_lit(m, "auth") >= 0 || ms_sv_find_lit(m, "-login: ") >= 0 || ms_sv_starts(m, "IMAP(") ||
		    ms_sv_starts(m, "POP3(") || ms_sv_starts(m, "imap(") || ms_sv_starts(m, "pop3(")) {
			ms_parse_dovecot(g, m, ev);
			return MS_FAM_DOVECOT;
		}
	}
	/* system programs that share the mail log on Debian/Plesk hosts: known noise, counted by program */
	if (ms_sv_eq_lit(sl->prog, "CRON") || ms_sv_eq_lit(sl->prog, "cron") || ms_sv_eq_lit(sl->prog, "crond") ||
	    ms_sv_eq_lit(sl->prog, "anacron")) {
		ev->what = MS_SV_LIT("cron");
		ev->type = EV_NOISE;
		return MS_FAM_SYSTEM;
	}
	if (mail_companion(sl->prog)) {
		ev->what = sl->prog;
		ev->type = EV_NOISE;
		return MS_FAM_SYSTEM;
	}
	if (ms_is_syslogd(sl->prog)) {
		ms_parse_syslogd(sl->msg, ev);
		return MS_FAM_SYSTEM;
	}
	if (ms_sv_eq_lit(sl->prog, "systemd")) {
		ev->what = MS_SV_LIT("systemd");
		ev->type = EV_NOISE;
		return MS_FAM_SYSTEM;
	}
	ev->type = EV_UNKNOWN;
	return MS_FAM_OTHER;
}

size_t ms_queue_id_len(ms_sv s)
{
	size_t i = 0, max = s.n < 24 ? s.n : 24;
	/* letters and digits, branch-free: (c | 0x20) folds case and maps
	 * no other byte into 'a'..'z' */
	while (i < max) {
		unsigned c = (unsigned char)s.p[i];
		if ((c - '0' < 10u) | ((c | 0x20u) - 'a' < 26u))
			i++;
		else
			break;
	}
	if (i < 5 || i + 1 >= s.n || s.p[i] != ':' || s.p[i + 1] != ' ')
		return 0;
	/* a word such as "warning", "fatal", "error", "panic", "statistics": short
	 * queue ids are upper-case hex, long ones leave out the vowels */
	if ((unsigned char)s.p[0] >= 'a')
		for (size_t k = 0; k < i; k++)
			if (strchr("aeiou", s.p[k]))
				return 0;
	/* "NOQUEUE" is the no-queue-id marker, accepted as a queue id slot */
	return i;
}

static int kv_boundary(char c) { return c == ' ' || c == ',' || c == ';'; }

/*
 * One pass over the '=' of s for up to MS_KV_MAX keys (a delivery line's
 * to, status and relay were three scans of the line, each stopping at every
 * occurrence of the key's first letter).  A key matches at the first '='
 * that it ends, when it starts s or follows ' ', ',' or ';'.  Linear in
 * the length of s whatever it holds (each '=' is checked against each key
 * still missing, no scanning back).
 */
int ms_kv_get_n(ms_sv s, const char *const *keys, ms_sv *const *vals, int n)
{
	size_t kl[MS_KV_MAX];
	int found = 0;
	if (n > MS_KV_MAX)
		n = MS_KV_MAX;
	for (int i = 0; i < n; i++) {
		kl[i] = strlen(keys[i]);
		*vals[i] = MS_SV_NULL;
	}
	size_t pos = 0;
	unsigned done = 0;
	while (found < n && pos < s.n) {
		const char *q = memchr(s.p + pos, '=', s.n - pos);
		if (!q)
			break;
		size_t eq = (size_t)(q - s.p);
		pos = eq + 1;
		for (int k = 0; k < n; k++) {
			size_t st;
			if ((done >> k) & 1u || kl[k] == 0 || eq < kl[k])
				continue;
			st = eq - kl[k];
			if ((st > 0 && !kv_boundary(s.p[st - 1])) || memcmp(s.p + st, keys[k], kl[k]) != 0)
				continue;
			size_t i = eq + 1, b;
			if (i < s.n && s.p[i] == '<') {
				b = i + 1;
				/* the value ends at the first '>' (or the end) */
				const char *gt = memchr(s.p + b, '>', s.n - b);
				*vals[k] = ms_sv_make(s.p + b, gt ? (size_t)(gt - (s.p + b)) : s.n - b);
			} else {
				b = i;
				while (i < s.n && s.p[i] != ' ' && s.p[i] != ',')
					i++;
				*vals[k] = ms_sv_make(s.p + b, i - b);
			}
			done |= 1u << k;
			found++;
			break; /* one key per '=' */
		}
	}
	return found;
}

int ms_kv_get(ms_sv s, const char *key, ms_sv *val)
{
	ms_sv *v[1] = { val };
	return ms_kv_get_n(s, &key, v, 1);
}
