/* SPDX-License-Identifier: MIT */
/*
 * g_backend.c - SASL back ends that log in their own process:
 * plesk_saslauthd, Cyrus saslauthd, Dovecot auth and IMAP/POP logins.
 */
#include "grammar.h"
#include "grammar_int.h"
#include "addr.h"

void ms_parse_plesk(ms_sv m, ms_event *ev)
{
	ev->type = EV_UNKNOWN;
	/* "failed mail authenticatication attempt for user 'U' (password len=N)" (sic, old)
	 * "failed mail authentication attempt for user 'U' (password len=N)" */
	if (ms_sv_starts(m, "failed mail authenticatication attempt for user '") ||
	    ms_sv_starts(m, "failed mail authentication attempt for user '")) {
		long q = ms_sv_chr(m, '\'');
		ms_sv rest = ms_sv_skip(m, (size_t)q + 1);
		long e = -1, from = 0;
		for (;;) { /* last "' (password len=" */
			long k = ms_sv_find_lit(ms_sv_skip(rest, (size_t)from), "' (password len=");
			if (k < 0)
				break;
			e = from + k;
			from = e + 1;
		}
		if (e >= 0) {
			uint64_t v;
			ev->user = ms_sv_head(rest, (size_t)e);
			if (ms_sv_u64(ms_sv_skip(rest, (size_t)e + 16), &v))
				ev->num = (long)(v > 100000 ? 100000 : v);
		} else {
			/* cut line: keep what follows the quote up to a closing quote, if any */
			long c = ms_sv_rchr(rest, '\'');
			ev->user = c >= 0 ? ms_sv_head(rest, (size_t)c) : rest;
		}
		ev->type = EV_PLESK_FAIL;
		return;
	}
	if (ms_sv_starts(m, "No such user '")) {
		ms_sv rest = ms_sv_skip(m, 14);
		long e = ms_sv_find_lit(rest, "' in mail authorization database");
		ev->user = e >= 0 ? ms_sv_head(rest, (size_t)e) : rest;
		ev->type = EV_PLESK_NOUSER;
		return;
	}
	if (ms_sv_starts(m, "listen=") || ms_sv_starts(m, "privileges set to") ||
	    ms_sv_starts(m, "select timeout") || ms_sv_starts(m, "Starting") || ms_sv_starts(m, "started") ||
	    ms_sv_starts(m, "accept") || ms_sv_starts(m, "received signal") || ms_sv_starts(m, "exiting") ||
	    ms_sv_find_lit(m, "dbpath=") >= 0)
		ev->type = EV_NOISE;
}

/*
 * The address of saslauthd's "[remote=…]" field (the current Cyrus SASL source
 * logs the client as its "addr;port", or nothing when the caller gave
 * none): the address when it is one, else NULL.
 */
static ms_sv saslauthd_remote(ms_sv r)
{
	long semi = ms_sv_find_lit(r, ";");
	ms_sv ip = ms_ip_unmap(semi >= 0 ? ms_sv_head(r, (size_t)semi) : r);
	return ms_ip_valid(ip) ? ip : MS_SV_NULL;
}

/* what follows the view v inside m (empty when v is none or not in m) */
static ms_sv text_after(ms_sv m, ms_sv v)
{
	if (!v.p || v.p < m.p || v.p + v.n > m.p + m.n)
		return MS_SV_NULL;
	return ms_sv_skip(m, (size_t)(v.p + v.n - m.p));
}

/*
 * The "[realm=R]" that follows "[service=S]" (s: the service, a view into m):
 * R, empty when the realm is, NULL when there is none or the line was cut in it.
 */
static ms_sv saslauthd_realm(ms_sv m, ms_sv s)
{
	ms_sv r = text_after(m, s);
	if (!ms_sv_starts(r, "] [realm="))
		return MS_SV_NULL;
	r = ms_sv_skip(r, 9);
	long e = ms_sv_chr(r, ']');
	return e >= 0 ? ms_sv_head(r, (size_t)e) : MS_SV_NULL;
}

/* "pam_unix(smtp:auth): …", "pam_sss(…": a PAM module's own line */
static int pam_module_line(ms_sv m)
{
	long paren = ms_sv_find_lit(m, "(");
	long colon = ms_sv_find_lit(m, ":");
	return ms_sv_starts(m, "pam_") && paren > 4 && colon > paren;
}

