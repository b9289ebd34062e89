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
#include "blocklist.h"

/*
 * How: every count below is aggregated in C from the auth events loaded
 * once (ms_fdata), per address (their rows grouped) or per account.  Each
 * reproduces the SQL it replaced, kept here in words: that SQL took ~5 s on
 * the 8 M-line database (GROUP BYs with count(DISTINCT), a MATERIALIZED CTE
 * join, a NOT EXISTS per failure, a query per finding).
 *
 * A failure on an account that had already logged in from the same address
 * is that user's own typo (an office behind one NAT address), not an attack:
 * "foreign" failures are the others (unnamed accounts included), judged
 * against the first success of each (address, account) over all time
 * (MS_EV_FOREIGN), even when the range is shorter.
 */

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

/* per address scratch, reused from one address to the next (stamps instead of clearing) */
typedef struct {
	int32_t *seen_f, *seen_e, *seen_ok;     /* per account: the address (+ 1) that counted it last */
	int64_t *cnt;                           /* per account: failures, for ip_accounts() */
	struct acct_count { int64_t n; const char *name; int acct; } *top;
	int64_t *sess;                          /* sessions of one address's foreign failures */
	ms_fev ev[MS_F_EVIDENCE_MAX + 1];       /* its first foreign failures in the range */
	int nev;
} ip_scratch;

static void scratch_free(ip_scratch *sc)
{
	free(sc->seen_f);
	free(sc->seen_e);
	free(sc->seen_ok);
	free(sc->cnt);
	free(sc->top);
	free(sc->sess);
}

/* The advice to block ip; for the server's own or a private address (webmail
 * through 127.0.0.1, a LAN host) or one its users log in from (shared), to
 * find the client behind it: blocking it would lock the users out
 * (mailsleuth blocklist leaves the first kind out).  *keep: not to block. */
static const char *block_advice(const char *ip, int shared, char *buf, size_t cap, int *keep)
{
	*keep = 1;
	if (ms_block_is_local(ip))
		snprintf(buf, cap,
			 "Do not block %s, the server's own or a private address (its webmail, a LAN host): find "
			 "the client behind it in that service's log and stop it there", ip);
	else if (shared)
		snprintf(buf, cap,
			 "Do not block %s before checking it: your users log in from it (an office, a carrier's "
			 "NAT); find out who failed there", ip);
	else {
		*keep = 0;
		snprintf(buf, cap, "Block %s (mailsleuth blocklist)", ip);
	}
	return buf;
}

static int scratch_init(ip_scratch *sc, const ms_fdata *d)
{
	size_t na = (size_t)(d->accts.n ? d->accts.n : 1), nr = (size_t)(d->ip_max_rows ? d->ip_max_rows : 1);
	memset(sc, 0, sizeof *sc);
	sc->seen_f = calloc(na, sizeof *sc->seen_f);
	sc->seen_e = calloc(na, sizeof *sc->seen_e);
	sc->seen_ok = calloc(na, sizeof *sc->seen_ok);
	sc->cnt = calloc(na, sizeof *sc->cnt);
	sc->top = malloc(na * sizeof *sc->top);
	sc->sess = malloc(nr * sizeof *sc->sess);
	if (sc->seen_f && sc->seen_e && sc->seen_ok && sc->cnt && sc->top && sc->sess)
		return 0;
	scratch_free(sc);
	return -1;
}

/*
 * One address's columns, as the GROUP BY ip_id over the range's failures
 * and successes gave them: foreign failures (and their first and last time,
 * distinct accounts, unnamed ones, distinct nonexistent accounts, distinct
 * sessions: ip_sessions()), successes and distinct accounts that logged in.
 */
typedef struct {
	int64_t fl, ok, nacct, unk, nenum, ff, lf, nsess, okacct;
	int64_t fl_known;       /* failures (in the range) of accounts that had logged in from it before */
	int ok_a;               /* an account that logged in from it (the last seen) */
} ip_stats;

static void ip_stats_of(const ms_fdata *d, ip_scratch *sc, int k, ip_stats *s)
{
	const int32_t *rows = d->by_ip + d->ip_start[k];
	int nr = d->ip_start[k + 1] - d->ip_start[k], stamp = k + 1;
	memset(s, 0, sizeof *s);
	for (int i = 0; i < nr; i++) {
		int r = rows[i], a = d->acct[r];
		uint8_t fl = d->flag[r];
		if (!(fl & MS_EV_IN))
			continue;
		if (d->kind[r] == 4) {
			s->ok++;
			if (a >= 0 && sc->seen_ok[a] != stamp) {
				sc->seen_ok[a] = stamp;
				s->okacct++;
				s->ok_a = a;
			}
			continue;
		}
		if (d->kind[r] == 1 && !(fl & MS_EV_FOREIGN))
			s->fl_known++;
		if (d->kind[r] != 1 || !(fl & MS_EV_FOREIGN))
			continue;
		if (s->fl == 0 || d->ts[r] < s->ff)
			s->ff = d->ts[r];
		if (s->fl == 0 || d->ts[r] > s->lf)
			s->lf = d->ts[r];
		s->fl++;
		if (a < 0) {
			s->unk++;
		} else {
			if (sc->seen_f[a] != stamp) {
				sc->seen_f[a] = stamp;
				s->nacct++;
			}
			if ((fl & MS_EV_UNKNOWN) && sc->seen_e[a] != stamp) {
				sc->seen_e[a] = stamp;
				s->nenum++;
			}
		}
	}
}

