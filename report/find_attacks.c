/* SPDX-License-Identifier: MIT */
/*
 * find_attacks.c - brute_force, password_spray, user_enum (per client IP),
 * password_spray by one password over many accounts (decoded AUTH), and
 * distributed attacks (many IPs, one account, each IP below fail2ban-style
 * thresholds).  Counts follow SEMANTICS: only smtpd SASL failures count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "findings.h"

static const char *sql_per_ip =
	"SELECT e.ip_id, i.ip, sum(e.kind = 1), sum(e.kind = 4),"
	" count(DISTINCT CASE WHEN e.kind = 1 THEN e.account_id END),"
	" sum(e.kind = 1 AND e.account_id IS NULL),"
	" count(DISTINCT CASE WHEN e.kind = 1 AND e.user_unknown = 1 THEN e.account_id END),"
	" min(CASE WHEN e.kind = 1 THEN e.ts END), max(CASE WHEN e.kind = 1 THEN e.ts END),"
	" count(DISTINCT CASE WHEN e.kind = 1 THEN e.session_id END)"
	" FROM auth_events e JOIN ips i ON i.id = e.ip_id"
	" WHERE e.kind IN (1, 4) AND e.ts >= ?1 AND e.ts < ?2"
	" GROUP BY e.ip_id HAVING sum(e.kind = 1) > 0";

static const char *sql_ip_accounts =
	"SELECT a.name, count(*) FROM auth_events e JOIN accounts a ON a.id = e.account_id"
	" WHERE e.ip_id = ?1 AND e.kind = 1 AND (?2 = 0 OR e.user_unknown = 1) AND e.ts >= ?3 AND e.ts < ?4"
	" GROUP BY a.name ORDER BY 2 DESC, 1 LIMIT 5";

static const char *ev_ip_failures =
	"SELECT e.id, e.session_id, src.path, e.line FROM auth_events e LEFT JOIN sources src ON src.id = e.source_id"
	" WHERE e.ip_id = ?1 AND e.kind = 1 AND ?2 = ?2 AND e.ts >= ?3 AND e.ts < ?4 ORDER BY e.ts, e.id LIMIT 21";

/* the failures on one account from addresses below the per-address threshold ?2 */
static const char *ev_account_failures =
	"WITH low AS (SELECT ip_id FROM auth_events WHERE kind = 1 AND ts >= ?3 AND ts < ?4 GROUP BY ip_id"
	"  HAVING count(*) < ?2)"
	" SELECT e.id, e.session_id, src.path, e.line FROM auth_events e LEFT JOIN sources src ON src.id = e.source_id"
	" WHERE e.account_id = ?1 AND e.kind = 1 AND e.ip_id IN (SELECT ip_id FROM low) AND e.ts >= ?3 AND e.ts < ?4"
	" ORDER BY e.ts, e.id LIMIT 21";

static const char *ev_hmac =
	"SELECT e.id, e.session_id, src.path, e.line FROM auth_events e LEFT JOIN sources src ON src.id = e.source_id"
	" WHERE e.pw_hmac = (SELECT pw_hmac FROM auth_events WHERE id = ?1) AND ?2 = ?2 AND e.decode_truncated = 0"
	" AND e.ts >= ?3 AND e.ts < ?4 ORDER BY e.ts, e.id LIMIT 21";

static const char *sql_hmac =
	"SELECT min(id), count(DISTINCT account_id), count(DISTINCT ip_id), count(*), min(ts), max(ts),"
	" sum(kind = 4), count(DISTINCT session_id)"
	" FROM auth_events WHERE pw_hmac IS NOT NULL AND decode_truncated = 0 AND account_id IS NOT NULL"
	" AND ts >= ?1 AND ts < ?2 GROUP BY pw_hmac HAVING count(DISTINCT account_id) >= ?3";

static const char *sql_hmac_accounts =
	"SELECT DISTINCT a.name FROM auth_events e JOIN accounts a ON a.id = e.account_id"
	" WHERE e.pw_hmac = (SELECT pw_hmac FROM auth_events WHERE id = ?1) AND e.decode_truncated = 0"
	" AND e.ts >= ?2 AND e.ts < ?3 ORDER BY 1 LIMIT 5";

