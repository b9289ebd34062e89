/* SPDX-License-Identifier: MIT */
/*
 * tracker_state.c - save and restore the tracker so that the next run
 * continues exactly where this one stopped (open sessions, pending
 * correlation queues, tracked messages, postscreen conversations, id
 * counters).  The blob is only ever read back by the same build layout: it
 * starts with a magic, a version and the sizes of every record, and is
 * refused when any of them differ.  Everything read back is bounds-checked.
 */
#include <stddef.h>
#include <stdlib.h>
#include "tracker_int.h"

#define MAGIC "MSTRACK1"

/*
 * An optional section after the others (a state saved before it existed
 * has none, and loads as before): the failures dropped from the full
 * pending ring (t_drop, still waiting for their back-end lines), the
 * first syslog host while there has been only one, the failures Dovecot
 * lines named (t_pnamed) and the Dovecot PAM lines waiting for the other
 * line of their attempt (t_pam).
 */
#define EXT_MAGIC "MSX2"
#define EXT_MAGIC_V1 "MSX1" /* the version before: the drops and host0 only (ext_hdr up to npn) */
typedef struct {
	char magic[4];
	int32_t ndrop, multi_host;
	uint32_t sz_drop, host0_n;
	char host0[T_HOSTLEN];
	int32_t npn;             /* failures named by Dovecot lines (t_pnamed), after the drops */
	uint32_t sz_pn;
	uint32_t sz_pam, pam_next; /* Dovecot PAM lines waiting for their pair: T_PAM_N, after those */
} ext_hdr;

/*
 * A state the version before saved is read too (an upgrade must not split
 * the sessions open at it): its waiting failures and back-end lines are
 * the first bytes of today's (the fields added since come last, zero for
 * it), and its optional section ends before npn.
 */
#define EXT_V1_SIZE offsetof(ext_hdr, npn)

/*
 * Last, after the optional section: the sessions evicted last
 * (t->sess_evicted), which a later line of their process and client may
 * resume in the next run as in this one, and the queue ids of the last
 * smtpd client= lines (t->qids), which cleanup's rejects of the next run
 * are charged by (a run may end between the two).  A state without it
 * loads as before.
 */
#define EV_MAGIC "MSEV"
typedef struct {
	char magic[4];
	int32_t n;
	uint32_t sz_sess, sz_qids, qid_next;
	/* then the conversations a PASS ended (their DISCONNECT may come in the
	 * next run) and the processes whose SASL library lost its password
	 * server (their "generic failure" may) */
	uint32_t sz_passed, passed_next, sz_down, down_next;
} ev_hdr;
#define PF_V1_SIZE offsetof(t_pfail, plain)
#define PB_V1_SIZE offsetof(t_pback, sid)

typedef struct {
	char magic[8];
	uint32_t sz_sess, sz_pf, sz_pb, sz_msg, sz_ps, sz_name, sz_rdns, sz_nouser;
	int32_t nnames, nsess, npf, npb, nmsg, nps;
	ms_idgen ids;
	int64_t now, last_sweep;
} blob_hdr;

/* where the bytes go: a growing heap buffer, or out() (a counter, the database) */
typedef struct {
	char *p;
	size_t n, cap;
	int err;
	int (*out)(void *ctx, const void *d, size_t n);
	void *octx;
} wbuf;

static void put(wbuf *w, const void *d, size_t n)
{
	if (w->err)
		return;
	if (w->out) {
		if (w->out(w->octx, d, n) != 0)
			w->err = 1;
		w->n += n;
		return;
	}
	if (w->n + n > w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 65536;
		while (nc < w->n + n)
			nc *= 2;
		char *np = realloc(w->p, nc);
		if (!np) {
			w->err = 1;
			return;
		}
		w->p = np;
		w->cap = nc;
	}
	memcpy(w->p + w->n, d, n);
	w->n += n;
}

