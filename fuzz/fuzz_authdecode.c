/* SPDX-License-Identifier: MIT */
/*
 * fuzz_authdecode.c - libFuzzer target: base64 and the AUTH PLAIN / LOGIN
 * decoders.  The first byte selects the `cut` flag and the output capacity;
 * the rest is the logged payload text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../parser/authdecode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[32] = { 1, 2, 3 };
	uint8_t out[512], hmac[MS_SHA256_LEN];
	char user[MS_AUTH_USER_MAX + 1];
	size_t consumed = 0, pwlen = 0, cap;
	int clean = 0, complete = 0, cut;
	ms_auth_plain ap;
	char *text;
	ms_sv sv;

	if (size < 1)
		return 0;
	cut = data[0] & 1;
	cap = (size_t)(data[0] >> 1) * 4; /* 0..508: small capacities too */
	text = malloc(size - 1 ? size - 1 : 1);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	sv = ms_sv_make(size > 1 ? text : NULL, size - 1);

	size_t n = ms_b64_decode(sv, out, cap, &consumed, &clean);
	if (n > cap || consumed > sv.n)
		abort();
	if (ms_auth_plain_decode(sv, cut, key, sizeof key, &ap) == 0) {
		if (ap.user_len > MS_AUTH_USER_MAX || ap.authzid_len > MS_AUTH_USER_MAX || ap.user[ap.user_len] != 0)
			abort();
		if (ap.password_complete && cut)
			abort();
	}
	(void)ms_auth_plain_decode(sv, cut, NULL, 0, &ap);
	long ul = ms_auth_login_user(sv, cut, user, (cap % sizeof user) + 1, &complete);
	if (ul > (long)MS_AUTH_USER_MAX)
		abort();
	(void)ms_auth_login_user(sv, cut, user, sizeof user, NULL);
	(void)ms_auth_login_password(sv, cut, key, sizeof key, &pwlen, &complete, hmac);
	(void)ms_auth_login_password(sv, cut, NULL, 0, NULL, NULL, NULL);
	(void)ms_auth_login_prompt(sv);
	long cl = ms_auth_cram_user(sv, cut, user, (cap % sizeof user) + 1, &complete);
	if (cl > (long)MS_AUTH_USER_MAX || (cl >= 0 && memchr(user, 0, (size_t)cl)))
		abort();
	free(text);
	return 0;
}
