/* SPDX-License-Identifier: MIT */
/*
 * Tests for parser/authdecode.c: base64, AUTH PLAIN, AUTH LOGIN.
 * Base64 strings written out literally were produced with Python's base64
 * module; longer inputs use the small reference encoder below (an
 * independent implementation, so a decoder bug cannot hide behind it).
 */
#include <stdint.h>
#include <string.h>
#include "ut.h"
#include "../../parser/authdecode.h"

static const uint8_t KEY[] = "test-key";
#define KEYLEN (sizeof KEY - 1)

/* Reference encoder (padded).  Returns the length written; out must hold
 * 4*ceil(n/3)+1 bytes. */
static size_t enc64(const void *in, size_t n, char *out)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const uint8_t *p = in;
	size_t o = 0, i;
	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = al[v >> 18 & 63];
		out[o++] = al[v >> 12 & 63];
		out[o++] = al[v >> 6 & 63];
		out[o++] = al[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		out[o++] = al[v >> 18 & 63];
		out[o++] = al[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = al[v >> 18 & 63];
		out[o++] = al[v >> 12 & 63];
		out[o++] = al[v >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static int hmac_is(const uint8_t h[MS_SHA256_LEN], const void *pw, size_t n)
{
	uint8_t want[MS_SHA256_LEN];
	ms_hmac_sha256(KEY, KEYLEN, pw, n, want);
	return memcmp(h, want, sizeof want) == 0;
}

/* ------------------------------------------------------------------ */
/* ms_b64_decode                                                       */

static int dec_is(const char *b64, const char *want, size_t wantlen, size_t want_consumed, int want_clean)
{
	uint8_t buf[64];
	size_t consumed = 999;
	int clean = 7;
	size_t n = ms_b64_decode(ms_sv_cstr(b64), buf, sizeof buf, &consumed, &clean);
	return n == wantlen && memcmp(buf, want, wantlen) == 0 && consumed == want_consumed &&
	       clean == want_clean;
}

UT_TEST(b64_rfc4648_vectors)
{
	UT_ASSERT(dec_is("", "", 0, 0, 1));
	UT_ASSERT(dec_is("Zg==", "f", 1, 4, 1));
	UT_ASSERT(dec_is("Zm8=", "fo", 2, 4, 1));
	UT_ASSERT(dec_is("Zm9v", "foo", 3, 4, 1));
	UT_ASSERT(dec_is("Zm9vYg==", "foob", 4, 8, 1));
	UT_ASSERT(dec_is("Zm9vYmE=", "fooba", 5, 8, 1));
	UT_ASSERT(dec_is("Zm9vYmFy", "foobar", 6, 8, 1));
	UT_ASSERT(dec_is("+/+/", "\xfb\xff\xbf", 3, 4, 1));
}

UT_TEST(b64_padding_optional_and_variants)
{
	UT_ASSERT(dec_is("Zg", "f", 1, 2, 1));          /* unpadded is fine */
	UT_ASSERT(dec_is("Zm8", "fo", 2, 3, 1));
	UT_ASSERT(dec_is("Zg=", "f", 1, 3, 0));         /* half padding */
	UT_ASSERT(dec_is("Zg===", "f", 1, 4, 0));       /* extra '=' not consumed */
	UT_ASSERT(dec_is("Zm8==", "fo", 2, 4, 0));
	UT_ASSERT(dec_is("Zm9v=", "foo", 3, 4, 0));     /* padding after full quantum */
	UT_ASSERT(dec_is("Zm9vYg==Zg==", "foob", 4, 8, 0)); /* stops after padding */
	UT_ASSERT(dec_is("Zh==", "f", 1, 4, 0));        /* non-zero leftover bits */
	UT_ASSERT(dec_is("Zm9=", "fo", 2, 4, 0));
}

UT_TEST(b64_dangling_and_stop)
{
	UT_ASSERT(dec_is("Z", "", 0, 1, 0));            /* single dangling char */
	UT_ASSERT(dec_is("A", "", 0, 1, 0));            /* ... even with zero bits */
	UT_ASSERT(dec_is("Zm9vA", "foo", 3, 5, 0));
	UT_ASSERT(dec_is("Zm9vA=", "foo", 3, 5, 0));
	UT_ASSERT(dec_is("Zm9vY", "foo", 3, 5, 0));
	UT_ASSERT(dec_is("Zm9v!Zm9v", "foo", 3, 4, 0)); /* stops at first non-alphabet */
	UT_ASSERT(dec_is("Zm9v??", "foo", 3, 4, 0));
	UT_ASSERT(dec_is("Zm9v\r\n", "foo", 3, 4, 0));
	UT_ASSERT(dec_is("!!!!", "", 0, 0, 0));
	UT_ASSERT(dec_is("-_", "", 0, 0, 0));           /* url-safe alphabet is not accepted */
	UT_ASSERT(dec_is("Zm 9v", "f", 1, 2, 0));
}

UT_TEST(b64_capacity_and_null)
{
	uint8_t buf[8];
	size_t consumed = 99;
	int clean = 7;

	memset(buf, 0xEE, sizeof buf);
	UT_EQ_INT(ms_b64_decode(ms_sv_cstr("Zm9vYmFy"), buf, 4, &consumed, &clean), 4);
	UT_ASSERT(memcmp(buf, "foob", 4) == 0);
	UT_EQ_INT(buf[4], 0xEE);                         /* never past dstcap */
	UT_EQ_INT(clean, 0);
	UT_ASSERT(consumed < 8);

	UT_EQ_INT(ms_b64_decode(ms_sv_cstr("Zm9v"), NULL, 100, &consumed, &clean), 0);
	UT_EQ_INT(clean, 0);
	UT_EQ_INT(ms_b64_decode(ms_sv_make(NULL, 50), buf, sizeof buf, NULL, NULL), 0);
	UT_EQ_INT(ms_b64_decode(ms_sv_cstr("Zm9v"), buf, sizeof buf, NULL, NULL), 3);
}

UT_TEST(b64_roundtrip_all_bytes)
{
	uint8_t in[256], out[256];
	char enc[400];
	for (int i = 0; i < 256; i++)
		in[i] = (uint8_t)(255 - i);
	for (size_t n = 0; n <= sizeof in; n++) {
		size_t consumed = 0;
		int clean = 0;
		size_t el = enc64(in, n, enc);
		memset(out, 0, sizeof out);
		UT_EQ_INT(ms_b64_decode(ms_sv_make(enc, el), out, sizeof out, &consumed, &clean), n);
		UT_ASSERT(memcmp(in, out, n) == 0);
		UT_EQ_INT(consumed, el);
		UT_EQ_INT(clean, 1);
	}
}

/* ------------------------------------------------------------------ */
/* AUTH PLAIN                                                          */

UT_TEST(auth_plain_real_log_cut)
{
	/* "AUTH PLAIN AGFkbWluQGZpcGljay5jb20Ad2lsb" shown at 40 chars */
	for (int cut = 0; cut <= 1; cut++) {
		ms_auth_plain a;
		memset(&a, 0x55, sizeof a);
		UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr("AGFkbWluQGZpcGljay5jb20Ad2lsb"), cut,
					       KEY, KEYLEN, &a), 0);
		UT_EQ_STR(a.user, "admin@fipick.com");
		UT_EQ_INT(a.user_len, 16);
		UT_EQ_INT(a.user_complete, 1);
		UT_EQ_INT(a.authzid_len, 0);
		UT_EQ_STR(a.authzid, "");
		UT_EQ_INT(a.have_password, 1);
		UT_EQ_INT(a.password_complete, 0);
		UT_EQ_INT(a.password_len, 3);               /* "wil" */
		UT_EQ_INT(a.truncated, 1);
		UT_ASSERT(all_zero(a.pw_hmac, sizeof a.pw_hmac));
		UT_ASSERT(memmem(&a, sizeof a, "wil", 3) == NULL);
	}
}

UT_TEST(auth_plain_complete)
{
	static const char *forms[] = {
		"AGFsaWNlQGV4YW1wbGUuY29tAHMzY3JldA==",
		"AGFsaWNlQGV4YW1wbGUuY29tAHMzY3JldA",        /* padding omitted */
		"AGFsaWNlQGV4YW1wbGUuY29tAHMzY3JldA==??",    /* Postfix >= 3.4 CR LF */
		"AGFsaWNlQGV4YW1wbGUuY29tAHMzY3JldA==#015#012",
		"AGFsaWNlQGV4YW1wbGUuY29tAHMzY3JldA==\r\n",
		"AGFsaWNlQGV4YW1wbGUuY29tAHMzY3JldA??",
	};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		ms_auth_plain a;
		memset(&a, 0x55, sizeof a);
		UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr(forms[i]), 0, KEY, KEYLEN, &a), 0);
		UT_EQ_STR(a.user, "alice@example.com");
		UT_EQ_INT(a.user_len, 17);
		UT_EQ_INT(a.user_complete, 1);
		UT_EQ_INT(a.authzid_len, 0);
		UT_EQ_INT(a.have_password, 1);
		UT_EQ_INT(a.password_complete, 1);
		UT_EQ_INT(a.password_len, 6);
		UT_EQ_INT(a.truncated, 0);
		UT_ASSERT(hmac_is(a.pw_hmac, "s3cret", 6));
		UT_ASSERT(!hmac_is(a.pw_hmac, "s3cre", 5));
		UT_ASSERT(memmem(&a, sizeof a, "s3cret", 6) == NULL);
	}
}