static void save_to(const ms_tracker *t, wbuf *wp)
{
	blob_hdr h;
	memset(&h, 0, sizeof h);
	memcpy(h.magic, MAGIC, 8);
	h.sz_sess = sizeof(t_sess);
	h.sz_pf = sizeof(t_pfail);
	h.sz_pb = sizeof(t_pback);
	h.sz_msg = sizeof(t_msg);
	h.sz_ps = sizeof(t_ps);
	h.sz_name = sizeof(t_name);
	h.sz_rdns = sizeof(t_rdns);
	h.sz_nouser = sizeof(t_nouser);
	h.nnames = t->nnames;
	for (int i = 0; i < t->sess_hi; i++)
		h.nsess += t->sess[i].used != 0;
	h.npf = t->pf_count;
	h.npb = t->pb_count;
	h.nmsg = t->nmsg;
	h.nps = t->nps;
	h.ids = t->ids;
	h.now = t->now;
	h.last_sweep = t->last_sweep;
	put(wp, &h, sizeof h);
	put(wp, t->names, sizeof(t_name) * (size_t)t->nnames);
	for (int i = 0; i < t->sess_hi; i++)
		if (t->sess[i].used)
			put(wp, &t->sess[i], sizeof(t_sess));
	for (int k = 0; k < t->pf_count; k++)
		put(wp, &t->pf[(t->pf_head + k) % t->pf_cap], sizeof(t_pfail));
	for (int k = 0; k < t->pb_count; k++)
		put(wp, &t->pb[(t->pb_head + k) % t->pb_cap], sizeof(t_pback));
	for (int i = 0; i < t->msg_hi; i++)
		if (t->msg[i].used)
			put(wp, &t->msg[i], sizeof(t_msg));
	for (int i = 0; i < t->ps_hi; i++)
		if (t->ps[i].used)
			put(wp, &t->ps[i], sizeof(t_ps));
	put(wp, t->rdns, sizeof t->rdns);
	put(wp, t->nouser, sizeof t->nouser);
	ext_hdr x;
	memset(&x, 0, sizeof x);
	memcpy(x.magic, EXT_MAGIC, 4);
	for (int k = 0; k < t->drop_count; k++)
		x.ndrop += t->drop[(t->drop_head + k) % t->drop_cap].used != 0;
	x.multi_host = t->multi_host;
	x.sz_drop = sizeof(t_drop);
	x.host0_n = (uint32_t)t->host0_n;
	memcpy(x.host0, t->host0, sizeof x.host0);
	for (int k = 0; k < t->pn_count; k++)
		x.npn += t->pn[(t->pn_head + k) % t->pn_cap].f.used != 0;
	x.sz_pn = sizeof(t_pnamed);
	x.sz_pam = sizeof(t_pam);
	x.pam_next = t->pam_next;
	put(wp, &x, sizeof x);
	for (int k = 0; k < t->drop_count; k++)
		if (t->drop[(t->drop_head + k) % t->drop_cap].used)
			put(wp, &t->drop[(t->drop_head + k) % t->drop_cap], sizeof(t_drop));
	for (int k = 0; k < t->pn_count; k++)
		if (t->pn[(t->pn_head + k) % t->pn_cap].f.used)
			put(wp, &t->pn[(t->pn_head + k) % t->pn_cap], sizeof(t_pnamed));
	put(wp, t->pam, sizeof t->pam);
	ev_hdr e;
	memset(&e, 0, sizeof e);
	memcpy(e.magic, EV_MAGIC, 4);
	for (int k = 0; k < T_EVICTED_N; k++)
		e.n += t->sess_evicted[k].used != 0;
	e.sz_sess = sizeof(t_sess);
	e.sz_qids = sizeof t->qids;
	e.qid_next = t->qid_next;
	e.sz_passed = sizeof t->ps_passed;
	e.passed_next = t->ps_passed_next;
	e.sz_down = sizeof t->sasl_down;
	e.down_next = t->sasl_down_next;
	put(wp, &e, sizeof e);
	for (int k = 0; k < T_EVICTED_N; k++)
		if (t->sess_evicted[k].used)
			put(wp, &t->sess_evicted[k], sizeof(t_sess));
	put(wp, t->qids, sizeof t->qids);
	put(wp, t->ps_passed, sizeof t->ps_passed);
	put(wp, t->sasl_down, sizeof t->sasl_down);
}

