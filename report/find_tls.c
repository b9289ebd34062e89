/* SPDX-License-Identifier: MIT */
/*
 * find_tls.c - weak_tls (sessions that negotiated broken protocols or
 * ciphers) and credentials_in_log (TLS-debug lines that reveal AUTH data).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "findings.h"

const char *ms_tls_weakness(const char *protocol, const char *cipher, int bits)
{
	static const struct { const char *needle; const char *why; } bad_ciphers[] = {
		{ "NULL", "NULL cipher (no encryption)" },
		{ "EXP", "export-grade cipher" },
		{ "RC4", "RC4 is broken" },
		{ "DES-CBC3", "3DES (Sweet32)" },
		{ "3DES", "3DES (Sweet32)" },
		{ "DES-CBC", "single DES" },
		{ "ADH", "anonymous key exchange (no server authentication)" },
		{ "AECDH", "anonymous key exchange (no server authentication)" },
		{ "RC2", "RC2 is broken" },
		{ "IDEA", "IDEA (64-bit block)" },
		{ "MD5", "MD5 MAC" },
	};
	if (protocol) {
		if (!strcasecmp(protocol, "SSLv2") || !strcasecmp(protocol, "SSLv3"))
			return "SSL protocol (broken: POODLE/DROWN)";
		if (!strcasecmp(protocol, "TLSv1") || !strcasecmp(protocol, "TLSv1.0"))
			return "TLS 1.0 is deprecated (RFC 8996)";
		if (!strcasecmp(protocol, "TLSv1.1"))
			return "TLS 1.1 is deprecated (RFC 8996)";
	}
	if (cipher)
		for (size_t i = 0; i < sizeof bad_ciphers / sizeof bad_ciphers[0]; i++)
			if (strstr(cipher, bad_ciphers[i].needle))
				return bad_ciphers[i].why;
	if (bits > 0 && bits < 128)
		return "key shorter than 128 bits";
	return NULL;
}

static const char *sql_tls =
	"SELECT s.tls_id, t.protocol, t.cipher, coalesce(t.bits, 0), count(*), count(DISTINCT s.ip_id),"
	" sum(s.auth_failures > 0), sum(s.auth_successes > 0), min(s.start_ts), max(s.start_ts)"
	" FROM sessions s JOIN tls_params t ON t.id = s.tls_id WHERE s.start_ts >= ?1 AND s.start_ts < ?2"
	" GROUP BY s.tls_id ORDER BY count(*) DESC";

static const char *sql_tls_accounts =
	"SELECT DISTINCT a.name FROM sessions s JOIN accounts a ON a.id = s.auth_account_id"
	" WHERE s.tls_id = ?1 AND s.auth_successes > 0 AND s.start_ts >= ?2 AND s.start_ts < ?3 ORDER BY 1 LIMIT 5";

static const char *ev_tls =
	"SELECT NULL, s.id, src.path, s.first_line FROM sessions s LEFT JOIN sources src ON src.id = s.source_id"
	" WHERE s.tls_id = ?1 AND ?2 = ?2 AND s.start_ts >= ?3 AND s.start_ts < ?4"
	" ORDER BY s.auth_successes > 0 DESC, s.start_ts, s.id LIMIT 21";

static const char *sql_cred =
	"SELECT count(*), count(DISTINCT account_id), count(DISTINCT session_id), count(DISTINCT ip_id),"
	" sum(pw_len > 0), min(ts), max(ts)"
	" FROM auth_events WHERE account_src = 2 AND ts >= ?1 AND ts < ?2";

static const char *sql_cred_sessions =
	"SELECT coalesce(sum(auth_decoded), 0), count(*), min(start_ts), max(start_ts), sum(auth_successes > 0)"
	" FROM sessions"
	" WHERE auth_decoded > 0 AND start_ts >= ?1 AND start_ts < ?2";

static const char *sql_cred_ok_accounts =
	"SELECT DISTINCT a.name FROM sessions s JOIN accounts a ON a.id = s.auth_account_id"
	" WHERE s.auth_decoded > 0 AND s.auth_successes > 0 AND s.start_ts >= ?1 AND s.start_ts < ?2 ORDER BY 1 LIMIT 10";

static const char *sql_cred_accounts =
	"SELECT DISTINCT a.name FROM auth_events e JOIN accounts a ON a.id = e.account_id"
	" WHERE e.account_src = 2 AND e.ts >= ?1 AND e.ts < ?2 ORDER BY 1 LIMIT 5";

static const char *sql_cred_ips =
	"SELECT DISTINCT i.ip FROM sessions s JOIN ips i ON i.id = s.ip_id"
	" WHERE s.auth_decoded > 0 AND s.start_ts >= ?1 AND s.start_ts < ?2 ORDER BY 1 LIMIT 5";

static const char *ev_cred =
	"SELECT NULL, s.id, src.path, s.first_line FROM sessions s LEFT JOIN sources src ON src.id = s.source_id"
	" WHERE s.auth_decoded > 0 AND ?1 = ?1 AND ?2 = ?2 AND s.start_ts >= ?3 AND s.start_ts < ?4"
	" ORDER BY s.start_ts, s.id LIMIT 21";

static void list_into(sqlite3_stmt *st, char *buf, size_t cap)
{
	size_t len = 0;
	int k = 0;
	buf[0] = 0;
	while (sqlite3_step(st) == SQLITE_ROW && len + 2 < cap) {
		const char *a = (const char *)sqlite3_column_text(st, 0);
		int w = snprintf(buf + len, cap - len, "%s%s", k++ ? ", " : "", a ? a : "");
		if (w < 0 || (size_t)w >= cap - len)
			break;
		len += (size_t)w;
	}
}

static int weak_tls(const ms_query *q, ms_findings *out, char *err, size_t errlen)
{
	sqlite3_stmt *st, *acc;
	char text[1400], accts[512], t1[40], t2[40];
	int rc = 0;
	if (ms_q_prepare(q->db, sql_tls, &st, err, errlen))
		return -1;
	if (ms_q_prepare(q->db, sql_tls_accounts, &acc, err, errlen)) {
		sqlite3_finalize(st);
		return -1;
	}
	ms_q_bind_range(st, q, 1);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *proto = (const char *)sqlite3_column_text(st, 1);
		const char *cipher = (const char *)sqlite3_column_text(st, 2);
		int bits = sqlite3_column_int(st, 3);
		const char *why = ms_tls_weakness(proto, cipher, bits);
		if (!why)
			continue;
		int64_t tls_id = sqlite3_column_int64(st, 0);
		int64_t n = sqlite3_column_int64(st, 4), nip = sqlite3_column_int64(st, 5);
		int64_t nfail = sqlite3_column_int64(st, 6), nok = sqlite3_column_int64(st, 7);
		ms_finding *f = ms_findings_add(out, MS_F_WEAK_TLS);
		if (!f)
			break;
		f->first = sqlite3_column_int64(st, 8);
		f->last = sqlite3_column_int64(st, 9);
		f->sessions = n;
		f->ips = nip;
		f->failures = nfail;
		f->successes = nok;
		f->severity = nok ? MS_SEV_MEDIUM : MS_SEV_LOW;
		f->confidence = MS_CONF_HIGH;
		snprintf(text, sizeof text, "%s %s (%d bits): %s", proto ? proto : "?", cipher ? cipher : "?", bits, why);
		ms_finding_set(&f->detail, text);
		accts[0] = 0;
		if (nok) {
			sqlite3_reset(acc);
			sqlite3_bind_int64(acc, 1, tls_id);
			ms_q_bind_range(acc, q, 2);
			list_into(acc, accts, sizeof accts);
		}
		ms_fmt_time(f->first, t1, sizeof t1);
		ms_fmt_time(f->last, t2, sizeof t2);
		snprintf(text, sizeof text,
			 "%lld session%s from %lld address%s negotiated %s with cipher %s (%d bits) %s %s%s%s: %s. "
			 "Sessions with failed logins: %lld; with successful logins: %lld%s%s%s.",
			 (long long)n, n == 1 ? "" : "s", (long long)nip, nip == 1 ? "" : "es", proto ? proto : "?",
			 cipher ? cipher : "?", bits, f->first == f->last ? "at" : "between", t1,
			 f->first == f->last ? "" : " and ", f->first == f->last ? "" : t2, why, (long long)nfail,
			 (long long)nok,
			 *accts ? " (accounts: " : "", accts, *accts ? ")" : "");
		ms_finding_set(&f->explanation, text);
		ms_finding_set(&f->action,
			       nok ? "Passwords of real users crossed this weak encryption: require modern TLS on the "
				     "submission ports (smtpd_tls_mandatory_protocols = >=TLSv1.2, "
				     "smtpd_tls_mandatory_ciphers = high, exclude aNULL, RC4, 3DES) and consider "
				     "changing the passwords of the accounts listed."
				   : "Disable the weak protocols and ciphers (smtpd_tls_protocols = >=TLSv1.2 on "
				     "submission ports; smtpd_tls_exclude_ciphers = aNULL, RC4, 3DES, EXPORT); on port 25 "
				     "weigh this against senders that would fall back to plain text.");
		if (ms_finding_evidence(q, f, ev_tls, tls_id, 0, err, errlen))
			rc = -1;
	}
	sqlite3_finalize(acc);
	sqlite3_finalize(st);
	return rc;
}

static int credentials(const ms_query *q, ms_findings *out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int64_t attempts = 0, nsess = 0, first = 0, last = 0;
	int64_t nacct = 0, nip = 0, npw = 0, nok = 0, efirst = 0, elast = 0;
	char okaccts[600], names[600], addrs[400], text[2400], t1[40], t2[40];
	if (ms_q_prepare(q->db, sql_cred_sessions, &st, err, errlen))
		return -1;
	ms_q_bind_range(st, q, 1);
	if (sqlite3_step(st) == SQLITE_ROW) {
		attempts = sqlite3_column_int64(st, 0);
		nsess = sqlite3_column_int64(st, 1);
		first = sqlite3_column_int64(st, 2);
		last = sqlite3_column_int64(st, 3);
		nok = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	if (nsess == 0)
		return 0;
	if (ms_q_prepare(q->db, sql_cred, &st, err, errlen))
		return -1;
	ms_q_bind_range(st, q, 1);
	if (sqlite3_step(st) == SQLITE_ROW) {
		nacct = sqlite3_column_int64(st, 1);
		nip = sqlite3_column_int64(st, 3);
		npw = sqlite3_column_int64(st, 4);
		efirst = sqlite3_column_int64(st, 5);
		elast = sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	if (ms_q_prepare(q->db, sql_cred_ok_accounts, &st, err, errlen))
		return -1;
	ms_q_bind_range(st, q, 1);
	list_into(st, okaccts, sizeof okaccts);
	sqlite3_finalize(st);

	if (ms_q_prepare(q->db, sql_cred_accounts, &st, err, errlen))
		return -1;
	ms_q_bind_range(st, q, 1);
	list_into(st, names, sizeof names);
	sqlite3_finalize(st);
	if (ms_q_prepare(q->db, sql_cred_ips, &st, err, errlen))
		return -1;
	ms_q_bind_range(st, q, 1);
	list_into(st, addrs, sizeof addrs);
	sqlite3_finalize(st);

	ms_finding *f = ms_findings_add(out, MS_F_CREDENTIALS_IN_LOG);
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f->first = efirst && efirst < first ? efirst : first;
	f->last = elast > last ? elast : last;
	f->sessions = nsess;
	f->accounts = nacct;
	f->ips = nip;
	f->failures = attempts;
	f->successes = nok;     /* sessions whose decoded AUTH logged in */
	f->confidence = MS_CONF_HIGH;
	f->severity = *okaccts ? MS_SEV_CRITICAL : MS_SEV_HIGH;
	ms_finding_set(&f->detail, "smtpd_tls_loglevel >= 2 logs the decrypted SMTP dialogue");
	ms_fmt_time(f->first, t1, sizeof t1);
	ms_fmt_time(f->last, t2, sizeof t2);
	snprintf(text, sizeof text,
		 "The log contains credentials: TLS-debug lines (\"Read N chars: AUTH ...\") reveal %lld AUTH "
		 "attempt%s in %lld session%s between %s and %s, with the user names of %lld account%s and %lld "
		 "(possibly partial) password%s.%s%s%s%s%s%s%s%s",
		 (long long)attempts, attempts == 1 ? "" : "s", (long long)nsess, nsess == 1 ? "" : "s", t1, t2,
		 (long long)nacct, nacct == 1 ? "" : "s", (long long)npw, npw == 1 ? "" : "s",
		 *names ? " User names tried: " : "", names, *addrs ? "; from: " : "", addrs, *names || *addrs ? "." : "",
		 *okaccts ? " Working passwords are in the log for: " : " None of these sessions logged in.",
		 *okaccts ? okaccts : "", *okaccts ? "." : "");
	ms_finding_set(&f->explanation, text);
	snprintf(text, sizeof text,
		 "Set smtpd_tls_loglevel = 1 (or 0) in main.cf and run 'postfix reload'; treat these log files and "
		 "their backups as secrets (restrict access, delete copies you do not need)%s%s%s.",
		 *okaccts ? "; change the passwords of " : "", okaccts, *okaccts ? " now" : "");
	ms_finding_set(&f->action, text);
	return ms_finding_evidence(q, f, ev_cred, 0, 0, err, errlen);
}

int ms_find_tls(const ms_query *q, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	(void)o;
	if (credentials(q, out, err, errlen) || weak_tls(q, out, err, errlen))
		return -1;
	return 0;
}