UT_TEST(auth_plain_hmac_depends_on_key)
{
	ms_auth_plain a, b;
	ms_sv v = ms_sv_cstr("AGFsaWNlQGV4YW1wbGUuY29tAHMzY3JldA==");
	UT_EQ_INT(ms_auth_plain_decode(v, 0, KEY, KEYLEN, &a), 0);
	UT_EQ_INT(ms_auth_plain_decode(v, 0, (const uint8_t *)"other", 5, &b), 0);
	UT_EQ_INT(a.password_complete, 1);
	UT_EQ_INT(b.password_complete, 1);
	UT_ASSERT(memcmp(a.pw_hmac, b.pw_hmac, MS_SHA256_LEN) != 0);
}

/* The streaming HMAC must match ms_hmac_sha256 for long (hashed) keys too. */
UT_TEST(auth_hmac_long_key)
{
	uint8_t key[100], want[MS_SHA256_LEN], h[MS_SHA256_LEN];
	ms_auth_plain a;
	size_t len = 0;
	int complete = 0;
	for (int i = 0; i < 100; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	ms_hmac_sha256(key, sizeof key, "s3cret", 6, want);
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr("AGFsaWNlQGV4YW1wbGUuY29tAHMzY3JldA=="), 0,
				       key, sizeof key, &a), 0);
	UT_EQ_INT(a.password_complete, 1);
	UT_ASSERT(memcmp(a.pw_hmac, want, sizeof want) == 0);
	ms_hmac_sha256(key, sizeof key, "hunter2", 7, want);
	UT_EQ_INT(ms_auth_login_password(ms_sv_cstr("aHVudGVyMg=="), 0, key, sizeof key,
					 &len, &complete, h), 0);
	UT_EQ_INT(complete, 1);
	UT_ASSERT(memcmp(h, want, sizeof want) == 0);
	/* exactly one block: used as is */
	ms_hmac_sha256(key, 64, "hunter2", 7, want);
	UT_EQ_INT(ms_auth_login_password(ms_sv_cstr("aHVudGVyMg=="), 0, key, 64,
					 &len, &complete, h), 0);
	UT_ASSERT(memcmp(h, want, sizeof want) == 0);
}

