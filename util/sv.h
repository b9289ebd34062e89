/* SPDX-License-Identifier: MIT */
/*
 * sv.h - zero-copy string views: (pointer, length) pairs into a buffer the
 * caller owns.  A view never owns memory and is valid only as long as the
 * buffer it points into.  Nothing here allocates.
 */
#ifndef MS_SV_H
#define MS_SV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
	const char *p;
	size_t n;
} ms_sv;

#define MS_SV_NULL ((ms_sv){ NULL, 0 })
#define MS_SV_LIT(s) ((ms_sv){ (s), sizeof(s) - 1 })

static inline ms_sv ms_sv_make(const char *p, size_t n) { ms_sv v = { p, n }; return v; }
static inline ms_sv ms_sv_cstr(const char *s) { ms_sv v = { s, s ? strlen(s) : 0 }; return v; }

static inline int ms_sv_eq(ms_sv a, ms_sv b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static inline int ms_sv_eq_lit_(ms_sv a, const char *lit, size_t n)
{
	return a.n == n && memcmp(a.p, lit, n) == 0;
}
#define ms_sv_eq_lit(v, lit) ms_sv_eq_lit_((v), (lit), sizeof(lit) - 1)

static inline int ms_sv_starts_(ms_sv a, const char *lit, size_t n)
{
	return a.n >= n && memcmp(a.p, lit, n) == 0;
}
#define ms_sv_starts(v, lit) ms_sv_starts_((v), (lit), sizeof(lit) - 1)

static inline int ms_sv_ends_(ms_sv a, const char *lit, size_t n)
{
	return a.n >= n && memcmp(a.p + a.n - n, lit, n) == 0;
}
#define ms_sv_ends(v, lit) ms_sv_ends_((v), (lit), sizeof(lit) - 1)

/* Drop the first k bytes (k is clamped to the length). */
static inline ms_sv ms_sv_skip(ms_sv a, size_t k)
{
	if (k > a.n)
		k = a.n;
	if (k == 0)
		return a; /* also keeps NULL views NULL (NULL + 0 is undefined) */
	a.p += k;
	a.n -= k;
	return a;
}

static inline ms_sv ms_sv_head(ms_sv a, size_t k)
{
	if (k < a.n)
		a.n = k;
	return a;
}

/* Index of the first byte c, or -1. */
static inline long ms_sv_chr(ms_sv a, char c)
{
	const char *q = a.n ? memchr(a.p, c, a.n) : NULL;
	return q ? (long)(q - a.p) : -1;
}

/* Index of the last byte c, or -1. */
static inline long ms_sv_rchr(ms_sv a, char c)
{
	/* glibc's memrchr: a byte loop here was ~110 instructions a line in
	 * the syslog tag alone (split_tag, split_daemon) */
	const char *q = a.n ? memrchr(a.p, c, a.n) : NULL;
	return q ? (long)(q - a.p) : -1;
}

/* Index of the first occurrence of needle, or -1. */
long ms_sv_find(ms_sv hay, const char *needle, size_t nlen);
#define ms_sv_find_lit(v, lit) ms_sv_find((v), (lit), sizeof(lit) - 1)

/* Case-insensitive (ASCII) comparisons. */
int ms_sv_eq_nocase(ms_sv a, ms_sv b);
int ms_sv_starts_nocase(ms_sv a, const char *lit);

ms_sv ms_sv_trim(ms_sv a);

/* Parse an unsigned decimal prefix; returns digits consumed (0 = none).
 * The value saturates at INT64_MAX instead of overflowing. */
size_t ms_sv_u64(ms_sv a, uint64_t *out);

#endif
