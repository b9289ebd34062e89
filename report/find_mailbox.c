/* SPDX-License-Identifier: MIT */
/*
 * find_mailbox.c - mailbox_access: an address that attacked SMTP AUTH then
 * logged in to a mailbox over IMAP or POP (a Dovecot "Login:" line).  Bots
 * that guess or buy passwords check them over IMAP as often as over SMTP;
 * SEMANTICS counts only smtpd logins as auth successes, so such a login is
 * no `compromise`, but the attacker can read the mail.  How it is decided:
 * docs/findings.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "findings.h"
#include "blocklist.h"

/* the logins: Dovecot "Login:" lines of public addresses with an account, in the range */
static const char *sql_logins =
	"SELECT b.ts, i.ip, a.name, b.ip_id, b.account_id, s.path, b.line, sv.s"
	" FROM backend_events b JOIN ips i ON i.id = b.ip_id JOIN accounts a ON a.id = b.account_id"
	" JOIN strings k ON k.id = b.backend_id AND k.s = 'dovecot'"
	" LEFT JOIN strings sv ON sv.id = b.service_id LEFT JOIN sources s ON s.id = b.source_id"
	" WHERE b.fail = 0 AND b.ts >= ?1 AND b.ts < ?2 ORDER BY b.ts, b.id";

/* a login of the account from the address before t, over SMTP or IMAP/POP */
static const char *sql_before =
	"SELECT EXISTS (SELECT 1 FROM auth_events WHERE ip_id = ?1 AND account_id = ?2 AND kind = 4 AND ts < ?3)"
	" OR EXISTS (SELECT 1 FROM backend_events WHERE ip_id = ?1 AND account_id = ?2 AND fail = 0 AND ts < ?3)";

/* the address's SMTP failures before t: all; on the account, its first and
 * last; the other accounts; and whether it failed on the account after t */
static const char *sql_fails =
	"SELECT count(*), coalesce(sum(account_id = ?2), 0), min(CASE WHEN account_id = ?2 THEN ts END),"
	" max(CASE WHEN account_id = ?2 THEN ts END), count(DISTINCT CASE WHEN account_id != ?2 THEN account_id END),"
	" EXISTS (SELECT 1 FROM auth_events WHERE ip_id = ?1 AND account_id = ?2 AND kind = 1 AND ts > ?3)"
	" FROM auth_events WHERE ip_id = ?1 AND kind = 1 AND ts < ?3";

static int is_attack(ms_ftype t)
{
	return t == MS_F_BRUTE_FORCE || t == MS_F_PASSWORD_SPRAY || t == MS_F_USER_ENUM;
}

/* address -> the index in f of its earliest attack finding (medium or high confidence) */
static int attack_map(const ms_findings *f, ms_strmap *m)
{
	for (int i = 0; i < f->n; i++) {
		const ms_finding *x = &f->v[i];
		int64_t k;
		if (!is_attack(x->type) || x->confidence < MS_CONF_MEDIUM || !x->ip)
			continue;
		size_t n = strlen(x->ip);
		if ((!ms_strmap_get(m, x->ip, n, &k) || x->first < f->v[k].first) && ms_strmap_put(m, x->ip, n, i))
			return -1;
	}
	return 0;
}

/* one (address, account) pair judged already: the first login after the attack is the finding */
typedef struct {
	int64_t ip_id, account_id;
} pair;

static int seen_pair(const pair *v, int n, int64_t ip, int64_t acc)
{
	for (int i = 0; i < n; i++)
		if (v[i].ip_id == ip && v[i].account_id == acc)
			return 1;
	return 0;
}

static int64_t step_int(sqlite3_stmt *st, int col)
{
	return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, col) : 0;
}

