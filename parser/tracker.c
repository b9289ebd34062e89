/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <stdio.h>
#include "tracker_int.h"
#include "addr.h"
#include "authdecode.h"
#include "redact.h"
#include "../util/utf8case.h"

/* a password fingerprint was made (all zero: decoded with no key, a
 * database whose key was removed; docs/schema.md) */
static int hmac_set(const uint8_t h[32])
{
	for (int i = 0; i < 32; i++)
		if (h[i])
			return 1;
	return 0;
}

void ms_tracker_cfg_default(ms_tracker_cfg *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->plesk_window = 90;
	cfg->plesk_lead = 2;
	cfg->dovecot_window = 5;
	cfg->idle_timeout = 3600;
	cfg->max_open = 16384;
	cfg->max_pending = 8192;
	cfg->max_messages = 16384;
	cfg->msg_idle_timeout = 5 * 86400;
	cfg->max_postscreen = 8192;
}

/* ---------- small helpers ---------- */

/* s into dst with each NUL as the pair C0 80 (modified UTF-8: never valid
 * UTF-8 itself, so "a\0b" stays apart from "a?b"; the text outputs show
 * it as \x00), whole pairs only, at most cap - 1 bytes */
static void cpy_nul(char *dst, size_t cap, ms_sv s)
{
	size_t o = 0;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i]) {
			if (o + 1 > cap - 1)
				break;
			dst[o++] = s.p[i];
		} else {
			if (o + 2 > cap - 1)
				break;
			dst[o++] = (char)0xC0;
			dst[o++] = (char)0x80;
		}
	}
	dst[o] = 0;
}

static void cpy(char *dst, size_t cap, ms_sv s)
{
	size_t n = s.n < cap - 1 ? s.n : cap - 1;
	if (n)
		memcpy(dst, s.p, n);
	dst[n] = 0;
	/* a NUL inside the view would silently shorten the string (memchr:
	 * a byte loop was 2 % of parsing) */
	if (n && memchr(dst, 0, n))
		cpy_nul(dst, cap, s);
}

/* s's length as cpy() writes it (each NUL two bytes) */
static size_t cpy_len(ms_sv s)
{
	size_t n = s.n;
	if (!n)
		return 0; /* (an empty view's p may be NULL) */
	for (const char *z = s.p, *end = s.p + s.n; z < end && (z = memchr(z, 0, (size_t)(end - z))) != NULL; z++)
		n++;
	return n;
}

static const char *nz(const char *s) { return (s && *s) ? s : NULL; }

static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ULL;
	return h;
}

/*
 * A user name into a T_USERLEN buffer.  One too long to fit keeps its first
 * USER_KEEP bytes, then '~' and 16 hex digits of a hash of the whole name, so
 * that two long names that differ only past the cut stay two accounts.  The
 * hash reads the domain (after the last '@') in lower case, as accounts are
 * compared.
 */
#define USER_KEEP (T_USERLEN - 1 - 17)

static uint64_t user_hash(ms_sv s)
{
	const char *at = memrchr(s.p, '@', s.n);
	size_t local = at ? (size_t)(at - s.p) : s.n;
	uint64_t h = hash_bytes(s.p, local, 0xcbf29ce484222325ULL);
	for (size_t i = local; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32 : c)) * 0x100000001b3ULL;
	}
	return h;
}

static void cpy_user(char *dst, size_t cap, ms_sv s)
{
	static const char hex[] = "0123456789abcdef";
	if (s.n < cap && cpy_len(s) < cap) {
		cpy(dst, cap, s);
		return;
	}
	uint64_t h = user_hash(s);
	size_t keep = cap - 1 - 17;
	cpy(dst, keep + 1, s);
	dst[keep] = '~';
	for (int i = 0; i < 16; i++)
		dst[keep + 1 + (size_t)i] = hex[(h >> (60 - 4 * i)) & 15];
	dst[cap - 1] = 0;
}

static int name_find(ms_tracker *t, ms_sv s);
static void ix_insert(int32_t *ht, int cap, uint64_t h, int32_t v);

/* the index of a host or service name, added if new */
static int name_idx(ms_tracker *t, ms_sv s)
{
	if (s.n >= T_HOSTLEN)
		s.n = T_HOSTLEN - 1;
	for (int k = 0; k < T_NAME_MEMO; k++) {
		int v = t->name_memo[k];
		if (v >= 0 && v < t->nnames && t->name_memo_len[k] == s.n &&
		    (s.n == 0 || memcmp(t->names[v].s, s.p, s.n) == 0))
			return v;
	}
	int v = name_find(t, s), k = t->name_memo_next++ % T_NAME_MEMO;
	t->name_memo[k] = v;
	t->name_memo_len[k] = strlen(t->names[v].s);
	return v;
}

int ms_tracker_names_room(ms_tracker *t, int n)
{
	int cap = t->names_cap;
	while (cap < n && cap < T_MAXNAMES)
		cap *= 2;
	if (cap < n)
		return -1;
	if (cap == t->names_cap)
		return 0;
	t_name *nn = realloc(t->names, (size_t)cap * sizeof *nn);
	if (!nn)
		return -1;
	t->names = nn;
	memset(nn + t->names_cap, 0, (size_t)(cap - t->names_cap) * sizeof *nn);
	int32_t *ht = realloc(t->name_ht, 2 * (size_t)cap * sizeof *ht);
	if (!ht)
		return -1; /* names grown, the index as it was: still consistent */
	t->name_ht = ht;
	t->names_cap = cap;
	for (int i = 0; i < 2 * cap; i++)
		t->name_ht[i] = -1;
	for (int i = 0; i < t->nnames; i++) {
		size_t n2 = strlen(t->names[i].s);
		ix_insert(t->name_ht, 2 * cap, hash_bytes(t->names[i].s, n2, 0xcbf29ce484222325ULL), i);
	}
	return 0;
}

static int name_find(ms_tracker *t, ms_sv s)
{
	uint64_t h;
	int cap = 2 * t->names_cap;
	h = hash_bytes(s.p, s.n, 0xcbf29ce484222325ULL);
	for (int i = 0; i < cap; i++) {
		int slot = (int)((h + (uint64_t)i) % (uint64_t)cap);
		int32_t v = t->name_ht[slot];
		if (v < 0) {
			if (t->nnames >= t->names_cap) {
				if (ms_tracker_names_room(t, t->nnames + 1) == 0)
					return name_find(t, s);
				t->st.names_full++;
				return 0; /* table full: fold into the first name */
			}
			cpy(t->names[t->nnames].s, T_HOSTLEN, s);
			t->name_ht[slot] = t->nnames;
			return t->nnames++;
		}
		if (strlen(t->names[v].s) == s.n && (s.n == 0 || memcmp(t->names[v].s, s.p, s.n) == 0))
			return v;
	}
	return 0;
}

/*
 * Each host has its own clock: the latest time it logged.  Idle sessions and
 * failures waiting for their back-end line are timed by their host's clock,
 * so that in a central log where one server's stamps run ahead of another's
 * (a server logging local time in another zone without an offset, or a wrong
 * clock), or when a second server's files are read after the first's, the
 * other's sessions are not evicted as idle nor its failures given up before
 * their plesk_saslauthd line.  A host that falls silent while the others log
 * on is timed by them once the tracker's "now" (the latest time of any line)
 * has gone HOST_SKEW past where it was at the host's last line: time zones
 * differ by at most 26 hours, so a host that still logs is never taken for
 * a silent one.  With one host its clock is the tracker's "now".
 */
#define HOST_SKEW ((int64_t)26 * 3600)

static int host_seen(ms_tracker *t, ms_sv name, int64_t ts)
{
	int h = name_idx(t, name);
	t_name *n = &t->names[h];
	if (!n->host) {
		n->host = 1;
		t->nhosts++;
	}
	if (ts > n->now)
		n->now = ts;
	n->seen = t->now;
	return h;
}

/* never later than t->now: a host's latest time is at most the latest of
 * all, and a silent host's clock stays HOST_SKEW behind it */
static int64_t host_clock(const ms_tracker *t, int h)
{
	if (t->nhosts <= 1 || h < 0 || h >= t->nnames)
		return t->now; /* one host: every line of the log moves its clock */
	int64_t silent = t->now - t->names[h].seen - HOST_SKEW;
	return silent > 0 ? t->names[h].now + silent : t->names[h].now;
}

static const char *name_str(const ms_tracker *t, int i)
{
	return (i >= 0 && i < t->nnames) ? t->names[i].s : "";
}

/* ---------- index tables ---------- */

/*
 * Sessions, messages and postscreen conversations live in pools, found
 * through index tables: cap (a power of two) slots of pool indices, -1
 * empty, linear probing from hash & (cap - 1).  hash_of(t, v) is the hash of
 * pool entry v, live(t, v) whether it is in use.
 */
typedef uint64_t (*ix_hash_fn)(const ms_tracker *t, int32_t v);
typedef int (*ix_live_fn)(const ms_tracker *t, int32_t v);

static void ix_insert(int32_t *ht, int cap, uint64_t h, int32_t v)
{
	for (int i = 0; i < cap; i++) {
		int slot = (int)((h + (uint64_t)i) & (uint64_t)(cap - 1));
		if (ht[slot] < 0) {
			ht[slot] = v;
			return;
		}
	}
}

/* takes pool entry v out of the table (backward-shift deletion) */
static void ix_remove(const ms_tracker *t, int32_t *ht, int cap, int32_t v, ix_hash_fn hash_of)
{
	uint64_t mask = (uint64_t)cap - 1, h = hash_of(t, v);
	int slot = -1;
	for (int i = 0; i < cap; i++) {
		int sl = (int)((h + (uint64_t)i) & mask);
		if (ht[sl] == v) {
			slot = sl;
			break;
		}
		if (ht[sl] < 0)
			return;
	}
	if (slot < 0)
		return;
	for (int j = slot;;) {
		j = (int)(((uint64_t)j + 1) & mask);
		int32_t w = ht[j];
		if (w < 0)
			break;
		int home = (int)(hash_of(t, w) & mask);
		/* move w to slot if its home is not in (slot, j] cyclically */
		int in_range = slot <= j ? (home > slot && home <= j) : (home > slot || home <= j);
		if (!in_range) {
			ht[slot] = w;
			slot = j;
		}
	}
	ht[slot] = -1;
}

/* refills the table from the live entries of pool slots [0, hi), and the stack of
 * free slots (of max) so that the lowest is taken first; returns how many are free */
static int ix_rebuild(const ms_tracker *t, int32_t *ht, int cap, int32_t *free_slots, int max, int hi,
		      ix_live_fn live, ix_hash_fn hash_of)
{
	int nfree = 0;
	for (int i = 0; i < cap; i++)
		ht[i] = -1;
	for (int i = max - 1; i >= hi; i--)
		free_slots[nfree++] = i;
	for (int i = hi - 1; i >= 0; i--) {
		if (live(t, i))
			ix_insert(ht, cap, hash_of(t, i), i);
		else
			free_slots[nfree++] = i;
	}
	return nfree;
}

/* ---------- sessions ---------- */

static uint64_t sess_hash(int host, int svc, long pid)
{
	uint64_t h = (uint64_t)host * 0x9E3779B97F4A7C15ULL ^ (uint64_t)svc * 0xC2B2AE3D27D4EB4FULL ^
		     (uint64_t)pid * 0x165667B19E3779F9ULL;
	return h ^ (h >> 29);
}

static int sess_find(ms_tracker *t, int host, int svc, long pid)
{
	int cap = t->sess_htcap;
	uint64_t h = sess_hash(host, svc, pid);
	for (int i = 0; i < cap; i++) {
		int slot = (int)((h + (uint64_t)i) & (uint64_t)(cap - 1));
		int32_t v = t->sess_ht[slot];
		if (v < 0)
			return -1;
		t_sess *s = &t->sess[v];
		if (s->host == host && s->svc == svc && s->pid == pid)
			return v;
	}
	return -1;
}

static uint64_t sess_hash_of(const ms_tracker *t, int32_t v)
{
	return sess_hash(t->sess[v].host, t->sess[v].svc, t->sess[v].pid);
}
static int sess_live(const ms_tracker *t, int32_t v) { return t->sess[v].used != 0; }

/* a session's host and address as t->sess_keys[].key has them: never 0 */
static uint32_t slot_key(int host, const char *ip)
{
	return ms_fnv32(ip, strlen(ip)) ^ ((uint32_t)host * 0x9E3779B1u << 1);
}

/* a live slot into its key's chain, at the head */
static void sess_key_link(ms_tracker *t, int idx)
{
	const t_sess *s = &t->sess[idx];
	struct t_slot_key *k = &t->sess_keys[idx];
	k->id = s->id;
	k->key = slot_key(s->host, s->ip);
	int32_t *head = &t->sess_kb[k->key & (uint32_t)(t->sess_kbcap - 1)];
	k->prev = -1;
	k->next = *head;
	if (*head >= 0)
		t->sess_keys[*head].prev = idx;
	*head = idx;
}

static void sess_key_unlink(ms_tracker *t, int idx)
{
	struct t_slot_key *k = &t->sess_keys[idx];
	if (k->prev >= 0)
		t->sess_keys[k->prev].next = k->next;
	else
		t->sess_kb[k->key & (uint32_t)(t->sess_kbcap - 1)] = k->next;
	if (k->next >= 0)
		t->sess_keys[k->next].prev = k->prev;
	memset(k, 0, sizeof *k);
}

/* (the index by process, and by client with it) */
static void sess_ht_insert(ms_tracker *t, int idx)
{
	ix_insert(t->sess_ht, t->sess_htcap, sess_hash_of(t, idx), idx);
	sess_key_link(t, idx);
}

static void sess_ht_remove(ms_tracker *t, int idx)
{
	ix_remove(t, t->sess_ht, t->sess_htcap, idx, sess_hash_of);
	sess_key_unlink(t, idx);
}

/* the open session of host whose id is id, or -1 */
static int sess_by_id(const ms_tracker *t, int host, int64_t id)
{
	for (int i = 0; i < t->sess_hi; i++)
		if (t->sess_keys[i].id == id && t->sess[i].used && t->sess[i].host == host)
			return i;
	return -1;
}

static uint64_t msg_hash_of(const ms_tracker *t, int32_t v);
static int msg_live(const ms_tracker *t, int32_t v);
static uint64_t ps_hash_of(const ms_tracker *t, int32_t v);
static int ps_live(const ms_tracker *t, int32_t v);

void ms_tracker_rebuild_index(ms_tracker *t)
{
	t->rdns_used = 0;
	for (size_t i = 0; i < sizeof t->rdns / sizeof t->rdns[0]; i++)
		t->rdns_used += t->rdns[i].used != 0;
	t->nfree = ix_rebuild(t, t->sess_ht, t->sess_htcap, t->sess_free, t->cfg.max_open, t->sess_hi, sess_live,
			      sess_hash_of);
	memset(t->sess_keys, 0, (size_t)t->cfg.max_open * sizeof *t->sess_keys);
	for (int i = 0; i < t->sess_kbcap; i++)
		t->sess_kb[i] = -1;
	for (int i = 0; i < t->sess_hi; i++)
		if (t->sess[i].used)
			sess_key_link(t, i);
	t->msg_nfree = ix_rebuild(t, t->msg_ht, t->msg_cap, t->msg_free, t->cfg.max_messages, t->msg_hi, msg_live,
				  msg_hash_of);
	t->ps_nfree = ix_rebuild(t, t->ps_ht, t->ps_cap, t->ps_free, t->cfg.max_postscreen, t->ps_hi, ps_live,
				 ps_hash_of);
	for (int k = 0; k < T_NAME_MEMO; k++)
		t->name_memo[k] = -1;
	for (int i = 0; i < 2 * t->names_cap; i++)
		t->name_ht[i] = -1;
	for (int i = 0; i < t->nnames; i++) {
		size_t n = strlen(t->names[i].s);
		ix_insert(t->name_ht, 2 * t->names_cap, hash_bytes(t->names[i].s, n, 0xcbf29ce484222325ULL), i);
	}
}

/*
 * The client of a record of session s made for the line being fed: its
 * session's, unless XCLIENT gave the session another client (a proxy
 * connects, then names the real client, which every later line of that
 * smtpd names).  The session keeps the address it connected from.
 */
static const char *client_ip(const ms_tracker *t, const t_sess *s)
{
	return t->line_sess == s->id && t->line_ip[0] ? t->line_ip : s->ip;
}

