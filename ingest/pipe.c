/* SPDX-License-Identifier: MIT */
/* pipe.c - deep-copying record batches from the parser thread to a writer thread. */
#include <pthread.h>
#include <sys/resource.h>
#include <time.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pipe.h"

/*
 * The copy below knows every string field of every record.  A field added to
 * record.h must be added to the tables here too (else the writer would read
 * tracker memory that has changed meanwhile): these sizes make sure the
 * build stops until it is.
 */
#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
_Static_assert(sizeof(ms_sink) == 8 * sizeof(void *), "ms_sink changed: update ingest/pipe.c");
_Static_assert(sizeof(ms_session_rec) == 328, "ms_session_rec changed: update ingest/pipe.c");
_Static_assert(sizeof(ms_auth_rec) == 144, "ms_auth_rec changed: update ingest/pipe.c");
_Static_assert(sizeof(ms_message_rec) == 112, "ms_message_rec changed: update ingest/pipe.c");
_Static_assert(sizeof(ms_reject_rec) == 120, "ms_reject_rec changed: update ingest/pipe.c");
_Static_assert(sizeof(ms_postscreen_rec) == 88, "ms_postscreen_rec changed: update ingest/pipe.c");
_Static_assert(sizeof(ms_backend_rec) == 104, "ms_backend_rec changed: update ingest/pipe.c");
_Static_assert(sizeof(ms_loss_rec) == 64, "ms_loss_rec changed: update ingest/pipe.c");
#endif

enum { R_SESSION, R_AUTH, R_MESSAGE, R_REJECT, R_POSTSCREEN, R_BACKEND, R_LOSS };

#define S(T, f) offsetof(T, f)
static const size_t sess_str[] = {
	S(ms_session_rec, host), S(ms_session_rec, service), S(ms_session_rec, ip),
	S(ms_session_rec, client_name), S(ms_session_rec, end_reason), S(ms_session_rec, end_after),
	S(ms_session_rec, tls_proto), S(ms_session_rec, tls_cipher), S(ms_session_rec, tls_trust),
	S(ms_session_rec, tls_kex), S(ms_session_rec, tls_sni), S(ms_session_rec, auth_user),
	S(ms_session_rec, auth_method),
};
static const size_t auth_str[] = {
	S(ms_auth_rec, host), S(ms_auth_rec, service), S(ms_auth_rec, ip), S(ms_auth_rec, client_name),
	S(ms_auth_rec, mech), S(ms_auth_rec, reason), S(ms_auth_rec, account),
};
static const size_t msg_str[] = {
	S(ms_message_rec, host), S(ms_message_rec, ip), S(ms_message_rec, queue_id),
	S(ms_message_rec, account), S(ms_message_rec, sender), S(ms_message_rec, message_id),
};
static const size_t rej_str[] = {
	S(ms_reject_rec, host), S(ms_reject_rec, ip), S(ms_reject_rec, client_name), S(ms_reject_rec, action),
	S(ms_reject_rec, stage), S(ms_reject_rec, reason), S(ms_reject_rec, sender), S(ms_reject_rec, recipient),
	S(ms_reject_rec, helo),
};
static const size_t ps_str[] = { S(ms_postscreen_rec, host), S(ms_postscreen_rec, ip), S(ms_postscreen_rec, verdict) };
static const size_t be_str[] = {
	S(ms_backend_rec, host), S(ms_backend_rec, ip), S(ms_backend_rec, account),
	S(ms_backend_rec, backend), S(ms_backend_rec, service), S(ms_backend_rec, detail),
};
static const size_t loss_str[] = { S(ms_loss_rec, host), S(ms_loss_rec, reporter), S(ms_loss_rec, what) };
#undef S
#define N(a) (sizeof(a) / sizeof((a)[0]))

#define HDR 8u
#define NBATCH (MS_PIPE_DEPTH + 2)

typedef struct {
	size_t used;
	char *buf; /* MS_PIPE_BATCH */
} batch;

struct ms_pipe {
	ms_sink real;
	pthread_t th;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv_work;  /* writer waits: a batch was queued, or stop */
	pthread_cond_t cv_space; /* producer waits: a batch was written */
	batch *q[MS_PIPE_DEPTH];
	int qh, qn;
	batch *freel[NBATCH];
	int nfree;
	batch *cur;
	int busy, stop;
	ms_pipe_stats stats;     /* producer_wait: producer thread; the rest: writer, set at its exit */
	batch all[NBATCH];
};

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