void *ms_tracker_save(const ms_tracker *t, size_t *len)
{
	wbuf w = { 0 };
	save_to(t, &w);
	if (w.err) {
		free(w.p);
		return NULL;
	}
	*len = w.n;
	return w.p;
}

static int count_only(void *ctx, const void *d, size_t n)
{
	(void)ctx;
	(void)d;
	(void)n;
	return 0;
}

size_t ms_tracker_save_size(const ms_tracker *t)
{
	wbuf w = { .out = count_only };
	save_to(t, &w);
	return w.n;
}

int ms_tracker_save_stream(const ms_tracker *t, int (*out)(void *ctx, const void *d, size_t n), void *ctx)
{
	wbuf w = { .out = out, .octx = ctx };
	save_to(t, &w);
	return w.err ? -1 : 0;
}

static void term(char *s, size_t n) { s[n - 1] = 0; }

/*
 * Times and ids read back must stay in the range the tracker computes with:
 * it adds windows to times, subtracts times and increments ids, and a
 * damaged database must not make that overflow (a saved "now" of INT64_MAX
 * with a last sweep of INT64_MIN did).  Times within +-2^60 s (log times
 * end with year 9999, or a year a file's mtime gives: far inside; sums and
 * differences of two such stay far from overflow), ids below 2^62.
 */
#define TS_LIM ((int64_t)1 << 60)
static int ts_ok(int64_t v) { return v >= -TS_LIM && v <= TS_LIM; }
static int id_ok(int64_t v) { return v >= 0 && v < ((int64_t)1 << 62); }

static void fix_pfail(t_pfail *f, int nnames)
{
	term(f->ip, sizeof f->ip); term(f->client_name, sizeof f->client_name); term(f->mech, sizeof f->mech);
	term(f->reason, sizeof f->reason); term(f->user, sizeof f->user); term(f->dec.user, sizeof f->dec.user);
	term(f->dec.mech, sizeof f->dec.mech);
	if (f->host < 0 || f->host >= nnames) f->host = 0;
	if (f->svc < 0 || f->svc >= nnames) f->svc = 0;
	f->used = 1;
	ms_tracker_pfail_keys(f);
}

static void fix_pback(t_pback *b, int nnames)
{
	term(b->user, sizeof b->user); term(b->ip, sizeof b->ip); term(b->service, sizeof b->service);
	term(b->sid, sizeof b->sid); term(b->mech, sizeof b->mech);
	if (b->host < 0 || b->host >= nnames) b->host = 0;
	if (b->used != 1 && b->used != 2) b->used = 2;
	if (!id_ok(b->id)) b->id = 0; /* written with a new id */
	b->written = b->written != 0 && b->id != 0;
	b->not_smtp = b->not_smtp != 0;
	ms_tracker_pback_keys(b);
}

static void fix_sess(t_sess *s, int nnames)
{
	term(s->ip, sizeof s->ip); term(s->client_name, sizeof s->client_name);
	term(s->tls_proto, sizeof s->tls_proto); term(s->tls_cipher, sizeof s->tls_cipher);
	term(s->tls_trust, sizeof s->tls_trust); term(s->tls_kex, sizeof s->tls_kex);
	term(s->tls_sni, sizeof s->tls_sni); term(s->auth_user, sizeof s->auth_user);
	term(s->auth_method, sizeof s->auth_method); term(s->end_reason, sizeof s->end_reason);
	term(s->end_after, sizeof s->end_after); term(s->dec.user, sizeof s->dec.user);
	term(s->dec.mech, sizeof s->dec.mech);
	if (s->host < 0 || s->host >= nnames) s->host = 0;
	if (s->svc < 0 || s->svc >= nnames) s->svc = 0;
	s->used = 1;
}