static void emit_session(ms_tracker *t, const t_sess *s, int state)
{
	ms_session_rec r;
	memset(&r, 0, sizeof r);
	r.id = s->id;
	r.host = name_str(t, s->host);
	r.service = nz(name_str(t, s->svc));
	r.ip = nz(s->ip);
	r.client_name = nz(s->client_name);
	r.pid = s->pid;
	r.port = s->port;
	r.start_ts = s->start_ts;
	r.end_ts = s->seen_ts > s->start_ts ? s->seen_ts : s->start_ts;
	r.state = state;
	r.orphan = s->orphan;
	r.end_reason = nz(s->end_reason);
	r.end_after = nz(s->end_after);
	r.counters = s->counters;
	r.rdns_mismatch = s->rdns_mismatch;
	r.tls_setup = s->tls_setup;
	r.tls_error = s->tls_error;
	r.tls_bits = s->tls_bits;
	r.tls_alg_bits = s->tls_alg_bits;
	r.tls_proto = nz(s->tls_proto);
	r.tls_cipher = nz(s->tls_cipher);
	r.tls_trust = nz(s->tls_trust);
	r.tls_kex = nz(s->tls_kex);
	r.tls_sni = nz(s->tls_sni);
	r.auth_failures = s->auth_failures;
	r.auth_errors = s->auth_errors;
	r.auth_aborts = s->auth_aborts;
	r.auth_successes = s->auth_successes;
	r.auth_decoded = s->auth_decoded;
	r.auth_user = s->auth_successes ? nz(s->auth_user) : NULL;
	r.auth_method = s->auth_successes ? nz(s->auth_method) : NULL;
	r.auth_user_src = s->auth_successes ? s->auth_user_src : MS_SRC_NONE;
	r.messages = s->messages;
	r.rejects = s->rejects;
	r.nonsmtp = s->nonsmtp;
	r.pipelining = s->pipelining;
	r.ratelimited = s->ratelimited;
	r.source_id = s->source_id;
	r.first_line = s->first_line;
	r.last_line = s->last_line;
	if (t->sink.session)
		t->sink.session(t->sink.ctx, &r);
}

/* a reject line's action refused the client (reject, milter-reject, defer):
 * warn, reject_warning, hold, discard, filter and redirect lines are kept with
 * their action but refused nothing */
static int refusal(ms_sv action)
{
	return ms_sv_eq_lit(action, "reject") || ms_sv_eq_lit(action, "milter-reject") || ms_sv_eq_lit(action, "defer");
}

#define ACCT_FOLD_CAP 512 /* above T_USERLEN and MS_AUTH_USER_MAX + 1 */

/* one account (semantics.md): the local part exact, the domain part in any case */
static int same_account(const char *a, const char *b)
{
	char fa[ACCT_FOLD_CAP], fb[ACCT_FOLD_CAP];
	ms_account_fold(a, SIZE_MAX, fa, sizeof fa);
	ms_account_fold(b, SIZE_MAX, fb, sizeof fb);
	return !strcmp(fa, fb);
}

uint32_t ms_tracker_acct_hash(const char *u)
{
	char f[ACCT_FOLD_CAP];
	size_t n = ms_account_fold(u, SIZE_MAX, f, sizeof f);
	return ms_fnv32(f, n);
}

/* the cut name p can be the start of account a: its local part exact, its
 * domain part (after a's last '@') in any case; a letter the cut splits
 * is left out of the comparison */
static int account_prefix(const char *p, const char *a)
{
	char fa[ACCT_FOLD_CAP], fp[ACCT_FOLD_CAP];
	size_t na = ms_account_fold(a, SIZE_MAX, fa, sizeof fa), np = strlen(p);
	if (np > na)
		return 0; /* folding keeps lengths */
	memcpy(fp, p, np + 1);
	const char *at = memrchr(fa, '@', na);
	size_t d = at ? (size_t)(at - fa) : na;
	if (np > d + 1) {
		size_t j = np;
		while (j > d + 1 && ((unsigned char)fp[j - 1] & 0xC0) == 0x80)
			j--;
		unsigned char lead = (unsigned char)fp[j - 1];
		size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
		if (np - (j - 1) < want)
			np = j - 1;
		ms_utf8_lower(fp + d, np - d);
	}
	return !memcmp(fp, fa, np);
}

static void emit_success(ms_tracker *t, t_sess *s, const char *user, int src, const char *mech,
			 int64_t ts, const ms_lineref *ref)
{
	ms_auth_rec a;
	memset(&a, 0, sizeof a);
	a.id = t->ids.auth++;
	a.session_id = s->id;
	a.ts = ts;
	a.host = name_str(t, s->host);
	a.service = nz(name_str(t, s->svc));
	a.ip = nz(client_ip(t, s));
	a.client_name = nz(s->client_name);
	a.kind = MS_AUTH_SUCCESS;
	a.mech = nz(mech);
	a.account = nz(user);
	a.account_src = user && *user ? src : MS_SRC_NONE;
	a.pw_len = -1;
	if (s->have_dec && s->dec.have_pw && (!a.account || same_account(s->dec.user, a.account))) {
		/* the session's decoded AUTH is this login's (decoding stops at the
		 * 235): its password's length and keyed hash, so that a password
		 * sprayed over other accounts is known to have logged in */
		a.pw_len = s->dec.pw_len;
		a.pw_len_exact = s->dec.pw_exact;
		if (s->dec.pw_exact && hmac_set(s->dec.hmac))
			a.pw_hmac = s->dec.hmac;
	}
	a.source_id = ref ? ref->source_id : s->source_id;
	a.line = ref ? ref->line : s->last_line;
	t->st.auth_successes++;
	if (t->sink.auth)
		t->sink.auth(t->sink.ctx, &a);
}

/*
 * An evicted session into the ring of those a later line may resume: the
 * most recently active ones (last line, then id), so which are kept does
 * not depend on when the idle sweep came (it evicts in slot order).
 */
void ms_tracker_evicted_mask(ms_tracker *t)
{
	uint64_t m = 0;
	for (int k = 0; k < T_EVICTED_N; k++)
		if (t->sess_evicted[k].used)
			m |= (uint64_t)1 << ((unsigned long)t->sess_evicted[k].pid & 63);
	t->evicted_pids = m;
}

static void evicted_keep(ms_tracker *t, const t_sess *s)
{
	int k, worst = -1;
	for (k = 0; k < T_EVICTED_N; k++) {
		const t_sess *q = &t->sess_evicted[k];
		if (!q->used)
			break;
		if (worst < 0 || q->last_ts < t->sess_evicted[worst].last_ts ||
		    (q->last_ts == t->sess_evicted[worst].last_ts && q->id < t->sess_evicted[worst].id))
			worst = k;
	}
	if (k == T_EVICTED_N) {
		const t_sess *w = &t->sess_evicted[worst];
		if (s->last_ts < w->last_ts || (s->last_ts == w->last_ts && s->id < w->id))
			return; /* idler than all it would displace */
		k = worst;
	}
	t->sess_evicted[k] = *s;
	ms_tracker_evicted_mask(t);
}

/* Close and free a session slot. */
static void sess_close(ms_tracker *t, int idx, int state)
{
	t_sess *s = &t->sess[idx];
	if (state != MS_SS_OPEN && s->counters.present && s->counters.auth_ok > 0 && s->auth_successes == 0) {
		/* auth=S/T with S > 0 and no client= line naming the user: a reject's
		 * sasl_username (3.10+) names it, else a decoded AUTH */
		const char *u = NULL, *mech = s->have_dec ? s->dec.mech : NULL;
		int src = MS_SRC_NONE;
		if (s->auth_user[0]) {
			u = s->auth_user;
			src = s->auth_user_src;
			mech = s->auth_method;
		} else if (s->have_dec && s->dec.user_complete) {
			/* the session's login names it too (sessions.auth_account_id) */
			memcpy(s->auth_user, s->dec.user, sizeof s->auth_user);
			snprintf(s->auth_method, sizeof s->auth_method, "%s", s->dec.mech);
			s->auth_user_src = MS_SRC_DECODED;
			u = s->auth_user;
			src = MS_SRC_DECODED;
			mech = s->auth_method;
		}
		s->auth_successes = 1;
		emit_success(t, s, u, src, mech, s->last_ts, NULL);
	}
	if (!s->auth_successes) {
		/* a reject's name the counters did not confirm is not a login */
		s->auth_user[0] = s->auth_method[0] = 0;
		s->auth_user_src = MS_SRC_NONE;
	}
	switch (state) {
	case MS_SS_CLOSED: t->st.disconnects++; break;
	case MS_SS_UNTERMINATED: t->st.unterminated++; break;
	case MS_SS_EVICTED: t->st.evicted++; break;
	}
	emit_session(t, s, state);
	if (state == MS_SS_EVICTED)
		evicted_keep(t, s);
	sess_ht_remove(t, idx);
	s->used = 0;
	t->sess_free[t->nfree++] = idx;
}

static int age_cmp(const void *a, const void *b)
{
	const t_age *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* a max-heap of a[0..n) by age_cmp: sift a[i] down */
static void age_sift(t_age *a, int n, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && age_cmp(&a[l], &a[m]) > 0)
			m = l;
		if (r < n && age_cmp(&a[r], &a[m]) > 0)
			m = r;
		if (m == i)
			return;
		t_age x = a[i];
		a[i] = a[m];
		a[m] = x;
		i = m;
	}
}

/* how many entries a full table of cap evicts at once */
static int evict_batch(int cap) { return cap / 64 > 0 ? cap / 64 : 1; }

/*
 * The k least recently active of a[0..n) into a[0..k), in age order; returns
 * how many (k, or n when smaller).  A heap of k: O(n log k) whatever the
 * times (they come from the log), where sorting all n cost more than the
 * eviction saved.
 */
static int age_oldest(t_age *a, int n, int k)
{
	if (k > n)
		k = n;
	if (k <= 0)
		return 0;
	for (int i = k / 2 - 1; i >= 0; i--)
		age_sift(a, k, i);
	for (int i = k; i < n; i++)
		if (age_cmp(&a[i], &a[0]) < 0) {
			a[0] = a[i];
			age_sift(a, k, 0);
		}
	qsort(a, (size_t)k, sizeof *a, age_cmp);
	return k;
}

/* An eviction queue (sessions', postscreen's) filled anew: the idlest 1/64 of
 * a table of cap entries, from the n in t->age, oldest first. */
static void evq_fill(ms_tracker *t, int n, int cap, t_age *q, int *qn, int *qpos)
{
	n = age_oldest(t->age, n, evict_batch(cap));
	memcpy(q, t->age, (size_t)n * sizeof *q);
	*qn = n;
	*qpos = 0;
}

/*
 * The table is full: evict its least recently active session (semantics.md).
 * One pass finds the least recently active 1/64, kept in order; each eviction
 * takes the next of them still as idle as it was (one touched since, or
 * closed, is skipped: it is no longer among the idlest), and the pass is
 * made again when they run out.  (A scan per connect made a log of sessions
 * that never close quadratic: 100 000 of them took 20 s; evicting the whole
 * 1/64 at once split 255 sessions more than "the idlest" into orphans.)
 */
static int sess_evict_oldest(ms_tracker *t)
{
	for (int pass = 0; pass < 2; pass++) {
		while (t->sess_evq_pos < t->sess_evq_n) {
			const t_age *a = &t->sess_evq[t->sess_evq_pos++];
			const t_sess *s = &t->sess[a->idx];
			if (s->used && s->id == a->id && s->last_ts == a->ts) {
				sess_close(t, a->idx, MS_SS_EVICTED);
				return 0;
			}
		}
		int n = 0;
		for (int i = 0; i < t->sess_hi; i++)
			if (t->sess[i].used)
				t->age[n++] = (t_age){ t->sess[i].last_ts, t->sess[i].id, i };
		evq_fill(t, n, t->cfg.max_open, t->sess_evq, &t->sess_evq_n, &t->sess_evq_pos);
	}
	return -1;
}

/* a free slot of the session table (the idlest session evicted when it is full), or -1 */
static int sess_slot(ms_tracker *t)
{
	if (t->nfree == 0 && sess_evict_oldest(t) != 0)
		return -1;
	int idx = t->sess_free[--t->nfree];
	if (idx >= t->sess_hi)
		t->sess_hi = idx + 1;
	return idx;
}

static int sess_open(ms_tracker *t, int host, int svc, long pid, const ms_event *ev, const ms_lineref *ref,
		     int orphan)
{
	int idx = sess_slot(t);
	t_sess *s;
	if (idx < 0)
		return -1;
	s = &t->sess[idx];
	memset(s, 0, sizeof *s);
	s->used = 1;
	s->host = host;
	s->svc = svc;
	s->pid = pid;
	s->id = t->ids.session++;
	s->start_ts = s->last_ts = s->seen_ts = ref->ts;
	s->orphan = orphan;
	cpy(s->ip, sizeof s->ip, ev->ip);
	cpy(s->client_name, sizeof s->client_name, ev->name);
	s->port = ev->port;
	s->source_id = ref->source_id;
	s->first_line = s->last_line = ref->line;
	sess_ht_insert(t, idx);
	if (orphan)
		t->st.orphans++;
	return idx;
}

/* how long after its last line an evicted session can still be resumed */
#define T_RESUME_MAX_S 86400

/*
 * A line of (host, svc, pid) naming client ip, with no session open: the
 * session evicted last for that process and client, within a day, open again
 * under its id (its row, written as evicted, is written again when it ends).
 * Returns its slot, or -1.  A connect of the process forgets its evicted
 * sessions (sess_forget_evicted()).
 */
static int sess_resume(ms_tracker *t, int host, int svc, long pid, const char *ip, int64_t ts)
{
	int best = -1;
	if (!(t->evicted_pids >> ((unsigned long)pid & 63) & 1))
		return -1;
	for (int k = 0; k < T_EVICTED_N; k++) {
		const t_sess *q = &t->sess_evicted[k];
		if (q->used && q->host == host && q->svc == svc && q->pid == pid && q->ip[0] && !strcmp(q->ip, ip) &&
		    ts >= q->last_ts && ts - q->last_ts <= T_RESUME_MAX_S &&
		    (best < 0 || q->last_ts > t->sess_evicted[best].last_ts))
			best = k;
	}
	if (best < 0)
		return -1;
	t_sess s = t->sess_evicted[best];
	t->sess_evicted[best].used = 0;
	ms_tracker_evicted_mask(t);
	int idx = sess_slot(t);
	if (idx < 0)
		return -1;
	t->sess[idx] = s;
	t->sess[idx].used = 1;
	sess_ht_insert(t, idx);
	if (t->st.evicted > 0)
		t->st.evicted--; /* (evicted in this run, not in the one before) */
	return idx;
}

static void sess_forget_evicted(ms_tracker *t, int host, int svc, long pid)
{
	if (!(t->evicted_pids >> ((unsigned long)pid & 63) & 1))
		return; /* (every connect asks) */
	for (int k = 0; k < T_EVICTED_N; k++) {
		t_sess *q = &t->sess_evicted[k];
		if (q->used && q->host == host && q->svc == svc && q->pid == pid)
			q->used = 0;
	}
	ms_tracker_evicted_mask(t);
}

static void sweep_idle(ms_tracker *t)
{
	for (int i = 0; i < t->sess_hi; i++)
		if (t->sess[i].used && t->sess[i].last_ts < host_clock(t, t->sess[i].host) - t->cfg.idle_timeout)
			sess_close(t, i, MS_SS_EVICTED);
	t->last_sweep = t->now;
}

/* ---------- pending failures and back-end lines ---------- */

#define RING_SWEEP_MIN 256 /* see expire_pending() */

static void emit_pfail(ms_tracker *t, t_pfail *f, const t_pback *b, int gap, int candidates)
{
	ms_auth_rec a;
	memset(&a, 0, sizeof a);
	a.id = f->auth_id;
	a.session_id = f->session_id;
	a.ts = f->ts;
	a.host = name_str(t, f->host);
	a.service = nz(name_str(t, f->svc));
	a.ip = nz(f->ip);
	a.client_name = nz(f->client_name);
	a.kind = MS_AUTH_FAIL;
	a.mech = nz(f->mech);
	a.reason = f->reason; /* may be "" (empty reason is meaningful) */
	a.pw_len = -1;
	if (f->user[0]) {
		a.account = f->user;
		a.account_src = f->user_src;
	}
	if (f->have_dec) {
		/* a user name cut short by the log is completed by the back-end line it prefixes */
		if (!a.account && f->dec.user[0] && (f->dec.user_complete || !b)) {
			a.account = f->dec.user;
			a.account_src = MS_SRC_DECODED;
		}
		a.decode_truncated = f->dec.truncated || !f->dec.user_complete;
		if (f->dec.have_pw) {
			a.pw_len = f->dec.pw_len;
			a.pw_len_exact = f->dec.pw_exact;
			if (f->dec.pw_exact && hmac_set(f->dec.hmac))
				a.pw_hmac = f->dec.hmac;
		}
	}
	if (b) {
		if (!a.account) {
			a.account = b->user;
			a.account_src = MS_SRC_INFERRED;
		}
		a.infer_gap = gap;
		a.infer_candidates = candidates;
		a.user_unknown = b->user_unknown;
		if (a.pw_len < 0 && b->pw_len >= 0) {
			a.pw_len = b->pw_len;
			a.pw_len_exact = 1;
		}
	}
	a.source_id = f->source_id;
	a.line = f->line;
	f->written = 1;
	if (t->sink.auth)
		t->sink.auth(t->sink.ctx, &a);
}

