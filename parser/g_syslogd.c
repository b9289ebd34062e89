/* SPDX-License-Identifier: MIT */
/*
 * g_syslogd.c - the syslog daemon's own lines that say the log is missing
 * lines: rsyslog's rate limits (imuxsock per sending process, imjournal) and
 * journald's.  Under an attack a busy process (plesk_saslauthd, smtpd) is the
 * first whose lines are dropped, and then counts are lower bounds and names
 * joined by time can be shifted: the reports say so.
 *
 *   rsyslogd: imuxsock[4434]: begin to drop messages due to rate-limiting
 *   rsyslogd: imuxsock[4434]: 153 messages lost due to rate-limiting (200 allowed within 5 seconds)
 *   rsyslogd: imuxsock[pid: 4434, name: /usr/sbin/plesk_saslauthd]: 153 messages lost due to rate-limiting
 *   rsyslogd-2177: imuxsock begins to drop messages from pid 4434 due to rate-limiting
 *   rsyslogd-2177: imuxsock lost 153 messages from pid 4434 due to rate-limiting
 *   rsyslogd: imjournal: 1234 messages lost due to rate-limiting (20000 allowed within 600 seconds)
 *   systemd-journald[345]: Suppressed 1234 messages from plesk_saslauthd.service
 *   systemd-journal[345]: Suppressed 1234 messages from /system.slice/plesk...   (CentOS 7: the name cut)
 *   systemd-journald[345]: Forwarding to syslog missed 12 messages.
 */
#include "grammar.h"

int ms_is_syslogd(ms_sv prog)
{
	return ms_sv_eq_lit(prog, "rsyslogd") || ms_sv_starts(prog, "rsyslogd-") ||
	       ms_sv_eq_lit(prog, "systemd-journald") || ms_sv_eq_lit(prog, "systemd-journal") ||
	       ms_sv_eq_lit(prog, "journald");
}

/* the number that starts s (capped: rsyslog prints an unsigned count), or -1 */
static long number_at(ms_sv s)
{
	uint64_t v;
	size_t n = ms_sv_u64(s, &v);
	if (!n)
		return -1;
	return n > 10 || v > 0x7fffffffu ? 0x7fffffffL : (long)v;
}

/* the number just before offset at in m ("153 messages"), or -1 */
static long number_before(ms_sv m, long at)
{
	long b = at;
	while (b > 0 && m.p[b - 1] >= '0' && m.p[b - 1] <= '9')
		b--;
	return b < at ? number_at(ms_sv_skip(m, (size_t)b)) : -1;
}

/* the process whose lines were lost: "imuxsock[P]", rsyslog 8's
 * "imuxsock[pid: P, name: N]" or "from pid P", else -1 */
static long lost_pid(ms_sv m)
{
	long k = ms_sv_find_lit(m, "imuxsock[");
	if (k >= 0) {
		ms_sv r = ms_sv_skip(m, (size_t)k + 9);
		if (ms_sv_starts(r, "pid: "))
			r = ms_sv_skip(r, 5);
		long p = number_at(r);
		if (p > 0)
			return p;
	}
	k = ms_sv_find_lit(m, "from pid ");
	if (k >= 0) {
		long p = number_at(ms_sv_skip(m, (size_t)k + 9));
		if (p > 0)
			return p;
	}
	return -1;
}

void ms_parse_syslogd(ms_sv m, ms_event *ev)
{
	long k, n;
	ev->type = EV_NOISE; /* its other lines: start, HUP, actions */
	if (ms_sv_starts(m, "Suppressed ") && (k = ms_sv_find_lit(m, " messages from ")) > 0) {
		if ((n = number_before(m, k)) < 0)
			return;
		ev->what = ms_sv_trim(ms_sv_skip(m, (size_t)k + 15));
	} else if (ms_sv_starts(m, "Forwarding to syslog missed ") && (k = ms_sv_find_lit(m, " messages")) > 0) {
		if ((n = number_before(m, k)) < 0)
			return;
		ev->what = MS_SV_LIT("forwarding to syslog");
	} else if (ms_sv_find_lit(m, "due to rate-limiting") >= 0 || ms_sv_find_lit(m, "due to rate limiting") >= 0) {
		if ((k = ms_sv_find_lit(m, " messages lost")) > 0)
			n = number_before(m, k);
		else if ((k = ms_sv_find_lit(m, "lost ")) >= 0)
			n = number_at(ms_sv_skip(m, (size_t)k + 5));
		else if (ms_sv_find_lit(m, "begin to drop") >= 0 || ms_sv_find_lit(m, "begins to drop") >= 0)
			n = -1; /* the count comes in a later line */
		else
			return;
		if (n < 0 && k >= 0)
			return; /* "lost" with no count */
		ev->num2 = lost_pid(m);
		ev->what = ms_sv_find_lit(m, "imjournal") >= 0 ? MS_SV_LIT("imjournal") : MS_SV_LIT("imuxsock");
		/* rsyslog 8 names the process: "imuxsock[pid: P, name: /usr/sbin/prog]" */
		long nm = ms_sv_find_lit(m, ", name: ");
		if (nm > 0 && ms_sv_find_lit(ms_sv_head(m, (size_t)nm), "imuxsock[pid: ") >= 0) {
			ms_sv name = ms_sv_skip(m, (size_t)nm + 8);
			long e = ms_sv_chr(name, ']');
			if (e > 0)
				ev->what = ms_sv_head(name, (size_t)e);
		}
	} else {
		return;
	}
	ev->num = n;
	ev->type = EV_LOG_LOSS;
}
