/* SPDX-License-Identifier: MIT */
/*
 * Tests for the grammars (parser/grammar.c, g_smtpd.c, g_postscreen.c,
 * g_postfix.c, g_backend.c): one test per rule, with the catalog lines of
 * docs/log-formats.md and real corpus lines (fail2ban, crowdsec, grok,
 * wazuh).  Lines marked "constructed" in the catalog are built from the
 * Postfix format string.  Every line goes through the syslog parser first,
 * as in `mailsleuth ingest`.
 */
#include <stdlib.h>
#include <string.h>
#include "ut.h"
#include "../../parser/grammar.h"
#include "../../parser/syslog.h"
#include "../../parser/tracker.h"

/* Classify one whole log line; ev's views point into `line` (a literal). */
static ms_family cls(const char *line, ms_event *ev, ms_syslog *slp)
{
	char err[256];
	ms_syslog sl;
	ms_family f = MS_FAM_OTHER;
	ms_grammar *g = ms_grammar_new(err, sizeof err);
	memset(ev, 0, sizeof *ev);
	if (!g)
		return f;
	if (ms_syslog_parse(line, strlen(line), &sl) == MS_LINE_OK)
		f = ms_grammar_classify(g, &sl, ev);
	else
		ev->type = EV_UNKNOWN;
	if (slp)
		*slp = sl;
	ms_grammar_free(g);
	return f;
}

/* every test declares ev, sl, fam with DECL; EXPECT classifies into them */
#define DECL          \
	ms_event ev;      \
	ms_syslog sl;     \
	ms_family fam;    \
	(void)fam;        \
	(void)sl
#define EXPECT(line, type_)                    \
	fam = cls((line), &ev, &sl);           \
	UT_EQ_INT(ev.type, (type_))

/* ------------------------------------------------------------ session */

UT_TEST(grammar_connect)
{
	DECL;
	EXPECT("Jul  5 12:43:39 mail postfix/smtpd[13602]: connect from mail-bk0-f50.google.com[209.85.214.50]",
	       EV_CONNECT);
	UT_EQ_INT(fam, MS_FAM_SMTPD);
	UT_EQ_SV(ev.name, "mail-bk0-f50.google.com");
	UT_EQ_SV(ev.ip, "209.85.214.50");
	UT_EQ_INT(ev.port, -1);
}

UT_TEST(grammar_disconnect_counters)
{
	DECL;
	EXPECT("Feb 10 13:26:34 srv postfix/smtpd[123]: disconnect from unknown[192.0.2.2] ehlo=1 auth=0/1 rset=1 quit=1 commands=3/4",
	       EV_DISCONNECT);
	UT_EQ_SV(ev.ip, "192.0.2.2");
	UT_EQ_INT(ev.counters.present, 1);
	UT_EQ_INT(ev.counters.auth_ok, 0);
	UT_EQ_INT(ev.counters.auth_total, 1);
	UT_EQ_INT(ev.counters.rset, 1);
	UT_EQ_INT(ev.counters.commands_ok, 3);
	UT_EQ_INT(ev.counters.commands_total, 4);
}

UT_TEST(grammar_disconnect_plesk_bruteforce)
{
	DECL;
	EXPECT("Oct  7 06:53:45 v76075 postfix/smtpd[11163]: disconnect from unknown[74.201.28.248] ehlo=1 auth=0/20 rset=20 commands=21/41",
	       EV_DISCONNECT);
	UT_EQ_INT(ev.counters.auth_total, 20);
	UT_EQ_INT(ev.counters.auth_ok, 0);
	UT_EQ_INT(ev.counters.commands_total, 41);
}

UT_TEST(grammar_disconnect_pre30_masked_host)
{
	DECL;
	EXPECT("Jun 12 18:24:28 [servername] postfix/smtpd[4839]: disconnect from snt004-omc1s40.hotmail.com[65.54.61.77]",
	       EV_DISCONNECT);
	UT_EQ_SV(sl.host, "[servername]");
	UT_EQ_SV(ev.ip, "65.54.61.77");
	UT_EQ_INT(ev.counters.present, 0);
}

UT_TEST(grammar_disconnect_unknown_unknown_and_bare_lf)
{
	DECL;
	{
		/* grok smtpd_0032: the client address was never known */
		EXPECT("Jan  1 00:00:00 grok postfix/smtpd[1]: disconnect from unknown[unknown] commands=0/0", EV_DISCONNECT);
		UT_EQ_SV(ev.name, "unknown");
		UT_EQ_INT(ev.ip.n, 0);
		UT_EQ_INT(ev.counters.commands_total, 0);
	}
	{
		/* constructed, 3.9 notes=bare_lf */
		EXPECT("Oct  1 00:00:00 mail postfix/smtpd[1]: disconnect from unknown[192.0.2.9] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5 notes=bare_lf",
		       EV_DISCONNECT);
		UT_EQ_INT(ev.counters.bare_lf, 1);
		UT_EQ_INT(ev.counters.commands_total, 5);
	}
}

UT_TEST(grammar_abort_pre310)
{
	DECL;
	EXPECT("Feb 18 09:48:04 xxx postfix/smtpd[50903]: lost connection after AUTH from unknown[192.0.2.23]", EV_ABORT);
	UT_EQ_SV(ev.reason, "lost connection");
	UT_EQ_SV(ev.where, "AUTH");
	UT_EQ_SV(ev.ip, "192.0.2.23");
	UT_EQ_INT(ev.queue_id.n, 0);
}

UT_TEST(grammar_abort_310_noqueue)
{
	DECL;
	EXPECT("Sep 17 18:19:20 mxhost postfix/smtpd[12345]: NOQUEUE: lost connection after CONNECT from unknown[192.0.2.25]",
	       EV_ABORT);
	UT_EQ_SV(ev.queue_id, "NOQUEUE");
	UT_EQ_SV(ev.where, "CONNECT");
	UT_EQ_SV(ev.ip, "192.0.2.25");
}