/* a back-end line that explains no failure: held ones have their id, others get one */
static void write_pback(ms_tracker *t, const t_pback *b)
{
	ms_backend_rec r;
	memset(&r, 0, sizeof r);
	r.id = b->id ? b->id : t->ids.backend++;
	r.ts = b->ts;
	r.host = name_str(t, b->host);
	r.ip = nz(b->ip);
	r.account = nz(b->user);
	r.backend = b->kind == 1 ? "plesk_saslauthd" : b->kind == 2 ? "saslauthd" : "dovecot";
	r.service = nz(b->service);
	r.fail = 1;
	/* 0 for a Dovecot auth process's line: the attempt may also be in its
	 * login process's "auth failed, N attempts" (dovecot_login()); reports
	 * count the larger of the two (report/q_account.c) */
	r.attempts = b->kind == 3 ? 0 : 1;
	r.pw_len = b->pw_len;
	r.user_unknown = b->user_unknown;
	r.source_id = b->source_id;
	r.line = b->line;
	if (t->sink.backend)
		t->sink.backend(t->sink.ctx, &r);
}

static void emit_pback(ms_tracker *t, const t_pback *b)
{
	t->st.backend_unmatched++;
	write_pback(t, b);
}

static int pf_slot(const ms_tracker *t, int k) { return (t->pf_head + k) % t->pf_cap; }
static t_pfail *pf_at(ms_tracker *t, int k) { return &t->pf[pf_slot(t, k)]; }

/* slot i of pfk from slot i of pf */
static void pfkey_set(ms_tracker *t, int i)
{
	const t_pfail *f = &t->pf[i];
	struct t_pfkey *k = &t->pfk[i];
	k->ts = f->ts;
	k->host = f->host;
	k->user_h = f->user_h;
	k->dec_h = f->dec_h;
	k->matched = f->matched != 0;
	k->plain = f->plain != 0;
	k->user_bare = f->user_bare != 0;
	k->dec_bare = f->dec_bare != 0;
}

void ms_tracker_pfkeys_rebuild(ms_tracker *t)
{
	memset(t->pf_hosts, 0, sizeof t->pf_hosts);
	for (int k = 0; k < t->pf_count; k++) {
		pfkey_set(t, pf_slot(t, k));
		t->pf_hosts[(unsigned)pf_at(t, k)->host % T_PF_HOSTS]++;
	}
}
static t_pback *pb_at(ms_tracker *t, int k) { return &t->pb[(t->pb_head + k) % t->pb_cap]; }

/*
 * The pending rings start at RING_START slots and double when full, up to
 * cfg.max_pending.  Their head goes round and round: a ring allocated at its
 * cap (8 192 failures, 6 MB) became resident in full however few failures
 * were ever pending at once (the benchmark's peak is a few hundred).
 */
#define RING_START 64

/* the count entries from head of a ring of cap slots, first in a new ring of ncap slots */
static void *ring_copy(const void *ring, int head, int count, int cap, int ncap, size_t size)
{
	char *n = malloc((size_t)ncap * size);
	if (!n)
		return NULL;
	for (int k = 0; k < count; k++)
		memcpy(n + (size_t)k * size, (const char *)ring + (size_t)((head + k) % cap) * size, size);
	return n;
}

static int ring_next_cap(int cap, int max) { return cap > max / 2 ? max : 2 * cap; }

/*
 * Room for one more entry in a ring of *cap slots holding count entries from
 * *head: the ring itself, or a new one twice as large (up to max) with the
 * entries first, *head and *cap updated (the caller then frees the old one).
 * NULL when the ring is at max or memory is short: the caller drops its oldest.
 */
static void *ring_room(void *ring, int *head, int count, int *cap, int max, size_t size)
{
	if (count < *cap)
		return ring;
	if (*cap >= max)
		return NULL;
	int nc = ring_next_cap(*cap, max);
	void *n = ring_copy(ring, *head, count, *cap, nc, size);
	if (n) {
		*head = 0;
		*cap = nc;
	}
	return n;
}

/* 1 when the failure ring has room for one more (grown if need be, its keys
 * with it), 0 when it is at its cap */
static int pf_room(ms_tracker *t)
{
	int head = t->pf_head, cap = t->pf_cap;
	t_pfail *r = ring_room(t->pf, &t->pf_head, t->pf_count, &t->pf_cap, t->cfg.max_pending, sizeof *t->pf);
	if (r && r != t->pf) {
		struct t_pfkey *k = ring_copy(t->pfk, head, t->pf_count, cap, t->pf_cap, sizeof *t->pfk);
		if (!k) { /* as if the ring were at its cap */
			free(r);
			t->pf_head = head;
			t->pf_cap = cap;
			return 0;
		}
		free(t->pf);
		t->pf = r;
		free(t->pfk);
		t->pfk = k;
	}
	return r != NULL;
}

/* a new failure at the ring's tail (room made first) */
static t_pfail *pf_push(ms_tracker *t, const t_pfail *nf)
{
	int i = pf_slot(t, t->pf_count);
	t->pf[i] = *nf;
	t->pf[i].used = 1;
	pfkey_set(t, i);
	t->pf_hosts[(unsigned)nf->host % T_PF_HOSTS]++;
	t->pf_count++;
	return &t->pf[i];
}

static int pb_room(ms_tracker *t)
{
	t_pback *r = ring_room(t->pb, &t->pb_head, t->pb_count, &t->pb_cap, t->cfg.max_pending, sizeof *t->pb);
	if (r && r != t->pb) {
		free(t->pb);
		t->pb = r;
	}
	return r != NULL;
}

/* the smallest cap of the doubling series from RING_START that holds n (n <= max) */
static int ring_cap_for(int n, int max)
{
	int c = RING_START < max ? RING_START : max;
	while (c < n)
		c = ring_next_cap(c, max);
	return c;
}

int ms_tracker_rings_reset(ms_tracker *t, int npf, int npb)
{
	if (npf < 0 || npb < 0 || npf > t->cfg.max_pending || npb > t->cfg.max_pending)
		return -1;
	int cf = ring_cap_for(npf, t->cfg.max_pending), cb = ring_cap_for(npb, t->cfg.max_pending);
	t_pfail *f = calloc((size_t)cf, sizeof *f);
	struct t_pfkey *fk = calloc((size_t)cf, sizeof *fk);
	t_pback *b = calloc((size_t)cb, sizeof *b);
	if (!f || !fk || !b) {
		free(f);
		free(fk);
		free(b);
		return -1;
	}
	free(t->pf);
	free(t->pfk);
	free(t->pb);
	t->pf = f;
	t->pfk = fk;
	t->pb = b;
	t->pf_cap = cf;
	t->pb_cap = cb;
	t->pf_head = t->pf_count = 0;
	memset(t->pf_hosts, 0, sizeof t->pf_hosts);
	t->pb_head = t->pb_count = 0;
	t->pf_sweep_at = t->pb_sweep_at = RING_SWEEP_MIN;
	return 0;
}

static void pf_pop(ms_tracker *t)
{
	t_pfail *f = pf_at(t, 0);
	if (!f->matched)
		emit_pfail(t, f, NULL, 0, 0);
	f->used = 0;
	t->pf_hosts[(unsigned)f->host % T_PF_HOSTS]--;
	t->pf_head = (t->pf_head + 1) % t->pf_cap;
	t->pf_count--;
}

static void pb_pop(ms_tracker *t)
{
	t_pback *b = pb_at(t, 0);
	if (b->used == 1)
		emit_pback(t, b);
	b->used = 0;
	t->pb_head = (t->pb_head + 1) % t->pb_cap;
	t->pb_count--;
}

/*
 * The rings are first in, first out, but each entry is timed by its host's
 * clock: an entry of a host that has stopped logging (its file ended, the
 * next host's files are read now) can stay at the head while those behind it
 * are done.  So when a ring has grown to twice what it held after its last
 * sweep (at least 256), every entry that is done goes, wherever it is: the
 * scans that look for a match stay short.
 */
static void pf_sweep(ms_tracker *t, int maxw)
{
	int w = 0, n = t->pf_count;
	for (int k = 0; k < n; k++) {
		t_pfail *f = pf_at(t, k);
		if (f->matched || f->ts + maxw < host_clock(t, f->host)) {
			if (!f->matched)
				emit_pfail(t, f, NULL, 0, 0);
			f->used = 0;
			t->pf_hosts[(unsigned)f->host % T_PF_HOSTS]--;
			continue;
		}
		if (w != k) {
			*pf_at(t, w) = *f;
			t->pfk[pf_slot(t, w)] = t->pfk[pf_slot(t, k)];
			f->used = 0;
		}
		w++;
	}
	t->pf_count = w;
	t->pf_sweep_at = 2 * w > RING_SWEEP_MIN ? 2 * w : RING_SWEEP_MIN;
}

static void pb_sweep(ms_tracker *t, int lead)
{
	int w = 0, n = t->pb_count;
	for (int k = 0; k < n; k++) {
		t_pback *b = pb_at(t, k);
		if (b->used != 1 || b->ts + lead < host_clock(t, b->host)) {
			if (b->used == 1)
				emit_pback(t, b);
			b->used = 0;
			continue;
		}
		if (w != k) {
			*pb_at(t, w) = *b;
			b->used = 0;
		}
		w++;
	}
	t->pb_count = w;
	t->pb_sweep_at = 2 * w > RING_SWEEP_MIN ? 2 * w : RING_SWEEP_MIN;
}

static void pn_forget(ms_tracker *t, t_pnamed *n);

static void expire_pending(ms_tracker *t)
{
	int maxw = t->cfg.plesk_window > t->cfg.dovecot_window ? t->cfg.plesk_window : t->cfg.dovecot_window;
	/* host_clock() <= t->now: an entry not done by t->now is not done */
	while (t->pf_count && (pf_at(t, 0)->matched || (pf_at(t, 0)->ts + maxw < t->now &&
							 pf_at(t, 0)->ts + maxw < host_clock(t, pf_at(t, 0)->host))))
		pf_pop(t);
	if (t->pf_count >= t->pf_sweep_at)
		pf_sweep(t, maxw);
	int lead = t->cfg.plesk_lead > t->cfg.dovecot_window ? t->cfg.plesk_lead : t->cfg.dovecot_window;
	while (t->pb_count && (pb_at(t, 0)->used != 1 || (pb_at(t, 0)->ts + lead < t->now &&
							  pb_at(t, 0)->ts + lead < host_clock(t, pb_at(t, 0)->host))))
		pb_pop(t);
	if (t->pb_count >= t->pb_sweep_at)
		pb_sweep(t, lead);
	/* named failures: kept the plesk window, by their host's clock */
	while (t->pn_count) {
		t_pnamed *n = &t->pn[t->pn_head];
		if (n->f.used && (n->f.ts + t->cfg.plesk_window >= t->now ||
				  n->f.ts + t->cfg.plesk_window >= host_clock(t, n->f.host)))
			break;
		pn_forget(t, n);
		t->pn_head = (t->pn_head + 1) % t->pn_cap;
		t->pn_count--;
	}
}

/* a Dovecot session id, "<id>" or "id", without its angle brackets */
static void sid_copy(char *dst, size_t cap, ms_sv s)
{
	if (s.n && s.p[0] == '<')
		s = ms_sv_skip(s, 1);
	if (s.n && s.p[s.n - 1] == '>')
		s.n--;
	if (s.n >= cap) /* not one Dovecot makes: no id rather than a cut one */
		s.n = 0;
	cpy(dst, cap, s);
}

static int mech_plaintext(const char *m)
{
	return !strcasecmp(m, "LOGIN") || !strcasecmp(m, "PLAIN");
}

/* Can back-end line b explain failure f? gap = b.ts - f.ts */
/* u, a name without a domain, is bu's local part: "bob" and saslauthd's
 * "bob@example.com" (the realm smtpd_sasl_local_domain gave) */
static int realm_of(const char *u, const char *bu)
{
	size_t n = strlen(u);
	return n && !strchr(u, '@') && strncmp(u, bu, n) == 0 && bu[n] == '@';
}

/* a failure's name and a Dovecot line's: the same in any case (Dovecot logs
 * the name after auth_username_format, "%Lu" by default), or the line's is
 * the local part alone ("%n") */
static int dovecot_same(const char *fu, const char *bu)
{
	if (!strcasecmp(fu, bu))
		return 1;
	const char *at = strchr(fu, '@');
	return at && !strchr(bu, '@') && strlen(bu) == (size_t)(at - fu) && !strncasecmp(fu, bu, (size_t)(at - fu));
}

void ms_tracker_pfail_keys(t_pfail *f)
{
	f->plain = f->mech[0] && mech_plaintext(f->mech);
	f->user_h = f->user[0] ? ms_tracker_acct_hash(f->user) : 0;
	f->user_bare = f->user[0] && !strchr(f->user, '@');
	int dc = f->have_dec && f->dec.user_complete && f->dec.user[0];
	f->dec_h = dc ? ms_tracker_acct_hash(f->dec.user) : 0;
	f->dec_bare = dc && !strchr(f->dec.user, '@');
}

void ms_tracker_pback_keys(t_pback *b)
{
	b->user_h = ms_tracker_acct_hash(b->user);
	b->sid_h = b->sid[0] ? pn_sid_hash(b->sid) : 0;
}

static int compatible(const ms_tracker *t, const t_pfail *f, const t_pback *b)
{
	int64_t gap = b->ts - f->ts;
	if (f->matched || f->host != b->host)
		return 0;
	if (b->kind == 3) { /* dovecot: same IP, close in time */
		/* not on a host whose Postfix asks saslauthd (Plesk: Dovecot
		 * serves IMAP and POP only), nor a request of an IMAP/POP login */
		if (b->not_smtp || t->names[f->host].saslauthd)
			return 0;
		if (b->mech[0] && f->mech[0] && strcasecmp(b->mech, f->mech) != 0)
			return 0;
		if (strcmp(f->ip, b->ip) != 0 || gap < -t->cfg.dovecot_window || gap > t->cfg.dovecot_window)
			return 0;
		/* and no name it contradicts, as below; in any case, since Dovecot
		 * logs the name after its auth_username_format ("%Lu", lower
		 * case, by default) */
		if (!b->user[0]) /* pam_unix names no user that does not exist */
			return 1;
		if (f->user[0] && !dovecot_same(f->user, b->user))
			return 0;
		if (f->have_dec && f->dec.user_complete && !dovecot_same(f->dec.user, b->user))
			return 0;
		if (f->have_dec && !f->dec.user_complete && strncasecmp(f->dec.user, b->user, strlen(f->dec.user)) != 0)
			return 0;
		return 1;
	}
	if (gap < -t->cfg.plesk_lead || gap > t->cfg.plesk_window)
		return 0;
	if (!f->plain)
		return 0;
	if (b->ip[0] && strcmp(f->ip, b->ip) != 0) /* saslauthd's "[remote=…]" */
		return 0;
	/* one account: the local part exact, the domain in any case (SEMANTICS);
	 * or the name the client gave without a domain, which saslauthd logs
	 * with smtpd_sasl_local_domain's realm (hashes first: a spray's waiting
	 * failures are thousands, and each plesk line is compared with all) */
	if (f->user[0] && (f->user_h != b->user_h || !same_account(f->user, b->user)) &&
	    !(f->user_bare && realm_of(f->user, b->user)))
		return 0;
	if (f->dec_h && (f->dec_h != b->user_h || !same_account(f->dec.user, b->user)) &&
	    !(f->dec_bare && realm_of(f->dec.user, b->user)))
		return 0;
	if (f->have_dec && !f->dec.user_complete && !account_prefix(f->dec.user, b->user))
		return 0;
	if (f->have_dec && f->dec.pw_exact && b->pw_len >= 0 && f->dec.pw_len != b->pw_len)
		return 0;
	/* a password the log cut short is at least as long as its decoded part */
	if (f->have_dec && f->dec.have_pw && !f->dec.pw_exact && b->pw_len >= 0 && b->pw_len < f->dec.pw_len)
		return 0;
	return 1;
}

static void pn_push(ms_tracker *t, const t_pfail *f, const t_pback *dv);

static void match(ms_tracker *t, t_pfail *f, t_pback *b, int candidates)
{
	f->matched = 1;
	if (f >= t->pf && f < t->pf + t->pf_cap) /* (not one of pn, or a copy) */
		t->pfk[f - t->pf].matched = 1;
	b->used = 2; /* consumed */
	if (b->written && t->sink.backend) {
		/* a checkpoint wrote it as unmatched: it explains a failure after all */
		ms_backend_rec r;
		memset(&r, 0, sizeof r);
		r.id = b->id;
		r.retract = 1;
		t->sink.backend(t->sink.ctx, &r);
		b->written = 0;
	}
	t->st.backend_matched++;
	emit_pfail(t, f, b, (int)(b->ts - f->ts), candidates);
	if (b->kind == 3)
		pn_push(t, f, b);
}

/* ---------- failures named by Dovecot lines ---------- */

static t_pnamed *pn_at(ms_tracker *t, int k) { return &t->pn[(t->pn_head + k) % t->pn_cap]; }

static void pn_forget(ms_tracker *t, t_pnamed *n)
{
	if (n->f.used && !n->disowned && n->sid_h && t->pn_sid_count[n->sid_h % T_SID_BUCKETS])
		t->pn_sid_count[n->sid_h % T_SID_BUCKETS]--;
	n->f.used = 0;
}