double ms_thread_cpu(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_THREAD, &ru) != 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static size_t round8(size_t n) { return (n + 7u) & ~(size_t)7u; }

static void replay(const ms_sink *k, const batch *b)
{
	size_t off = 0;
	while (off + HDR <= b->used) {
		uint32_t type, size;
		memcpy(&type, b->buf + off, 4);
		memcpy(&size, b->buf + off + 4, 4);
		const void *rec = b->buf + off + HDR;
		switch (type) {
		case R_SESSION: if (k->session) k->session(k->ctx, rec); break;
		case R_AUTH: if (k->auth) k->auth(k->ctx, rec); break;
		case R_MESSAGE: if (k->message) k->message(k->ctx, rec); break;
		case R_REJECT: if (k->reject) k->reject(k->ctx, rec); break;
		case R_POSTSCREEN: if (k->postscreen) k->postscreen(k->ctx, rec); break;
		case R_BACKEND: if (k->backend) k->backend(k->ctx, rec); break;
		case R_LOSS: if (k->loss) k->loss(k->ctx, rec); break;
		default: break;
		}
		off += size;
	}
}

static void *writer_main(void *arg)
{
	ms_pipe *p = arg;
	double idle = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		if (p->qn == 0 && !p->stop) {
			double t = mono();
			while (p->qn == 0 && !p->stop)
				pthread_cond_wait(&p->cv_work, &p->mu);
			idle += mono() - t;
		}
		if (p->qn == 0)
			break;
		batch *b = p->q[p->qh];
		p->qh = (p->qh + 1) % MS_PIPE_DEPTH;
		p->qn--;
		p->busy = 1;
		pthread_mutex_unlock(&p->mu);
		replay(&p->real, b);
		pthread_mutex_lock(&p->mu);
		b->used = 0;
		p->freel[p->nfree++] = b;
		p->busy = 0;
		pthread_cond_broadcast(&p->cv_space);
	}
	p->stats.writer_cpu = ms_thread_cpu();
	p->stats.writer_idle = idle;
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Queue the current batch (if it holds anything) and take an empty one. */
static void hand_over(ms_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	if (p->cur->used) {
		if (p->qn == MS_PIPE_DEPTH) {
			double t = mono();
			while (p->qn == MS_PIPE_DEPTH)
				pthread_cond_wait(&p->cv_space, &p->mu);
			p->stats.producer_wait += mono() - t;
		}
		p->q[(p->qh + p->qn) % MS_PIPE_DEPTH] = p->cur;
		p->qn++;
		pthread_cond_signal(&p->cv_work);
		while (p->nfree == 0)
			pthread_cond_wait(&p->cv_space, &p->mu);
		p->cur = p->freel[--p->nfree];
	}
	pthread_mutex_unlock(&p->mu);
}