int ms_find_mailbox(ms_fdata *d, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	sqlite3 *db = d->q->db;
	sqlite3_stmt *st = NULL, *before = NULL, *fails = NULL;
	pair *done = NULL;
	int ndone = 0, cap = 0, rc = 0;
	ms_strmap atk;
	if (o->no_compromise) /* the caller keeps neither kind of break-in */
		return 0;
	ms_strmap_init(&atk);
	if (attack_map(out, &atk)) { /* the attack findings, found before this */
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	if (!atk.n)
		goto out;
	if (ms_q_prepare(db, sql_logins, &st, err, errlen) || ms_q_prepare(db, sql_before, &before, err, errlen) ||
	    ms_q_prepare(db, sql_fails, &fails, err, errlen)) {
		rc = -1;
		goto out;
	}
	ms_q_bind_range(st, d->q, 1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t ts = sqlite3_column_int64(st, 0);
		const char *ip = (const char *)sqlite3_column_text(st, 1);
		const char *acc = (const char *)sqlite3_column_text(st, 2);
		int64_t ip_id = sqlite3_column_int64(st, 3), acc_id = sqlite3_column_int64(st, 4);
		int64_t ai;
		if (!ip || !acc || !ms_strmap_get(&atk, ip, strlen(ip), &ai) || out->v[ai].first > ts ||
		    ms_block_is_local(ip) || seen_pair(done, ndone, ip_id, acc_id))
			continue;
		/* out->v moves when a finding is added */
		ms_ftype atype = out->v[ai].type;
		int64_t afirst = out->v[ai].first;
		/* the account's own place: it logged in from there before the attack began */
		sqlite3_bind_int64(before, 1, ip_id);
		sqlite3_bind_int64(before, 2, acc_id);
		sqlite3_bind_int64(before, 3, afirst);
		int known = (int)step_int(before, 0);
		sqlite3_reset(before);
		if (ndone == cap) {
			int nc = cap ? 2 * cap : 16;
			pair *np = realloc(done, (size_t)nc * sizeof *np);
			if (!np) {
				snprintf(err, errlen, "out of memory");
				rc = -1;
				goto out;
			}
			done = np;
			cap = nc;
		}
		done[ndone].ip_id = ip_id;
		done[ndone++].account_id = acc_id;
		if (known)
			continue;
		sqlite3_bind_int64(fails, 1, ip_id);
		sqlite3_bind_int64(fails, 2, acc_id);
		sqlite3_bind_int64(fails, 3, ts);
		int64_t nfail = 0, on_acc = 0, first_on = 0, last_on = 0, others = 0, after = 0;
		if (sqlite3_step(fails) == SQLITE_ROW) {
			nfail = sqlite3_column_int64(fails, 0);
			on_acc = sqlite3_column_int64(fails, 1);
			first_on = sqlite3_column_int64(fails, 2);
			last_on = sqlite3_column_int64(fails, 3);
			others = sqlite3_column_int64(fails, 4);
			after = sqlite3_column_int64(fails, 5);
		}
		sqlite3_reset(fails);
		/* an attacker's login, not a device of the user's with an old SMTP
		 * password beside the right IMAP one (it fails now and then, before
		 * and after its logins, on that one account): the address guessed
		 * at 2 or more other accounts, or ran guesses at this one (3 or
		 * more, under a minute apart on average) and stopped once in */
		int multi = others >= 2;
		int run = on_acc >= 3 && last_on - first_on < 60 * (on_acc - 1) && !after;
		if (!multi && !run)
			continue;
		int64_t naccts = others + (on_acc > 0);

		ms_finding *f = ms_findings_add(out, MS_F_MAILBOX_ACCESS);
		if (!f) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			goto out;
		}
		f->confidence = MS_CONF_HIGH;
		f->severity = MS_SEV_CRITICAL;
		ms_finding_set(&f->ip, ip);
		ms_finding_set(&f->account, acc);
		f->first = on_acc && first_on < afirst ? first_on : afirst;
		f->last = ts;
		f->failures = nfail;
		f->successes = 1;
		f->accounts = naccts;
		f->ips = 1;
		const char *svc = (const char *)sqlite3_column_text(st, 7);
		char svcname[32];
		snprintf(svcname, sizeof svcname, "%s", svc && *svc ? svc : "imap-login");
		char *dash = strstr(svcname, "-login");
		if (dash)
			*dash = 0;
		for (char *c = svcname; *c; c++)
			if (*c >= 'a' && *c <= 'z')
				*c = (char)(*c - 'a' + 'A');
		ms_finding_set(&f->detail, svcname);
		char buf[640];
		snprintf(buf, sizeof buf,
			 "%s logged in over %s from %s, the address of a %s attack (%lld failed SMTP logins on %lld "
			 "account%s before it%s).",
			 acc, svcname, ip, ms_ftype_name(atype), (long long)nfail, (long long)naccts,
			 naccts == 1 ? "" : "s",
			 on_acc ? ", this one among them: the attacker found its password" : "");
		ms_finding_set(&f->explanation, buf);
		snprintf(buf, sizeof buf,
			 "Treat %s as compromised: change its password now, end its IMAP/POP sessions, check "
			 "its forwarding and filter rules and what was read or deleted, and block %s.",
			 acc, ip);
		ms_finding_set(&f->action, buf);
		ms_finding_note(f, -1, -1, (const char *)sqlite3_column_text(st, 5), sqlite3_column_int64(st, 6));
	}
out:
	sqlite3_finalize(st);
	sqlite3_finalize(before);
	sqlite3_finalize(fails);
	free(done);
	ms_strmap_release(&atk);
	return rc;
}