UT_TEST(auth_plain_complete_but_caller_says_cut)
{
	ms_auth_plain a;
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr("AGFsaWNlQGV4YW1wbGUuY29tAHMzY3JldA=="), 1,
				       KEY, KEYLEN, &a), 0);
	UT_EQ_STR(a.user, "alice@example.com");
	UT_EQ_INT(a.user_complete, 1);
	UT_EQ_INT(a.have_password, 1);
	UT_EQ_INT(a.password_complete, 0);
	UT_EQ_INT(a.password_len, 6);
	UT_EQ_INT(a.truncated, 1);
	UT_ASSERT(all_zero(a.pw_hmac, sizeof a.pw_hmac));
}

UT_TEST(auth_plain_cut_inside_quantum)
{
	/* "...AHMzY3Jld" (drop "A==") : non-zero leftover bits reveal the cut */
	ms_auth_plain a;
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr("AGFsaWNlQGV4YW1wbGUuY29tAHMzY3Jld"), 0,
				       KEY, KEYLEN, &a), 0);
	UT_EQ_INT(a.password_len, 5);
	UT_EQ_INT(a.password_complete, 0);
	UT_EQ_INT(a.truncated, 1);
}

UT_TEST(auth_plain_garbage_tail)
{
	ms_auth_plain a;
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr("AGFsaWNlQGV4YW1wbGUuY29tAHMzY3JldA==xyz"), 0,
				       KEY, KEYLEN, &a), 0);
	UT_EQ_STR(a.user, "alice@example.com");
	UT_EQ_INT(a.password_len, 6);
	UT_EQ_INT(a.password_complete, 0);
	UT_EQ_INT(a.truncated, 1);
}

UT_TEST(auth_plain_authzid)
{
	ms_auth_plain a;
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr("Ym9iAGJvYgBwdw=="), 0, KEY, KEYLEN, &a), 0);
	UT_EQ_STR(a.authzid, "bob");
	UT_EQ_INT(a.authzid_len, 3);
	UT_EQ_STR(a.user, "bob");
	UT_EQ_INT(a.user_len, 3);
	UT_EQ_INT(a.user_complete, 1);
	UT_EQ_INT(a.password_len, 2);
	UT_EQ_INT(a.password_complete, 1);
	UT_EQ_INT(a.truncated, 0);
	UT_ASSERT(hmac_is(a.pw_hmac, "pw", 2));
}