UT_TEST(grammar_abort_310_queue_id_timeout_and_errors)
{
	DECL;
	{
		/* constructed from the 3.10 format: queue id prefix */
		EXPECT("Oct  1 00:00:00 mail postfix/smtpd[1]: 4F2A81C0A3: timeout after END-OF-MESSAGE from unknown[72.13.58.7]",
		       EV_ABORT);
		UT_EQ_SV(ev.queue_id, "4F2A81C0A3");
		UT_EQ_SV(ev.reason, "timeout");
		UT_EQ_SV(ev.where, "END-OF-MESSAGE");
	}
	{
		EXPECT("Oct  1 00:00:00 mail postfix/smtpd[1]: NOQUEUE: too many errors after AUTH from unknown[192.0.2.1]",
		       EV_ABORT);
		UT_EQ_SV(ev.reason, "too many errors");
		UT_EQ_SV(ev.where, "AUTH");
	}
	{
		EXPECT("Oct  7 06:53:45 v76075 postfix/smtpd[11163]: too many errors after AUTH from unknown[74.201.28.248]",
		       EV_ABORT);
		UT_EQ_SV(ev.ip, "74.201.28.248");
	}
}

UT_TEST(grammar_abort_data_bytes_ipv6)
{
	DECL;
	{
		EXPECT("Jan  1 00:00:00 grok postfix/smtpd[1]: lost connection after DATA (7774180 bytes) from unknown[72.13.58.7]",
		       EV_ABORT);
		UT_EQ_SV(ev.where, "DATA");
	}
	{
		EXPECT("Jan  1 00:00:00 grok postfix/smtpd[1]: lost connection after UNKNOWN from unknown[2001:456:cfb1:1:f5d7:dead:beef:cafe]",
		       EV_ABORT);
		UT_EQ_SV(ev.ip, "2001:456:cfb1:1:f5d7:dead:beef:cafe");
	}
}

/* ------------------------------------------------------------ SASL */

UT_TEST(grammar_sasl_fail_cyrus)
{
	DECL;
	EXPECT("Mar 10 13:33:30 gandalf postfix/smtpd[3937]: warning: HOSTNAME[1.1.1.1]: SASL LOGIN authentication failed: authentication failure",
	       EV_AUTH_FAIL);
	UT_EQ_SV(ev.name, "HOSTNAME");
	UT_EQ_SV(ev.ip, "1.1.1.1");
	UT_EQ_SV(ev.mech, "LOGIN");
	UT_EQ_SV(ev.reason, "authentication failure");
	UT_EQ_INT(ev.user.n, 0);
	UT_EQ_INT(ev.server_fault, 0);
}

UT_TEST(grammar_sasl_fail_39_username)
{
	DECL;
	EXPECT("Nov  4 09:11:01 mail postfix/smtpd[1234]: warning: unknown[192.0.2.152]: SASL LOGIN authentication failed: (reason unavailable), sasl_username=admin",
	       EV_AUTH_FAIL);
	UT_EQ_SV(ev.reason, "(reason unavailable)");
	UT_EQ_SV(ev.user, "admin");
	{
		EXPECT("May  6 09:25:41 mail postfix/smtps/smtpd[16997]: warning: unknown[203.0.113.10]: SASL LOGIN authentication failed: (reason unavailable), sasl_username=postmaster@example.org",
		       EV_AUTH_FAIL);
		UT_EQ_SV(ev.user, "postmaster@example.org");
		UT_EQ_SV(sl.service, "postfix/smtps");
	}
}

UT_TEST(grammar_sasl_fail_empty_reason)
{
	DECL;
	EXPECT("Nov  4 09:11:01 mail postfix/submission/smtpd[27133]: warning: unknown[192.0.2.150]: SASL PLAIN authentication failed:",
	       EV_AUTH_FAIL);
	UT_EQ_INT(fam, MS_FAM_SMTPD);
	UT_EQ_SV(sl.service, "postfix/submission");
	UT_EQ_SV(ev.ip, "192.0.2.150");
	UT_EQ_INT(ev.reason.n, 0);
	{
		/* unpadded day, mixed-case method */
		EXPECT("Aug 3 15:30:49 ksusha postfix/smtpd[17041]: warning: mail.foldsandwalker.com[98.191.84.74]: SASL Plain authentication failed:",
		       EV_AUTH_FAIL);
		UT_EQ_SV(ev.mech, "Plain");
		UT_EQ_SV(ev.ip, "98.191.84.74");
	}
}

UT_TEST(grammar_sasl_fail_base64_challenge)
{
	DECL;
	EXPECT("Sep  6 00:44:56 trianon postfix/submission/smtpd[11538]: warning: unknown[82.221.106.233]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
	       EV_AUTH_FAIL);
	UT_EQ_SV(ev.reason, "UGFzc3dvcmQ6");
	UT_EQ_INT(ev.server_fault, 0);
	{
		EXPECT("Sep  6 00:44:57 trianon postfix/submission/smtpd[11538]: warning: unknown[82.221.106.233]: SASL login authentication failed: UGFzc3dvcmQ6",
		       EV_AUTH_FAIL);
		UT_EQ_SV(ev.mech, "login");
	}
	{
		EXPECT("Dec  2 22:24:22 hel postfix/smtpd[7676]: warning: 114-44-142-233.dynamic.hinet.net[114.44.142.233]: SASL CRAM-MD5 authentication failed: PDc3OTEwNTkyNTEyMzA2NDIuMTIyODI1MzA2MUBoZWw+",
		       EV_AUTH_FAIL);
		UT_EQ_SV(ev.mech, "CRAM-MD5");
		UT_EQ_SV(ev.ip, "114.44.142.233");
	}
}

UT_TEST(grammar_sasl_fail_port_ipv4_ipv6)
{
	DECL;
	{
		EXPECT("Aug 4 16:47:52 mail3 postfix/smtpd[31152]: warning: unknown[192.0.2.237]:55729: SASL LOGIN authentication failed: authentication failure",
		       EV_AUTH_FAIL);
		UT_EQ_SV(ev.ip, "192.0.2.237");
		UT_EQ_INT(ev.port, 55729);
	}
	{
		/* constructed: IPv6 with port, split on the last ']' */
		EXPECT("Oct  1 00:00:00 mail postfix/smtpd[1]: warning: unknown[2001:db8::1]:55729: SASL LOGIN authentication failed: authentication failure",
		       EV_AUTH_FAIL);
		UT_EQ_SV(ev.ip, "2001:db8::1");
		UT_EQ_INT(ev.port, 55729);
		UT_EQ_SV(ev.reason, "authentication failure");
	}
}

