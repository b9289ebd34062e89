/* SPDX-License-Identifier: MIT */
/*
 * find_compromise.c - successful logins that should not have happened.
 *
 * SEMANTICS: a compromise is a successful login for account U from IP X
 * after at least one failure from X (on U, on an unnamed account, or on
 * others), or after X took part in an attack (an IP-level
 * brute_force / password_spray / user_enum finding, a failure on an
 * account under distributed attack, or a login with a password that
 * password_spray saw tried on other accounts: a login before the attack
 * began is no sign of it).  One finding per (U, X): the first such
 * success (at or after X's first failure that counts against U: another
 * user's own typo from a shared address does not), or a later one (assess()).
 * Confidence, in this order (docs/findings.md):
 *   high    X has an attack finding of its own, or the password was sprayed;
 *   high    >= high_failures failures on U came from X before the login
 *           (medium at a known or shared location with no other account's);
 *   low     U had logged in from X before X's first failure that counts
 *           against U (a known location);
 *   high    X failed on an account under distributed attack, or
 *           >= high_failures failures from X, or X failed on 2+ other accounts;
 *   low     at most 2 failures before it, all on U or unnamed (a typo), or
 *           only U's at a shared address;
 *   medium  everything else.
 * Blast radius: messages (and their recipients) submitted by U from the
 * login on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "findings.h"
#include "blocklist.h"
#include "../util/strmap.h"

/*
 * How: from the auth events loaded once (ms_fdata), each (U, X) pair's
 * counts come from a pass over X's rows; the queries per pair this replaces
 * (first failure, first success after it, the failures before with a NOT
 * EXISTS per row, history, successes, evidence) took 1.4 s on the 8 M-line
 * database.  The blast radius is one query over messages for all findings:
 * through the account index when the findings' accounts are few, else a
 * sequential scan, filtered in C (a table lookup per message of most
 * accounts is 5-10x slower than reading the table).
 */
static const char *sql_blast_index =
	"SELECT account_id, ts, nrcpt FROM messages WHERE account_id IN (SELECT value FROM json_each(?1))"
	" AND ts >= ?2 AND ts < ?3";
static const char *sql_blast_scan = "SELECT account_id, ts, nrcpt FROM messages";

/* a successful (account, address) pair in the range: the SQL joined both tables */
typedef struct {
	int acct, ip;
	int64_t first;          /* its first success in the range */
	const char *name;       /* the account's */
	char *ip_text;
} pair;

/* a compromise found, waiting for its blast radius before it is put in words */
typedef struct {
	int fi;                 /* its finding in out->v */
	int pi;                 /* its pair */
	int acct, ip;
	int64_t acct_id, login, on_u, unnamed, others, history;
	int login_at;           /* the login's place in by_ip */
	const char *attack;
	int target;
	int sprayed;            /* the login's password was sprayed */
	int shared;             /* 3 other accounts had logged in from X before the login */
	int own;                /* X is U's own place or shared, and no other account failed there */
	int habit;              /* U logged in from X again after later runs of its own failures there */
} pending;

typedef struct {
	ms_fdata *d;
	const ms_find_opts *o;
	ms_findings *out;
	const ms_strmap *attackers;
	const ms_strmap *attack_first; /* X -> the first event of X's attack findings */
	const ms_strmap *sprayed;      /* ms_find_sprayed_logins() */
	uint8_t *is_target;     /* per account index: under distributed attack */
	int ntargets;
	int32_t *stamp;         /* per account: the pair (+ 1) that counted it last */
	int32_t *ostamp;        /* per account: the stamp of mark_typos()'s address (o_login, o_before valid), or of failures_before()'s recent count */
	int64_t *target_first;  /* per account under distributed attack: the attack's first failure */
	int64_t *o_login;       /* the place of its first login from the address */
	int32_t *o_before;      /* its failures from the address before that login */
	uint8_t *typo;          /* per auth event row: 1 a failure that is its user's own typo (mark_typos()),
				 * 2 a login of an account that came in like credential stuffing (mark_stuffed()),
				 * 4 a failure of an account that keeps failing there (mark_persistent()) */
	int64_t *o_ff;          /* per account: its first failure from the address before its first login */
	int32_t *o_susp;        /* per account: the stamp of the address where its first login looked stuffed */
	int32_t *o_fl;          /* per account: its entry in mark_typos()'s first logins of the address */
	int64_t *first_any;     /* per account: the time of its first login from any address */
	int32_t *pf_stamp;      /* per account: mark_persistent()'s stamp for the three below; also
				 * mark_typos()'s, for the accounts that failed and never got in (stamps are unique) */
	int64_t *pf_first, *pf_last, *pf_n; /* its failures from the address: first and last time, how many */
	int32_t *fails;         /* room for one address's failures that are no typo (rows) */
	int32_t *rc_n;          /* per account: its failures counted by failures_before() or mark_stuffed() */
	int64_t *crack_t;       /* per address: when its burst of guessed-then-logged-in accounts began, or INT64_MAX */
	int64_t *sess;          /* room for the sessions of one address's rows */
	int nstamp;             /* the last stamp given */
	int ff_at;              /* the pair being judged: X's first failure counting against U (-1 none) */
	int trust_at;           /* U's logins from X before this place were the user's (a later run; -1 none) */
	pending *pend;
	int npend, cappend;
	char *err;
	size_t errlen;
} cctx;

static const char *attack_of(const ms_strmap *attackers, const char *ip)
{
	int64_t t;
	return ms_strmap_get(attackers, ip, strlen(ip), &t) ? ms_ftype_name((ms_ftype)t) : NULL;
}

/*
 * For each row r of address k, in log order (ms_fdata_load()): its place
 * `at` in by_ip is the order of the address's lines, so "before" is a
 * smaller at (SEMANTICS: a login after a failure; lines of the same second
 * keep the order syslog wrote them in).  Rows with no time come last.
 */
#define ROWS_OF(d, k) for (int at = (d)->ip_start[k], r; at < (d)->ip_start[(k) + 1] && (r = (d)->by_ip[at], 1); at++)

/* did X fail on an account under distributed attack (a foreign failure)?
 * *first: the first such failure */
static int failed_on_target(const cctx *c, int ip, int64_t *first)
{
	const ms_fdata *d = c->d;
	int any = 0;
	if (!c->ntargets)
		return 0;
	ROWS_OF(d, ip) {
		int a = d->acct[r];
		/* a failure before the campaign began is no part in it */
		if (d->kind[r] == 1 && a >= 0 && c->is_target[a] && (d->flag[r] & MS_EV_FOREIGN) &&
		    (d->flag[r] & MS_EV_TS) && d->ts[r] >= c->target_first[a] && (!any || d->ts[r] < *first)) {
			*first = d->ts[r];
			any = 1;
		}
	}
	return any;
}

/*
 * The failures findings.md passes over as their users' own typos: on an
 * account V from X, at most 2 of them before V's first login from X (an
 * office user's mistake, then the right password).  One pass per address
 * over all rows; the flags say it per row.
 */
typedef struct {
	int64_t t;              /* an account's first login from the address */
	int64_t ff;             /* its first failure there before it (failed), else its login */
	int64_t last;           /* its last login from the address */
	const char *domain;     /* its name's domain part ("" when none) */
	int failed;             /* failures on it from the address came before that login */
	int elsewhere;          /* it had logged in from another address before */
} first_login;

static const char *domain_of(const char *name)
{
	const char *at = name ? strrchr(name, '@') : NULL;
	return at ? at + 1 : "";
}

static int cmp_first_login(const void *a, const void *b)
{
	const first_login *x = a, *y = b;
	return (x->t > y->t) - (x->t < y->t);
}

