/* SPDX-License-Identifier: MIT */
/*
 * sha256.h - SHA-256 and HMAC-SHA-256 (FIPS 180-4, RFC 2104), self-contained.
 * Used to keep a keyed fingerprint of passwords seen in decoded AUTH data
 * (never the password itself) and to fingerprint input files.
 */
#ifndef MS_SHA256_H
#define MS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define MS_SHA256_LEN 32

typedef struct {
	uint32_t h[8];
	uint64_t total;      /* bytes hashed so far */
	uint8_t block[64];
	size_t fill;         /* bytes pending in block */
} ms_sha256;

/* Streaming: init, update any number of times (any chunk sizes; a NULL
 * data pointer is ignored), final.  final wipes the context; re-init it to
 * hash another message. */
void ms_sha256_init(ms_sha256 *c);
void ms_sha256_update(ms_sha256 *c, const void *data, size_t len);
void ms_sha256_final(ms_sha256 *c, uint8_t out[MS_SHA256_LEN]);
/*
 * One-shot digest of a buffer.  (Named ms_sha256_buf rather than ms_sha256:
 * a function cannot share the identifier of the ms_sha256 typedef in C.)
 */
void ms_sha256_buf(const void *data, size_t len, uint8_t out[MS_SHA256_LEN]);

/* HMAC-SHA-256 (RFC 2104); keys longer than 64 bytes are hashed first.
 * A NULL key is treated as the empty key. */
void ms_hmac_sha256(const uint8_t *key, size_t keylen, const void *msg, size_t len,
		    uint8_t out[MS_SHA256_LEN]);

/* Lowercase hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void ms_hex(const uint8_t *in, size_t n, char *out);

#endif
