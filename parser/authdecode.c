/* SPDX-License-Identifier: MIT */
/*
 * authdecode.c - decode SMTP AUTH PLAIN / LOGIN payloads from log lines.
 *
 * All decoding is streaming: base64 is decoded one byte at a time into a
 * small state machine, so no input length can overflow anything and the
 * password is never stored - its bytes go straight into an HMAC context
 * that is wiped afterwards.  Memory use is constant, time is linear.
 */
#include <string.h>
#include "authdecode.h"

/* Overwrite memory in a way the compiler may not elide. */
static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;
	while (n--)
		*v++ = 0;
}

/*
 * A decoded user name that holds a password too: a NUL ("authzid NUL user
 * NUL password" sent where a name was asked for, "user NUL password"), or
 * ':', a blank or a tab with more text after it ("user:password",
 * "user password": the forms of a bot's combo list).  No name is taken
 * from it: what comes after the separator would be stored in clear.
 */
static int holds_password(const char *u, size_t n)
{
	if (memchr(u, 0, n))
		return 1;
	for (size_t i = 0; i < n; i++)
		if (u[i] == ':' || u[i] == ' ' || u[i] == '\t') {
			for (size_t k = i + 1; k < n; k++)
				if (u[k] != ' ' && u[k] != '\t')
					return 1;
			return 0;
		}
	return 0;
}

/* ------------------------------------------------------------------ */
/* base64 core                                                         */

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Receives one decoded byte; returns 0 to go on, nonzero to stop. */
typedef int (*b64_sink)(void *ctx, uint8_t byte);

typedef struct {
	size_t nout;      /* bytes accepted by the sink */
	size_t consumed;  /* input characters used (alphabet + padding) */
	int wellformed;   /* the consumed part is complete, canonical base64 */
	int stopped;      /* the sink refused a byte */
} b64_result;

/*
 * Decode base64 from the start of src until the first byte outside the
 * alphabet, then take optional '=' padding.  "wellformed" ignores whatever
 * follows the consumed part; it is 0 for a dangling single character,
 * partial padding, or non-zero leftover bits (a real encoder never emits
 * those, so they betray an input cut inside a quantum).
 */
static b64_result b64_run(ms_sv src, b64_sink sink, void *ctx)
{
	b64_result r = { 0, 0, 1, 0 };
	const unsigned char *p = (const unsigned char *)src.p;
	size_t n = p ? src.n : 0;
	size_t i, nchars = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	unsigned rem;

	for (i = 0; i < n; i++) {
		int v = b64val(p[i]);
		if (v < 0)
			break;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			uint8_t byte;
			bits -= 8;
			byte = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1u;
			if (sink(ctx, byte)) {
				r.stopped = 1;
				r.wellformed = 0;
				r.consumed = i;
				wipe(&byte, sizeof byte);
				wipe(&acc, sizeof acc);
				return r;
			}
			wipe(&byte, sizeof byte);
			r.nout++;
		}
		nchars++;
	}

	rem = (unsigned)(nchars % 4);
	if (rem == 1)
		r.wellformed = 0;          /* 6 bits: no whole byte, cannot be real */
	if (rem == 2 || rem == 3) {
		size_t want = 4 - rem, got = 0;
		while (i < n && got < want && p[i] == '=') {
			i++;
			got++;
		}
		if (got != 0 && got != want)
			r.wellformed = 0;
	}
	if (bits && acc)
		r.wellformed = 0;          /* non-canonical leftover bits */
	r.consumed = i;
	wipe(&acc, sizeof acc);
	return r;
}

/*
 * Is everything after the base64 only a line terminator as logged:
 * "??" (Postfix >= 3.4 CR LF), "#015#012" (rsyslog), "^M" (sysklogd), real
 * CR/LF, blanks?
 */