/* how many of the sorted times t[0..n) are in [lo, hi] */
static int count_in(const int64_t *t, int n, int64_t lo, int64_t hi)
{
	return ms_lower_bound_i64(t, n, hi + 1) - ms_lower_bound_i64(t, n, lo);
}

/*
 * A burst of break-ins from one address: within 5 minutes, 3 or more
 * accounts log in there for the first time after failing there, and they
 * are 2 in 3 of all the accounts that first logged in there in those
 * minutes (an office's morning, with a few typos among many clean logins,
 * is no such burst; people arrive minutes apart, a bot's list is tried in
 * seconds), unless they are one domain's users who had logged in nowhere
 * else before and come back half a day later, or whose failures were all
 * there is (no account failed there without logging in: miss[0..nmiss),
 * sorted, are the first failures of the accounts that never logged in
 * there).  Their failures are an attacker's guesses, not typos.  When it
 * began (the first failure of the burst's accounts), INT64_MAX when none.
 */
static int64_t guess_burst(first_login *v, int n, const int64_t *miss, int nmiss)
{
	int64_t began = INT64_MAX;
	if (n < 3)
		return began;
	qsort(v, (size_t)n, sizeof *v, cmp_first_login);
	/* every window of 5 minutes from a first login on, whole */
	for (int lo = 0, hi = 0, nf = 0; lo < n; nf -= v[lo++].failed) {
		if (hi < lo) {
			hi = lo;
			nf = 0;
		}
		while (hi < n && v[hi].t - v[lo].t <= 300)
			nf += v[hi++].failed;
		if (nf < 3 || 3 * nf < 2 * (hi - lo))
			continue;
		/* an office's Monday morning: one domain's users, who come back
		 * (2 or more log in there again half a day later) and had logged
		 * in nowhere else before; a bot's list spans domains, or its
		 * victims have their own places, and coming back does not clear
		 * it then */
		int back = 0, one_domain = 1, elsewhere = 0;
		for (int i = lo; i < hi; i++) {
			back += v[i].failed && v[i].last > v[hi - 1].t + 43200;
			one_domain &= strcasecmp(v[i].domain, v[lo].domain) == 0;
			elsewhere += v[i].failed && v[i].elsewhere;
		}
		/* ... or who do not come back, but whose failures were all theirs:
		 * a list of stolen pairs mostly fails, so as many accounts as the
		 * burst's (or more) fail there in the hour around and never log in
		 * there; with fewer (none: every account that failed got in), they
		 * are an office's typos (a Monday morning, a password change) */
		int64_t from = v[hi - 1].t;
		for (int i = lo; i < hi; i++)
			if (v[i].failed && v[i].ff < from)
				from = v[i].ff;
		if (one_domain && !elsewhere && (back >= 2 || count_in(miss, nmiss, from - 3600, v[hi - 1].t + 3600) < nf))
			continue;
		for (int i = lo; i < hi; i++)
			if (v[i].failed && v[i].ff < began)
				began = v[i].ff;
	}
	return began;
}

/*
 * The failures of accounts that keep failing from address k: 4 or more,
 * over more than an hour (a scanner or printer with an old password, a
 * mail client's dead account).  A stuffing bot tries each account within
 * minutes and moves on (a second pass over its list later is 2 tries, not
 * a steady retry): such failures count against no other account (bit 4 of
 * c->typo).
 */
static void mark_persistent(cctx *c, int k)
{
	const ms_fdata *d = c->d;
	int stamp = ++c->nstamp, any = 0;
	ROWS_OF(d, k) {
		int a = d->acct[r];
		if (d->kind[r] != 1 || a < 0 || !(d->flag[r] & MS_EV_TS))
			continue;
		if (c->pf_stamp[a] != stamp) {
			c->pf_stamp[a] = stamp;
			c->pf_first[a] = c->pf_last[a] = d->ts[r];
			c->pf_n[a] = 0;
		}
		if (d->ts[r] < c->pf_first[a])
			c->pf_first[a] = d->ts[r];
		if (d->ts[r] > c->pf_last[a])
			c->pf_last[a] = d->ts[r];
		any |= ++c->pf_n[a] >= 4 && c->pf_last[a] - c->pf_first[a] > 3600;
	}
	if (!any)
		return;
	ROWS_OF(d, k) {
		int a = d->acct[r];
		if (d->kind[r] == 1 && a >= 0 && c->pf_stamp[a] == stamp && c->pf_n[a] >= 4 &&
		    c->pf_last[a] - c->pf_first[a] > 3600)
			c->typo[r] |= 4;
	}
}

/*
 * Failures on other accounts around a login that make it look like
 * credential stuffing: in the hour before, 3 or more accounts, or 2 tried
 * twice or more each, or 2 tried once each when the address goes on to try
 * 2 or more new accounts in the hour after (a webmail's two misspelt
 * addresses, once each, are not).  n: the accounts before, n2: those tried
 * twice or more, after: the new accounts after (only needed when n is 2
 * and n2 below 2).
 */
static int stuffed_pattern(int64_t n, int64_t n2, int64_t after)
{
	return n >= 3 || n2 >= 2 || (n == 2 && after >= 2);
}

/*
 * The logins of accounts whose first login from address k followed
 * failures there, no typos, on other accounts in the hour before, in
 * credential stuffing's pattern (stuffed_pattern()): such an account is no user
 * "sharing" the address (shared_before()), or a bot's break-ins would make
 * its address look like an office.  Marked with bit 2 of c->typo.  stamp:
 * mark_typos()'s for k (o_login valid).
 */
static void mark_stuffed(cctx *c, int k, int stamp)
{
	const ms_fdata *d = c->d;
	int nf = 0, j = 0, any = 0;
	int32_t *fa = c->fails;
	ROWS_OF(d, k) {
		if (d->kind[r] == 1 && d->acct[r] >= 0 && (d->flag[r] & (MS_EV_TS | MS_EV_FOREIGN)) ==
		    (MS_EV_TS | MS_EV_FOREIGN) && !(c->typo[r] & 5))
			fa[nf++] = at; /* places, in log order: no typos, no persistent failers */
	}
	if (nf < 2)
		return;
	ROWS_OF(d, k) {
		int a = d->acct[r];
		if (d->kind[r] != 4 || a < 0 || c->ostamp[a] != stamp || c->o_login[a] != at)
			continue;
		while (j < nf && fa[j] < at)
			j++;
		/* back over at most 64 failures of the hour before */
		int s2 = ++c->nstamp, n = 0, n2 = 0;
		for (int i = j - 1; i >= 0 && i >= j - 64 && !stuffed_pattern(n, n2, 0); i--) {
			int fr = d->by_ip[fa[i]], b = d->acct[fr];
			if (d->ts[fr] < d->ts[r] - 3600)
				break;
			if (b == a)
				continue;
			if (c->stamp[b] != s2) {
				c->stamp[b] = s2;
				c->rc_n[b] = 0;
				n++;
			}
			n2 += ++c->rc_n[b] == 2;
		}
		/* two single failures before: the hour after decides, as in judge() */
		int after = 0;
		for (int i = j; n == 2 && n2 < 2 && i < nf && after < 2; i++) {
			int fr = d->by_ip[fa[i]], b = d->acct[fr];
			if (d->ts[fr] > d->ts[r] + 3600)
				break;
			if (b != a && c->stamp[b] != s2) {
				c->stamp[b] = s2;
				after++;
			}
		}
		if (stuffed_pattern(n, n2, after)) {
			c->o_susp[a] = stamp;
			any = 1;
		}
	}
	if (!any)
		return;
	ROWS_OF(d, k) {
		int a = d->acct[r];
		if (d->kind[r] == 4 && a >= 0 && c->o_susp[a] == stamp)
			c->typo[r] |= 2;
	}
}