/* n's session id is set (or was): counted in its bucket */
static void pn_count_sid(ms_tracker *t, const t_pnamed *n)
{
	if (n->f.used && !n->disowned && n->sid_h && t->pn_sid_count[n->sid_h % T_SID_BUCKETS] < UINT16_MAX)
		t->pn_sid_count[n->sid_h % T_SID_BUCKETS]++;
}

void ms_tracker_pn_recount(ms_tracker *t)
{
	memset(t->pn_sid_count, 0, sizeof t->pn_sid_count);
	for (int k = 0; k < t->pn_count; k++)
		pn_count_sid(t, pn_at(t, k));
}

/* f was just named by Dovecot line dv (written so): keep both a while */
static void pn_push(ms_tracker *t, const t_pfail *f, const t_pback *dv)
{
	if (t->names[f->host].saslauthd)
		return; /* nothing can take it back */
	if (!t->pn_cap) {
		t->pn = malloc(RING_START * sizeof *t->pn);
		if (!t->pn)
			return;
		t->pn_cap = RING_START;
	}
	t_pnamed *r = ring_room(t->pn, &t->pn_head, t->pn_count, &t->pn_cap, T_PN_MAX, sizeof *t->pn);
	if (!r) { /* at its cap: the oldest stays as written */
		pn_forget(t, &t->pn[t->pn_head]);
		t->pn_head = (t->pn_head + 1) % t->pn_cap;
		t->pn_count--;
	} else if (r != t->pn) {
		free(t->pn);
		t->pn = r;
	}
	t_pnamed *n = pn_at(t, t->pn_count++);
	n->f = *f;
	n->f.used = 1;
	n->f.matched = 0; /* for compatible(): a saslauthd line may take it */
	n->dv = *dv;
	n->dv.used = 2;
	n->dv.written = 0;
	n->sid_h = dv->sid[0] ? pn_sid_hash(dv->sid) : 0;
	n->disowned = 0;
	pn_count_sid(t, n);
}

/* n's Dovecot line did not name it after all: written as a back-end line
 * that explains no failure; the failure, a copy, is the caller's to write */
static t_pfail pn_take(ms_tracker *t, t_pnamed *n)
{
	t_pfail f = n->f;
	t_pback dv = n->dv;
	pn_forget(t, n);
	if (!n->disowned) {
		t->st.backend_matched--;
		emit_pback(t, &dv);
	}
	return f;
}

/*
 * Host h logged its first saslauthd line: its Postfix asks saslauthd, and
 * the Dovecot lines that named its failures were IMAP/POP attempts'.  Those
 * failures are written again without the name; a saslauthd line may still
 * name them (pn_saslauthd()).
 */
static void pn_disown(ms_tracker *t, int h)
{
	for (int k = 0; k < t->pn_count; k++) {
		t_pnamed *n = pn_at(t, k);
		if (!n->f.used || n->disowned || n->f.host != h)
			continue;
		t_pfail f = pn_take(t, n);
		n->f.used = 1; /* still waiting for a saslauthd line */
		n->disowned = 1;
		emit_pfail(t, &f, NULL, 0, 0);
	}
}

/*
 * A saslauthd line that no waiting failure qualifies for: the earliest
 * failure a Dovecot line named that it qualifies for is its (that host's
 * Postfix asks saslauthd: the Dovecot line was an IMAP/POP attempt's).
 * 1 when it took one.
 */
static int pn_saslauthd(ms_tracker *t, const t_pback *b)
{
	int found = -1, others = 0;
	for (int k = 0; k < t->pn_count; k++) {
		t_pnamed *n = pn_at(t, k);
		if (n->f.used && compatible(t, &n->f, b)) {
			if (found < 0)
				found = k;
			else
				others++;
		}
	}
	if (found < 0)
		return 0;
	t_pfail f = pn_take(t, pn_at(t, found));
	t_pback tmp = *b;
	tmp.used = 1;
	match(t, &f, &tmp, 1 + others);
	return 1;
}

/* a new back-end line: find the earliest compatible unmatched failure */
static int drop_take(ms_tracker *t, const t_pback *b);

#define CAND_MAX 255 /* infer_candidates counts at most 1 + CAND_MAX addresses */

/* what compatible() refuses from a failure's keys alone (no other field of
 * it read); 0 leaves the answer to compatible() */
static int pfkey_refuses(const ms_tracker *t, const struct t_pfkey *k, const t_pback *b)
{
	int64_t gap = b->ts - k->ts;
	if (k->matched || k->host != b->host)
		return 1;
	if (b->kind == 3)
		return gap < -t->cfg.dovecot_window || gap > t->cfg.dovecot_window;
	if (gap < -t->cfg.plesk_lead || gap > t->cfg.plesk_window || !k->plain)
		return 1;
	/* a named failure of another account (a realm may still join a bare name) */
	return (k->user_h && k->user_h != b->user_h && !k->user_bare) ||
	       (k->dec_h && k->dec_h != b->user_h && !k->dec_bare);
}

/* returns the id of the waiting line it became, 0 when it explained a failure
 * (*named: that failure's auth id, when named is not NULL) or was written */
static int64_t backend_line(ms_tracker *t, t_pback *nb, int64_t *named)
{
	int found = -1, others = 0;
	ms_tracker_pback_keys(nb);
	if (t->drop_count && drop_take(t, nb)) {
		/* its failure was written without it: kept as unmatched evidence */
		emit_pback(t, nb);
		return 0;
	}
	/* the other addresses with a compatible failure waiting, each once:
	 * their hashes in a small table, counted up to CAND_MAX */
	uint64_t seen[2 * CAND_MAX];
	int nseen = 0;
	int nk = t->pf_hosts[(unsigned)nb->host % T_PF_HOSTS] ? t->pf_count : 0;
	for (int k = 0; k < nk; k++) {
		int slot = pf_slot(t, k);
		if (pfkey_refuses(t, &t->pfk[slot], nb))
			continue;
		t_pfail *f = &t->pf[slot];
		if (!compatible(t, f, nb))
			continue;
		if (found < 0) {
			found = k;
		} else if (nseen < CAND_MAX && strcmp(f->ip, pf_at(t, found)->ip) != 0) {
			uint64_t h = hash_bytes(f->ip, strlen(f->ip), 0xcbf29ce484222325ULL) | 1;
			size_t i = (size_t)h % (2 * CAND_MAX);
			if (!nseen)
				memset(seen, 0, sizeof seen);
			while (seen[i] && seen[i] != h)
				i = (i + 1) % (2 * CAND_MAX);
			if (!seen[i]) {
				seen[i] = h;
				nseen++;
				others++;
			}
		}
	}
	if (found >= 0) {
		t_pback tmp = *nb;
		tmp.used = 1;
		if (named)
			*named = pf_at(t, found)->auth_id;
		match(t, pf_at(t, found), &tmp, 1 + others);
		return 0;
	}
	if (nb->kind != 3 && t->pn_count && pn_saslauthd(t, nb))
		return 0;
	/* hold it: its failure may still be logged */
	if (!pb_room(t))
		pb_pop(t);
	t_pback *slot = pb_at(t, t->pb_count);
	*slot = *nb;
	slot->used = 1;
	slot->written = 0;
	slot->id = t->ids.backend++; /* stable: a checkpoint may write it before its fate is known */
	t->pb_count++;
	return slot->id;
}

/* ---------- failures dropped from the full ring ---------- */

/* at most T_DROP_MAX (as many as the ring holds: a back-end line scans
 * them as it scans the ring) */
#define DROP_MAX T_DROP_MAX

static t_drop *drop_at(ms_tracker *t, int k) { return &t->drop[(t->drop_head + k) % t->drop_cap]; }

/* the first n bytes of u (all: n = SIZE_MAX), lower-cased (ASCII and the
 * two-byte letters ms_utf8_lower() knows), hashed */
static uint32_t user_hash32(const char *u, size_t n)
{
	char f[ACCT_FOLD_CAP];
	size_t l = strnlen(u, n);
	if (l >= sizeof f)
		l = sizeof f - 1;
	memcpy(f, u, l);
	ms_utf8_lower(f, l);
	return ms_fnv32(f, l);
}

/* f leaves the full ring unexplained: keep what a plesk_saslauthd or
 * saslauthd line needs to know it is f's (Dovecot's lines name the address
 * and are not taken for another's) */
static void drop_note(ms_tracker *t, const t_pfail *f)
{
	if (!mech_plaintext(f->mech))
		return;
	if (!t->drop_cap) {
		t->drop = malloc(RING_START * sizeof *t->drop);
		if (!t->drop)
			return;
		t->drop_cap = RING_START;
	}
	t_drop *r = ring_room(t->drop, &t->drop_head, t->drop_count, &t->drop_cap, DROP_MAX, sizeof *t->drop);
	if (!r) { /* at its cap: the oldest goes */
		t->drop_head = (t->drop_head + 1) % t->drop_cap;
		t->drop_count--;
	} else if (r != t->drop) {
		free(t->drop);
		t->drop = r;
	}
	/* what compatible() asks of a back-end line for f, so that a token takes
	 * no line a waiting failure should have */
	t_drop dr = { .ts = f->ts, .host = f->host, .pw_len = -1, .used = 1 };
	if (f->user[0] || (f->have_dec && f->dec.user_complete)) {
		dr.has_user = 1;
		dr.user_h = user_hash32(f->user[0] ? f->user : f->dec.user, SIZE_MAX);
	} else if (f->have_dec && f->dec.user[0]) {
		dr.has_user = 2;
		dr.user_n = (uint16_t)strlen(f->dec.user);
		dr.user_h = user_hash32(f->dec.user, dr.user_n);
	}
	if (f->have_dec && f->dec.pw_exact)
		dr.pw_len = f->dec.pw_len;
	else if (f->have_dec && f->dec.have_pw && f->dec.pw_len >= 0)
		dr.pw_len = -2 - f->dec.pw_len; /* a lower bound, as compatible() reads it */
	*drop_at(t, t->drop_count++) = dr;
}

/* a failure of the ring's head goes to make room for a new one */
static void pf_make_room(ms_tracker *t)
{
	if (pf_room(t))
		return;
	if (!pf_at(t, 0)->matched)
		drop_note(t, pf_at(t, 0));
	pf_pop(t);
}

/* Does back-end line b belong to a dropped failure (the earliest
 * compatible, as in backend_line())?  Taken when so. */
static int drop_take(ms_tracker *t, const t_pback *b)
{
	/* timed by each token's own host, as the waiting failures are */
	while (t->drop_count && (!drop_at(t, 0)->used || (drop_at(t, 0)->ts + t->cfg.plesk_window < t->now &&
							  drop_at(t, 0)->ts + t->cfg.plesk_window <
								  host_clock(t, drop_at(t, 0)->host)))) {
		t->drop_head = (t->drop_head + 1) % t->drop_cap;
		t->drop_count--;
	}
	if (b->kind == 3 || b->ip[0])
		return 0;
	uint32_t uh = 0;
	for (int k = 0; k < t->drop_count; k++) {
		t_drop *d = drop_at(t, k);
		int64_t gap = b->ts - d->ts;
		if (!d->used || d->host != b->host || gap < -t->cfg.plesk_lead || gap > t->cfg.plesk_window)
			continue;
		if (d->has_user == 1) {
			if (!uh)
				uh = user_hash32(b->user, SIZE_MAX);
			if (d->user_h != uh)
				continue;
		} else if (d->has_user == 2 && user_hash32(b->user, d->user_n) != d->user_h) {
			continue;
		}
		if (d->pw_len >= 0 && b->pw_len >= 0 && d->pw_len != b->pw_len)
			continue;
		if (d->pw_len <= -2 && b->pw_len >= 0 && b->pw_len < -2 - d->pw_len)
			continue;
		d->used = 0;
		return 1;
	}
	return 0;
}

/* the earliest waiting back-end line failure f can explain, or -1; the
 * others it could also explain make the choice one by order (*others:
 * infer_candidates - 1, as several addresses' failures waiting for one
 * line do) */
static int waiting_line(ms_tracker *t, const t_pfail *f, int *others)
{
	int found = -1;
	*others = 0;
	for (int k = 0; k < t->pb_count; k++) {
		t_pback *b = pb_at(t, k);
		if (b->used == 1 && compatible(t, f, b)) {
			if (found < 0)
				found = k;
			else
				(*others)++;
		}
	}
	return found;
}

/* a new failure: a back-end line that came first may explain it */
static void failure_line(ms_tracker *t, t_pfail *nf)
{
	int others, found = waiting_line(t, nf, &others);
	pf_make_room(t);
	t_pfail *slot = pf_push(t, nf);
	if (found >= 0)
		match(t, slot, pb_at(t, found), 1 + others);
}

/* ---------- messages of authenticated sessions ---------- */

static uint64_t msg_hash(int host, const char *qid)
{
	return hash_bytes(qid, strlen(qid), 0xcbf29ce484222325ULL ^ (uint64_t)host * 31);
}

static uint64_t msg_hash_of(const ms_tracker *t, int32_t v) { return msg_hash(t->msg[v].host, t->msg[v].qid); }
static int msg_live(const ms_tracker *t, int32_t v) { return t->msg[v].used != 0; }

/* The pool index of (host, qid), or -1.  The table holds pool indices so that
 * only as many t_msg entries are touched as are ever open at once. */
static int msg_find(ms_tracker *t, int host, ms_sv qid)
{
	char q[28];
	cpy(q, sizeof q, qid);
	uint64_t h = msg_hash(host, q);
	for (int i = 0; i < t->msg_cap; i++) {
		int slot = (int)((h + (uint64_t)i) & (uint64_t)(t->msg_cap - 1));
		int32_t v = t->msg_ht[slot];
		if (v < 0)
			return -1;
		t_msg *m = &t->msg[v];
		if (m->host == host && !strcmp(m->qid, q))
			return v;
	}
	return -1;
}

static void emit_msg(ms_tracker *t, const t_msg *m)
{
	ms_message_rec r;
	memset(&r, 0, sizeof r);
	r.id = m->id;
	r.session_id = m->session_id;
	r.ts = m->ts;
	r.host = name_str(t, m->host);
	r.ip = nz(m->ip);
	r.queue_id = m->qid;
	r.account = nz(m->account);
	r.sender = m->sender;
	r.message_id = nz(m->msgid);
	r.size = m->size;
	r.nrcpt = m->nrcpt;
	r.delivered = m->delivered;
	r.bounced = m->bounced;
	r.deferred = m->deferred;
	r.source_id = m->source_id;
	r.line = m->line;
	if (t->sink.message)
		t->sink.message(t->sink.ctx, &r);
}

static void msg_delete(ms_tracker *t, int idx)
{
	ix_remove(t, t->msg_ht, t->msg_cap, idx, msg_hash_of);
	t->msg[idx].used = 0;
	t->msg_free[t->msg_nfree++] = idx;
	t->nmsg--;
}

/*
 * The table is full: write out and forget the least recently active 1/64 of
 * it in one pass, as for sessions (one per new message with a scan each
 * made a flood of messages that never finish quadratic).
 */
static void msg_evict_oldest(ms_tracker *t)
{
	int n = 0;
	for (int i = 0; i < t->msg_hi; i++)
		if (t->msg[i].used)
			t->age[n++] = (t_age){ t->msg[i].last_ts, t->msg[i].id, i };
	n = age_oldest(t->age, n, evict_batch(t->cfg.max_messages));
	for (int i = 0; i < n; i++) { /* pool indices stay put when others are deleted */
		emit_msg(t, &t->msg[t->age[i].idx]);
		msg_delete(t, t->age[i].idx);
	}
}

/*
 * Messages that nothing was logged for since msg_idle_timeout of log time
 * (its "removed" line was lost, or the file ends the story elsewhere): write
 * them out and forget them, as idle sessions are.  A message still queued is
 * logged at every delivery attempt (Postfix retries at most maximal_backoff_time,
 * 4000 s by default, apart), so the default (five days, Postfix's
 * maximal_queue_lifetime) only drops what is gone.  Without this the table
 * filled up to its cap over months of logs (a 4 GB benchmark log: 9 000 of
 * them, 4.9 MB, and as much again in each checkpoint's state).  Silence is
 * measured back from the line being read (at), not from the latest time
 * seen: an older log read after a newer one (a backfill) keeps its messages.
 */
static void msg_sweep_idle(ms_tracker *t, int64_t at)
{
	int64_t limit = at - t->cfg.msg_idle_timeout;
	for (int i = 0; i < t->msg_hi; i++) /* pool indices stay put when others are deleted */
		if (t->msg[i].used && t->msg[i].last_ts < limit) {
			emit_msg(t, &t->msg[i]);
			msg_delete(t, i);
		}
}

