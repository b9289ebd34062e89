/* SPDX-License-Identifier: MIT */
/*
 * find_mailbox.c - mailbox_access: an address that attacked SMTP AUTH then
 * logged in to a mailbox over IMAP or POP (a Dovecot "Login:" line).  Bots
 * that guess or buy passwords check them over IMAP as often as over SMTP;
 * SEMANTICS counts only smtpd logins as auth successes, so such a login is
 * no `compromise`, but the attacker can read the mail.  How it is decided:
 * docs/findings.md.
 *
 * One plain scan of the Dovecot logins keeps those of attack addresses,
 * sorted by time (a pair's first login says whether the address was the
 * user's own place); each is judged against the address's auth events,
 * which ms_fdata holds grouped by address.  (A scan joined to five tables
 * and sorted whole cost report --by account a quarter more.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "findings.h"
#include "blocklist.h"

/* every Dovecot "Login:" line with an address and an account, in table
 * order (one plain scan: those of attack addresses are sorted by time below) */
static const char *sql_logins =
	"SELECT ts, ip_id, account_id, source_id, line, service_id, id FROM backend_events"
	" WHERE fail = 0 AND ts IS NOT NULL AND ip_id IS NOT NULL AND account_id IS NOT NULL"
	" AND backend_id = (SELECT id FROM strings WHERE s = 'dovecot')";
static const char *sql_ip_id = "SELECT id FROM ips WHERE ip = ?";
/* what a finding prints: the account, the file, the login service */
static const char *sql_texts = "SELECT (SELECT name FROM accounts WHERE id = ?1), (SELECT path FROM sources WHERE id = ?2),"
			       " (SELECT s FROM strings WHERE id = ?3)";

/* failures on the account again from this long after the login: the
 * address is no attacker that got in (a bot's connections still in flight
 * end within seconds; a phone with an old SMTP password keeps failing) */
#define AFTER_GRACE 300
/* logins of one (address, account) judged at most: then it is the user's */
#define JUDGE_MAX 16

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

/* an (address, account) pair of the logins: 0 open, 1 judged for good; its
 * first login's time; how many of its logins were judged */
typedef struct {
	int state, judged;
	int64_t first;
} pair_st;

typedef struct {
	int nfail, on_acc, others, after, known;
	int64_t first_on, last_on;
} ip_view;

/*
 * What the address's auth events say about account a and a login at t:
 * its failures before t (on a, first and last, and on how many other
 * accounts: mark[] is a scratch array of the accounts, gen its stamp),
 * whether it failed on a from AFTER_GRACE after t up to until, and whether
 * a logged in from there over SMTP before the attack began (afirst).
 */
static void view_ip(const ms_fdata *d, int ip, int a, int64_t t, int64_t afirst, int64_t until, int *mark, int gen,
		    ip_view *v)
{
	memset(v, 0, sizeof *v);
	for (int k = d->ip_start[ip]; k < d->ip_start[ip + 1]; k++) {
		int r = d->by_ip[k];
		if (!(d->flag[r] & MS_EV_TS))
			continue;
		int64_t ts = d->ts[r];
		if (d->kind[r] == 4 && d->acct[r] == a && ts < afirst)
			v->known = 1;
		if (d->kind[r] != 1)
			continue;
		if (ts < t) {
			v->nfail++;
			if (d->acct[r] == a) {
				if (!v->on_acc++ || ts < v->first_on)
					v->first_on = ts;
				if (ts > v->last_on)
					v->last_on = ts;
			} else if (d->acct[r] >= 0 && mark[d->acct[r]] != gen) {
				mark[d->acct[r]] = gen;
				v->others++;
			}
		} else if (d->acct[r] == a && ts > t + AFTER_GRACE && ts < until) {
			v->after = 1;
		}
	}
}

