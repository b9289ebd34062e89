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

/* one rule for what is weak: the tokens of --by cipher (q_cipher.c), said in
 * words, every one of them ("TLS 1.0 is deprecated (RFC 8996); RC4 is broken") */
const char *ms_tls_weakness(const char *protocol, const char *cipher, int bits, char *buf, size_t cap)
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
	size_t len = 0;
	if (n <= 0 || !buf || cap == 0)
		return NULL;
	buf[0] = 0;
	for (int k = 0; k < n && k < 8; k++) {
		const char *w = tok[k];
		for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
			if (!strcmp(words[i].tok, tok[k]))
				w = words[i].why;
		int m = snprintf(buf + len, cap - len, "%s%s", k ? "; " : "", w);
		if (m < 0 || (size_t)m >= cap - len)
			break;
		len += (size_t)m;
	}
	return buf;
}

/*
 * How: one sequential scan of sessions feeds both detectors (the SQL it
 * replaced read the table six times, through the start_ts index, 1.7 s on
 * the 8 M-line database): per TLS parameter set the counts, and the few
 * sessions that need more (weak TLS, decoded AUTH) kept for a second look.
 * The range is tested in C; a short range is read through the start_ts
 * index instead (the same rows: nothing done with them depends on their
 * order).
 */
#define SESSION_ROW "count(ms_row(start_ts, tls_id, auth_failures, auth_successes, auth_decoded, id, ip_id," \
	" auth_account_id))"
static const char *sql_sessions = "SELECT " SESSION_ROW " FROM sessions NOT INDEXED";
static const char *sql_sessions_range =
	"SELECT " SESSION_ROW " FROM sessions WHERE start_ts >= ?1 AND start_ts < ?2";
static const char *sql_params = "SELECT id, protocol, cipher, coalesce(bits, 0) FROM tls_params ORDER BY id";
static const char *sql_session_line =
	"SELECT src.path, s.first_line FROM sessions s LEFT JOIN sources src ON src.id = s.source_id WHERE s.id = ?1";

/* a TLS parameter set and its sessions in the range */
typedef struct {
	int64_t id;
	char *proto, *cipher;   /* NULL as in the table */
	int bits;
	char why[256];          /* weakness, "" when fine */
	int64_t n, nip, fail, ok, first, last;
	int64_t failures;       /* the failed logins in them (fail: the sessions with one) */
	int fi;                 /* its finding in out->v, -1 when none */
	const char *accts[5];   /* the first accounts that logged in */
	int naccts;
} tls_set;

/* a session kept for a second look: weak TLS, or decoded AUTH */
typedef struct {
	int64_t id, ts, ip, acct;
	int set;                /* weak: index of its set */
	uint8_t ok, has_ip, has_acct;
} sess;

typedef struct {
	sess *v;
	int n, cap;
} sess_vec;

typedef struct {
	ms_fdata *d;
	tls_set *set;
	int nset;
	int64_t *pid;           /* tls_params ids, ascending ... */
	int *pset;              /* ... and the set of each: one per protocol + cipher + bits */
	int npar;
	sess_vec weak, cred;
	int64_t cred_attempts;
	sqlite3_stmt *line;
	char *err;
	size_t errlen;
} tls_ctx;

static int sess_push(sess_vec *v, const sess *s)
{
	if (v->n == v->cap) {
		int nc = v->cap ? v->cap * 2 : 1024;
		sess *nv = realloc(v->v, (size_t)nc * sizeof *nv);
		if (!nv)
			return -1;
		v->v = nv;
		v->cap = nc;
	}
	v->v[v->n++] = *s;
	return 0;
}

