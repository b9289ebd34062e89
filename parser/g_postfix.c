/* SPDX-License-Identifier: MIT */
/*
 * g_postfix.c - Postfix daemons other than smtpd and postscreen: the queue
 * life of a message (cleanup message-id, qmgr from/size/nrcpt, delivery
 * agents to=/status=, qmgr removed), outbound TLS, and operational lines.
 */
#include "grammar.h"
#include "grammar_int.h"
#include "redact.h"
#include "addr.h"

static int is_delivery_agent(ms_sv d)
{
	return ms_sv_eq_lit(d, "smtp") || ms_sv_eq_lit(d, "lmtp") || ms_sv_eq_lit(d, "local") ||
	       ms_sv_eq_lit(d, "virtual") || ms_sv_eq_lit(d, "pipe") || ms_sv_eq_lit(d, "error") ||
	       ms_sv_eq_lit(d, "discard") || ms_sv_eq_lit(d, "relay") || ms_sv_eq_lit(d, "retry") ||
	       ms_sv_eq_lit(d, "bounce") || ms_sv_eq_lit(d, "defer") || ms_sv_eq_lit(d, "trace");
}

/*
 * The end of cleanup's reject, after the client (cleanup.c cleanup_act()):
 * a milter's "milter-reject: END-OF-MESSAGE from NAMADDR: 5.7.1 text; from=<S>
 * to=<R> proto=P helo=<H>", or header/body checks' "reject: header TEXT from
 * NAMADDR; from=<S> to=<R> proto=P helo=<H>: 550 5.7.1 text".  The stage of
 * the second is its class ("header", "body"): what follows it is the matched
 * content, the client's.  The reply's code when it has one.
 */
void ms_cleanup_reject_tail(ms_sv t, ms_event *ev)
{
	uint64_t code;
	static const char *const check_class[] = { "header ", "body ", "mime-header ", "nested-header " };
	for (size_t i = 0; i < sizeof check_class / sizeof check_class[0]; i++)
		if (ev->where.p && ms_sv_starts_(ev->where, check_class[i], strlen(check_class[i]))) {
			ev->where.n = strlen(check_class[i]) - 1;
			break;
		}
	if (ms_sv_starts(t, ": ")) {
		ms_sv r = ms_sv_skip(t, 2);
		long sc = ms_sv_find_lit(r, "; from=<");
		if (sc < 0)
			sc = ms_sv_find_lit(r, "; to=<");
		ev->reason = sc >= 0 ? ms_sv_head(r, (size_t)sc) : r;
		if (sc >= 0)
			ms_reject_tail(ms_sv_skip(r, (size_t)sc + 2), ev);
	} else if (ms_sv_starts(t, "; ")) {
		/* the reply follows the last ">: ": the helo, before it, is the
		 * client's and may hold one too; the reply text is the admin's */
		ms_sv kv = ms_sv_skip(t, 2);
		long e = -1;
		for (long k = ms_sv_find_lit(kv, ">: "); k >= 0;) {
			e = k;
			long nx = ms_sv_find_lit(ms_sv_skip(kv, (size_t)k + 1), ">: ");
			k = nx < 0 ? -1 : k + 1 + nx;
		}
		long pr = ms_sv_find_lit(kv, "proto=");
		long pc = pr < 0 ? -1 : ms_sv_find_lit(ms_sv_skip(kv, (size_t)pr), ": ");
		if (e >= 0) {
			ev->reason = ms_sv_skip(kv, (size_t)e + 3);
			ms_reject_tail(ms_sv_head(kv, (size_t)e + 1), ev);
		} else if (pc >= 0 && ms_sv_chr(ms_sv_make(kv.p + pr, (size_t)pc), ' ') < 0) {
			/* no helo (the client never said HELO): the reply follows
			 * proto=P, the server's word */
			ev->reason = ms_sv_skip(kv, (size_t)(pr + pc) + 2);
			ms_reject_tail(ms_sv_head(kv, (size_t)(pr + pc)), ev);
		} else {
			ms_reject_tail(kv, ev);
		}
	} else {
		ev->reason = t;
	}
	if (ev->reason.p && ms_sv_u64(ev->reason, &code) == 3)
		ev->num = (long)code;
}