/* the distinct sessions of an address's foreign failures in the range (only for addresses reported) */
static int64_t ip_sessions(const ms_fdata *d, ip_scratch *sc, int k)
{
	const int32_t *rows = d->by_ip + d->ip_start[k];
	int nr = d->ip_start[k + 1] - d->ip_start[k], ns = 0;
	const uint8_t want = MS_EV_IN | MS_EV_FOREIGN | MS_EV_SESS;
	for (int i = 0; i < nr; i++)
		if (d->kind[rows[i]] == 1 && (d->flag[rows[i]] & want) == want)
			sc->sess[ns++] = d->sess[rows[i]];
	return ms_count_distinct(sc->sess, ns);
}

static int cmp_acct_count(const void *a, const void *b)
{
	const struct acct_count *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

/*
 * "a, b, c" of the top failed accounts of one address; returns how many.
 * All its failures in the range on accounts the accounts table names (not
 * only the foreign ones), or only nonexistent ones: by failures descending,
 * then name, at most five.
 */
static int ip_accounts(const ms_fdata *d, ip_scratch *sc, int k, int only_unknown, char *buf, size_t cap)
{
	const int32_t *rows = d->by_ip + d->ip_start[k];
	int nr = d->ip_start[k + 1] - d->ip_start[k], nt = 0;
	const char *names[5];
	for (int i = 0; i < nr; i++) {
		int r = rows[i], a = d->acct[r];
		if (d->kind[r] == 1 && (d->flag[r] & MS_EV_IN) && a >= 0 && d->acct_known[a] &&
		    (!only_unknown || (d->flag[r] & MS_EV_UNKNOWN)) && sc->cnt[a]++ == 0)
			sc->top[nt++].acct = a;
	}
	for (int j = 0; j < nt; j++) {
		int a = sc->top[j].acct;
		sc->top[j].n = sc->cnt[a];
		sc->top[j].name = d->acct_name[a];
		sc->cnt[a] = 0;
	}
	qsort(sc->top, (size_t)nt, sizeof *sc->top, cmp_acct_count);
	for (int i = 0; i < nt && i < 5; i++)
		names[i] = sc->top[i].name;
	return ms_name_list(names, nt < 5 ? nt : 5, buf, cap);
}

/* evidence of an address: its first foreign failures in the range, by time */
static void ip_evidence(const ms_fdata *d, ip_scratch *sc, int k)
{
	const int32_t *rows = d->by_ip + d->ip_start[k];
	int nr = d->ip_start[k + 1] - d->ip_start[k];
	sc->nev = 0;
	for (int i = 0; i < nr; i++) {
		int r = rows[i];
		if (d->kind[r] == 1 && (d->flag[r] & (MS_EV_FOREIGN | MS_EV_IN)) == (MS_EV_FOREIGN | MS_EV_IN))
			ms_fev_keep(sc->ev, &sc->nev, MS_F_EVIDENCE_MAX + 1, d->ts[r], r, 0);
	}
}

/*
 * A brute force that is one device's retries: a single account failed from
 * the address, that account logged in from it too, most of its
 * logins are from there (the user's own place, not an address it was
 * stolen from), it kept failing there after its first login (3 or more
 * failures), and the failures before and after that login each came a
 * minute or more apart on average (a guesser's run is faster).
 */
static int stale_device(const ms_fdata *d, int k, const ip_stats *s)
{
	if (s->nacct != 1 || s->unk || s->okacct != 1 || s->fl_known < 3)
		return 0;
	int64_t here = 0;
	int login_at = d->ip_start[k + 1]; /* the first login's place: the rows are in log order */
	for (int i = d->ip_start[k]; i < d->ip_start[k + 1]; i++) {
		int r = d->by_ip[i];
		if (d->kind[r] != 4 || d->acct[r] != s->ok_a || !(d->flag[r] & MS_EV_TS))
			continue;
		here += (d->flag[r] & MS_EV_IN) != 0;
		if (i < login_at)
			login_at = i;
	}
	if (2 * here <= d->acct_ok[s->ok_a])
		return 0;
	int64_t n[2] = { 0, 0 }, first[2] = { 0, 0 }, last[2] = { 0, 0 };
	for (int i = d->ip_start[k]; i < d->ip_start[k + 1]; i++) {
		int r = d->by_ip[i];
		if (d->kind[r] != 1 || !(d->flag[r] & MS_EV_IN))
			continue;
		if (d->acct[r] != s->ok_a)
			return 0; /* the failed account is not the one that logs in */
		int p = i > login_at; /* before or after the first login, in log order */
		if (n[p] == 0 || d->ts[r] < first[p])
			first[p] = d->ts[r];
		if (n[p] == 0 || d->ts[r] > last[p])
			last[p] = d->ts[r];
		n[p]++;
	}
	for (int p = 0; p < 2; p++)
		if (n[p] >= 2 && last[p] - first[p] < 60 * (n[p] - 1))
			return 0;
	return n[1] >= 3;
}

/* the findings of one address: brute_force or password_spray, and user_enum */
static int ip_findings(ms_fdata *d, ip_scratch *sc, const ms_find_opts *o, ms_findings *out, int k, const char *ip,
		       const ip_stats *s, char *err, size_t errlen)
{
	char rng[128], accts[512], text[1400], adv[512];
	int keep;
	int64_t fl = s->fl, ok = s->ok, nacct = s->nacct, unk = s->unk, nenum = s->nenum, ff = s->ff, lf = s->lf;
	int64_t nsess = s->nsess, okacct = s->okacct;
	/* an address many accounts log in from (an office, a NAT) with failures it cannot
	 * explain: reported, but with low confidence, and it does not make its logins suspect */
	int shared = okacct >= 3;
	char sharednote[160] = "";
	if (shared)
		snprintf(sharednote, sizeof sharednote,
			 " The address is shared: %lld accounts log in from it successfully.", (long long)okacct);
	ms_finding *f = NULL;
	range_text(rng, sizeof rng, ff, lf);
	ip_evidence(d, sc, k);

	if (nacct >= o->spray_accounts) {
		f = ms_findings_add(out, MS_F_PASSWORD_SPRAY);
		if (!f)
			goto oom;
		f->severity = MS_SEV_HIGH;
		f->confidence = nacct >= 2 * o->spray_accounts ? MS_CONF_HIGH : MS_CONF_MEDIUM;
		ip_accounts(d, sc, k, 0, accts, sizeof accts);
		snprintf(text, sizeof text,
			 "%s tried %lld different accounts (%lld failed logins in %lld session%s) %s; "
			 "most tried: %s.%s",
			 ip, (long long)nacct, (long long)fl, (long long)nsess, nsess == 1 ? "" : "s", rng, accts,
			 sharednote);
		ms_finding_set(&f->explanation, text);
		snprintf(text, sizeof text,
			 "%s. The attacker has a list of your addresses: make sure "
			 "the listed accounts have strong, unique passwords, and limit AUTH attempts "
			 "(smtpd_client_auth_rate_limit, fail2ban postfix-sasl jail).",
			 block_advice(ip, shared, adv, sizeof adv, &keep));
		ms_finding_set(&f->action, text);
	} else if (fl >= o->bf_failures) {
		f = ms_findings_add(out, MS_F_BRUTE_FORCE);
		if (!f)
			goto oom;
		f->severity = fl >= 10 * o->bf_failures ? MS_SEV_HIGH : MS_SEV_MEDIUM;
		f->confidence = MS_CONF_HIGH;
		int na = ip_accounts(d, sc, k, 0, accts, sizeof accts);
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
		block_advice(ip, shared, adv, sizeof adv, &keep);
		snprintf(text, sizeof text, "%s%s; check the targeted account%s for weak passwords.", adv,
			 keep ? "" : " and let fail2ban's postfix-sasl jail or smtpd_client_auth_rate_limit stop the next one",
			 na == 1 ? "" : "s");
		ms_finding_set(&f->action, text);
	}
	if (f && shared) {
		f->severity = MS_SEV_LOW;
		f->confidence = MS_CONF_LOW;
	}
	if (f && f->type == MS_F_BRUTE_FORCE && !shared && stale_device(d, k, s)) {
		/* one account, which also logs in from here, failing minutes
		 * apart before and after its logins: a device with an old saved
		 * password beside one with the right one */
		f->severity = MS_SEV_LOW;
		f->confidence = MS_CONF_LOW;
		snprintf(text, sizeof text, "%s The account also logs in from this address, and its failures, "
			 "minutes apart, go on after its logins: a device with an old saved password is likely.",
			 f->explanation ? f->explanation : "");
		ms_finding_set(&f->explanation, text);
		snprintf(text, sizeof text, "Do not block %s before checking it: ask the owner of %s to update the "
			 "password saved on their devices (a phone, a second mail client).", ip, accts);
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
		if (ms_fdata_evidence(d, f, sc->ev, sc->nev, err, errlen))
			return -1;
	}
	if (nenum >= o->enum_accounts) {
		f = ms_findings_add(out, MS_F_USER_ENUM);
		if (!f)
			goto oom;
		f->severity = MS_SEV_MEDIUM;
		f->confidence = MS_CONF_MEDIUM;
		ip_accounts(d, sc, k, 1, accts, sizeof accts);
		snprintf(text, sizeof text,
			 "%s tried %lld account names that do not exist on this server (for example %s) %s: "
			 "it is guessing which addresses exist.%s", ip, (long long)nenum, accts, rng, sharednote);
		ms_finding_set(&f->explanation, text);
		if (shared) {
			/* an office's address: its users' typos in their names, a
			 * printer's old account, as likely as a guesser */
			f->severity = MS_SEV_LOW;
			f->confidence = MS_CONF_LOW;
		}
		snprintf(text, sizeof text,
			 "%s; make failed logins for unknown and known users look the same to clients "
			 "(they do in Postfix) and do not publish the address list.",
			 block_advice(ip, shared, adv, sizeof adv, &keep));
		ms_finding_set(&f->action, text);
		ms_finding_set(&f->ip, ip);
		f->first = ff;
		f->last = lf;
		f->failures = fl;
		f->sessions = nsess;
		f->accounts = nenum;
		f->ips = 1;
		if (ms_fdata_evidence(d, f, sc->ev, sc->nev, err, errlen))
			return -1;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/*
 * brute_force, password_spray and user_enum, per address (ascending id,
 * as the GROUP BY gave them) with foreign failures in the range; an
 * address the ips table does not have is left out (the SQL joined it).
 */
static int per_ip(ms_fdata *d, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	ip_scratch sc;
	char ip[256];
	int rc = 0;
	if (scratch_init(&sc, d)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int k = 0; rc == 0 && k < d->ips.n; k++) {
		ip_stats s;
		ip_stats_of(d, &sc, k, &s);
		if (s.fl == 0 || (s.nacct < o->spray_accounts && s.fl < o->bf_failures && s.nenum < o->enum_accounts))
			continue;
		int found = ms_fdata_ip_text(d, ms_fkeys_id(&d->ips, k), ip, sizeof ip, err, errlen);
		if (found < 0) {
			rc = -1;
		} else if (found) {
			s.nsess = ip_sessions(d, &sc, k);
			rc = ip_findings(d, &sc, o, out, k, ip, &s, err, errlen);
		}
	}
	scratch_free(&sc);
	return rc;
}

typedef struct {
	unsigned char hmac[32];
	int64_t id, nacct, nip, n, ff, lf, ok, sess;
	int64_t nfacct;         /* accounts it failed on */
	int fi;                 /* index of its finding in out->v (stable, unlike a pointer) */
	int from, to;           /* its attempts: pw[from .. to) of the sorted copy */
	const char *accts[5];   /* the first accounts it was tried on, by time */
	int naccts;
	const char *worked[5];  /* the accounts it logged in to */
	int nworked;
} pw_group;

static int cmp_pw(const void *a, const void *b)
{
	const ms_fpw *x = a, *y = b;
	int c = memcmp(x->hmac, y->hmac, 32);
	return c ? c : (x->row > y->row) - (x->row < y->row);
}

/*
 * The columns of one password's attempts with a named account, as the
 * GROUP BY pw_hmac gave them: first id, distinct accounts, addresses and
 * sessions, attempts, first and last time, successes.  0 when no attempt
 * names an account (the group did not exist).  tmp has room for the group.
 */
static int pw_stats(const ms_fdata *d, const ms_fpw *v, pw_group *g, int64_t *tmp)
{
	int m = 0;
	int64_t unnamed_ok = 0;
	for (int i = g->from; i < g->to; i++) {
		int r = v[i].row;
		if (d->acct[r] < 0) {
			/* a login with this password whose account the log does not
			 * name: the password worked, on an account we cannot list */
			unnamed_ok += d->kind[r] == 4;
			continue;
		}
		if (g->n == 0 || ms_fdata_id(d, r) < g->id)
			g->id = ms_fdata_id(d, r);
		if (g->n == 0 || d->ts[r] < g->ff)
			g->ff = d->ts[r];
		if (g->n == 0 || d->ts[r] > g->lf)
			g->lf = d->ts[r];
		g->n++;
		g->ok += d->kind[r] == 4;
	}
	if (g->n == 0)
		return 0;
	g->ok += unnamed_ok;
	for (int i = g->from; i < g->to; i++)
		if (d->acct[v[i].row] >= 0)
			tmp[m++] = d->acct[v[i].row];
	g->nacct = ms_count_distinct(tmp, m);
	m = 0;
	for (int i = g->from; i < g->to; i++)
		if (d->acct[v[i].row] >= 0 && d->kind[v[i].row] == 1)
			tmp[m++] = d->acct[v[i].row];
	g->nfacct = ms_count_distinct(tmp, m);
	m = 0;
	for (int i = g->from; i < g->to; i++)
		if (d->acct[v[i].row] >= 0 && d->ip[v[i].row] >= 0)
			tmp[m++] = d->ip[v[i].row];
	g->nip = ms_count_distinct(tmp, m);
	m = 0;
	for (int i = g->from; i < g->to; i++)
		if (d->acct[v[i].row] >= 0 && (d->flag[v[i].row] & MS_EV_SESS))
			tmp[m++] = d->sess[v[i].row];
	g->sess = ms_count_distinct(tmp, m);
	return 1;
}

/* the groups of 32-byte passwords tried on enough accounts, ascending by HMAC; -1 out of memory */
static int pw_groups(const ms_fdata *d, const ms_find_opts *o, ms_fpw *v, pw_group **out)
{
	pw_group *g = NULL;
	int ng = 0, cap = 0;
	int64_t *tmp = malloc((size_t)(d->npw ? d->npw : 1) * sizeof *tmp);
	if (!tmp)
		return -1;
	for (int i = 0, j; i < d->npw; i = j) {
		for (j = i + 1; j < d->npw && !memcmp(v[j].hmac, v[i].hmac, 32); j++)
			;
		if (ng == cap) {
			int nc = cap ? cap * 2 : 64;
			pw_group *ngp = realloc(g, (size_t)nc * sizeof *ngp);
			if (!ngp) {
				free(g);
				free(tmp);
				return -1;
			}
			g = ngp;
			cap = nc;
		}
		pw_group *x = &g[ng];
		memset(x, 0, sizeof *x);
		memcpy(x->hmac, v[i].hmac, 32);
		x->from = i;
		x->to = j;
		/* failed on enough accounts: one password that only logged in (an
		 * office's shared mailboxes) is no spray */
		if (pw_stats(d, v, x, tmp) && x->nfacct >= o->spray_hash_accounts)
			ng++;
	}
	free(tmp);
	*out = g;
	return ng;
}

/* names and evidence of one group: its attempts on accounts the table names, by time */
static int pw_notes(ms_fdata *d, const ms_fpw *v, pw_group *x, ms_finding *f, ms_fev *ev, char *err, size_t errlen)
{
	int m = 0;
	for (int i = x->from; i < x->to; i++) {
		int r = v[i].row;
		if (d->acct[r] >= 0 && d->acct_known[d->acct[r]]) {
			ev[m].ts = d->ts[r];
			ev[m++].row = r;
		}
	}
	ms_fev_sort(ev, m);
	for (int i = 0; i < m; i++) {
		const char *name = d->acct_name[d->acct[ev[i].row]];
		if (name)
			ms_name_set_add(x->accts, &x->naccts, 5, name);
		if (f->nev_events >= MS_F_EVIDENCE_MAX) {
			f->evidence_truncated = 1;
			continue;
		}
		if (ms_fdata_note(d, f, ev[i].row, 0, err, errlen))
			return -1;
	}
	return 0;
}

/* the decoded attempts sorted by HMAC into *v (the caller frees it) and their
 * groups into *g: how many, or -1 out of memory */
static int sorted_groups(const ms_fdata *d, const ms_find_opts *o, ms_fpw **v, pw_group **g)
{
	*g = NULL;
	*v = malloc((size_t)(d->npw ? d->npw : 1) * sizeof **v);
	if (!*v)
		return -1;
	if (d->npw)
		memcpy(*v, d->pw, (size_t)d->npw * sizeof **v);
	if (d->npw > 1)
		qsort(*v, (size_t)d->npw, sizeof **v, cmp_pw);
	return pw_groups(d, o, *v, g);
}

/* the accounts a group's password logged in to, by time */
static void pw_worked(const ms_fdata *d, const ms_fpw *v, pw_group *x, ms_fev *ev)
{
	int m = 0;
	for (int i = x->from; i < x->to; i++) {
		int r = v[i].row;
		if (d->kind[r] == 4 && d->acct[r] >= 0 && d->acct_name[d->acct[r]]) {
			ev[m].ts = d->ts[r];
			ev[m++].row = r;
		}
	}
	ms_fev_sort(ev, m);
	for (int i = 0; i < m && x->nworked < 5; i++)
		ms_name_set_add(x->worked, &x->nworked, 5, d->acct_name[d->acct[ev[i].row]]);
}

/*
 * One password (its keyed HMAC; never the password) tried on many accounts:
 * the decoded attempts in the range sorted by HMAC, grouped, then each
 * group's attempts by time for names and evidence.
 */
static int per_password(ms_fdata *d, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	char rng[128], text[2000];
	pw_group *g = NULL;
	ms_fpw *v = NULL;
	ms_fev *ev = malloc((size_t)(d->npw ? d->npw : 1) * sizeof *ev);
	int ng = ev ? sorted_groups(d, o, &v, &g) : -1, rc = -1;
	if (ng < 0) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	for (int i = 0; i < ng; i++) {
		if (!ms_findings_add(out, MS_F_PASSWORD_SPRAY)) {
			snprintf(err, errlen, "out of memory");
			goto done;
		}
		g[i].fi = out->n - 1;
	}
	for (int i = 0; i < ng; i++) {
		pw_group *x = &g[i];
		ms_finding *f = &out->v[x->fi];
		if (pw_notes(d, v, x, f, ev, err, errlen))
			goto done;
		pw_worked(d, v, x, ev);
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
		char worked[600] = "", names[512];
		if (x->nworked) {
			ms_name_list(x->worked, x->nworked, names, sizeof names);
			snprintf(worked, sizeof worked, "; it WORKED, for %s%s", names,
				 x->ok > x->nworked ? " and more" : "");
		} else if (x->ok)
			snprintf(worked, sizeof worked, "; it WORKED at least once");
		int shown = ms_name_list(x->accts, x->naccts, names, sizeof names);
		snprintf(text, sizeof text,
			 "The same password was tried on %lld accounts (%s%s) from %lld address%s %s (decoded from "
			 "TLS-debug AUTH lines; the password itself is not shown)%s.",
			 (long long)x->nacct, names, x->nacct > shown ? ", ..." : "", (long long)x->nip,
			 x->nip == 1 ? "" : "es", rng, worked);
		ms_finding_set(&f->explanation, text);
		ms_finding_set(&f->action,
			       x->ok ? "Change the password of every account it worked on now, and block the addresses."
				     : "Block the addresses; make sure no account uses this common password.");
	}
	rc = 0;
done:
	free(g);
	free(v);
	free(ev);
	return rc;
}

/*
 * For login row r of account U in a group: the failures of the password on
 * accounts other than U, distinct accounts (tmp has room for the group) and
 * the first of them.  A password that only logged in (an office's shared
 * mailboxes) or failed on U alone is no spray against U.
 */
static int64_t failed_elsewhere(const ms_fdata *d, const ms_fpw *v, const pw_group *g, int u, int64_t *tmp,
				int64_t *first)
{
	int m = 0;
	for (int k = g->from; k < g->to; k++) {
		int r = v[k].row;
		if (d->kind[r] != 1 || d->acct[r] < 0 || d->acct[r] == u || !(d->flag[r] & MS_EV_TS))
			continue;
		if (m == 0 || d->ts[r] < *first)
			*first = d->ts[r];
		tmp[m++] = d->acct[r];
	}
	return ms_count_distinct(tmp, m);
}

int ms_find_sprayed_logins(const ms_fdata *d, const ms_find_opts *o, ms_strmap *out)
{
	pw_group *g = NULL;
	ms_fpw *v = NULL;
	int64_t *tmp = malloc((size_t)(d->npw ? d->npw : 1) * sizeof *tmp);
	int ng = tmp ? sorted_groups(d, o, &v, &g) : -1, rc = ng < 0 ? -1 : 0;
	for (int i = 0; rc == 0 && i < ng; i++) {
		for (int k = g[i].from; rc == 0 && k < g[i].to; k++) {
			int r = v[k].row;
			int32_t key[2] = { d->acct[r], d->ip[r] };
			int64_t ff = 0, seen;
			if (d->kind[r] != 4 || key[0] < 0 || key[1] < 0 || !(d->flag[r] & MS_EV_TS) ||
			    failed_elsewhere(d, v, &g[i], key[0], tmp, &ff) < o->spray_hash_accounts || d->ts[r] < ff)
				continue;
			if (!ms_strmap_get(out, (const char *)key, sizeof key, &seen) || ff < seen)
				rc = ms_strmap_put(out, (const char *)key, sizeof key, ff);
		}
	}
	free(tmp);
	free(g);
	free(v);
	return rc;
}

typedef struct {
	int64_t acct_id, nip, n, ff, lf, sess;
	int64_t unknown;        /* of them, failures the server said were for no such user */
	int acct;               /* its index */
	int logged_in;          /* the account logged in at any time: it exists */
	int64_t ngotin;         /* of the addresses, those that logged in after failing (low_ips() 2) */
	const char *name;
} dist_row;

/*
 * The bar for "many addresses": --distributed-ips, raised on a busy server
 * to median + 5 x MAD of the per-account counts (when 20+ accounts see such
 * addresses; median + 1 when the MAD is 0), because background scanning
 * gives every account a few.
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
		qsort(v, (size_t)n, sizeof *v, ms_cmp_i64);
		int64_t med = v[n / 2];
		for (int i = 0; i < n; i++)
			v[i] = v[i] > med ? v[i] - med : med - v[i];
		qsort(v, (size_t)n, sizeof *v, ms_cmp_i64);
		int64_t mad = v[n / 2];
		/* above the median even when most accounts see the same count (MAD 0) */
		int64_t raised = med + (mad ? 5 * mad : 1);
		if (raised > bar)
			bar = raised;
		free(v);
	}
	return bar;
}

/*
 * The distributed attackers: addresses (not NULL) with failures in the
 * range, fewer than max, and no success (1); or with 2 failures or more
 * and successes that all came more than a minute after the first failure,
 * not at a local address (2): the one address of a campaign that got in is
 * still one of it (dist_rows() counts it for an account when its failures
 * there came within the others' campaign, or up to an hour after it).
 */
static uint8_t *low_ips(ms_fdata *d, int max)
{
	uint8_t *low = calloc((size_t)(d->ips.n ? d->ips.n : 1), 1);
	if (!low)
		return NULL;
	for (int k = 0; k < d->ips.n; k++) {
		int64_t nfail = 0, nok = 0, ff = INT64_MAX, fok = INT64_MAX;
		for (int i = d->ip_start[k]; i < d->ip_start[k + 1]; i++) {
			int r = d->by_ip[i];
			if (!(d->flag[r] & MS_EV_IN))
				continue;
			if (d->kind[r] == 1) {
				nfail++;
				if ((d->flag[r] & MS_EV_TS) && d->ts[r] < ff)
					ff = d->ts[r];
			} else if (d->kind[r] == 4) {
				nok++;
				if (!(d->flag[r] & MS_EV_TS))
					fok = INT64_MIN; /* a login of no known time: not after */
				else if (d->ts[r] < fok)
					fok = d->ts[r];
			}
		}
		if (nfail == 0 || nfail >= max)
			continue;
		if (nok == 0) {
			low[k] = 1;
		} else if (ff != INT64_MAX && fok > ff && nfail >= 2 && fok - ff > 60) {
			/* not a user's typo and login a moment later: guesses, then a way in */
			char ip[64], e[64];
			if (ms_fdata_ip_text(d, ms_fkeys_id(&d->ips, k), ip, sizeof ip, e, sizeof e) == 1 &&
			    !ms_block_is_local(ip))
				low[k] = 2;
		}
	}
	return low;
}

/* the failures a distributed attack is made of, grouped by account (in id order within each) */
typedef struct {
	int *start;             /* account a: rows[start[a] .. start[a + 1]) */
	int32_t *rows;
} dist_fails;

static int dist_fails_of(const ms_fdata *d, const uint8_t *low, dist_fails *df)
{
	int na = d->accts.n;
	df->start = calloc((size_t)na + 2, sizeof *df->start);
	df->rows = malloc((size_t)(d->n ? d->n : 1) * sizeof *df->rows);
	if (!df->start || !df->rows)
		return -1;
	/* a failure in the range from a low-rate address on an account the accounts table has */
#define DIST_FAIL(r) (d->kind[r] == 1 && (d->flag[r] & MS_EV_IN) && d->ip[r] >= 0 && low[d->ip[r]] && \
		      d->acct[r] >= 0 && d->acct_known[d->acct[r]])
	for (int r = 0; r < d->n; r++)
		if (DIST_FAIL(r))
			df->start[d->acct[r] + 2]++;
	for (int a = 0; a < na; a++)
		df->start[a + 2] += df->start[a + 1];
	for (int r = 0; r < d->n; r++)
		if (DIST_FAIL(r))
			df->rows[df->start[d->acct[r] + 1]++] = r;
#undef DIST_FAIL
	return 0;
}