static void msg_new(ms_tracker *t, t_sess *s, const ms_event *ev, const ms_lineref *ref)
{
	char q[28] = { 0 }; /* copied whole into the entry, and so into the saved state */
	if (t->nmsg >= t->cfg.max_messages)
		msg_evict_oldest(t);
	cpy(q, sizeof q, ev->queue_id);
	uint64_t h = msg_hash(s->host, q);
	for (int i = 0; i < t->msg_cap; i++) {
		int slot = (int)((h + (uint64_t)i) & (uint64_t)(t->msg_cap - 1));
		int32_t v = t->msg_ht[slot];
		t_msg *m = NULL;
		if (v >= 0 && t->msg[v].host == s->host && !strcmp(t->msg[v].qid, q)) {
			m = &t->msg[v];
			emit_msg(t, m); /* queue id reused: close the old one, reuse its entry */
			t->nmsg--;
		} else if (v < 0 && t->msg_nfree > 0) {
			v = t->msg_free[--t->msg_nfree];
			if (v >= t->msg_hi)
				t->msg_hi = v + 1;
			t->msg_ht[slot] = v;
			m = &t->msg[v];
		}
		if (m) {
			memset(m, 0, sizeof *m);
			m->used = 1;
			m->host = s->host;
			memcpy(m->qid, q, sizeof q);
			m->id = t->ids.message++;
			m->session_id = s->id;
			m->ts = m->last_ts = ref->ts;
			snprintf(m->ip, sizeof m->ip, "%s", client_ip(t, s));
			memcpy(m->account, s->auth_user, sizeof m->account);
			m->size = -1;
			m->nrcpt = -1;
			m->source_id = ref->source_id;
			m->line = ref->line;
			t->nmsg++;
			return;
		}
	}
}

static void msg_event(ms_tracker *t, int host, const ms_event *ev, const ms_lineref *ref)
{
	int slot = msg_find(t, host, ev->queue_id);
	t_msg *m;
	if (slot < 0)
		return;
	m = &t->msg[slot];
	m->last_ts = ref->ts;
	switch (ev->type) {
	case EV_Q_MSGID:
		cpy(m->msgid, sizeof m->msgid, ev->text);
		break;
	case EV_Q_FROM:
		cpy(m->sender, sizeof m->sender, ev->from);
		m->size = ev->num;
		m->nrcpt = (int)ev->num2;
		break;
	case EV_Q_DELIVERY:
		if (ms_sv_eq_lit(ev->what, "sent") || ms_sv_eq_lit(ev->what, "delivered"))
			m->delivered++;
		else if (ms_sv_eq_lit(ev->what, "bounced") || ms_sv_eq_lit(ev->what, "expired"))
			m->bounced++;
		else if (ms_sv_eq_lit(ev->what, "deferred"))
			m->deferred++;
		break;
	case EV_Q_REMOVED:
		emit_msg(t, m);
		msg_delete(t, slot);
		break;
	default:
		break;
	}
}

/* ---------- postscreen ---------- */

static uint64_t ps_hash(int host, const char *ip, long port)
{
	return hash_bytes(ip, strlen(ip), 0xcbf29ce484222325ULL ^ (uint64_t)host * 131 ^ (uint64_t)port * 7919);
}

static uint64_t ps_hash_of(const ms_tracker *t, int32_t v) { return ps_hash(t->ps[v].host, t->ps[v].ip, t->ps[v].port); }
static int ps_live(const ms_tracker *t, int32_t v) { return t->ps[v].used != 0; }

/* unset: what a conversation without a verdict is written as */
static void emit_ps(ms_tracker *t, const t_ps *p, const char *unset)
{
	ms_postscreen_rec r;
	memset(&r, 0, sizeof r);
	r.id = p->id;
	r.host = name_str(t, p->host);
	r.ip = p->ip;
	r.port = p->port;
	r.start_ts = p->start_ts;
	r.end_ts = p->end_ts;
	r.verdict = p->verdict[0] ? p->verdict : unset;
	r.dnsbl_rank = p->dnsbl_rank;
	r.pregreet = p->pregreet;
	r.events = p->events;
	r.source_id = p->source_id;
	r.line = p->line;
	if (t->sink.postscreen)
		t->sink.postscreen(t->sink.ctx, &r);
}

/*
 * Postscreen conversations live in a pool (lowest free slot first, so the
 * memory touched follows the most ever open at once), found through a table
 * of pool indices.  The table held the entries themselves until this round:
 * 16 384 slots of 152 bytes, spread by the hash, all of it resident and
 * most lookups a cache miss, for the few hundred conversations open at once.
 */

/* the pool index of (host, ip, port), or -1 and *free_slot: the table slot it would take (-1: full) */
static int ps_find(const ms_tracker *t, int host, const char *ip, long port, int *free_slot)
{
	uint64_t h = ps_hash(host, ip, port);
	*free_slot = -1;
	for (int i = 0; i < t->ps_cap; i++) {
		int slot = (int)((h + (uint64_t)i) & (uint64_t)(t->ps_cap - 1));
		int32_t v = t->ps_ht[slot];
		if (v < 0) {
			*free_slot = slot;
			return -1;
		}
		const t_ps *p = &t->ps[v];
		if (p->host == host && p->port == port && !strcmp(p->ip, ip))
			return v;
	}
	return -1;
}

/* forgets pool entry idx */
static void ps_delete(ms_tracker *t, int idx)
{
	ix_remove(t, t->ps_ht, t->ps_cap, idx, ps_hash_of);
	t->ps[idx].used = 0;
	t->ps_free[t->ps_nfree++] = idx;
	t->nps--;
}

/*
 * The pool is full: write out and forget the least recently active 1/64 of
 * it (one per new connection with a scan of the whole table each made a
 * flood of CONNECTs that never finish 80 times slower: 200 000 took 8 s).
 */
static void ps_evict_oldest(ms_tracker *t)
{
	/* the idlest one, as sess_evict_oldest() finds it */
	for (int pass = 0; pass < 2; pass++) {
		while (t->ps_evq_pos < t->ps_evq_n) {
			const t_age *a = &t->ps_evq[t->ps_evq_pos++];
			const t_ps *p = &t->ps[a->idx];
			if (p->used && p->id == a->id && p->end_ts == a->ts) {
				emit_ps(t, &t->ps[a->idx], "dropped");
				ps_delete(t, a->idx);
				return;
			}
		}
		int n = 0;
		for (int i = 0; i < t->ps_hi; i++)
			if (t->ps[i].used)
				t->age[n++] = (t_age){ t->ps[i].end_ts, t->ps[i].id, i };
		evq_fill(t, n, t->cfg.max_postscreen, t->ps_evq, &t->ps_evq_n, &t->ps_evq_pos);
	}
}

static int ps_get(ms_tracker *t, int host, const ms_event *ev, const ms_lineref *ref, int create)
{
	char ip[T_IPLEN];
	int free_slot, idx;
	cpy(ip, sizeof ip, ev->ip);
	idx = ps_find(t, host, ip, ev->port, &free_slot);
	if (idx >= 0 || !create)
		return idx;
	if (t->nps >= t->cfg.max_postscreen) {
		ps_evict_oldest(t);
		if (t->nps >= t->cfg.max_postscreen)
			return -1;
		(void)ps_find(t, host, ip, ev->port, &free_slot); /* where it goes now */
	}
	if (free_slot < 0 || t->ps_nfree == 0)
		return -1;
	idx = t->ps_free[--t->ps_nfree];
	if (idx >= t->ps_hi)
		t->ps_hi = idx + 1;
	t->ps_ht[free_slot] = idx;
	t_ps *p = &t->ps[idx];
	memset(p, 0, sizeof *p);
	p->used = 1;
	p->host = host;
	memcpy(p->ip, ip, sizeof ip);
	p->port = ev->port;
	p->id = t->ids.postscreen++;
	p->start_ts = p->end_ts = ref->ts;
	p->source_id = ref->source_id;
	p->line = ref->line;
	t->nps++;
	return idx;
}

static void lower_copy(char *dst, size_t cap, ms_sv s)
{
	cpy(dst, cap, s);
	for (char *c = dst; *c; c++) {
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
		else if (*c == ' ' || *c == '-')
			*c = '_';
	}
}

/* a reject record of ev's line: of session session_id (0: none), client ip;
 * postscreen's (which logs "reject" only) with postscreen set */
static void emit_reject(ms_tracker *t, int host, const ms_event *ev, const ms_lineref *ref, int64_t session_id,
			const char *ip, const char *client_name, int postscreen)
{
	ms_reject_rec r;
	char action[T_SMALL], stage[T_SMALL], reason[256], from[T_USERLEN], to[T_USERLEN], helo[T_NAMELEN];
	memset(&r, 0, sizeof r);
	cpy(action, sizeof action, ev->what);
	cpy(stage, sizeof stage, ev->where);
	cpy(reason, sizeof reason, ev->reason);
	cpy(from, sizeof from, ev->from);
	cpy(to, sizeof to, ev->to);
	cpy(helo, sizeof helo, ev->helo);
	r.id = t->ids.reject++;
	r.session_id = session_id;
	r.ts = ref->ts;
	r.host = name_str(t, host);
	r.ip = ip;
	r.client_name = nz(client_name);
	r.action = postscreen ? "reject" : action;
	r.stage = stage;
	r.reason = reason;
	r.sender = ev->from.p ? from : NULL;
	r.recipient = ev->to.p ? to : NULL;
	r.helo = ev->helo.p ? helo : NULL;
	r.code = (int)ev->num;
	r.postscreen = postscreen;
	r.source_id = ref->source_id;
	r.line = ref->line;
	if (t->sink.reject)
		t->sink.reject(t->sink.ctx, &r);
}

/*
 * "PASS NEW|OLD [IP]:port" then "DISCONNECT [IP]:port" (psc_conclude(): a
 * client that passed but stays with postscreen for its after-220 tests):
 * one conversation, written again with its end.  1 when the DISCONNECT
 * ended such a one.
 */
static int ps_passed_end(ms_tracker *t, int host, const ms_event *ev, const ms_lineref *ref)
{
	char ip[T_IPLEN];
	cpy(ip, sizeof ip, ev->ip);
	for (int k = 0; k < T_PS_PASSED_N; k++) {
		t_ps *q = &t->ps_passed[k];
		if (q->used && q->host == host && q->port == ev->port && !strcmp(q->ip, ip) && ref->ts >= q->end_ts &&
		    ref->ts - q->end_ts <= 300) {
			q->end_ts = ref->ts;
			q->events++;
			emit_ps(t, q, "dropped");
			q->used = 0;
			return 1;
		}
	}
	return 0;
}

static void postscreen_event(ms_tracker *t, int host, const ms_event *ev, const ms_lineref *ref)
{
	int slot;
	t_ps *p;
	if (ev->type == EV_PS_REJECT) {
		char ip[T_IPLEN];
		cpy(ip, sizeof ip, ev->ip);
		emit_reject(t, host, ev, ref, 0, ip, NULL, 1);
	}
	/* a DISCONNECT without its conversation may end a passed one */
	slot = ps_get(t, host, ev, ref, ev->type != EV_PS_DISCONNECT);
	if (slot < 0 && ev->type == EV_PS_DISCONNECT) {
		if (ps_passed_end(t, host, ev, ref))
			return;
		slot = ps_get(t, host, ev, ref, 1);
	}
	if (slot < 0)
		return;
	p = &t->ps[slot];
	p->end_ts = ref->ts;
	p->events++;
	switch (ev->type) {
	case EV_PS_PASS:
		snprintf(p->verdict, sizeof p->verdict, "%s", ms_sv_eq_lit(ev->what, "NEW") ? "pass_new" : "pass_old");
		emit_ps(t, p, "dropped");
		t->ps_passed[t->ps_passed_next++ % T_PS_PASSED_N] = *p;
		ps_delete(t, slot);
		return;
	case EV_PS_DISCONNECT:
		emit_ps(t, p, "dropped");
		ps_delete(t, slot);
		return;
	case EV_PS_EVENT:
		if (ms_sv_eq_lit(ev->what, "DNSBL"))
			p->dnsbl_rank = (int)ev->num;
		else {
			if (ms_sv_eq_lit(ev->what, "PREGREET"))
				p->pregreet = 1;
			lower_copy(p->verdict, sizeof p->verdict, ev->what);
		}
		return;
	case EV_PS_REJECT:
		snprintf(p->verdict, sizeof p->verdict, "rejected");
		return;
	default:
		return;
	}
}

/* ---------- TLS-debug dialogue decoding ---------- */

/*
 * A decoded user name (n bytes, complete: not cut by the log) into the
 * session: a whole name too long for the field gets cpy_user()'s hash as a
 * logged one does, so the two compare equal; a cut one longer than what a
 * hashed name keeps is cut there, so that it stays a prefix of the hashed
 * form of its whole name (compatible()).
 */
static void set_dec_user(t_sess *s, const char *u, size_t n, int complete)
{
	ms_sv v = ms_sv_make(u, n);
	if (complete) {
		cpy_user(s->dec.user, sizeof s->dec.user, v);
	} else {
		cpy(s->dec.user, sizeof s->dec.user, v);
		if (n > USER_KEEP)
			s->dec.user[USER_KEEP] = 0;
	}
	s->dec.user_complete = complete;
}

/* returns 1 when the name was read as cut only because the answer may go on */
static int dec_plain(ms_tracker *t, t_sess *s, ms_sv b64, int cut, int open)
{
	ms_auth_plain ap;
	int retry = 0;
	/* open: shown whole but without its line end, it may go on in the
	 * next read ("AUTH PLAIN AHVAZX", then "guaW8A..."): what it names so
	 * far is kept as cut if it is not a whole answer, when it starts as
	 * one without an authzid does (a NUL: "AA".."AP"; a password alone
	 * names no one) */
	if (ms_auth_plain_decode(b64, cut, t->cfg.hmac_key, t->cfg.hmac_key_len, &ap) != 0) {
		if (cut || !open || b64.n < 2 || b64.p[0] != 'A' || b64.p[1] < 'A' || b64.p[1] > 'P' ||
		    ms_auth_plain_decode(b64, 1, t->cfg.hmac_key, t->cfg.hmac_key_len, &ap) != 0)
			return 0;
		retry = 1;
	}
	memset(&s->dec, 0, sizeof s->dec);
	snprintf(s->dec.mech, sizeof s->dec.mech, "PLAIN");
	set_dec_user(s, ap.user, ap.user_len, ap.user_complete);
	s->dec.have_pw = ap.have_password || ap.password_complete; /* an empty password, shown whole: length 0 */
	s->dec.pw_exact = ap.password_complete;
	s->dec.pw_len = (int)ap.password_len;
	s->dec.truncated = ap.truncated || cut;
	if (ap.password_complete)
		memcpy(s->dec.hmac, ap.pw_hmac, 32);
	memset(&ap, 0, sizeof ap);
	s->have_dec = 1;
	s->auth_decoded++;
	t->st.decoded_auth++;
	return retry;
}

/* what an open answer named was no name after all (dec_plain()'s retry) */
static void drop_dec(ms_tracker *t, t_sess *s)
{
	memset(&s->dec, 0, sizeof s->dec);
	if (s->have_dec) {
		s->have_dec = 0;
		s->auth_decoded--;
		t->st.decoded_auth--;
	}
}

/* a LOGIN or CRAM-MD5 answer named this user (complete: the whole name) */
static void took_user(ms_tracker *t, t_sess *s, const char *u, size_t n, int complete)
{
	set_dec_user(s, u, n, complete);
	s->dec.truncated = !complete;
	s->have_dec = 1;
	s->auth_decoded++;
	t->st.decoded_auth++;
}

/* one command the client sent; cut: the logger showed fewer bytes than were
 * read and no line end; open: all its bytes shown, but no line end */
static int dialogue_cmd(ms_tracker *t, t_sess *s, ms_sv txt, int cut, int open)
{
	int retry = 0;
	if (s->in_data || s->dlg == DLG_DONE)
		return 0;
	if (ms_sv_starts_nocase(txt, "AUTH ")) {
		ms_sv rest = ms_sv_trim(ms_sv_skip(txt, 5));
		long sp = ms_sv_chr(rest, ' ');
		ms_sv mech = sp < 0 ? rest : ms_sv_head(rest, (size_t)sp);
		ms_sv arg = sp < 0 ? MS_SV_NULL : ms_sv_trim(ms_sv_skip(rest, (size_t)sp + 1));
		s->dlg = 0;
		/* a new attempt: what an earlier one decoded is not its (a
		 * CRAM-MD5 login after a PLAIN that met a server error) */
		s->have_dec = 0;
		if (ms_sv_eq_nocase(mech, MS_SV_LIT("PLAIN"))) {
			if (arg.n && !ms_sv_eq_lit(arg, "="))
				retry = dec_plain(t, s, arg, cut, open);
			else
				s->dlg = 3;
		} else if (ms_sv_eq_nocase(mech, MS_SV_LIT("CRAM-MD5"))) {
			/* the answer to the server's challenge names the user */
			memset(&s->dec, 0, sizeof s->dec);
			s->dlg = 5;
		} else if (ms_sv_eq_nocase(mech, MS_SV_LIT("LOGIN"))) {
			memset(&s->dec, 0, sizeof s->dec);
			snprintf(s->dec.mech, sizeof s->dec.mech, "LOGIN");
			s->have_dec = 0;
			if (arg.n) {
				int complete = 0;
				char u[MS_AUTH_USER_MAX + 1];
				long n = ms_auth_login_user(arg, cut, u, sizeof u, &complete);
				if (n >= 0)
					took_user(t, s, u, (size_t)n, complete);
				s->dlg = 2;
			} else {
				s->dlg = 1;
			}
		}
		return retry;
	}
	if (ms_sv_eq_lit(txt, "*")) {
		s->dlg = 0;
		return 0;
	}
	if (ms_sv_starts_nocase(txt, "DATA") && txt.n == 4) {
		s->dlg = 0;
		return 0;
	}
	switch (s->dlg) {
	case 5: {
		int complete = 0;
		char u[MS_AUTH_USER_MAX + 1];
		long n = ms_auth_cram_user(txt, cut || open, u, sizeof u, &complete);
		if (n >= 0) {
			snprintf(s->dec.mech, sizeof s->dec.mech, "CRAM-MD5");
			took_user(t, s, u, (size_t)n, complete);
		}
		s->dlg = 0;
		break;
	}
	case 1: {
		int complete = 0;
		char u[MS_AUTH_USER_MAX + 1];
		long n = ms_auth_login_user(txt, cut, u, sizeof u, &complete);
		if (n >= 0)
			took_user(t, s, u, (size_t)n, complete);
		s->dlg = 2;
		break;
	}
	case 2: {
		size_t len = 0;
		int complete = 0;
		if (ms_auth_login_password(txt, cut, t->cfg.hmac_key, t->cfg.hmac_key_len, &len, &complete,
					   s->dec.hmac) == 0) {
			s->dec.have_pw = 1;
			s->dec.pw_len = (int)len;
			s->dec.pw_exact = complete;
			if (!complete)
				s->dec.truncated = 1;
		}
		s->dlg = 0;
		break;
	}
	case 3:
		retry = dec_plain(t, s, txt, cut, open);
		s->dlg = 0;
		break;
	default:
		break;
	}
	return retry;
}

