/* SPDX-License-Identifier: MIT */
/*
 * blocklist.h - addresses to block (docs/reports.md "blocklist").
 * ms_blocklist() returns a table the caller frees (ms_table_free), or NULL
 * with err set; csv/json go through the table writers, plain/nft/ipset
 * through ms_blocklist_render().
 */
#ifndef MS_BLOCKLIST_H
#define MS_BLOCKLIST_H

#include <stdio.h>
#include "report.h"

typedef struct {
	int min_failures;       /* listed with at least this many failures (default 1) */
	int use_findings;       /* also list addresses of attack findings (default 1) */
	int exclude_succeeded;  /* drop addresses that ever logged in (in range) */
	int include_local;      /* also list loopback, private and link-local addresses (default 0) */
	int local_left_out;     /* out: how many such addresses were left out */
	int nonunicast_left_out; /* out: multicast, broadcast, reserved, 0.0.0.0/8 or :: addresses left out (always) */
} ms_block_opts;

/* 1 for an address no firewall of the server should block by default:
 * loopback (127/8, ::1), unspecified, RFC 1918 private (10/8, 172.16/12,
 * 192.168/16), link-local (169.254/16, fe80::/10), unique local (fc00::/7) */
int ms_block_is_local(const char *ip);

typedef enum { MS_BL_PLAIN, MS_BL_NFT, MS_BL_IPSET } ms_block_format;

ms_table *ms_blocklist(const ms_query *q, ms_block_opts *o, char *err, size_t errlen);
/* header: one line for the comment at the top of nft/ipset output */
void ms_blocklist_render(const ms_table *t, ms_block_format fmt, FILE *f, const char *header);
int ms_block_format_parse(const char *s, ms_block_format *out);

#endif
