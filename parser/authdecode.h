/* SPDX-License-Identifier: MIT */
/*
 * authdecode.h - decode SMTP AUTH payloads seen in TLS-debug ("Read N chars:")
 * and verbose ("< host[ip]: ...") log lines.
 *
 * Pure functions: no allocation, no I/O.  Every input is attacker-controlled
 * and possibly cut short by the logger.  The password bytes are never copied
 * out: callers get only the password length (when known) and an
 * HMAC-SHA-256 of it under a caller-supplied key.
 */
#ifndef MS_AUTHDECODE_H
#define MS_AUTHDECODE_H

#include <stddef.h>
#include <stdint.h>
#include "../util/sv.h"
#include "sha256.h"

#define MS_AUTH_USER_MAX 256   /* longer user names are cut and flagged */

/*
 * Decode base64 (RFC 4648, standard alphabet, '=' padding optional) from
 * src into dst (capacity dstcap).  Decoding stops at the first byte that is
 * not in the alphabet (after optional padding).  A trailing partial quantum
 * (2 or 3 characters) is decoded as far as whole bytes go; a single dangling
 * character is dropped.
 * Returns the number of bytes written; *consumed (may be NULL) gets the
 * number of input characters used; *clean (may be NULL) is set to 1 when the
 * whole input was valid base64 with correct length/padding, 0 otherwise
 * (e.g. cut short).
 * Details: "clean" also requires canonical trailing bits (a real encoder
 * leaves them zero: "Zh==" is not clean, and so are most texts cut inside a
 * quantum) and
 * that everything fit in dst.  If dst fills up, decoding stops there
 * (clean = 0).  A NULL src.p reads as empty; a NULL dst as capacity 0.
 */
size_t ms_b64_decode(ms_sv src, uint8_t *dst, size_t dstcap, size_t *consumed, int *clean);

typedef struct {
	char user[MS_AUTH_USER_MAX + 1];   /* authcid, NUL-terminated, may contain any byte but NUL */
	size_t user_len;
	int user_complete;     /* 1: the user name is known whole */
	char authzid[MS_AUTH_USER_MAX + 1];
	size_t authzid_len;
	int have_password;     /* 1: at least one password byte was seen */
	int password_complete; /* 1: the password is known whole (length exact) */
	size_t password_len;   /* exact if password_complete, else bytes seen */
	uint8_t pw_hmac[MS_SHA256_LEN]; /* valid only if password_complete (all zero with keylen 0) */
	int truncated;         /* the payload was visibly cut short */
} ms_auth_plain;
/*
 * Clarifications (ms_auth_plain_decode):
 *  - The base64 may be followed by "??", "#015#012", CR, LF or blanks; these
 *    end it without making the payload cut.  Any other trailing byte means
 *    the text is not a clean payload: truncated = 1, password not complete.
 *  - truncated is also set when the authzid or the user had to be cut at
 *    MS_AUTH_USER_MAX; user_complete is then 0 (the stored name is a prefix).
 *  - No NUL at all: the bytes are reported as a partial user (user_complete
 *    0, authzid empty).  One NUL: authzid before it, partial user after it.
 *  - Everything after the second NUL (further NULs included) is password.
 *    A whole payload ending right at the second NUL gives password_complete 1,
 *    password_len 0, have_password 0, pw_hmac = HMAC of the empty string.
 *  - password_complete needs: cut == 0, second NUL seen, clean base64
 *    (padding optional, no dangling char, canonical bits), clean tail.
 *    A log cut exactly at a quantum boundary cannot be detected here; the
 *    caller's `cut` flag is what catches it.
 *  - Returns -1 when no user/authzid byte and no second NUL were decoded
 *    (empty, "*", garbage, a lone NUL, out == NULL).
 *  - A NULL key is treated as the empty key.
 */

/*
 * Decode an AUTH PLAIN initial response (base64 of authzid NUL authcid NUL
 * password).  `b64` is the base64 text as logged (trailing "??" / "#015#012"
 * / CR LF already removed by the caller, or not: such bytes end the base64).
 * `cut` is 1 when the caller knows the log line was truncated (Read N chars
 * with N larger than the text shown).  key/keylen: HMAC key.
 * Returns 0 when at least the user name (possibly partial) was decoded,
 * -1 when nothing usable was found (out is then zeroed).
 * user_complete is 1 only when the second NUL was seen.
 */
int ms_auth_plain_decode(ms_sv b64, int cut, const uint8_t *key, size_t keylen,
			 ms_auth_plain *out);

/*
 * Decode one base64 line of an AUTH LOGIN exchange (the user name after the
 * "334 VXNlcm5hbWU6" prompt, or an initial response).  Writes at most
 * MS_AUTH_USER_MAX bytes + NUL to user.  *complete = 1 when the whole value
 * was decoded (not cut).  Returns the decoded length or -1 if invalid.
 * Details: at most min(usercap - 1, MS_AUTH_USER_MAX) bytes are stored, then
 * a NUL; a longer name is cut and *complete = 0; the return value is the
 * stored length (bytes are kept as is, even NUL, so use the length).
 * Invalid (-1): user NULL, usercap 0, or bytes other than "??"/"#015#012"/
 * CR/LF/blanks after the base64 (e.g. "*" cancel, "MAIL FROM:...").
 * An empty line decodes to "" (returns 0).  complete may be NULL.
 */
long ms_auth_login_user(ms_sv b64, int cut, char *user, size_t usercap, int *complete);

/*
 * The user name of a CRAM-MD5 answer (RFC 2195: base64 of "user SP
 * 32-hex-digest"; the digest is no password and is not kept).  Same
 * arguments, validity rule and return as ms_auth_login_user.  The name is
 * taken only when the space after it was seen (*complete = 1 unless the name
 * was longer than usercap): an answer without one, whole or cut, is invalid
 * (another mechanism's answer, or a password sent alone).  What follows the
 * space must be hex digits, 32 of them when the answer is whole.
 */
long ms_auth_cram_user(ms_sv b64, int cut, char *user, size_t usercap, int *complete);

/*
 * Fingerprint one base64 password line of an AUTH LOGIN exchange without
 * keeping the password: *len = decoded length, *complete = 1 when not cut,
 * hmac filled when complete.  Returns 0 ok, -1 invalid.
 * Details: same validity rule as ms_auth_login_user.  hmac is zeroed when
 * keylen is 0 (no key: no fingerprint), or
 * not complete or invalid; len/complete/hmac may each be NULL.
 */
int ms_auth_login_password(ms_sv b64, int cut, const uint8_t *key, size_t keylen,
			   size_t *len, int *complete, uint8_t hmac[MS_SHA256_LEN]);

/*
 * The well-known LOGIN prompts: "VXNlcm5hbWU6" (Username:) and
 * "UGFzc3dvcmQ6" (Password:), also lowercase "dXNlcm5hbWU6"/"cGFzc3dvcmQ6"
 * and "VXNlciBOYW1lAA==" variants.  Returns 1 for user, 2 for password, 0 other.
 * Matching decodes the text and checks, ignoring case, for a "username",
 * "user name" or "password" prefix, so other spellings work too.
 */
int ms_auth_login_prompt(ms_sv b64);

#endif
