/* SPDX-License-Identifier: MIT */
/*
 * g_smtpd.c - the smtpd message grammar (session, SASL, TLS, rejects).
 * Format strings are from Postfix smtpd.c, smtpd_sasl_glue.c, smtpd_check.c,
 * tls_server.c, tls_misc.c, tls_stream.c; see docs/log-formats.md.
 */
#include "grammar.h"
#include "grammar_int.h"
#include "addr.h"

static int hexd(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/* TLS debug lines of smtpd_tls_loglevel >= 2 that carry nothing we keep. */
int ms_is_tls_debug_noise(ms_sv m)
{
	if (m.n >= 5 && hexd(m.p[0]) && hexd(m.p[1]) && hexd(m.p[2]) && hexd(m.p[3]) && m.p[4] == ' ')
		return 1; /* hex dump row or "%04lx - <SPACES/NULLS>" */
	switch (m.n ? m.p[0] : 0) {
	case 'S':
		return ms_sv_starts(m, "SSL_accept:") || ms_sv_starts(m, "SSL_connect:") ||
		       ms_sv_starts(m, "SSL3 alert ");
	case 'r':
		return ms_sv_starts(m, "read from ");
	case 'w':
		return ms_sv_starts(m, "write to ");
	case 'u':
		return ms_sv_starts(m, "unknown:");
	case 'T':
		/* tls_server.c: "TLS SNI %s from %s not matched, using default chain" */
		return ms_sv_starts(m, "TLS SNI ") && ms_sv_find_lit(m, " not matched") > 0;
	}
	return 0;
}

/* "name[addr](:port)" followed by ": " ; returns bytes through ": " or 0 */
static size_t namaddr_colon(ms_sv s, ms_event *ev)
{
	size_t n = ms_namaddr_parse(s, &ev->name, &ev->ip, &ev->port);
	if (!n || n + 1 >= s.n || s.p[n] != ':' || s.p[n + 1] != ' ') {
		/* empty reason: "...failed:" at end handled by callers via n+1 == s.n */
		if (n && n + 1 == s.n && s.p[n] == ':')
			return n + 1;
		return 0;
	}
	return n + 2;
}

/* "unknown[unknown]": smtpd could not get the client address (connection
 * already gone); with smtpd_client_port_logging its port is "unknown" too
 * (smtpd_peer.c: "unknown[unknown]:unknown") */
static size_t unknown_unknown(ms_sv s, ms_event *ev)
{
	if (!ms_sv_starts(s, "unknown[unknown]"))
		return 0;
	ev->name = ms_sv_head(s, 7);
	ev->ip = MS_SV_NULL;
	ev->port = -1;
	if (s.n >= 24 && !memcmp(s.p + 16, ":unknown", 8) && (s.n == 24 || s.p[24] == ' ' || s.p[24] == ':'))
		return 24;
	return 16;
}

/* "... from namaddr" at the end of s (namaddr is the rest of the line). */
static int tail_namaddr(ms_sv s, ms_event *ev)
{
	if (ms_namaddr_whole(s, &ev->name, &ev->ip, &ev->port))
		return 1;
	return unknown_unknown(s, ev) == s.n && s.n;
}

void ms_parse_counters(ms_sv s, ms_counters *c)
{
	/* " ehlo=1 auth=0/1 rset=1 quit=1 commands=3/4" (lowercased by Postfix) */
	size_t i = 0;
	memset(c, 0, sizeof *c);
	while (i < s.n) {
		size_t ks, ke;
		uint64_t a = 0, b = 0;
		size_t d;
		int has_b = 0;
		while (i < s.n && s.p[i] == ' ')
			i++;
		ks = i;
		while (i < s.n && s.p[i] != '=' && s.p[i] != ' ')
			i++;
		ke = i;
		if (i >= s.n || s.p[i] != '=') {
			while (i < s.n && s.p[i] != ' ')
				i++;
			continue;
		}
		i++;
		d = ms_sv_u64(ms_sv_skip(s, i), &a);
		if (!d) {
			while (i < s.n && s.p[i] != ' ')
				i++;
			if (ke - ks == 5 && !memcmp(s.p + ks, "notes", 5) &&
			    ms_sv_find_lit(ms_sv_make(s.p + ks, i - ks), "bare_lf") >= 0)
				c->bare_lf = 1;
			continue;
		}
		i += d;
		if (i < s.n && s.p[i] == '/') {
			d = ms_sv_u64(ms_sv_skip(s, i + 1), &b);
			if (d) {
				has_b = 1;
				i += 1 + d;
			}
		}
		if (!has_b)
			b = a;
		if (a > 1000000000) a = 1000000000;
		if (b > 1000000000) b = 1000000000;
		ms_sv k = ms_sv_make(s.p + ks, ke - ks);
		c->present = 1;
		if (ms_sv_eq_lit(k, "helo")) c->helo = (int)b;
		else if (ms_sv_eq_lit(k, "ehlo")) c->ehlo = (int)b;
		else if (ms_sv_eq_lit(k, "starttls")) c->starttls = (int)b;
		else if (ms_sv_eq_lit(k, "auth")) { c->auth_ok = (int)a; c->auth_total = (int)b; }
		else if (ms_sv_eq_lit(k, "mail")) c->mail = (int)b;
		else if (ms_sv_eq_lit(k, "rcpt")) { c->rcpt_ok = (int)a; c->rcpt_total = (int)b; }
		else if (ms_sv_eq_lit(k, "data")) c->data = (int)b;
		else if (ms_sv_eq_lit(k, "bdat")) c->bdat = (int)b;
		else if (ms_sv_eq_lit(k, "rset")) c->rset = (int)b;
		else if (ms_sv_eq_lit(k, "noop")) c->noop = (int)b;
		else if (ms_sv_eq_lit(k, "vrfy")) c->vrfy = (int)b;
		else if (ms_sv_eq_lit(k, "quit")) c->quit = (int)b;
		else if (ms_sv_eq_lit(k, "unknown")) { c->unknown_ok = (int)a; c->unknown_total = (int)b; }
		else if (ms_sv_eq_lit(k, "commands")) { c->commands_ok = (int)a; c->commands_total = (int)b; }
	}
}

static int is_server_fault(ms_sv reason)
{
	/* the server's own fault: not evidence against the client */
	return ms_sv_find_lit(reason, "authentication server") >= 0 ||
	       ms_sv_find_lit(reason, "Authentication server") >= 0 ||
	       ms_sv_find_lit(reason, "auth server") >= 0 ||
	       ms_sv_starts(reason, "Connection lost to") ||
	       /* Dovecot's temporary failure (its passdb unreachable), the
	        * Cyrus library's SASL_TRYAGAIN and SASL_NOMEM */
	       ms_sv_starts(reason, "Temporary authentication failure") ||
	       ms_sv_find_lit(reason, "SASL(-8): transient failure") >= 0 ||
	       ms_sv_find_lit(reason, "SASL(-2): no memory available") >= 0;
}

/* "SASL MECH authentication failed: reason[, sasl_username=U]" */
static void parse_sasl(ms_sv s, ms_event *ev)
{
	long sp;
	ms_sv rest;
	s = ms_sv_skip(s, 5); /* "SASL " */
	sp = ms_sv_chr(s, ' ');
	if (sp <= 0 || sp > 64)
		return;
	ev->mech = ms_sv_head(s, (size_t)sp);
	rest = ms_sv_skip(s, (size_t)sp + 1);
	if (ms_sv_starts(rest, "authentication failed")) {
		rest = ms_sv_skip(rest, 21);
		if (rest.n && rest.p[0] == ':')
			rest = ms_sv_skip(rest, 1);
		if (rest.n && rest.p[0] == ' ')
			rest = ms_sv_skip(rest, 1);
		/* 3.9+: ", sasl_username=%.100s" is the last item.  The reason
		 * before it is the server's text, the name the client's: split at
		 * the first occurrence, so that a name holding ", sasl_username="
		 * can neither pick the account charged nor put words (a server
		 * fault) into the reason */
		long at = ms_sv_find_lit(rest, ", sasl_username=");
		if (at >= 0) {
			ev->user = ms_sv_skip(rest, (size_t)at + 16);
			rest = ms_sv_head(rest, (size_t)at);
			if (ms_sv_eq_lit(ev->user, "(unavailable)"))
				ev->user = MS_SV_NULL;
		}
		ev->reason = rest;
		ev->server_fault = is_server_fault(rest);
		ev->type = EV_AUTH_FAIL;
	} else if (ms_sv_starts(rest, "authentication aborted")) {
		ev->type = EV_AUTH_ABORTED;
	}
}

/* "(Anonymous|Untrusted|Trusted|Verified) TLS connection established from NAMADDR[ to SNI]: PROTO with cipher C (a/b bits)[ key-exchange K ...]" */
static int parse_tls_summary(ms_sv m, ms_event *ev)
{
	long sp = ms_sv_chr(m, ' ');
	ms_sv rest, nm;
	long colon;
	uint64_t v;
	size_t d;
	if (sp < 0)
		return 0;
	if (ms_sv_starts(m, "TLS connection ")) {
		ev->trust = MS_SV_NULL; /* pre-2.2 patch wording */
		rest = ms_sv_skip(m, 15);
	} else {
		rest = ms_sv_skip(m, (size_t)sp + 1);
		if (!ms_sv_starts(rest, "TLS connection "))
			return 0;
		ev->trust = ms_sv_head(m, (size_t)sp);
		rest = ms_sv_skip(rest, 15);
	}
	if (ms_sv_starts(rest, "established ")) {
		rest = ms_sv_skip(rest, 12);
	} else if (ms_sv_starts(rest, "reused ")) {
		rest = ms_sv_skip(rest, 7);
		ev->reused = 1;
	} else {
		return 0;
	}
	if (ms_sv_starts(rest, "to ")) {
		ev->type = EV_TLS_OUTBOUND;
		rest = ms_sv_skip(rest, 3);
	} else if (ms_sv_starts(rest, "from ")) {
		ev->type = EV_TLS_ESTABLISHED;
		rest = ms_sv_skip(rest, 5);
	} else {
		return 0;
	}
	/* namaddr ends at ": " before PROTO; find " with cipher " then back up */
	long wc = ms_sv_find_lit(rest, " with cipher ");
	if (wc < 0) {
		/* cut by the logger or wrapped in a paste: "...from NAME[IP]:" or "...: TLSv1.2";
		 * keep the client (and protocol), the cipher is unknown */
		if (ev->type != EV_TLS_ESTABLISHED)
			return 0;
		long c = ms_sv_rchr(rest, ':');
		while (c >= 0 && !((size_t)c + 1 == rest.n || rest.p[c + 1] == ' '))
			c = ms_sv_rchr(ms_sv_head(rest, (size_t)c), ':');
		if (c < 0)
			return 0;
		nm = ms_sv_head(rest, (size_t)c);
		ms_sv tail = ms_sv_trim(ms_sv_skip(rest, (size_t)c + 1));
		long to = ms_sv_find_lit(nm, " to ");
		if (to >= 0) {
			ev->sni = ms_sv_skip(nm, (size_t)to + 4);
			nm = ms_sv_head(nm, (size_t)to);
		}
		if (!ms_namaddr_whole(nm, &ev->name, &ev->ip, &ev->port))
			return 0;
		if (tail.n && ms_sv_chr(tail, ' ') < 0)
			ev->proto = tail;
		return 1;
	}
	nm = ms_sv_head(rest, (size_t)wc);
	colon = ms_sv_rchr(nm, ':');
	/* the proto token follows the last ": " before " with cipher " */
	while (colon >= 0 && !((size_t)colon + 1 < nm.n && nm.p[colon + 1] == ' '))
		colon = ms_sv_rchr(ms_sv_head(nm, (size_t)colon), ':');
	if (colon < 0)
		return 0;
	ev->proto = ms_sv_skip(nm, (size_t)colon + 2);
	nm = ms_sv_head(nm, (size_t)colon);
	{
		long to = ms_sv_find_lit(nm, " to ");
		if (to >= 0 && ev->type == EV_TLS_ESTABLISHED) {
			ev->sni = ms_sv_skip(nm, (size_t)to + 4);
			nm = ms_sv_head(nm, (size_t)to);
		}
	}
	if (ev->type == EV_TLS_ESTABLISHED) {
		if (!ms_namaddr_whole(nm, &ev->name, &ev->ip, &ev->port))
			return 0;
	} else {
		ev->text = nm; /* outbound peer, free form "host[ip]:25" */
		ms_namaddr_whole(nm, &ev->name, &ev->ip, &ev->port);
	}
	rest = ms_sv_skip(rest, (size_t)wc + 13);
	sp = ms_sv_chr(rest, ' ');
	ev->cipher = sp < 0 ? rest : ms_sv_head(rest, (size_t)sp);
	if (sp >= 0) {
		rest = ms_sv_skip(rest, (size_t)sp + 1);
		if (ms_sv_starts(rest, "(")) {
			d = ms_sv_u64(ms_sv_skip(rest, 1), &v);
			if (d) {
				ev->bits = v > 100000 ? 100000 : (int)v;
				rest = ms_sv_skip(rest, 1 + d);
				if (ms_sv_starts(rest, "/")) {
					d = ms_sv_u64(ms_sv_skip(rest, 1), &v);
					ev->alg_bits = v > 100000 ? 100000 : (int)v;
					rest = ms_sv_skip(rest, 1 + d);
				}
			}
		}
		long kx = ms_sv_find_lit(rest, " key-exchange ");
		if (kx >= 0) {
			ms_sv k = ms_sv_skip(rest, (size_t)kx + 14);
			long e = ms_sv_chr(k, ' ');
			ev->kex = e < 0 ? k : ms_sv_head(k, (size_t)e);
		}
	}
	return 1;
}

/* "lost connection after CMD[ (N bytes)] from NAMADDR" (reason words given) */
static int parse_abort(ms_sv m, ms_event *ev)
{
	static const struct { const char *s; size_t n; } rs[] = {
		{ "lost connection after ", 22 }, { "timeout after ", 14 }, { "too many errors after ", 22 },
	};
	for (size_t i = 0; i < 3; i++) {
		if (m.n > rs[i].n && !memcmp(m.p, rs[i].s, rs[i].n)) {
			ms_sv rest = ms_sv_skip(m, rs[i].n);
			long f = ms_sv_find_lit(rest, " from ");
			if (f <= 0)
				return 0;
			ev->reason = ms_sv_make(m.p, rs[i].n - 7); /* "lost connection" / "timeout" / "too many errors" */
			ev->where = ms_sv_head(rest, (size_t)f);
			long bp = ms_sv_find_lit(ev->where, " (");
			if (bp > 0)
				ev->where = ms_sv_head(ev->where, (size_t)bp);
			if (!tail_namaddr(ms_sv_skip(rest, (size_t)f + 6), ev))
				return 0;
			ev->type = EV_ABORT;
			return 1;
		}
	}
	return 0;
}

/* "bare <LF> received after CMD from NAMADDR" (smtpd_forbid_bare_newline, 3.9+ and back-ports) */
static int parse_bare_lf(ms_sv m, ms_event *ev)
{
	if (!ms_sv_starts(m, "bare <LF> received after ") && !ms_sv_starts(m, "bare <CR> received after "))
		return 0;
	ms_sv rest = ms_sv_skip(m, 25);
	long f = ms_sv_find_lit(rest, " from ");
	if (f <= 0 || !tail_namaddr(ms_sv_skip(rest, (size_t)f + 6), ev))
		return 0;
	ev->where = ms_sv_head(rest, (size_t)f);
	ev->what = MS_SV_LIT("bare_lf");
	ev->type = EV_CLIENT_WARN;
	return 1;
}

/* before-queue content filter verdicts: "proxy-accept: STAGE: reply; from=<..> ...", "proxy-reject: ..." */
static int parse_proxy(ms_sv m, ms_event *ev)
{
	if (!ms_sv_starts(m, "proxy-accept: ") && !ms_sv_starts(m, "proxy-reject: "))
		return 0;
	ev->what = ms_sv_head(m, 12);
	ms_sv rest = ms_sv_skip(m, 14);
	long c = ms_sv_find_lit(rest, ": ");
	if (c > 0 && c < 20)
		ev->where = ms_sv_head(rest, (size_t)c);
	long k = ms_sv_find_lit(rest, "; from=<");
	if (k >= 0) {
		ms_sv kv = ms_sv_skip(rest, (size_t)k + 2);
		static const char *const keys[] = { "from", "to", "helo" };
		ms_sv *const vals[] = { &ev->from, &ev->to, &ev->helo };
		ms_kv_get_n(kv, keys, vals, 3);
	}
	ev->type = EV_NOISE; /* no client address on the line; the session has it */
	return 1;
}

/*
 * Postfix 3.10+ appends " sasl_method=M sasl_username=U[ sasl_sender=S]" to
 * the rejects of an authenticated session, after from=<F> to=<T> proto=P
 * helo=<H>, which (like S) are the client's text: a client can write
 * "sasl_username=ceo" into them.  The fields are taken only when the line
 * cannot be read two ways: one " sasl_method=" and one " sasl_username=",
 * the method one word right before the user name, then the end or
 * " sasl_sender=", and the line not ending in the '>' that closes a helo=<>
 * or from=<> holding the copy (on Postfix <= 3.9, whose rejects have no
 * such fields, the only copy would be the client's).
 */
static void reject_sasl(ms_sv kv, ms_event *ev)
{
	static const char M[] = " sasl_method=", U[] = " sasl_username=", S[] = " sasl_sender=";
	long m = ms_sv_find_lit(kv, M), u = ms_sv_find_lit(kv, U);
	if (m < 0 || u < 0 || kv.n == 0 || kv.p[kv.n - 1] == '>')
		return;
	if (ms_sv_find_lit(ms_sv_skip(kv, (size_t)m + 1), M) >= 0 || ms_sv_find_lit(ms_sv_skip(kv, (size_t)u + 1), U) >= 0)
		return;
	ms_sv mech = ms_sv_make(kv.p + m + sizeof M - 1, 0);
	while (mech.p + mech.n < kv.p + kv.n && mech.p[mech.n] != ' ')
		mech.n++;
	if (mech.n == 0 || mech.p + mech.n != kv.p + u)
		return; /* not "sasl_method=M sasl_username=" */
	ms_sv user = ms_sv_skip(kv, (size_t)u + sizeof U - 1);
	long sd = ms_sv_find_lit(user, S);
	if (sd >= 0)
		user.n = (size_t)sd;
	if (user.n == 0 || ms_sv_chr(user, ' ') >= 0)
		return;
	ev->mech = mech;
	ev->user = user;
}

/* does s at i start with " " and one of keys[from..) (or is it the end)? */
static int kv_next_at(ms_sv s, size_t i, const char *const *keys, int from, int nkeys)
{
	if (i == s.n)
		return 1;
	if (s.p[i] != ' ')
		return 0;
	ms_sv r = ms_sv_skip(s, i + 1);
	for (int k = from; k < nkeys; k++)
		if (ms_sv_starts_(r, keys[k], strlen(keys[k])))
			return 1;
	return 0;
}

/*
 * smtpd_check.c log_whatsup()'s tail, each field only when known, in this
 * order: "from=<S> to=<R> proto=P helo=<H>" (3.10: then " sasl_method=...").
 * The client writes S, R and H, which may hold '>', ';' and "from=<": a value
 * ends at a '>' that the next field (or the end) follows, and the helo, last,
 * at the last such '>' (helo=<x;from=<z>> is one helo, no sender).
 */
static void reject_fields(ms_sv kv, ms_event *ev)
{
	static const char *const keys[] = { "from=<", "to=<", "proto=", "helo=<", "sasl_method=" };
	ms_sv *const vals[] = { &ev->from, &ev->to, &ev->proto, &ev->helo };
	size_t pos = 0;
	for (int k = 0; k < 4 && pos < kv.n; k++) {
		ms_sv r = ms_sv_skip(kv, pos);
		size_t kl = strlen(keys[k]);
		if (!ms_sv_starts_(r, keys[k], kl))
			continue;
		size_t v = pos + kl, e = SIZE_MAX;
		if (k == 2) { /* proto=P: the server's word */
			for (e = v; e < kv.n && kv.p[e] != ' '; e++)
				;
			*vals[k] = ms_sv_make(kv.p + v, e - v);
			pos = e < kv.n ? e + 1 : e;
			continue;
		}
		for (size_t i = v; i < kv.n; i++)
			if (kv.p[i] == '>' && kv_next_at(kv, i + 1, keys, k + 1, 5)) {
				e = i;
				if (k != 3)
					break; /* the first for S and R, the last for H */
			}
		if (e == SIZE_MAX)
			return;
		*vals[k] = ms_sv_make(kv.p + v, e - v);
		pos = e + 1 < kv.n ? e + 2 : e + 1;
	}
}

void ms_reject_tail(ms_sv kv, ms_event *ev)
{
	reject_fields(kv, ev);
	reject_sasl(kv, ev);
}

/* "reject: RCPT from NAMADDR: 554 5.7.1 <x>: text; from=<a> to=<b> proto=ESMTP helo=<h>" */
static int parse_reject(ms_sv m, ms_event *ev)
{
	long c = ms_sv_find_lit(m, ": ");
	long f;
	size_t n;
	ms_sv rest;
	uint64_t code;
	if (c <= 0 || c > 40)
		return 0;
	ev->what = ms_sv_head(m, (size_t)c);       /* reject, milter-reject, discard, hold, warn, ... */
	rest = ms_sv_skip(m, (size_t)c + 2);
	f = ms_sv_find_lit(rest, " from ");
	if (f <= 0 || f > 20)
		return 0;
	ev->where = ms_sv_head(rest, (size_t)f);    /* RCPT, CONNECT, END-OF-MESSAGE ... */
	rest = ms_sv_skip(rest, (size_t)f + 6);
	n = ms_namaddr_parse(rest, &ev->name, &ev->ip, &ev->port);
	if (!n || n + 1 >= rest.n || rest.p[n] != ':')
		return 0;
	rest = ms_sv_skip(rest, n + 2);
	if (ms_sv_u64(rest, &code) == 3)
		ev->num = (long)code;
	ev->reason = rest;
	{
		/* smtpd_check.c log_whatsup(): "; from=<S>" only with a sender (not
		 * for VRFY, or a reject before MAIL FROM), then " to=<R>",
		 * " proto=P", " helo=<H>", each only when known */
		long sc = ms_sv_find_lit(rest, "; from=<");
		if (sc < 0)
			sc = ms_sv_find_lit(rest, "; to=<");
		if (sc < 0)
			sc = ms_sv_find_lit(rest, "; proto=");
		if (sc < 0)
			sc = ms_sv_find_lit(rest, "; helo=<");
		if (sc >= 0) {
			ms_sv kv = ms_sv_skip(rest, (size_t)sc + 2);
			ev->reason = ms_sv_head(rest, (size_t)sc);
			ms_reject_tail(kv, ev);
		}
	}
	ev->type = EV_REJECT;
	return 1;
}

/* "client=NAMADDR[, sasl_method=M, sasl_username=U[, sasl_sender=S]][, orig_queue_id=..]" */
static int parse_client(ms_sv m, ms_event *ev)
{
	size_t n = ms_namaddr_parse(m, &ev->name, &ev->ip, &ev->port);
	if (!n)
		return 0;
	ms_sv rest = ms_sv_skip(m, n);
	if (rest.n && !ms_sv_starts(rest, ", "))
		return 0;
	long a = ms_sv_find_lit(rest, ", sasl_method=");
	if (a >= 0) {
		ms_sv v = ms_sv_skip(rest, (size_t)a + 14);
		long e = ms_sv_find_lit(v, ", ");
		ev->mech = e < 0 ? v : ms_sv_head(v, (size_t)e);
	}
	a = ms_sv_find_lit(rest, ", sasl_username=");
	if (a >= 0) {
		ms_sv v = ms_sv_skip(rest, (size_t)a + 16);
		/* user names may contain ", "; the next known key ends it */
		long e1 = ms_sv_find_lit(v, ", sasl_sender=");
		long e2 = ms_sv_find_lit(v, ", orig_queue_id=");
		long e3 = ms_sv_find_lit(v, ", orig_client=");
		long e = e1;
		if (e2 >= 0 && (e < 0 || e2 < e)) e = e2;
		if (e3 >= 0 && (e < 0 || e3 < e)) e = e3;
		ev->user = e < 0 ? v : ms_sv_head(v, (size_t)e);
	}
	ev->type = EV_CLIENT;
	return 1;
}

static void parse_warning(ms_sv w, ms_event *ev)
{
	size_t n;
	long f;
	ev->type = EV_UNKNOWN;
	/* "NAMADDR: SASL ..." and other client-scoped warnings; "unknown[unknown]:"
	 * when smtpd had lost the client's address */
	if ((n = namaddr_colon(w, ev)) != 0 ||
	    ((n = unknown_unknown(w, ev)) != 0 && n + 1 < w.n && w.p[n] == ':' && w.p[n + 1] == ' ' && (n += 2))) {
		ms_sv rest = ms_sv_skip(w, n);
		if (ms_sv_starts(rest, "SASL ")) {
			parse_sasl(rest, ev);
			if (ev->type == EV_UNKNOWN && n == w.n)
				return;
			return;
		}
		ev->what = MS_SV_LIT("warning");
		ev->text = rest;
		ev->type = EV_CLIENT_WARN;
		return;
	}
	memset(&ev->name, 0, sizeof ev->name);
	ev->ip = MS_SV_NULL;
	ev->port = -1;
	if (ms_sv_starts(w, "hostname ")) {
		/* "hostname H does not resolve to address IP[: reason]" */
		ms_sv rest = ms_sv_skip(w, 9);
		long sp = ms_sv_chr(rest, ' ');
		if (sp > 0) {
			ev->name = ms_sv_head(rest, (size_t)sp);
			rest = ms_sv_skip(rest, (size_t)sp + 1);
			if (ms_sv_starts(rest, "does not resolve to address ")) {
				rest = ms_sv_skip(rest, 28);
				long e = ms_sv_find_lit(rest, ": ");
				ev->ip = e < 0 ? rest : ms_sv_head(rest, (size_t)e);
				if (e >= 0)
					ev->reason = ms_sv_skip(rest, (size_t)e + 2);
				if (ms_ip_valid(ev->ip)) {
					ev->ip = ms_ip_unmap(ev->ip); /* as the connect's address is */
					ev->type = EV_RDNS_MISMATCH;
				}
			}
		}
		return;
	}
	if (ms_sv_starts(w, "non-SMTP command from ")) {
		ms_sv rest = ms_sv_skip(w, 22);
		if ((n = namaddr_colon(rest, ev)) != 0) {
			ev->what = MS_SV_LIT("non_smtp");
			ev->text = ms_sv_skip(rest, n);
			ev->type = EV_CLIENT_WARN;
		}
		return;
	}
	if (ms_sv_starts(w, "AUTH command rate limit exceeded: ") ||
	    ms_sv_find_lit(w, " limit exceeded: ") > 0) {
		/* "<What> limit exceeded: N from NAMADDR for service S" */
		long c = ms_sv_find_lit(w, "exceeded: ");
		ms_sv rest = ms_sv_skip(w, (size_t)c + 10);
		uint64_t v;
		size_t d = ms_sv_u64(rest, &v);
		if (!d || !ms_sv_starts(ms_sv_skip(rest, d), " from "))
			return;
		rest = ms_sv_skip(rest, d + 6);
		f = ms_sv_find_lit(rest, " for service ");
		if (f <= 0)
			return;
		if (!ms_namaddr_whole(ms_sv_head(rest, (size_t)f), &ev->name, &ev->ip, &ev->port))
			return;
		ev->num = (long)(v > 1000000000 ? 1000000000 : v);
		ev->text = ms_sv_skip(rest, (size_t)f + 13);
		if (ms_sv_starts(w, "AUTH command")) {
			ev->type = EV_AUTH_RATELIMIT;
		} else {
			ev->what = MS_SV_LIT("rate_limit");
			ev->reason = ms_sv_head(w, (size_t)c - 1);
			ev->type = EV_CLIENT_WARN;
		}
		return;
	}
	if (ms_sv_starts(w, "Illegal address syntax from ")) {
		ms_sv rest = ms_sv_skip(w, 28);
		f = ms_sv_find_lit(rest, " in ");
		if (f > 0 && ms_namaddr_whole(ms_sv_head(rest, (size_t)f), &ev->name, &ev->ip, &ev->port)) {
			ev->what = MS_SV_LIT("illegal_address");
			ev->text = ms_sv_skip(rest, (size_t)f + 4);
			ev->type = EV_CLIENT_WARN;
		}
		return;
	}
	if (ms_sv_starts(w, "Refusing STARTTLS request from ")) {
		ms_sv rest = ms_sv_skip(w, 31);
		f = ms_sv_find_lit(rest, " for service ");
		if (f > 0 && ms_namaddr_whole(ms_sv_head(rest, (size_t)f), &ev->name, &ev->ip, &ev->port)) {
			ev->what = MS_SV_LIT("starttls_refused");
			ev->type = EV_CLIENT_WARN;
		}
		return;
	}
	/* wrapper mode (smtps): "Refusing TLS service request from NAMADDR for
	 * service S", "Wrapper-mode request dropped from NAMADDR for service S.
	 * TLS context initialization failed. ..." (smtpd.c) */
	if (ms_sv_starts(w, "Refusing TLS service request from ") ||
	    ms_sv_starts(w, "Wrapper-mode request dropped from ")) {
		int refused = w.p[0] == 'R';
		ms_sv rest = ms_sv_skip(w, 34);
		f = ms_sv_find_lit(rest, " for service ");
		if (f > 0 && ms_namaddr_whole(ms_sv_head(rest, (size_t)f), &ev->name, &ev->ip, &ev->port)) {
			ev->what = refused ? MS_SV_LIT("tls_service_refused") : MS_SV_LIT("wrapper_dropped");
			ev->type = EV_CLIENT_WARN;
		}
		return;
	}
	if (ms_sv_starts(w, "TLS library problem: ")) {
		ev->text = ms_sv_skip(w, 21);
		ev->type = EV_TLS_ERROR;
		return;
	}
	/* the Cyrus SASL library's own words on an attempt that Postfix's
	 * "SASL MECH authentication failed" line counts ("Password verification
	 * failed", "cannot connect to saslauthd server: ..."): no event of its own */
	if (ms_sv_starts(w, "SASL authentication failure: ") || ms_sv_starts(w, "SASL authentication problem: ")) {
		/* ... but that it could not reach its password server (saslauthd,
		 * plesk_saslauthd, pwcheck, authdaemond: Cyrus lib/checkpw.c)
		 * makes that failure the server's fault ("generic failure") */
		ms_sv r = ms_sv_skip(w, 29);
		ev->type = ms_sv_starts(r, "cannot connect to ") || ms_sv_starts(r, "saslauthd internal error") ||
				   ms_sv_starts(r, "authdaemon error")
			   ? EV_SASL_SERVER_DOWN
			   : EV_NOISE;
		return;
	}
	/* "89.248.162.178: hostname X verification failed: ..."; Postfix 2.x
	 * also "IP: address not listed for hostname X" (smtpd_peer.c) */
	{
		long c = ms_sv_find_lit(w, ": address not listed for hostname ");
		if (c > 0 && ms_ip_valid(ms_sv_head(w, (size_t)c))) {
			ms_sv rest = ms_sv_skip(w, (size_t)c + 34);
			long sp = ms_sv_chr(rest, ' ');
			ev->ip = ms_ip_unmap(ms_sv_head(w, (size_t)c));
			ev->name = sp < 0 ? rest : ms_sv_head(rest, (size_t)sp);
			ev->type = EV_RDNS_MISMATCH;
			return;
		}
	}
	{
		long c = ms_sv_find_lit(w, ": hostname ");
		if (c > 0 && ms_ip_valid(ms_sv_head(w, (size_t)c))) {
			ms_sv rest = ms_sv_skip(w, (size_t)c + 11);
			long sp = ms_sv_chr(rest, ' ');
			if (sp > 0 && ms_sv_starts(ms_sv_skip(rest, (size_t)sp), " verification failed")) {
				ev->ip = ms_ip_unmap(ms_sv_head(w, (size_t)c));
				ev->name = ms_sv_head(rest, (size_t)sp);
				ev->type = EV_RDNS_MISMATCH;
				return;
			}
		}
	}
	/* server-side warnings about lookups, tables, resources: operational noise */
	if (ms_sv_find_lit(w, "RBL lookup error") >= 0 || ms_sv_starts(w, "dict_") ||
	    ms_sv_find_lit(w, "lookup error") >= 0 || ms_sv_find_lit(w, "table ") >= 0 ||
	    ms_sv_starts(w, "connect to ") || ms_sv_starts(w, "problem talking to") ||
	    ms_sv_find_lit(w, "database") >= 0 || ms_sv_starts(w, "SASL: Connect to") ||
	    ms_sv_starts(w, "process ") || ms_sv_find_lit(w, "milter ") >= 0)
		ev->type = EV_NOISE;
	/* the rest of smtpd's own warnings that name no client (keys, certificates,
	 * SASL set-up, TLS library problems, configuration): operational noise.
	 * Not a line cut short ("warning: unkno", a 10 MB line's first part): a
	 * client warning's start has no space before its "NAME[IP]". */
	else if (ev->type == EV_UNKNOWN && w.n < 1024 && ms_sv_chr(w, '[') < 0 && ms_sv_chr(w, ' ') > 0)
		ev->type = EV_NOISE;
}

void ms_parse_smtpd(ms_sv m, ms_event *ev)
{
	size_t q;
	ev->type = EV_UNKNOWN;
	if (m.n == 0)
		return;
	switch (m.p[0]) {
	case 'c':
		if (ms_sv_starts(m, "connect from ")) {
			if (tail_namaddr(ms_sv_skip(m, 13), ev))
				ev->type = EV_CONNECT;
			return;
		}
		if (ms_sv_starts(m, "connect to ")) {
			ev->type = EV_NOISE;
			return;
		}
		break;
	case 'd':
		if (ms_sv_starts(m, "disconnect from ")) {
			ms_sv rest = ms_sv_skip(m, 16);
			size_t n = ms_namaddr_parse(rest, &ev->name, &ev->ip, &ev->port);
			if (!n)
				n = unknown_unknown(rest, ev);
			if (!n)
				return;
			ms_parse_counters(ms_sv_skip(rest, n), &ev->counters);
			ev->type = EV_DISCONNECT;
			return;
		}
		break;
	case 'w':
		if (ms_sv_starts(m, "warning: ")) {
			parse_warning(ms_sv_skip(m, 9), ev);
			return;
		}
		if (ms_sv_starts(m, "write to ")) {
			ev->type = EV_NOISE;
			return;
		}
		break;
	case 'l':
	case 't':
		if (parse_abort(m, ev))
			return;
		break;
	case 's':
		if (ms_sv_starts(m, "setting up TLS connection from ")) {
			if (tail_namaddr(ms_sv_skip(m, 31), ev))
				ev->type = EV_TLS_SETUP;
			return;
		}
		if (ms_sv_starts(m, "statistics: ")) {
			ev->type = EV_NOISE;
			return;
		}
		break;
	case 'S':
		if (ms_sv_starts(m, "SSL_accept error from ")) {
			ms_sv rest = ms_sv_skip(m, 22);
			size_t n = ms_namaddr_parse(rest, &ev->name, &ev->ip, &ev->port);
			if (n) {
				ev->text = ms_sv_skip(rest, n + (n + 1 < rest.n ? 2 : rest.n - n));
				ev->type = EV_TLS_ERROR;
			}
			return;
		}
		break;
	case 'R':
		if (ms_sv_starts(m, "Read ")) {
			uint64_t v;
			size_t d = ms_sv_u64(ms_sv_skip(m, 5), &v);
			if (d && ms_sv_starts(ms_sv_skip(m, 5 + d), " chars: ")) {
				ev->num = (long)(v > 1000000 ? 1000000 : v);
				ev->text = ms_sv_skip(m, 5 + d + 8);
				ev->type = EV_TLS_READ;
				return;
			}
			if (d && ms_sv_eq_lit(ms_sv_skip(m, 5 + d), " chars:")) {
				ev->num = (long)(v > 1000000 ? 1000000 : v);
				ev->type = EV_TLS_READ;
				return;
			}
		}
		break;
	case 'W':
		if (ms_sv_starts(m, "Write ")) {
			uint64_t v;
			size_t d = ms_sv_u64(ms_sv_skip(m, 6), &v);
			if (d && ms_sv_starts(ms_sv_skip(m, 6 + d), " chars: ")) {
				ev->num = (long)(v > 1000000 ? 1000000 : v);
				ev->text = ms_sv_skip(m, 6 + d + 8);
				ev->type = EV_TLS_WRITE;
				return;
			}
		}
		break;
	case '<':
	case '>':
		if (m.n > 2 && m.p[1] == ' ') {
			ms_sv rest = ms_sv_skip(m, 2);
			size_t n = namaddr_colon(rest, ev);
			if (n) {
				ev->text = ms_sv_skip(rest, n);
				ev->type = m.p[0] == '<' ? EV_TLS_READ : EV_TLS_WRITE;
				ev->num = -2; /* verbose dialogue: the text is whole */
			}
			return;
		}
		break;
	case 'b':
		if (parse_bare_lf(m, ev))
			return;
		break;
	case 'p':
		if (parse_proxy(m, ev))
			return;
		break;
	case 'i':
		if (ms_sv_starts(m, "improper command pipelining after ")) {
			ms_sv rest = ms_sv_skip(m, 34);
			long f = ms_sv_find_lit(rest, " from ");
			if (f > 0) {
				ms_sv after = ms_sv_skip(rest, (size_t)f + 6);
				size_t n = ms_namaddr_parse(after, &ev->name, &ev->ip, &ev->port);
				if (n) {
					ev->where = ms_sv_head(rest, (size_t)f);
					ev->what = MS_SV_LIT("pipelining");
					ev->text = ms_sv_skip(after, n);
					ev->type = EV_CLIENT_WARN;
				}
			}
			return;
		}
		break;
	}
	if (parse_tls_summary(m, ev))
		return;
	if (ev->type != EV_UNKNOWN || ev->trust.p) {
		/* a line that looked like a TLS summary but was not one: drop the partial fields */
		ev->type = EV_UNKNOWN;
		ev->trust = ev->proto = ev->sni = ev->name = ev->ip = ev->text = MS_SV_NULL;
		ev->reused = 0;
		ev->port = -1;
	}
	if (ms_is_tls_debug_noise(m)) {
		ev->type = EV_NOISE;
		return;
	}
	/* queue-id prefixed lines: "QID: client=...", "NOQUEUE: reject: ...", 3.10 aborts */
	q = ms_queue_id_len(m);
	if (q) {
		ms_sv rest = ms_sv_skip(m, q + 2);
		ev->queue_id = ms_sv_head(m, q);
		if (ms_sv_starts(rest, "client=")) {
			if (!parse_client(ms_sv_skip(rest, 7), ev))
				ev->type = EV_UNKNOWN;
			return;
		}
		if (parse_abort(rest, ev))
			return;
		if (parse_bare_lf(rest, ev) || parse_proxy(rest, ev))
			return;
		if (ms_sv_starts(rest, "abort: TLS from ")) {
			/* "NOQUEUE: abort: TLS from NAMADDR: No client certificate presented" */
			ms_sv r2 = ms_sv_skip(rest, 16);
			size_t n = ms_namaddr_parse(r2, &ev->name, &ev->ip, &ev->port);
			if (n) {
				ev->text = ms_sv_skip(r2, n);
				if (ms_sv_starts(ev->text, ": "))
					ev->text = ms_sv_skip(ev->text, 2);
				ev->type = EV_TLS_ERROR;
			}
			return;
		}
		if (parse_reject(rest, ev))
			return;
		ev->type = EV_UNKNOWN;
		return;
	}
	/* "NAMADDR: TLS cipher list ...", "NAMADDR: Reusing old session", certificate details */
	{
		ms_event tmp = *ev;
		size_t n = namaddr_colon(m, &tmp);
		if (n) {
			ms_sv rest = ms_sv_skip(m, n);
			if (ms_sv_starts(rest, "TLS cipher list") || ms_sv_starts(rest, "Reusing old session") ||
			    ms_sv_starts(rest, "save session") || ms_sv_starts(rest, "subject_CN=") ||
			    ms_sv_starts(rest, "Issuing session ticket") || ms_sv_starts(rest, "sni ") ||
			    ms_sv_starts(rest, "certificate verification") || ms_sv_starts(rest, "subject=") ||
			    ms_sv_starts(rest, "issuer=") || ms_sv_starts(rest, "pkey_fingerprint=") ||
			    ms_sv_starts(rest, "cert_fingerprint=") || ms_sv_starts(rest, "client certificate") ||
			    ms_sv_starts(rest, "re-using session") || ms_sv_starts(rest, "Trusted") ||
			    ms_sv_starts(rest, "Untrusted") || ms_sv_starts(rest, "looking for session") ||
			    ms_sv_starts(rest, "looking up session ") || ms_sv_starts(rest, "reloaded session ") ||
			    ms_sv_starts(rest, "remove session ") || ms_sv_starts(rest, "depth=")) {
				/* lines of the TLS set-up (smtpd_tls_loglevel 2+): they
				 * name the client, so they count for its first and last
				 * seen (SEMANTICS: "TLS set-up or established") */
				*ev = tmp;
				ev->type = EV_TLS_SETUP;
				return;
			}
			/* smtpd_command_filter: "NAMADDR: replacing command \"X\" with
			 * \"Y\"" (smtpd.c; the commands are the client's, AUTH data
			 * among them: not kept) */
			if (ms_sv_starts(rest, "replacing command ")) {
				*ev = tmp;
				ev->what = MS_SV_LIT("command_replaced");
				ev->text = MS_SV_NULL;
				ev->type = EV_CLIENT_WARN;
				return;
			}
		}
	}
	/* TLS set-up lines that name the client after their text (tls_verify.c,
	 * tls_server.c): "certificate verification failed for NAMADDR: ...",
	 * "client certificate verification failed for NAMADDR: ...",
	 * "SSL_set_fd error to NAMADDR" */
	{
		static const char *const pre[] = { "certificate verification failed for ",
						   "client certificate verification failed for ",
						   "SSL_set_fd error to " };
		for (size_t i = 0; i < sizeof pre / sizeof *pre; i++)
			if (ms_sv_starts_(m, pre[i], strlen(pre[i]))) {
				ms_event tmp = *ev;
				ms_sv rest = ms_sv_skip(m, strlen(pre[i]));
				size_t n = ms_namaddr_parse(rest, &tmp.name, &tmp.ip, &tmp.port);
				if (n) {
					*ev = tmp;
					ev->type = EV_TLS_SETUP;
				} else {
					ev->type = EV_NOISE;
				}
				return;
			}
	}
	/* the TLS session cache of Postfix 2.4 and later without the client's
	 * name (tls_server.c), a certificate's subject and issuer: noise */
	if (ms_sv_starts(m, "looking up session ") || ms_sv_starts(m, "reloaded session ") ||
	    ms_sv_starts(m, "save session ") || ms_sv_starts(m, "remove session ") ||
	    ms_sv_starts(m, "subject=") || ms_sv_starts(m, "issuer=")) {
		ev->type = EV_NOISE;
		return;
	}
	if (ms_sv_starts(m, "lookup ") || ms_sv_starts(m, "auto_clnt_") || ms_sv_starts(m, "fatal: ") ||
	    ms_sv_starts(m, "error: ") || ms_sv_starts(m, "panic: ") || ms_sv_starts(m, "initializing the server-side TLS engine") ||
	    ms_sv_starts(m, "TLS cipher list") || ms_sv_starts(m, "table ") || ms_sv_starts(m, "xsasl_") ||
	    ms_sv_starts(m, "discarding EHLO keywords: "))
		ev->type = EV_NOISE;
}
