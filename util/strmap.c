/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include "strmap.h"

uint64_t ms_hash64(const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ (n * 0x9E3779B97F4A7C15ULL);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, c + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 32;
	}
	for (; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h;
}

void ms_strmap_init(ms_strmap *m) { memset(m, 0, sizeof *m); }

void ms_strmap_clear(ms_strmap *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		free(m->keys[i]);
		m->keys[i] = NULL;
	}
	m->n = 0;
}

void ms_strmap_release(ms_strmap *m)
{
	ms_strmap_clear(m);
	free(m->keys);
	free(m->klen);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

int ms_strmap_get(const ms_strmap *m, const char *k, size_t n, int64_t *val)
{
	if (!m->cap)
		return 0;
	size_t mask = m->cap - 1, i = (size_t)ms_hash64(k, n) & mask;
	while (m->keys[i]) {
		if (m->klen[i] == n && memcmp(m->keys[i], k, n) == 0) {
			*val = m->vals[i];
			return 1;
		}
		i = (i + 1) & mask;
	}
	return 0;
}

static int grow(ms_strmap *m)
{
	size_t nc = m->cap ? m->cap * 2 : 1024;
	char **nk = calloc(nc, sizeof *nk);
	uint32_t *nl = calloc(nc, sizeof *nl);
	int64_t *nv = calloc(nc, sizeof *nv);
	if (!nk || !nl || !nv) {
		free(nk);
		free(nl);
		free(nv);
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = (size_t)ms_hash64(m->keys[i], m->klen[i]) & (nc - 1);
		while (nk[j])
			j = (j + 1) & (nc - 1);
		nk[j] = m->keys[i];
		nl[j] = m->klen[i];
		nv[j] = m->vals[i];
	}
	free(m->keys);
	free(m->klen);
	free(m->vals);
	m->keys = nk;
	m->klen = nl;
	m->vals = nv;
	m->cap = nc;
	return 0;
}

int ms_strmap_put(ms_strmap *m, const char *k, size_t n, int64_t val)
{
	if ((m->n + 1) * 2 > m->cap && grow(m) != 0)
		return -1;
	size_t mask = m->cap - 1, i = (size_t)ms_hash64(k, n) & mask;
	while (m->keys[i]) {
		if (m->klen[i] == n && memcmp(m->keys[i], k, n) == 0) {
			m->vals[i] = val;
			return 0;
		}
		i = (i + 1) & mask;
	}
	char *c = malloc(n + 1);
	if (!c)
		return -1;
	memcpy(c, k, n);
	c[n] = 0;
	m->keys[i] = c;
	m->klen[i] = (uint32_t)n;
	m->vals[i] = val;
	m->n++;
	return 0;
}