static int mark_typos(cctx *c)
{
	const ms_fdata *d = c->d;
	size_t na = (size_t)(d->accts.n ? d->accts.n : 1);
	c->typo = calloc((size_t)(d->n ? d->n : 1), 1);
	c->o_ff = malloc(na * sizeof *c->o_ff);
	c->o_susp = calloc(na, sizeof *c->o_susp);
	c->o_fl = malloc(na * sizeof *c->o_fl);
	c->rc_n = calloc(na, sizeof *c->rc_n);
	c->first_any = malloc(na * sizeof *c->first_any);
	c->pf_stamp = calloc(na, sizeof *c->pf_stamp);
	c->pf_first = malloc(na * sizeof *c->pf_first);
	c->pf_last = malloc(na * sizeof *c->pf_last);
	c->pf_n = malloc(na * sizeof *c->pf_n);
	c->fails = malloc((size_t)(d->ip_max_rows ? d->ip_max_rows : 1) * sizeof *c->fails);
	c->crack_t = malloc((size_t)(d->ips.n ? d->ips.n : 1) * sizeof *c->crack_t);
	first_login *fl = malloc(na * sizeof *fl);
	int64_t *miss = malloc((size_t)(d->ip_max_rows ? d->ip_max_rows : 1) * sizeof *miss);
	if (!c->typo || !c->o_ff || !c->o_susp || !c->o_fl || !c->rc_n || !c->first_any || !c->pf_stamp || !c->pf_first ||
	    !c->pf_last || !c->pf_n || !c->fails || !c->crack_t || !fl || !miss) {
		free(fl);
		free(miss);
		return -1;
	}
	for (size_t a = 0; a < na; a++)
		c->first_any[a] = INT64_MAX;
	for (int r = 0; r < d->n; r++) {
		int a = d->acct[r];
		if (d->kind[r] != 4 || a < 0 || !(d->flag[r] & MS_EV_TS))
			continue;
		if (d->ts[r] < c->first_any[a])
			c->first_any[a] = d->ts[r];
	}
	for (int k = 0; k < d->ips.n; k++) {
		int stamp = ++c->nstamp, nfl = 0;
		ROWS_OF(d, k) {
			int a = d->acct[r];
			if (d->kind[r] != 4 || a < 0 || !(d->flag[r] & MS_EV_TS) || c->ostamp[a] == stamp)
				continue;
			c->ostamp[a] = stamp; /* the first, in log order */
			c->o_login[a] = at;
			c->o_before[a] = 0;
			c->o_ff[a] = d->ts[r];
		}
		ROWS_OF(d, k) {
			int a = d->acct[r];
			if (d->kind[r] == 1 && a >= 0 && c->ostamp[a] == stamp && (d->flag[r] & MS_EV_TS) &&
			    at < c->o_login[a] && c->o_before[a]++ == 0)
				c->o_ff[a] = d->ts[r];
		}
		/* the accounts' first logins there (the row at o_login: once each) */
		ROWS_OF(d, k) {
			int a = d->acct[r];
			if (d->kind[r] == 4 && a >= 0 && c->ostamp[a] == stamp && c->o_login[a] == at) {
				c->o_fl[a] = nfl; /* its entry, for its last login below */
				fl[nfl++] = (first_login){ .t = d->ts[r], .ff = c->o_ff[a], .last = d->ts[r],
							   .domain = domain_of(d->acct_name[a]),
							   .failed = c->o_before[a] > 0,
							   .elsewhere = c->first_any[a] < d->ts[r] };
			}
		}
		ROWS_OF(d, k) {
			int a = d->acct[r];
			if (d->kind[r] == 4 && a >= 0 && c->ostamp[a] == stamp && (d->flag[r] & MS_EV_TS) &&
			    d->ts[r] > fl[c->o_fl[a]].last)
				fl[c->o_fl[a]].last = d->ts[r];
		}
		/* the accounts that failed there and never logged in there: their first failures */
		int nmiss = 0, ms = ++c->nstamp;
		ROWS_OF(d, k) {
			int a = d->acct[r];
			if (d->kind[r] == 1 && a >= 0 && (d->flag[r] & MS_EV_TS) && c->ostamp[a] != stamp &&
			    c->pf_stamp[a] != ms) {
				c->pf_stamp[a] = ms;
				miss[nmiss++] = d->ts[r];
			}
		}
		if (nmiss > 1)
			qsort(miss, (size_t)nmiss, sizeof *miss, ms_cmp_i64);
		c->crack_t[k] = guess_burst(fl, nfl, miss, nmiss);
		ROWS_OF(d, k) { /* no typos in a burst of guesses */
			int a = d->acct[r];
			if (c->crack_t[k] == INT64_MAX && d->kind[r] == 1 && a >= 0 && c->ostamp[a] == stamp &&
			    (d->flag[r] & MS_EV_TS) && at < c->o_login[a] && c->o_before[a] <= 2)
				c->typo[r] = 1;
		}
		mark_persistent(c, k);
		mark_stuffed(c, k, stamp);
	}
	free(fl);
	free(miss);
	return 0;
}

/* a failure from X that counts against U: on U, on no named account, or
 * foreign on another account (not that user's own typo where it had logged
 * in, nor where it logged in right after, nor an account that keeps failing
 * there: mark_persistent()) */
static int counts_for(const cctx *c, int r, int acct)
{
	const ms_fdata *d = c->d;
	int a = d->acct[r];
	return a < 0 || a == acct || ((d->flag[r] & MS_EV_FOREIGN) && !(c->typo[r] & 5));
}

/* the first failure from X that counts against U, before the end of the range
 * (no start): its place *ff, 0 when none */
static int first_failure(const cctx *c, int acct, int ip, int64_t until, int *ff)
{
	const ms_fdata *d = c->d;
	ROWS_OF(d, ip) {
		if (d->kind[r] == 1 && (d->flag[r] & MS_EV_TS) && d->ts[r] < until && counts_for(c, r, acct)) {
			*ff = at;
			return 1;
		}
	}
	return 0;
}

/* the first failure from X on U (or on no named account) at or after place from, in the range */
static int failure_for_u_after(const ms_fdata *d, int acct, int ip, int from, int *f)
{
	ROWS_OF(d, ip) {
		int a = d->acct[r];
		if (at >= from && d->kind[r] == 1 && (d->flag[r] & MS_EV_TS) && (a < 0 || a == acct)) {
			*f = at;
			return 1;
		}
	}
	return 0;
}

/* the place of X's first row at or after time t (the end of X's rows when none) */
static int first_at(const ms_fdata *d, int ip, int64_t t)
{
	ROWS_OF(d, ip) {
		if (!(d->flag[r] & MS_EV_TS) || d->ts[r] >= t)
			return at;
	}
	return d->ip_start[ip + 1];
}

/* the first success of (U, X) in the range at or after place from: its place *login, 0 when none */
static int first_success_after(const ms_fdata *d, int acct, int ip, int from, int *login)
{
	ROWS_OF(d, ip) {
		if (at >= from && d->kind[r] == 4 && d->acct[r] == acct && (d->flag[r] & MS_EV_IN)) {
			*login = at;
			return 1;
		}
	}
	return 0;
}

/*
 * The failures from X before the login (the place of its line) that count:
 * on U, on no named account, or foreign on another account (an office's own
 * typos behind one NAT address do not make an attacker).  first: the time
 * of the first of them, first_at its place.
 */