/* A read can hold several pipelined commands ("RSET??AUTH PLAIN AGEA...??"):
 * each is followed as if it had been read alone. */
static void dialogue_read(ms_tracker *t, t_sess *s, const ms_event *ev)
{
	ms_sv rest = ev->text.p ? ev->text : MS_SV_LIT(""), c;
	int eol, n = 0, logger_cut;
	t->st.credential_lines++;
	while (ms_dlg_next(&rest, &c, &eol)) {
		if (c.n == 0 && (n > 0 || rest.p))
			continue; /* an empty line between or after commands */
		n++;
		if (s->dlg & DLG_OPEN) {
			/* what the last read began goes on here: a line end alone
			 * (the client sent CR LF in a read of its own) leaves it
			 * whole; more text means what was decoded is not all of it,
			 * and this part alone is nothing */
			int open = s->dlg & DLG_OPEN;
			s->dlg &= ~DLG_OPEN;
			if (c.n == 0) {
				if (open & DLG_OPEN_RETRY)
					drop_dec(t, s); /* whole after all, and of no shape */
				continue;
			}
			if (s->have_dec && (open & DLG_OPEN_USER)) {
				s->dec.user_complete = 0;
				s->dec.truncated = 1;
			}
			if (s->have_dec && (open & DLG_OPEN_PW)) {
				s->dec.pw_exact = 0;
				s->dec.truncated = 1;
			}
			continue;
		}
		/* a command without its line end: cut by the logger (fewer bytes
		 * shown than read), or one the client goes on with in a later read
		 * (decoded as it is, and marked cut if a later read goes on) */
		logger_cut = !eol && ev->num >= 0 && (long)ev->text.n < ev->num;
		int before = s->dlg & DLG_STATE, answer = (before >= 1 && before <= 3) || before == 5;
		if (!answer && ms_sv_starts_nocase(c, "AUTH ")) {
			ms_sv a = ms_sv_trim(ms_sv_skip(c, 5));
			answer = ms_sv_chr(a, ' ') > 0; /* an initial response */
		}
		int open = !eol && !logger_cut && answer && c.n > 0;
		int retry = dialogue_cmd(t, s, c, logger_cut, open);
		if (open && (s->dlg & DLG_STATE) != DLG_DONE && s->have_dec && !(before == 5 && s->dec.user_complete))
			s->dlg |= (before == 2 || (before != 1 && before != 5 && s->dec.user_complete) ? DLG_OPEN_PW
												   : DLG_OPEN_USER) |
				  (retry ? DLG_OPEN_RETRY : 0);
		if (ms_sv_eq_nocase(c, MS_SV_LIT("DATA")) || ms_sv_starts_nocase(c, "BDAT "))
			break; /* what follows in this read is the message, not commands */
	}
}

/* one reply of the server */
static void dialogue_reply(t_sess *s, ms_sv txt)
{
	if (ms_sv_starts(txt, "354")) {
		s->in_data = 1;
	} else if (s->in_data && (ms_sv_starts(txt, "250") || ms_sv_starts(txt, "4") || ms_sv_starts(txt, "5"))) {
		s->in_data = 0;
	} else if (s->dlg == DLG_DONE) {
		/* logged in: a later AUTH (refused with 503) names no one */
	} else if (ms_sv_starts(txt, "235")) {
		s->dlg = DLG_DONE;
	} else if (ms_sv_starts(txt, "334 ")) {
		/* LOGIN's prompts say what the next answer is; any other challenge
		 * (XOAUTH2 ...) is answered with data that names no one the way
		 * PLAIN does, unless "AUTH PLAIN" itself asked for it, or it is
		 * CRAM-MD5's (state 5: "user SP digest") */
		int k = ms_auth_login_prompt(ms_sv_skip(txt, 4));
		if (k == 1)
			s->dlg = 1;
		else if (k == 2)
			s->dlg = 2;
	} else if (ms_sv_starts(txt, "5")) {
		s->dlg = 0;
	}
}

/* replies to pipelined commands come in one write ("250 2.1.0 Ok??354 End data ...") */
static void dialogue_write(ms_tracker *t, t_sess *s, const ms_event *ev)
{
	ms_sv rest = ev->text.p ? ev->text : MS_SV_LIT(""), c;
	int eol;
	if (s->dlg & DLG_OPEN_RETRY)
		drop_dec(t, s); /* a reply: the client's answer was whole, and of no shape */
	s->dlg &= DLG_STATE; /* a reply: the client's command was whole */
	while (ms_dlg_next(&rest, &c, &eol))
		if (c.n)
			dialogue_reply(s, c);
}

/* ---------- the dispatcher ---------- */

/* how long before its "connect from" smtpd's rDNS warning may come: its
 * lookups wait on the resolver (timeouts and retries over several name
 * servers) before it logs the connect; the same process and address only */
#define RDNS_WAIT_S 300

/*
 * An rDNS warning no connect took: its connect was lost, the log ends
 * there, or the client left during the lookups.  The line names the
 * address as the client (SEMANTICS counts it for first_seen and
 * last_seen): an orphan session of its own, as a line of a process with
 * no open session makes one.
 */
static void rdns_orphan(ms_tracker *t, t_rdns *r)
{
	r->used = 0;
	t->rdns_used--;
	if (r->svc < 0)
		return; /* saved by a version that kept no service */
	t_sess s;
	memset(&s, 0, sizeof s);
	s.host = r->host;
	s.svc = r->svc;
	s.pid = r->pid;
	s.id = t->ids.session++;
	s.start_ts = s.last_ts = s.seen_ts = r->ts;
	s.orphan = 1;
	s.rdns_mismatch = 1;
	memcpy(s.ip, r->ip, sizeof s.ip);
	s.source_id = r->source_id;
	s.first_line = s.last_line = r->line;
	t->st.orphans++;
	emit_session(t, &s, MS_SS_EVICTED);
}

/* the rDNS warning logged just before this connect, if any: 1 and its time
 * in *wts.  Warnings of the host that no connect can take any more (older
 * than RDNS_WAIT_S, or of this process for another address) become orphan
 * sessions. */
static int rdns_take(ms_tracker *t, int host, long pid, const char *ip, int64_t ts, int64_t *wts)
{
	/* every connect asks, few have a warning waiting: stop after the last used entry */
	int left = t->rdns_used, found = 0;
	for (size_t i = 0; left > 0 && i < sizeof t->rdns / sizeof t->rdns[0]; i++) {
		t_rdns *r = &t->rdns[i];
		if (!r->used)
			continue;
		left--;
		if (r->host != host)
			continue;
		if (r->pid == pid && !strcmp(r->ip, ip) && ts - r->ts <= RDNS_WAIT_S) {
			/* (two warnings of one connect: the earlier time) */
			r->used = 0;
			t->rdns_used--;
			if (!found || r->ts < *wts)
				*wts = r->ts;
			found = 1;
		} else if (ts - r->ts > RDNS_WAIT_S || r->pid == pid) {
			rdns_orphan(t, r);
		}
	}
	return found;
}

/*
 * A failure whose reason says the back end was never asked: no
 * plesk_saslauthd, saslauthd or Dovecot line can follow (or come first),
 * so it waits for none.  Postfix or the Cyrus library refused the attempt
 * before any password check: a mechanism the server does not offer
 * (Postfix's "Invalid authentication mechanism", Cyrus's SASL_NOMECH),
 * data the mechanism could not read (SASL_BADPROT, also what a bad base64
 * answer gives), a plaintext mechanism without TLS (SASL_ENCRYPT), base64
 * that Postfix's Dovecot client would not pass on (xsasl_dovecot_server.c).
 * Were it to wait, it would take the next failure's name and shift every
 * later one.
 */
static int reason_no_backend(const char *r)
{
	return !strcmp(r, "Invalid authentication mechanism") || !strcmp(r, "no mechanism available") ||
	       !strcmp(r, "bad protocol / cancel") || !strcmp(r, "encryption needed to use mechanism") ||
	       !strcmp(r, "Invalid base64 data in initial response") ||
	       !strcmp(r, "Invalid base64 data in continued response");
}

/* the SASL library could not reach its password server within this many
 * seconds before a failure: that failure is the server's fault */
#define SASL_DOWN_WINDOW_S 10

static void auth_failure(ms_tracker *t, t_sess *s, int idx_host, const ms_event *ev, const ms_lineref *ref)
{
	t_pfail f;
	memset(&f, 0, sizeof f);
	/* every failure of the window that says so: a client that retries at
	 * once meets the same outage.  The reason Cyrus gives when it could
	 * not ask saslauthd is SASL_FAIL's "generic failure"; a wrong
	 * password's "authentication failure" means saslauthd answered (a
	 * brute force that fills its backlog for a moment gets no excuse) */
	int down = 0;
	if (!ev->server_fault && ms_sv_find_lit(ev->reason, "generic failure") >= 0) {
		int64_t down_ts = s->sasl_down_ts;
		for (int k = 0; k < T_SASL_DOWN_N; k++)
			if (t->sasl_down[k].ts > down_ts && t->sasl_down[k].host == s->host &&
			    t->sasl_down[k].svc == s->svc && t->sasl_down[k].pid == s->pid && t->sasl_down[k].ts <= ref->ts)
				down_ts = t->sasl_down[k].ts;
		down = down_ts && ref->ts >= down_ts && ref->ts - down_ts <= SASL_DOWN_WINDOW_S;
	}
	if (ev->server_fault || down) {
		ms_auth_rec a;
		char mech[T_SMALL], reason[T_NAMELEN], ip[T_IPLEN];
		memset(&a, 0, sizeof a);
		cpy(mech, sizeof mech, ev->mech);
		cpy(reason, sizeof reason, ev->reason);
		if (ev->ip.n)
			cpy(ip, sizeof ip, ev->ip);
		else
			snprintf(ip, sizeof ip, "%s", client_ip(t, s));
		a.id = t->ids.auth++;
		a.session_id = s->id;
		a.ts = ref->ts;
		a.host = name_str(t, idx_host);
		a.service = nz(name_str(t, s->svc));
		a.ip = ip;
		a.client_name = nz(s->client_name);
		a.kind = MS_AUTH_ERROR;
		a.mech = mech;
		a.reason = reason;
		a.pw_len = -1;
		a.source_id = ref->source_id;
		a.line = ref->line;
		s->auth_errors++;
		t->st.auth_errors++;
		if (t->sink.auth)
			t->sink.auth(t->sink.ctx, &a);
		s->have_dec = 0; /* the attempt it decoded ended here */
		return;
	}
	s->auth_failures++;
	t->st.auth_failures++;
	f.auth_id = t->ids.auth++;
	f.session_id = s->id;
	f.ts = ref->ts;
	f.host = idx_host;
	f.svc = s->svc;
	if (ev->ip.n)
		cpy(f.ip, sizeof f.ip, ev->ip);
	else /* "unknown[unknown]": smtpd had lost the address the connect gave */
		snprintf(f.ip, sizeof f.ip, "%s", client_ip(t, s));
	memcpy(f.client_name, s->client_name, sizeof f.client_name);
	cpy(f.mech, sizeof f.mech, ev->mech);
	cpy(f.reason, sizeof f.reason, ev->reason);
	if (ev->user.n) {
		cpy_user(f.user, sizeof f.user, ev->user);
		f.user_src = MS_SRC_LOGGED;
	}
	if (s->have_dec) {
		f.have_dec = 1;
		f.dec = s->dec;
		s->have_dec = 0;
	}
	f.source_id = ref->source_id;
	f.line = ref->line;
	ms_tracker_pfail_keys(&f);
	if (reason_no_backend(f.reason)) {
		emit_pfail(t, &f, NULL, 0, 0);
		return;
	}
	failure_line(t, &f);
}

/*
 * The account of a saslauthd line with a realm: the Cyrus library splits
 * the name the client gave at its last '@' and sends user and realm apart
 * (an smtpd_sasl_local_domain is the realm of a name without one), and the
 * success line names "user@realm".  saslauthd -r has joined them already.
 */
static void saslauthd_user(char *dst, size_t cap, ms_sv user, ms_sv realm)
{
	char buf[1024];
	if (!user.n)
		return;
	if (user.n > realm.n && user.p[user.n - realm.n - 1] == '@' &&
	    !strncasecmp(user.p + user.n - realm.n, realm.p, realm.n))
		return; /* already user@realm */
	size_t un = user.n < sizeof buf / 2 ? user.n : sizeof buf / 2;
	size_t rn = realm.n < sizeof buf / 2 - 1 ? realm.n : sizeof buf / 2 - 1;
	if (un)
		memcpy(buf, user.p, un);
	buf[un] = '@';
	memcpy(buf + un + 1, realm.p, rn);
	cpy_user(dst, cap, ms_sv_make(buf, un + 1 + rn));
}

/* a back end's address as smtpd writes it: Dovecot and saslauthd print
 * IPv6 as they were given it ("2001:db8:0:0:0:0:0:ab" joins "2001:db8::ab") */
static void ip_cpy(char *dst, size_t cap, ms_sv ip)
{
	if (!ip.n || !memchr(ip.p, ':', ip.n) || ms_ip_canon(ip, dst, cap) == 0)
		cpy(dst, cap, ip);
}

/*
 * One attempt of Dovecot's PAM passdb can give two lines a second apart:
 * the auth-worker's "pam(u,IP): pam_authenticate() failed …" (with
 * auth_verbose) and PAM's own "pam_unix(dovecot:auth): authentication
 * failure; … rhost=IP user=u" (no user= when there is no such user).  b is
 * one of them (unix_line: the pam_unix one): when the other line of its
 * attempt (same host and address, a second apart at most, the same user or
 * one without) was seen, b is that attempt's second line: 1, and b is
 * dropped, except that an auth-worker line gives its user and its "unknown
 * user" to the pam_unix line still waiting for its failure.  Otherwise 0,
 * with *slot where to note b.
 */
static int pam_second(ms_tracker *t, const t_pback *b, int unix_line, int *slot)
{
	for (int i = 0; i < T_PAM_N; i++) {
		t_pam *e = &t->pam[i];
		if (!e->used || e->host != b->host || e->unix_line == unix_line || strcmp(e->ip, b->ip) != 0 ||
		    b->ts - e->ts > 1 || e->ts - b->ts > 1 || (e->user[0] && b->user[0] && strcmp(e->user, b->user) != 0))
			continue;
		e->used = 0;
		if (!unix_line && e->pb_id) {
			for (int k = 0; k < t->pb_count; k++) {
				t_pback *w = pb_at(t, k);
				if (w->used == 1 && w->id == e->pb_id) {
					if (b->user[0])
						memcpy(w->user, b->user, sizeof w->user);
					w->user_unknown |= b->user_unknown;
					memcpy(w->sid, b->sid, sizeof w->sid);
					ms_tracker_pback_keys(w);
					break;
				}
			}
		} else if (!unix_line && e->auth_id && b->sid[0]) {
			/* the pam_unix line named a failure: its session id is this line's */
			for (int k = 0; k < t->pn_count; k++) {
				t_pnamed *n = pn_at(t, k);
				if (n->f.used && n->f.auth_id == e->auth_id && !n->dv.sid[0]) {
					memcpy(n->dv.sid, b->sid, sizeof n->dv.sid);
					n->sid_h = pn_sid_hash(n->dv.sid);
					pn_count_sid(t, n);
					break;
				}
			}
		}
		return 1;
	}
	*slot = (int)(t->pam_next++ % T_PAM_N);
	t_pam *e = &t->pam[*slot];
	e->used = 1;
	e->host = b->host;
	e->unix_line = unix_line;
	e->ts = b->ts;
	e->pb_id = 0;
	e->auth_id = 0;
	memcpy(e->user, b->user, sizeof e->user);
	memcpy(e->ip, b->ip, sizeof e->ip);
	return 0;
}