static int tail_is_terminator(ms_sv rest)
{
	size_t i = 0;

	if (!rest.p)
		return 1;
	while (i < rest.n) {
		char c = rest.p[i];
		if (c == '?' || c == '\r' || c == '\n' || c == ' ' || c == '\t') {
			i++;
			continue;
		}
		/* rsyslog's #015 #012 (\015 \012 with a backslash for its escape prefix) */
		if ((c == '#' || c == '\\') && rest.n - i >= 4 && rest.p[i + 1] == '0' && rest.p[i + 2] == '1' &&
		    (rest.p[i + 3] == '5' || rest.p[i + 3] == '2')) {
			i += 4;
			continue;
		}
		/* Postfix's escape(): \r \n */
		if (c == '\\' && rest.n - i >= 2 && (rest.p[i + 1] == 'r' || rest.p[i + 1] == 'n')) {
			i += 2;
			continue;
		}
		/* sysklogd's caret notation: ^M (CR), ^J (LF) */
		if (c == '^' && rest.n - i >= 2 && (rest.p[i + 1] == 'M' || rest.p[i + 1] == 'J')) {
			i += 2;
			continue;
		}
		return 0;
	}
	return 1;
}

/* What follows the first k bytes of s (NULL-safe, unlike pointer
 * arithmetic on a NULL view). */
static ms_sv rest_after(ms_sv s, size_t k)
{
	if (!s.p || k >= s.n)
		return MS_SV_NULL;
	return ms_sv_make(s.p + k, s.n - k);
}

/* ------------------------------------------------------------------ */
/* ms_b64_decode                                                       */

typedef struct {
	uint8_t *dst;
	size_t cap, len;
} buf_sink_ctx;

static int buf_sink(void *vctx, uint8_t byte)
{
	buf_sink_ctx *b = vctx;
	if (b->len >= b->cap)
		return 1;
	b->dst[b->len++] = byte;
	return 0;
}

size_t ms_b64_decode(ms_sv src, uint8_t *dst, size_t dstcap, size_t *consumed, int *clean)
{
	buf_sink_ctx b = { dst, dst ? dstcap : 0, 0 };
	b64_result r = b64_run(src, buf_sink, &b);
	size_t n = src.p ? src.n : 0;

	if (consumed)
		*consumed = r.consumed;
	if (clean)
		*clean = r.wellformed && !r.stopped && r.consumed == n;
	return b.len;
}

/* ------------------------------------------------------------------ */
/* streaming HMAC-SHA-256 (same result as ms_hmac_sha256)              */

typedef struct {
	ms_sha256 inner, outer;
} hmac_ctx;

static void hmac_init(hmac_ctx *h, const uint8_t *key, size_t keylen)
{
	uint8_t k0[64], pad[64];
	size_t i;

	if (!key)
		keylen = 0;
	memset(k0, 0, sizeof k0);
	if (keylen > sizeof k0)
		ms_sha256_buf(key, keylen, k0);
	else if (keylen)
		memcpy(k0, key, keylen);
	for (i = 0; i < sizeof pad; i++)
		pad[i] = k0[i] ^ 0x36;
	ms_sha256_init(&h->inner);
	ms_sha256_update(&h->inner, pad, sizeof pad);
	for (i = 0; i < sizeof pad; i++)
		pad[i] = k0[i] ^ 0x5c;
	ms_sha256_init(&h->outer);
	ms_sha256_update(&h->outer, pad, sizeof pad);
	wipe(k0, sizeof k0);
	wipe(pad, sizeof pad);
}

static void hmac_final(hmac_ctx *h, uint8_t out[MS_SHA256_LEN])
{
	uint8_t inner[MS_SHA256_LEN];
	ms_sha256_final(&h->inner, inner);
	ms_sha256_update(&h->outer, inner, sizeof inner);
	ms_sha256_final(&h->outer, out);
	wipe(inner, sizeof inner);
	wipe(h, sizeof *h);
}

/* ------------------------------------------------------------------ */
/* AUTH PLAIN                                                          */

typedef struct {
	ms_auth_plain *out;
	int field;          /* 0 authzid, 1 authcid, 2 password */
	int user_overflow;  /* user had to be cut at MS_AUTH_USER_MAX */
	int authzid_overflow;
	hmac_ctx h;
} plain_ctx;