typedef struct {
	int64_t nb, on_u, unnamed, others, first, last, sess;
	int64_t others_recent;  /* other accounts among them that failed in the hour before the login
				 * (and do not keep failing there: mark_persistent()) */
	int64_t others_recent2; /* of those, accounts that failed there twice or more in that hour */
	int first_at;
	int rstamp;             /* the stamp (c->ostamp) of the accounts counted in others_recent */
} before;

static int failures_before(cctx *c, int acct, int ip, int from, int login, before *b)
{
	const ms_fdata *d = c->d;
	int ns = 0, stamp = ++c->nstamp, rstamp = ++c->nstamp;
	int64_t recent = d->ts[d->by_ip[login]] - 3600;
	memset(b, 0, sizeof *b);
	b->rstamp = rstamp;
	ROWS_OF(d, ip) {
		int a = d->acct[r];
		if (at >= login)
			break;
		if (at < from || d->kind[r] != 1 || !(d->flag[r] & MS_EV_TS) || !counts_for(c, r, acct))
			continue;
		if (b->nb == 0) {
			b->first = d->ts[r];
			b->first_at = at;
		}
		b->last = d->ts[r];
		b->nb++;
		b->on_u += acct >= 0 && a == acct;
		b->unnamed += a < 0;
		if (a >= 0 && a != acct && c->stamp[a] != stamp) {
			c->stamp[a] = stamp;
			b->others++;
		}
		if (a >= 0 && a != acct && d->ts[r] >= recent && !(c->typo[r] & 4)) {
			if (c->ostamp[a] != rstamp) {
				c->ostamp[a] = rstamp;
				c->rc_n[a] = 0;
				b->others_recent++;
			}
			b->others_recent2 += ++c->rc_n[a] == 2;
		}
		if (d->flag[r] & MS_EV_SESS)
			c->sess[ns++] = d->sess[r];
	}
	b->sess = ms_count_distinct(c->sess, ns);
	return ns; /* c->sess[0, ns): those sessions, for successes_from() */
}

/* other accounts, not yet counted in the failures before the login (their
 * c->ostamp is rstamp), that failed from X in the hour after the login at
 * place login (no typos, no accounts that keep failing there), up to 2 */
static int others_after(cctx *c, int acct, int ip, int login, int rstamp)
{
	const ms_fdata *d = c->d;
	int n = 0;
	int64_t until = d->ts[d->by_ip[login]] + 3600;
	ROWS_OF(d, ip) {
		int a = d->acct[r];
		if (at <= login || n >= 2)
			continue;
		if (!(d->flag[r] & MS_EV_TS) || d->ts[r] > until)
			break;
		if (d->kind[r] == 1 && a >= 0 && a != acct && (d->flag[r] & MS_EV_FOREIGN) && !(c->typo[r] & 5) &&
		    c->ostamp[a] != rstamp) {
			c->ostamp[a] = rstamp;
			n++;
		}
	}
	return n;
}

/* successes of (U, X) at any time before place t */
static int64_t history_before(const ms_fdata *d, int acct, int ip, int t)
{
	int64_t n = 0;
	ROWS_OF(d, ip) {
		n += at < t && d->kind[r] == 4 && d->acct[r] == acct && (d->flag[r] & MS_EV_TS);
	}
	return n;
}

/* how many other accounts logged in from X before place t (a shared address:
 * an office's NAT, a webmail's 127.0.0.1), counted up to 3 */
static int shared_before(cctx *c, int acct, int ip, int t)
{
	const ms_fdata *d = c->d;
	int n = 0, stamp = ++c->nstamp;
	ROWS_OF(d, ip) {
		int a = d->acct[r];
		if (at >= t || n >= 3)
			break;
		if (d->kind[r] == 4 && a >= 0 && a != acct && (d->flag[r] & MS_EV_TS) && !(c->typo[r] & 2) &&
		    c->stamp[a] != stamp) {
			c->stamp[a] = stamp;
			n++;
		}
	}
	return n;
}

/* successes of (U, X) from the login (its place) to the end of the range; *nsess: the
 * distinct sessions of them and of c->sess[0, ns) (the failures' before) */
static int64_t successes_from(cctx *c, int acct, int ip, int login, int64_t until, int ns, int64_t *nsess)
{
	const ms_fdata *d = c->d;
	int64_t n = 0;
	ROWS_OF(d, ip) {
		if (at >= login && d->kind[r] == 4 && d->acct[r] == acct && (d->flag[r] & MS_EV_TS) &&
		    d->ts[r] < until) {
			n++;
			if (d->flag[r] & MS_EV_SESS)
				c->sess[ns++] = d->sess[r];
		}
	}
	*nsess = ms_count_distinct(c->sess, ns);
	return n;
}

static int grow_pending(cctx *c)
{
	int nc = c->cappend ? c->cappend * 2 : 64;
	pending *np = realloc(c->pend, (size_t)nc * sizeof *np);
	if (!np)
		return -1;
	c->pend = np;
	c->cappend = nc;
	return 0;
}

/*
 * Is the pair's login a compromise?  The same decisions as before, in the
 * same order; a finding gets its counts here and its words in
 * put_in_words() once the blast radius is known.
 */
/* what X did besides failing, each with the time it began (none: t = INT64_MAX) */
typedef struct {
	const char *attack;     /* X's own attack finding */
	int64_t attack_t;
	int64_t target_t;       /* X's first failure on an account under distributed attack */
	int64_t spray_t;        /* the login's sprayed password's first failure elsewhere */
} signals;

/* a login judged (its time, and its place): the signals that came before it, its failures and confidence */
typedef struct {
	int64_t login;
	int login_at;
	const char *attack;
	int target, sprayed;
	before b;
	int fsess;
	int64_t history, others;
	int shared, own;
	int retries;            /* its failures came a minute or more apart on average (or were 2 or fewer) */
	ms_confidence conf;
} verdict;

/* the verdict rests on U's own failures alone (no other account's, no attack) */
static int own_only(const verdict *v)
{
	return v->others == 0 && !v->attack && !v->target && !v->sprayed;
}