UT_TEST(grammar_sasl_server_fault_vs_invalid_mech)
{
	DECL;
	{
		EXPECT("Feb  3 08:29:28 mail postfix/smtpd[21022]: warning: unknown[1.1.1.1]: SASL LOGIN authentication failed: Connection lost to authentication server",
		       EV_AUTH_FAIL);
		UT_EQ_INT(ev.server_fault, 1);
	}
	{
		EXPECT("Jan 14 16:18:16 xxx postfix/smtpd[14933]: warning: host[192.0.2.5]: SASL CRAM-MD5 authentication failed: Invalid authentication mechanism",
		       EV_AUTH_FAIL);
		UT_EQ_INT(ev.server_fault, 0);
	}
}

UT_TEST(grammar_sasl_aborted_and_rate_limit)
{
	DECL;
	{
		/* constructed from smtpd_sasl_glue.c */
		EXPECT("Oct  1 00:00:00 mail postfix/smtpd[1]: warning: unknown[192.0.2.9]: SASL LOGIN authentication aborted",
		       EV_AUTH_ABORTED);
		UT_EQ_SV(ev.mech, "LOGIN");
		UT_EQ_SV(ev.ip, "192.0.2.9");
	}
	{
		/* constructed from smtpd.c:2213 */
		EXPECT("Oct  1 00:00:00 mail postfix/smtpd[1]: warning: AUTH command rate limit exceeded: 5 from unknown[192.0.2.9] for service smtp",
		       EV_AUTH_RATELIMIT);
		UT_EQ_SV(ev.ip, "192.0.2.9");
		UT_EQ_INT(ev.num, 5);
		UT_EQ_SV(ev.text, "smtp");
	}
}

UT_TEST(grammar_program_names)
{
	DECL;
	{
		EXPECT("Apr 12 02:24:11 xxx postfix/smtps/smtpd[42]: warning: astra4139.startdedicated.de[62.138.2.143]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
		       EV_AUTH_FAIL);
		UT_EQ_SV(sl.service, "postfix/smtps");
	}
	{
		/* constructed multi-instance name with a service tag */
		EXPECT("Apr 12 02:24:11 xxx postfix-inst/smtps/smtpd[42]: warning: unknown[62.138.2.143]: SASL LOGIN authentication failed: authentication failure",
		       EV_AUTH_FAIL);
		UT_EQ_INT(fam, MS_FAM_SMTPD);
		UT_EQ_SV(sl.service, "postfix-inst/smtps");
	}
	{
		EXPECT("Feb 10 13:26:34 srv postfix/smtp-25/smtpd[123]: disconnect from unknown[192.0.2.1] helo=1 auth=0/1 quit=1 commands=2/3",
		       EV_DISCONNECT);
		UT_EQ_SV(sl.service, "postfix/smtp-25");
	}
	{
		EXPECT("Mar 11 23:27:54 server postfix-smo/submission/smtpd[22427]: 44JCRG5tYPzCqt2: reject: BDAT from signing-milter.example.com[192.0.2.109]: 550 5.5.3 <DATA>: Data command rejected: Multi-recipient bounce; from=<> to=<some@example.com> proto=ESMTP helo=<domain.tld>",
		       EV_REJECT);
		UT_EQ_SV(ev.where, "BDAT");
		UT_EQ_SV(ev.queue_id, "44JCRG5tYPzCqt2");
		UT_EQ_SV(ev.from, "");
	}
}

UT_TEST(grammar_client_success_line)
{
	DECL;
	EXPECT("May  1 10:46:08 clement-desktop postfix/smtpd[17869]: CCE521FCD0: client=unknown[192.168.1.11], sasl_method=PLAIN, sasl_username=clement",
	       EV_CLIENT);
	UT_EQ_SV(ev.queue_id, "CCE521FCD0");
	UT_EQ_SV(ev.ip, "192.168.1.11");
	UT_EQ_SV(ev.mech, "PLAIN");
	UT_EQ_SV(ev.user, "clement");
	{
		EXPECT("Jan  1 00:00:00 grok postfix/smtpd[1]: 4104E3D: client=061238241086.static.ctinets.com[61.238.241.86]", EV_CLIENT);
		UT_EQ_INT(ev.user.n, 0);
	}
}

/* ------------------------------------------------------------ rejects and warnings */

UT_TEST(grammar_reject_rcpt)
{
	DECL;
	EXPECT("Jul 12 07:47:48 saturn postfix/smtpd[8738]: NOQUEUE: reject: RCPT from 1-2-3-4-example.com[1.2.3.4]: 554 5.7.1 <smtp@example.com>: Relay access denied; from=<john@example.com> to=<smtp@example.org> proto=SMTP helo=<198.51.100.17>",
	       EV_REJECT);
	UT_EQ_SV(ev.what, "reject");
	UT_EQ_SV(ev.where, "RCPT");
	UT_EQ_SV(ev.ip, "1.2.3.4");
	UT_EQ_INT(ev.num, 554);
	UT_EQ_SV(ev.from, "john@example.com");
	UT_EQ_SV(ev.to, "smtp@example.org");
	UT_EQ_SV(ev.helo, "198.51.100.17");
	UT_EQ_SV(ev.reason, "554 5.7.1 <smtp@example.com>: Relay access denied");
}

UT_TEST(grammar_reject_connect_and_milter)
{
	DECL;
	{
		EXPECT("Jun  1 19:00:55 mail postfix/smtpd[7749]: NOQUEUE: reject: CONNECT from unknown[192.0.2.114]: 450 4.7.25 Client host rejected: cannot find your hostname, [178.215.236.114]; proto=SMTP",
		       EV_REJECT);
		UT_EQ_SV(ev.where, "CONNECT");
		UT_EQ_SV(ev.ip, "192.0.2.114"); /* not the address inside the text */
		UT_EQ_INT(ev.num, 450);
	}
	{
		EXPECT("Mar 7 02:09:33 server postfix/smtpd[27246]: 1D8CC1CA0A7F: milter-reject: DATA from 66-220-155-151.mail-mail.facebook.com[192.0.2.151]: 550 5.7.1 Command rejected; from=<security@mail.example.com> to=<hostmaster@example.com> proto=ESMTP helo=<192-0-2-151.mail-mail.example.com>",
		       EV_REJECT);
		UT_EQ_SV(ev.what, "milter-reject");
		UT_EQ_SV(ev.ip, "192.0.2.151");
	}
}