UT_TEST(auth_plain_nothing_usable)
{
	static const char *bad[] = { "", "!!!!", "*", "A", "=", "==", "AA", "AA==", "??", "#015#012" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ms_auth_plain a;
		memset(&a, 0x55, sizeof a);
		UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr(bad[i]), 0, KEY, KEYLEN, &a), -1);
		UT_ASSERT(all_zero(&a, sizeof a));
	}
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_make(NULL, 40), 0, KEY, KEYLEN, NULL), -1);
	{
		ms_auth_plain a;
		UT_EQ_INT(ms_auth_plain_decode(ms_sv_make(NULL, 40), 0, KEY, KEYLEN, &a), -1);
	}
}

UT_TEST(auth_plain_one_nul_only)
{
	/* base64("\0ali") cut: user partial, no password */
	ms_auth_plain a;
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr("AGFsaQ"), 1, KEY, KEYLEN, &a), 0);
	UT_EQ_STR(a.user, "ali");
	UT_EQ_INT(a.user_len, 3);
	UT_EQ_INT(a.user_complete, 0);
	UT_EQ_INT(a.have_password, 0);
	UT_EQ_INT(a.password_complete, 0);
	UT_EQ_INT(a.truncated, 1);
}

UT_TEST(auth_plain_no_nul)
{
	/* base64("alice"): no NUL at all.  Shown whole, it is no PLAIN payload
	 * (it could be "user:password", an XOAUTH2 token): nothing is taken */
	ms_auth_plain a;
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr("YWxpY2U="), 0, KEY, KEYLEN, &a), -1);
	UT_EQ_INT(a.user_len, 0);
	/* one NUL, shown whole: "victim NUL password" must not give the password as the user */
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr("dmljdGltAHNlY3JldA=="), 0, KEY, KEYLEN, &a), -1);
	UT_EQ_INT(a.user_len, 0);
	/* cut by the logger before any NUL: the start of the authzid-or-user, incomplete */
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr("YWxpY2U="), 1, KEY, KEYLEN, &a), 0);
	UT_EQ_STR(a.user, "alice");
	UT_EQ_INT(a.user_len, 5);
	UT_EQ_INT(a.user_complete, 0);
	UT_EQ_INT(a.authzid_len, 0);
	UT_EQ_INT(a.have_password, 0);
	UT_EQ_INT(a.password_complete, 0);
	UT_EQ_INT(a.truncated, 1);
}

/* Cut after one NUL that is not the first byte: "bob@ex.io NUL PWleaked..."
 * (a client that left out the authzid) must not give the password's first
 * bytes as the user; "authzid NUL user..." is given up with it. */
UT_TEST(auth_plain_cut_after_user_nul)
{
	ms_auth_plain a;
	memset(&a, 0x55, sizeof a);
	/* base64("bob@ex.io\0PWleakedSec") cut */
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr("Ym9iQGV4LmlvAFBXbGVha2VkU2Vj"), 1, KEY, KEYLEN, &a), -1);
	UT_ASSERT(all_zero(&a, sizeof a));
	/* the usual empty authzid: what follows the first NUL is the user */
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr("AGJvYkBleC5p"), 1, KEY, KEYLEN, &a), 0);
	UT_EQ_STR(a.user, "bob@ex.i");
	UT_EQ_INT(a.user_complete, 0);
}

UT_TEST(auth_plain_empty_password)
{
	/* base64("\0bob\0"): user known, password known to be empty */
	ms_auth_plain a;
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr("AGJvYgA="), 0, KEY, KEYLEN, &a), 0);
	UT_EQ_STR(a.user, "bob");
	UT_EQ_INT(a.user_complete, 1);
	UT_EQ_INT(a.have_password, 0);
	UT_EQ_INT(a.password_len, 0);
	UT_EQ_INT(a.password_complete, 1);
	UT_ASSERT(hmac_is(a.pw_hmac, "", 0));
}

UT_TEST(auth_plain_control_bytes_in_user)
{
	static const char raw[] = "\0a\x01\x7f\tb\xff\0pw";
	char enc[64];
	ms_auth_plain a;
	size_t el = enc64(raw, sizeof raw - 1, enc);
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_make(enc, el), 0, KEY, KEYLEN, &a), 0);
	UT_EQ_INT(a.user_len, 6);
	UT_ASSERT(memcmp(a.user, "a\x01\x7f\tb\xff", 6) == 0);
	UT_EQ_INT(a.user[6], 0);
	UT_EQ_INT(a.user_complete, 1);
	UT_ASSERT(hmac_is(a.pw_hmac, "pw", 2));
}

