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

/* one rule for what is weak: the tokens of --by cipher (q_cipher.c), said in words */
const char *ms_tls_weakness(const char *protocol, const char *cipher, int bits)
{
	static const struct { const char *tok, *why; } words[] = {
		{ "SSLv2", "SSL 2 is broken (DROWN)" },
		{ "SSLv3", "SSL 3 is broken (POODLE)" },
		{ "TLSv1.0", "TLS 1.0 is deprecated (RFC 8996)" },
		{ "TLSv1.1", "TLS 1.1 is deprecated (RFC 8996)" },
		{ "RC4", "RC4 is broken" },
		{ "3DES", "3DES (Sweet32)" },
		{ "DES", "single DES" },
		{ "EXPORT", "export-grade cipher" },
		{ "NULL", "NULL cipher (no encryption)" },
		{ "anonymous", "anonymous key exchange (no server authentication)" },
		{ "RC2", "RC2 is broken" },
		{ "MD5", "MD5 MAC" },
		{ "<128bit", "key shorter than 128 bits" },
	};
	const char *tok[8];
	int n = ms_tls_weak_reasons(protocol, cipher, bits, tok, 8);
	if (n <= 0)
		return NULL;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (!strcmp(words[i].tok, tok[0]))
			return words[i].why;
	return tok[0];
}

static const char *sql_tls =
	"SELECT s.tls_id, t.protocol, t.cipher, coalesce(t.bits, 0), count(*), count(DISTINCT s.ip_id),"
	" sum(s.auth_failures > 0), sum(s.auth_successes > 0), min(s.start_ts), max(s.start_ts)"
	" FROM sessions s JOIN tls_params t ON t.id = s.tls_id WHERE s.start_ts >= ?1 AND s.start_ts < ?2"
	" GROUP BY s.tls_id ORDER BY count(*) DESC";

static const char *sql_weak_sessions =
	"SELECT s.id, s.tls_id, src.path, s.first_line, s.auth_successes > 0, a.name FROM sessions s"
	" LEFT JOIN sources src ON src.id = s.source_id LEFT JOIN accounts a ON a.id = s.auth_account_id"
	" WHERE s.tls_id IN (SELECT value FROM json_each(?1)) AND s.start_ts >= ?2 AND s.start_ts < ?3"
	" ORDER BY s.start_ts, s.id";

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

typedef struct {
	int64_t tls_id;
	int fi;                 /* index of its finding in out->v */
	char proto[32], cipher[96];
	int bits;
	const char *why;
	char accts[512];
	int naccts;
} weak_set;

