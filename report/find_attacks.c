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

/*
 * A failure on an account that had already logged in from the same address
 * is that user's own typo (an office behind one NAT address), not an attack:
 * "foreign" failures are the others (unnamed accounts included).  ok holds
 * the first success of each (address, account).
 */
#define OK_CTE "ok AS MATERIALIZED (SELECT ip_id, account_id, min(ts) AS t FROM auth_events" \
	" WHERE kind = 4 AND account_id IS NOT NULL GROUP BY ip_id, account_id)"

static const char *sql_per_ip =
	"WITH " OK_CTE ","
	" f AS (SELECT e.ip_id, e.kind, e.account_id, e.user_unknown, e.ts, e.session_id,"
	"  (e.kind = 1 AND (ok.t IS NULL OR ok.t >= e.ts)) AS foreign_"
	"  FROM auth_events e LEFT JOIN ok ON ok.ip_id = e.ip_id AND ok.account_id = e.account_id"
	"  WHERE e.kind IN (1, 4) AND e.ts >= ?1 AND e.ts < ?2)"
	" SELECT f.ip_id, i.ip, sum(f.foreign_), sum(f.kind = 4),"
	" count(DISTINCT CASE WHEN f.foreign_ THEN f.account_id END),"
	" sum(f.foreign_ AND f.account_id IS NULL),"
	" count(DISTINCT CASE WHEN f.foreign_ AND f.user_unknown = 1 THEN f.account_id END),"
	" min(CASE WHEN f.foreign_ THEN f.ts END), max(CASE WHEN f.foreign_ THEN f.ts END),"
	" count(DISTINCT CASE WHEN f.foreign_ THEN f.session_id END),"
	" count(DISTINCT CASE WHEN f.kind = 4 THEN f.account_id END)"
	" FROM f JOIN ips i ON i.id = f.ip_id"
	" GROUP BY f.ip_id HAVING sum(f.foreign_) > 0";

static const char *sql_ip_accounts =
	"SELECT a.name, count(*) FROM auth_events e JOIN accounts a ON a.id = e.account_id"
	" WHERE e.ip_id = ?1 AND e.kind = 1 AND (?2 = 0 OR e.user_unknown = 1) AND e.ts >= ?3 AND e.ts < ?4"
	" GROUP BY a.name ORDER BY 2 DESC, 1 LIMIT 5";

static const char *ev_ip_failures =
	"SELECT e.id, e.session_id, src.path, e.line FROM auth_events e LEFT JOIN sources src ON src.id = e.source_id"
	" WHERE e.ip_id = ?1 AND e.kind = 1 AND ?2 = ?2 AND e.ts >= ?3 AND e.ts < ?4"
	" AND NOT EXISTS (SELECT 1 FROM auth_events k WHERE k.ip_id = e.ip_id AND k.kind = 4"
	"   AND k.account_id = e.account_id AND k.ts < e.ts)"
	" ORDER BY e.ts, e.id LIMIT 21";

/* the distributed attackers: addresses that never logged in and failed fewer than ?3 times */
static const char *sql_low_ips =
	"SELECT ip_id FROM auth_events WHERE kind IN (1, 4) AND ts >= ?1 AND ts < ?2 AND ip_id IS NOT NULL"
	" GROUP BY ip_id HAVING sum(kind = 4) = 0 AND sum(kind = 1) < ?3 ORDER BY ip_id";

static const char *ev_account_failures =
	"SELECT e.id, e.session_id, src.path, e.line, e.ip_id FROM auth_events e"
	" LEFT JOIN sources src ON src.id = e.source_id"
	" WHERE e.account_id = ?1 AND e.kind = 1 AND e.ts >= ?2 AND e.ts < ?3 ORDER BY e.ts, e.id";

static const char *sql_hmac =
	"SELECT min(id), count(DISTINCT account_id), count(DISTINCT ip_id), count(*), min(ts), max(ts),"
	" sum(kind = 4), count(DISTINCT session_id), pw_hmac"
	" FROM auth_events WHERE pw_hmac IS NOT NULL AND decode_truncated = 0 AND account_id IS NOT NULL"
	" AND ts >= ?1 AND ts < ?2 GROUP BY pw_hmac HAVING count(DISTINCT account_id) >= ?3";