UT_TEST(grammar_rdns_mismatch)
{
	DECL;
	EXPECT("Aug 14 10:00:01 mail postfix/smtpd[1234]: warning: hostname bad.example.com does not resolve to address 192.0.2.44: Name or service not known",
	       EV_RDNS_MISMATCH);
	UT_EQ_SV(ev.name, "bad.example.com");
	UT_EQ_SV(ev.ip, "192.0.2.44");
	{
		EXPECT("2016-03-20T22:41:13.241186+01:00 tron postfix/smtpd[5268]: warning: 89.248.162.178: hostname no-reverse-dns-configured.com verification failed: Name or service not known",
		       EV_RDNS_MISMATCH);
		UT_EQ_SV(ev.ip, "89.248.162.178");
	}
}

UT_TEST(grammar_client_warnings)
{
	DECL;
	{
		EXPECT("2024-10-31T12:38:21.817327+00:00 machine postfix/submission/smtpd[2634372]: warning: non-SMTP command from unknown[192.168.1.1]: GET / HTTP/1.1",
		       EV_CLIENT_WARN);
		UT_EQ_SV(ev.what, "non_smtp");
		UT_EQ_SV(ev.ip, "192.168.1.1");
	}
	{
		EXPECT("Jun 12 08:58:35 xxx postfix/smtpd[13533]: improper command pipelining after AUTH from unknown[1.2.3.4]: QUIT",
		       EV_CLIENT_WARN);
		UT_EQ_SV(ev.what, "pipelining");
		UT_EQ_SV(ev.where, "AUTH");
		UT_EQ_SV(ev.ip, "1.2.3.4");
	}
	{
		EXPECT("Sep 19 12:10:57 hostname postfix/smtpd[23244]: warning: Connection rate limit exceeded: 31 from spamhost.domain.org[192.0.2.123] for service smtpd",
		       EV_CLIENT_WARN);
		UT_EQ_SV(ev.what, "rate_limit");
		UT_EQ_SV(ev.ip, "192.0.2.123");
		UT_EQ_INT(ev.num, 31);
	}
	{
		EXPECT("2016-03-20T13:30:50.573855+01:00 tron postfix/smtpd[32655]: warning: Illegal address syntax from unknown[157.122.148.252] in MAIL command: <adgjlo@78.41.116.116>",
		       EV_CLIENT_WARN);
		UT_EQ_SV(ev.what, "illegal_address");
	}
	{
		/* grok smtpd_0036 */
		EXPECT("Jan  1 00:00:00 grok postfix/smtpd[1]: bare <LF> received after CONNECT from example.net[1.2.3.4]",
		       EV_CLIENT_WARN);
		UT_EQ_SV(ev.what, "bare_lf");
		UT_EQ_SV(ev.where, "CONNECT");
		UT_EQ_SV(ev.ip, "1.2.3.4");
	}
}

UT_TEST(grammar_smtpd_noise)
{
	DECL;
	{
		EXPECT("Jan  1 00:00:00 grok postfix/smtpd[1]: proxy-reject: END-OF-MESSAGE: 554 5.7.0 Reject, contact postmaster@example.com, id=31619-02 - spam; from=<> to=<user2@example2.com> proto=SMTP helo=<17.33.12.53>",
		       EV_NOISE);
		UT_EQ_SV(ev.what, "proxy-reject");
		UT_EQ_SV(ev.where, "END-OF-MESSAGE");
	}
	{
		EXPECT("Jan  1 00:00:00 grok postfix/smtpd[1]: discarding EHLO keywords: CHUNKING ETRN DSN 8BITMIME", EV_NOISE);
	}
	{
		EXPECT("2016-03-23T01:09:28.962188+01:00 tron postfix/smtpd[472]: warning: 199.249.24.179.list.dsbl.org: RBL lookup error: Host or domain name not found. Name service error for name=199.249.24.179.list.dsbl.org type=A: Host not found, try again",
		       EV_NOISE);
	}
	{
		/* Cyrus SASL's own lines: the "SASL LOGIN authentication failed" line counts the attempt */
		EXPECT("Mar 10 10:00:00 mx postfix/smtpd[1]: warning: SASL authentication failure: Password verification failed",
		       EV_NOISE);
		EXPECT("Mar 10 10:00:00 mx postfix/smtpd[1]: warning: SASL authentication problem: unable to open Berkeley db /etc/sasldb2: No such file or directory",
		       EV_NOISE);
	}
}

/* ------------------------------------------------------------ TLS */

UT_TEST(grammar_tls_setup)
{
	DECL;
	EXPECT("Jul  5 12:43:39 mail postfix/smtpd[13602]: setting up TLS connection from mail-bk0-f50.google.com[209.85.214.50]",
	       EV_TLS_SETUP);
	UT_EQ_SV(ev.ip, "209.85.214.50");
}

UT_TEST(grammar_tls_established_pre34)
{
	DECL;
	EXPECT("Apr 15 17:08:25 infecticide postfix/smtpd[15595]: Anonymous TLS connection established from unknown[69.39.36.246]: TLSv1 with cipher RC4-MD5 (128/128 bits)",
	       EV_TLS_ESTABLISHED);
	UT_EQ_SV(ev.trust, "Anonymous");
	UT_EQ_SV(ev.ip, "69.39.36.246");
	UT_EQ_SV(ev.proto, "TLSv1");
	UT_EQ_SV(ev.cipher, "RC4-MD5");
	UT_EQ_INT(ev.bits, 128);
	UT_EQ_INT(ev.alg_bits, 128);
	UT_EQ_INT(ev.kex.n, 0);
	UT_EQ_INT(ev.sni.n, 0);
}

UT_TEST(grammar_tls_established_34_kex)
{
	DECL;
	EXPECT("Mar 15 09:25:15 mail postfix/smtpd[13829]: Anonymous TLS connection established from mail-pf1-f173.google.com[209.85.210.173]: TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
	       EV_TLS_ESTABLISHED);
	UT_EQ_SV(ev.name, "mail-pf1-f173.google.com");
	UT_EQ_SV(ev.proto, "TLSv1.3");
	UT_EQ_SV(ev.cipher, "TLS_AES_128_GCM_SHA256");
	UT_EQ_SV(ev.kex, "X25519");
}

