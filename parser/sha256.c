/* SPDX-License-Identifier: MIT */
/*
 * sha256.c - SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104).
 *
 * Self-contained, portable (no endianness or alignment assumptions), no
 * allocation, no global mutable state.  Contexts that may have held secret
 * material (HMAC keys, password bytes) are wiped after use.
 */
#include <string.h>
#include "sha256.h"

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* Overwrite memory in a way the compiler may not elide. */
static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;
	while (n--)
		*v++ = 0;
}

static inline uint32_t ror32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void compress(uint32_t h[8], const uint8_t blk[64])
{
	uint32_t w[64];
	uint32_t a, b, c, d, e, f, g, hh;
	int t;

	for (t = 0; t < 16; t++)
		w[t] = load_be32(blk + 4 * t);
	for (t = 16; t < 64; t++) {
		uint32_t s0 = ror32(w[t - 15], 7) ^ ror32(w[t - 15], 18) ^ (w[t - 15] >> 3);
		uint32_t s1 = ror32(w[t - 2], 17) ^ ror32(w[t - 2], 19) ^ (w[t - 2] >> 10);
		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	a = h[0]; b = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; hh = h[7];
	for (t = 0; t < 64; t++) {
		uint32_t S1 = ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = hh + S1 + ch + K[t] + w[t];
		uint32_t S0 = ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22);
		uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
		uint32_t t2 = S0 + maj;
		hh = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
	wipe(w, sizeof w);
}

void ms_sha256_init(ms_sha256 *c)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	if (!c)
		return;
	memcpy(c->h, iv, sizeof iv);
	c->total = 0;
	memset(c->block, 0, sizeof c->block);
	c->fill = 0;
}

void ms_sha256_update(ms_sha256 *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	if (!c || !p || len == 0)
		return;
	if (c->fill >= sizeof c->block)   /* corrupted context: never index past block */
		c->fill = 0;
	c->total += (uint64_t)len;
	if (c->fill) {
		size_t take = sizeof c->block - c->fill;
		if (take > len)
			take = len;
		memcpy(c->block + c->fill, p, take);
		c->fill += take;
		p += take;
		len -= take;
		if (c->fill < sizeof c->block)
			return;
		compress(c->h, c->block);
		c->fill = 0;
	}
	while (len >= 64) {
		compress(c->h, p);
		p += 64;
		len -= 64;
	}
	if (len) {
		memcpy(c->block, p, len);
		c->fill = len;
	}
}

/* Finishes the hash and wipes the context (re-init it to reuse). */
void ms_sha256_final(ms_sha256 *c, uint8_t out[MS_SHA256_LEN])
{
	uint64_t bits;
	int i;

	if (!c)
		return;
	if (c->fill >= sizeof c->block)
		c->fill = 0;
	bits = c->total << 3;   /* length in bits, mod 2^64 (FIPS 180-4 5.1.1) */
	c->block[c->fill++] = 0x80;
	if (c->fill > 56) {
		memset(c->block + c->fill, 0, sizeof c->block - c->fill);
		compress(c->h, c->block);
		c->fill = 0;
	}
	memset(c->block + c->fill, 0, 56 - c->fill);
	for (i = 0; i < 8; i++)
		c->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	compress(c->h, c->block);
	if (out)
		for (i = 0; i < 8; i++)
			store_be32(out + 4 * i, c->h[i]);
	wipe(c, sizeof *c);
}

void ms_sha256_buf(const void *data, size_t len, uint8_t out[MS_SHA256_LEN])
{
	ms_sha256 c;
	ms_sha256_init(&c);
	ms_sha256_update(&c, data, len);
	ms_sha256_final(&c, out);
}

void ms_hmac_sha256(const uint8_t *key, size_t keylen, const void *msg, size_t len,
		    uint8_t out[MS_SHA256_LEN])
{
	uint8_t k0[64], pad[64], inner[MS_SHA256_LEN];
	ms_sha256 c;
	size_t i;

	if (!key)
		keylen = 0;
	memset(k0, 0, sizeof k0);
	if (keylen > sizeof k0)
		ms_sha256_buf(key, keylen, k0);          /* RFC 2104: hash long keys */
	else if (keylen)
		memcpy(k0, key, keylen);

	for (i = 0; i < sizeof pad; i++)
		pad[i] = k0[i] ^ 0x36;
	ms_sha256_init(&c);
	ms_sha256_update(&c, pad, sizeof pad);
	ms_sha256_update(&c, msg, len);
	ms_sha256_final(&c, inner);

	for (i = 0; i < sizeof pad; i++)
		pad[i] = k0[i] ^ 0x5c;
	ms_sha256_init(&c);
	ms_sha256_update(&c, pad, sizeof pad);
	ms_sha256_update(&c, inner, sizeof inner);
	ms_sha256_final(&c, out);

	wipe(k0, sizeof k0);
	wipe(pad, sizeof pad);
	wipe(inner, sizeof inner);
}

void ms_hex(const uint8_t *in, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	if (!out)
		return;
	if (!in)
		n = 0;
	for (i = 0; i < n; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * n] = '\0';
}