UT_TEST(auth_plain_1000_chars_no_nul)
{
	char in[1001];
	ms_auth_plain a;
	for (int i = 0; i < 1000; i += 4)
		memcpy(in + i, "QUJD", 4);                /* "ABC" x 250 */
	in[1000] = '\0';
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_make(in, 1000), 0, KEY, KEYLEN, &a), -1); /* whole: no PLAIN */
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_make(in, 1000), 1, KEY, KEYLEN, &a), 0);
	UT_EQ_INT(a.user_len, MS_AUTH_USER_MAX);
	UT_EQ_INT(a.user[MS_AUTH_USER_MAX], 0);
	UT_ASSERT(memcmp(a.user, "ABCABCABC", 9) == 0);
	UT_EQ_INT(a.user_complete, 0);
	UT_EQ_INT(a.truncated, 1);
	UT_EQ_INT(a.have_password, 0);
}

UT_TEST(auth_plain_1000_chars_all_nul)
{
	/* 1000 x 'A' = 750 NUL bytes: empty authzid, empty user, 748-byte password */
	char in[1000];
	uint8_t zeros[748];
	ms_auth_plain a;
	memset(in, 'A', sizeof in);
	memset(zeros, 0, sizeof zeros);
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_make(in, sizeof in), 0, KEY, KEYLEN, &a), 0);
	UT_EQ_INT(a.user_len, 0);
	UT_EQ_INT(a.user_complete, 1);
	UT_EQ_INT(a.password_len, 748);
	UT_EQ_INT(a.password_complete, 1);
	UT_ASSERT(hmac_is(a.pw_hmac, zeros, sizeof zeros));
}

UT_TEST(auth_plain_long_password)
{
	char raw[1 + 5 + 1 + 700], enc[1000];
	ms_auth_plain a;
	size_t el;
	memcpy(raw, "\0alice\0", 7);
	for (int i = 0; i < 700; i++)
		raw[7 + i] = (char)('!' + i % 90);
	el = enc64(raw, sizeof raw, enc);
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_make(enc, el), 0, KEY, KEYLEN, &a), 0);
	UT_EQ_STR(a.user, "alice");
	UT_EQ_INT(a.password_len, 700);
	UT_EQ_INT(a.password_complete, 1);
	UT_ASSERT(hmac_is(a.pw_hmac, raw + 7, 700));
	UT_ASSERT(memmem(&a, sizeof a, raw + 7, 8) == NULL);
}

UT_TEST(auth_plain_user_too_long)
{
	char raw[1 + 300 + 1 + 2], enc[500];
	ms_auth_plain a;
	size_t el;
	raw[0] = '\0';
	memset(raw + 1, 'u', 300);
	memcpy(raw + 301, "\0pw", 3);
	el = enc64(raw, sizeof raw, enc);
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_make(enc, el), 0, KEY, KEYLEN, &a), 0);
	UT_EQ_INT(a.user_len, MS_AUTH_USER_MAX);
	UT_EQ_INT(strlen(a.user), MS_AUTH_USER_MAX);
	UT_EQ_INT(a.user_complete, 0);       /* stored name is not the whole name */
	UT_EQ_INT(a.truncated, 1);
	/* the password still follows the second NUL and the payload is whole */
	UT_EQ_INT(a.password_len, 2);
	UT_EQ_INT(a.password_complete, 1);
	UT_ASSERT(hmac_is(a.pw_hmac, "pw", 2));
}

UT_TEST(auth_plain_user_exactly_max)
{
	char raw[1 + MS_AUTH_USER_MAX + 1 + 2], enc[500];
	ms_auth_plain a;
	size_t el;
	raw[0] = '\0';
	memset(raw + 1, 'u', MS_AUTH_USER_MAX);
	memcpy(raw + 1 + MS_AUTH_USER_MAX, "\0pw", 3);
	el = enc64(raw, sizeof raw, enc);
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_make(enc, el), 0, KEY, KEYLEN, &a), 0);
	UT_EQ_INT(a.user_len, MS_AUTH_USER_MAX);
	UT_EQ_INT(a.user_complete, 1);
	UT_EQ_INT(a.truncated, 0);
}

UT_TEST(auth_plain_authzid_too_long)
{
	char raw[300 + 1 + 3 + 1 + 2], enc[500];
	ms_auth_plain a;
	size_t el;
	memset(raw, 'z', 300);
	memcpy(raw + 300, "\0bob\0pw", 7);
	el = enc64(raw, sizeof raw, enc);
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_make(enc, el), 0, KEY, KEYLEN, &a), 0);
	UT_EQ_INT(a.authzid_len, MS_AUTH_USER_MAX);
	UT_EQ_INT(a.authzid[MS_AUTH_USER_MAX], 0);
	UT_EQ_STR(a.user, "bob");
	UT_EQ_INT(a.user_complete, 1);
	UT_EQ_INT(a.truncated, 1);
	UT_EQ_INT(a.password_complete, 1);
}

/* Every prefix of a valid payload decodes without overflow and never
 * claims completeness while the caller says it is cut. */