UT_TEST(grammar_tls_established_trust_levels_sni)
{
	DECL;
	{
		/* constructed: 3.6+ SNI after the client */
		EXPECT("Oct  1 00:00:00 mail postfix/smtpd[1]: Trusted TLS connection established from unknown[192.0.2.7] to mail.example.net: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature ECDSA (P-256) server-digest SHA256",
		       EV_TLS_ESTABLISHED);
		UT_EQ_SV(ev.trust, "Trusted");
		UT_EQ_SV(ev.sni, "mail.example.net");
		UT_EQ_SV(ev.ip, "192.0.2.7");
		UT_EQ_SV(ev.kex, "X25519");
	}
	{
		EXPECT("Oct  1 00:00:00 mail postfix/smtpd[1]: Verified TLS connection established from mx.example.com[2001:db8::25]:41234 to mail.example.net: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
		       EV_TLS_ESTABLISHED);
		UT_EQ_SV(ev.trust, "Verified");
		UT_EQ_SV(ev.ip, "2001:db8::25");
		UT_EQ_INT(ev.port, 41234);
		UT_EQ_SV(ev.sni, "mail.example.net");
	}
	{
		EXPECT("Oct  1 00:00:00 mail postfix/smtpd[1]: Untrusted TLS connection established from unknown[192.0.2.8]: TLSv1.2 with cipher AECDH-AES256-SHA (256/256 bits)",
		       EV_TLS_ESTABLISHED);
		UT_EQ_SV(ev.trust, "Untrusted");
	}
	{
		/* a line that starts like a summary but is not one leaves no fields
		 * behind: a set-up line of its client (first and last seen) */
		EXPECT("Oct  1 00:00:00 mail postfix/smtpd[1]: unknown[192.0.2.8]: TLS cipher list \"aNULL:-aNULL:ALL\"", EV_TLS_SETUP);
		UT_EQ_INT(ev.trust.n, 0);
		UT_EQ_SV(ev.ip, "192.0.2.8");
	}
}

UT_TEST(grammar_tls_established_cut_or_wrapped)
{
	DECL;
	{
		/* a paste wrapped after "NAME[IP]:" (the next line starts "TLSv1.2 with cipher ...") */
		EXPECT("Jul  5 12:43:40 mail postfix/smtpd[13602]: Anonymous TLS connection established from mail-wg0-f45.google.com[74.125.82.45]:",
		       EV_TLS_ESTABLISHED);
		UT_EQ_SV(ev.ip, "74.125.82.45");
		UT_EQ_INT(ev.proto.n, 0);
		UT_EQ_INT(ev.cipher.n, 0);
	}
	{
		EXPECT("Jul  5 12:43:40 mail postfix/smtpd[13602]: Anonymous TLS connection established from unknown[74.125.82.45]: TLSv1.2",
		       EV_TLS_ESTABLISHED);
		UT_EQ_SV(ev.proto, "TLSv1.2");
	}
	{
		/* cut inside the address: nothing trustworthy */
		EXPECT("Jul  5 12:43:40 mail postfix/smtpd[13602]: Anonymous TLS connection established from unknown[74.12",
		       EV_UNKNOWN);
		UT_EQ_INT(ev.ip.n, 0);
	}
}

UT_TEST(grammar_tls_outbound)
{
	DECL;
	EXPECT("Oct  1 00:00:00 mail postfix/smtp[1]: Trusted TLS connection established to mx.example.com[192.0.2.30]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)",
	       EV_TLS_OUTBOUND);
	UT_EQ_SV(ev.cipher, "TLS_AES_256_GCM_SHA384");
	UT_EQ_SV(ev.proto, "TLSv1.3");
}

UT_TEST(grammar_tls_errors)
{
	DECL;
	{
		EXPECT("Jan  1 00:00:00 grok postfix/smtpd[1]: SSL_accept error from unknown[72.13.58.7]: lost connection", EV_TLS_ERROR);
		UT_EQ_SV(ev.ip, "72.13.58.7");
		UT_EQ_SV(ev.text, "lost connection");
	}
	{
		EXPECT("Jan  1 00:00:00 grok postfix/smtpd[1]: SSL_accept error from eu-smtp-delivery-201.mimecast.com[207.82.80.201]: 0",
		       EV_TLS_ERROR);
		UT_EQ_SV(ev.name, "eu-smtp-delivery-201.mimecast.com");
	}
	{
		EXPECT("Oct  1 00:00:00 mail postfix/smtpd[1]: warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:ssl/record/ssl3_record.c:354:",
		       EV_TLS_ERROR);
	}
}

UT_TEST(grammar_tls_debug_noise)
{
	DECL;
	static const char *const lines[] = {
		"Jun 12 18:19:28 [servername] postfix/smtpd[4839]: SSL_accept:before/accept initialization",
		"Jun 12 18:19:28 [servername] postfix/smtpd[4839]: read from 7F04A4A693C0 [7F04A4A6F420] (11 bytes => 11 (0xB))",
		"Jun 12 18:19:28 [servername] postfix/smtpd[4839]: 0000 16 03 03 00 7c 01 00 00|78 03 03                 ....|... x..",
		"Dec 23 11:26:17 mail1 postfix/smtpd[250411]: 0752 - <SPACES/NULLS>",
		"Dec 23 11:26:17 mail1 postfix/smtpd[250411]: write to 7F03ED813150 [7F03ED824780] (1874 bytes => 1874 (0x752))",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		EXPECT(lines[i], EV_NOISE);
	}
	/* the set-up lines that name the client count for its first and last seen */
	static const char *const setup[] = {
		"Jun 12 18:19:28 [servername] postfix/smtpd[4839]: snt004-omc1s40.hotmail.com[65.54.61.77]: TLS cipher list \"aNULL:-aNULL:ALL:+RC4:@STRENGTH\"",
		"Jun 12 18:19:28 [servername] postfix/smtpd[4839]: snt004-omc1s40.hotmail.com[65.54.61.77]: Reusing old session",
		"Jun 12 18:19:28 [servername] postfix/smtpd[4839]: snt004-omc1s40.hotmail.com[65.54.61.77]: subject_CN=mx.example, issuer_CN=CA",
	};
	for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++) {
		EXPECT(setup[i], EV_TLS_SETUP);
		UT_EQ_SV(ev.ip, "65.54.61.77");
	}
}