/* The verdict on U's login from X (the row at place login_at): 0 when it is no compromise. */
static int judge(cctx *c, const pair *p, const signals *sg, int from, int login_at, verdict *v)
{
	const ms_fdata *d = c->d;
	const ms_find_opts *o = c->o;
	int64_t login = d->ts[d->by_ip[login_at]];
	memset(v, 0, sizeof *v);
	v->login = login;
	v->login_at = login_at;
	/* where 3 other users had logged in before (a shared address: an
	 * office's NAT, a webmail's 127.0.0.1; not counting logins that came in
	 * like credential stuffing, and never at an address with a burst of
	 * guesses before the login), or the server's own side */
	int shared = p->acct >= 0 && c->crack_t[p->ip] > login && shared_before(c, p->acct, p->ip, login_at) >= 3;
	int local = ms_block_is_local(p->ip_text);
	/* an attack that began after the login says nothing about it */
	v->attack = sg->attack && sg->attack_t <= login ? sg->attack : NULL;
	/* a failure on an account under distributed attack is a part in it
	 * only from an address of the attack's kind: at a shared or local one
	 * it is a user's own (a webmail user mistyping on the account the
	 * scanners try) */
	v->target = sg->target_t <= login && !shared && !local;
	v->sprayed = sg->spray_t <= login;
	v->fsess = failures_before(c, p->acct, p->ip, from, login_at, &v->b);
	/* SEMANTICS: after a failure from X for U or for an unknown account, or
	 * after X took part in an attack on other accounts.  Failures on other
	 * named accounts alone are no attack at a shared or local address (one
	 * site's typo on localhost, then a webmail user's login): there they
	 * only weigh on the confidence.  Elsewhere, failures on other accounts
	 * in stuffing's pattern (stuffed_pattern(); no typos, no accounts that
	 * keep failing there) and then a login to U where U had not logged in
	 * before are credential stuffing */
	int64_t for_u = p->acct < 0 ? v->b.nb : v->b.on_u + v->b.unnamed; /* an unnamed login may be any */
	int64_t nrec = v->b.others_recent - (p->acct < 0);
	/* 2 accounts tried once each before, as a webmail's misspelt addresses
	 * are: stuffing when the address goes on to try 2 or more other new
	 * accounts within the hour after the login (a bot's list) */
	int stuffing = !shared && !local && nrec >= 2 &&
		       stuffed_pattern(nrec, v->b.others_recent2,
				       nrec == 2 && v->b.others_recent2 < 2
					       ? others_after(c, p->acct, p->ip, login_at, v->b.rstamp)
					       : 0) &&
		       history_before(d, p->acct, p->ip, v->b.first_at) == 0;
	if (for_u == 0 && !v->attack && !v->target && !v->sprayed && !stuffing)
		return 0;
	/* U's logins from X before X's first failure that counts against U make
	 * X a known location, for a later run too (counted from U's login
	 * before it: a login between the runs may have been the attacker's).
	 * For a login naming no account, earlier such logins from X (a phone
	 * that only checks in) count as named ones do. */
	int hist_at = from > 0 && c->ff_at >= 0 ? c->ff_at : v->b.nb ? v->b.first_at : login_at;
	v->history = history_before(d, p->acct, p->ip, hist_at);
	/* docs/findings.md.  An address with an attack finding of its own is an
	 * attacker even where U had logged in before; at such a known location
	 * the weaker signs (one failure on an account under distributed attack,
	 * failures of other users) are the office's own typos behind one
	 * address.  A login naming no account may be any of the accounts X
	 * failed on: one of them is no "other" account, and may be the typo's */
	v->others = p->acct < 0 && v->b.others > 0 ? v->b.others - 1 : v->b.others;
	/* where U had logged in before, or 3 other users had (a shared address),
	 * with failures on no other account: many of them are a stale saved
	 * password (an old phone) or a site's plugin as likely as a guesser */
	v->shared = shared;
	/* a later run after logins whose verdicts rest on U's own failures
	 * (c->trust_at, assess()): X is U's place too when this run's failures
	 * came at a device's pace (a stale password on an old phone failing
	 * since before the log began), enough for medium, not for low */
	int64_t known = v->history;
	/* a device's retries come a minute or more apart on average, a
	 * guesser's run faster */
	v->retries = v->b.nb <= 2 || v->b.last - v->b.first >= 60 * (v->b.nb - 1);
	if (from > 0 && c->trust_at > hist_at && v->retries)
		known = history_before(d, p->acct, p->ip, c->trust_at);
	int own = (known || shared) && v->others == 0 && !v->target;
	/* own place for the advice (not for the confidence): also where
	 * another account had logged in before (a household's PC, a small
	 * office) and the failures are U's own */
	v->own = own || (p->acct >= 0 && own_only(v) && shared_before(c, p->acct, p->ip, login_at) >= 1);
	if (v->attack || v->sprayed)
		v->conf = MS_CONF_HIGH;
	else if (v->b.on_u >= o->high_failures)
		v->conf = own ? MS_CONF_MEDIUM : MS_CONF_HIGH;
	else if (v->history)
		v->conf = MS_CONF_LOW;     /* a known location: the user, most likely */
	else if (v->target || v->b.nb >= o->high_failures || v->others >= 2)
		v->conf = MS_CONF_HIGH;
	else if ((v->b.nb <= 2 || shared) && v->others == 0)
		v->conf = MS_CONF_LOW;     /* a typo, or a new user behind an office's address */
	else
		v->conf = MS_CONF_MEDIUM;
	return 1;
}

/*
 * The first failure from X that is an attacker's guess at another account
 * than U: on no named account, or on an account V that is not one of the
 * typos findings.md passes over (V had logged in from X before, or V's at
 * most 2 failures there came before V's first login from X: an office
 * user's own mistake).  An account the attacker broke into after more
 * guesses counts.  0 when none.
 */
static int other_failure(cctx *c, int acct, int ip, int64_t *t)
{
	const ms_fdata *d = c->d;
	int any = 0;
	ROWS_OF(d, ip) {
		int a = d->acct[r];
		if (d->kind[r] != 1 || !(d->flag[r] & MS_EV_TS) || (acct >= 0 && a == acct))
			continue;
		if (a >= 0 && (!(d->flag[r] & MS_EV_FOREIGN) || (c->typo[r] & 1)))
			continue; /* a typo (a brute force's target keeps failing: it counts) */
		if (!any || d->ts[r] < *t) {
			*t = d->ts[r];
			any = 1;
		}
	}
	return any;
}

/*
 * Is the pair's login a compromise?  The login judged is the first success
 * at or after X's first failure that counts against U; when X took part in
 * an attack only after that login (or without any such failure), also the
 * first success at or after the attack began, and the stronger verdict wins
 * (the earlier on a tie).  A finding gets its counts here and its words in
 * put_in_words() once the blast radius is known.
 */