static const char *sql_hmac_rows =
	"SELECT e.pw_hmac, e.id, e.session_id, src.path, e.line, a.name FROM auth_events e"
	" JOIN accounts a ON a.id = e.account_id LEFT JOIN sources src ON src.id = e.source_id"
	" WHERE e.pw_hmac IS NOT NULL AND e.decode_truncated = 0 AND e.ts >= ?1 AND e.ts < ?2"
	" ORDER BY e.ts, e.id";

/* many addresses, each below the per-address threshold and never logging in, on one account */
static const char *sql_distributed =
	"WITH ipf AS MATERIALIZED (SELECT ip_id, sum(kind = 1) AS n FROM auth_events WHERE kind IN (1, 4)"
	"  AND ts >= ?1 AND ts < ?2 GROUP BY ip_id HAVING sum(kind = 4) = 0)"
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
	int n;
	buf[0] = 0;
	if (ms_q_prepare(q->db, sql_ip_accounts, &st, err, errlen))
		return -1;
	sqlite3_bind_int64(st, 1, ip_id);
	sqlite3_bind_int(st, 2, only_unknown);
	ms_q_bind_range(st, q, 3);
	n = ms_name_list_from(st, buf, cap);
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
		int64_t okacct = sqlite3_column_int64(st, 10);
		/* an address many accounts log in from (an office, a NAT) with failures it cannot
		 * explain: reported, but with low confidence, and it does not make its logins suspect */
		int shared = okacct >= 3;
		char sharednote[160] = "";
		if (shared)
			snprintf(sharednote, sizeof sharednote,
				 " The address is shared: %lld accounts log in from it successfully.", (long long)okacct);
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
				 "most tried: %s.%s",
				 ip, (long long)nacct, (long long)fl, (long long)nsess, nsess == 1 ? "" : "s", rng, accts,
				 sharednote);
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
			if (shared) {
				size_t l = strlen(text);
				snprintf(text + l, sizeof text - l, "%s", sharednote);
			}
			ms_finding_set(&f->explanation, text);
			snprintf(text, sizeof text,
				 "Block %s (mailsleuth blocklist) and let fail2ban's postfix-sasl jail or "
				 "smtpd_client_auth_rate_limit stop the next one; check the targeted account%s for "
				 "weak passwords.", ip, na == 1 ? "" : "s");
			ms_finding_set(&f->action, text);
		}
		if (f && shared) {
			f->severity = MS_SEV_LOW;
			f->confidence = MS_CONF_LOW;
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

typedef struct {
	unsigned char hmac[32];
	int64_t id, nacct, nip, n, ff, lf, ok, sess;
	ms_finding *f;          /* index into out->v is stable only until the next add: see below */
	int fi;
	char accts[512];
	int naccts;
} pw_group;

static int cmp_hmac(const void *a, const void *b)
{
	return memcmp(((const pw_group *)a)->hmac, ((const pw_group *)b)->hmac, 32);
}

/*
 * One password (its keyed HMAC; never the password) tried on many accounts.
 * Two passes: the groups (aggregate), then one ordered scan of the decoded
 * attempts for names and evidence, so the cost does not grow with groups.
 */
static int per_password(const ms_query *q, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char rng[128], text[1400];
	pw_group *g = NULL;
	int ng = 0, cap = 0, rc = 0;
	if (ms_q_prepare(q->db, sql_hmac, &st, err, errlen))
		return -1;
	ms_q_bind_range(st, q, 1);
	sqlite3_bind_int(st, 3, o->spray_hash_accounts);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 8) != 32)
			continue;
		if (ng == cap) {
			int nc = cap ? cap * 2 : 64;
			pw_group *ngp = realloc(g, (size_t)nc * sizeof *ngp);
			if (!ngp) {
				rc = -1;
				snprintf(err, errlen, "out of memory");
				break;
			}
			g = ngp;
			cap = nc;
		}
		pw_group *x = &g[ng++];
		memset(x, 0, sizeof *x);
		memcpy(x->hmac, sqlite3_column_blob(st, 8), 32);
		x->id = sqlite3_column_int64(st, 0);
		x->nacct = sqlite3_column_int64(st, 1);
		x->nip = sqlite3_column_int64(st, 2);
		x->n = sqlite3_column_int64(st, 3);
		x->ff = sqlite3_column_int64(st, 4);
		x->lf = sqlite3_column_int64(st, 5);
		x->ok = sqlite3_column_int64(st, 6);
		x->sess = sqlite3_column_int64(st, 7);
		x->fi = -1;
	}
	sqlite3_finalize(st);
	if (rc || ng == 0) {
		free(g);
		return rc;
	}
	qsort(g, (size_t)ng, sizeof *g, cmp_hmac);
	for (int i = 0; i < ng; i++) {
		ms_finding *f = ms_findings_add(out, MS_F_PASSWORD_SPRAY);
		if (!f) {
			free(g);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		g[i].fi = out->n - 1;
	}
	if (ms_q_prepare(q->db, sql_hmac_rows, &st, err, errlen)) {
		free(g);
		return -1;
	}
	ms_q_bind_range(st, q, 1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		pw_group key;
		if (sqlite3_column_bytes(st, 0) != 32)
			continue;
		memcpy(key.hmac, sqlite3_column_blob(st, 0), 32);
		pw_group *x = bsearch(&key, g, (size_t)ng, sizeof *g, cmp_hmac);
		if (!x)
			continue;
		ms_finding *f = &out->v[x->fi];
		const char *name = (const char *)sqlite3_column_text(st, 5);
		if (name && x->naccts < 5)
			x->naccts += ms_name_list_add(x->accts, sizeof x->accts, name);
		if (f->nev_events >= MS_F_EVIDENCE_MAX) {
			f->evidence_truncated = 1;
			continue;
		}
		ms_finding_note(f, sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
				(const char *)sqlite3_column_text(st, 3), sqlite3_column_int64(st, 4));
	}
	sqlite3_finalize(st);
	for (int i = 0; i < ng; i++) {
		pw_group *x = &g[i];
		ms_finding *f = &out->v[x->fi];
		range_text(rng, sizeof rng, x->ff, x->lf);
		f->severity = x->ok ? MS_SEV_CRITICAL : MS_SEV_HIGH;
		f->confidence = MS_CONF_HIGH;
		f->first = x->ff;
		f->last = x->lf;
		f->failures = x->n - x->ok;
		f->successes = x->ok;
		f->sessions = x->sess;
		f->accounts = x->nacct;
		f->ips = x->nip;
		snprintf(text, sizeof text, "one password (decoded AUTH; first seen in auth event %lld) on several accounts",
			 (long long)x->id);
		ms_finding_set(&f->detail, text);
		snprintf(text, sizeof text,
			 "The same password was tried on %lld accounts (%s%s) from %lld address%s %s (decoded from "
			 "TLS-debug AUTH lines; the password itself is not shown)%s.",
			 (long long)x->nacct, x->accts, x->nacct > x->naccts ? ", ..." : "", (long long)x->nip,
			 x->nip == 1 ? "" : "es", rng, x->ok ? "; it WORKED at least once" : "");
		ms_finding_set(&f->explanation, text);
		ms_finding_set(&f->action,
			       x->ok ? "Change the password of every account it worked on now, and block the addresses."
				     : "Block the addresses; make sure no account uses this common password.");
	}
	free(g);
	return 0;
}