static int same_text(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/* The TLS parameter sets: one per negotiated protocol + cipher + bits (rows
 * of tls_params that differ only in the trust or key exchange logged are
 * one finding, docs/findings.md), and the set of each row by its id. */
static int load_params(tls_ctx *c)
{
	sqlite3_stmt *st;
	int cap = 0, pcap = 0, rc;
	if (ms_q_prepare(c->d->q->db, sql_params, &st, c->err, c->errlen))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 1);
		const char *ci = (const char *)sqlite3_column_text(st, 2);
		int bits = sqlite3_column_int(st, 3), k;
		if (c->npar == pcap) {
			int nc = pcap ? pcap * 2 : 64;
			int64_t *np = realloc(c->pid, (size_t)nc * sizeof *np);
			if (np)
				c->pid = np;
			int *ns = np ? realloc(c->pset, (size_t)nc * sizeof *ns) : NULL;
			if (!ns)
				break;
			c->pset = ns;
			pcap = nc;
		}
		for (k = 0; k < c->nset; k++)
			if (c->set[k].bits == bits && same_text(c->set[k].proto, p) && same_text(c->set[k].cipher, ci))
				break;
		if (k == c->nset) {
			if (c->nset == cap) {
				int nc = cap ? cap * 2 : 64;
				tls_set *nv = realloc(c->set, (size_t)nc * sizeof *nv);
				if (!nv)
					break;
				c->set = nv;
				cap = nc;
			}
			tls_set *t = &c->set[c->nset++];
			memset(t, 0, sizeof *t);
			t->id = sqlite3_column_int64(st, 0);
			t->bits = bits;
			t->fi = -1;
			t->proto = p ? strdup(p) : NULL;
			t->cipher = ci ? strdup(ci) : NULL;
			if ((p && !t->proto) || (ci && !t->cipher))
				break;
			ms_tls_weakness(t->proto, t->cipher, t->bits, t->why, sizeof t->why);
		}
		c->pid[c->npar] = sqlite3_column_int64(st, 0);
		c->pset[c->npar++] = k;
	}
	/* stopped on a row: an allocation failed */
	return ms_q_scan_end(c->d->q->db, st, rc, rc == SQLITE_ROW, c->err, c->errlen);
}