/* The first " from NAME[IP]" followed by ':' or ';' in s: the offset just
 * after it (0 when none), *from the offset of its " from ". */
static size_t client_at(ms_sv s, size_t *from, ms_sv *name, ms_sv *ip, long *port)
{
	for (size_t off = 0;;) {
		long k = ms_sv_find_lit(ms_sv_skip(s, off), " from ");
		if (k < 0)
			return 0;
		*from = off + (size_t)k;
		ms_sv after = ms_sv_skip(s, *from + 6);
		size_t n = ms_namaddr_parse(after, name, ip, port);
		if (n && n < after.n && (after.p[n] == ':' || after.p[n] == ';'))
			return *from + 6 + n;
		off = *from + 1; /* " from from NAME[IP];": the next may share its space */
	}
}

size_t ms_cleanup_client_next(ms_sv s, ms_sv *name, ms_sv *ip)
{
	size_t from;
	long port;
	return client_at(s, &from, name, ip, &port);
}

void ms_parse_postfix_other(ms_sv d, ms_sv m, ms_event *ev)
{
	size_t q = ms_queue_id_len(m);
	ev->type = EV_UNKNOWN;
	if (q) {
		ms_sv rest = ms_sv_skip(m, q + 2);
		ev->queue_id = ms_sv_head(m, q);
		if (ms_sv_starts(rest, "message-id=")) {
			ev->text = ms_sv_skip(rest, 11);
			ev->type = EV_Q_MSGID;
			return;
		}
		if (ms_sv_eq_lit(rest, "removed")) {
			ev->type = EV_Q_REMOVED;
			return;
		}
		if (ms_sv_starts(rest, "from=<") && (ms_sv_eq_lit(d, "qmgr") || !d.n)) {
			static const char *const keys[] = { "from", "size", "nrcpt" };
			ms_sv size, nrcpt;
			ms_sv *const vals[] = { &ev->from, &size, &nrcpt };
			uint64_t x;
			ms_kv_get_n(rest, keys, vals, 3);
			if (size.p && ms_sv_u64(size, &x))
				ev->num = (long)(x > 0x7fffffff ? 0x7fffffff : x);
			if (nrcpt.p && ms_sv_u64(nrcpt, &x))
				ev->num2 = (long)(x > 0x7fffffff ? 0x7fffffff : x);
			ev->type = ev->num2 >= 0 ? EV_Q_FROM : EV_NOISE;
			return;
		}
		/* daemon unknown (a bare "postfix" tag): not qmgr's own to= lines, a
		 * dead destination's deferrals and expiries */
		if (ms_sv_starts(rest, "to=<") &&
		    (is_delivery_agent(d) || (!d.n && ms_sv_find_lit(rest, "delivery temporarily suspended") < 0 &&
					       ms_sv_find_lit(rest, "status=expired") < 0))) {
			static const char *const keys[] = { "to", "status", "relay" };
			ms_sv *const vals[] = { &ev->to, &ev->what, &ev->text };
			ms_kv_get_n(rest, keys, vals, 3);
			ev->type = EV_Q_DELIVERY;
			return;
		}
		if (ms_sv_starts(rest, "milter-reject: ") || ms_sv_starts(rest, "reject: ")) {
			/* cleanup/smtpd-side content rejects naming the client: keep as
			 * reject.  A header check's matched text comes before the client
			 * and may hold " from " (and a whole " from NAME[IP];"): the
			 * client is the first " from NAME[IP]" followed by ':' or ';' */
			ms_sv name, ip;
			long port;
			size_t fa = 0, end = client_at(rest, &fa, &name, &ip, &port);
			if (end) {
				long f = (long)fa;
				ev->name = name;
				ev->ip = ip;
				ev->port = port;
				long c = ms_sv_find_lit(rest, ": ");
				ev->what = ms_sv_head(rest, (size_t)c);
				/* "reject: from ..." has no stage between ": " and " from " */
				ev->where = f >= c + 2 ? ms_sv_make(rest.p + c + 2, (size_t)(f - c - 2)) : MS_SV_NULL;
				ms_cleanup_reject_tail(ms_sv_skip(rest, end), ev);
				/* another client-like text after it: the tracker chooses
				 * (ms_cleanup_client_next) */
				if (ms_cleanup_client_next(ms_sv_skip(rest, end), &name, &ip))
					ev->text = ms_sv_skip(rest, fa);
				ev->type = EV_REJECT;
				return;
			}
		}
		/* all other queue-id lines (uid=, sender notifications, header checks,
		 * host said, lost connection with, delays ...) are message plumbing */
		ev->type = EV_NOISE;
		return;
	}
	{
		long sp = ms_sv_chr(m, ' ');
		if (sp > 0) {
			ms_sv w = ms_sv_head(m, (size_t)sp);
			if ((ms_sv_eq_lit(w, "Anonymous") || ms_sv_eq_lit(w, "Untrusted") || ms_sv_eq_lit(w, "Trusted") ||
			     ms_sv_eq_lit(w, "Verified")) && ms_sv_find_lit(m, " TLS connection ") == sp) {
				/* tlsproxy's inbound connections (postscreen's STARTTLS):
				 * not smtpd's TLS sessions (SEMANTICS), not outbound either */
				if (ms_sv_find_lit(m, " established from ") > 0 || ms_sv_find_lit(m, " reused from ") > 0) {
					ev->type = EV_NOISE;
					return;
				}
				long wc = ms_sv_find_lit(m, " with cipher ");
				if (wc > 0) {
					ms_sv rest = ms_sv_skip(m, (size_t)wc + 13);
					long e = ms_sv_chr(rest, ' ');
					ev->cipher = e < 0 ? rest : ms_sv_head(rest, (size_t)e);
					ms_sv pre = ms_sv_head(m, (size_t)wc);
					long c = ms_sv_rchr(pre, ' ');
					ev->proto = ms_sv_skip(pre, (size_t)c + 1);
					ev->trust = w;
					ev->type = EV_TLS_OUTBOUND;
					return;
				}
			}
		}
	}
	if (ms_sv_starts(m, "warning: ") || ms_sv_starts(m, "error: ") || ms_sv_starts(m, "fatal: ") ||
	    ms_sv_starts(m, "panic: ") || ms_sv_starts(m, "statistics: ") || ms_sv_starts(m, "daemon started") ||
	    ms_sv_starts(m, "reload ") || ms_sv_starts(m, "terminating on signal") || ms_sv_starts(m, "connect to ") ||
	    ms_sv_starts(m, "addr ") || ms_sv_starts(m, "Deleted: ") || ms_sv_starts(m, "Requeued: ") ||
	    ms_sv_starts(m, "cache ") || ms_sv_starts(m, "setting up TLS connection to ") ||
	    ms_sv_starts(m, "starting the Postfix") || ms_sv_starts(m, "stopping the Postfix") ||
	    ms_sv_starts(m, "refreshing the Postfix") || ms_sv_starts(m, "Postfix is ") ||
	    ms_sv_starts(m, "table ") || ms_sv_starts(m, "mail system") || ms_sv_starts(m, "SSL_connect:") ||
	    ms_sv_starts(m, "connection established") || ms_sv_starts(m, "disconnect from ") ||
	    ms_sv_starts(m, "connect from ") || ms_sv_starts(m, "Placed on hold: ") ||
	    ms_sv_starts(m, "Released from hold: ") || ms_sv_starts(m, "certificate verification failed for ") ||
	    ms_sv_starts(m, "SSL_connect error to ") || ms_sv_starts(m, "CONNECT from [") ||
	    ms_sv_starts(m, "DISCONNECT [") || ms_is_tls_debug_noise(m) || ms_dlg_msg(m))
		ev->type = EV_NOISE; /* dialogue of smtp, lmtp, tlsproxy (TLS-debug level 4, -v): never kept */
}