static void backend_event(ms_tracker *t, int host, const ms_event *ev, const ms_lineref *ref)
{
	t_pback b;
	memset(&b, 0, sizeof b);
	b.ts = ref->ts;
	b.host = host;
	b.pw_len = -1;
	b.source_id = ref->source_id;
	b.line = ref->line;
	cpy_user(b.user, sizeof b.user, ev->user);
	t->st.backend_lines++;
	switch (ev->type) {
	case EV_PLESK_NOUSER: {
		t_nouser *n = &t->nouser[t->nouser_next++ % T_NOUSER_N];
		n->used = 1;
		n->host = host;
		n->ts = ref->ts;
		memcpy(n->user, b.user, sizeof n->user);
		t->st.backend_lines--; /* counted with its "failed" line */
		return;
	}
	case EV_PLESK_FAIL:
		b.kind = 1;
		if (!t->names[host].saslauthd) {
			t->names[host].saslauthd = 1;
			pn_disown(t, host);
		}
		b.pw_len = (int)ev->num;
		for (int i = 0; i < 64; i++) {
			t_nouser *n = &t->nouser[i];
			if (n->used && n->host == host && ref->ts - n->ts <= 2 && ref->ts >= n->ts &&
			    !strcmp(n->user, b.user)) {
				b.user_unknown = 1;
				n->used = 0;
				break;
			}
		}
		break;
	case EV_SASLAUTHD_FAIL:
		b.kind = 2;
		if (ev->text.n)
			saslauthd_user(b.user, sizeof b.user, ev->user, ev->text);
		cpy(b.service, sizeof b.service, ev->what);
		ip_cpy(b.ip, sizeof b.ip, ev->ip); /* "[remote=…]", when logged */
		if (ev->what.n && !ms_sv_eq_lit(ev->what, "smtp") && !ms_sv_eq_lit(ev->what, "smtpd")) {
			/* another service (imap, pop): keep as a back-end record */
			emit_pback(t, &b);
			return;
		}
		if (!t->names[host].saslauthd) {
			t->names[host].saslauthd = 1;
			pn_disown(t, host);
		}
		break;
	case EV_DOVECOT_AUTH:
		b.kind = 3;
		ip_cpy(b.ip, sizeof b.ip, ev->ip);
		sid_copy(b.sid, sizeof b.sid, ev->where);
		cpy(b.mech, sizeof b.mech, ev->mech);
		cpy(b.service, sizeof b.service, ev->what);
		/* "passwd-file(bob@example.com,IP): unknown user": the back end says
		 * there is no such user.  The result only: with auth_verbose_passwords
		 * the rest of the text is the client's password */
		b.user_unknown = ms_sv_starts(ev->text, "unknown user");
		/* no address: it names no failure (kept as unmatched evidence).  A
		 * session id ("<id>", ev->where) alone does not tell an IMAP/POP
		 * login's request from Postfix's (the Postfix back end's lines are
		 * documented with one, log-formats.md §6); the login process's line
		 * with the same id does (login_session()) */
		if (!b.ip[0]) {
			emit_pback(t, &b);
			return;
		}
		if (ms_sv_eq_lit(ev->what, "pam") || ms_sv_eq_lit(ev->what, "pam_unix")) {
			int slot = -1;
			if (pam_second(t, &b, ms_sv_eq_lit(ev->what, "pam_unix"), &slot)) {
				t->st.backend_lines--; /* counted with the other line of its attempt */
				return;
			}
			t->pam[slot].pb_id = backend_line(t, &b, &t->pam[slot].auth_id);
			return;
		}
		break;
	default:
		return;
	}
	(void)backend_line(t, &b, NULL);
}

/*
 * A login process's line with its session id: the auth process's lines of
 * that id were an IMAP/POP login's requests, not Postfix's.  One still
 * waiting names no failure; a failure one named in the plesk window before
 * is written again without it (the row is replaced), or with the next
 * waiting Dovecot line of its address that qualifies.
 */
#define LOGIN_UNDO_MAX 8 /* named failures one login line undoes (one session's requests) */
static void login_session(ms_tracker *t, int host, ms_sv session, int64_t ts)
{
	char sid[T_SMALL];
	sid_copy(sid, sizeof sid, session);
	if (!sid[0])
		return;
	uint32_t h = pn_sid_hash(sid);
	/* its auth lines still waiting name no failure (the hash first: a busy
	 * IMAP server's login lines are many, and so are the lines waiting) */
	for (int seg = 0; seg < 2; seg++) { /* the ring's slots as two runs: no division per slot */
		int from = seg ? 0 : t->pb_head;
		int to = seg ? t->pb_head + t->pb_count - t->pb_cap : t->pb_head + t->pb_count;
		if (to > t->pb_cap)
			to = t->pb_cap;
		for (int k = from; k < to; k++) {
			t_pback *b = &t->pb[k];
			if (b->sid_h == h && b->used == 1 && b->kind == 3 && b->host == host && !strcmp(b->sid, sid))
				b->not_smtp = 1;
		}
	}
	if (!t->pn_sid_count[h % T_SID_BUCKETS])
		return;
	/* taken out first: a match below may add to the ring */
	t_pfail undo[LOGIN_UNDO_MAX];
	int nundo = 0;
	for (int k = 0; k < t->pn_count && nundo < LOGIN_UNDO_MAX; k++) {
		t_pnamed *n = pn_at(t, k);
		if (!n->f.used || n->disowned || n->sid_h != h || n->f.host != host || strcmp(n->dv.sid, sid) != 0 ||
		    ts - n->f.ts > t->cfg.plesk_window)
			continue;
		undo[nundo++] = pn_take(t, n);
	}
	for (int i = 0; i < nundo; i++) {
		int others, found = waiting_line(t, &undo[i], &others);
		if (found >= 0)
			match(t, &undo[i], pb_at(t, found), 1 + others);
		else
			emit_pfail(t, &undo[i], NULL, 0, 0);
	}
}

static void dovecot_login(ms_tracker *t, int host, const ms_event *ev, const ms_lineref *ref)
{
	ms_backend_rec r;
	char ip[T_IPLEN], user[T_USERLEN], svc[T_SMALL], mech[T_SMALL];
	memset(&r, 0, sizeof r);
	cpy(ip, sizeof ip, ev->ip);
	cpy_user(user, sizeof user, ev->user);
	cpy(svc, sizeof svc, ev->what);
	cpy(mech, sizeof mech, ev->mech);
	r.id = t->ids.backend++;
	r.ts = ref->ts;
	r.host = name_str(t, host);
	r.ip = ip;
	r.account = nz(user);
	r.backend = "dovecot";
	r.service = svc;
	r.detail = nz(mech);
	r.fail = ev->fail;
	r.attempts = ev->num > 0 ? (int)ev->num : 1;
	r.pw_len = -1;
	r.source_id = ref->source_id;
	r.line = ref->line;
	if (t->sink.backend)
		t->sink.backend(t->sink.ctx, &r);
	if (ev->where.n)
		login_session(t, host, ev->where, ref->ts);
}

/* s into dst (cap bytes), cut before a UTF-8 character the cap would split */
static void cpy_cut(char *dst, size_t cap, ms_sv s)
{
	if (s.n >= cap) {
		size_t n = cap - 1;
		while (n > 0 && ((unsigned char)s.p[n] & 0xC0) == 0x80)
			n--; /* s.p[n] starts the character that would be cut */
		s.n = n;
	}
	cpy(dst, cap, s);
}

/* the syslog daemon says it dropped lines: written as it is (a property of the input) */
static void loss_event(ms_tracker *t, const ms_syslog *sl, const ms_event *ev, const ms_lineref *ref)
{
	char host[T_HOSTLEN], reporter[T_SMALL], what[T_NAMELEN];
	ms_loss_rec r;
	cpy_cut(host, sizeof host, sl->host);
	cpy_cut(reporter, sizeof reporter, sl->prog);
	cpy_cut(what, sizeof what, ev->what);
	memset(&r, 0, sizeof r);
	r.ts = ref->ts;
	r.host = host;
	r.reporter = reporter;
	r.what = nz(what);
	r.pid = ev->num2 > 0 ? ev->num2 : -1;
	r.lost = ev->num >= 0 ? ev->num : -1;
	r.source_id = ref->source_id;
	r.line = ref->line;
	if (t->sink.loss)
		t->sink.loss(t->sink.ctx, &r);
}

static int has_client(const ms_event *ev) { return ev->ip.n > 0; }

/*
 * A reject logged by another process than smtpd (cleanup's milter-reject at
 * END-OF-MESSAGE, "QID: milter-reject: END-OF-MESSAGE from NAME[IP]: ..."):
 * no smtpd line, so no session of its own pid.  The client is still waiting
 * for its reply: the reject belongs to the open smtpd session of that host
 * and client (the most recently active, if several), else to none.  A scan
 * of the open sessions, for a line much rarer than smtpd's.
 */
/* whether open session i of host, with client ip, is more recent than found (-1: none) */
static int more_recent(const ms_tracker *t, int i, int found, int host, const char *ip)
{
	const t_sess *s = &t->sess[i];
	return s->used && s->host == host && !strcmp(client_ip(t, s), ip) &&
	       (found < 0 || s->last_ts > t->sess[found].last_ts ||
		(s->last_ts == t->sess[found].last_ts && s->id > t->sess[found].id));
}

/* The most recent open session of host whose client is ip, or -1: the
 * sessions of its key's chain, and the one the last line's XCLIENT gave
 * another client (client_ip()) when that client is ip. */
static int open_session_at(const ms_tracker *t, int host, const char *ip)
{
	int found = -1;
	uint32_t key = slot_key(host, ip);
	for (int i = t->sess_kb[key & (uint32_t)(t->sess_kbcap - 1)]; i >= 0; i = t->sess_keys[i].next)
		if (t->sess_keys[i].key == key && more_recent(t, i, found, host, ip))
			found = i;
	if (t->line_sess > 0 && !strcmp(t->line_ip, ip)) {
		int x = sess_by_id(t, host, t->line_sess);
		if (x >= 0 && more_recent(t, x, found, host, ip))
			found = x;
	}
	return found;
}

/* A cleanup reject's client is the candidate named cn: its name, and the
 * envelope and reply that follow its text (tail), replace the first's. */
static void take_client(ms_event *e, char *name, size_t cap, ms_sv cn, ms_sv tail)
{
	cpy(name, cap, cn);
	e->from = e->to = e->helo = MS_SV_NULL;
	ms_cleanup_reject_tail(tail, e);
}

/*
 * A reject logged by cleanup (a milter's, a header or body check's) names its
 * client after text the client chose: a header check's matched header comes
 * first and may hold " from NAME[IP];" itself.  The queue id's client=
 * line, smtpd's own, is the trusted word: its session and address (from the
 * ring of recent client= lines, or a tracked message) are taken; without
 * one, the first candidate with a session open on the host, else the first.
 */
static void queue_reject(ms_tracker *t, int host, const ms_event *ev0, const ms_lineref *ref)
{
	char ip[T_IPLEN], name[T_NAMELEN], qid[24];
	ms_event e = *ev0, *ev = &e;
	int found = -1, mslot = -1;
	int64_t sid = 0;
	const char *known_ip = NULL;
	cpy(ip, sizeof ip, ev->ip);
	cpy(name, sizeof name, ev->name);
	cpy(qid, sizeof qid, ev->queue_id);
	/* smtpd's client= line of this queue id, the most recent first */
	for (unsigned k = 1; qid[0] && k <= T_QID_N && k <= t->qid_next; k++) {
		unsigned q = (t->qid_next - k) % T_QID_N;
		if (t->qids[q].host == host && !strcmp(t->qids[q].qid, qid)) {
			sid = t->qids[q].sid;
			known_ip = t->qids[q].ip;
			break;
		}
	}
	if (!sid && ev->queue_id.n && t->nmsg && (mslot = msg_find(t, host, ev->queue_id)) >= 0) {
		sid = t->msg[mslot].session_id;
		known_ip = t->msg[mslot].ip;
	}
	if (known_ip && known_ip[0] && strcmp(ip, known_ip)) {
		snprintf(ip, sizeof ip, "%s", known_ip);
		name[0] = 0; /* the parsed name went with the parsed address */
		/* the envelope and reply follow the known client's text, when
		 * one of the candidates is it */
		ms_sv rest = ev->text, cn, ci;
		size_t k;
		int seen = 0;
		/* (a comparison each: no cap needed) */
		for (; ev->text.p && (k = ms_cleanup_client_next(rest, &cn, &ci)) > 0; rest = ms_sv_skip(rest, k)) {
			if (ci.n == strlen(known_ip) && !memcmp(ci.p, known_ip, ci.n)) {
				take_client(&e, name, sizeof name, cn, ms_sv_skip(rest, k));
				seen = 1;
				break;
			}
		}
		if (!seen) /* the envelope read went with a client that is not this one */
			e.from = e.to = e.helo = MS_SV_NULL;
	} else if (!known_ip && ev->text.p) {
		/* several client-like texts: the first whose address has a
		 * session open on this host (cleanup works while smtpd's client
		 * sends), else the first */
		ms_sv rest = ev->text, cn, ci;
		size_t k;
		/* at most 8: each looks through the open sessions, and the line is
		 * the client's to fill with candidates */
		for (int tries = 0; tries < 8 && (k = ms_cleanup_client_next(rest, &cn, &ci)) > 0;
		     tries++, rest = ms_sv_skip(rest, k)) {
			char c[T_IPLEN];
			cpy(c, sizeof c, ci);
			if (open_session_at(t, host, c) >= 0) {
				memcpy(ip, c, sizeof ip);
				take_client(&e, name, sizeof name, cn, ms_sv_skip(rest, k));
				break;
			}
		}
	}
	if (sid > 0) {
		found = sess_by_id(t, host, sid);
	} else {
		found = open_session_at(t, host, ip);
	}
	if (found < 0) {
		emit_reject(t, host, ev, ref, 0, ip, name, 0);
		return;
	}
	t->sess[found].rejects += refusal(ev->what);
	emit_reject(t, host, ev, ref, t->sess[found].id, ip, t->sess[found].client_name, 0);
}

/*
 * Until a line of a second syslog host comes, the one host's clock is
 * t->now, which every line moves.  A line of another host (a cron line of a
 * central log's other server) must not move this host's clock: from then on
 * each host has its own, both marked hosts so that the saved state keeps it.
 */
static void one_host_yet(ms_tracker *t, ms_sv host)
{
	size_t n = host.n < T_HOSTLEN - 1 ? host.n : T_HOSTLEN - 1;
	if (!t->host0_n) {
		if (n)
			memcpy(t->host0, host.p, n);
		t->host0[n] = 0;
		t->host0_n = n + 1; /* + 1: set, also for an empty host */
		return;
	}
	if (n + 1 == t->host0_n && (n == 0 || memcmp(t->host0, host.p, n) == 0))
		return;
	int a = name_idx(t, ms_sv_make(t->host0, t->host0_n - 1)), b = name_idx(t, host);
	t->nhosts += !t->names[a].host;
	t->names[a].host = 1;
	t->nhosts += !t->names[b].host;
	t->names[b].host = 1;
	t->multi_host = 1;
}

