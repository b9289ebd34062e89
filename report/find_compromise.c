/* SPDX-License-Identifier: MIT */
/*
 * find_compromise.c - successful logins that should not have happened.
 *
 * SEMANTICS: a compromise is a successful login for account U from IP X
 * after at least one failure from X (on U, on an unnamed account, or on
 * others), or from an X that took part in an attack (an IP-level
 * brute_force / password_spray / user_enum finding, or a failure on an
 * account under distributed attack).  One finding per (U, X): the first such
 * success.  Confidence:
 *   high    X is an attacker (above), or >= high_failures failures from X
 *           before the login, or X failed on 2+ other accounts;
 *   low     at most 2 failures before it, all on U or unnamed (a typo);
 *   medium  everything else.
 * Blast radius: messages (and their recipients) submitted by U from the
 * login on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "findings.h"
#include "../util/strmap.h"

static const char *sql_pairs =
	"SELECT s.account_id, a.name, s.ip_id, i.ip, min(s.ts) FROM auth_events s"
	" JOIN accounts a ON a.id = s.account_id JOIN ips i ON i.id = s.ip_id"
	" WHERE s.kind = 4 AND s.ts >= ?1 AND s.ts < ?2 GROUP BY s.account_id, s.ip_id ORDER BY 5, 2, 4";

/* first failure from the IP, any account, before the end of the range */
static const char *sql_first_fail =
	"SELECT min(ts) FROM auth_events WHERE ip_id = ?1 AND kind = 1 AND ts < ?2";

/* first success of (U, X) at or after ?3, within the range */
static const char *sql_first_success_after =
	"SELECT min(ts) FROM auth_events WHERE account_id = ?1 AND ip_id = ?2 AND kind = 4 AND ts >= ?3"
	" AND ts >= ?4 AND ts < ?5";

/*
 * failures from X at or before the login that count: on U, on no named
 * account, or on another account that had not logged in from X before
 * (an office's own typos behind one NAT address do not make an attacker).
 * Columns: counted, on U, unnamed, distinct other accounts, first, last, sessions
 */
static const char *sql_before =
	"WITH f AS (SELECT e.account_id, e.ts, e.session_id FROM auth_events e WHERE e.ip_id = ?1 AND e.kind = 1"
	"  AND e.ts <= ?3 AND (e.account_id IS NULL OR e.account_id = ?2 OR NOT EXISTS (SELECT 1 FROM auth_events k"
	"   WHERE k.account_id = e.account_id AND k.kind = 4 AND k.ip_id = e.ip_id AND k.ts < e.ts)))"
	" SELECT count(*), sum(account_id = ?2), sum(account_id IS NULL),"
	" count(DISTINCT CASE WHEN account_id <> ?2 THEN account_id END), min(ts), max(ts),"
	" count(DISTINCT session_id) FROM f";

/* earlier successes of U from X before its first failure there: a history */
static const char *sql_history =
	"SELECT count(*) FROM auth_events WHERE account_id = ?1 AND ip_id = ?2 AND kind = 4 AND ts < ?3";

static const char *sql_success_count =
	"SELECT count(*), count(DISTINCT session_id) FROM auth_events WHERE account_id = ?1 AND ip_id = ?2"
	" AND kind = 4 AND ts >= ?3 AND ts < ?4";

static const char *sql_blast =
	"SELECT count(*), coalesce(sum(nrcpt), 0) FROM messages WHERE account_id = ?1 AND ts >= ?2 AND ts < ?3";

static const char *sql_ip_failed_accounts =
	"SELECT DISTINCT a.name FROM auth_events e JOIN accounts a ON a.id = e.account_id"
	" WHERE e.ip_id = ?1 AND e.kind = 1 AND NOT EXISTS (SELECT 1 FROM auth_events k WHERE k.ip_id = e.ip_id"
	"   AND k.kind = 4 AND k.account_id = e.account_id AND k.ts < e.ts)";

