/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <time.h>
#include "ut.h"
#include "../../parser/syslog.h"
#include "../../parser/clock.h"

static ms_syslog P(const char *l, ms_line_status *st)
{
	ms_syslog s;
	*st = ms_syslog_parse(l, strlen(l), &s);
	return s;
}

UT_TEST(syslog_rfc3164_space_padded)
{
	ms_line_status st;
	ms_syslog s = P("Feb  3 11:57:42 mail postfix/submission/smtpd[11538]: connect from x[1.2.3.4]", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_INT(s.ts.kind, MS_TS_3164);
	UT_EQ_INT(s.ts.mon, 2);
	UT_EQ_INT(s.ts.mday, 3);
	UT_EQ_INT(s.ts.sec, 42);
	UT_EQ_SV(s.host, "mail");
	UT_EQ_SV(s.prog, "postfix/submission/smtpd");
	UT_EQ_SV(s.daemon, "smtpd");
	UT_EQ_SV(s.service, "postfix/submission");
	UT_EQ_INT(s.pid, 11538);
	UT_EQ_SV(s.msg, "connect from x[1.2.3.4]");
}

UT_TEST(syslog_rfc3164_zero_and_unpadded)
{
	ms_line_status st;
	ms_syslog s = P("Jun 04 22:24:28 machine postfix/smtpd[3967801]: x", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_INT(s.ts.mday, 4);
	s = P("Mar 7 02:09:33 server postfix-smo/submission/smtpd[22427]: y", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_INT(s.ts.mday, 7);
	UT_EQ_SV(s.daemon, "smtpd");
	UT_EQ_SV(s.service, "postfix-smo/submission");
	UT_EQ_SV(s.msg, "y");
}

UT_TEST(syslog_short_precise_fraction)
{
	ms_line_status st;
	ms_syslog s = P("Feb 23 11:57:42.123456 mail postfix/smtpd[12345]: connect from unknown[192.0.2.1]", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_INT(s.ts.usec, 123456);
	UT_EQ_SV(s.host, "mail");
}

UT_TEST(syslog_rfc3339_offsets)
{
	ms_line_status st;
	ms_syslog s = P("2024-10-31T12:38:21.817327+00:00 machine postfix/submission/smtpd[2634372]: warning: x", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_INT(s.ts.kind, MS_TS_ISO);
	UT_EQ_INT(s.ts.year, 2024);
	UT_EQ_INT(s.ts.has_offset, 1);
	UT_EQ_INT(s.ts.offset, 0);
	s = P("2024-02-23T11:57:42+0100 mail postfix/smtpd[12345]: connect from unknown[192.0.2.1]", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_INT(s.ts.offset, 3600);
	s = P("2024-02-23T11:57:42Z mail postfix/smtpd[1]: m", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_INT(s.ts.has_offset, 1);
	s = P("2016-03-20T13:30:53.574978+01:00 tron postfix/smtpd[32655]: too many errors", &st);
	UT_EQ_INT(s.ts.offset, 3600);
	UT_EQ_INT(s.pid, 32655);
}

UT_TEST(syslog_rfc5424)
{
	ms_line_status st;
	ms_syslog s = P("<22>1 2024-02-23T11:57:42.123456+01:00 mail.example.com postfix/smtpd 12345 - - connect from unknown[192.0.2.1]", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_SV(s.host, "mail.example.com");
	UT_EQ_SV(s.daemon, "smtpd");
	UT_EQ_INT(s.pid, 12345);
	UT_EQ_SV(s.msg, "connect from unknown[192.0.2.1]");
	s = P("<20>1 2024-02-23T11:57:42Z h postfix/smtpd 7 - [meta x=\"a]b\"] warning: y", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_SV(s.msg, "warning: y");
}

UT_TEST(syslog_markers_and_garbage)
{
	ms_line_status st;
	P("-- Boot 3c1f0000 --", &st);
	UT_EQ_INT(st, MS_LINE_MARKER);
	P("", &st);
	UT_EQ_INT(st, MS_LINE_MARKER);
	P("garbage line without header", &st);
	UT_EQ_INT(st, MS_LINE_BAD);
	P("Foo 12 10:00:00 h p[1]: x", &st);
	UT_EQ_INT(st, MS_LINE_BAD);
	P("Feb 30", &st);
	UT_EQ_INT(st, MS_LINE_BAD);
}

UT_TEST(syslog_no_host_forms)
{
	ms_line_status st;
	ms_syslog s = P("Jan 29 13:54:06 auth-worker(22401): Info: sql(admin@example.de,192.0.2.5,<n4J>): unknown user", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_SV(s.daemon, "auth-worker");
	UT_EQ_INT(s.host.n, 0);
	s = P("2013-08-11 03:56:40 auth-worker(default): Info: pam(username,1.2.3.4): pam_authenticate() failed", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_SV(s.daemon, "auth-worker");
	s = P("@400000004c91b044077a9e94 imap-login: Info: Aborted login (auth failed, 1 attempts): user=<m>", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_INT(s.ts.kind, MS_TS_EPOCH);
	UT_EQ_SV(s.daemon, "imap-login");
}

/* a TAI64N label is a stamp up to the end of year 9999, as ISO 8601 times are */
UT_TEST(syslog_tai64n_range)
{
	ms_stamp ts;
	const char *last = "@4000003afff44189000000aa"; /* 9999-12-31T23:59:59 UTC, + 10 s TAI */
	const char *past = "@4000003afff4418a000000aa";
	const char *huge = "@562904981c91b044077a9e94"; /* year ~5e10: a fuzzer's */
	UT_EQ_INT(ms_stamp_parse(ms_sv_cstr(last), &ts), 25);
	UT_EQ_INT(ts.kind, MS_TS_EPOCH);
	UT_EQ_INT(ts.epoch == 253402300799, 1);
	UT_EQ_INT(ms_stamp_parse(ms_sv_cstr(past), &ts), 0);
	UT_EQ_INT(ms_stamp_parse(ms_sv_cstr(huge), &ts), 0);
	UT_EQ_INT(ms_stamp_parse(ms_sv_cstr("@4000000000000000000000aa"), &ts), 25);
	UT_EQ_INT(ts.epoch == -10, 1);
}

UT_TEST(syslog_forwarded_wrapper)
{
	ms_line_status st;
	ms_syslog s = P("Oct  7 06:53:00 v76075 systemd[1]: plesk_saslauthd[6896]: select timeout, exiting", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_SV(s.daemon, "plesk_saslauthd");
	UT_EQ_INT(s.pid, 6896);
	UT_EQ_SV(s.msg, "select timeout, exiting");
}

UT_TEST(clock_year_rollover)
{
	ms_tzcache c;
	ms_yearstate y;
	ms_stamp a, b, d;
	int64_t t1, t2, t3;
	setenv("TZ", "UTC", 1);
	tzset();
	ms_tzcache_init(&c);
	ms_year_init(&y);
	ms_year_begin(&y, 2025, 0);
	ms_stamp_parse(ms_sv_cstr("Dec 31 23:59:58"), &a);
	ms_stamp_parse(ms_sv_cstr("Jan  1 00:00:01"), &b);
	ms_stamp_parse(ms_sv_cstr("Dec 31 23:59:59"), &d);
	UT_EQ_INT(ms_stamp_to_utc(&c, &y, &a, &t1), 0);
	UT_EQ_INT(ms_stamp_to_utc(&c, &y, &b, &t2), 0);
	UT_EQ_INT(ms_stamp_to_utc(&c, &y, &d, &t3), 0); /* a straggler stays in 2025 */
	UT_EQ_INT(t1, 1767225598); /* 2025-12-31T23:59:58Z */
	UT_EQ_INT(t2, 1767225601); /* 2026-01-01T00:00:01Z */
	UT_EQ_INT(t3, 1767225599);
	UT_EQ_INT(y.year, 2026);
}

UT_TEST(clock_year_from_anchor)
{
	ms_tzcache c;
	ms_stamp a;
	setenv("TZ", "UTC", 1);
	tzset();
	ms_tzcache_init(&c);
	ms_stamp_parse(ms_sv_cstr("Dec 30 10:00:00"), &a);
	/* anchor 2026-01-05: a December line belongs to 2025 */
	UT_EQ_INT(ms_year_for_anchor(&c, &a, 1767571200), 2025);
	ms_stamp_parse(ms_sv_cstr("Jan  2 10:00:00"), &a);
	UT_EQ_INT(ms_year_for_anchor(&c, &a, 1767571200), 2026);
}

UT_TEST(syslog_header_variants_of_issue3)
{
	ms_line_status st;
	ms_syslog s;
	/* journalctl markers of every kind */
	P("-- Journal begins at Mon 2026-01-05 08:00:01 UTC, ends at Tue 2026-02-03 09:16:43 UTC. --", &st);
	UT_EQ_INT(st, MS_LINE_MARKER);
	P("-- Logs begin at Thu 2019-01-03 10:00:00 CET, end at Fri 2019-01-04 11:00:00 CET. --", &st);
	UT_EQ_INT(st, MS_LINE_MARKER);
	P("-- No entries --", &st);
	UT_EQ_INT(st, MS_LINE_MARKER);
	/* unpadded day with a fraction, CRLF line end */
	s = P("Feb 3 09:15:01.500000 mail postfix/smtpd[2101]: connect from unknown[198.51.100.7]\r\n", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_INT(s.ts.mday, 3);
	UT_EQ_INT(s.ts.usec, 500000);
	UT_EQ_SV(s.msg, "connect from unknown[198.51.100.7]");
	/* BSD syslog with a <PRI> as received on the wire */
	s = P("<22>Feb  3 09:15:01 mail postfix/smtpd[2101]: connect from x[192.0.2.1]", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_INT(s.ts.kind, MS_TS_3164);
	UT_EQ_INT(s.pid, 2101);
	/* negative offset */
	s = P("2026-02-03T04:15:01.000001-05:00 mail postfix/smtpd[2101]: m", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_INT(s.ts.offset, -5 * 3600);
	UT_EQ_INT(s.ts.usec, 1);
	/* RFC 5424 layout written by rsyslog's template without "<PRI>1 " */
	s = P("2026-02-03T10:15:01.123456+01:00 mail postfix/smtpd 2101 - - connect from x[192.0.2.1]", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_SV(s.daemon, "smtpd");
	UT_EQ_INT(s.pid, 2101);
	UT_EQ_SV(s.msg, "connect from x[192.0.2.1]");
	/* RFC 5424 with a BOM before the message */
	s = P("<22>1 2026-02-03T10:15:01+01:00 mail postfix/smtpd 2101 - - \xEF\xBB\xBF" "connect from x[192.0.2.1]", &st);
	UT_EQ_INT(st, MS_LINE_OK);
	UT_EQ_SV(s.msg, "connect from x[192.0.2.1]");
	/* an impossible time is not a header */
	P("Feb  3 24:15:01 mail postfix/smtpd[1]: m", &st);
	UT_EQ_INT(st, MS_LINE_BAD);
	P("2026-13-03T10:15:01Z mail postfix/smtpd[1]: m", &st);
	UT_EQ_INT(st, MS_LINE_BAD);
}

/* The stamp memo: a line is parsed as without it, whatever the line before
 * was; stamp_id says which lines share their stamp. */
UT_TEST(syslog_stamp_memo_same_as_parse)
{
	static const char *lines[] = {
		"Feb  3 11:57:42 mail postfix/smtpd[1]: connect from x[1.2.3.4]",
		"Feb  3 11:57:42 mail postfix/smtpd[1]: disconnect from x[1.2.3.4]",
		"Feb  3 11:57:42.250 mail postfix/smtpd[1]: same second, a fraction",
		"Feb  3 11:57:42.250 mail postfix/smtpd[1]: the same fraction",
		"Feb  3 11:57:42.2501 mail postfix/smtpd[1]: a longer fraction",
		"Feb  3 11:57:42 mail postfix/smtpd[1]: back to the whole second",
		"Feb  3 11:57:42",
		"Feb  3 11:57:42 ",
		"Feb  3 11:57:42 mail",
		"Feb  3 11:57:4x mail postfix/smtpd[1]: broken",
		"<22>Feb  3 11:57:42 mail postfix/smtpd[1]: with a PRI",
		"2026-02-03T11:57:42+01:00 mail postfix/smtpd[1]: iso",
		"2026-02-03T11:57:42+01:00 mail postfix/smtpd[1]: iso again",
		"2026-02-03T11:57:42+0100 mail postfix/smtpd[1]: iso, other offset form",
		"2026-02-03T11:57:42Z mail postfix/smtpd[1]: iso, Z",
		"2026-02-03 11:57:42 mail postfix/smtpd[1]: iso, space",
		"2026-02-03 11:57:42 postfix/smtpd[1]: iso, space, no host",
		"@4000000065a1b2c3000000aa dovecot: imap-login: tai64n",
		"@4000000065a1b2c3000000aa dovecot: imap-login: tai64n again",
		"1 2026-02-03T11:57:42Z mail postfix 1 - - rfc 5424",
		"Feb  3 11:57:42\tmail postfix/smtpd[1]: a tab after the stamp",
		"Feb  3 11:57:42 mail postfix/smtpd[1]: last\r\n",
		"Mar  3 11:57:42 mail postfix/smtpd[1]: only the month differs",
		"Mar  4 11:57:42 mail postfix/smtpd[1]: only the day differs",
		"Mar  4 11:57:43 mail postfix/smtpd[1]: only the last digit differs",
	};
	ms_stamp_memo memo;
	uint64_t id[sizeof lines / sizeof lines[0]];
	memset(&memo, 0, sizeof memo);
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		ms_syslog a, b;
		ms_line_status sa = ms_syslog_parse(lines[i], strlen(lines[i]), &a);
		ms_line_status sb = ms_syslog_parse_memo(lines[i], strlen(lines[i]), &b, &memo);
		UT_EQ_INT(sb, sa);
		UT_EQ_INT(a.stamp_id, 0);
		id[i] = sa == MS_LINE_OK ? b.stamp_id : 0;
		if (sa != MS_LINE_OK)
			continue;
		UT_ASSERT(memcmp(&a.ts, &b.ts, sizeof a.ts) == 0);
		UT_ASSERT(a.host.p == b.host.p && a.host.n == b.host.n);
		UT_ASSERT(a.prog.p == b.prog.p && a.prog.n == b.prog.n);
		UT_ASSERT(a.msg.p == b.msg.p && a.msg.n == b.msg.n);
		UT_EQ_INT(b.pid, a.pid);
	}
	UT_ASSERT(id[0] != 0 && id[1] == id[0]);  /* the same second */
	UT_ASSERT(id[2] != id[1] && id[3] == id[2]); /* a fraction is another stamp */
	UT_ASSERT(id[4] != id[3] && id[5] != id[4]);
	UT_ASSERT(id[10] == id[5]);                /* after its PRI */
	UT_ASSERT(id[12] == id[11] && id[13] != id[12] && id[14] != id[13]);
	UT_ASSERT(id[15] != 0 && id[16] == id[15]);
	UT_ASSERT(id[18] == id[17]);
	UT_EQ_INT(id[19], 0);                      /* RFC 5424: not kept */
	UT_ASSERT(id[21] != 0 && id[21] != id[10]); /* only the last stamp is kept */
	UT_ASSERT(id[22] != id[21] && id[23] != id[22] && id[24] != id[23]);
	UT_ASSERT(memo.gen > 5);
}
