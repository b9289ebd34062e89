/* SPDX-License-Identifier: MIT */
/*
 * strmap.h - string -> int64 hash map (open addressing, owns copies of keys).
 * Used by the store to intern IPs, accounts and names into integer ids.
 * Ownership: ms_strmap_init / ms_strmap_release.  Not thread-safe.
 */
#ifndef MS_STRMAP_H
#define MS_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	char **keys;
	uint32_t *klen;
	int64_t *vals;
	size_t cap, n;
} ms_strmap;

void ms_strmap_init(ms_strmap *m);
void ms_strmap_release(ms_strmap *m);
/* returns 1 and *val if found */
int ms_strmap_get(const ms_strmap *m, const char *k, size_t n, int64_t *val);
/* returns 0 ok, -1 out of memory */
int ms_strmap_put(ms_strmap *m, const char *k, size_t n, int64_t val);
void ms_strmap_clear(ms_strmap *m);

uint64_t ms_hash64(const void *p, size_t n);

#endif