UT_TEST(auth_plain_every_prefix)
{
	static const char full[] = "AGFsaWNlQGV4YW1wbGUuY29tAHMzY3JldA==";
	for (size_t n = 0; n <= sizeof full - 1; n++) {
		ms_auth_plain a;
		int rc = ms_auth_plain_decode(ms_sv_make(full, n), 1, KEY, KEYLEN, &a);
		UT_ASSERT(rc == 0 || rc == -1);
		UT_EQ_INT(a.password_complete, 0);
		UT_ASSERT(a.user_len <= 17);
		UT_ASSERT(a.password_len <= 6);
		if (rc == 0)
			UT_EQ_INT(a.truncated, 1);
		/* Without the cut flag, the full and the '='-less text are whole;
		 * a prefix ending on a quantum boundary is indistinguishable from
		 * a shorter password, but whatever is claimed whole must match. */
		rc = ms_auth_plain_decode(ms_sv_make(full, n), 0, KEY, KEYLEN, &a);
		if (n == sizeof full - 1 || n == sizeof full - 3)
			UT_EQ_INT(a.password_complete, 1);
		if (n == sizeof full - 2 || n % 4 == 1)
			UT_EQ_INT(a.password_complete, 0);
		if (a.password_complete)
			UT_ASSERT(hmac_is(a.pw_hmac, "s3cret", a.password_len));
	}
}

/* ------------------------------------------------------------------ */
/* AUTH LOGIN                                                          */

UT_TEST(auth_login_user)
{
	static const char *forms[] = {
		"YWxpY2VAZXhhbXBsZS5jb20=", "YWxpY2VAZXhhbXBsZS5jb20", "YWxpY2VAZXhhbXBsZS5jb20=??",
		"YWxpY2VAZXhhbXBsZS5jb20=#015#012", "YWxpY2VAZXhhbXBsZS5jb20=\r\n",
	};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		char u[MS_AUTH_USER_MAX + 1];
		int complete = 7;
		memset(u, 'X', sizeof u);
		UT_EQ_INT(ms_auth_login_user(ms_sv_cstr(forms[i]), 0, u, sizeof u, &complete), 17);
		UT_EQ_STR(u, "alice@example.com");
		UT_EQ_INT(complete, 1);
	}
}

/* a name that holds a password too ("user:pw", "user pw", "user NUL pw", a
 * PLAIN answer sent where LOGIN asked for the name) gives no name: the
 * password would be stored with it; a trailing blank or colon does not */
UT_TEST(auth_login_user_with_password)
{
	static const char *forms[] = {
		"djFAZXguaW86VHIwdWI0ZG9yJjN4",
		"djFAZXguaW8gVHIwdWI0ZG9y",
		"djFAZXguaW8JcHc=",
		"djFAZXguaW8AcHc=",
		"AHZAZXguaW8AVHIwdWI0ZG9y",
	};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		char u[MS_AUTH_USER_MAX + 1];
		int complete = 7;
		UT_EQ_INT(ms_auth_login_user(ms_sv_cstr(forms[i]), 0, u, sizeof u, &complete), -1);
		UT_EQ_INT(complete, 0);
		UT_EQ_INT(memchr(u, 'T', sizeof u) == NULL, 1);
		complete = 7;
		UT_EQ_INT(ms_auth_login_user(ms_sv_cstr(forms[i]), 1, u, sizeof u, &complete), -1);
	}
	char u[64];
	int complete = 7;
	UT_EQ_INT(ms_auth_login_user(ms_sv_cstr("djFAZXguaW8g"), 0, u, sizeof u, &complete), 9);
	UT_EQ_STR(u, "v1@ex.io ");
	UT_EQ_INT(ms_auth_login_user(ms_sv_cstr("djFAZXguaW86"), 0, u, sizeof u, &complete), 9);
	UT_EQ_STR(u, "v1@ex.io:");
	ms_auth_plain ap;
	static const uint8_t key[4] = { 1, 2, 3, 4 };
	/* a PLAIN answer cut before its first NUL: "user:pw" is no name either */
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr("djFAZXguaW86VHIwdWI0ZG9yJjN4"), 1, key, sizeof key, &ap), -1);
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr("AHYxQGV4LmlvOlRyMA"), 1, key, sizeof key, &ap), -1);
	UT_EQ_INT(ms_auth_plain_decode(ms_sv_cstr("AHZAZXguaW"), 1, key, sizeof key, &ap), 0);
	UT_EQ_STR(ap.user, "v@ex.i");
}