UT_TEST(grammar_tls_read_write)
{
	DECL;
	{
		EXPECT("Feb 23 11:57:42 mail postfix/smtpd[28571]: Read 45 chars: AUTH PLAIN AGFkbWluQGZpcGljay5jb20Ad2lsb",
		       EV_TLS_READ);
		UT_EQ_INT(ev.num, 45);
		UT_EQ_SV(ev.text, "AUTH PLAIN AGFkbWluQGZpcGljay5jb20Ad2lsb");
	}
	{
		EXPECT("Feb 23 11:57:45 mail postfix/smtpd[28571]: Write 18 chars: 334 VXNlcm5hbWU6??", EV_TLS_WRITE);
		UT_EQ_SV(ev.text, "334 VXNlcm5hbWU6??");
	}
	{
		/* constructed verbose dialogue */
		EXPECT("Oct  1 00:00:00 mail postfix/smtpd[1]: < unknown[192.0.2.9]: AUTH LOGIN", EV_TLS_READ);
		UT_EQ_SV(ev.text, "AUTH LOGIN");
		UT_EQ_SV(ev.ip, "192.0.2.9");
	}
}

/* ------------------------------------------------------------ postscreen */

UT_TEST(grammar_postscreen_connect_pass)
{
	DECL;
	{
		EXPECT("Mar 15 09:25:14 mail postfix/postscreen[13794]: CONNECT from [209.85.210.173]:44683 to [103.124.94.220]:25",
		       EV_PS_CONNECT);
		UT_EQ_INT(fam, MS_FAM_POSTSCREEN);
		UT_EQ_SV(ev.ip, "209.85.210.173");
		UT_EQ_INT(ev.port, 44683);
	}
	{
		EXPECT("Jan  1 00:00:00 grok postfix/postscreen[1]: PASS NEW [2607:f8b0:4003:c01::23a]:36051", EV_PS_PASS);
		UT_EQ_SV(ev.what, "NEW");
		UT_EQ_SV(ev.ip, "2607:f8b0:4003:c01::23a");
		UT_EQ_INT(ev.port, 36051);
	}
	{
		EXPECT("Jan  1 00:00:00 grok postfix/postscreen[1]: DISCONNECT [82.118.17.142]:51637", EV_PS_DISCONNECT);
	}
}

UT_TEST(grammar_postscreen_events)
{
	DECL;
	{
		EXPECT("Jan  1 00:00:00 grok postfix/postscreen[1]: DNSBL rank 3 for [111.73.45.149]:1038", EV_PS_EVENT);
		UT_EQ_SV(ev.what, "DNSBL");
		UT_EQ_INT(ev.num, 3);
	}
	{
		EXPECT("Dec 23 19:39:13 xxx postfix/postscreen[21057]: PREGREET 14 after 0.08 from [192.0.2.2]:59415: EHLO ylmf-pc\\r\\n",
		       EV_PS_EVENT);
		UT_EQ_SV(ev.what, "PREGREET");
		UT_EQ_SV(ev.ip, "192.0.2.2");
	}
	{
		EXPECT("Dec 24 00:54:36 xxx postfix/postscreen[22515]: HANGUP after 16 from [192.0.2.3]:48119 in tests after SMTP handshake",
		       EV_PS_EVENT);
		UT_EQ_SV(ev.what, "HANGUP");
	}
	{
		EXPECT("Jun  8 23:14:28 proxy2 postfix/postscreen[473]: COMMAND TIME LIMIT from [192.0.2.77]:3608 after CONNECT",
		       EV_PS_EVENT);
		UT_EQ_SV(ev.what, "COMMAND TIME LIMIT");
		UT_EQ_SV(ev.ip, "192.0.2.77");
	}
}

UT_TEST(grammar_postscreen_lists)
{
	DECL;
	static const char *const lines[] = {
		"Jan  1 00:00:00 grok postfix/postscreen[1]: BLACKLISTED [61.238.241.86]:53024",
		"Oct  1 00:00:00 mail postfix/postscreen[1]: DENYLISTED [61.238.241.86]:53024",
		"Jan  1 00:00:00 grok postfix/postscreen[1]: WHITELIST VETO [61.238.241.86]:53024",
		"Oct  1 00:00:00 mail postfix/postscreen[1]: ALLOWLIST VETO [61.238.241.86]:53024",
	};
	static const char *const what[] = { "BLACKLISTED", "DENYLISTED", "WHITELIST VETO", "ALLOWLIST VETO" };
	for (size_t i = 0; i < 4; i++) {
		EXPECT(lines[i], EV_PS_EVENT);
		UT_EQ_SV(ev.what, what[i]);
		UT_EQ_SV(ev.ip, "61.238.241.86");
	}
}

UT_TEST(grammar_postscreen_reject_commas)
{
	DECL;
	EXPECT("May  5 15:51:11 xxx postfix/postscreen[1148]: NOQUEUE: reject: RCPT from [216.245.194.173]:60591: 550 5.7.1 Service unavailable; client [216.245.194.173] blocked using rbl.example.com; from=<spammer@example.com>, to=<goodguy@example.com>, proto=ESMTP, helo=<badguy.example.com>",
	       EV_PS_REJECT);
	UT_EQ_SV(ev.ip, "216.245.194.173");
	UT_EQ_INT(ev.port, 60591);
	UT_EQ_INT(ev.num, 550);
	UT_EQ_SV(ev.from, "spammer@example.com");
	UT_EQ_SV(ev.to, "goodguy@example.com");
	UT_EQ_SV(ev.proto, "ESMTP");
	UT_EQ_SV(ev.helo, "badguy.example.com");
}

/* ------------------------------------------------------------ plesk / saslauthd / dovecot */

UT_TEST(grammar_plesk_both_spellings)
{
	DECL;
	{
		EXPECT("Aug 12 08:08:20 www plesk_saslauthd[4434]: failed mail authenticatication attempt for user 'media@example.com' (password len=6)",
		       EV_PLESK_FAIL);
		UT_EQ_INT(fam, MS_FAM_PLESK);
		UT_EQ_SV(ev.user, "media@example.com");
		UT_EQ_INT(ev.num, 6);
	}
	{
		EXPECT("Oct  7 06:53:00 v76075 plesk_saslauthd[11166]: failed mail authentication attempt for user 'usario@wstre.de' (password len=10)",
		       EV_PLESK_FAIL);
		UT_EQ_SV(ev.user, "usario@wstre.de");
		UT_EQ_INT(ev.num, 10);
	}
	{
		/* a quote inside the user name: the last "' (password len=" ends it */
		EXPECT("Oct  7 06:53:00 v76075 plesk_saslauthd[11166]: failed mail authentication attempt for user 'o'neil@x.example' (password len=4)",
		       EV_PLESK_FAIL);
		UT_EQ_SV(ev.user, "o'neil@x.example");
	}
}