void ms_parse_saslauthd(ms_grammar *g, ms_sv m, ms_event *ev)
{
	ms_sv cap[5];
	ev->type = EV_UNKNOWN;
	if (ms_grammar_match(g, g->re_saslauthd, m, cap, 5)) {
		ev->user = cap[0];
		ev->what = cap[1];
		ev->ip = cap[2].n ? saslauthd_remote(cap[2]) : MS_SV_NULL;
		ev->mech = cap[3];
		ev->reason = cap[4];
		ev->text = saslauthd_realm(m, cap[1]);
		ev->type = EV_SASLAUTHD_FAIL;
		return;
	}
	/* do_auth's "auth failure" above is the one line per attempt; what its
	 * mechanisms ("auth_pam: pam_authenticate failed: …") and PAM modules
	 * log about the same attempt would count it twice */
	if (ms_sv_find_lit(m, "auth success") >= 0 || ms_sv_find_lit(m, "do_auth") >= 0 ||
	    ms_sv_find_lit(m, "server_exit") >= 0 || ms_sv_find_lit(m, "master pid") >= 0 ||
	    ms_sv_find_lit(m, "detach_tty") >= 0 || ms_sv_find_lit(m, "ipc_init") >= 0 ||
	    ms_sv_find_lit(m, "cache_init") >= 0 || ms_sv_starts(m, "auth_") || pam_module_line(m))
		ev->type = EV_NOISE;
}

/* value after "key=" up to ", " or end; user=<..> handled by kv_get */
static ms_sv field(ms_sv m, const char *key)
{
	ms_sv v;
	return ms_kv_get(m, key, &v) ? v : MS_SV_NULL;
}


/* result text of a Dovecot passdb lookup that means the client failed */
static int dovecot_result_fails(ms_sv r)
{
	return ms_sv_find_lit(r, "unknown user") >= 0 || ms_sv_find_lit(r, "ismatch") >= 0 ||
	       ms_sv_find_lit(r, "failed") >= 0 || ms_sv_find_lit(r, "not known") >= 0 ||
	       ms_sv_find_lit(r, "denied") >= 0 || ms_sv_find_lit(r, "invalid credentials") >= 0 ||
	       ms_sv_find_lit(r, "Invalid credentials") >= 0;
}

/*
 * Dovecot's own trouble, not the client's: a line it logs at error level
 * (level: the text before the passdb's name, "Error: " in syslog and in its
 * own file) or a result that is a failed lookup rather than a refusal
 * ("Password query failed: Not connected to database", "open(/etc/dovecot/
 * users) failed: Permission denied").  Such a line names no failure and is
 * no back-end failure (SEMANTICS: the server's fault is never evidence
 * against the client).  The result is read from its start only: with
 * auth_verbose_passwords the client's password follows it ("Password
 * mismatch (given password: query failed)").
 */
static int dovecot_server_fault(ms_sv level, ms_sv r)
{
	return ms_sv_find_lit(level, "Error: ") >= 0 || ms_sv_find_lit(level, "Fatal: ") >= 0 ||
	       ms_sv_find_lit(level, "Panic: ") >= 0 || ms_sv_starts(r, "Password query failed") ||
	       ms_sv_starts(r, "User query failed") || ms_sv_starts(r, "open(");
}

/*
 * IMAP/POP/submission/managesieve login process:
 * "[Info: ]Disconnected (auth failed, N attempts[ in S secs]): user=<u>, method=M, rip=IP, lip=IP, ..."
 * service is "imap-login" etc.; rest is the text after "imap-login: ".
 */