static int has_id(const int64_t *v, int n, int64_t x)
{
	int lo = 0, hi = n - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (v[mid] == x)
			return 1;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return 0;
}

/* evidence of a distributed finding: the account's failures from the low-rate addresses */
static int dist_evidence(const ms_query *q, ms_finding *f, sqlite3_stmt *st, int64_t acct_id, const int64_t *low,
			 int nlow)
{
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, acct_id);
	ms_q_bind_range(st, q, 2);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (!has_id(low, nlow, sqlite3_column_int64(st, 4)))
			continue;
		if (f->nev_events >= MS_F_EVIDENCE_MAX) {
			f->evidence_truncated = 1;
			break;
		}
		ms_finding_note(f, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
				(const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3));
	}
	return 0;
}

typedef struct {
	int64_t acct_id, nip, n, ff, lf, sess;
	char *name;
} dist_row;

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * The bar for "many addresses": --distributed-ips, raised on a busy server
 * to median + 5 x MAD of the per-account counts (when 20+ accounts see such
 * addresses), because background scanning gives every account a few.
 */
static int64_t dist_bar(const dist_row *r, int n, int floor_)
{
	int64_t bar = floor_;
	if (n >= 20) {
		int64_t *v = malloc((size_t)n * sizeof *v);
		if (!v)
			return bar;
		for (int i = 0; i < n; i++)
			v[i] = r[i].nip;
		qsort(v, (size_t)n, sizeof *v, cmp_i64);
		int64_t med = v[n / 2];
		for (int i = 0; i < n; i++)
			v[i] = v[i] > med ? v[i] - med : med - v[i];
		qsort(v, (size_t)n, sizeof *v, cmp_i64);
		int64_t mad = v[n / 2] ? v[n / 2] : 1;
		if (med + 5 * mad > bar)
			bar = med + 5 * mad;
		free(v);
	}
	return bar;
}

