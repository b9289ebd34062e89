/* SPDX-License-Identifier: MIT */
/*
 * cmd_findings.c - mailsleuth findings [--since T] [--format F] [--min-severity S]
 * Exit status: 0 no finding at or above --min-severity, 1 at least one, 2 usage, 4 database.
 */
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "../report/findings.h"
#include "../store/store.h"

enum { O_DB = 'd', O_FORMAT = 'f', O_TOP = 'n', O_SINCE = 's', O_UNTIL = 'u', O_TZ = 'z', O_HELP = 'h',
       O_MINSEV = 1000, O_TYPE, O_BF, O_SPRAY, O_SPRAYPW, O_DIST, O_DISTMAX, O_ENUM, O_HIGH, O_NOLOW };

static const ms_optdef opts[] = {
	{ { "db", required_argument, NULL, O_DB }, "FILE", "database file (default ./mailsleuth.db)" },
	{ { "format", required_argument, NULL, O_FORMAT }, "FMT", "text | json | ndjson (ECS alerts) | csv | html (default text)" },
	{ { "since", required_argument, NULL, O_SINCE }, "TIME", "only events at or after TIME (RFC 3339, YYYY-MM-DD, or 1h/7d ago)" },
	{ { "until", required_argument, NULL, O_UNTIL }, "TIME", "only events before TIME" },
	{ { "min-severity", required_argument, NULL, O_MINSEV }, "SEV", "info | low | medium | high | critical (default low)" },
	{ { "type", required_argument, NULL, O_TYPE }, "TYPE", "only this type (repeatable): compromise, mailbox_access,\n"
		"credentials_in_log, password_spray, brute_force, distributed, user_enum, weak_tls" },
	{ { "top", required_argument, NULL, O_TOP }, "N", "print at most N findings (default and 0: all)" },
	{ { "tz", required_argument, NULL, O_TZ }, "ZONE", "time zone for printed times (default: TZ)" },
	{ { "brute-force-failures", required_argument, NULL, O_BF }, "N", "brute_force: failures from one address (10)" },
	{ { "spray-accounts", required_argument, NULL, O_SPRAY }, "N", "password_spray: accounts tried by one address (5)" },
	{ { "spray-password-accounts", required_argument, NULL, O_SPRAYPW }, "N", "password_spray: accounts one password failed on (3)" },
	{ { "distributed-ips", required_argument, NULL, O_DIST }, "N", "distributed: addresses failing on one account (5)" },
	{ { "distributed-ip-max", required_argument, NULL, O_DISTMAX }, "N", "distributed: each address below N failures (5)" },
	{ { "enum-accounts", required_argument, NULL, O_ENUM }, "N", "user_enum: nonexistent accounts tried by one address (5)" },
	{ { "compromise-failures", required_argument, NULL, O_HIGH }, "N", "compromise: failures before a login that make it high confidence (10)" },
	{ { "no-low-confidence", no_argument, NULL, O_NOLOW }, NULL, "drop low-confidence compromises (a typo, then a login)" },
	{ { "help", no_argument, NULL, O_HELP }, NULL, "show this help" },
};
#define NOPTS ((int)(sizeof opts / sizeof opts[0]))

