/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "addr.h"

/* inet_pton(AF_INET) without the copy and the call (3.5 % of parsing):
 * four decimal octets 0-255, no leading zeros, the text ends at n (a NUL
 * before it is no address).  One pass, an octet at a time (a per-byte state
 * machine was 280 instructions an address). */
int ms_ipv4_parse(const char *p, size_t n, uint32_t *addr)
{
	const char *e = p + n;
	uint32_t a = 0;
	for (int oct = 0; oct < 4; oct++) {
		if (oct) {
			if (p >= e || *p != '.')
				return 0;
			p++;
		}
		unsigned d, v;
		if (p >= e || (v = (unsigned)(unsigned char)*p - '0') > 9)
			return 0;
		p++;
		if (p < e && (d = (unsigned)(unsigned char)*p - '0') <= 9) {
			if (v == 0)
				return 0;
			v = v * 10 + d;
			p++;
			if (p < e && (d = (unsigned)(unsigned char)*p - '0') <= 9) {
				v = v * 10 + d;
				p++;
				if (v > 255)
					return 0;
			}
		}
		a = a << 8 | v;
	}
	if (p != e)
		return 0;
	*addr = a;
	return 1;
}

int ms_ip_family(ms_sv s)
{
	char buf[64];
	unsigned char bin[16];
	if (s.n == 0 || s.n >= sizeof buf)
		return 0;
	uint32_t a;
	if (ms_ipv4_parse(s.p, s.n, &a)) /* "192.0.2.1\0x" is not: it must end at n */
		return 4;
	if (!memchr(s.p, ':', s.n) || memchr(s.p, 0, s.n)) /* a NUL would end inet_pton's copy */
		return 0;
	memcpy(buf, s.p, s.n);
	buf[s.n] = 0;
	return inet_pton(AF_INET6, buf, bin) == 1 ? 6 : 0;
}

int ms_ip_valid(ms_sv s) { return ms_ip_family(s) != 0; }

ms_sv ms_ip_unmap(ms_sv ip)
{
	if (ip.n > 7 && ip.p[0] == ':' && (ms_sv_starts(ip, "::ffff:") || ms_sv_starts(ip, "::FFFF:")) &&
	    ms_ip_family(ms_sv_skip(ip, 7)) == 4)
		return ms_sv_skip(ip, 7);
	return ip;
}

size_t ms_ip_canon(ms_sv ip, char *out, size_t cap)
{
	char buf[64];
	unsigned char bin[16];
	uint32_t a;
	if (!out || cap < 16 || ip.n == 0 || ip.n >= sizeof buf)
		return 0;
	if (ms_ipv4_parse(ip.p, ip.n, &a)) {
		if (ip.n >= cap)
			return 0;
		memcpy(out, ip.p, ip.n);
		out[ip.n] = 0;
		return ip.n;
	}
	if (!memchr(ip.p, ':', ip.n) || memchr(ip.p, 0, ip.n))
		return 0;
	memcpy(buf, ip.p, ip.n);
	buf[ip.n] = 0;
	if (inet_pton(AF_INET6, buf, bin) != 1)
		return 0;
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (!memcmp(bin, mapped, sizeof mapped)) {
		int n = snprintf(out, cap, "%u.%u.%u.%u", bin[12], bin[13], bin[14], bin[15]);
		return n > 0 && (size_t)n < cap ? (size_t)n : 0;
	}
	if (!inet_ntop(AF_INET6, bin, out, (socklen_t)cap))
		return 0;
	return strlen(out);
}

static size_t parse_port(ms_sv s, size_t i, long *port)
{
	uint64_t v;
	size_t d;
	*port = -1;
	if (i < s.n && s.p[i] == ':') {
		d = ms_sv_u64(ms_sv_skip(s, i + 1), &v);
		if (d > 0 && d <= 5 && v <= 65535) {
			*port = (long)v;
			return i + 1 + d;
		}
	}
	return i;
}

/* Does a name[addr](:port) end at s.p[i]: the end of the text, a space, a
 * comma or semicolon, a ')', or ": "?  (What the callers find after it.) */
static int namaddr_ends(ms_sv s, size_t i)
{
	if (i >= s.n)
		return 1;
	switch (s.p[i]) {
	case ' ': case ',': case ';': case ')':
		return 1;
	case ':':
		return i + 1 >= s.n || s.p[i + 1] == ' ';
	default:
		return 0;
	}
}

size_t ms_namaddr_parse(ms_sv s, ms_sv *name, ms_sv *ip, long *port)
{
	/* name[addr](:port): the name is up to the '[' of an address that ends
	 * the name[addr] (namaddr_ends(); no spaces in it).  Postfix's names
	 * are valid host names, but a hostile one with a '[' in it
	 * ("a[b.example[IP]", "x[IP]:y[IP]") is split where ms_namaddr_whole()
	 * splits the connect line's: at the '[' of the address, not at its
	 * first '[' */
	size_t i = 0;
	for (;;) {
		while (i < s.n && s.p[i] != '[' && s.p[i] != ' ')
			i++;
		if (i >= s.n || s.p[i] != '[')
			return 0;
		size_t lb = i, rb = lb + 1, lim = s.n - lb > 62 ? lb + 62 : s.n;
		while (rb < lim && s.p[rb] != ']')
			rb++;
		if (rb < lim) { /* (a '[' or space inside is no address) */
			ms_sv a = ms_sv_make(s.p + lb + 1, rb - lb - 1);
			if (ms_ip_valid(a)) {
				size_t end = parse_port(s, rb + 1, port);
				if (namaddr_ends(s, end)) {
					*name = ms_sv_make(s.p, lb);
					*ip = ms_ip_unmap(a);
					return end;
				}
			}
		}
		i = lb + 1; /* the name goes on: the next '[' */
	}
}

int ms_namaddr_whole(ms_sv s, ms_sv *name, ms_sv *ip, long *port)
{
	long rb = ms_sv_rchr(s, ']'), lb;
	size_t end;
	if (rb < 0)
		return 0;
	lb = ms_sv_rchr(ms_sv_head(s, (size_t)rb), '[');
	if (lb < 0)
		return 0;
	*name = ms_sv_make(s.p, (size_t)lb);
	*ip = ms_sv_make(s.p + lb + 1, (size_t)(rb - lb - 1));
	if (!ms_ip_valid(*ip))
		return 0;
	*ip = ms_ip_unmap(*ip);
	end = parse_port(s, (size_t)rb + 1, port);
	return end == s.n;
}