void ms_parse_dovecot_login(ms_sv service, ms_sv rest, ms_event *ev)
{
	ms_sv rip = field(rest, "rip");
	ev->type = EV_UNKNOWN;
	ev->what = service;
	rip = ms_ip_unmap(rip);
	if (!ms_ip_valid(rip)) {
		ev->type = EV_NOISE;
		return;
	}
	ev->ip = rip;
	ev->user = field(rest, "user");
	ev->mech = field(rest, "method");
	ev->where = field(rest, "session"); /* "<id>": its auth requests' id */
	if (ms_sv_find_lit(rest, "(auth failed") >= 0 || ms_sv_find_lit(rest, "plaintext auth") >= 0 ||
	    ms_sv_find_lit(rest, "proxy dest auth failed") >= 0 || ms_sv_find_lit(rest, "(tried to use disallowed") >= 0) {
		long a = ms_sv_find_lit(rest, " attempts");
		ev->fail = 1;
		ev->num = 1;
		if (a > 0) {
			long b = a;
			while (b > 0 && rest.p[b - 1] >= '0' && rest.p[b - 1] <= '9')
				b--;
			uint64_t v;
			if (b < a && ms_sv_u64(ms_sv_skip(rest, (size_t)b), &v))
				ev->num = (long)(v > 100000 ? 100000 : v);
		}
		ev->type = EV_DOVECOT_LOGIN;
	} else if (ms_sv_starts(ms_sv_skip(rest, ms_sv_starts(rest, "Info: ") ? 6 : 0), "Login: ")) {
		ev->fail = 0;
		ev->type = EV_DOVECOT_LOGIN;
	} else {
		ev->type = EV_NOISE; /* no auth attempt, disconnects, TLS handshake errors: not SMTP evidence */
	}
}

/*
 * Dovecot 2.4 puts the auth request in the log prefix:
 * "auth(user,ip,sasl:mech)<session>: Info: sql: Password mismatch (...)".
 * prog is that prefix (the syslog program token), m the message after it.
 */
void ms_parse_dovecot_prefixed(ms_sv prog, ms_sv m, ms_event *ev)
{
	long lp = ms_sv_chr(prog, '('), rp = ms_sv_rchr(prog, ')');
	ms_sv in, ip;
	long c1, c2;
	ev->type = EV_UNKNOWN;
	if (lp <= 0 || rp <= lp)
		return;
	in = ms_sv_make(prog.p + lp + 1, (size_t)(rp - lp - 1));
	c1 = ms_sv_rchr(in, ',');
	if (c1 < 0)
		return;
	/* "user,ip,sasl:mech": the user may contain ','; the ip never does */
	if (ms_sv_starts(ms_sv_skip(in, (size_t)c1 + 1), "sasl:")) {
		ev->mech = ms_sv_skip(in, (size_t)c1 + 6);
		in = ms_sv_head(in, (size_t)c1);
		c1 = ms_sv_rchr(in, ',');
		if (c1 < 0)
			return;
	}
	c2 = c1;
	ip = ms_ip_unmap(ms_sv_skip(in, (size_t)c2 + 1));
	ev->user = ms_sv_head(in, (size_t)c2);
	ev->ip = ms_ip_valid(ip) ? ip : MS_SV_NULL;
	if (ms_sv_starts(prog, "auth-worker(") && ms_sv_starts(m, "request [")) {
		/* 2.4 logs each passdb lookup of a worker twice: "auth-worker(u,ip)
		 * <pid><session>: request [N]: sql: …" and the auth process's
		 * "auth(u,ip,sasl:m)<session>: sql: …"; the second is the one
		 * counted (as fail2ban's filter does) */
		ev->type = EV_NOISE;
		return;
	}
	/* the level Dovecot's own file and syslog put first ("Info: ", "Error: ") */
	ms_sv level = m;
	long lv = ms_sv_find_lit(m, ": ");
	if (lv > 3 && lv <= 7 && m.p[0] >= 'A' && m.p[0] <= 'Z' && ms_sv_chr(ms_sv_head(m, (size_t)lv), ' ') < 0 &&
	    ms_sv_chr(ms_sv_head(m, (size_t)lv), '(') < 0)
		m = ms_sv_skip(m, (size_t)lv + 2);
	level.n = (size_t)(m.p - level.p);
	{
		/* "sql: Password mismatch": the passdb driver, then the result */
		long c = ms_sv_find_lit(m, ": ");
		if (c > 0 && c < 24 && ms_sv_chr(ms_sv_head(m, (size_t)c), ' ') < 0) {
			ev->what = ms_sv_head(m, (size_t)c);
			m = ms_sv_skip(m, (size_t)c + 2);
		} else {
			ev->what = ms_sv_head(prog, (size_t)lp);
		}
	}
	ev->text = m;
	if ((size_t)rp + 1 < prog.n && prog.p[rp + 1] == '<')
		ev->where = ms_sv_skip(prog, (size_t)rp + 1); /* "<session>" */
	ev->fail = dovecot_result_fails(m) && !dovecot_server_fault(level, m);
	ev->type = ev->fail && ev->ip.n ? EV_DOVECOT_AUTH : EV_NOISE;
}