static int assess(cctx *c, const pair *p, int pi)
{
	const ms_fdata *d = c->d;
	const ms_find_opts *o = c->o;
	int64_t until = ms_q_until(d->q), t = 0, login = 0;
	int ff = 0, login_at = 0;
	char ip[64];
	snprintf(ip, sizeof ip, "%s", p->ip_text);
	signals sg = { .attack = attack_of(c->attackers, ip), .attack_t = INT64_MAX, .target_t = INT64_MAX,
		       .spray_t = INT64_MAX };
	if (sg.attack && !ms_strmap_get(c->attack_first, ip, strlen(ip), &sg.attack_t))
		sg.attack = NULL;
	/* U's own failures, and other users' typos where they logged in, are
	 * no part of the attack's start */
	if (sg.attack && other_failure(c, p->acct, p->ip, &t) && t > sg.attack_t)
		sg.attack_t = t;
	if (!sg.attack)
		sg.attack_t = INT64_MAX;
	if (!sg.attack && c->crack_t[p->ip] != INT64_MAX) {
		/* a burst of accounts guessed at, then logged in to (guess_burst()) */
		sg.attack = "credential stuffing";
		sg.attack_t = c->crack_t[p->ip];
	}
	if (!failed_on_target(c, p->ip, &sg.target_t))
		sg.target_t = INT64_MAX;
	int32_t key[2] = { p->acct, p->ip };
	if (p->acct < 0 || !ms_strmap_get(c->sprayed, (const char *)key, sizeof key, &sg.spray_t))
		sg.spray_t = INT64_MAX;

	verdict v, v2;
	int have = first_failure(c, p->acct, p->ip, until, &ff) && first_success_after(d, p->acct, p->ip, ff, &login_at);
	c->ff_at = have ? ff : -1;
	int ok = have && judge(c, p, &sg, 0, login_at, &v), from_at = 0;
	if (have)
		login = d->ts[d->by_ip[login_at]];
	/* the earliest sign that came after that login (or at all, without one) */
	int64_t later = INT64_MAX;
	if (sg.attack_t < later && (!have || sg.attack_t > login))
		later = sg.attack_t;
	if (sg.target_t < later && (!have || sg.target_t > login))
		later = sg.target_t;
	if (sg.spray_t < later && (!have || sg.spray_t > login))
		later = sg.spray_t;
	int l2;
	if (later != INT64_MAX && first_success_after(d, p->acct, p->ip, first_at(d, p->ip, later), &l2) &&
	    judge(c, p, &sg, 0, l2, &v2) && (!ok || v2.conf > v.conf)) {
		login_at = l2;
		login = v2.login;
		v = v2;
		ok = 1;
	}
	/* a later run of failures on U (or unnamed) from X and the first login
	 * after it: U logged in, then X guessed at U, then got in (the first
	 * login judged alone would pass over it).  Such a run is judged by its
	 * own failures, those since U's login before it, which makes X a known
	 * location: a user's later typos there stay the user's */
	int trust_v = -1; /* the c->trust_at v was judged with */
	int habit = 0;    /* a later run of U's own failures at X, then U's login again */
	c->trust_at = -1;
	for (int from = have ? login_at + 1 : 0, k = 0;
	     have && k < 16 && (!ok || v.conf < MS_CONF_HIGH || (own_only(&v) && !habit)); k++) {
		int f2 = 0, l3;
		if (!failure_for_u_after(d, p->acct, p->ip, from, &f2) || !first_success_after(d, p->acct, p->ip, f2, &l3))
			break;
		/* the logins before this run were the user's when the verdicts on
		 * them rest on U's own failures alone (a typo, an old phone) */
		int trust = ok && own_only(&v);
		c->trust_at = trust ? from : -1;
		if (judge(c, p, &sg, from, l3, &v2)) {
			/* a device keeps failing: a later run of 3 or more, both
			 * runs at a device's pace */
			habit |= trust && own_only(&v2) && v.retries && v2.retries && v2.b.nb >= 3;
			if (!ok || v2.conf > v.conf) {
				login_at = l3;
				login = v2.login;
				from_at = from;
				v = v2;
				ok = 1;
				trust_v = c->trust_at;
			}
		}
		from = l3 + 1;
	}
	if (!ok)
		return 0;
	c->trust_at = trust_v;
	judge(c, p, &sg, from_at, login_at, &v); /* again: failures_before() left c->sess for successes_from() */
	if (p->acct < 0)
		habit = 0;
	if (habit && own_only(&v)) {
		/* ... at the user's own place: most of U's logins are from X
		 * (an address U's account was stolen from is not where U logs in) */
		int64_t here = 0;
		ROWS_OF(d, p->ip) {
			here += d->kind[r] == 4 && d->acct[r] == p->acct && (d->flag[r] & MS_EV_IN);
		}
		habit = 2 * here > d->acct_ok[p->acct];
	}
	if (habit && own_only(&v)) {
		/* U logs in from X, X fails on U again and again, minutes apart,
		 * U logs in again: a device with an old password beside one with
		 * the right one (a stale phone failing since before the log
		 * began), far more likely than a guesser who got in and kept
		 * guessing: low, and X is U's own place */
		v.conf = MS_CONF_LOW;
		v.own = 1;
	}
	if (v.conf == MS_CONF_LOW && !o->include_low)
		return 0;
	const char *attack = v.attack;
	int target = v.target, sprayed = v.sprayed, fsess = v.fsess;
	ms_confidence conf = v.conf;
	before b = v.b;
	int64_t history = v.history;

	ms_finding *f = ms_findings_add(c->out, MS_F_COMPROMISE);
	if (!f || (c->npend == c->cappend && grow_pending(c))) {
		snprintf(c->err, c->errlen, "out of memory");
		return -1;
	}
	char acct[512];
	snprintf(acct, sizeof acct, "%s", p->acct >= 0 && d->acct_name[p->acct] ? d->acct_name[p->acct] : "");
	f->confidence = conf;
	f->severity = conf == MS_CONF_HIGH ? MS_SEV_CRITICAL : conf == MS_CONF_MEDIUM ? MS_SEV_HIGH : MS_SEV_LOW;
	ms_finding_set(&f->ip, ip);
	if (p->acct >= 0)
		ms_finding_set(&f->account, acct);
	f->failures = b.nb;
	f->accounts = (p->acct >= 0) + b.others;
	f->ips = 1;
	f->first = b.nb ? b.first : login;
	int64_t nsess = 0;
	f->successes = successes_from(c, p->acct, p->ip, login_at, until, fsess, &nsess);
	f->sessions = nsess; /* a failure and the login in one session are one session */
	f->last = login;
	c->pend[c->npend++] = (pending){ .fi = c->out->n - 1, .pi = pi, .acct = p->acct, .ip = p->ip,
					 .acct_id = p->acct >= 0 ? ms_fkeys_id(&d->accts, p->acct) : 0, .login = login,
					 .login_at = login_at,
					 .on_u = b.on_u,
					 .unnamed = b.unnamed, .others = b.others, .history = history,
					 .attack = attack, .target = target, .sprayed = sprayed, .shared = v.shared,
					 .own = v.own && !attack && !sprayed, .habit = habit && own_only(&v) };
	return 0;
}

static int cmp_pending_acct(const void *a, const void *b)
{
	const pending *x = *(pending *const *)a, *y = *(pending *const *)b;
	return (x->acct_id > y->acct_id) - (x->acct_id < y->acct_id);
}