static const char *ev_success =
	"SELECT e.id, e.session_id, src.path, e.line FROM auth_events e LEFT JOIN sources src ON src.id = e.source_id"
	" WHERE e.ip_id = ?1 AND e.account_id = ?2 AND e.kind = 4 AND e.ts >= ?3 AND e.ts < ?4"
	" ORDER BY e.ts, e.id LIMIT 3";

static const char *ev_failures_before =
	"SELECT e.id, e.session_id, src.path, e.line FROM auth_events e LEFT JOIN sources src ON src.id = e.source_id"
	" WHERE e.ip_id = ?1 AND e.kind = 1 AND e.ts <= ?2 AND ?3 = ?3 AND ?4 = ?4"
" ORDER BY e.ts DESC, e.id DESC"
	" LIMIT 21";

typedef struct {
	sqlite3_stmt *first_fail, *first_after, *before, *history, *succ, *blast, *ipacc;
} stmts;

static int64_t one_int(sqlite3_stmt *st, int *isnull)
{
	int64_t v = 0;
	*isnull = 1;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		v = sqlite3_column_int64(st, 0);
		*isnull = 0;
	}
	return v;
}

/* did X fail on an account that is under distributed attack? */
static int failed_on_target(stmts *s, int64_t ip_id, const ms_strmap *targets)
{
	int hit = 0;
	if (!targets->n)
		return 0;
	sqlite3_reset(s->ipacc);
	sqlite3_bind_int64(s->ipacc, 1, ip_id);
	while (!hit && sqlite3_step(s->ipacc) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(s->ipacc, 0);
		int64_t v;
		if (a && ms_strmap_get(targets, a, strlen(a), &v))
			hit = 1;
	}
	return hit;
}

static const char *attack_of(const ms_strmap *attackers, const char *ip)
{
	int64_t t;
	return ms_strmap_get(attackers, ip, strlen(ip), &t) ? ms_ftype_name((ms_ftype)t) : NULL;
}

