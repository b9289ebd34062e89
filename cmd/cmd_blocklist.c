/* SPDX-License-Identifier: MIT */
/* cmd_blocklist.c - mailsleuth blocklist [--format plain|nft|ipset|csv|json] [--min-failures N] ... */
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "../report/blocklist.h"
#include "../store/store.h"

enum { O_DB = 'd', O_FORMAT = 'f', O_SINCE = 's', O_UNTIL = 'u', O_TZ = 'z', O_HELP = 'h', O_MIN = 'm',
       O_EXCL = 1000, O_NOFIND, O_LOCAL };

static const ms_optdef opts[] = {
	{ { "db", required_argument, NULL, O_DB }, "FILE", "database file (default ./mailsleuth.db)" },
	{ { "format", required_argument, NULL, O_FORMAT }, "FMT", "plain | nft | ipset | csv | json (default plain)" },
	{ { "min-failures", required_argument, NULL, O_MIN }, "N", "list addresses with at least N auth failures (default 1)" },
	{ { "since", required_argument, NULL, O_SINCE }, "TIME", "only failures at or after TIME (RFC 3339, YYYY-MM-DD, or 1h/7d ago)" },
	{ { "until", required_argument, NULL, O_UNTIL }, "TIME", "only failures before TIME" },
	{ { "exclude-succeeded", no_argument, NULL, O_EXCL }, NULL, "leave out addresses that also logged in successfully" },
	{ { "no-findings", no_argument, NULL, O_NOFIND }, NULL, "do not add addresses of attack findings below --min-failures" },
	{ { "include-local", no_argument, NULL, O_LOCAL }, NULL,
	  "also list loopback, private (RFC 1918, fc00::/7) and link-local addresses" },
	{ { "tz", required_argument, NULL, O_TZ }, "ZONE", "time zone for csv/json times (default: TZ)" },
	{ { "help", no_argument, NULL, O_HELP }, NULL, "show this help" },
};
#define NOPTS ((int)(sizeof opts / sizeof opts[0]))

int cmd_blocklist(ms_cli *cli, int argc, char **argv)
{
	struct option longs[NOPTS + 1];
	char shorts[64], err[512];
	const char *db = "mailsleuth.db";
	ms_block_opts bo = { .min_failures = 1, .use_findings = 1 };
	ms_block_format bf = MS_BL_PLAIN;
	ms_format tf = MS_FMT_CSV;
	int table_fmt = 0, c;
	ms_query q;
	memset(&q, 0, sizeof q);
	q.now = cli->now;
	ms_opts_build(opts, NOPTS, longs, shorts, sizeof shorts);
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		switch (c) {
		case O_HELP:
			ms_opts_help(cli->out, "mailsleuth blocklist [options]",
				     "Addresses to block: every address with at least --min-failures SMTP AUTH\n"
				     "failures, or taking part in an attack finding of medium or high confidence\n"
				     "(an address that never failed, or also logged in, only when such a\n"
				     "finding names it;\n"
				     "loopback and private ones only with --include-local).\nnft and ipset output keep IPv4 and IPv6 in separate sets.", opts, NOPTS);
			return MS_EXIT_OK;
		case O_DB: db = optarg; break;
		case O_FORMAT:
			if (!strcmp(optarg, "csv") || !strcmp(optarg, "json")) {
				table_fmt = 1;
				tf = !strcmp(optarg, "csv") ? MS_FMT_CSV : MS_FMT_JSON;
			} else if (ms_block_format_parse(optarg, &bf) != 0) {
				ms_err(cli, "--format: expected plain, nft, ipset, csv or json, got '%s'", optarg);
				return MS_EXIT_USAGE;
			}
			break;
		case O_MIN: {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 1 || v > 1000000000) {
				ms_err(cli, "--min-failures: expected a number of at least 1, got '%s'", optarg);
				return MS_EXIT_USAGE;
			}
			bo.min_failures = (int)v;
			break;
		}
		case O_SINCE:
			if (ms_opt_time(cli, "since", optarg, &q.since))
				return MS_EXIT_USAGE;
			break;
		case O_UNTIL:
			if (ms_opt_time(cli, "until", optarg, &q.until))
				return MS_EXIT_USAGE;
			break;
		case O_TZ:
			if (ms_opt_tz(cli, optarg))
				return MS_EXIT_USAGE;
			break;
		case O_EXCL: bo.exclude_succeeded = 1; break;
		case O_NOFIND: bo.use_findings = 0; break;
		case O_LOCAL: bo.include_local = 1; break;
		default:
			return MS_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		ms_err(cli, "blocklist: unexpected argument '%s'", argv[optind]);
		return MS_EXIT_USAGE;
	}
	if (ms_opt_range(cli, q.since, q.until))
		return MS_EXIT_USAGE;
	ms_store *st = ms_open_read(cli, db);
	if (!st)
		return MS_EXIT_DB;
	q.db = ms_store_db(st);
	ms_table *t = ms_blocklist(&q, &bo, err, sizeof err);
	if (!t) {
		ms_err(cli, "%s", err);
		ms_store_close(st);
		return MS_EXIT_DB;
	}
	if (bo.nonunicast_left_out)
		fprintf(cli->err, "mailsleuth: left out %d multicast, broadcast or reserved address%s (no client connects from %s)\n",
			bo.nonunicast_left_out, bo.nonunicast_left_out == 1 ? "" : "es",
			bo.nonunicast_left_out == 1 ? "it" : "them");
	if (bo.local_left_out)
		fprintf(cli->err, "mailsleuth: left out %d loopback, private or link-local address%s (--include-local lists %s)\n",
			bo.local_left_out, bo.local_left_out == 1 ? "" : "es", bo.local_left_out == 1 ? "it" : "them");
	if (table_fmt) {
		ms_render_opts ro;
		memset(&ro, 0, sizeof ro);
		ro.generated_at = cli->now;
		ro.extra_json = "\"report\":\"blocklist\"";
		ms_table_render(t, tf, cli->out, &ro);
	} else {
		char hdr[256], tb[64];
		ms_fmt_time(cli->now, tb, sizeof tb);
		snprintf(hdr, sizeof hdr, "mailsleuth blocklist generated %s: addresses with >= %d auth failures%s%s", tb,
			 bo.min_failures, bo.use_findings ? " or in attack findings" : "",
			 bo.exclude_succeeded ? ", none that logged in" : "");
		ms_blocklist_render(t, bf, cli->out, hdr);
	}
	ms_table_free(t);
	ms_store_close(st);
	return ferror(cli->out) ? MS_EXIT_DB : MS_EXIT_OK;
}
