/* SPDX-License-Identifier: MIT */
/* g_postscreen.c - postscreen grammar (postscreen sources; clients logged as "[addr]:port"). */
#include "grammar.h"
#include "addr.h"

/* "[addr]:port" at s; returns bytes consumed or 0 */
static size_t ps_addr(ms_sv s, ms_event *ev)
{
	ms_sv name;
	size_t n = ms_namaddr_parse(s, &name, &ev->ip, &ev->port);
	return (n && name.n == 0) ? n : 0;
}

/* "... from [addr]:port..." */
static int from_addr(ms_sv s, ms_event *ev, ms_sv *after)
{
	long f = ms_sv_find_lit(s, "from [");
	size_t n;
	if (f < 0)
		return 0;
	n = ps_addr(ms_sv_skip(s, (size_t)f + 5), ev);
	if (!n)
		return 0;
	*after = ms_sv_skip(s, (size_t)f + 5 + n);
	return 1;
}

void ms_parse_postscreen(ms_sv m, ms_event *ev)
{
	ms_sv after;
	size_t n;
	ev->type = EV_UNKNOWN;
	if (ms_sv_starts(m, "CONNECT from ")) {
		if (ps_addr(ms_sv_skip(m, 13), ev))
			ev->type = EV_PS_CONNECT;
		return;
	}
	if (ms_sv_starts(m, "PASS NEW ") || ms_sv_starts(m, "PASS OLD ")) {
		if (ps_addr(ms_sv_skip(m, 9), ev)) {
			ev->what = ms_sv_make(m.p + 5, 3);
			ev->type = EV_PS_PASS;
		}
		return;
	}
	if (ms_sv_starts(m, "DISCONNECT ")) {
		if (ps_addr(ms_sv_skip(m, 11), ev))
			ev->type = EV_PS_DISCONNECT;
		return;
	}
	if (ms_sv_starts(m, "DNSBL rank ")) {
		uint64_t v;
		size_t d = ms_sv_u64(ms_sv_skip(m, 11), &v);
		if (d && ms_sv_starts(ms_sv_skip(m, 11 + d), " for ") && ps_addr(ms_sv_skip(m, 16 + d), ev)) {
			ev->num = (long)(v > 1000000 ? 1000000 : v);
			ev->what = MS_SV_LIT("DNSBL");
			ev->type = EV_PS_EVENT;
		}
		return;
	}
	if (ms_sv_starts(m, "PREGREET ") || ms_sv_starts(m, "HANGUP ") || ms_sv_starts(m, "COMMAND ") ||
	    ms_sv_starts(m, "NON-SMTP COMMAND ") || ms_sv_starts(m, "BARE NEWLINE ") ||
	    ms_sv_starts(m, "DATA without valid RCPT ")) {
		if (from_addr(m, ev, &after)) {
			long sp = ms_sv_find_lit(m, " from [");
			ev->what = ms_sv_head(m, (size_t)sp);
			/* keep the first word(s) up to " after"/digits as the kind */
			long a = ms_sv_find_lit(ev->what, " after");
			if (a > 0 && !ms_sv_starts(m, "COMMAND") && !ms_sv_starts(m, "NON-SMTP") && !ms_sv_starts(m, "BARE"))
				ev->what = ms_sv_head(ev->what, (size_t)ms_sv_chr(ev->what, ' '));
			else if (a > 0)
				ev->what = ms_sv_head(ev->what, (size_t)a);
			ev->text = after;
			ev->type = EV_PS_EVENT;
		}
		return;
	}
	if (ms_sv_ends(ms_sv_head(m, (size_t)(ms_sv_chr(m, ' ') < 0 ? 0 : ms_sv_chr(m, ' '))), "LISTED") ||
	    ms_sv_starts(m, "DENYLIST VETO ") || ms_sv_starts(m, "ALLOWLIST VETO ") ||
	    ms_sv_starts(m, "BLACKLIST VETO ") || ms_sv_starts(m, "WHITELIST VETO ")) {
		long b = ms_sv_chr(m, '[');
		if (b > 0 && (n = ps_addr(ms_sv_skip(m, (size_t)b), ev)) != 0) {
			ev->what = ms_sv_head(m, (size_t)b - 1);
			ev->type = EV_PS_EVENT;
		}
		return;
	}
	if (ms_sv_starts(m, "NOQUEUE: reject: ")) {
		ms_sv rest = ms_sv_skip(m, 17);
		long f = ms_sv_find_lit(rest, " from [");
		if (f <= 0 || f > 20)
			return;
		ev->where = ms_sv_head(rest, (size_t)f);
		rest = ms_sv_skip(rest, (size_t)f + 6);
		n = ps_addr(rest, ev);
		if (!n || !ms_sv_starts(ms_sv_skip(rest, n), ": "))
			return;
		rest = ms_sv_skip(rest, n + 2);
		{
			uint64_t code;
			if (ms_sv_u64(rest, &code) == 3)
				ev->num = (long)code;
		}
		ev->reason = rest;
		long sc = ms_sv_find_lit(rest, "; from=<");
		if (sc >= 0) {
			ms_sv kv = ms_sv_skip(rest, (size_t)sc + 2);
			ev->reason = ms_sv_head(rest, (size_t)sc);
			static const char *const keys[] = { "from", "to", "proto", "helo" };
			ms_sv *const vals[] = { &ev->from, &ev->to, &ev->proto, &ev->helo };
			ms_kv_get_n(kv, keys, vals, 4);
		}
		ev->type = EV_PS_REJECT;
		return;
	}
	if (ms_sv_starts(m, "cache ") || ms_sv_starts(m, "warning: ") || ms_sv_starts(m, "statistics") ||
	    ms_sv_starts(m, "fatal: ") || ms_sv_starts(m, "error: ") || ms_sv_starts(m, "WHITELISTED ") ||
	    ms_sv_starts(m, "ALLOWLISTED "))
		ev->type = EV_NOISE;
}