/* CRAM-MD5: "user SP 32 hex digits"; the name, never the digest */
UT_TEST(auth_cram_user)
{
	char u[MS_AUTH_USER_MAX + 1];
	int complete = 7;
	UT_EQ_INT(ms_auth_cram_user(ms_sv_cstr("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw??"), 0, u, sizeof u, &complete), 3);
	UT_EQ_STR(u, "tim");
	UT_EQ_INT(complete, 1);
	/* cut in the digest: the name is whole */
	UT_EQ_INT(ms_auth_cram_user(ms_sv_cstr("dGltIGI5MTNhNjAyYzdl"), 1, u, sizeof u, &complete), 3);
	UT_EQ_STR(u, "tim");
	UT_EQ_INT(complete, 1);
	/* cut in the name: no space seen, no name (it could be a password) */
	UT_EQ_INT(ms_auth_cram_user(ms_sv_cstr("YWxpY2V"), 1, u, sizeof u, &complete), -1);
	/* shown whole but not the shape: another mechanism's answer, or a digest that is not hex */
	UT_EQ_INT(ms_auth_cram_user(ms_sv_cstr("YWxpY2VAZXhhbXBsZS5jb20="), 0, u, sizeof u, &complete), -1);
	UT_EQ_INT(ms_auth_cram_user(ms_sv_cstr("dGltIHp6MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"), 0, u, sizeof u, &complete), -1);
	UT_EQ_INT(ms_auth_cram_user(ms_sv_cstr("AHRpbQBwdw=="), 0, u, sizeof u, &complete), -1);
	/* a name that holds more than a name */
	UT_EQ_INT(ms_auth_cram_user(ms_sv_cstr("dGltOnB3IGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"), 0, u, sizeof u, &complete), -1);
}

UT_TEST(auth_login_user_cut)
{
	char u[64];
	int complete = 7;
	UT_EQ_INT(ms_auth_login_user(ms_sv_cstr("YWxpY2VAZXhhbXBsZS5jb20="), 1, u, sizeof u, &complete), 17);
	UT_EQ_INT(complete, 0);
	complete = 7;
	/* cut inside the last quantum: "...b2" */
	UT_EQ_INT(ms_auth_login_user(ms_sv_cstr("YWxpY2VAZXhhbXBsZS5jb2"), 0, u, sizeof u, &complete), 16);
	UT_EQ_STR(u, "alice@example.co");
	UT_EQ_INT(complete, 0);
	complete = 7;
	UT_EQ_INT(ms_auth_login_user(ms_sv_cstr("Y"), 0, u, sizeof u, &complete), 0);
	UT_EQ_STR(u, "");
	UT_EQ_INT(complete, 0);
}

UT_TEST(auth_login_user_small_buffer)
{
	char u[8];
	int complete = 7;
	memset(u, 'X', sizeof u);
	UT_EQ_INT(ms_auth_login_user(ms_sv_cstr("YWxpY2VAZXhhbXBsZS5jb20="), 0, u, 6, &complete), 5);
	UT_EQ_STR(u, "alice");
	UT_EQ_INT(u[6], 'X');
	UT_EQ_INT(complete, 0);
	UT_EQ_INT(ms_auth_login_user(ms_sv_cstr("YWxpY2U="), 0, u, 1, &complete), 0);
	UT_EQ_INT(u[0], 0);
	UT_EQ_INT(ms_auth_login_user(ms_sv_cstr("YWxpY2U="), 0, u, 0, &complete), -1);
	UT_EQ_INT(ms_auth_login_user(ms_sv_cstr("YWxpY2U="), 0, NULL, 10, &complete), -1);
	/* complete may be NULL */
	UT_EQ_INT(ms_auth_login_user(ms_sv_cstr("YWxpY2U="), 0, u, sizeof u, NULL), 5);
}

UT_TEST(auth_login_user_too_long)
{
	char raw[400], enc[600], u[1024];
	int complete = 7;
	size_t el;
	memset(raw, 'v', sizeof raw);
	el = enc64(raw, sizeof raw, enc);
	memset(u, 'X', sizeof u);
	UT_EQ_INT(ms_auth_login_user(ms_sv_make(enc, el), 0, u, sizeof u, &complete), MS_AUTH_USER_MAX);
	UT_EQ_INT(u[MS_AUTH_USER_MAX], 0);
	UT_EQ_INT(u[MS_AUTH_USER_MAX + 1], 'X');
	UT_EQ_INT(complete, 0);
}

UT_TEST(auth_login_user_1000_chars)
{
	char in[1000], u[MS_AUTH_USER_MAX + 1];
	int complete = 7;
	memset(in, 'Q', sizeof in);
	UT_EQ_INT(ms_auth_login_user(ms_sv_make(in, sizeof in), 0, u, sizeof u, &complete), MS_AUTH_USER_MAX);
	UT_EQ_INT(complete, 0);
}

UT_TEST(auth_login_user_invalid)
{
	static const char *bad[] = { "*", "!!", "YWxp Y2U=", "YWxpY2U=x", "MAIL FROM:<a@b>" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char u[32];
		int complete = 7;
		UT_EQ_INT(ms_auth_login_user(ms_sv_cstr(bad[i]), 0, u, sizeof u, &complete), -1);
		UT_EQ_INT(complete, 0);
	}
}