static const char *sql_distributed =
	"WITH ipf AS (SELECT ip_id, count(*) AS n FROM auth_events WHERE kind = 1 AND ts >= ?1 AND ts < ?2"
	"  GROUP BY ip_id)"
	" SELECT e.account_id, a.name, count(DISTINCT e.ip_id), count(*), min(e.ts), max(e.ts),"
	"  count(DISTINCT e.session_id)"
	" FROM auth_events e JOIN ipf ON ipf.ip_id = e.ip_id JOIN accounts a ON a.id = e.account_id"
	" WHERE e.kind = 1 AND ipf.n < ?3 AND e.ts >= ?1 AND e.ts < ?2"
	" GROUP BY e.account_id HAVING count(DISTINCT e.ip_id) >= ?4";

static void range_text(char *buf, size_t cap, int64_t a, int64_t b)
{
	char t1[40], t2[40];
	ms_fmt_time(a, t1, sizeof t1);
	ms_fmt_time(b, t2, sizeof t2);
	if (a == b)
		snprintf(buf, cap, "at %s", t1);
	else
		snprintf(buf, cap, "between %s and %s", t1, t2);
}

/* "a, b, c" of the top failed accounts of one IP; returns how many */
static int ip_accounts(const ms_query *q, int64_t ip_id, int only_unknown, char *buf, size_t cap,
		       char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int n = 0;
	size_t len = 0;
	buf[0] = 0;
	if (ms_q_prepare(q->db, sql_ip_accounts, &st, err, errlen))
		return -1;
	sqlite3_bind_int64(st, 1, ip_id);
	sqlite3_bind_int(st, 2, only_unknown);
	ms_q_bind_range(st, q, 3);
	while (sqlite3_step(st) == SQLITE_ROW && len + 2 < cap) {
		const char *a = (const char *)sqlite3_column_text(st, 0);
		int w = snprintf(buf + len, cap - len, "%s%s", n ? ", " : "", a ? a : "");
		if (w < 0 || (size_t)w >= cap - len)
			break;
		len += (size_t)w;
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

static int per_ip(const ms_query *q, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char rng[128], accts[512], text[1400];
	int rc = 0;
	if (ms_q_prepare(q->db, sql_per_ip, &st, err, errlen))
		return -1;
	ms_q_bind_range(st, q, 1);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		int64_t ip_id = sqlite3_column_int64(st, 0);
		const char *ip = (const char *)sqlite3_column_text(st, 1);
		int64_t fl = sqlite3_column_int64(st, 2), ok = sqlite3_column_int64(st, 3);
		int64_t nacct = sqlite3_column_int64(st, 4), unk = sqlite3_column_int64(st, 5);
		int64_t nenum = sqlite3_column_int64(st, 6), ff = sqlite3_column_int64(st, 7);
		int64_t lf = sqlite3_column_int64(st, 8), nsess = sqlite3_column_int64(st, 9);
		ms_finding *f = NULL;
		range_text(rng, sizeof rng, ff, lf);

		if (nacct >= o->spray_accounts) {
			f = ms_findings_add(out, MS_F_PASSWORD_SPRAY);
			if (!f)
				break;
			f->severity = MS_SEV_HIGH;
			f->confidence = nacct >= 2 * o->spray_accounts ? MS_CONF_HIGH : MS_CONF_MEDIUM;
			if (ip_accounts(q, ip_id, 0, accts, sizeof accts, err, errlen) < 0) {
				rc = -1;
				break;
			}
			snprintf(text, sizeof text,
				 "%s tried %lld different accounts (%lld failed logins in %lld session%s) %s; "
				 "most tried: %s.",
				 ip, (long long)nacct, (long long)fl, (long long)nsess, nsess == 1 ? "" : "s", rng, accts);
			ms_finding_set(&f->explanation, text);
			snprintf(text, sizeof text,
				 "Block %s (mailsleuth blocklist). The attacker has a list of your addresses: make sure "
				 "the listed accounts have strong, unique passwords, and limit AUTH attempts "
				 "(smtpd_client_auth_rate_limit, fail2ban postfix-sasl jail).", ip);
			ms_finding_set(&f->action, text);
		} else if (fl >= o->bf_failures) {
			f = ms_findings_add(out, MS_F_BRUTE_FORCE);
			if (!f)
				break;
			f->severity = fl >= 10 * o->bf_failures ? MS_SEV_HIGH : MS_SEV_MEDIUM;
			f->confidence = MS_CONF_HIGH;
			int na = ip_accounts(q, ip_id, 0, accts, sizeof accts, err, errlen);
			if (na < 0) {
				rc = -1;
				break;
			}
			if (na == 1 && unk == 0)
				ms_finding_set(&f->account, accts);
			snprintf(text, sizeof text, "%s failed to log in %lld times in %lld session%s %s, %s%s%s.", ip,
				 (long long)fl, (long long)nsess, nsess == 1 ? "" : "s", rng,
				 na == 0 ? "on accounts the log does not name" : na == 1 ? "on " : "on the accounts ",
				 accts, unk && na ? " and accounts the log does not name" : "");
			ms_finding_set(&f->explanation, text);
			snprintf(text, sizeof text,
				 "Block %s (mailsleuth blocklist) and let fail2ban's postfix-sasl jail or "
				 "smtpd_client_auth_rate_limit stop the next one; check the targeted account%s for "
				 "weak passwords.", ip, na == 1 ? "" : "s");
			ms_finding_set(&f->action, text);
		}
		if (f) {
			ms_finding_set(&f->ip, ip);
			f->first = ff;
			f->last = lf;
			f->failures = fl;
			f->successes = ok;
			f->sessions = nsess;
			f->accounts = nacct;
			f->ips = 1;
			if (ms_finding_evidence(q, f, ev_ip_failures, ip_id, 0, err, errlen)) {
				rc = -1;
				break;
			}
		}
		if (nenum >= o->enum_accounts) {
			f = ms_findings_add(out, MS_F_USER_ENUM);
			if (!f)
				break;
			f->severity = MS_SEV_MEDIUM;
			f->confidence = MS_CONF_MEDIUM;
			if (ip_accounts(q, ip_id, 1, accts, sizeof accts, err, errlen) < 0) {
				rc = -1;
				break;
			}
			snprintf(text, sizeof text,
				 "%s tried %lld account names that do not exist on this server (for example %s) %s: "
				 "it is guessing which addresses exist.", ip, (long long)nenum, accts, rng);
			ms_finding_set(&f->explanation, text);
			snprintf(text, sizeof text,
				 "Block %s; make failed logins for unknown and known users look the same to clients "
				 "(they do in Postfix) and do not publish the address list.", ip);
			ms_finding_set(&f->action, text);
			ms_finding_set(&f->ip, ip);
			f->first = ff;
			f->last = lf;
			f->failures = fl;
			f->sessions = nsess;
			f->accounts = nenum;
			f->ips = 1;
			if (ms_finding_evidence(q, f, ev_ip_failures, ip_id, 0, err, errlen))
				rc = -1;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

static int per_password(const ms_query *q, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	sqlite3_stmt *st, *an;
	char rng[128], accts[512], text[1400];
	int rc = 0;
	if (ms_q_prepare(q->db, sql_hmac, &st, err, errlen))
		return -1;
	if (ms_q_prepare(q->db, sql_hmac_accounts, &an, err, errlen)) {
		sqlite3_finalize(st);
		return -1;
	}
	ms_q_bind_range(st, q, 1);
	sqlite3_bind_int(st, 3, o->spray_hash_accounts);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		int64_t nacct = sqlite3_column_int64(st, 1), nip = sqlite3_column_int64(st, 2);
		int64_t n = sqlite3_column_int64(st, 3), ff = sqlite3_column_int64(st, 4);
		int64_t lf = sqlite3_column_int64(st, 5), ok = sqlite3_column_int64(st, 6);
		ms_finding *f = ms_findings_add(out, MS_F_PASSWORD_SPRAY);
		size_t len = 0;
		int k = 0;
		if (!f)
			break;
		accts[0] = 0;
		sqlite3_reset(an);
		sqlite3_bind_int64(an, 1, id);
		ms_q_bind_range(an, q, 2);
		while (sqlite3_step(an) == SQLITE_ROW && len + 2 < sizeof accts) {
			const char *a = (const char *)sqlite3_column_text(an, 0);
			int w = snprintf(accts + len, sizeof accts - len, "%s%s", k++ ? ", " : "", a ? a : "");
			if (w < 0 || (size_t)w >= sizeof accts - len)
				break;
			len += (size_t)w;
		}
		range_text(rng, sizeof rng, ff, lf);
		f->severity = ok ? MS_SEV_CRITICAL : MS_SEV_HIGH;
		f->confidence = MS_CONF_HIGH;
		f->first = ff;
		f->last = lf;
		f->failures = n - ok;
		f->successes = ok;
		f->sessions = sqlite3_column_int64(st, 7);
		f->accounts = nacct;
		f->ips = nip;
		snprintf(text, sizeof text, "same password (decoded AUTH, password #%lld) used on several accounts", (long long)id);
		ms_finding_set(&f->detail, text);
		snprintf(text, sizeof text,
			 "The same password was tried on %lld accounts (%s) from %lld address%s %s (decoded from "
			 "TLS-debug AUTH lines; the password itself is not shown)%s.",
			 (long long)nacct, accts, (long long)nip, nip == 1 ? "" : "es", rng,
			 ok ? "; it WORKED at least once" : "");
		ms_finding_set(&f->explanation, text);
		ms_finding_set(&f->action,
			       ok ? "Change the password of every account it worked on now, and block the addresses."
				  : "Block the addresses; make sure no account uses this common password.");
		if (ms_finding_evidence(q, f, ev_hmac, id, 0, err, errlen))
			rc = -1;
	}
	sqlite3_finalize(an);
	sqlite3_finalize(st);
	return rc;
}

static int per_account(const ms_query *q, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char rng[128], text[1400];
	int rc = 0;
	if (ms_q_prepare(q->db, sql_distributed, &st, err, errlen))
		return -1;
	ms_q_bind_range(st, q, 1);
	sqlite3_bind_int(st, 3, o->dist_ip_max);
	sqlite3_bind_int(st, 4, o->dist_ips);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		int64_t acct_id = sqlite3_column_int64(st, 0);
		const char *acct = (const char *)sqlite3_column_text(st, 1);
		int64_t nip = sqlite3_column_int64(st, 2), n = sqlite3_column_int64(st, 3);
		int64_t ff = sqlite3_column_int64(st, 4), lf = sqlite3_column_int64(st, 5);
		ms_finding *f = ms_findings_add(out, MS_F_DISTRIBUTED);
		if (!f)
			break;
		range_text(rng, sizeof rng, ff, lf);
		f->severity = nip >= 4 * o->dist_ips ? MS_SEV_HIGH : MS_SEV_MEDIUM;
		f->confidence = nip >= 2 * o->dist_ips ? MS_CONF_HIGH : MS_CONF_MEDIUM;
		ms_finding_set(&f->account, acct);
		f->first = ff;
		f->last = lf;
		f->failures = n;
		f->sessions = sqlite3_column_int64(st, 6);
		f->accounts = 1;
		f->ips = nip;
		snprintf(text, sizeof text,
			 "%s was attacked from %lld addresses that each failed fewer than %d times (%lld failed "
			 "logins in all) %s: a distributed attack that per-address limits such as fail2ban do "
			 "not stop.", acct, (long long)nip, o->dist_ip_max, (long long)n, rng);
		ms_finding_set(&f->explanation, text);
		snprintf(text, sizeof text,
			 "Give %s a strong, unique password (or disable SMTP AUTH for it if it does not send "
			 "mail); consider per-account limits or two-factor/app passwords; blocking single "
			 "addresses will not help much.", acct);
		ms_finding_set(&f->action, text);
		if (ms_finding_evidence(q, f, ev_account_failures, acct_id, o->dist_ip_max, err, errlen))
			rc = -1;
	}
	sqlite3_finalize(st);
	return rc;
}

int ms_find_attacks(const ms_query *q, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	if (per_ip(q, o, out, err, errlen) || per_password(q, o, out, err, errlen) ||
	    per_account(q, o, out, err, errlen))
		return -1;
	return 0;
}