UT_TEST(grammar_plesk_no_such_user_and_noise)
{
	DECL;
	{
		EXPECT("Oct  7 06:53:00 v76075 plesk_saslauthd[11166]: No such user 'usario@wstre.de' in mail authorization database",
		       EV_PLESK_NOUSER);
		UT_EQ_SV(ev.user, "usario@wstre.de");
	}
	{
		EXPECT("Oct  7 06:54:17 v76075 plesk_saslauthd[11166]: select timeout, exiting", EV_NOISE);
	}
	{
		EXPECT("Oct  7 06:54:17 v76075 plesk_saslauthd[6096]: privileges set to (109:115) (effective 109:115)", EV_NOISE);
	}
}

UT_TEST(grammar_saslauthd_cut_line)
{
	DECL;
	EXPECT("Jul  7 18:49:53 mk-bo4 saslauthd[1445]: do_auth         : auth failure: [user=webmaster] [service=smtp] [realm=] [me",
	       EV_SASLAUTHD_FAIL);
	UT_EQ_INT(fam, MS_FAM_SASLAUTHD);
	UT_EQ_SV(ev.user, "webmaster");
	UT_EQ_SV(ev.what, "smtp");
}

UT_TEST(grammar_dovecot_auth_worker)
{
	DECL;
	{
		EXPECT("Sep 8 07:16:29 canyon dovecot: auth-worker(24058): pam(toto,1.1.1.1,<youpi>): pam_authenticate() failed: Authentication failure (password mismatch?)",
		       EV_DOVECOT_AUTH);
		UT_EQ_INT(fam, MS_FAM_DOVECOT);
		UT_EQ_SV(ev.user, "toto");
		UT_EQ_SV(ev.ip, "1.1.1.1");
		UT_EQ_SV(ev.what, "pam");
		UT_EQ_INT(ev.fail, 1);
	}
	{
		EXPECT("Jan 29 05:13:50 mail dovecot: auth: passwd-file(username,1.2.3.4): unknown user", EV_DOVECOT_AUTH);
		UT_EQ_SV(ev.what, "passwd-file");
	}
	{
		/* empty session field (fail2ban) */
		EXPECT("Mar 23 06:10:52 auth: Info: ldap(dog,52.37.139.121,): invalid credentials", EV_DOVECOT_AUTH);
		UT_EQ_SV(ev.user, "dog");
		UT_EQ_SV(ev.ip, "52.37.139.121");
	}
	{
		/* Dovecot's own log file, mapped IPv4 address (wazuh) */
		EXPECT("Mar 13 15:25:07 Info: auth(default): passwd-file(user@example.com,::ffff:1.2.3.4): unknown user",
		       EV_DOVECOT_AUTH);
		UT_EQ_SV(ev.ip, "1.2.3.4");
	}
}

UT_TEST(grammar_dovecot_24_prefix)
{
	DECL;
	EXPECT("Aug 30 00:10:57 auth(info@example.com,192.0.2.110,sasl:login)<CvN+E95Uf4e7eEnj>: Info: sql: Password mismatch (given password: XxxxXXxx123)",
	       EV_DOVECOT_AUTH);
	UT_EQ_SV(ev.user, "info@example.com");
	UT_EQ_SV(ev.ip, "192.0.2.110");
	UT_EQ_SV(ev.mech, "login");
	UT_EQ_SV(ev.what, "sql");
	UT_EQ_INT(ev.fail, 1);
}

UT_TEST(grammar_dovecot_login)
{
	DECL;
	{
		EXPECT("Sep 8 07:16:27 canyon dovecot[7508]: imap-login: Disconnected (auth failed, 1 attempts in 6 secs): user=<toto@toto.com>, method=PLAIN, rip=1.1.1.1, lip=7.7.7.7, TLS, session=<azdaDADSqqsvf-za>",
		       EV_DOVECOT_LOGIN);
		UT_EQ_SV(ev.user, "toto@toto.com");
		UT_EQ_SV(ev.ip, "1.1.1.1");
		UT_EQ_SV(ev.what, "imap-login");
		UT_EQ_INT(ev.fail, 1);
		UT_EQ_INT(ev.num, 1);
	}
	{
		/* TAI64N, the program is the login service */
		EXPECT("@400000004c91b044077a9e94 imap-login: Info: Aborted login (auth failed, 1 attempts): user=<martin@waschbuesch.de>, method=CRAM-MD5, rip=80.187.101.33, lip=80.254.129.240, TLS",
		       EV_DOVECOT_LOGIN);
		UT_EQ_SV(ev.ip, "80.187.101.33");
		UT_EQ_SV(ev.mech, "CRAM-MD5");
		UT_EQ_INT(ev.fail, 1);
	}
	{
		EXPECT("Oct 13 09:22:59 canyon dovecot: pop3-login: Info: Login: user=<test@yourdomain.net>, method=PLAIN, rip=172.17.0.1, lip=172.17.0.2, mpid=18, TLS, session=<PeYcgjjOGOisEQAB>",
		       EV_DOVECOT_LOGIN);
		UT_EQ_INT(ev.fail, 0);
	}
	{
		/* no auth attempt: not a failure */
		EXPECT("Jun 13 20:48:11 platypus dovecot: pop3-login: Disconnected (no auth attempts): rip=121.44.24.254, lip=113.212.99.194, TLS: Disconnected",
		       EV_NOISE);
	}
}

/* ------------------------------------------------------------ other programs */

