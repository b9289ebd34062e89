/* SPDX-License-Identifier: MIT */
/*
 * addr.h - client identities as Postfix logs them.
 *   namaddr: "name[addr]" or "name[addr]:port"   (split on the LAST ']')
 *   postscreen: "[addr]:port"
 * IP text is validated (inet_pton) so that garbage never becomes an "IP".
 */
#ifndef MS_ADDR_H
#define MS_ADDR_H

#include <stdint.h>
#include "../util/sv.h"

/* 1 if s is an IPv4 or IPv6 address text (an "IPv6:" prefix is not accepted). */
int ms_ip_valid(ms_sv s);

/* "::ffff:a.b.c.d", an IPv4-mapped IPv6 address (Postfix with inet_protocols
 * = ipv6 on some systems, Dovecot): the IPv4 part, the same client; else ip */
ms_sv ms_ip_unmap(ms_sv ip);
/* The one text of an address in out (cap >= 16; 46 holds any): IPv4 as
 * given, IPv6 as inet_ntop() writes it (lower case, the longest run of zeros
 * as "::"), an IPv4-mapped IPv6 address in any form as its IPv4 address.
 * Returns its length, 0 for no address.  "2001:DB8::AB", "2001:0db8::00ab"
 * and "2001:db8::ab" are one client. */
size_t ms_ip_canon(ms_sv ip, char *out, size_t cap);
/* 4 or 6 for a valid address, 0 otherwise */
int ms_ip_family(ms_sv s);
/* 1 and the address's 32 bits (192.0.2.1 = 0xC0000201) when p[0, n) is a
 * canonical dotted quad (no leading zeros) */
int ms_ipv4_parse(const char *p, size_t n, uint32_t *addr);

/*
 * Parse a namaddr at the start of s, ending at s.n or at one of the
 * terminators in `stop` following ']' / ']:port'.  Returns the number of bytes
 * consumed (through ']' or the port), 0 if s does not start with a valid
 * namaddr.  name may be empty ("[1.2.3.4]:25" postscreen form).
 */
size_t ms_namaddr_parse(ms_sv s, ms_sv *name, ms_sv *ip, long *port);

/*
 * Like ms_namaddr_parse but the namaddr is the whole of s, which may
 * contain ']' in the name (split on the last ']').
 */
int ms_namaddr_whole(ms_sv s, ms_sv *name, ms_sv *ip, long *port);

#endif
