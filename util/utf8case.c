/* SPDX-License-Identifier: MIT */
#include <string.h>
#include "utf8case.h"

/* the lower case of a code point in U+0080..U+07FF, or cp itself */
static unsigned lower2(unsigned cp)
{
	if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
		return cp + 0x20; /* Latin-1: À..Þ */
	if (cp >= 0x100 && cp <= 0x17F) { /* Latin Extended-A: pairs */
		if (cp == 0x130 || cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17F)
			return cp; /* İ ı ĸ ŉ ſ: no two-byte pair */
		if (cp == 0x178)
			return 0xFF; /* Ÿ */
		if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
			return cp & 1 ? cp + 1 : cp; /* upper case at odd code points */
		return cp & 1 ? cp : cp + 1;
	}
	if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2)
		return cp + 0x20; /* Greek Α..Ω, Ϊ, Ϋ */
	if (cp == 0x386)
		return 0x3AC;
	if (cp >= 0x388 && cp <= 0x38A)
		return cp + 0x25;
	if (cp == 0x38C)
		return 0x3CC;
	if (cp == 0x38E || cp == 0x38F)
		return cp + 0x3F;
	if (cp >= 0x410 && cp <= 0x42F)
		return cp + 0x20; /* Cyrillic А..Я */
	if (cp >= 0x400 && cp <= 0x40F)
		return cp + 0x50; /* Ѐ..Џ */
	if (cp >= 0x460 && cp <= 0x4FF && cp != 0x482 && !(cp >= 0x483 && cp <= 0x489) && cp != 0x4C0 && cp != 0x4CF) {
		if (cp >= 0x4C1 && cp <= 0x4CE)
			return cp & 1 ? cp + 1 : cp; /* Ӂ..Ӎ: upper case at odd code points */
		return cp & 1 ? cp : cp + 1; /* Ѡ..ҁ, Ҋ..ҿ, Ӑ..ӿ: pairs */
	}
	/* Latin Extended-B: Vietnamese's Ơ Ư and the regular pairs */
	if (cp == 0x1A0 || cp == 0x1AF)
		return cp + 1;
	if (cp >= 0x1CD && cp <= 0x1DC)
		return cp & 1 ? cp + 1 : cp; /* Ǎ..Ǜ */
	if ((cp >= 0x1DE && cp <= 0x1EF) || (cp >= 0x1F8 && cp <= 0x21F) || (cp >= 0x222 && cp <= 0x233))
		return cp & 1 ? cp : cp + 1;
	if (cp >= 0x531 && cp <= 0x556)
		return cp + 0x30; /* Armenian Ա..Ֆ */
	return cp;
}

/* the lower case of a code point in U+0800..U+FFFF that keeps its length, or cp itself */
static unsigned lower3(unsigned cp)
{
	if ((cp >= 0x1E00 && cp <= 0x1E95) || (cp >= 0x1EA0 && cp <= 0x1EFF))
		return cp & 1 ? cp : cp + 1; /* Latin Extended Additional (Vietnamese): pairs */
	if (cp >= 0xFF21 && cp <= 0xFF3A)
		return cp + 0x20; /* fullwidth Ａ..Ｚ */
	return cp;
}

size_t ms_account_fold(const char *in, size_t n, char *out, size_t cap)
{
	size_t l = strnlen(in, n), k = l < cap ? l : cap - 1;
	const char *at = memrchr(in, '@', l);
	memcpy(out, in, k);
	out[k] = 0;
	if (at && (size_t)(at - in) < k)
		ms_utf8_lower(out + (at - in), k - (size_t)(at - in));
	return k;
}

void ms_utf8_lower(char *p, size_t n)
{
	unsigned char *u = (unsigned char *)p;
	for (size_t i = 0; i < n; i++) {
		if (u[i] < 0x80) { /* most bytes of most names: one test more */
			if (u[i] >= 'A' && u[i] <= 'Z')
				u[i] = (unsigned char)(u[i] + 32);
		} else if (u[i] >= 0xC2 && u[i] <= 0xDF && i + 1 < n && (u[i + 1] & 0xC0) == 0x80) {
			unsigned cp = ((unsigned)(u[i] & 0x1F) << 6) | (u[i + 1] & 0x3F);
			unsigned lc = lower2(cp);
			if (lc != cp && lc >= 0x80 && lc <= 0x7FF) {
				u[i] = (unsigned char)(0xC0 | (lc >> 6));
				u[i + 1] = (unsigned char)(0x80 | (lc & 0x3F));
			}
			i++;
		} else if (u[i] >= 0xE1 && u[i] <= 0xEF && i + 2 < n && (u[i + 1] & 0xC0) == 0x80 &&
			   (u[i + 2] & 0xC0) == 0x80) {
			unsigned cp = ((unsigned)(u[i] & 0x0F) << 12) | ((unsigned)(u[i + 1] & 0x3F) << 6) | (u[i + 2] & 0x3F);
			unsigned lc = lower3(cp);
			if (lc != cp && lc >= 0x800 && lc <= 0xFFFF) {
				u[i] = (unsigned char)(0xE0 | (lc >> 12));
				u[i + 1] = (unsigned char)(0x80 | ((lc >> 6) & 0x3F));
				u[i + 2] = (unsigned char)(0x80 | (lc & 0x3F));
			}
			i += 2;
		}
	}
}
