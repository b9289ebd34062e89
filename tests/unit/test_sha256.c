/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 / HMAC-SHA-256 known-answer tests: FIPS 180-2 appendix B vectors,
 * RFC 4231 HMAC test cases, and padding-boundary lengths whose digests were
 * computed with an independent implementation (Python hashlib).
 */
#include <stdint.h>
#include <string.h>
#include "ut.h"
#include "../../parser/sha256.h"

static const char *hexdig(const uint8_t d[MS_SHA256_LEN], char buf[2 * MS_SHA256_LEN + 1])
{
	ms_hex(d, MS_SHA256_LEN, buf);
	return buf;
}

static const char *sha_hex(const void *p, size_t n, char buf[2 * MS_SHA256_LEN + 1])
{
	uint8_t d[MS_SHA256_LEN];
	ms_sha256_buf(p, n, d);
	return hexdig(d, buf);
}

UT_TEST(sha256_empty)
{
	char h[65];
	UT_EQ_STR(sha_hex("", 0, h), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* NULL with length 0 is the empty message too */
	UT_EQ_STR(sha_hex(NULL, 0, h), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

UT_TEST(sha256_abc)
{
	char h[65];
	UT_EQ_STR(sha_hex("abc", 3, h), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

UT_TEST(sha256_448bit)
{
	static const char m[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char h[65];
	UT_EQ_INT(strlen(m), 56);
	UT_EQ_STR(sha_hex(m, strlen(m), h), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

UT_TEST(sha256_896bit)
{
	static const char m[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
				"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	char h[65];
	UT_EQ_INT(strlen(m), 112);
	UT_EQ_STR(sha_hex(m, strlen(m), h), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

UT_TEST(sha256_million_a_streaming)
{
	static const size_t chunks[] = { 1, 3, 7, 13, 63, 64, 65, 127, 129, 997, 4099 };
	static char buf[4099];
	ms_sha256 c;
	uint8_t d[MS_SHA256_LEN];
	char h[65];
	size_t left = 1000000, k = 0;

	memset(buf, 'a', sizeof buf);
	ms_sha256_init(&c);
	while (left) {
		size_t n = chunks[k++ % (sizeof chunks / sizeof chunks[0])];
		if (n > left)
			n = left;
		ms_sha256_update(&c, buf, n);
		left -= n;
	}
	ms_sha256_final(&c, d);
	UT_EQ_STR(hexdig(d, h), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Lengths around the 55/56/64-byte padding boundaries, one-shot and
 * byte-at-a-time. */
UT_TEST(sha256_padding_boundaries)
{
	static const struct { size_t n; const char *hex; } v[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
		{ 127, "c57e9278af78fa3cab38667bef4ce29d783787a2f731d4e12200270f0c32320a" },
		{ 128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e" },
	};
	char a[128], h[65];
	memset(a, 'a', sizeof a);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		ms_sha256 c;
		uint8_t d[MS_SHA256_LEN];
		UT_EQ_STR(sha_hex(a, v[i].n, h), v[i].hex);
		ms_sha256_init(&c);
		for (size_t j = 0; j < v[i].n; j++)
			ms_sha256_update(&c, a + j, 1);
		ms_sha256_final(&c, d);
		UT_EQ_STR(hexdig(d, h), v[i].hex);
	}
}

/* Every split point of the 448-bit message gives the same digest. */
UT_TEST(sha256_every_split)
{
	static const char m[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	size_t n = strlen(m);
	for (size_t s = 0; s <= n; s++) {
		ms_sha256 c;
		uint8_t d[MS_SHA256_LEN];
		char h[65];
		ms_sha256_init(&c);
		ms_sha256_update(&c, m, s);
		ms_sha256_update(&c, m + s, 0);
		ms_sha256_update(&c, m + s, n - s);
		ms_sha256_final(&c, d);
		UT_EQ_STR(hexdig(d, h), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	}
}

static const char *hmac_hex(const uint8_t *k, size_t kl, const void *m, size_t ml, char h[65])
{
	uint8_t d[MS_SHA256_LEN];
	ms_hmac_sha256(k, kl, m, ml, d);
	return hexdig(d, h);
}

UT_TEST(hmac_rfc4231_tc1)
{
	uint8_t k[20];
	char h[65];
	memset(k, 0x0b, sizeof k);
	UT_EQ_STR(hmac_hex(k, sizeof k, "Hi There", 8, h),
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

UT_TEST(hmac_rfc4231_tc2)
{
	static const char m[] = "what do ya want for nothing?";
	char h[65];
	UT_EQ_STR(hmac_hex((const uint8_t *)"Jefe", 4, m, strlen(m), h),
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

UT_TEST(hmac_rfc4231_tc3)
{
	uint8_t k[20], m[50];
	char h[65];
	memset(k, 0xaa, sizeof k);
	memset(m, 0xdd, sizeof m);
	UT_EQ_STR(hmac_hex(k, sizeof k, m, sizeof m, h),
		  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

UT_TEST(hmac_rfc4231_tc6_long_key)
{
	static const char m[] = "Test Using Larger Than Block-Size Key - Hash Key First";
	uint8_t k[131];
	char h[65];
	memset(k, 0xaa, sizeof k);
	UT_EQ_STR(hmac_hex(k, sizeof k, m, strlen(m), h),
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

UT_TEST(hmac_rfc4231_tc7_long_key_long_data)
{
	static const char m[] = "This is a test using a larger than block-size key and a larger "
				"than block-size data. The key needs to be hashed before being "
				"used by the HMAC algorithm.";
	uint8_t k[131];
	char h[65];
	memset(k, 0xaa, sizeof k);
	UT_EQ_STR(hmac_hex(k, sizeof k, m, strlen(m), h),
		  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

/* A 64-byte key is used as is; a 65-byte key is hashed first. */
UT_TEST(hmac_key_block_boundary)
{
	uint8_t k[65];
	char h[65];
	for (int i = 0; i < 65; i++)
		k[i] = (uint8_t)i;
	UT_EQ_STR(hmac_hex(k, 64, "msg", 3, h),
		  "a5347accf12c5c3edf87ddb44e5b3a1c6957591c7092e527c2e63a5e48f8ebc5");
	UT_EQ_STR(hmac_hex(k, 65, "msg", 3, h),
		  "0b4330970a8c3347598324cd9a56100c0c95ad46a30ae4de0011a39cc6c31dfe");
}

UT_TEST(hmac_null_key_is_empty_key)
{
	uint8_t a[MS_SHA256_LEN], b[MS_SHA256_LEN];
	ms_hmac_sha256(NULL, 10, "x", 1, a);   /* defensive: NULL key, bogus length */
	ms_hmac_sha256((const uint8_t *)"", 0, "x", 1, b);
	UT_ASSERT(memcmp(a, b, sizeof a) == 0);
}

UT_TEST(sha256_hex)
{
	static const uint8_t in[] = { 0x00, 0x01, 0xab, 0xff, 0x10, 0x9c };
	char out[16];
	memset(out, 'Z', sizeof out);
	ms_hex(in, sizeof in, out);
	UT_EQ_STR(out, "0001abff109c");
	UT_EQ_INT(out[13], 'Z');           /* nothing written past 2n+1 */
	memset(out, 'Z', sizeof out);
	ms_hex(in, 0, out);
	UT_EQ_STR(out, "");
	UT_EQ_INT(out[1], 'Z');
}