/* Two passes: the weak parameter sets (aggregate), then one scan of their sessions. */
static int weak_tls(const ms_query *q, ms_findings *out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char text[1400], t1[40], t2[40], ids[64 * 24];
	weak_set w[64];
	int nw = 0;
	size_t idlen = 0;
	if (ms_q_prepare(q->db, sql_tls, &st, err, errlen))
		return -1;
	ms_q_bind_range(st, q, 1);
	idlen += (size_t)snprintf(ids, sizeof ids, "[");
	while (nw < 64 && sqlite3_step(st) == SQLITE_ROW) {
		const char *proto = (const char *)sqlite3_column_text(st, 1);
		const char *cipher = (const char *)sqlite3_column_text(st, 2);
		int bits = sqlite3_column_int(st, 3);
		const char *why = ms_tls_weakness(proto, cipher, bits);
		if (!why)
			continue;
		ms_finding *f = ms_findings_add(out, MS_F_WEAK_TLS);
		if (!f)
			break;
		weak_set *x = &w[nw++];
		memset(x, 0, sizeof *x);
		x->tls_id = sqlite3_column_int64(st, 0);
		x->fi = out->n - 1;
		snprintf(x->proto, sizeof x->proto, "%s", proto ? proto : "?");
		snprintf(x->cipher, sizeof x->cipher, "%s", cipher ? cipher : "?");
		x->bits = bits;
		x->why = why;
		f->sessions = sqlite3_column_int64(st, 4);
		f->ips = sqlite3_column_int64(st, 5);
		f->failures = sqlite3_column_int64(st, 6);
		f->successes = sqlite3_column_int64(st, 7);
		f->first = sqlite3_column_int64(st, 8);
		f->last = sqlite3_column_int64(st, 9);
		f->severity = f->successes ? MS_SEV_MEDIUM : MS_SEV_LOW;
		f->confidence = MS_CONF_HIGH;
		idlen += (size_t)snprintf(ids + idlen, sizeof ids - idlen, "%s%lld", nw > 1 ? "," : "",
					  (long long)x->tls_id);
	}
	sqlite3_finalize(st);
	if (nw == 0)
		return 0;
	snprintf(ids + idlen, sizeof ids - idlen, "]");
	if (ms_q_prepare(q->db, sql_weak_sessions, &st, err, errlen))
		return -1;
	sqlite3_bind_text(st, 1, ids, -1, SQLITE_TRANSIENT);
	ms_q_bind_range(st, q, 2);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t tid = sqlite3_column_int64(st, 1);
		weak_set *x = NULL;
		for (int i = 0; i < nw && !x; i++)
			if (w[i].tls_id == tid)
				x = &w[i];
		if (!x)
			continue;
		ms_finding *f = &out->v[x->fi];
		int ok = sqlite3_column_int(st, 4);
		const char *name = (const char *)sqlite3_column_text(st, 5);
		if (ok && name && x->naccts < 5)
			x->naccts += ms_name_list_add(x->accts, sizeof x->accts, name);
		/* evidence: the first sessions, and every session that logged in while there is room */
		if (f->nev_sessions >= MS_F_EVIDENCE_MAX || (!ok && f->nev_sessions >= MS_F_EVIDENCE_MAX / 2)) {
			f->evidence_truncated = 1;
			continue;
		}
		ms_finding_note(f, -1, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 2),
				sqlite3_column_int64(st, 3));
	}
	sqlite3_finalize(st);
	for (int i = 0; i < nw; i++) {
		weak_set *x = &w[i];
		ms_finding *f = &out->v[x->fi];
		int64_t n = f->sessions, nip = f->ips;
		snprintf(text, sizeof text, "%s %s (%d bits): %s", x->proto, x->cipher, x->bits, x->why);
		ms_finding_set(&f->detail, text);
		ms_fmt_time(f->first, t1, sizeof t1);
		ms_fmt_time(f->last, t2, sizeof t2);
		snprintf(text, sizeof text,
			 "%lld session%s from %lld address%s negotiated %s with cipher %s (%d bits) %s %s%s%s: %s. "
			 "Sessions with failed logins: %lld; with successful logins: %lld%s%s%s.",
			 (long long)n, n == 1 ? "" : "s", (long long)nip, nip == 1 ? "" : "es", x->proto, x->cipher,
			 x->bits, f->first == f->last ? "at" : "between", t1, f->first == f->last ? "" : " and ",
			 f->first == f->last ? "" : t2, x->why, (long long)f->failures, (long long)f->successes,
			 *x->accts ? " (accounts: " : "", x->accts, *x->accts ? ")" : "");
		ms_finding_set(&f->explanation, text);
		ms_finding_set(&f->action,
			       f->successes
				       ? "Passwords of real users crossed this weak encryption: require modern TLS on the "
					 "submission ports (smtpd_tls_mandatory_protocols = >=TLSv1.2, "
					 "smtpd_tls_mandatory_ciphers = high, exclude aNULL, RC4, 3DES) and consider "
					 "changing the passwords of the accounts listed."
				       : "Disable the weak protocols and ciphers (smtpd_tls_protocols = >=TLSv1.2 on "
					 "submission ports; smtpd_tls_exclude_ciphers = aNULL, RC4, 3DES, EXPORT); on port 25 "
					 "weigh this against senders that would fall back to plain text.");
	}
	return 0;
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
	ms_name_list_from(st, okaccts, sizeof okaccts);
	sqlite3_finalize(st);

	if (ms_q_prepare(q->db, sql_cred_accounts, &st, err, errlen))
		return -1;
	ms_q_bind_range(st, q, 1);
	ms_name_list_from(st, names, sizeof names);
	sqlite3_finalize(st);
	if (ms_q_prepare(q->db, sql_cred_ips, &st, err, errlen))
		return -1;
	ms_q_bind_range(st, q, 1);
	ms_name_list_from(st, addrs, sizeof addrs);
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