static int per_account(const ms_query *q, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char rng[128], text[1400];
	int rc = 0, n = 0, cap = 0;
	dist_row *rows = NULL;
	if (ms_q_prepare(q->db, sql_distributed, &st, err, errlen))
		return -1;
	ms_q_bind_range(st, q, 1);
	sqlite3_bind_int(st, 3, o->dist_ip_max);
	sqlite3_bind_int(st, 4, 2);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			int nc = cap ? cap * 2 : 256;
			dist_row *nr = realloc(rows, (size_t)nc * sizeof *nr);
			if (!nr) {
				rc = -1;
				snprintf(err, errlen, "out of memory");
				break;
			}
			rows = nr;
			cap = nc;
		}
		const char *nm = (const char *)sqlite3_column_text(st, 1);
		dist_row *r = &rows[n++];
		r->acct_id = sqlite3_column_int64(st, 0);
		r->name = strdup(nm ? nm : "");
		r->nip = sqlite3_column_int64(st, 2);
		r->n = sqlite3_column_int64(st, 3);
		r->ff = sqlite3_column_int64(st, 4);
		r->lf = sqlite3_column_int64(st, 5);
		r->sess = sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	int64_t bar = dist_bar(rows, n, o->dist_ips);
	int64_t *low = NULL;
	int nlow = 0, lowcap = 0;
	sqlite3_stmt *ev = NULL;
	if (rc == 0 && (ms_q_prepare(q->db, sql_low_ips, &st, err, errlen) ||
			ms_q_prepare(q->db, ev_account_failures, &ev, err, errlen)))
		rc = -1;
	if (rc == 0) {
		ms_q_bind_range(st, q, 1);
		sqlite3_bind_int(st, 3, o->dist_ip_max);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (nlow == lowcap) {
				int nc = lowcap ? lowcap * 2 : 1024;
				int64_t *nl = realloc(low, (size_t)nc * sizeof *nl);
				if (!nl)
					break;
				low = nl;
				lowcap = nc;
			}
			low[nlow++] = sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
	}
	for (int i = 0; rc == 0 && i < n; i++) {
		const dist_row *r = &rows[i];
		if (r->nip < bar || !r->name)
			continue;
		ms_finding *f = ms_findings_add(out, MS_F_DISTRIBUTED);
		if (!f)
			break;
		range_text(rng, sizeof rng, r->ff, r->lf);
		f->severity = r->nip >= 4 * bar ? MS_SEV_HIGH : MS_SEV_MEDIUM;
		f->confidence = r->nip >= 2 * bar ? MS_CONF_HIGH : MS_CONF_MEDIUM;
		ms_finding_set(&f->account, r->name);
		f->first = r->ff;
		f->last = r->lf;
		f->failures = r->n;
		f->sessions = r->sess;
		f->accounts = 1;
		f->ips = r->nip;
		snprintf(text, sizeof text,
			 "%s was attacked from %lld addresses that each failed fewer than %d times and never "
			 "logged in (%lld failed logins in all) %s: a distributed attack that per-address limits "
			 "such as fail2ban do not stop.", r->name, (long long)r->nip, o->dist_ip_max, (long long)r->n,
			 rng);
		if (bar > o->dist_ips) {
			size_t l = strlen(text);
			snprintf(text + l, sizeof text - l,
				 " (On this server an account typically sees such addresses; the bar was %lld.)",
				 (long long)bar);
		}
		ms_finding_set(&f->explanation, text);
		snprintf(text, sizeof text,
			 "Give %s a strong, unique password (or disable SMTP AUTH for it if it does not send "
			 "mail); consider per-account limits or two-factor/app passwords; blocking single "
			 "addresses will not help much.", r->name);
		ms_finding_set(&f->action, text);
		dist_evidence(q, f, ev, r->acct_id, low, nlow);
	}
	sqlite3_finalize(ev);
	free(low);
	for (int i = 0; i < n; i++)
		free(rows[i].name);
	free(rows);
	return rc;
}

int ms_find_attacks(const ms_query *q, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	if (per_ip(q, o, out, err, errlen) || per_password(q, o, out, err, errlen) ||
	    per_account(q, o, out, err, errlen))
		return -1;
	return 0;
}