void ms_pipe_drain(ms_pipe *p)
{
	if (!p)
		return;
	hand_over(p);
	pthread_mutex_lock(&p->mu);
	while (p->qn > 0 || p->busy)
		pthread_cond_wait(&p->cv_space, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

static const char *field(const void *rec, size_t off)
{
	const char *s;
	memcpy(&s, (const char *)rec + off, sizeof s);
	return s;
}

/* Copy one record with its strings (and an optional 32-byte blob) into the batch. */
static void put(ms_pipe *p, uint32_t type, const void *rec, size_t rsz, const size_t *offs, size_t noffs,
		size_t blob_off)
{
	size_t need = HDR + round8(rsz);
	for (size_t i = 0; i < noffs; i++) {
		const char *s = field(rec, offs[i]);
		if (s)
			need += strlen(s) + 1;
	}
	const uint8_t *blob = NULL;
	if (blob_off != SIZE_MAX) {
		memcpy(&blob, (const char *)rec + blob_off, sizeof blob);
		if (blob)
			need += 32;
	}
	need = round8(need);
	if (need > MS_PIPE_BATCH) {
		/* cannot happen with the tracker's bounded fields; stay correct anyway */
		ms_pipe_drain(p);
		switch (type) {
		case R_SESSION: p->real.session(p->real.ctx, rec); break;
		case R_AUTH: p->real.auth(p->real.ctx, rec); break;
		case R_MESSAGE: p->real.message(p->real.ctx, rec); break;
		case R_REJECT: p->real.reject(p->real.ctx, rec); break;
		case R_POSTSCREEN: p->real.postscreen(p->real.ctx, rec); break;
		case R_LOSS: if (p->real.loss) p->real.loss(p->real.ctx, rec); break;
		default: p->real.backend(p->real.ctx, rec); break;
		}
		return;
	}
	if (p->cur->used + need > MS_PIPE_BATCH)
		hand_over(p);
	char *dst = p->cur->buf + p->cur->used;
	uint32_t sz = (uint32_t)need;
	memcpy(dst, &type, 4);
	memcpy(dst + 4, &sz, 4);
	memcpy(dst + HDR, rec, rsz);
	char *sp = dst + HDR + round8(rsz);
	for (size_t i = 0; i < noffs; i++) {
		const char *s = field(rec, offs[i]);
		char *np = NULL;
		if (s) {
			size_t n = strlen(s) + 1;
			memcpy(sp, s, n);
			np = sp;
			sp += n;
		}
		memcpy(dst + HDR + offs[i], &np, sizeof np);
	}
	if (blob_off != SIZE_MAX) {
		uint8_t *nb = NULL;
		if (blob) {
			memcpy(sp, blob, 32);
			nb = (uint8_t *)sp;
		}
		memcpy(dst + HDR + blob_off, &nb, sizeof nb);
	}
	p->cur->used += need;
}

static void k_session(void *c, const ms_session_rec *r) { put(c, R_SESSION, r, sizeof *r, sess_str, N(sess_str), SIZE_MAX); }
static void k_auth(void *c, const ms_auth_rec *r)
{
	put(c, R_AUTH, r, sizeof *r, auth_str, N(auth_str), offsetof(ms_auth_rec, pw_hmac));
}
static void k_message(void *c, const ms_message_rec *r) { put(c, R_MESSAGE, r, sizeof *r, msg_str, N(msg_str), SIZE_MAX); }
static void k_reject(void *c, const ms_reject_rec *r) { put(c, R_REJECT, r, sizeof *r, rej_str, N(rej_str), SIZE_MAX); }
static void k_postscreen(void *c, const ms_postscreen_rec *r)
{
	put(c, R_POSTSCREEN, r, sizeof *r, ps_str, N(ps_str), SIZE_MAX);
}
static void k_backend(void *c, const ms_backend_rec *r) { put(c, R_BACKEND, r, sizeof *r, be_str, N(be_str), SIZE_MAX); }
static void k_loss(void *c, const ms_loss_rec *r) { put(c, R_LOSS, r, sizeof *r, loss_str, N(loss_str), SIZE_MAX); }

ms_sink ms_pipe_sink(ms_pipe *p)
{
	ms_sink k = { p, k_session, k_auth, k_message, k_reject, k_postscreen, k_backend, k_loss };
	return k;
}

ms_pipe *ms_pipe_new(const ms_sink *real)
{
	ms_pipe *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->real = *real;
	for (int i = 0; i < NBATCH; i++) {
		p->all[i].buf = malloc(MS_PIPE_BATCH);
		if (!p->all[i].buf)
			goto fail;
		p->freel[p->nfree++] = &p->all[i];
	}
	p->cur = p->freel[--p->nfree];
	if (pthread_mutex_init(&p->mu, NULL) != 0)
		goto fail;
	if (pthread_cond_init(&p->cv_work, NULL) != 0 || pthread_cond_init(&p->cv_space, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		goto fail;
	}
	if (pthread_create(&p->th, NULL, writer_main, p) != 0) {
		pthread_cond_destroy(&p->cv_work);
		pthread_cond_destroy(&p->cv_space);
		pthread_mutex_destroy(&p->mu);
		goto fail;
	}
	p->started = 1;
	return p;
fail:
	for (int i = 0; i < NBATCH; i++)
		free(p->all[i].buf);
	free(p);
	return NULL;
}

void ms_pipe_free(ms_pipe *p)
{
	ms_pipe_finish(p, NULL);
}

void ms_pipe_finish(ms_pipe *p, ms_pipe_stats *stats)
{
	if (!p)
		return;
	ms_pipe_drain(p);
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_signal(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->th, NULL);
	pthread_cond_destroy(&p->cv_work);
	pthread_cond_destroy(&p->cv_space);
	pthread_mutex_destroy(&p->mu);
	if (stats)
		*stats = p->stats;
	for (int i = 0; i < NBATCH; i++)
		free(p->all[i].buf);
	free(p);
}