/* the set of tls_id (the rows are sorted by id), or -1 (the JOIN dropped it) */
static int set_of(const tls_ctx *c, int64_t id)
{
	int lo = 0, hi = c->npar - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (c->pid[mid] == id)
			return c->pset[mid];
		if (c->pid[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* one session (its values a): its set's counts; kept when its TLS is weak or it decoded AUTH */
static int scan_one(tls_ctx *c, sqlite3_value **a, int64_t since, int64_t until)
{
	sqlite3_value *v = a[0];
	sess s = { .ts = sqlite3_value_int64(v), .set = -1 };
	if (sqlite3_value_type(v) == SQLITE_NULL || s.ts < since || s.ts >= until)
		return 0;
	v = a[1];
	if (sqlite3_value_type(v) != SQLITE_NULL)
		s.set = set_of(c, sqlite3_value_int64(v));
	s.ok = (uint8_t)ms_val_gt0(a[3]);
	if (s.set >= 0) {
		tls_set *x = &c->set[s.set];
		if (x->n == 0 || s.ts < x->first)
			x->first = s.ts;
		if (x->n == 0 || s.ts > x->last)
			x->last = s.ts;
		x->n++;
		x->fail += ms_val_gt0(a[2]);
		if (sqlite3_value_type(a[2]) == SQLITE_INTEGER && sqlite3_value_int64(a[2]) > 0)
			x->failures += sqlite3_value_int64(a[2]);
		x->ok += s.ok;
	}
	int weak = s.set >= 0 && c->set[s.set].why[0];
	v = a[4];
	int decoded = ms_val_gt0(v);
	if (!weak && !decoded)
		return 0;
	/* the rest only for the few sessions kept */
	if (decoded)
		c->cred_attempts += sqlite3_value_int64(v);
	s.id = sqlite3_value_int64(a[5]);
	v = a[6];
	s.has_ip = sqlite3_value_type(v) != SQLITE_NULL;
	s.ip = sqlite3_value_int64(v);
	v = a[7];
	s.has_acct = sqlite3_value_type(v) != SQLITE_NULL;
	s.acct = sqlite3_value_int64(v);
	if (weak && sess_push(&c->weak, &s))
		return -1;
	if (decoded && sess_push(&c->cred, &s))
		return -1;
	return 0;
}

/* is the range short enough for the index?  The share of auth events in it says (1/8 or less) */
static int short_range(const ms_fdata *d)
{
	int64_t in = 0;
	if (d->q->since <= 0 && d->q->until <= 0)
		return 0;
	for (int r = 0; r < d->n; r++)
		in += (d->flag[r] & MS_EV_IN) != 0;
	return in * 8 <= d->n;
}

static void sess_row(sqlite3_context *cx, void *user, int argc, sqlite3_value **a)
{
	tls_ctx *c = user;
	(void)argc;
	if (scan_one(c, a, ms_q_since(c->d->q), ms_q_until(c->d->q)))
		sqlite3_result_error_nomem(cx);
}

static int scan_sessions(tls_ctx *c)
{
	const char *sql = short_range(c->d) ? sql_sessions_range : sql_sessions;
	return ms_q_scan_rows(c->d->q->db, c->d->q, sql, NULL, sess_row, c, c->err, c->errlen);
}

static int cmp_sess_time(const void *a, const void *b)
{
	const sess *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* note session s as evidence (no auth event), with "path:first_line" while needed */
static int note_session(tls_ctx *c, ms_finding *f, const sess *s)
{
	const char *path = NULL;
	int64_t line = 0;
	int rc = SQLITE_DONE;
	if (f->nev_lines < 5) {
		sqlite3_reset(c->line);
		sqlite3_bind_int64(c->line, 1, s->id);
		rc = sqlite3_step(c->line);
		if (rc == SQLITE_ROW) {
			path = (const char *)sqlite3_column_text(c->line, 0);
			line = sqlite3_column_int64(c->line, 1);
		}
	}
	ms_finding_note(f, -1, s->id, path, line);
	sqlite3_reset(c->line);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(c->err, c->errlen, "query failed: %s", sqlite3_errmsg(c->d->q->db));
		return -1;
	}
	return 0;
}

/* the name of account id (NULL when not in the accounts table) */
static const char *acct_name(const tls_ctx *c, int has, int64_t id)
{
	int t = has ? ms_ids_find(&c->d->accounts, id) : -1;
	return t >= 0 ? c->d->accounts.text[t] : NULL;
}

/* distinct addresses of each weak set's sessions */
static int weak_ips(tls_ctx *c)
{
	int64_t *v = malloc((size_t)(c->weak.n ? c->weak.n : 1) * sizeof *v);
	if (!v)
		return -1;
	for (int t = 0; t < c->nset; t++) {
		int m = 0;
		if (!c->set[t].why[0])
			continue;
		for (int i = 0; i < c->weak.n; i++)
			if (c->weak.v[i].set == t && c->weak.v[i].has_ip)
				v[m++] = c->weak.v[i].ip;
		c->set[t].nip = ms_count_distinct(v, m);
	}
	free(v);
	return 0;
}

static int cmp_set_ptr(const void *a, const void *b)
{
	const tls_set *x = *(tls_set *const *)a, *y = *(tls_set *const *)b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return (x->id < y->id) - (x->id > y->id);
}

/*
 * The weak sets in the order the findings were made in: by sessions
 * descending ("ORDER BY count(*) DESC" over a GROUP BY tls_id, whose ties
 * SQLite's sorter returns in descending id), at most 64.
 */
static int weak_order(tls_ctx *c, tls_set **order)
{
	int n = 0, nw = 0;
	for (int t = 0; t < c->nset; t++)
		if (c->set[t].n > 0)
			order[n++] = &c->set[t];
	if (n > 1)
		qsort(order, (size_t)n, sizeof *order, cmp_set_ptr);
	for (int i = 0; i < n && nw < 64; i++)
		if (order[i]->why[0])
			order[nw++] = order[i];
	return nw;
}

/* each weak finding's accounts: the distinct named accounts of its sessions that logged in */
static int weak_accounts(tls_ctx *c, ms_findings *out)
{
	int64_t *v = malloc((size_t)(c->weak.n ? c->weak.n : 1) * sizeof *v);
	if (!v) {
		snprintf(c->err, c->errlen, "out of memory");
		return -1;
	}
	for (int t = 0; t < c->nset; t++) {
		int m = 0;
		if (c->set[t].fi < 0)
			continue;
		for (int i = 0; i < c->weak.n; i++) {
			const sess *s = &c->weak.v[i];
			if (s->set == t && s->ok && acct_name(c, s->has_acct, s->acct))
				v[m++] = s->acct;
		}
		out->v[c->set[t].fi].accounts = ms_count_distinct(v, m);
	}
	free(v);
	return 0;
}

static void weak_words(tls_set *x, ms_finding *f)
{
	char text[1400], t1[40], t2[40], proto[32], cipher[96], names[512];
	int64_t n = f->sessions, nip = f->ips;
	ms_name_list(x->accts, x->naccts, names, sizeof names);
	snprintf(proto, sizeof proto, "%s", x->proto ? x->proto : "?");
	snprintf(cipher, sizeof cipher, "%s", x->cipher ? x->cipher : "?");
	snprintf(text, sizeof text, "%s %s (%d bits): %s", proto, cipher, x->bits, x->why);
	ms_finding_set(&f->detail, text);
	ms_fmt_time(f->first, t1, sizeof t1);
	ms_fmt_time(f->last, t2, sizeof t2);
	snprintf(text, sizeof text,
		 "%lld session%s from %lld address%s negotiated %s with cipher %s (%d bits) %s %s%s%s: %s. "
		 "Sessions with failed logins: %lld; with successful logins: %lld%s%s%s.",
		 (long long)n, n == 1 ? "" : "s", (long long)nip, nip == 1 ? "" : "es", proto, cipher,
		 x->bits, f->first == f->last ? "at" : "between", t1, f->first == f->last ? "" : " and ",
		 f->first == f->last ? "" : t2, x->why, (long long)x->fail, (long long)f->successes,
		 *names ? " (accounts: " : "", names, *names ? ")" : "");
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

/* weak_tls: one finding per weak parameter set, its sessions by time for names and evidence */
static int weak_tls(tls_ctx *c, ms_findings *out)
{
	tls_set **order = malloc((size_t)(c->nset ? c->nset : 1) * sizeof *order);
	if (!order || weak_ips(c)) {
		free(order);
		snprintf(c->err, c->errlen, "out of memory");
		return -1;
	}
	int nw = weak_order(c, order);
	for (int i = 0; i < nw; i++) {
		tls_set *x = order[i];
		ms_finding *f = ms_findings_add(out, MS_F_WEAK_TLS);
		if (!f) {
			free(order);
			snprintf(c->err, c->errlen, "out of memory");
			return -1;
		}
		x->fi = out->n - 1;
		f->sessions = x->n;
		f->ips = x->nip;
		f->failures = x->failures; /* as report --by cipher counts them */
		f->successes = x->ok;
		f->first = x->first;
		f->last = x->last;
		f->severity = f->successes ? MS_SEV_MEDIUM : MS_SEV_LOW;
		f->confidence = MS_CONF_HIGH;
	}
	if (c->weak.n > 1)
		qsort(c->weak.v, (size_t)c->weak.n, sizeof *c->weak.v, cmp_sess_time);
	if (weak_accounts(c, out)) {
		free(order);
		return -1;
	}
	for (int i = 0; i < c->weak.n; i++) {
		const sess *s = &c->weak.v[i];
		tls_set *x = &c->set[s->set];
		if (x->fi < 0)
			continue;
		ms_finding *f = &out->v[x->fi];
		const char *name = acct_name(c, s->has_acct, s->acct);
		if (s->ok && name)
			ms_name_set_add(x->accts, &x->naccts, 5, name);
		/* evidence: the first sessions, and every session that logged in while there is room */
		if (f->nev_sessions >= MS_F_EVIDENCE_MAX || (!s->ok && f->nev_sessions >= MS_F_EVIDENCE_MAX / 2)) {
			f->evidence_truncated = 1;
			continue;
		}
		if (note_session(c, f, s)) {
			free(order);
			return -1;
		}
	}
	for (int i = 0; i < nw; i++)
		weak_words(order[i], &out->v[order[i]->fi]);
	free(order);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	return strcmp(x ? x : "", y ? y : "");
}

/* "SELECT DISTINCT name ... ORDER BY 1 LIMIT max" of n names (sorted in place) into buf */
static int distinct_names(const char **v, int n, int max, char *buf, size_t cap)
{
	int u = 0;
	if (n > 1)
		qsort(v, (size_t)n, sizeof *v, cmp_str);
	for (int i = 0; i < n && u < max; i++)
		if (u == 0 || strcmp(v[i], v[u - 1]))
			v[u++] = v[i];
	return ms_name_list(v, u, buf, cap);
}

/*
 * What auth event row r in the range says of the decoded sessions (sid,
 * sorted): 2 it reveals a user name and password (a decoded AUTH attempt,
 * account_src = 2, or a failure or login of a decoded session with a
 * decoded password whose name the smtpd line logged first: a client= line,
 * or Postfix 3.9+'s sasl_username= on a failure), 1 it is another event of
 * such a session, 0 neither.
 */
static int cred_row(const ms_fdata *d, int r, const int64_t *sid, int nsid)
{
	if (!(d->flag[r] & MS_EV_IN))
		return 0;
	if (d->flag[r] & MS_EV_DECODED)
		return 2;
	if (!(d->flag[r] & MS_EV_SESS) || !nsid || !bsearch(&d->sess[r], sid, (size_t)nsid, sizeof *sid, ms_cmp_i64))
		return 0;
	/* a failure or login of a decoded session with a password length: its AUTH was
	 * decoded, also where the line's own sasl_username= (Postfix 3.9+) named the user */
	return (d->kind[r] == 4 || d->kind[r] == 1) && (d->flag[r] & MS_EV_PW) ? 2 : 1;
}

/*
 * The user names of what reveals credentials (cred_row() 2) and of decoded
 * sessions that logged in, and the addresses of decoded sessions, each
 * distinct, by byte order.
 */
static int cred_lists(tls_ctx *c, const int64_t *sid, char *okaccts, char *names, char *addrs)
{
	ms_fdata *d = c->d;
	int n = 0, rc = -1;
	size_t m = (size_t)c->cred.n + 1;
	for (int r = 0; r < d->n; r++)
		m += cred_row(d, r, sid, c->cred.n) == 2;
	const char **v = malloc(m * sizeof *v);
	int64_t *ips = malloc(m * sizeof *ips);
	char **texts = calloc(m, sizeof *texts);
	if (!v || !ips || !texts) {
		snprintf(c->err, c->errlen, "out of memory");
		goto done;
	}
	for (int i = 0; i < c->cred.n; i++) {
		const char *nm = acct_name(c, c->cred.v[i].has_acct, c->cred.v[i].acct);
		if (c->cred.v[i].ok && nm)
			v[n++] = nm;
	}
	distinct_names(v, n, 10, okaccts, 600);
	n = 0;
	for (int r = 0; r < d->n; r++)
		if (cred_row(d, r, sid, c->cred.n) == 2 && d->acct[r] >= 0 && d->acct_known[d->acct[r]] &&
		    d->acct_name[d->acct[r]])
			v[n++] = d->acct_name[d->acct[r]];
	distinct_names(v, n, 5, names, 600);
	n = 0;
	for (int i = 0; i < c->cred.n; i++)
		if (c->cred.v[i].has_ip)
			ips[n++] = c->cred.v[i].ip;
	if (n > 1)
		qsort(ips, (size_t)n, sizeof *ips, ms_cmp_i64);
	int nt = 0;
	for (int i = 0; i < n; i++) {
		char ip[256];
		if (i && ips[i] == ips[i - 1])
			continue;
		int found = ms_fdata_ip_text(d, ips[i], ip, sizeof ip, c->err, c->errlen);
		if (found < 0)
			goto done;
		if (found && !(texts[nt++] = strdup(ip))) {
			snprintf(c->err, c->errlen, "out of memory");
			goto done;
		}
	}
	for (int i = 0; i < nt; i++)
		v[i] = texts[i];
	distinct_names(v, nt, 5, addrs, 400);
	rc = 0;
done:
	if (texts)
		for (size_t i = 0; i < m && texts[i]; i++)
			free(texts[i]);
	free(texts);
	free(v);
	free(ips);
	return rc;
}

/* the decoded AUTH attempts in the range (auth_events, account_src = 2):
 * accounts and passwords; their addresses and times, with those of every
 * event of the sessions whose AUTH data was decoded (a decoded name that a
 * back-end line completed is inferred, a login may name no account) and of
 * those sessions themselves */
typedef struct {
	int64_t nacct, nip, npw, first, last;
	int64_t nfail;          /* auth failures (smtpd "authentication failed" lines) among them */
} cred_events;

static int cred_events_of(const ms_fdata *d, const sess_vec *cred, const int64_t *sid, cred_events *e)
{
	int na = 0, ni = 0, have = 0;
	memset(e, 0, sizeof *e);
	size_t cap = (size_t)d->n + (size_t)cred->n + 1;
	int64_t *a = malloc(cap * sizeof *a), *ip = malloc(cap * sizeof *ip);
	if (!a || !ip) {
		free(a);
		free(ip);
		return -1;
	}
	for (int i = 0; i < cred->n; i++)
		if (cred->v[i].has_ip)
			ip[ni++] = cred->v[i].ip;
	for (int r = 0; r < d->n; r++) {
		int what = cred_row(d, r, sid, cred->n);
		if (!what)
			continue;
		if (!have || d->ts[r] < e->first)
			e->first = d->ts[r];
		if (!have || d->ts[r] > e->last)
			e->last = d->ts[r];
		have = 1;
		e->nfail += d->kind[r] == 1;
		if (d->ip[r] >= 0)
			ip[ni++] = ms_fkeys_id(&d->ips, d->ip[r]); /* ids, as the sessions' */
		if (what != 2)
			continue;
		e->npw += (d->flag[r] & MS_EV_PW) != 0;
		if (d->acct[r] >= 0)
			a[na++] = d->acct[r];
	}
	e->nacct = ms_count_distinct(a, na);
	e->nip = ms_count_distinct(ip, ni);
	free(a);
	free(ip);
	return 0;
}

/* the ids of the decoded sessions, sorted, into sid */
static const int64_t *sid_sorted(const sess_vec *cred, int64_t *sid)
{
	for (int i = 0; i < cred->n; i++)
		sid[i] = cred->v[i].id;
	qsort(sid, (size_t)cred->n, sizeof *sid, ms_cmp_i64);
	return sid;
}

static int credentials(tls_ctx *c, ms_findings *out)
{
	int64_t attempts = c->cred_attempts, nsess = c->cred.n, first = 0, last = 0, nok = 0;
	char okaccts[600], names[600], addrs[400], text[2400], t1[40], t2[40];
	cred_events e;
	if (nsess == 0)
		return 0;
	int64_t *sid = malloc((size_t)c->cred.n * sizeof *sid);
	uint8_t *pw_ok = calloc((size_t)c->cred.n, 1);
	if (!sid || !pw_ok || cred_events_of(c->d, &c->cred, sid_sorted(&c->cred, sid), &e)) {
		free(sid);
		free(pw_ok);
		snprintf(c->err, c->errlen, "out of memory");
		return -1;
	}
	/* a session logged in with the password its dialogue shows when its
	 * login carries the decoded password's length (the tracker gives it
	 * only the AUTH decoded for it): a CRAM-MD5 login after a decoded
	 * PLAIN attempt that failed shows no working password */
	for (int r = 0; r < c->d->n; r++) {
		const ms_fdata *d = c->d;
		if (d->kind[r] != 4 || !(d->flag[r] & MS_EV_PW) || !(d->flag[r] & MS_EV_SESS))
			continue;
		const int64_t *k = bsearch(&d->sess[r], sid, (size_t)c->cred.n, sizeof *sid, ms_cmp_i64);
		if (k)
			pw_ok[k - sid] = 1;
	}
	for (int i = 0; i < c->cred.n; i++) {
		sess *s = &c->cred.v[i];
		const int64_t *k = bsearch(&s->id, sid, (size_t)c->cred.n, sizeof *sid, ms_cmp_i64);
		s->ok = s->ok && k && pw_ok[k - sid];
		if (i == 0 || s->ts < first)
			first = s->ts;
		if (i == 0 || s->ts > last)
			last = s->ts;
		nok += s->ok;
	}
	free(pw_ok);
	int lists = cred_lists(c, sid, okaccts, names, addrs);
	free(sid);
	if (lists)
		return -1;

	ms_finding *f = ms_findings_add(out, MS_F_CREDENTIALS_IN_LOG);
	if (!f) {
		snprintf(c->err, c->errlen, "out of memory");
		return -1;
	}
	f->first = e.first && e.first < first ? e.first : first;
	f->last = e.last > last ? e.last : last;
	f->sessions = nsess;
	f->accounts = e.nacct;
	f->ips = e.nip;
	f->failures = e.nfail;  /* SEMANTICS: failed lines only, not every decoded attempt */
	f->successes = nok;     /* sessions whose decoded AUTH logged in */
	f->confidence = MS_CONF_HIGH;
	/* a session whose decoded AUTH logged in: a working password is in the
	 * log, whether or not the log names its account */
	f->severity = nok ? MS_SEV_CRITICAL : MS_SEV_HIGH;
	ms_finding_set(&f->detail, "smtpd_tls_loglevel >= 2 logs the decrypted SMTP dialogue");
	ms_fmt_time(f->first, t1, sizeof t1);
	ms_fmt_time(f->last, t2, sizeof t2);
	snprintf(text, sizeof text,
		 "The log contains credentials: TLS-debug lines (\"Read N chars: AUTH ...\") reveal %lld AUTH "
		 "attempt%s in %lld session%s between %s and %s, with the user names of %lld account%s and %lld "
		 "(possibly partial) password%s.%s%s%s%s%s%s%s%s",
		 (long long)attempts, attempts == 1 ? "" : "s", (long long)nsess, nsess == 1 ? "" : "s", t1, t2,
		 (long long)e.nacct, e.nacct == 1 ? "" : "s", (long long)e.npw, e.npw == 1 ? "" : "s",
		 *names ? " User names tried: " : "", names, !*addrs ? "" : *names ? "; from: " : " From: ", addrs,
		 *names || *addrs ? "." : "",
		 *okaccts ? " Working passwords are in the log for: "
			  : nok ? " Working passwords are in the log (for accounts the log does not name)"
				: " None of these sessions logged in.",
		 *okaccts ? okaccts : "", *okaccts || nok ? "." : "");
	ms_finding_set(&f->explanation, text);
	snprintf(text, sizeof text,
		 "Set smtpd_tls_loglevel = 1 (or 0) in main.cf and run 'postfix reload'; treat these log files and "
		 "their backups as secrets (restrict access, delete copies you do not need)%s%s%s.",
		 *okaccts ? "; change the passwords of " : nok ? "; change the passwords that logged in" : "", okaccts,
		 *okaccts || nok ? " now" : "");
	ms_finding_set(&f->action, text);
	/* evidence: the first decoded sessions by time (21 rows read; no auth event, so never "truncated") */
	if (c->cred.n > 1)
		qsort(c->cred.v, (size_t)c->cred.n, sizeof *c->cred.v, cmp_sess_time);
	for (int i = 0; i < c->cred.n && i < MS_F_EVIDENCE_MAX + 1; i++) {
		if (f->nev_events >= MS_F_EVIDENCE_MAX) {
			f->evidence_truncated = 1;
			break;
		}
		if (note_session(c, f, &c->cred.v[i]))
			return -1;
	}
	return 0;
}

int ms_find_tls(ms_fdata *d, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	tls_ctx c = { .d = d, .err = err, .errlen = errlen };
	int rc = -1;
	(void)o;
	if (load_params(&c) == 0 && scan_sessions(&c) == 0 &&
	    ms_q_prepare(d->q->db, sql_session_line, &c.line, err, errlen) == 0 &&
	    credentials(&c, out) == 0 && weak_tls(&c, out) == 0)
		rc = 0;
	for (int i = 0; i < c.nset; i++) {
		free(c.set[i].proto);
		free(c.set[i].cipher);
	}
	free(c.set);
	free(c.pid);
	free(c.pset);
	free(c.weak.v);
	free(c.cred.v);
	sqlite3_finalize(c.line);
	return rc;
}