/* n entries of size bytes from *p (which ends past them), each with times at the offsets off[]: all in range */
static int section_ok(const char **p, size_t n, size_t size, const size_t *off, size_t noff)
{
	int ok = 1;
	for (size_t i = 0; i < n; i++, *p += size)
		for (size_t k = 0; k < noff; k++) {
			int64_t v;
			memcpy(&v, *p + off[k], sizeof v);
			ok &= ts_ok(v);
		}
	return ok;
}

/* 1 when every time of the blob's entries is in range (p: just past the header) */
static int times_ok(const char *p, const blob_hdr *h)
{
	static const size_t sess[] = { offsetof(t_sess, start_ts), offsetof(t_sess, last_ts), offsetof(t_sess, seen_ts) };
	static const size_t pf[] = { offsetof(t_pfail, ts) }, pb[] = { offsetof(t_pback, ts) };
	static const size_t msg[] = { offsetof(t_msg, ts), offsetof(t_msg, last_ts) };
	static const size_t ps[] = { offsetof(t_ps, start_ts), offsetof(t_ps, end_ts) };
	static const size_t rdns[] = { offsetof(t_rdns, ts) }, nouser[] = { offsetof(t_nouser, ts) };
#define N(a) (sizeof(a) / sizeof((a)[0]))
	static const size_t name[] = { offsetof(t_name, now), offsetof(t_name, seen) };
	int ok = section_ok(&p, (size_t)h->nnames, sizeof(t_name), name, N(name));
	ok &= section_ok(&p, (size_t)h->nsess, h->sz_sess, sess, N(sess));
	ok &= section_ok(&p, (size_t)h->npf, h->sz_pf, pf, N(pf));
	ok &= section_ok(&p, (size_t)h->npb, h->sz_pb, pb, N(pb));
	ok &= section_ok(&p, (size_t)h->nmsg, sizeof(t_msg), msg, N(msg));
	ok &= section_ok(&p, (size_t)h->nps, sizeof(t_ps), ps, N(ps));
	ok &= section_ok(&p, T_RDNS_N, h->sz_rdns, rdns, N(rdns));
	ok &= section_ok(&p, T_NOUSER_N, sizeof(t_nouser), nouser, N(nouser));
#undef N
	return ok;
}