/*
 * Per account (ascending id, as the GROUP BY gave them), the columns of
 * its distributed failures: distinct addresses, failures, first and last
 * time, distinct sessions; every account with one such address or more
 * (all of them make the busy-server bar, dist_bar()).  Returns how many,
 * -1 when out of memory.
 */
static int dist_rows(const ms_fdata *d, const uint8_t *low, dist_fails *df, dist_row **out)
{
	int n = 0, cap = 0, rc = -1;
	dist_row *rows = NULL;
	int32_t *stamp = calloc((size_t)(d->ips.n ? d->ips.n : 1), sizeof *stamp);
	int64_t *sess = malloc((size_t)(d->n ? d->n : 1) * sizeof *sess);
	uint8_t *ok = calloc((size_t)(d->accts.n ? d->accts.n : 1), 1);
	if (!stamp || !sess || !ok)
		goto done;
	for (int r = 0; r < d->n; r++)
		if (d->kind[r] == 4 && d->acct[r] >= 0)
			ok[d->acct[r]] = 1;
	for (int a = 0; a < d->accts.n; a++) {
		dist_row x = { .acct = a, .acct_id = ms_fkeys_id(&d->accts, a) };
		int ns = 0;
		/* the addresses that never logged in first; then those that got
		 * in after failing, from the first of their failures on */
		int64_t ff1 = INT64_MAX, lf1 = INT64_MIN;
		for (int i = df->start[a]; i < df->start[a + 1]; i++) {
			int r = df->rows[i];
			if (low[d->ip[r]] == 1 && d->ts[r] < ff1)
				ff1 = d->ts[r];
			if (low[d->ip[r]] == 1 && d->ts[r] > lf1)
				lf1 = d->ts[r];
		}
		for (int i = df->start[a]; i < df->start[a + 1]; i++) {
			int r = df->rows[i];
			if (low[d->ip[r]] == 2 && (ff1 == INT64_MAX || d->ts[r] < ff1 || d->ts[r] > lf1 + 3600)) {
				df->rows[i] = -1; /* no part in a campaign (nor in its evidence) */
				continue;
			}
			if (stamp[d->ip[r]] != a + 1) {
				stamp[d->ip[r]] = a + 1;
				x.nip++;
				x.ngotin += low[d->ip[r]] == 2;
			}
			if (x.n == 0 || d->ts[r] < x.ff)
				x.ff = d->ts[r];
			if (x.n == 0 || d->ts[r] > x.lf)
				x.lf = d->ts[r];
			x.n++;
			x.unknown += (d->flag[r] & MS_EV_UNKNOWN) != 0;
			if (d->flag[r] & MS_EV_SESS)
				sess[ns++] = d->sess[r];
		}
		if (x.nip < 1)
			continue;
		x.logged_in = ok[a];
		x.sess = ms_count_distinct(sess, ns);
		x.name = d->acct_name[a] ? d->acct_name[a] : "";
		if (n == cap) {
			int nc = cap ? cap * 2 : 256;
			dist_row *nr = realloc(rows, (size_t)nc * sizeof *nr);
			if (!nr)
				goto done;
			rows = nr;
			cap = nc;
		}
		rows[n++] = x;
	}
	rc = n;
done:
	free(stamp);
	free(sess);
	free(ok);
	if (rc < 0)
		free(rows);
	else
		*out = rows;
	return rc;
}

