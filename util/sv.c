/* SPDX-License-Identifier: MIT */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "sv.h"

long ms_sv_find(ms_sv hay, const char *needle, size_t nlen)
{
	const char *q;
	if (nlen == 0)
		return 0;
	if (hay.n < nlen)
		return -1;
	/* log lines are short: memchr for one byte of the needle and memcmp for the
	 * whole beats memmem, whose set-up costs more than the search (10 % of
	 * parsing).  The byte is the needle's first that is not a space: " from "
	 * would stop at every word of the line. */
	size_t k = 0;
	while (k + 1 < nlen && needle[k] == ' ')
		k++;
	const char *p = hay.p + k, *end = hay.p + (hay.n - nlen) + k + 1;
	while ((q = memchr(p, needle[k], (size_t)(end - p))) != NULL) {
		if (memcmp(q - k, needle, nlen) == 0)
			return (long)(q - k - hay.p);
		p = q + 1;
	}
	return -1;
}

static inline unsigned char lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

int ms_sv_eq_nocase(ms_sv a, ms_sv b)
{
	if (a.n != b.n)
		return 0;
	for (size_t i = 0; i < a.n; i++)
		if (lc((unsigned char)a.p[i]) != lc((unsigned char)b.p[i]))
			return 0;
	return 1;
}

int ms_sv_starts_nocase(ms_sv a, const char *lit)
{
	size_t n = strlen(lit);
	if (a.n < n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lc((unsigned char)a.p[i]) != lc((unsigned char)lit[i]))
			return 0;
	return 1;
}

ms_sv ms_sv_trim(ms_sv a)
{
	while (a.n && (a.p[0] == ' ' || a.p[0] == '\t'))
		a.p++, a.n--;
	while (a.n && (a.p[a.n - 1] == ' ' || a.p[a.n - 1] == '\t' || a.p[a.n - 1] == '\r'))
		a.n--;
	return a;
}

size_t ms_sv_u64(ms_sv a, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	/* up to 18 digits cannot overflow: no check per digit (a pid or a port
	 * took 20 instructions a digit with it) */
	size_t fast = a.n < 18 ? a.n : 18;
	unsigned d;
	while (i < fast && (d = (unsigned)((unsigned char)a.p[i] - '0')) <= 9) {
		v = v * 10 + d;
		i++;
	}
	if (i < fast) {
		*out = v;
		return i;
	}
	while (i < a.n && (d = (unsigned)((unsigned char)a.p[i] - '0')) <= 9) {
		if (v > (UINT64_C(0x7fffffffffffffff) - d) / 10)
			v = UINT64_C(0x7fffffffffffffff);
		else
			v = v * 10 + d;
		i++;
	}
	*out = v;
	return i;
}
