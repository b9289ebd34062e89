/* SPDX-License-Identifier: MIT */
/*
 * strmap.h - string -> int64 hash map (open addressing, owns copies of keys).
 * Used by the store to intern IPs, accounts and names into integer ids.
 * Ownership: ms_strmap_init / ms_strmap_release.  Not thread-safe.
 *
 * Layout: a slot is 8 bytes (32 bits of the key's hash and the offset of its
 * entry); the entries (value, length, key bytes) are packed in one pool.  A
 * lookup touches one slot and, when the hash bits match, one entry: where
 * separate arrays of key pointers, lengths and values cost four cache misses.
 */
#ifndef MS_STRMAP_H
#define MS_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint32_t tag; /* high 32 bits of the hash */
	uint32_t off; /* 1 + the entry's offset in pool, in 8-byte units; 0 = empty */
} ms_strmap_slot;

typedef struct {
	ms_strmap_slot *slots;
	unsigned char *pool; /* entries: int64 value, uint32 length, key bytes, NUL; 8-aligned */
	size_t cap, n;       /* slots (a power of two) and keys */
	size_t used, room;   /* bytes of pool */
} ms_strmap;

void ms_strmap_init(ms_strmap *m);
void ms_strmap_release(ms_strmap *m);
/* returns 1 and *val if found */
int ms_strmap_get(const ms_strmap *m, const char *k, size_t n, int64_t *val);
/* returns 0 ok, -1 out of memory (or past 32 GiB of keys) */
int ms_strmap_put(ms_strmap *m, const char *k, size_t n, int64_t val);
/* forgets every key; keeps the memory for the next ones */
void ms_strmap_clear(ms_strmap *m);
/* calls fn for every key (NUL-terminated), in slot order */
void ms_strmap_each(const ms_strmap *m, void (*fn)(void *ctx, const char *k, size_t n, int64_t val), void *ctx);

uint64_t ms_hash64(const void *p, size_t n);

#endif