/* the first of the findings (sorted by account) on account id, or n */
static int first_of(pending *const *by, int n, int64_t id)
{
	int lo = 0, hi = n;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (by[mid]->acct_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* the findings' accounts as a JSON array, and the earliest login */
static char *blast_ids(pending *const *by, size_t n, int64_t *from, int *naccts)
{
	size_t cap = n * 24 + 8, len = 0;
	char *ids = malloc(cap);
	*from = INT64_MAX;
	*naccts = 0;
	if (!ids)
		return NULL;
	len += (size_t)snprintf(ids, cap, "[");
	for (size_t i = 0; i < n; i++) {
		if (by[i]->login < *from)
			*from = by[i]->login;
		if (i && by[i]->acct_id == by[i - 1]->acct_id)
			continue;
		len += (size_t)snprintf(ids + len, cap - len, "%s%lld", *naccts ? "," : "", (long long)by[i]->acct_id);
		++*naccts;
	}
	snprintf(ids + len, cap - len, "]");
	return ids;
}

/*
 * Messages each finding's account submitted from the login to the end of
 * the range: count(*) and the sum of nrcpt (NULLs left out).
 */
static int blast_radius(cctx *c)
{
	const ms_fdata *d = c->d;
	sqlite3_stmt *st = NULL;
	pending **by = malloc((size_t)c->npend * sizeof *by);
	int64_t from;
	int naccts, rc = SQLITE_NOMEM;
	char *ids = NULL;
	if (!by)
		goto done;
	for (int i = 0; i < c->npend; i++)
		by[i] = &c->pend[i];
	qsort(by, (size_t)c->npend, sizeof *by, cmp_pending_acct);
	if (!(ids = blast_ids(by, (size_t)c->npend, &from, &naccts)))
		goto done;
	/* accounts send alike: the share of accounts is the share of messages to read */
	int scan = naccts * 8 > d->accounts.n;
	int64_t until = ms_q_until(d->q);
	if (ms_q_prepare(d->q->db, scan ? sql_blast_scan : sql_blast_index, &st, c->err, c->errlen)) {
		free(by);
		free(ids);
		return -1;
	}
	if (!scan) {
		sqlite3_bind_text(st, 1, ids, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, from);
		sqlite3_bind_int64(st, 3, until);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_value *a = sqlite3_column_value(st, 0), *t = sqlite3_column_value(st, 1);
		if (sqlite3_value_type(a) == SQLITE_NULL || sqlite3_value_type(t) == SQLITE_NULL)
			continue;
		int64_t acct = sqlite3_value_int64(a), ts = sqlite3_value_int64(t);
		sqlite3_value *n = sqlite3_column_value(st, 2);
		int null_rcpt = sqlite3_value_type(n) == SQLITE_NULL;
		int64_t nrcpt = sqlite3_value_int64(n);
		for (int i = first_of(by, c->npend, acct); i < c->npend && by[i]->acct_id == acct; i++) {
			if (ts < by[i]->login || ts >= until)
				continue;
			ms_finding *f = &c->out->v[by[i]->fi];
			f->messages++;
			if (!null_rcpt)
				f->recipients += nrcpt;
			else
				f->messages_no_rcpt++;
		}
	}
done:
	rc = ms_q_scan_end(d->q->db, st, rc, rc == SQLITE_NOMEM, c->err, c->errlen);
	free(by);
	free(ids);
	return rc;
}

/*
 * Evidence: the first successes of (U, X) in the range (at most 3), then
 * the failures from X at or before the login, latest first.
 */
static int evidence(cctx *c, ms_finding *f, const pending *p)
{
	ms_fdata *d = c->d;
	ms_fev ok[3], fail[MS_F_EVIDENCE_MAX + 1];
	int nok = 0, nfail = 0;
	ROWS_OF(d, p->ip) {
		if (d->kind[r] == 4 && d->acct[r] == p->acct && (d->flag[r] & MS_EV_IN) && at >= p->login_at)
			ms_fev_keep(ok, &nok, 3, d->ts[r], r, 0); /* the login judged first */
		else if (d->kind[r] == 1 && (d->flag[r] & MS_EV_TS) && at < p->login_at && counts_for(c, r, p->acct))
			ms_fev_keep(fail, &nfail, MS_F_EVIDENCE_MAX + 1, d->ts[r], r, 1);
	}
	if (ms_fdata_evidence(d, f, ok, nok, c->err, c->errlen) ||
	    ms_fdata_evidence(d, f, fail, nfail, c->err, c->errlen))
		return -1;
	return 0;
}

static int put_in_words(cctx *c, const pending *p, const pair *pr)
{
	ms_finding *f = &c->out->v[p->fi];
	const char *attack = p->attack;
	char acct[512], ip[64];
	snprintf(acct, sizeof acct, "%s", pr->name ? pr->name : "");
	snprintf(ip, sizeof ip, "%s", pr->ip_text);
	int64_t nb = f->failures, on_u = p->on_u, unnamed = p->unnamed, others = p->others;
	int target = p->target;
	char text[1600], when[40], blast[300], because[400];

	ms_fmt_time(p->login, when, sizeof when);
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
			snprintf(parts + len, sizeof parts - len, "%s%lld on %lld %s account%s", k ? ", " : "",
				 (long long)(nb - on_u - unnamed), (long long)others, pr->name ? "other" : "named",
				 others == 1 ? "" : "s");
		snprintf(because, sizeof because, " after %lld failed login%s from that address (%s)", (long long)nb,
			 nb == 1 ? "" : "s", parts);
	}
	if (attack || target) {
		size_t len = strlen(because);
		snprintf(because + len, sizeof because - len, "%s; the address took part in a %s attack",
			 nb ? "" : " from an attacking address", attack ? attack : "distributed");
	}
	if (p->sprayed) {
		size_t len = strlen(because);
		snprintf(because + len, sizeof because - len,
			 "; the password it logged in with had been tried on other accounts (password_spray)");
	}
	if (f->messages && f->messages_no_rcpt == f->messages)
		snprintf(blast, sizeof blast,
			 " Since then the account submitted %lld message%s (%s recipients are not in the log).",
			 (long long)f->messages, f->messages == 1 ? "" : "s", f->messages == 1 ? "its" : "their");
	else if (f->messages && f->messages_no_rcpt)
		snprintf(blast, sizeof blast,
			 " Since then the account submitted %lld messages: %lld to %lld recipient%s, and %lld whose "
			 "recipients are not in the log.",
			 (long long)f->messages, (long long)(f->messages - f->messages_no_rcpt), (long long)f->recipients,
			 f->recipients == 1 ? "" : "s", (long long)f->messages_no_rcpt);
	else if (f->messages)
		snprintf(blast, sizeof blast, " Since then the account submitted %lld message%s to %lld recipient%s.",
			 (long long)f->messages, f->messages == 1 ? "" : "s", (long long)f->recipients,
			 f->recipients == 1 ? "" : "s");
	else
		snprintf(blast, sizeof blast, " No message submitted by the account since then is in the log.");
	/* the server's own or a private address (webmail through 127.0.0.1, a
	 * LAN host), or one the users log in from: found behind, not blocked */
	int local = ms_block_is_local(ip);
	const char *act = local ? "find the client behind" : p->shared || p->own ? "find out who logged in from" : "block";
	const char *note = local	 ? " (the server's own or a private address: its webmail, a LAN host)"
			   : p->shared ? " (your users log in from it: do not block it before checking)"
			   : p->own    ? " (the account or another one had logged in from it: do not block it before "
					 "checking)"
				       : "";
	/* blocklist: such an address is not one to block unseen */
	f->no_block = local || p->shared || p->own;
	if (!pr->name) {
		/* known only from the disconnect's auth=S/T: the log names no account */
		snprintf(text, sizeof text,
			 "A login whose account the log does not name (auth=S/T of the disconnect line) succeeded "
			 "from %s at %s%s.", ip, when, because);
		ms_finding_set(&f->explanation, text);
		snprintf(text, sizeof text,
			 "Find out which account logged in from %s at %s (the SASL back-end's own log): %s", ip, when,
			 f->confidence == MS_CONF_LOW ? "probably its owner mistyping the password, confirm with them."
						       : local
							 ? "treat it as compromised, change its password and find the client behind "
							   "the address (the server's own or a private one: its webmail, a LAN host)."
							 : "treat it as compromised, change its password and block the address.");
		ms_finding_set(&f->action, text);
		return evidence(c, f, p);
	}
	snprintf(text, sizeof text, "%s logged in from %s at %s%s.%s%s%s", acct, ip, when, because, blast,
		 p->history ? " The account had logged in from this address before." : "",
		 p->habit ? " It logged in from this address again after later runs of failures there: a device "
			    "with an old saved password beside one with the right one is likely." : "");
	ms_finding_set(&f->explanation, text);
	if (f->confidence == MS_CONF_LOW && p->habit)
		snprintf(text, sizeof text,
			 "Probably a device with an old saved password (a phone, a second mail client); ask the owner "
			 "of %s to update it, and confirm that they logged in from %s at %s.", acct, ip, when);
	else if (f->confidence == MS_CONF_LOW)
		snprintf(text, sizeof text,
			 "Probably the user mistyping the password; confirm with the owner of %s that they logged in "
			 "from %s at %s.", acct, ip, when);
	else
		snprintf(text, sizeof text,
			 "Treat %s as compromised: change its password now, end its sessions, check what it sent and "
			 "its forwarding rules, %s %s%s, and check other accounts for the same password.", acct, act, ip,
			 note);
	ms_finding_set(&f->action, text);
	return evidence(c, f, p);
}

static int cmp_pair(const void *a, const void *b)
{
	const pair *x = a, *y = b;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	int k = strcmp(x->name ? x->name : "", y->name ? y->name : "");
	return k ? k : strcmp(x->ip_text, y->ip_text);
}

static void pairs_free(pair *v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i].ip_text);
	free(v);
}

