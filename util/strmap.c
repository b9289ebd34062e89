/* SPDX-License-Identifier: MIT */
#include <stddef.h>
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

/* an entry in the pool: the value, the key's length, the key and a NUL */
typedef struct {
	int64_t val;
	uint32_t len;
	char key[];
} entry;

#define ENTRY_MAX_UNITS 0xfffffffeULL /* offsets are stored in 8-byte units, plus one */

static entry *entry_at(const ms_strmap *m, uint32_t off) { return (entry *)(m->pool + (size_t)(off - 1) * 8); }

void ms_strmap_init(ms_strmap *m) { memset(m, 0, sizeof *m); }

void ms_strmap_clear(ms_strmap *m)
{
	if (m->slots)
		memset(m->slots, 0, m->cap * sizeof *m->slots);
	m->n = 0;
	m->used = 0;
}

void ms_strmap_release(ms_strmap *m)
{
	free(m->slots);
	free(m->pool);
	memset(m, 0, sizeof *m);
}

void ms_strmap_each(const ms_strmap *m, void (*fn)(void *ctx, const char *k, size_t n, int64_t val), void *ctx)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].off) {
			const entry *e = entry_at(m, m->slots[i].off);
			fn(ctx, e->key, e->len, e->val);
		}
}

/* the slot holding k, or the empty slot where it would go */
static size_t find(const ms_strmap *m, const char *k, size_t n, uint64_t h)
{
	size_t mask = m->cap - 1, i = (size_t)h & mask;
	uint32_t tag = (uint32_t)(h >> 32);
	while (m->slots[i].off) {
		if (m->slots[i].tag == tag) {
			const entry *e = entry_at(m, m->slots[i].off);
			if (e->len == n && memcmp(e->key, k, n) == 0)
				return i;
		}
		i = (i + 1) & mask;
	}
	return i;
}

int ms_strmap_get(const ms_strmap *m, const char *k, size_t n, int64_t *val)
{
	if (!m->cap)
		return 0;
	size_t i = find(m, k, n, ms_hash64(k, n));
	if (!m->slots[i].off)
		return 0;
	*val = entry_at(m, m->slots[i].off)->val;
	return 1;
}

static int grow(ms_strmap *m)
{
	size_t nc = m->cap ? m->cap * 2 : 1024;
	ms_strmap_slot *ns = calloc(nc, sizeof *ns);
	if (!ns)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].off)
			continue;
		const entry *e = entry_at(m, m->slots[i].off);
		size_t j = (size_t)ms_hash64(e->key, e->len) & (nc - 1);
		while (ns[j].off)
			j = (j + 1) & (nc - 1);
		ns[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = ns;
	m->cap = nc;
	return 0;
}

/* room for an entry of a key of n bytes; its offset in 8-byte units, plus one, or 0 */
static uint32_t pool_add(ms_strmap *m, size_t n)
{
	size_t need = (offsetof(entry, key) + n + 1 + 7) & ~(size_t)7;
	if (n > UINT32_MAX || m->used / 8 + need / 8 >= ENTRY_MAX_UNITS)
		return 0;
	if (m->used + need > m->room) {
		size_t nr = m->room ? m->room * 2 : 16384;
		while (nr < m->used + need)
			nr *= 2;
		unsigned char *np = realloc(m->pool, nr);
		if (!np)
			return 0;
		m->pool = np;
		m->room = nr;
	}
	uint32_t off = (uint32_t)(m->used / 8 + 1);
	m->used += need;
	return off;
}

int ms_strmap_put(ms_strmap *m, const char *k, size_t n, int64_t val)
{
	if ((m->n + 1) * 2 > m->cap && grow(m) != 0)
		return -1;
	uint64_t h = ms_hash64(k, n);
	size_t i = find(m, k, n, h);
	if (m->slots[i].off) {
		entry_at(m, m->slots[i].off)->val = val;
		return 0;
	}
	uint32_t off = pool_add(m, n);
	if (!off)
		return -1;
	entry *e = entry_at(m, off);
	e->val = val;
	e->len = (uint32_t)n;
	memcpy(e->key, k, n);
	e->key[n] = 0;
	m->slots[i].tag = (uint32_t)(h >> 32);
	m->slots[i].off = off;
	m->n++;
	return 0;
}
