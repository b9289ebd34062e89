/* SPDX-License-Identifier: MIT */
/* prefetch.c - an input read (decompressed) ahead on a thread of its own. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "pipe.h"
#include "prefetch.h"

typedef struct {
	char *data;   /* MS_PREFETCH_CHUNK bytes */
	ssize_t n;    /* what ms_input_read() returned into it: > 0, or the end (0) or error (-1) */
	size_t off;   /* bytes of it already handed out */
} chunk;

/*
 * The ring: chunks head .. head + count - 1 (mod MS_PREFETCH_CHUNKS) are
 * filled and belong to the reader of ms_prefetch_read(); the others belong
 * to the thread.  Only head, count and stop are shared, under mu.
 */
struct ms_prefetch {
	ms_input *in;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv_data;  /* a chunk was filled */
	pthread_cond_t cv_space; /* a chunk was emptied, or stop */
	int head, count, stop;
	double cpu;              /* the thread's CPU seconds, set when it ends */
	chunk ring[MS_PREFETCH_CHUNKS];
};

static void *prefetch_main(void *arg)
{
	ms_prefetch *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->count == MS_PREFETCH_CHUNKS && !p->stop)
			pthread_cond_wait(&p->cv_space, &p->mu);
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		chunk *c = &p->ring[(p->head + p->count) % MS_PREFETCH_CHUNKS];
		pthread_mutex_unlock(&p->mu);

		ssize_t r = ms_input_read(p->in, c->data, MS_PREFETCH_CHUNK);

		pthread_mutex_lock(&p->mu);
		c->n = r;
		c->off = 0;
		p->count++;
		pthread_cond_signal(&p->cv_data);
		pthread_mutex_unlock(&p->mu);
		if (r <= 0)
			break; /* the end or an error: the last chunk says which */
	}
	double cpu = ms_thread_cpu();
	pthread_mutex_lock(&p->mu);
	p->cpu = cpu;
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void free_ring(ms_prefetch *p)
{
	for (int i = 0; i < MS_PREFETCH_CHUNKS; i++)
		free(p->ring[i].data);
}

ms_prefetch *ms_prefetch_start(ms_input *in)
{
	ms_prefetch *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->in = in;
	for (int i = 0; i < MS_PREFETCH_CHUNKS; i++) {
		p->ring[i].data = malloc(MS_PREFETCH_CHUNK);
		if (!p->ring[i].data) {
			free_ring(p);
			free(p);
			return NULL;
		}
	}
	if (pthread_mutex_init(&p->mu, NULL) != 0)
		goto fail_mu;
	if (pthread_cond_init(&p->cv_data, NULL) != 0)
		goto fail_data;
	if (pthread_cond_init(&p->cv_space, NULL) != 0)
		goto fail_space;
	if (pthread_create(&p->th, NULL, prefetch_main, p) != 0)
		goto fail_thread;
	return p;
fail_thread:
	pthread_cond_destroy(&p->cv_space);
fail_space:
	pthread_cond_destroy(&p->cv_data);
fail_data:
	pthread_mutex_destroy(&p->mu);
fail_mu:
	free_ring(p);
	free(p);
	return NULL;
}

ssize_t ms_prefetch_read(ms_prefetch *p, void *buf, size_t cap)
{
	pthread_mutex_lock(&p->mu);
	while (p->count == 0)
		pthread_cond_wait(&p->cv_data, &p->mu);
	chunk *c = &p->ring[p->head];
	pthread_mutex_unlock(&p->mu);
	if (c->n <= 0)
		return c->n; /* kept: every later call gives the same end or error */
	size_t k = (size_t)c->n - c->off;
	if (k > cap)
		k = cap;
	memcpy(buf, c->data + c->off, k);
	c->off += k;
	if (c->off == (size_t)c->n) {
		pthread_mutex_lock(&p->mu);
		p->head = (p->head + 1) % MS_PREFETCH_CHUNKS;
		p->count--;
		pthread_cond_signal(&p->cv_space);
		pthread_mutex_unlock(&p->mu);
	}
	return (ssize_t)k;
}

double ms_prefetch_stop(ms_prefetch *p)
{
	if (!p)
		return 0;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv_space);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->th, NULL);
	double cpu = p->cpu;
	pthread_cond_destroy(&p->cv_space);
	pthread_cond_destroy(&p->cv_data);
	pthread_mutex_destroy(&p->mu);
	free_ring(p);
	free(p);
	return cpu;
}