/* evidence of a distributed finding: the account's failures from the low-rate addresses, by time */
static int dist_evidence(ms_fdata *d, ms_finding *f, const dist_fails *df, int a, ms_fev *ev, char *err,
			 size_t errlen)
{
	int m = 0;
	for (int i = df->start[a]; i < df->start[a + 1]; i++) {
		if (df->rows[i] < 0)
			continue; /* left out by dist_rows() */
		ev[m].ts = d->ts[df->rows[i]];
		ev[m++].row = df->rows[i];
	}
	ms_fev_sort(ev, m);
	for (int i = 0; i < m; i++) {
		if (f->nev_events >= MS_F_EVIDENCE_MAX) {
			f->evidence_truncated = 1;
			break;
		}
		if (ms_fdata_note(d, f, ev[i].row, 0, err, errlen))
			return -1;
	}
	return 0;
}

static int dist_finding(ms_fdata *d, const ms_find_opts *o, ms_findings *out, const dist_row *r, int64_t bar,
			const dist_fails *df, ms_fev *ev, char *err, size_t errlen)
{
	char rng[128], text[1400];
	ms_finding *f = ms_findings_add(out, MS_F_DISTRIBUTED);
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	range_text(rng, sizeof rng, r->ff, r->lf);
	/* an account the server says does not exist, which never logged in:
	 * there is nothing to break into (the addresses guess names) */
	int nonexistent = r->unknown * 10 >= r->n * 9 && r->unknown > 0 && !r->logged_in; /* 9 in 10 said so */
	f->severity = nonexistent ? MS_SEV_LOW : r->nip >= 4 * bar ? MS_SEV_HIGH : MS_SEV_MEDIUM;
	f->confidence = r->nip >= 2 * bar ? MS_CONF_HIGH : MS_CONF_MEDIUM;
	ms_finding_set(&f->account, r->name);
	f->first = r->ff;
	f->last = r->lf;
	f->failures = r->n;
	f->sessions = r->sess;
	f->accounts = 1;
	f->ips = r->nip;
	char got[160] = "";
	if (r->ngotin)
		snprintf(got, sizeof got, " (but %lld, which logged in after failing)", (long long)r->ngotin);
	snprintf(text, sizeof text,
		 "%s was attacked from %lld addresses that each failed fewer than %d times and never "
		 "logged in%s (%lld failed logins in all) %s: a distributed attack that per-address limits "
		 "such as fail2ban do not stop.", r->name, (long long)r->nip, o->dist_ip_max, got, (long long)r->n,
		 rng);
	if (bar > o->dist_ips) {
		size_t l = strlen(text);
		snprintf(text + l, sizeof text - l,
			 " (On this server an account typically sees such addresses; the bar was %lld.)",
			 (long long)bar);
	}
	if (nonexistent) {
		size_t l = strlen(text);
		snprintf(text + l, sizeof text - l, " The server says %s does not exist, and it never logged in.",
			 r->name);
	}
	ms_finding_set(&f->explanation, text);
	if (nonexistent)
		snprintf(text, sizeof text,
			 "Nothing to protect on %s (no such account): the addresses are guessing names. Make "
			 "sure no account is created under that name, and limit AUTH attempts per client "
			 "(smtpd_client_auth_rate_limit).", r->name);
	else
		snprintf(text, sizeof text,
			 "Give %s a strong, unique password (or disable SMTP AUTH for it if it does not send "
			 "mail); consider per-account limits or two-factor/app passwords; blocking single "
			 "addresses will not help much.", r->name);
	ms_finding_set(&f->action, text);
	return dist_evidence(d, f, df, r->acct, ev, err, errlen);
}

/* many addresses, each below the per-address threshold and never logging in, on one account */
static int per_account(ms_fdata *d, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	dist_fails df = { 0 };
	dist_row *rows = NULL;
	int n = -1, rc = -1;
	uint8_t *low = low_ips(d, o->dist_ip_max);
	ms_fev *ev = malloc((size_t)(d->n ? d->n : 1) * sizeof *ev);
	if (low && ev && dist_fails_of(d, low, &df) == 0)
		n = dist_rows(d, low, &df, &rows);
	if (n < 0) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	int64_t bar = dist_bar(rows, n, o->dist_ips);
	rc = 0;
	for (int i = 0; rc == 0 && i < n; i++)
		if (rows[i].nip >= bar)
			rc = dist_finding(d, o, out, &rows[i], bar, &df, ev, err, errlen);
done:
	free(low);
	free(ev);
	free(df.start);
	free(df.rows);
	free(rows);
	return rc;
}

int ms_find_attacks(ms_fdata *d, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	if (per_ip(d, o, out, err, errlen) || per_password(d, o, out, err, errlen) ||
	    per_account(d, o, out, err, errlen))
		return -1;
	return 0;
}