static int assess(const ms_query *q, const ms_find_opts *o, stmts *s, ms_findings *out,
		  const ms_strmap *attackers, const ms_strmap *targets, int64_t acct_id, const char *acct, int64_t ip_id, const char *ip,
		  int64_t first_success, char *err, size_t errlen)
{
	int isnull;
	int64_t ff, login;
	const char *attack = attack_of(attackers, ip);
	int target = 0;
	char text[1600], when[40], blast[300], because[400];

	sqlite3_reset(s->first_fail);
	sqlite3_bind_int64(s->first_fail, 1, ip_id);
	sqlite3_bind_int64(s->first_fail, 2, ms_q_until(q));
	ff = one_int(s->first_fail, &isnull);
	if (isnull) {
		if (!attack && !(target = failed_on_target(s, ip_id, targets)))
			return 0;
		login = first_success;
	} else {
		sqlite3_reset(s->first_after);
		sqlite3_bind_int64(s->first_after, 1, acct_id);
		sqlite3_bind_int64(s->first_after, 2, ip_id);
		sqlite3_bind_int64(s->first_after, 3, ff);
		sqlite3_bind_int64(s->first_after, 4, ms_q_since(q));
		sqlite3_bind_int64(s->first_after, 5, ms_q_until(q));
		login = one_int(s->first_after, &isnull);
		if (isnull) {
			/* every success came before the first failure: only an attacker address counts */
			if (!attack && !(target = failed_on_target(s, ip_id, targets)))
				return 0;
			login = first_success;
		}
	}
	if (!attack && !target)
		target = failed_on_target(s, ip_id, targets);

	sqlite3_reset(s->before);
	sqlite3_bind_int64(s->before, 1, ip_id);
	sqlite3_bind_int64(s->before, 2, acct_id);
	sqlite3_bind_int64(s->before, 3, login);
	int64_t nb = 0, on_u = 0, unnamed = 0, others = 0, bf = 0, bsess = 0;
	if (sqlite3_step(s->before) == SQLITE_ROW) {
		nb = sqlite3_column_int64(s->before, 0);
		on_u = sqlite3_column_int64(s->before, 1);
		unnamed = sqlite3_column_int64(s->before, 2);
		others = sqlite3_column_int64(s->before, 3);
		bf = sqlite3_column_int64(s->before, 4);
		bsess = sqlite3_column_int64(s->before, 6);
	}
	if (nb == 0 && !attack && !target)
		return 0; /* only other users' own typos from a shared address */
	sqlite3_reset(s->history);
	sqlite3_bind_int64(s->history, 1, acct_id);
	sqlite3_bind_int64(s->history, 2, ip_id);
	sqlite3_bind_int64(s->history, 3, nb ? bf : login);
	int64_t history = one_int(s->history, &isnull);

	ms_confidence conf;
	if (history && on_u < o->high_failures)
		conf = MS_CONF_LOW;     /* a known location: the user, most likely */
	else if (history)
		conf = MS_CONF_MEDIUM;
	else if (attack || target || nb >= o->high_failures || others >= 2)
		conf = MS_CONF_HIGH;
	else if (nb <= 2 && others == 0)
		conf = MS_CONF_LOW;
	else
		conf = MS_CONF_MEDIUM;
	if (conf == MS_CONF_LOW && !o->include_low)
		return 0;

	ms_finding *f = ms_findings_add(out, MS_F_COMPROMISE);
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f->confidence = conf;
	f->severity = conf == MS_CONF_HIGH ? MS_SEV_CRITICAL : conf == MS_CONF_MEDIUM ? MS_SEV_HIGH : MS_SEV_LOW;
	ms_finding_set(&f->ip, ip);
	ms_finding_set(&f->account, acct);
	f->failures = nb;
	f->accounts = 1 + others;
	f->ips = 1;
	f->first = nb ? bf : login;

	sqlite3_reset(s->succ);
	sqlite3_bind_int64(s->succ, 1, acct_id);
	sqlite3_bind_int64(s->succ, 2, ip_id);
	sqlite3_bind_int64(s->succ, 3, login);
	sqlite3_bind_int64(s->succ, 4, ms_q_until(q));
	if (sqlite3_step(s->succ) == SQLITE_ROW) {
		f->successes = sqlite3_column_int64(s->succ, 0);
		f->sessions = bsess + sqlite3_column_int64(s->succ, 1);
	}
	f->last = login;
	sqlite3_reset(s->blast);
	sqlite3_bind_int64(s->blast, 1, acct_id);
	sqlite3_bind_int64(s->blast, 2, login);
	sqlite3_bind_int64(s->blast, 3, ms_q_until(q));
	if (sqlite3_step(s->blast) == SQLITE_ROW) {
		f->messages = sqlite3_column_int64(s->blast, 0);
		f->recipients = sqlite3_column_int64(s->blast, 1);
	}

	ms_fmt_time(login, when, sizeof when);
	because[0] = 0;
	if (nb) {
		char parts[200];
		int k = 0;
		size_t len = 0;
		parts[0] = 0;
		if (on_u)
			len += (size_t)snprintf(parts + len, sizeof parts - len, "%lld on this account", (long long)on_u), k++;
		if (unnamed && len < sizeof parts)
			len += (size_t)snprintf(parts + len, sizeof parts - len, "%s%lld naming no account", k++ ? ", " : "",
						(long long)unnamed);
		if (nb - on_u - unnamed > 0 && len < sizeof parts)
			snprintf(parts + len, sizeof parts - len, "%s%lld on %lld other account%s", k ? ", " : "",
				 (long long)(nb - on_u - unnamed), (long long)others, others == 1 ? "" : "s");
		snprintf(because, sizeof because, " after %lld failed login%s from that address (%s)", (long long)nb,
			 nb == 1 ? "" : "s", parts);
	}
	if (attack || target) {
		size_t len = strlen(because);
		snprintf(because + len, sizeof because - len, "%s; the address took part in a %s attack",
			 nb ? "" : " from an attacking address", attack ? attack : "distributed");
	}
	if (f->messages)
		snprintf(blast, sizeof blast, " Since then the account submitted %lld message%s to %lld recipient%s.",
			 (long long)f->messages, f->messages == 1 ? "" : "s", (long long)f->recipients,
			 f->recipients == 1 ? "" : "s");
	else
		snprintf(blast, sizeof blast, " No message submitted by the account since then is in the log.");
	snprintf(text, sizeof text, "%s logged in from %s at %s%s.%s%s", acct, ip, when, because, blast,
		 history ? " The account had logged in from this address before." : "");
	ms_finding_set(&f->explanation, text);
	if (conf == MS_CONF_LOW)
		snprintf(text, sizeof text,
			 "Probably the user mistyping the password; confirm with the owner of %s that they logged in "
			 "from %s at %s.", acct, ip, when);
	else
		snprintf(text, sizeof text,
			 "Treat %s as compromised: change its password now, end its sessions, check what it sent and "
			 "its forwarding rules, block %s, and check other accounts for the same password.", acct, ip);
	ms_finding_set(&f->action, text);

	if (ms_finding_evidence(q, f, ev_success, ip_id, acct_id, err, errlen))
		return -1;
	{
		/* the failures before the login, latest first; the range of this query is the login time */
		ms_query q2 = *q;
		q2.since = 0;
		q2.until = 0;
		if (ms_finding_evidence(&q2, f, ev_failures_before, ip_id, login, err, errlen))
			return -1;
	}
	return 0;
}