static int num(ms_cli *cli, const char *name, const char *arg, int *out)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (*end || end == arg || v < 1 || v > 1000000000) {
		ms_err(cli, "--%s: expected a positive number, got '%s'", name, arg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int cmd_findings(ms_cli *cli, int argc, char **argv)
{
	struct option longs[NOPTS + 1];
	char shorts[64], err[512];
	const char *db = "mailsleuth.db";
	ms_format fmt = MS_FMT_TEXT;
	ms_severity minsev = MS_SEV_LOW;
	ms_find_opts fo;
	unsigned types = 0;
	int top = 0, c, idx;
	ms_query q;
	memset(&q, 0, sizeof q);
	q.now = cli->now;
	ms_find_opts_default(&fo);
	ms_opts_build(opts, NOPTS, longs, shorts, sizeof shorts);
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, longs, &idx)) != -1) {
		ms_ftype ft;
		switch (c) {
		case O_HELP:
			ms_opts_help(cli->out, "mailsleuth findings [options]",
				     "What happened, in words: compromises, attacks, weak TLS, credentials in the\n"
				     "log. Exit status 0: nothing at or above --min-severity; 1: findings; 2: usage;\n"
				     "4: database error. How each finding is decided: docs/findings.md.",
				     opts, NOPTS);
			return MS_EXIT_OK;
		case O_DB: db = optarg; break;
		case O_FORMAT:
			if (ms_format_parse(optarg, &fmt) != 0) {
				ms_err(cli, "--format: expected text, json, ndjson, csv or html, got '%s'", optarg);
				return MS_EXIT_USAGE;
			}
			break;
		case O_TOP: /* 0 (00, ...): all, as for report --top */
			if (strspn(optarg, "0") == strlen(optarg) && *optarg)
				top = 0;
			else if (num(cli, "top", optarg, &top))
				return MS_EXIT_USAGE;
			break;
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
		case O_MINSEV:
			if (ms_severity_parse(optarg, &minsev)) {
				ms_err(cli, "--min-severity: expected info, low, medium, high or critical, got '%s'", optarg);
				return MS_EXIT_USAGE;
			}
			break;
		case O_TYPE:
			if (ms_ftype_parse(optarg, &ft)) {
				ms_err(cli, "--type: unknown finding type '%s'", optarg);
				return MS_EXIT_USAGE;
			}
			types |= 1u << ft;
			break;
		case O_BF: if (num(cli, longs[idx].name, optarg, &fo.bf_failures)) return MS_EXIT_USAGE; break;
		case O_SPRAY: if (num(cli, longs[idx].name, optarg, &fo.spray_accounts)) return MS_EXIT_USAGE; break;
		case O_SPRAYPW: if (num(cli, longs[idx].name, optarg, &fo.spray_hash_accounts)) return MS_EXIT_USAGE; break;
		case O_DIST: if (num(cli, longs[idx].name, optarg, &fo.dist_ips)) return MS_EXIT_USAGE; break;
		case O_DISTMAX: if (num(cli, longs[idx].name, optarg, &fo.dist_ip_max)) return MS_EXIT_USAGE; break;
		case O_ENUM: if (num(cli, longs[idx].name, optarg, &fo.enum_accounts)) return MS_EXIT_USAGE; break;
		case O_HIGH: if (num(cli, longs[idx].name, optarg, &fo.high_failures)) return MS_EXIT_USAGE; break;
		case O_NOLOW: fo.include_low = 0; break;
		default:
			return MS_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		ms_err(cli, "findings: unexpected argument '%s'", argv[optind]);
		return MS_EXIT_USAGE;
	}
	if (ms_opt_range(cli, q.since, q.until))
		return MS_EXIT_USAGE;
	ms_store *st = ms_open_read(cli, db);
	if (!st)
		return MS_EXIT_DB;
	q.db = ms_store_db(st);
	ms_findings fs;
	if (types && !(types & (1u << MS_F_COMPROMISE)) && !(types & (1u << MS_F_MAILBOX_ACCESS)))
		fo.no_compromise = 1;
	if (ms_findings_run(&q, &fo, &fs, err, sizeof err)) {
		ms_err(cli, "%s", err);
		ms_store_close(st);
		return MS_EXIT_DB;
	}
	ms_findings_filter(&fs, minsev, types);
	ms_frender_opts ro;
	memset(&ro, 0, sizeof ro);
	ro.generated_at = cli->now;
	ro.color = cli->color;
	ro.limit = top;
	if (fmt == MS_FMT_TEXT)
		fprintf(cli->out, "%d finding%s\n\n", fs.n, fs.n == 1 ? "" : "s");
	ms_findings_render(&fs, fmt, cli->out, &ro);
	int n = fs.n;
	ms_findings_free(&fs);
	ms_store_close(st);
	if (ferror(cli->out))
		return MS_EXIT_DB;
	return n ? MS_EXIT_FINDINGS : MS_EXIT_OK;
}