/*
 * The ",<session>" after the address of "backend(user,ip,<session>)" (ip: the
 * address, a view into m): "<session>", else NULL.  The line is joined with
 * or without one; the login line of the same id says it was an IMAP/POP
 * attempt's (docs/semantics.md).
 */
static ms_sv dovecot_session(ms_sv m, ms_sv ip)
{
	ms_sv r = text_after(m, ip);
	if (!ms_sv_starts(r, ",<"))
		return MS_SV_NULL;
	r = ms_sv_skip(r, 1);
	long e = ms_sv_chr(r, '>');
	return e > 0 ? ms_sv_head(r, (size_t)e + 1) : MS_SV_NULL;
}

void ms_parse_dovecot(ms_grammar *g, ms_sv m, ms_event *ev)
{
	ms_sv cap[4];
	long lg;
	ev->type = EV_UNKNOWN;
	/* IMAP/POP/... login process lines: "imap-login: ... user=<u>, method=M, rip=IP, ..." */
	lg = ms_sv_find_lit(m, "-login: ");
	if (lg >= 0 && lg < 40) {
		ms_sv svc = ms_sv_head(m, (size_t)lg + 6);
		long sp = ms_sv_rchr(svc, ' ');
		if (sp >= 0)
			svc = ms_sv_skip(svc, (size_t)sp + 1);
		ms_parse_dovecot_login(svc, ms_sv_skip(m, (size_t)lg + 8), ev);
		return;
	}
	/* Dovecot 2.4 through syslog: "dovecot: auth(user,ip,sasl:mech)<session>: …",
	 * the prefix its own log file puts where the program is */
	if (ms_sv_starts(m, "auth(") || ms_sv_starts(m, "auth-worker(")) {
		long e = ms_sv_find_lit(m, ": ");
		ms_sv prog = e > 0 ? ms_sv_head(m, (size_t)e) : MS_SV_NULL;
		if (prog.n && ms_sv_chr(prog, ',') > 0 && ms_sv_chr(prog, ' ') < 0) {
			ms_parse_dovecot_prefixed(prog, ms_sv_skip(m, (size_t)e + 2), ev);
			if (ev->type != EV_UNKNOWN)
				return;
		}
	}
	/* auth process: "backend(user,ip[,<session>]): result" */
	if (ms_grammar_match(g, g->re_dovecot_auth, m, cap, 4)) {
		ev->what = cap[0];
		ev->user = cap[1];
		ev->ip = ms_ip_unmap(cap[2]);
		ev->text = cap[3];
		if (!ms_ip_valid(ev->ip)) {
			ev->ip = MS_SV_NULL;
		}
		ev->fail = dovecot_result_fails(cap[3]) &&
			   !dovecot_server_fault(ms_sv_head(m, (size_t)(cap[0].p - m.p)), cap[3]);
		if (ev->fail)
			ev->where = dovecot_session(m, cap[2]);
		ev->type = ev->fail ? EV_DOVECOT_AUTH : EV_NOISE;
		return;
	}
	/* pam_unix(dovecot:auth): authentication failure; ... rhost=IP [user=U] */
	if (ms_sv_find_lit(m, "pam_unix(dovecot") >= 0 && ms_sv_find_lit(m, "authentication failure") >= 0) {
		long r = ms_sv_find_lit(m, " rhost=");
		if (r >= 0) {
			ms_sv v = ms_sv_skip(m, (size_t)r + 7);
			long e = ms_sv_chr(v, ' ');
			ev->ip = ms_ip_unmap(e < 0 ? v : ms_sv_head(v, (size_t)e));
			long u = ms_sv_find_lit(m, " user=");
			if (u >= 0) {
				ms_sv uv = ms_sv_skip(m, (size_t)u + 6);
				long ue = ms_sv_chr(uv, ' ');
				ev->user = ue < 0 ? uv : ms_sv_head(uv, (size_t)ue);
			}
			if (ms_ip_valid(ev->ip)) {
				ev->what = MS_SV_LIT("pam_unix");
				ev->fail = 1;
				ev->type = EV_DOVECOT_AUTH;
				return;
			}
			ev->ip = MS_SV_NULL;
		}
	}
	ev->type = EV_NOISE; /* dovecot's own operational lines */
}