UT_TEST(grammar_postfix_queue_lines)
{
	DECL;
	{
		EXPECT("Oct  1 00:00:00 mail postfix/pipe[1]: 4F2A81C0A3: to=<a@example.com>, relay=plesk_virtual, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered via plesk_virtual service)",
		       EV_Q_DELIVERY);
		UT_EQ_SV(ev.to, "a@example.com");
		UT_EQ_SV(ev.what, "sent");
	}
	{
		EXPECT("Oct  1 00:00:00 mail postfix/qmgr[1]: 4F2A81C0A3: from=<b@example.com>, size=1234, nrcpt=3 (queue active)",
		       EV_Q_FROM);
		UT_EQ_INT(ev.num, 1234);
		UT_EQ_INT(ev.num2, 3);
	}
}

UT_TEST(grammar_system_noise_and_unknown)
{
	DECL;
	{
		EXPECT("Feb 23 11:59:13 mail CRON[28620]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
		       EV_NOISE);
		UT_EQ_INT(fam, MS_FAM_SYSTEM);
		UT_EQ_SV(ev.what, "cron");
	}
	{
		EXPECT("Feb 12 14:10:21 sd-126005 sshd[16378]: Invalid user pascal from 35.188.49.176 port 53502", EV_UNKNOWN);
		UT_EQ_INT(fam, MS_FAM_OTHER);
	}
}

/* ------------------------------------------------------------ TLS-debug AUTH through the tracker */

typedef struct {
	int n;
	char account[128];
	int src, truncated, pw_len;
	int leaked;
} auth_sink;

static int has_wil(const char *s) { return s && strstr(s, "wil") != NULL; }

static void on_auth(void *ctx, const ms_auth_rec *r)
{
	auth_sink *a = ctx;
	a->n++;
	snprintf(a->account, sizeof a->account, "%s", r->account ? r->account : "");
	a->src = r->account_src;
	a->truncated = r->decode_truncated;
	a->pw_len = r->pw_len;
	if (has_wil(r->account) || has_wil(r->reason) || has_wil(r->mech) || has_wil(r->client_name))
		a->leaked = 1;
}

UT_TEST(grammar_tls_debug_auth_plain_truncated_never_clear)
{
	static const char *const lines[] = {
		"Feb 23 11:57:40 mail postfix/smtpd[28571]: connect from unknown[176.103.49.30]",
		"Feb 23 11:57:42 mail postfix/smtpd[28571]: Read 45 chars: AUTH PLAIN AGFkbWluQGZpcGljay5jb20Ad2lsb",
		"Feb 23 11:57:44 mail postfix/smtpd[28571]: warning: unknown[176.103.49.30]: SASL PLAIN authentication failed: authentication failure",
		"Feb 23 11:57:48 mail postfix/smtpd[28571]: disconnect from unknown[176.103.49.30] ehlo=1 auth=0/1 commands=1/2",
	};
	char err[256];
	auth_sink as;
	ms_sink sink;
	ms_tracker_cfg cfg;
	ms_idgen ids = { 1, 1, 1, 1, 1, 1 };
	ms_grammar *g = ms_grammar_new(err, sizeof err);
	UT_ASSERT(g != NULL);
	memset(&as, 0, sizeof as);
	memset(&sink, 0, sizeof sink);
	sink.ctx = &as;
	sink.auth = on_auth;
	ms_tracker_cfg_default(&cfg);
	memcpy(cfg.hmac_key, "k", 1);
	cfg.hmac_key_len = 1;
	ms_tracker *t = ms_tracker_new(&cfg, &sink, &ids);
	UT_ASSERT(t != NULL);
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		ms_syslog sl;
		ms_event ev;
		ms_lineref ref = { 1771847860 + (int64_t)i, 1, (int64_t)i + 1 };
		UT_EQ_INT(ms_syslog_parse(lines[i], strlen(lines[i]), &sl), MS_LINE_OK);
		ms_grammar_classify(g, &sl, &ev);
		ms_tracker_feed(t, &sl, &ev, &ref);
	}
	ms_tracker_finish(t);
	ms_tracker_free(t);
	ms_grammar_free(g);
	UT_ASSERT(as.n >= 1);
	UT_EQ_STR(as.account, "admin@fipick.com");
	UT_EQ_INT(as.src, 2); /* MS_SRC_DECODED */
	UT_EQ_INT(as.truncated, 1);
	UT_EQ_INT(as.leaked, 0);
}

/* key=value lookups: the first "key=" that starts the text or follows ' ',
 * ',' or ';' wins, in one pass for several keys; <...> values end at '>';
 * a key inside a longer word ("xto=", "toto=") is not that key; a line of
 * '=' only is read once (linear). */
UT_TEST(grammar_kv_get_n)
{
	ms_sv a, b, c, d;
	const char *kv = "to=<a@b.example>, relay=local, delay=3.7, delays=3.6/0/0/0.1, dsn=2.0.0, status=sent (ok)";
	static const char *const keys[] = { "to", "status", "relay", "nrcpt" };
	ms_sv *const vals[] = { &a, &b, &c, &d };
	UT_EQ_INT(ms_kv_get_n(ms_sv_cstr(kv), keys, vals, 4), 3);
	UT_EQ_SV(a, "a@b.example");
	UT_EQ_SV(b, "sent");
	UT_EQ_SV(c, "local");
	UT_ASSERT(d.p == NULL && d.n == 0);
	UT_ASSERT(ms_kv_get(ms_sv_cstr("xto=1 toto=2;to=3"), "to", &a));
	UT_EQ_SV(a, "3");
	UT_ASSERT(!ms_kv_get(ms_sv_cstr("xto=1 toto=2 <to=3>"), "to", &a));
	UT_ASSERT(a.p == NULL);
	/* a key inside an earlier value counts when a boundary precedes it (as before) */
	UT_ASSERT(ms_kv_get(ms_sv_cstr("from=<a, to=b@c> to=<d>"), "to", &a));
	UT_EQ_SV(a, "b@c>");
	UT_ASSERT(ms_kv_get(ms_sv_cstr("helo=<unterminated"), "helo", &a));
	UT_EQ_SV(a, "unterminated");
	UT_ASSERT(ms_kv_get(ms_sv_cstr("to="), "to", &a));
	UT_EQ_INT(a.n, 0);
	size_t n = 60000;
	char *eqs = malloc(n + 1);
	UT_ASSERT(eqs != NULL);
	memset(eqs, '=', n);
	eqs[n] = 0;
	UT_EQ_INT(ms_kv_get_n(ms_sv_make(eqs, n), keys, vals, 4), 0);
	free(eqs);
}