static int plain_sink(void *vctx, uint8_t byte)
{
	plain_ctx *pc = vctx;
	ms_auth_plain *o = pc->out;

	if (pc->field < 2 && byte == 0) {
		pc->field++;
		return 0;
	}
	switch (pc->field) {
	case 0:
		if (o->authzid_len < MS_AUTH_USER_MAX)
			o->authzid[o->authzid_len++] = (char)byte;
		else
			pc->authzid_overflow = 1;
		break;
	case 1:
		if (o->user_len < MS_AUTH_USER_MAX)
			o->user[o->user_len++] = (char)byte;
		else
			pc->user_overflow = 1;
		break;
	default:
		/* password: fingerprint only, never stored */
		ms_sha256_update(&pc->h.inner, &byte, 1);
		o->password_len++;
		break;
	}
	return 0;
}

int ms_auth_plain_decode(ms_sv b64, int cut, const uint8_t *key, size_t keylen,
			 ms_auth_plain *out)
{
	plain_ctx pc;
	b64_result r;
	int whole;

	if (!out)
		return -1;
	memset(out, 0, sizeof *out);
	memset(&pc, 0, sizeof pc);
	pc.out = out;
	hmac_init(&pc.h, key, keylen);

	r = b64_run(b64, plain_sink, &pc);
	whole = !cut && r.wellformed && !r.stopped &&
		tail_is_terminator(rest_after(b64, r.consumed));

	if (pc.field == 0) {
		/* no NUL at all: the bytes are a partial authzid-or-user; report
		 * them as the (incomplete) user name */
		memcpy(out->user, out->authzid, out->authzid_len);
		out->user_len = out->authzid_len;
		pc.user_overflow = pc.authzid_overflow;
		pc.authzid_overflow = 0;
		memset(out->authzid, 0, sizeof out->authzid);
		out->authzid_len = 0;
	}
	out->user[out->user_len] = '\0';
	out->authzid[out->authzid_len] = '\0';

	out->user_complete = pc.field == 2 && !pc.user_overflow;
	out->have_password = out->password_len > 0;
	if (pc.field == 2 && whole) {
		out->password_complete = 1;
		if (keylen) /* no key, no fingerprint: pw_hmac stays all zero */
			hmac_final(&pc.h, out->pw_hmac);
	}
	out->truncated = !whole || pc.user_overflow || pc.authzid_overflow;
	int fields = pc.field;
	wipe(&pc, sizeof pc);

	if (fields < 2 && !cut) {
		/* shown whole, yet not "authzid NUL user NUL password": no user name
		 * can be told from the password ("user:pw", "user NUL pw", an
		 * XOAUTH2 token or a CRAM-MD5 answer taken for PLAIN) */
		wipe(out, sizeof *out);
		return -1;
	}

	if (fields == 1 && out->authzid_len > 0) {
		/* cut after one NUL that the payload does not start with:
		 * "authzid NUL user..." or a client's "user NUL password..." (no
		 * authzid) cannot be told apart, and the second would show a
		 * password's first bytes as a user name */
		wipe(out, sizeof *out);
		return -1;
	}
	if (out->user_len == 0 && !out->user_complete && out->authzid_len == 0) {
		memset(out, 0, sizeof *out);
		return -1;
	}
	if (fields < 2 && holds_password(out->user, out->user_len)) {
		/* cut before the password's NUL: the bytes may be a bot's
		 * "user:password" sent as PLAIN (with its NUL, the password is
		 * a field of its own and the name is kept as it is) */
		wipe(out, sizeof *out);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* AUTH LOGIN                                                          */

typedef struct {
	char *dst;
	size_t cap;     /* bytes storable, excluding the NUL */
	size_t len;
	int overflow;
} user_ctx;

static int user_sink(void *vctx, uint8_t byte)
{
	user_ctx *u = vctx;
	if (u->len < u->cap)
		u->dst[u->len++] = (char)byte;
	else
		u->overflow = 1;   /* keep scanning so the tail is still validated */
	return 0;
}

long ms_auth_login_user(ms_sv b64, int cut, char *user, size_t usercap, int *complete)
{
	user_ctx u;
	b64_result r;

	if (complete)
		*complete = 0;
	if (!user || usercap == 0)
		return -1;
	u.dst = user;
	u.cap = usercap - 1 < MS_AUTH_USER_MAX ? usercap - 1 : MS_AUTH_USER_MAX;
	u.len = 0;
	u.overflow = 0;

	r = b64_run(b64, user_sink, &u);
	if (!tail_is_terminator(rest_after(b64, r.consumed))) {
		memset(user, 0, u.cap + 1);
		return -1;
	}
	if (holds_password(user, u.len)) {
		wipe(user, u.cap + 1);
		return -1;
	}
	user[u.len] = '\0';
	if (complete)
		*complete = !cut && r.wellformed && !u.overflow;
	return (long)u.len;
}

long ms_auth_cram_user(ms_sv b64, int cut, char *user, size_t usercap, int *complete)
{
	/* the name, a space and 32 digits: decoded whole into buf, then split */
	char buf[MS_AUTH_USER_MAX + 40];
	user_ctx u = { buf, sizeof buf - 1, 0, 0 };
	b64_result r;

	if (complete)
		*complete = 0;
	if (!user || usercap == 0)
		return -1;
	r = b64_run(b64, user_sink, &u);
	int whole = !cut && r.wellformed && !u.overflow;
	if (!tail_is_terminator(rest_after(b64, r.consumed)) || memchr(buf, 0, u.len)) {
		wipe(buf, sizeof buf);
		return -1;
	}
	size_t sp = u.len, hex = 0;
	int named = 0; /* the space after the name was seen */
	while (sp > 0 && buf[sp - 1] != ' ')
		sp--;
	if (sp > 0) {
		for (size_t i = sp; i < u.len; i++) {
			char c = buf[i];
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
				break;
			hex++;
		}
		if (hex != u.len - sp || hex > 32 || (whole && hex != 32))
			sp = 0; /* not "name SP digest" */
		else
			sp--, named = 1; /* the name ends before the space */
	}
	/* no space: an answer of another shape, or one cut inside the name,
	 * which cannot be told from a password sent alone: no name */
	if (!named || sp == 0 || holds_password(buf, sp)) {
		wipe(buf, sizeof buf);
		return -1;
	}
	size_t cap = usercap - 1 < MS_AUTH_USER_MAX ? usercap - 1 : MS_AUTH_USER_MAX;
	size_t n = sp < cap ? sp : cap;
	memcpy(user, buf, n);
	user[n] = '\0';
	if (complete)
		*complete = named && n == sp;
	wipe(buf, sizeof buf);
	return (long)n;
}

typedef struct {
	hmac_ctx h;
	size_t len;
} pw_ctx;

static int pw_sink(void *vctx, uint8_t byte)
{
	pw_ctx *p = vctx;
	ms_sha256_update(&p->h.inner, &byte, 1);
	p->len++;
	return 0;
}

int ms_auth_login_password(ms_sv b64, int cut, const uint8_t *key, size_t keylen,
			   size_t *len, int *complete, uint8_t hmac[MS_SHA256_LEN])
{
	pw_ctx pc;
	b64_result r;
	int whole, rc = 0;

	if (len)
		*len = 0;
	if (complete)
		*complete = 0;
	if (hmac)
		memset(hmac, 0, MS_SHA256_LEN);

	memset(&pc, 0, sizeof pc);
	hmac_init(&pc.h, key, keylen);
	r = b64_run(b64, pw_sink, &pc);
	if (!tail_is_terminator(rest_after(b64, r.consumed))) {
		rc = -1;
	} else {
		whole = !cut && r.wellformed;
		if (len)
			*len = pc.len;
		if (complete)
			*complete = whole;
		if (whole && hmac && keylen)
			hmac_final(&pc.h, hmac);
	}
	wipe(&pc, sizeof pc);
	return rc;
}

int ms_auth_login_prompt(ms_sv b64)
{
	uint8_t buf[16];
	size_t n = ms_b64_decode(b64, buf, sizeof buf, NULL, NULL);
	ms_sv d = ms_sv_make((const char *)buf, n);

	if (ms_sv_starts_nocase(d, "username") || ms_sv_starts_nocase(d, "user name"))
		return 1;
	if (ms_sv_starts_nocase(d, "password"))
		return 2;
	return 0;
}