UT_TEST(auth_login_user_empty)
{
	char u[8] = "XXXXXXX";
	int complete = 7;
	UT_EQ_INT(ms_auth_login_user(ms_sv_cstr(""), 0, u, sizeof u, &complete), 0);
	UT_EQ_STR(u, "");
	UT_EQ_INT(complete, 1);
}

UT_TEST(auth_login_password)
{
	static const char *forms[] = { "aHVudGVyMg==", "aHVudGVyMg", "aHVudGVyMg==??", "aHVudGVyMg==#015#012" };
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		size_t len = 99;
		int complete = 7;
		uint8_t h[MS_SHA256_LEN];
		UT_EQ_INT(ms_auth_login_password(ms_sv_cstr(forms[i]), 0, KEY, KEYLEN, &len, &complete, h), 0);
		UT_EQ_INT(len, 7);
		UT_EQ_INT(complete, 1);
		UT_ASSERT(hmac_is(h, "hunter2", 7));
	}
}

UT_TEST(auth_login_password_cut)
{
	size_t len = 99;
	int complete = 7;
	uint8_t h[MS_SHA256_LEN];
	memset(h, 0xEE, sizeof h);
	UT_EQ_INT(ms_auth_login_password(ms_sv_cstr("aHVudGVyMg=="), 1, KEY, KEYLEN, &len, &complete, h), 0);
	UT_EQ_INT(len, 7);
	UT_EQ_INT(complete, 0);
	UT_ASSERT(all_zero(h, sizeof h));
	memset(h, 0xEE, sizeof h);
	UT_EQ_INT(ms_auth_login_password(ms_sv_cstr("aHVudGVyM"), 0, KEY, KEYLEN, &len, &complete, h), 0);
	UT_EQ_INT(len, 6);
	UT_EQ_INT(complete, 0);
	UT_ASSERT(all_zero(h, sizeof h));
}

UT_TEST(auth_login_password_invalid)
{
	size_t len = 99;
	int complete = 7;
	uint8_t h[MS_SHA256_LEN];
	memset(h, 0xEE, sizeof h);
	UT_EQ_INT(ms_auth_login_password(ms_sv_cstr("*"), 0, KEY, KEYLEN, &len, &complete, h), -1);
	UT_EQ_INT(len, 0);
	UT_EQ_INT(complete, 0);
	UT_ASSERT(all_zero(h, sizeof h));
	UT_EQ_INT(ms_auth_login_password(ms_sv_cstr("aHVu dGVyMg=="), 0, KEY, KEYLEN, &len, &complete, h), -1);
}

UT_TEST(auth_login_password_1000_chars)
{
	char in[1000];
	uint8_t zeros[750], h[MS_SHA256_LEN];
	size_t len = 0;
	int complete = 0;
	memset(in, 'A', sizeof in);
	memset(zeros, 0, sizeof zeros);
	UT_EQ_INT(ms_auth_login_password(ms_sv_make(in, sizeof in), 0, KEY, KEYLEN, &len, &complete, h), 0);
	UT_EQ_INT(len, 750);
	UT_EQ_INT(complete, 1);
	UT_ASSERT(hmac_is(h, zeros, sizeof zeros));
}

UT_TEST(auth_login_prompt)
{
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_cstr("VXNlcm5hbWU6")), 1);      /* Username: */
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_cstr("UGFzc3dvcmQ6")), 2);      /* Password: */
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_cstr("dXNlcm5hbWU6")), 1);      /* username: */
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_cstr("cGFzc3dvcmQ6")), 2);      /* password: */
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_cstr("VXNlciBOYW1lAA==")), 1);  /* User Name\0 */
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_cstr("UGFzc3dvcmQ=")), 2);      /* Password */
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_cstr("VVNFUk5BTUU=")), 1);      /* USERNAME */
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_cstr("UEFTU1dPUkQ6")), 2);      /* PASSWORD: */
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_cstr("VXNlcm5hbWU6??")), 1);
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_cstr("UGFzc3dvcmQ6#015#012")), 2);
}

UT_TEST(auth_login_prompt_other)
{
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_cstr("")), 0);
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_make(NULL, 12)), 0);
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_cstr("!!!!")), 0);
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_cstr("SGVsbG8=")), 0);          /* Hello */
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_cstr("VXNlcm5h")), 0);          /* Userna */
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_cstr("UGFzcw==")), 0);          /* Pass */
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_cstr("VXNlcm5hbWU6")) == 2, 0);
	UT_EQ_INT(ms_auth_login_prompt(ms_sv_cstr("Username:")), 0);         /* not base64 of it */
}
