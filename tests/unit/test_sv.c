/* SPDX-License-Identifier: MIT */
/* Tests for the byte-view helpers that the hand-written fast paths replaced
 * library calls with: ms_sv_find (was memmem) and ms_ip_family's IPv4 check
 * (was inet_pton). */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include "ut.h"
#include "../../util/sv.h"
#include "../../parser/addr.h"

static long find(const char *hay, size_t n, const char *needle)
{
	return ms_sv_find(ms_sv_make(hay, n), needle, strlen(needle));
}

UT_TEST(sv_find_matches_memmem)
{
	static const char *hays[] = { "", " ", "from", " from ", "connect from x[1.2.3.4]", "a  from  b from c",
				      "xx from", "from x", "   ", "abcabcabd", "with cipher with ciphe" };
	static const char *needles[] = { " from ", "from", " ", "   ", "abd", "with ciphe", "x", " with cipher " };
	for (size_t h = 0; h < sizeof hays / sizeof hays[0]; h++)
		for (size_t k = 0; k < sizeof needles / sizeof needles[0]; k++) {
			size_t hn = strlen(hays[h]);
			const char *m = memmem(hays[h], hn, needles[k], strlen(needles[k]));
			UT_EQ_INT(find(hays[h], hn, needles[k]), m ? (long)(m - hays[h]) : -1);
		}
	/* the view's end is respected: a match past it is not found */
	UT_EQ_INT(find("ab from", 5, "from"), -1);
	UT_EQ_INT(find("ab from", 7, "from"), 3);
	UT_EQ_INT(find("abc", 3, ""), 0);
}

static int pton4(const char *s)
{
	unsigned char b[4];
	return inet_pton(AF_INET, s, b) == 1;
}

UT_TEST(ip_family_ipv4_matches_inet_pton)
{
	static const char *v[] = { "1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.02.3.4",
				   "1.2.3", "1.2.3.4.", ".1.2.3.4", "1..2.3", "1.2.3.4.5", "1.2.3.a", "1.2.3.-4",
				   "10.0.0.10", "1.2.3.4 ", " 1.2.3.4", "999", "192.168.100.200", "0.0.0.00" };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		UT_EQ_INT(ms_ip_family(ms_sv_make(v[i], strlen(v[i]))), pton4(v[i]) ? 4 : 0);
	UT_EQ_INT(ms_ip_family(ms_sv_make("::1", 3)), 6);
	UT_EQ_INT(ms_ip_family(ms_sv_make("2001:db8::1", 11)), 6);
	UT_EQ_INT(ms_ip_family(ms_sv_make("2001:db8::g", 11)), 0);
	/* a NUL inside is no address (it ended the text for inet_pton on a copied
	 * string, and the address was stored as "1.2.3.4?x") */
	UT_EQ_INT(ms_ip_family(ms_sv_make("1.2.3.4\0x", 9)), 0);
	UT_EQ_INT(ms_ip_family(ms_sv_make("::1\0", 4)), 0);
}

/* every string of up to 16 bytes over digits, dots and one other byte that
 * a seeded generator makes: 300 000 of them, short ones many times over */
UT_TEST(ip_family_ipv4_random_matches_inet_pton)
{
	static const char alpha[] = "0123456789..........x";
	uint32_t x = 12345;
	char buf[20];
	for (int t = 0; t < 300000; t++) {
		x = x * 1103515245u + 12345u;
		size_t n = 1 + (x >> 16) % 16;
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			/* more digits than dots, as in addresses */
			unsigned r = (x >> 16) % 32;
			buf[i] = r < 20 ? (char)('0' + r % 10) : alpha[10 + r % 11];
		}
		buf[n] = 0;
		UT_EQ_INT(ms_ip_family(ms_sv_make(buf, n)), pton4(buf) ? 4 : 0);
	}
}

/* the saturating decimal parser against a reference: leading digits only,
 * at most INT64_MAX, the count of digits consumed */
static size_t u64_ref(const char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	while (i < n && p[i] >= '0' && p[i] <= '9') {
		unsigned d = (unsigned)(p[i] - '0');
		v = v > (UINT64_C(0x7fffffffffffffff) - d) / 10 ? UINT64_C(0x7fffffffffffffff) : v * 10 + d;
		i++;
	}
	*out = v;
	return i;
}

UT_TEST(sv_u64_matches_reference)
{
	static const char *v[] = { "", "0", "7", "12345]", "65535", "00042x", "999999999999999999",
				   "9223372036854775807", "9223372036854775808", "18446744073709551616",
				   "123456789012345678901234567890", "12a", "/1", ":9", "1 2" };
	uint64_t a, b;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		size_t n = strlen(v[i]);
		UT_EQ_INT((long)ms_sv_u64(ms_sv_make(v[i], n), &a), (long)u64_ref(v[i], n, &b));
		UT_ASSERT(a == b);
	}
	/* a view that ends inside the digits */
	UT_EQ_INT((long)ms_sv_u64(ms_sv_make("123456", 3), &a), 3);
	UT_ASSERT(a == 123);
	uint32_t x = 99;
	char buf[40];
	for (int t = 0; t < 100000; t++) {
		x = x * 1103515245u + 12345u;
		size_t n = (x >> 16) % 32;
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			unsigned r = (x >> 16) % 24;
			buf[i] = r < 20 ? (char)('0' + r % 10) : (char)(r == 20 ? '/' : r == 21 ? ':' : r == 22 ? ' ' : 0x80);
		}
		UT_EQ_INT((long)ms_sv_u64(ms_sv_make(buf, n), &a), (long)u64_ref(buf, n, &b));
		UT_ASSERT(a == b);
	}
}