void ms_tracker_feed(ms_tracker *t, const ms_syslog *sl, const ms_event *ev, const ms_lineref *ref)
{
	int host, svc, idx;
	t_sess *s;

	if (ref->ts > t->now)
		t->now = ref->ts;
	if (!t->multi_host)
		one_host_yet(t, sl->host);
	/* the lines the tracker follows move their host's clock before the
	 * clocks are read (other programs' lines need not: with one host its
	 * clock is t->now, and with several each logs smtpd lines often enough) */
	switch (ev->type) {
	case EV_UNKNOWN: case EV_NOISE: case EV_TLS_OUTBOUND: case EV_LOG_LOSS:
	case EV_Q_MSGID: case EV_Q_FROM: case EV_Q_DELIVERY: case EV_Q_REMOVED:
		host = -1;
		break;
	default:
		host = host_seen(t, sl->host, ref->ts);
		break;
	}
	if ((++t->lines & 1023) == 0 || t->pf_count || t->pb_count)
		expire_pending(t);
	/* every 4096 lines, at most once a minute of log time; and at least every
	 * quarter of the idle timeout of log time, so that a quiet log evicts too */
	if (((t->lines & 4095) == 0 && t->now - t->last_sweep > 60) ||
	    t->now - t->last_sweep > t->cfg.idle_timeout / 4) {
		sweep_idle(t);
		msg_sweep_idle(t, ref->ts);
	}

	switch (ev->type) {
	case EV_UNKNOWN:
	case EV_NOISE:
		return;
	case EV_LOG_LOSS:
		loss_event(t, sl, ev, ref);
		return;
	case EV_PLESK_FAIL:
	case EV_PLESK_NOUSER:
	case EV_SASLAUTHD_FAIL:
	case EV_DOVECOT_AUTH:
		backend_event(t, host, ev, ref);
		return;
	case EV_DOVECOT_LOGIN:
		dovecot_login(t, host, ev, ref);
		return;
	case EV_PS_CONNECT:
	case EV_PS_PASS:
	case EV_PS_EVENT:
	case EV_PS_DISCONNECT:
	case EV_PS_REJECT:
		postscreen_event(t, host, ev, ref);
		return;
	case EV_Q_MSGID:
	case EV_Q_FROM:
	case EV_Q_DELIVERY:
	case EV_Q_REMOVED:
		if (t->nmsg)
			msg_event(t, name_idx(t, sl->host), ev, ref);
		return;
	case EV_TLS_OUTBOUND:
		t->st.tls_outbound++;
		return;
	default:
		break;
	}

	if (ev->type == EV_REJECT && !ms_sv_eq_lit(sl->daemon, "smtpd")) {
		queue_reject(t, host, ev, ref);
		return;
	}

	/* smtpd lines: find the session of (host, service, pid) */
	svc = name_idx(t, sl->service);
	idx = sess_find(t, host, svc, sl->pid);

	if (ev->type == EV_RDNS_MISMATCH) {
		/* logged while smtpd sets up a connection, just before its "connect
		 * from": remember it for that connect, even when an older session of
		 * this pid is still open (its end was lost; the connect ends it) */
		t_rdns *r = &t->rdns[t->rdns_next++ % T_RDNS_N];
		if (r->used)
			rdns_orphan(t, r); /* the oldest of 256 waiting: none will take it */
		t->rdns_used++;
		r->used = 1;
		r->host = host;
		r->pid = sl->pid;
		r->ts = ref->ts;
		cpy(r->ip, sizeof r->ip, ev->ip);
		r->svc = svc;
		r->source_id = ref->source_id;
		r->line = ref->line;
		return;
	}

	if (idx >= 0 && ref->ts - t->sess[idx].last_ts > t->cfg.idle_timeout) {
		/* idle longer than the timeout by its host's own clock: evicted,
		 * whenever the periodic sweep would have come (which depends on
		 * other hosts' lines and on the sweep's period) */
		sess_close(t, idx, MS_SS_EVICTED);
		idx = -1;
	}

	if (ev->type == EV_CONNECT) {
		if (idx >= 0)
			sess_close(t, idx, MS_SS_UNTERMINATED);
		sess_forget_evicted(t, host, svc, sl->pid);
		idx = sess_open(t, host, svc, sl->pid, ev, ref, 0);
		if (idx < 0)
			return;
		s = &t->sess[idx];
		t->st.connects++;
		int64_t wts = 0;
		if (rdns_take(t, host, sl->pid, s->ip, ref->ts, &wts)) {
			s->rdns_mismatch = 1;
			/* smtpd looks the name up before it logs "connect from": the
			 * client was there at the warning (first_seen, semantics.md) */
			if (wts < s->start_ts)
				s->start_ts = wts;
		}
		return;
	}

	if (ev->type == EV_SASL_SERVER_DOWN) {
		/* of the process, in a session or not (auth_failure()) */
		unsigned k = t->sasl_down_next++ % T_SASL_DOWN_N;
		t->sasl_down[k].host = host;
		t->sasl_down[k].svc = svc;
		t->sasl_down[k].pid = sl->pid;
		t->sasl_down[k].ts = ref->ts;
	}
	if (idx < 0 && has_client(ev)) {
		/* (before the note of the line's client below: a resumed
		 * session's id is an old one, which a stale note may name) */
		char ip[T_IPLEN];
		cpy(ip, sizeof ip, ev->ip);
		idx = sess_resume(t, host, svc, sl->pid, ip, ref->ts);
	}
	if (idx >= 0 && has_client(ev)) {
		/* same pid, other client, no "connect from": XCLIENT named
		 * another client (SEMANTICS: only a connect or the session's own
		 * end ends it).  The line's records carry the client it names. */
		cpy(t->line_ip, sizeof t->line_ip, ev->ip);
		t->line_sess = strcmp(t->line_ip, t->sess[idx].ip) != 0 ? t->sess[idx].id : -1;
	}
	if (idx < 0) {
		if (!has_client(ev) && ev->type != EV_AUTH_FAIL)
			return; /* nothing to attach it to (TLS debug of an unknown session) */
		idx = sess_open(t, host, svc, sl->pid, ev, ref, 1);
		if (idx < 0)
			return;
		/* the connect was lost (the log starts after it): a hostname
		 * warning of the process for this client is this conversation's
		 * start, as it would be the connect's, not an orphan of its own */
		int64_t wts = 0;
		if (t->sess[idx].ip[0] && rdns_take(t, host, sl->pid, t->sess[idx].ip, ref->ts, &wts)) {
			t->sess[idx].rdns_mismatch = 1;
			if (wts < t->sess[idx].start_ts)
				t->sess[idx].start_ts = wts;
		}
	}
	s = &t->sess[idx];
	s->last_ts = ref->ts > s->last_ts ? ref->ts : s->last_ts;
	if (has_client(ev) && ref->ts > s->seen_ts)
		s->seen_ts = ref->ts;
	s->last_line = ref->line;
	if (!s->client_name[0] && ev->name.n)
		cpy(s->client_name, sizeof s->client_name, ev->name);
	if (s->port < 0 && ev->port >= 0)
		s->port = ev->port;

	switch (ev->type) {
	case EV_DISCONNECT:
		s->counters = ev->counters;
		sess_close(t, idx, MS_SS_CLOSED);
		return;
	case EV_ABORT:
		cpy(s->end_reason, sizeof s->end_reason, ev->reason);
		cpy(s->end_after, sizeof s->end_after, ev->where);
		return;
	case EV_AUTH_FAIL:
		auth_failure(t, s, host, ev, ref);
		return;
	case EV_SASL_SERVER_DOWN:
		s->sasl_down_ts = ref->ts;
		return;
	case EV_AUTH_ABORTED:
		s->auth_aborts++;
		t->st.auth_aborted++;
		{
			ms_auth_rec a;
			char mech[T_SMALL];
			memset(&a, 0, sizeof a);
			cpy(mech, sizeof mech, ev->mech);
			a.id = t->ids.auth++;
			a.session_id = s->id;
			a.ts = ref->ts;
			a.host = name_str(t, host);
			a.service = nz(name_str(t, s->svc));
			a.ip = client_ip(t, s);
			a.client_name = nz(s->client_name);
			a.kind = MS_AUTH_ABORTED;
			a.mech = mech;
			a.pw_len = -1;
			a.source_id = ref->source_id;
			a.line = ref->line;
			if (t->sink.auth)
				t->sink.auth(t->sink.ctx, &a);
		}
		s->have_dec = 0;
		return;
	case EV_AUTH_RATELIMIT:
		s->ratelimited++;
		return;
	case EV_CLIENT:
		s->messages++;
		if (ev->queue_id.n) {
			unsigned q = t->qid_next++ % T_QID_N;
			t->qids[q].host = host;
			t->qids[q].sid = s->id;
			cpy(t->qids[q].qid, sizeof t->qids[q].qid, ev->queue_id);
			const char *ci = client_ip(t, s);
			cpy(t->qids[q].ip, sizeof t->qids[q].ip, ms_sv_make(ci, strlen(ci)));
		}
		if (ev->user.n) {
			if (!s->auth_successes) {
				cpy_user(s->auth_user, sizeof s->auth_user, ev->user);
				cpy(s->auth_method, sizeof s->auth_method, ev->mech);
				s->auth_user_src = MS_SRC_LOGGED;
				s->auth_successes = 1;
				emit_success(t, s, s->auth_user, MS_SRC_LOGGED, s->auth_method, ref->ts, ref);
				s->have_dec = 0;
			}
			msg_new(t, s, ev, ref);
		}
		return;
	case EV_REJECT: {
		s->rejects += refusal(ev->what);
		emit_reject(t, host, ev, ref, s->id, client_ip(t, s), s->client_name, 0);
		if (ev->user.n && !s->auth_successes) {
			/* 3.10+ names the login of an authenticated session on its rejects:
			 * it names the success the disconnect's auth=S/T confirms (sess_close) */
			cpy_user(s->auth_user, sizeof s->auth_user, ev->user);
			cpy(s->auth_method, sizeof s->auth_method, ev->mech);
			s->auth_user_src = MS_SRC_LOGGED;
		}
		return;
	}
	case EV_CLIENT_WARN:
		if (ms_sv_eq_lit(ev->what, "non_smtp"))
			s->nonsmtp++;
		else if (ms_sv_eq_lit(ev->what, "pipelining"))
			s->pipelining++;
		else if (ms_sv_eq_lit(ev->what, "rate_limit"))
			s->ratelimited++;
		return;
	case EV_TLS_SETUP:
		s->tls_setup = 1;
		return;
	case EV_TLS_ESTABLISHED:
		s->tls_setup = 1;
		cpy(s->tls_proto, sizeof s->tls_proto, ev->proto);
		cpy(s->tls_cipher, sizeof s->tls_cipher, ev->cipher);
		cpy(s->tls_trust, sizeof s->tls_trust, ev->trust);
		cpy(s->tls_kex, sizeof s->tls_kex, ev->kex);
		cpy(s->tls_sni, sizeof s->tls_sni, ev->sni);
		s->tls_bits = ev->bits;
		s->tls_alg_bits = ev->alg_bits;
		return;
	case EV_TLS_ERROR:
		s->tls_error++;
		return;
	case EV_TLS_READ:
		dialogue_read(t, s, ev);
		return;
	case EV_TLS_WRITE:
		dialogue_write(t, s, ev);
		return;
	default:
		return;
	}
}

void ms_tracker_checkpoint(ms_tracker *t)
{
	/* sessions idle past the timeout end evicted here, as in a run that
	 * went on (the sweep's moment is no part of the result) */
	sweep_idle(t);
	for (int i = 0; i < t->sess_hi; i++)
		if (t->sess[i].used)
			emit_session(t, &t->sess[i], MS_SS_OPEN);
	for (int k = 0; k < t->pf_count; k++) {
		t_pfail *f = pf_at(t, k);
		if (f->used && !f->matched)
			emit_pfail(t, f, NULL, 0, 0);
	}
	/* back-end lines still waiting for a failure: unmatched so far (a later
	 * match retracts the row), so that a report right after this run sees them */
	for (int k = 0; k < t->pb_count; k++) {
		t_pback *b = pb_at(t, k);
		if (b->used == 1) {
			write_pback(t, b);
			b->written = 1;
		}
	}
	for (int i = 0; i < t->msg_hi; i++)
		if (t->msg[i].used)
			emit_msg(t, &t->msg[i]);
	/* open postscreen conversations, as "open": their end replaces the row */
	for (int i = 0; i < t->ps_hi; i++)
		if (t->ps[i].used)
			emit_ps(t, &t->ps[i], "open");
}

void ms_tracker_finish(ms_tracker *t)
{
	while (t->pf_count)
		pf_pop(t);
	while (t->pb_count)
		pb_pop(t);
	t->pn_head = t->pn_count = 0; /* written as they stand */
	memset(t->pn_sid_count, 0, sizeof t->pn_sid_count);
	for (int i = 0; i < t->ps_hi; i++)
		if (t->ps[i].used) {
			emit_ps(t, &t->ps[i], "dropped");
			t->ps[i].used = 0;
		}
	t->nps = 0;
	for (int i = 0; i < t->msg_hi; i++)
		if (t->msg[i].used) {
			emit_msg(t, &t->msg[i]);
			t->msg[i].used = 0;
		}
	t->nmsg = 0;
	for (size_t i = 0; i < sizeof t->rdns / sizeof t->rdns[0]; i++)
		if (t->rdns[i].used)
			rdns_orphan(t, &t->rdns[i]);
	ms_tracker_rebuild_index(t);
	for (int i = 0; i < t->sess_hi; i++)
		if (t->sess[i].used)
			emit_session(t, &t->sess[i], MS_SS_OPEN);
}

const ms_tracker_stats *ms_tracker_get_stats(const ms_tracker *t) { return &t->st; }
void ms_tracker_get_ids(const ms_tracker *t, ms_idgen *ids) { *ids = t->ids; }

static int pow2_at_least(int n)
{
	int c = 16;
	while (c < n)
		c <<= 1;
	return c;
}

ms_tracker *ms_tracker_new(const ms_tracker_cfg *cfg, const ms_sink *sink, const ms_idgen *ids)
{
	ms_tracker *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->cfg = *cfg;
	if (t->cfg.max_open < 16) t->cfg.max_open = 16;
	if (t->cfg.max_pending < 16) t->cfg.max_pending = 16;
	if (t->cfg.max_messages < 16) t->cfg.max_messages = 16;
	if (t->cfg.max_postscreen < 16) t->cfg.max_postscreen = 16;
	if (t->cfg.msg_idle_timeout < 60) t->cfg.msg_idle_timeout = 60;
	t->sink = *sink;
	if (ids)
		t->ids = *ids;
	if (t->ids.session < 1) t->ids.session = 1;
	if (t->ids.auth < 1) t->ids.auth = 1;
	if (t->ids.message < 1) t->ids.message = 1;
	if (t->ids.reject < 1) t->ids.reject = 1;
	if (t->ids.postscreen < 1) t->ids.postscreen = 1;
	if (t->ids.backend < 1) t->ids.backend = 1;
	t->names_cap = T_NAMES_START;
	t->names = calloc(T_NAMES_START, sizeof *t->names);
	t->name_ht = malloc(2 * T_NAMES_START * sizeof *t->name_ht);
	t->sess = calloc((size_t)t->cfg.max_open, sizeof *t->sess);
	t->sess_keys = calloc((size_t)t->cfg.max_open, sizeof *t->sess_keys);
	t->sess_kbcap = pow2_at_least(t->cfg.max_open);
	t->sess_kb = malloc((size_t)t->sess_kbcap * sizeof *t->sess_kb);
	t->sess_htcap = pow2_at_least(2 * t->cfg.max_open);
	t->sess_ht = malloc((size_t)t->sess_htcap * sizeof *t->sess_ht);
	t->sess_free = malloc((size_t)t->cfg.max_open * sizeof *t->sess_free);
	t->pf_cap = t->pb_cap = ring_cap_for(0, t->cfg.max_pending);
	t->pf_sweep_at = t->pb_sweep_at = RING_SWEEP_MIN;
	t->pf = calloc((size_t)t->pf_cap, sizeof *t->pf);
	t->pfk = calloc((size_t)t->pf_cap, sizeof *t->pfk);
	t->pb = calloc((size_t)t->pb_cap, sizeof *t->pb);
	t->msg_cap = pow2_at_least(2 * t->cfg.max_messages);
	t->msg = calloc((size_t)t->cfg.max_messages, sizeof *t->msg);
	t->msg_ht = malloc((size_t)t->msg_cap * sizeof *t->msg_ht);
	t->msg_free = malloc((size_t)t->cfg.max_messages * sizeof *t->msg_free);
	t->ps_cap = pow2_at_least(2 * t->cfg.max_postscreen);
	t->ps = calloc((size_t)t->cfg.max_postscreen, sizeof *t->ps);
	t->ps_ht = malloc((size_t)t->ps_cap * sizeof *t->ps_ht);
	t->ps_free = malloc((size_t)t->cfg.max_postscreen * sizeof *t->ps_free);
	/* allocated now, touched only by an eviction: no allocation to fail then */
	int nage = t->cfg.max_open > t->cfg.max_messages ? t->cfg.max_open : t->cfg.max_messages;
	if (t->cfg.max_postscreen > nage)
		nage = t->cfg.max_postscreen;
	t->age = malloc((size_t)nage * sizeof *t->age);
	t->sess_evq = malloc((size_t)evict_batch(t->cfg.max_open) * sizeof *t->sess_evq);
	t->ps_evq = malloc((size_t)evict_batch(t->cfg.max_postscreen) * sizeof *t->ps_evq);
	if (!t->names || !t->name_ht || !t->sess || !t->sess_keys || !t->sess_kb || !t->sess_ht || !t->sess_free || !t->pf || !t->pfk || !t->pb || !t->msg ||
	    !t->msg_ht || !t->msg_free || !t->ps || !t->ps_ht || !t->ps_free || !t->age || !t->sess_evq || !t->ps_evq) {
		ms_tracker_free(t);
		return NULL;
	}
	/* name 0 is the empty name */
	t->nnames = 1;
	t->names[0].s[0] = 0;
	ms_tracker_rebuild_index(t);
	return t;
}

void ms_tracker_free(ms_tracker *t)
{
	if (!t)
		return;
	free(t->names);
	free(t->name_ht);
	free(t->sess);
	free(t->sess_keys);
	free(t->sess_kb);
	free(t->sess_ht);
	free(t->sess_free);
	free(t->pf);
	free(t->pfk);
	free(t->pb);
	free(t->drop);
	free(t->pn);
	free(t->sess_evq);
	free(t->ps_evq);
	free(t->msg);
	free(t->msg_ht);
	free(t->msg_free);
	free(t->ps);
	free(t->ps_ht);
	free(t->ps_free);
	free(t->age);
	free(t);
}