/*
 * The (account, address) pairs with a success in the range, on accounts and
 * addresses their tables have, with their first success there: by that
 * time, account name, address text (the order the findings were made in).
 * Returns how many, -1 on error.
 */
static int success_pairs(cctx *c, pair **out)
{
	ms_fdata *d = c->d;
	pair *v = NULL;
	int n = 0, cap = 0;
	int *idx = malloc((size_t)(d->accts.n ? d->accts.n : 1) * sizeof *idx);
	char ip[256];
	if (!idx)
		goto oom;
	for (int k = 0; k < d->ips.n; k++) {
		int from = n, unnamed = -1;
		ROWS_OF(d, k) {
			int a = d->acct[r];
			if (d->kind[r] != 4 || !(d->flag[r] & MS_EV_IN) || (a >= 0 && !d->acct_known[a]))
				continue;
			if (a < 0 && unnamed >= 0) {
				/* a login the log names no account for (auth=S/T alone): one pair
				 * per address, account -1, for the SEMANTICS' "unknown account" */
				if (d->ts[r] < v[unnamed].first)
					v[unnamed].first = d->ts[r];
				continue;
			}
			if (a >= 0 && c->stamp[a] == -(k + 1)) {
				if (d->ts[r] < v[idx[a]].first)
					v[idx[a]].first = d->ts[r];
				continue;
			}
			if (n == cap) {
				int nc = cap ? cap * 2 : 256;
				pair *nv = realloc(v, (size_t)nc * sizeof *nv);
				if (!nv)
					goto oom;
				v = nv;
				cap = nc;
			}
			if (a < 0) {
				unnamed = n;
				v[n++] = (pair){ .acct = -1, .ip = k, .first = d->ts[r], .name = NULL };
				continue;
			}
			c->stamp[a] = -(k + 1);
			idx[a] = n;
			v[n++] = (pair){ .acct = a, .ip = k, .first = d->ts[r], .name = d->acct_name[a] };
		}
		if (unnamed >= 0 && n - from > 1) {
			/* X's named logins are assessed: they speak for the address */
			v[unnamed] = v[--n];
		}
		if (n == from)
			continue;
		int found = ms_fdata_ip_text(d, ms_fkeys_id(&d->ips, k), ip, sizeof ip, c->err, c->errlen);
		if (found < 0)
			goto fail;
		if (!found) { /* the address is not in the ips table: the JOIN dropped its pairs */
			n = from;
			continue;
		}
		for (int i = from; i < n; i++)
			if (!(v[i].ip_text = strdup(ip)))
				goto oom;
	}
	free(idx);
	if (n > 1)
		qsort(v, (size_t)n, sizeof *v, cmp_pair);
	*out = v;
	return n;
oom:
	snprintf(c->err, c->errlen, "out of memory");
fail:
	free(idx);
	pairs_free(v, n);
	return -1;
}

/* accounts under distributed attack (by name, from the findings so far) */
static int mark_targets(cctx *c, const ms_strmap *targets)
{
	const ms_fdata *d = c->d;
	c->is_target = calloc((size_t)(d->accts.n ? d->accts.n : 1), 1);
	c->target_first = calloc((size_t)(d->accts.n ? d->accts.n : 1), sizeof *c->target_first);
	if (!c->is_target || !c->target_first)
		return -1;
	c->ntargets = (int)targets->n;
	for (int a = 0; targets->n && a < d->accts.n; a++) {
		int64_t v;
		const char *nm = d->acct_name[a];
		c->is_target[a] = d->acct_known[a] && nm && ms_strmap_get(targets, nm, strlen(nm), &v);
		c->target_first[a] = c->is_target[a] ? v : 0;
	}
	return 0;
}

static int run(cctx *c, const ms_strmap *targets)
{
	const ms_fdata *d = c->d;
	pair *pairs = NULL;
	int np = 0, rc = -1;
	size_t na = (size_t)(d->accts.n ? d->accts.n : 1);
	c->stamp = calloc(na, sizeof *c->stamp);
	c->ostamp = calloc(na, sizeof *c->ostamp);
	c->o_login = malloc(na * sizeof *c->o_login);
	c->o_before = malloc(na * sizeof *c->o_before);
	c->sess = malloc((size_t)(d->ip_max_rows ? d->ip_max_rows : 1) * sizeof *c->sess);
	if (!c->stamp || !c->ostamp || !c->o_login || !c->o_before || !c->sess || mark_targets(c, targets)) {
		snprintf(c->err, c->errlen, "out of memory");
		return -1;
	}
	np = success_pairs(c, &pairs);
	if (np < 0)
		return -1;
	if (np && mark_typos(c)) {
		snprintf(c->err, c->errlen, "out of memory");
		goto done;
	}
	for (int i = 0; i < np; i++)
		if (assess(c, &pairs[i], i))
			goto done;
	if (c->npend && blast_radius(c))
		goto done;
	for (int i = 0; i < c->npend; i++)
		if (put_in_words(c, &c->pend[i], &pairs[c->pend[i].pi]))
			goto done;
	rc = 0;
done:
	pairs_free(pairs, np);
	return rc;
}

int ms_find_compromise(ms_fdata *d, const ms_find_opts *o, ms_findings *out, const ms_findings *earlier, char *err,
		       size_t errlen)
{
	ms_strmap targets, attackers, attack_first, sprayed;
	cctx c = { .d = d, .o = o, .out = out, .attackers = &attackers, .attack_first = &attack_first,
		   .sprayed = &sprayed, .err = err, .errlen = errlen };
	int rc = -1;
	ms_strmap_init(&targets);
	ms_strmap_init(&attackers);
	ms_strmap_init(&attack_first);
	ms_strmap_init(&sprayed);
	if (ms_find_sprayed_logins(d, o, &sprayed))
		goto oom;
	int nout = out->n, nall = nout + (earlier ? earlier->n : 0);
	for (int i = 0; i < nall; i++) {
		const ms_finding *a = i < nout ? &out->v[i] : &earlier->v[i - nout];
		/* an account that does not exist (a low distributed finding) can
		 * be no target of a break-in */
		if (a->type == MS_F_DISTRIBUTED && a->account && a->severity > MS_SEV_LOW &&
		    ms_strmap_put(&targets, a->account, strlen(a->account), a->first))
			goto oom;
		/* the first (strongest) IP-level finding names the attack; the
		 * earliest of them says when X's attack began */
		int64_t seen;
		if (a->ip && a->type != MS_F_DISTRIBUTED && a->confidence >= MS_CONF_MEDIUM) {
			size_t n = strlen(a->ip);
			if (!ms_strmap_get(&attackers, a->ip, n, &seen) && ms_strmap_put(&attackers, a->ip, n, a->type))
				goto oom;
			if ((!ms_strmap_get(&attack_first, a->ip, n, &seen) || a->first < seen) &&
			    ms_strmap_put(&attack_first, a->ip, n, a->first))
				goto oom;
		}
	}
	rc = run(&c, &targets);
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
done:
	free(c.is_target);
	free(c.target_first);
	free(c.stamp);
	free(c.ostamp);
	free(c.o_login);
	free(c.o_before);
	free(c.typo);
	free(c.o_ff);
	free(c.o_susp);
	free(c.o_fl);
	free(c.rc_n);
	free(c.first_any);
	free(c.pf_stamp);
	free(c.pf_first);
	free(c.pf_last);
	free(c.pf_n);
	free(c.fails);
	free(c.crack_t);
	free(c.sess);
	free(c.pend);
	ms_strmap_release(&targets);
	ms_strmap_release(&attackers);
	ms_strmap_release(&attack_first);
	ms_strmap_release(&sprayed);
	return rc;
}