int ms_find_compromise(const ms_query *q, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	stmts s;
	sqlite3_stmt *pairs = NULL;
	ms_strmap targets, attackers;
	int rc = -1;
	memset(&s, 0, sizeof s);
	ms_strmap_init(&targets);
	ms_strmap_init(&attackers);
	for (int i = 0; i < out->n; i++) {
		const ms_finding *a = &out->v[i];
		if (a->type == MS_F_DISTRIBUTED && a->account &&
		    ms_strmap_put(&targets, a->account, strlen(a->account), 1))
			goto done;
		/* the first (strongest) IP-level finding names the attack */
		int64_t seen;
		if (a->ip && a->type != MS_F_DISTRIBUTED && a->confidence >= MS_CONF_MEDIUM &&
		    !ms_strmap_get(&attackers, a->ip, strlen(a->ip), &seen) &&
		    ms_strmap_put(&attackers, a->ip, strlen(a->ip), a->type))
			goto done;
	}
	if (ms_q_prepare(q->db, sql_pairs, &pairs, err, errlen) ||
	    ms_q_prepare(q->db, sql_first_fail, &s.first_fail, err, errlen) ||
	    ms_q_prepare(q->db, sql_first_success_after, &s.first_after, err, errlen) ||
	    ms_q_prepare(q->db, sql_before, &s.before, err, errlen) ||
	    ms_q_prepare(q->db, sql_history, &s.history, err, errlen) ||
	    ms_q_prepare(q->db, sql_success_count, &s.succ, err, errlen) ||
	    ms_q_prepare(q->db, sql_blast, &s.blast, err, errlen) ||
	    ms_q_prepare(q->db, sql_ip_failed_accounts, &s.ipacc, err, errlen))
		goto done;
	ms_q_bind_range(pairs, q, 1);
	rc = 0;
	while (rc == 0 && sqlite3_step(pairs) == SQLITE_ROW) {
		/* copy: assess() may grow out->v but pairs' row stays valid */
		char acct[512], ip[64];
		const char *a = (const char *)sqlite3_column_text(pairs, 1);
		const char *i = (const char *)sqlite3_column_text(pairs, 3);
		snprintf(acct, sizeof acct, "%s", a ? a : "");
		snprintf(ip, sizeof ip, "%s", i ? i : "");
		rc = assess(q, o, &s, out, &attackers, &targets, sqlite3_column_int64(pairs, 0), acct,
			    sqlite3_column_int64(pairs, 2), ip, sqlite3_column_int64(pairs, 4), err, errlen);
	}
done:
	sqlite3_finalize(pairs);
	sqlite3_finalize(s.first_fail);
	sqlite3_finalize(s.first_after);
	sqlite3_finalize(s.before);
	sqlite3_finalize(s.history);
	sqlite3_finalize(s.succ);
	sqlite3_finalize(s.blast);
	sqlite3_finalize(s.ipacc);
	ms_strmap_release(&targets);
	ms_strmap_release(&attackers);
	return rc;
}
