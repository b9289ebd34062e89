/* SPDX-License-Identifier: MIT */
/* Tests for parser/redact.c: dialogue split into commands, and log lines
 * copied with their credentials hidden. */
#include <string.h>
#include "ut.h"
#include "../../parser/redact.h"

/* line through one of the redactors, checking the length it returns */
static const char *red_by(size_t (*fn)(const char *, size_t, char *, size_t), const char *line)
{
	static char out[1024];
	size_t n = fn(line, strlen(line), out, sizeof out);
	if (n != strlen(out))
		return "(length mismatch)";
	return out;
}

static const char *red(const char *line) { return red_by(ms_redact_line, line); }

#define H "Feb 23 10:00:01 mail postfix/smtpd[6]: "

UT_TEST(redact_tls_debug_lines)
{
	static const char *const cases[][2] = {
		/* plain commands and replies stay */
		{ H "Read 6 chars: EHLO x??", H "Read 6 chars: EHLO x??" },
		{ H "Read 24 chars: MAIL FROM:<a@b.example>??", H "Read 24 chars: MAIL FROM:<a@b.example>??" },
		{ H "Write 30 chars: 250 2.1.0 Ok??250 2.1.5 Ok??", H "Write 30 chars: 250 2.1.0 Ok??250 2.1.5 Ok??" },
		/* AUTH keeps its mechanism; the data after it, in the same read or the next, goes */
		{ H "Read 12 chars: AUTH LOGIN??", H "Read 12 chars: AUTH LOGIN??" },
		{ H "Read 40 chars: AUTH PLAIN AGJvYgBzZWNyZXQ=??", H "Read 40 chars: AUTH PLAIN [redacted]" },
		{ H "Read 40 chars: auth plain AGJvYgBzZWNyZXQ=", H "Read 40 chars: auth plain [redacted]" },
		{ H "Read 26 chars: Ym9iQGV4YW1wbGUuY29t??", H "Read 26 chars: [redacted]" },
		{ H "Read 14 chars: c2VjcmV0#015#012", H "Read 14 chars: [redacted]" },
		/* pipelined: the AUTH after RSET is found, and whatever follows an unknown command */
		{ H "Read 33 chars: RSET??AUTH PLAIN AGEAaHVudGVyMg==??", H "Read 33 chars: RSET??AUTH PLAIN [redacted]" },
		{ H "Read 30 chars: EHLO x#015#012AUTH LOGIN Ym9i", H "Read 30 chars: EHLO x#015#012AUTH LOGIN [redacted]" },
		{ H "Read 30 chars: EHLO x\\r\\nc2VjcmV0\\r\\nQUIT", H "Read 30 chars: EHLO x\\r\\n[redacted]" },
		/* a mechanism that is not one (base64 in its place) is hidden too */
		{ H "Read 30 chars: AUTH AGJvYgBzZWNyZXQ=", H "Read 30 chars: AUTH [redacted]" },
		/* 334 challenges and what answers them */
		{ H "Write 18 chars: 334 VXNlcm5hbWU6??", H "Write 18 chars: 334 [redacted]" },
		{ H "Write 5 chars: 334 ??", H "Write 5 chars: 334 [redacted]" },
		/* the SASL abort and an empty read */
		{ H "Read 3 chars: *??", H "Read 3 chars: *??" },
		{ H "Read 0 chars: ", H "Read 0 chars: " },
		{ H "Read 0 chars:", H "Read 0 chars:" },
		/* smtpd -v dialogue, and the smtp client's with a port */
		{ H "< unknown[192.0.2.6]: AUTH LOGIN", H "< unknown[192.0.2.6]: AUTH LOGIN" },
		{ H "< unknown[192.0.2.6]: c2VjcmV0cHc2", H "< unknown[192.0.2.6]: [redacted]" },
		{ H "> unknown[192.0.2.6]: 334 UGFzc3dvcmQ6", H "> unknown[192.0.2.6]: 334 [redacted]" },
		{ H "< mx[2001:db8::1]: AUTH PLAIN AGEAYg==", H "< mx[2001:db8::1]: AUTH PLAIN [redacted]" },
		{ "Feb 23 10:00:01 mx postfix/smtp[5]: > relay.example[198.51.100.1]:587: AUTH PLAIN AGEAYg==",
		  "Feb 23 10:00:01 mx postfix/smtp[5]: > relay.example[198.51.100.1]:587: AUTH PLAIN [redacted]" },
		{ H "> unknown[192.0.2.6]: 250-AUTH PLAIN LOGIN", H "> unknown[192.0.2.6]: 250-AUTH PLAIN LOGIN" },
		/* smtpd -v with Cyrus SASL: the decoded answer */
		{ H "xsasl_cyrus_server_next: decoded response: hunter2", H "xsasl_cyrus_server_next: [redacted]" },
		{ H "smtpd_sasl_authenticate: decoded initial response AGEAYg==", H "smtpd_sasl_authenticate: [redacted]" },
		/* without a syslog header we know */
		{ "junk Read 40 chars: AUTH PLAIN AGEAYg==", "junk Read 40 chars: AUTH PLAIN [redacted]" },
		{ "junk x[1]: < unknown[192.0.2.6]: c2VjcmV0", "junk x[1]: < unknown[192.0.2.6]: [redacted]" },
		/* lines that are not dialogue are copied as they are */
		{ H "warning: unknown[192.0.2.6]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
		  H "warning: unknown[192.0.2.6]: SASL LOGIN authentication failed: UGFzc3dvcmQ6" },
		{ H "NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 5.7.1 <a@b>: Relay access denied; from=<c@d> to=<a@b>",
		  H "NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 5.7.1 <a@b>: Relay access denied; from=<c@d> to=<a@b>" },
		{ H "Read chars: AUTH PLAIN x", H "Read chars: AUTH PLAIN x" }, /* not the format */
		/* a bare LF shows as one '?'; CR alone as #015; escape()'s \n */
		{ H "Read 50 chars: EHLO x?AUTH PLAIN AGFsaWNlAHNlY3JldA==?", H "Read 50 chars: EHLO x?AUTH PLAIN [redacted]" },
		{ H "Read 40 chars: EHLO x#015AUTH PLAIN AGFs", H "Read 40 chars: EHLO x#015AUTH PLAIN [redacted]" },
		{ H "Read 40 chars: EHLO x\\nAUTH PLAIN AGFs\\n", H "Read 40 chars: EHLO x\\nAUTH PLAIN [redacted]" },
		/* body lines and base64 answers that only start like a command */
		{ H "Read 40 chars: help: my password is secretPW3??", H "Read 40 chars: [redacted]" },
		{ H "Read 40 chars: Data: password=secret??", H "Read 40 chars: [redacted]" },
		{ H "Read 6 chars: eHlo??", H "Read 6 chars: [redacted]" },
		{ H "Read 6 chars: QUIT??", H "Read 6 chars: QUIT??" },
		{ H "Read 20 chars: RCPT TO:<a@b.example>??", H "Read 20 chars: RCPT TO:<a@b.example>??" },
		{ H "Read 20 chars: BDAT 100 LAST??secret body", H "Read 20 chars: BDAT 100 LAST??[redacted]" },
		/* -v SASL lines of every backend and of the smtp client */
		{ H "xsasl_dovecot_server_first: sasl_method PLAIN, init_response AGFsaWNl", H "xsasl_dovecot_server_first: [redacted]" },
		{ "Feb 23 10:00:01 mx postfix/smtp[5]: xsasl_cyrus_client_next: uncoded client response secretPW4",
		  "Feb 23 10:00:01 mx postfix/smtp[5]: xsasl_cyrus_client_next: [redacted]" },
		{ "Feb 23 10:00:01 mx postfix/smtp[5]: xsasl_cyrus_client_first: uncoded initial reply: u\\000u\\000pw",
		  "Feb 23 10:00:01 mx postfix/smtp[5]: xsasl_cyrus_client_first: [redacted]" },
		{ "Feb 23 10:00:01 mx postfix/smtp[5]: smtp_sasl_passwd_lookup: host `relay' user `u' pass `PW'",
		  "Feb 23 10:00:01 mx postfix/smtp[5]: smtp_sasl_passwd_lookup: [redacted]" },
		{ "Feb 23 10:00:01 mx postfix/smtp[5]: xsasl_cyrus_client_get_passwd: PW",
		  "Feb 23 10:00:01 mx postfix/smtp[5]: xsasl_cyrus_client_get_passwd: [redacted]" },
		{ "Feb 23 10:00:01 mx postfix/smtp[5]: maps_find: smtp_sasl_passwd: hash:/etc/postfix/sasl_passwd(0,lock|fold_fix): [relay]:587 = u:PW",
		  "Feb 23 10:00:01 mx postfix/smtp[5]: maps_find: [redacted]" },
		/* Dovecot auth_verbose_passwords / auth_debug_passwords */
		{ "Feb 23 10:00:01 mx dovecot: auth: passwd-file(u,192.0.2.1): Password mismatch (given password: PW)",
		  "Feb 23 10:00:01 mx dovecot: auth: passwd-file(u,192.0.2.1): Password mismatch (given password: [redacted]" },
		/* auth_verbose_passwords=sha1: an unsalted hash of the password */
		{ "Sep  8 07:16:29 canyon dovecot: auth: sql(u8@example.com,192.0.2.18,<s>): Password mismatch (SHA1 of given password: 123abc)",
		  "Sep  8 07:16:29 canyon dovecot: auth: sql(u8@example.com,192.0.2.18,<s>): Password mismatch (SHA1 of given password: [redacted]" },
		{ "Feb 23 10:00:01 mx dovecot: auth: Debug: passwd-file(u,192.0.2.1,<s>): SHA512-CRYPT(PW) != '$6$x'",
		  "Feb 23 10:00:01 mx dovecot: auth: Debug: passwd-file(u,192.0.2.1,<s>): SHA512-CRYPT([redacted]" },
		/* odd templates: two blanks or none after the tag, journald JSON, message-only */
		{ H " Read 40 chars: AUTH PLAIN AGFs", H " Read 40 chars: AUTH PLAIN [redacted]" },
		{ "Feb 23 10:00:01 mail postfix/smtpd[6]:Read 40 chars: AUTH PLAIN AGFs",
		  "Feb 23 10:00:01 mail postfix/smtpd[6]:Read 40 chars: AUTH PLAIN [redacted]" },
		{ "{\"MESSAGE\":\"Read 40 chars: AUTH PLAIN AGFs\",\"x\":1}", "{\"MESSAGE\":\"Read 40 chars: AUTH PLAIN [redacted]" },
		{ "MESSAGE=< unknown[192.0.2.6]: c2VjcmV0", "MESSAGE=< unknown[192.0.2.6]: [redacted]" },
		/* a continuation line: an AUTH command or one base64 word alone */
		{ "                   AUTH PLAIN AGFsaWNl", "                   AUTH PLAIN [redacted]" },
		{ "c2VjcmV0cHc2", "[redacted]" },
		{ "hello world", "hello world" },
		/* postscreen -v: the client as addr:port */
		{ "Feb 23 10:00:01 mx postfix/postscreen[8]: < 203.0.113.80:45678: AUTH PLAIN AGFs",
		  "Feb 23 10:00:01 mx postfix/postscreen[8]: < 203.0.113.80:45678: AUTH PLAIN [redacted]" },
		/* client text with a marker hides nothing in a Postfix line */
		{ H "NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 5.7.1 <a@b>: Relay access denied; "
		    "from=<x, init_response y@evil.test> to=<a@b> proto=ESMTP helo=<h (given password: x) != 'y'>",
		  H "NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 5.7.1 <a@b>: Relay access denied; "
		    "from=<x, init_response y@evil.test> to=<a@b> proto=ESMTP helo=<h (given password: x) != 'y'>" },
		/* verbose lines without a header, at column 0; a scoped address */
		{ "< unknown[2001:db8::1]: AUTH PLAIN AGFs", "< unknown[2001:db8::1]: AUTH PLAIN [redacted]" },
		{ H "< unknown[fe80::1%eth0]: c2VjcmV0", H "< unknown[fe80::1%eth0]: [redacted]" },
		/* client text that looks like a marker hides nothing else of a line with a header */
		{ H "NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 5.7.1 <a@b>: Relay access denied; "
		    "from=<\"x Read 1 chars: \"@evil.test> to=<a@b> proto=ESMTP helo=<h>",
		  H "NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 5.7.1 <a@b>: Relay access denied; "
		    "from=<\"x Read 1 chars: \"@evil.test> to=<a@b> proto=ESMTP helo=<h>" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		UT_EQ_STR(red(cases[i][0]), cases[i][1]);
}

/* Postfix messages ending with what the client sent: its pipelined AUTH */
UT_TEST(redact_client_tails)
{
	static const char *const cases[][2] = {
		{ H "improper command pipelining after AUTH from unknown[1.2.3.4]: YWRtaW4=\\r\\nc2VjcmV0cHc=\\r\\n",
		  H "improper command pipelining after AUTH from unknown[1.2.3.4]: [redacted]" },
		{ H "improper command pipelining after EHLO from unknown[1.2.3.4]: AUTH PLAIN AGFkbWluAHNlY3JldA==\\r\\n",
		  H "improper command pipelining after EHLO from unknown[1.2.3.4]: AUTH PLAIN [redacted]" },
		{ H "improper command pipelining after EHLO from x[2001:db8::1]: MAIL FROM:<>\\r\\nRCPT TO:<a@b>\\r\\n",
		  H "improper command pipelining after EHLO from x[2001:db8::1]: MAIL FROM:<>\\r\\nRCPT TO:<a@b>\\r\\n" },
		{ H "improper command pipelining after RSET from x[192.0.2.1]: QUIT",
		  H "improper command pipelining after RSET from x[192.0.2.1]: QUIT" },
		{ H "improper command pipelining after RSET from x[192.0.2.1]",
		  H "improper command pipelining after RSET from x[192.0.2.1]" },
		{ H "warning: unknown[192.0.2.9]: request longer than 2048: AUTH PLAIN AGFkbWlu...",
		  H "warning: unknown[192.0.2.9]: request longer than 2048: AUTH PLAIN [redacted]" },
		{ "Jun  8 23:14:28 mx postfix/postscreen[473]: PREGREET 40 after 0.1 from [192.0.2.77]:3608: EHLO x\\r\\nAUTH PLAIN AGFkbWlu\\r\\n",
		  "Jun  8 23:14:28 mx postfix/postscreen[473]: PREGREET 40 after 0.1 from [192.0.2.77]:3608: EHLO x\\r\\nAUTH PLAIN [redacted]" },
		{ "Jun  8 23:14:28 mx postfix/postscreen[473]: COMMAND PIPELINING from [2001:db8::7]:3608 after EHLO: AUTH LOGIN YWRtaW4=\\r\\n",
		  "Jun  8 23:14:28 mx postfix/postscreen[473]: COMMAND PIPELINING from [2001:db8::7]:3608 after EHLO: AUTH LOGIN [redacted]" },
		/* postscreen's other COMMAND lines are not pipelined input */
		{ "Jun  8 23:14:28 mx postfix/postscreen[473]: COMMAND TIME LIMIT from [192.0.2.77]:3608 after CONNECT: x y",
		  "Jun  8 23:14:28 mx postfix/postscreen[473]: COMMAND TIME LIMIT from [192.0.2.77]:3608 after CONNECT: x y" },
		/* another program's text is not Postfix's */
		{ "Jun  8 23:14:28 mx other[1]: PREGREET 1 after 0 from [192.0.2.77]:3608: c2VjcmV0",
		  "Jun  8 23:14:28 mx other[1]: PREGREET 1 after 0 from [192.0.2.77]:3608: c2VjcmV0" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		UT_EQ_STR(red(cases[i][0]), cases[i][1]);
}

static const char *red_unknown(const char *line) { return red_by(ms_redact_unknown_line, line); }

/* Lines no grammar knows: another daemon's AUTH anywhere, a lone base64 answer */
UT_TEST(redact_unknown_lines)
{
	static const char *const cases[][2] = {
		{ "Mar  3 13:30:01 mail msmtpd[2]: <-- AUTH PLAIN AHVuMkBleC5pbwBQV3VucmVjMg==",
		  "Mar  3 13:30:01 mail msmtpd[2]: <-- AUTH PLAIN [redacted]" },
		{ "Mar  3 13:30:02 mail weirdd[2]: C: auth login dXNlcg==", "Mar  3 13:30:02 mail weirdd[2]: C: auth login [redacted]" },
		{ "Mar  3 13:30:03 mail weirdd[4]: UFd1bnJlYzQ=", "Mar  3 13:30:03 mail weirdd[4]: [redacted]" },
		{ "Mar  3 13:30:03 mail weirdd[4]: Reloading", "Mar  3 13:30:03 mail weirdd[4]: Reloading" },
		{ "Mar  3 13:30:03 mail weirdd[4]: client said auth login", "Mar  3 13:30:03 mail weirdd[4]: client said auth login" },
		{ "Mar  3 13:30:03 mail weirdd[4]: author: AUTH", "Mar  3 13:30:03 mail weirdd[4]: author: AUTH" },
		/* a daemon's prose is no AUTH command */
		{ "Mar  3 13:30:03 mail foo[1]: session closed: auth failed for user bob from 192.0.2.9 after 3 tries",
		  "Mar  3 13:30:03 mail foo[1]: session closed: auth failed for user bob from 192.0.2.9 after 3 tries" },
		{ "Mar  3 13:30:03 mail foo[1]: C: AUTH XYZZY-2 c2VjcmV0", "Mar  3 13:30:03 mail foo[1]: C: AUTH XYZZY-2 [redacted]" },
		{ "Mar  3 13:30:03 mail weirdd[4]: 1234", "Mar  3 13:30:03 mail weirdd[4]: 1234" },
		/* no header: the whole line is the message */
		{ "S: 334 VXNlcm5hbWU6 C: AUTH PLAIN AGFi", "S: 334 VXNlcm5hbWU6 C: AUTH PLAIN [redacted]" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		UT_EQ_STR(red_unknown(cases[i][0]), cases[i][1]);
	/* a recognised line keeps client text that reads like AUTH */
	UT_EQ_STR(red(H "warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: AUTH x"),
		  H "warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: AUTH x");
}

UT_TEST(redact_output_bounded)
{
	/* the marker never overflows: every cap from 1 up, output NUL-terminated and a prefix of the whole */
	const char *line = H "Read 9 chars: AUTH PLAIN x";
	char whole[256], out[256];
	size_t wn = ms_redact_line(line, strlen(line), whole, sizeof whole);
	UT_ASSERT(wn <= strlen(line) + 16);
	for (size_t cap = 1; cap < sizeof out; cap++) {
		memset(out, 'Z', sizeof out);
		size_t n = ms_redact_line(line, strlen(line), out, cap);
		UT_ASSERT(n < cap);
		UT_EQ_INT(out[n], 0);
		UT_ASSERT(memcmp(out, whole, n) == 0);
		UT_EQ_INT(out[cap], 'Z');
	}
}

UT_TEST(dlg_next_commands)
{
	ms_sv rest = MS_SV_LIT("RSET??AUTH PLAIN AGEA??"), c;
	int eol;
	UT_ASSERT(ms_dlg_next(&rest, &c, &eol));
	UT_EQ_SV(c, "RSET");
	UT_EQ_INT(eol, 1);
	UT_ASSERT(ms_dlg_next(&rest, &c, &eol));
	UT_EQ_SV(c, "AUTH PLAIN AGEA");
	UT_EQ_INT(eol, 1);
	UT_ASSERT(!ms_dlg_next(&rest, &c, &eol));

	/* cut by the logger: no line end */
	rest = MS_SV_LIT("EHLO x#015#012AUTH PLAIN AGE");
	UT_ASSERT(ms_dlg_next(&rest, &c, &eol));
	UT_EQ_SV(c, "EHLO x");
	UT_ASSERT(ms_dlg_next(&rest, &c, &eol));
	UT_EQ_SV(c, "AUTH PLAIN AGE");
	UT_EQ_INT(eol, 0);
	UT_ASSERT(!ms_dlg_next(&rest, &c, &eol));

	/* a lone CR shown as '?' ends the last command; an empty text is one empty command */
	rest = MS_SV_LIT("Ym9i?");
	UT_ASSERT(ms_dlg_next(&rest, &c, &eol));
	UT_EQ_SV(c, "Ym9i");
	UT_EQ_INT(eol, 1);
	rest = MS_SV_LIT("");
	UT_ASSERT(ms_dlg_next(&rest, &c, &eol));
	UT_EQ_INT(c.n, 0);
	UT_ASSERT(!ms_dlg_next(&rest, &c, &eol));
}