int ms_tracker_load(ms_tracker *t, const void *blob, size_t len)
{
	const char *p = blob, *end = p + len;
	blob_hdr h;
	if (len < sizeof h)
		return -1;
	memcpy(&h, p, sizeof h);
	p += sizeof h;
	if (memcmp(h.magic, MAGIC, 8) || (h.sz_sess != sizeof(t_sess) && h.sz_sess != T_SESS_V1_SIZE) ||
	    (h.sz_pf != sizeof(t_pfail) && h.sz_pf != PF_V1_SIZE) ||
	    (h.sz_pb != sizeof(t_pback) && h.sz_pb != PB_V1_SIZE) || h.sz_msg != sizeof(t_msg) || h.sz_ps != sizeof(t_ps) ||
	    h.sz_name != sizeof(t_name) || (h.sz_rdns != sizeof(t_rdns) && h.sz_rdns != T_RDNS_V1_SIZE) ||
	    h.sz_nouser != sizeof(t_nouser))
		return -1;
	if (h.nnames < 1 || h.nnames > T_MAXNAMES || h.nsess < 0 || h.nsess > t->cfg.max_open || h.npf < 0 ||
	    h.npf > t->cfg.max_pending || h.npb < 0 || h.npb > t->cfg.max_pending || h.nmsg < 0 ||
	    h.nmsg > t->cfg.max_messages || h.nps < 0 || h.nps > t->cfg.max_postscreen)
		return -1;
	size_t need = sizeof(t_name) * (size_t)h.nnames + (size_t)h.sz_sess * (size_t)h.nsess +
		      (size_t)h.sz_pf * (size_t)h.npf + (size_t)h.sz_pb * (size_t)h.npb + sizeof(t_msg) * (size_t)h.nmsg +
		      sizeof(t_ps) * (size_t)h.nps + (size_t)h.sz_rdns * T_RDNS_N + sizeof t->nouser;
	ext_hdr x;
	ev_hdr eh;
	int has_ev = 0;    /* the evicted sessions follow the optional section */
	int has_ext = 0;   /* 0 none, 1 the version before's, 2 today's */
	size_t xs = 0;     /* its header's size */
	memset(&x, 0, sizeof x);
	if ((size_t)(end - p) != need) {
		/* the optional section: whole, or the blob is refused */
		if ((size_t)(end - p) < need + 4)
			return -1;
		if (!memcmp(p + need, EXT_MAGIC, 4))
			has_ext = 2, xs = sizeof x;
		else if (!memcmp(p + need, EXT_MAGIC_V1, 4))
			has_ext = 1, xs = EXT_V1_SIZE;
		else
			return -1;
		if ((size_t)(end - p) < need + xs)
			return -1;
		memcpy(&x, p + need, xs);
		size_t tail = has_ext == 2 ? sizeof(t_pnamed) * (size_t)x.npn + sizeof t->pam : 0;
		if (x.sz_drop != sizeof(t_drop) || x.ndrop < 0 || x.ndrop > T_DROP_MAX || x.host0_n > T_HOSTLEN ||
		    (has_ext == 2 && (x.sz_pn != sizeof(t_pnamed) || x.npn < 0 || x.npn > T_PN_MAX ||
				      x.sz_pam != sizeof(t_pam))))
			return -1;
		size_t ext_end = need + xs + sizeof(t_drop) * (size_t)x.ndrop + tail;
		if ((size_t)(end - p) < ext_end)
			return -1;
		if ((size_t)(end - p) != ext_end) {
			/* the evicted sessions, after today's section only */
			if (has_ext != 2 || (size_t)(end - p) < ext_end + sizeof eh)
				return -1;
			memcpy(&eh, p + ext_end, sizeof eh);
			if (memcmp(eh.magic, EV_MAGIC, 4) || eh.sz_sess != sizeof(t_sess) || eh.sz_qids != sizeof t->qids ||
			    eh.sz_passed != sizeof t->ps_passed || eh.sz_down != sizeof t->sasl_down || eh.n < 0 ||
			    eh.n > T_EVICTED_N ||
			    (size_t)(end - p) != ext_end + sizeof eh + sizeof(t_sess) * (size_t)eh.n + sizeof t->qids +
							 sizeof t->ps_passed + sizeof t->sasl_down)
				return -1;
			has_ev = 1;
		}
	}

	if (!ts_ok(h.now) || !ts_ok(h.last_sweep) || !id_ok(h.ids.session) || !id_ok(h.ids.auth) ||
	    !id_ok(h.ids.message) || !id_ok(h.ids.reject) || !id_ok(h.ids.postscreen) || !id_ok(h.ids.backend) ||
	    !times_ok(p, &h))
		return -1;
	/* the only steps that can fail, so before anything changes: rings sized for what they will hold */
	t_drop *drops = NULL;
	t_pnamed *pn = NULL;
	if (has_ext && x.ndrop > 0 && !(drops = malloc(sizeof *drops * (size_t)(x.ndrop < 64 ? 64 : x.ndrop))))
		return -1;
	if (has_ext && x.npn > 0 && !(pn = malloc(sizeof *pn * (size_t)(x.npn < 64 ? 64 : x.npn)))) {
		free(drops);
		return -1;
	}
	if (ms_tracker_names_room(t, h.nnames) != 0 || ms_tracker_rings_reset(t, h.npf, h.npb) != 0) {
		free(drops);
		free(pn);
		return -1;
	}

	memset(t->names, 0, sizeof(t_name) * (size_t)t->nnames); /* names past nnames are never read */
	memcpy(t->names, p, sizeof(t_name) * (size_t)h.nnames);
	p += sizeof(t_name) * (size_t)h.nnames;
	t->nnames = h.nnames;
	t->nhosts = 0;
	t->multi_host = 0;
	t->host0_n = 0;
	for (int i = 0; i < t->nnames; i++) {
		term(t->names[i].s, sizeof t->names[i].s);
		t->names[i].host = t->names[i].host != 0;
		t->names[i].saslauthd = t->names[i].saslauthd != 0;
		t->nhosts += t->names[i].host;
		if (t->names[i].host) { /* the one host so far, or several */
			t->host0_n = strlen(t->names[i].s) + 1;
			memcpy(t->host0, t->names[i].s, t->host0_n - 1);
		}
	}
	t->multi_host = t->nhosts > 1;
	t->sess_evq_n = t->sess_evq_pos = t->ps_evq_n = t->ps_evq_pos = 0; /* found again when needed */

	memset(t->sess, 0, sizeof(t_sess) * (size_t)t->sess_hi); /* only what was ever touched */
	for (int i = 0; i < h.nsess; i++) {
		memcpy(&t->sess[i], p, h.sz_sess); /* the rest zero: the memset above */
		p += h.sz_sess;
		fix_sess(&t->sess[i], t->nnames);
	}
	t->sess_hi = h.nsess;
	/* the rings are new and empty: the entries go first */
	for (int i = 0; i < h.npf; i++) {
		t_pfail *f = &t->pf[i];
		memset(f, 0, sizeof *f);
		memcpy(f, p, h.sz_pf);
		p += h.sz_pf;
		fix_pfail(f, t->nnames);
	}
	t->pf_head = 0;
	t->pf_count = h.npf;
	ms_tracker_pfkeys_rebuild(t);
	for (int i = 0; i < h.npb; i++) {
		t_pback *b = &t->pb[i];
		memset(b, 0, sizeof *b);
		memcpy(b, p, h.sz_pb);
		p += h.sz_pb;
		fix_pback(b, t->nnames);
	}
	t->pb_head = 0;
	t->pb_count = h.npb;

	memset(t->msg, 0, sizeof(t_msg) * (size_t)t->msg_hi); /* only what was ever touched */
	t->nmsg = 0;
	for (int i = 0; i < h.nmsg; i++) {
		t_msg m;
		memcpy(&m, p, sizeof m);
		p += sizeof m;
		term(m.qid, sizeof m.qid); term(m.ip, sizeof m.ip); term(m.account, sizeof m.account);
		term(m.sender, sizeof m.sender); term(m.msgid, sizeof m.msgid);
		if (m.host < 0 || m.host >= t->nnames) m.host = 0;
		t->msg[i] = m; /* the pool is dense; ms_tracker_rebuild_index() hashes it */
		t->msg[i].used = 1;
		t->nmsg++;
	}
	t->msg_hi = h.nmsg;
	memset(t->ps, 0, sizeof(t_ps) * (size_t)t->ps_hi); /* only what was ever touched */
	t->nps = 0;
	for (int i = 0; i < h.nps; i++) {
		t_ps q;
		memcpy(&q, p, sizeof q);
		p += sizeof q;
		term(q.ip, sizeof q.ip); term(q.verdict, sizeof q.verdict);
		if (q.host < 0 || q.host >= t->nnames) q.host = 0;
		t->ps[i] = q; /* the pool is dense; ms_tracker_rebuild_index() hashes it */
		t->ps[i].used = 1;
		t->nps++;
	}
	t->ps_hi = h.nps;
	/* a state saved before the warning's line was kept: no service (svc -1) */
	for (size_t i = 0; i < T_RDNS_N; i++, p += h.sz_rdns) {
		t_rdns *r = &t->rdns[i];
		memset(r, 0, sizeof *r);
		memcpy(r, p, h.sz_rdns);
		if (h.sz_rdns != sizeof(t_rdns))
			r->svc = -1;
		term(r->ip, sizeof r->ip);
		r->used = r->used != 0;
		if (r->host < 0 || r->host >= t->nnames)
			r->used = 0;
		if (r->svc < 0 || r->svc >= t->nnames)
			r->svc = -1;
		if (!id_ok(r->source_id) || !id_ok(r->line))
			r->source_id = r->line = 0;
	}
	memcpy(t->nouser, p, sizeof t->nouser);
	for (size_t i = 0; i < sizeof t->nouser / sizeof t->nouser[0]; i++) {
		term(t->nouser[i].user, sizeof t->nouser[i].user);
		if (t->nouser[i].host < 0 || t->nouser[i].host >= t->nnames) t->nouser[i].used = 0;
	}
	p += sizeof t->nouser;
	free(t->drop);
	t->drop = NULL;
	t->drop_head = t->drop_count = t->drop_cap = 0;
	if (has_ext) {
		p += xs;
		for (int i = 0; i < x.ndrop; i++) {
			memcpy(&drops[i], p, sizeof *drops);
			p += sizeof *drops;
			if (drops[i].host < 0 || drops[i].host >= t->nnames || !ts_ok(drops[i].ts))
				drops[i].used = 0;
			drops[i].used = drops[i].used != 0;
			if (drops[i].has_user > 2)
				drops[i].has_user = 0;
		}
		if (drops) {
			t->drop = drops;
			t->drop_cap = x.ndrop < 64 ? 64 : x.ndrop;
			t->drop_count = x.ndrop;
		}
		for (int i = 0; i < x.npn; i++) {
			t_pnamed *n = &pn[i];
			memcpy(n, p, sizeof *n);
			p += sizeof *n;
			fix_pfail(&n->f, t->nnames);
			fix_pback(&n->dv, t->nnames);
			n->f.matched = 0;
			n->dv.used = 2;
			n->dv.written = 0;
			n->disowned = n->disowned != 0;
			n->sid_h = n->dv.sid[0] ? pn_sid_hash(n->dv.sid) : 0;
			if (!ts_ok(n->f.ts) || !ts_ok(n->dv.ts) || !id_ok(n->f.auth_id) || !id_ok(n->f.session_id))
				n->f.used = 0; /* dropped: its row stays as written */
		}
	}
	if (has_ext == 2) {
		memcpy(t->pam, p, sizeof t->pam);
		p += sizeof t->pam;
		t->pam_next = x.pam_next;
		for (int i = 0; i < T_PAM_N; i++) {
			t_pam *e = &t->pam[i];
			term(e->user, sizeof e->user); term(e->ip, sizeof e->ip);
			e->used = e->used != 0 && e->host >= 0 && e->host < t->nnames && ts_ok(e->ts);
			e->unix_line = e->unix_line != 0;
			if (!id_ok(e->pb_id)) e->pb_id = 0;
			if (!id_ok(e->auth_id)) e->auth_id = 0;
		}
	}
	if (has_ext != 2) {
		memset(t->pam, 0, sizeof t->pam);
	}
	memset(t->sess_evicted, 0, sizeof t->sess_evicted);
	t->sess_evicted_next = 0;
	t->evicted_pids = 0;
	if (has_ev) {
		p += sizeof eh;
		for (int i = 0; i < eh.n; i++) {
			t_sess *e = &t->sess_evicted[i];
			memcpy(e, p, sizeof *e);
			p += sizeof *e;
			fix_sess(e, t->nnames);
			if (!ts_ok(e->start_ts) || !ts_ok(e->last_ts) || !ts_ok(e->seen_ts) || !ts_ok(e->sasl_down_ts) ||
			    !id_ok(e->id))
				e->used = 0;
		}
		t->sess_evicted_next = eh.n;
		ms_tracker_evicted_mask(t);
		memcpy(t->qids, p, sizeof t->qids);
		p += sizeof t->qids;
		t->qid_next = eh.qid_next;
		for (int i = 0; i < T_QID_N; i++) {
			term(t->qids[i].qid, sizeof t->qids[i].qid);
			term(t->qids[i].ip, sizeof t->qids[i].ip);
			if (t->qids[i].host < 0 || t->qids[i].host >= t->nnames || !id_ok(t->qids[i].sid))
				memset(&t->qids[i], 0, sizeof t->qids[i]);
		}
		memcpy(t->ps_passed, p, sizeof t->ps_passed);
		p += sizeof t->ps_passed;
		t->ps_passed_next = eh.passed_next;
		for (int i = 0; i < T_PS_PASSED_N; i++) {
			t_ps *q = &t->ps_passed[i];
			term(q->ip, sizeof q->ip);
			term(q->verdict, sizeof q->verdict);
			q->used = q->used != 0 && q->host >= 0 && q->host < t->nnames && ts_ok(q->start_ts) &&
				  ts_ok(q->end_ts) && id_ok(q->id) && q->events >= 0 && q->events < (1 << 30);
		}
		memcpy(t->sasl_down, p, sizeof t->sasl_down);
		p += sizeof t->sasl_down;
		t->sasl_down_next = eh.down_next;
		for (int i = 0; i < T_SASL_DOWN_N; i++)
			if (t->sasl_down[i].host < 0 || t->sasl_down[i].host >= t->nnames || t->sasl_down[i].svc < 0 ||
			    t->sasl_down[i].svc >= t->nnames || !ts_ok(t->sasl_down[i].ts))
				memset(&t->sasl_down[i], 0, sizeof t->sasl_down[i]);
	} else {
		memset(t->qids, 0, sizeof t->qids);
		t->qid_next = 0;
		memset(t->ps_passed, 0, sizeof t->ps_passed);
		t->ps_passed_next = 0;
		memset(t->sasl_down, 0, sizeof t->sasl_down);
		t->sasl_down_next = 0;
	}
	free(t->pn);
	t->pn = pn;
	t->pn_head = 0;
	t->pn_count = pn ? x.npn : 0; /* x.npn is 0 without the section */
	t->pn_cap = pn ? (x.npn < 64 ? 64 : x.npn) : 0;
	ms_tracker_pn_recount(t);
	if (has_ext) {
		/* the one host so far, as saved (a run of other programs' lines only
		 * marks no name a host) */
		t->multi_host = x.multi_host != 0 || t->nhosts > 1;
		t->host0_n = x.host0_n;
		memcpy(t->host0, x.host0, sizeof t->host0);
		t->host0[sizeof t->host0 - 1] = 0;
		if (t->host0_n > strlen(t->host0) + 1)
			t->host0_n = strlen(t->host0) + 1;
	}
	/* the saved counters, never below what the tracker was made with (the
	 * database's next ids: rows added since the state was saved, by a
	 * merge, must not be written over) */
	ms_idgen was = t->ids;
	t->ids = h.ids;
	if (t->ids.session < was.session) t->ids.session = was.session;
	if (t->ids.auth < was.auth) t->ids.auth = was.auth;
	if (t->ids.message < was.message) t->ids.message = was.message;
	if (t->ids.reject < was.reject) t->ids.reject = was.reject;
	if (t->ids.postscreen < was.postscreen) t->ids.postscreen = was.postscreen;
	if (t->ids.backend < was.backend) t->ids.backend = was.backend;
	t->now = h.now;
	t->last_sweep = h.last_sweep;
	ms_tracker_rebuild_index(t);
	return 0;
}