static void set_texts(ms_finding *f, const char *acc, const char *ip, const char *svc, ms_ftype atype,
		      const ip_view *v)
{
	char svcname[32], buf[640];
	snprintf(svcname, sizeof svcname, "%s", svc && *svc ? svc : "imap-login");
	char *dash = strstr(svcname, "-login");
	if (dash)
		*dash = 0;
	for (char *c = svcname; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	ms_finding_set(&f->detail, svcname);
	int naccts = v->others + (v->on_acc > 0);
	snprintf(buf, sizeof buf,
		 "%s logged in over %s from %s, the address of a %s attack (%d failed SMTP logins on %d "
		 "account%s before it%s).",
		 acc, svcname, ip, ms_ftype_name(atype), v->nfail, naccts, naccts == 1 ? "" : "s",
		 v->on_acc ? ", this one among them: the attacker found its password" : "");
	ms_finding_set(&f->explanation, buf);
	snprintf(buf, sizeof buf,
		 "Treat %s as compromised: change its password now, end its IMAP/POP sessions, check its "
		 "forwarding and filter rules and what was read or deleted, and block %s.",
		 acc, ip);
	ms_finding_set(&f->action, buf);
}

/* a login of an attack address */
typedef struct {
	int64_t ts, id, ip_id, acc_id, source_id, line, service_id;
	int atk;                /* its address's attack finding (index in out) */
} login_row;

typedef struct {
	int64_t ip_id;
	int atk;
} ip_atk;

static int cmp_ip_atk(const void *a, const void *b)
{
	int64_t x = ((const ip_atk *)a)->ip_id, y = ((const ip_atk *)b)->ip_id;
	return (x > y) - (x < y);
}

static int cmp_login(const void *a, const void *b)
{
	const login_row *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* the attack addresses' ids, sorted, each with its earliest attack finding */
static int attack_ids(sqlite3 *db, const ms_findings *out, ip_atk **v, int *n, char *err, size_t errlen)
{
	ms_strmap atk;
	sqlite3_stmt *q = NULL;
	int rc = 0;
	size_t cap = 0;
	*v = NULL;
	*n = 0;
	ms_strmap_init(&atk);
	if (attack_map(out, &atk)) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	} else if (atk.n && ms_q_prepare(db, sql_ip_id, &q, err, errlen)) {
		rc = -1;
	}
	for (int i = 0; rc == 0 && atk.n && i < out->n; i++) {
		int64_t k;
		const char *ip = out->v[i].ip;
		if (!ip || !ms_strmap_get(&atk, ip, strlen(ip), &k) || k != i)
			continue; /* not an address's earliest attack */
		sqlite3_bind_text(q, 1, ip, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW) {
			if (ms_reserve((void **)v, (size_t)*n, &cap, sizeof **v)) {
				snprintf(err, errlen, "out of memory");
				rc = -1;
				break;
			}
			(*v)[(*n)++] = (ip_atk){ sqlite3_column_int64(q, 0), i };
		}
		sqlite3_reset(q);
	}
	sqlite3_finalize(q);
	ms_strmap_release(&atk);
	if (rc == 0 && *n > 1)
		qsort(*v, (size_t)*n, sizeof **v, cmp_ip_atk);
	return rc;
}

int ms_find_mailbox(ms_fdata *d, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	sqlite3 *db = d->q->db;
	sqlite3_stmt *st = NULL, *tx = NULL;
	ms_strmap pairs;
	pair_st *ps = NULL;
	ip_atk *aid = NULL;
	login_row *rows = NULL;
	int *mark = NULL, gen = 0, nps = 0, naid = 0, nrows = 0, rc = 0;
	size_t cap = 0, rcap = 0;
	int64_t since = ms_q_since(d->q), until = ms_q_until(d->q);
	if (o->no_compromise) /* the caller keeps neither kind of break-in */
		return 0;
	ms_strmap_init(&pairs);
	if (attack_ids(db, out, &aid, &naid, err, errlen)) { /* the attack findings, found before this */
		rc = -1;
		goto done;
	}
	if (!naid)
		goto done;
	if (ms_q_prepare(db, sql_logins, &st, err, errlen) || ms_q_prepare(db, sql_texts, &tx, err, errlen)) {
		rc = -1;
		goto done;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		ip_atk key = { sqlite3_column_int64(st, 1), 0 };
		const ip_atk *hit = bsearch(&key, aid, (size_t)naid, sizeof *aid, cmp_ip_atk);
		if (!hit)
			continue;
		if (ms_reserve((void **)&rows, (size_t)nrows, &rcap, sizeof *rows))
			goto oom;
		rows[nrows++] = (login_row){ sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 6), key.ip_id,
					     sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
					     sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5), hit->atk };
	}
	if (nrows > 1)
		qsort(rows, (size_t)nrows, sizeof *rows, cmp_login);
	if (nrows && !(mark = calloc((size_t)(d->accts.n > 0 ? d->accts.n : 1), sizeof *mark)))
		goto oom;
	for (int r = 0; r < nrows; r++) {
		const login_row *lr = &rows[r];
		int64_t ts = lr->ts, pi;
		char key[48];
		int kn = snprintf(key, sizeof key, "%lld:%lld", (long long)lr->ip_id, (long long)lr->acc_id);
		if (!ms_strmap_get(&pairs, key, (size_t)kn, &pi)) {
			/* the pair's first login (the rows are in time order) */
			if (ms_reserve((void **)&ps, (size_t)nps, &cap, sizeof *ps))
				goto oom;
			pi = nps++;
			ps[pi] = (pair_st){ 0, 0, ts };
			if (ms_strmap_put(&pairs, key, (size_t)kn, pi))
				goto oom;
		}
		pair_st *p = &ps[pi];
		/* out->v moves when a finding is added: copies (its strings stay) */
		ms_ftype atype = out->v[lr->atk].type;
		int64_t afirst = out->v[lr->atk].first;
		const char *ip = out->v[lr->atk].ip;
		if (p->state || ts < since || ts >= until || ts < afirst)
			continue;
		/* the user's own place: a login from there before the attack began */
		if (p->first < afirst || ms_block_is_local(ip) || ++p->judged > JUDGE_MAX) {
			p->state = 1;
			continue;
		}
		int ipx = ms_fkeys_index(&d->ips, lr->ip_id);
		int ax = ms_fkeys_index(&d->accts, lr->acc_id);
		if (ipx < 0)
			continue; /* no auth event of the address */
		if (ax < 0)
			ax = -2; /* no auth event names the account: none is on it (-1 is an unnamed one) */
		ip_view v;
		view_ip(d, ipx, ax, ts, afirst, until, mark, ++gen, &v);
		if (v.known) {
			p->state = 1;
			continue;
		}
		/* an attacker's login, not a device of the user's with an old SMTP
		 * password beside the right IMAP one (it fails now and then, before
		 * and after its logins, on that one account): the address guessed
		 * at 2 or more other accounts, or ran guesses at this one (3 or
		 * more, under a minute apart on average) and stopped once in */
		int multi = v.others >= 2;
		int run = v.on_acc >= 3 && v.last_on - v.first_on < 60 * (int64_t)(v.on_acc - 1) && !v.after;
		if (!multi && !run)
			continue; /* a later login may be judged */
		p->state = 1;
		sqlite3_bind_int64(tx, 1, lr->acc_id);
		sqlite3_bind_int64(tx, 2, lr->source_id);
		sqlite3_bind_int64(tx, 3, lr->service_id);
		if (sqlite3_step(tx) != SQLITE_ROW || sqlite3_column_type(tx, 0) == SQLITE_NULL) {
			sqlite3_reset(tx);
			continue; /* an account id without its row: no name to give */
		}
		ms_finding *f = ms_findings_add(out, MS_F_MAILBOX_ACCESS);
		if (!f) {
			sqlite3_reset(tx);
			goto oom;
		}
		const char *acc = (const char *)sqlite3_column_text(tx, 0);
		ip = out->v[lr->atk].ip;
		f->confidence = MS_CONF_HIGH;
		f->severity = MS_SEV_CRITICAL;
		ms_finding_set(&f->ip, ip);
		ms_finding_set(&f->account, acc);
		f->first = v.on_acc && v.first_on < afirst ? v.first_on : afirst;
		f->last = ts;
		f->failures = v.nfail;
		f->successes = 1;
		f->accounts = v.others + (v.on_acc > 0);
		f->ips = 1;
		set_texts(f, acc, ip, (const char *)sqlite3_column_text(tx, 2), atype, &v);
		ms_finding_note(f, -1, -1, (const char *)sqlite3_column_text(tx, 1), lr->line);
		sqlite3_reset(tx);
	}
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
	rc = -1;
done:
	sqlite3_finalize(st);
	sqlite3_finalize(tx);
	free(ps);
	free(mark);
	free(aid);
	free(rows);
	ms_strmap_release(&pairs);
	return rc;
}
