/* SPDX-License-Identifier: MIT */
/* cmd_sessions.c - mailsleuth sessions --ip IP | --account USER | --id N [--lines] */
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "../parser/addr.h"
#include "../report/timeline.h"
#include "../store/store.h"
#include "../util/utf8case.h"

enum { O_DB = 'd', O_IP = 'i', O_ACCT = 'a', O_ID = 'I', O_LINES = 'l', O_TOP = 'n', O_SINCE = 's', O_UNTIL = 'u',
       O_TZ = 'z', O_HELP = 'h', O_FORMAT = 'f' };

static const ms_optdef opts[] = {
	{ { "ip", required_argument, NULL, O_IP }, "IP", "sessions from this client address" },
	{ { "account", required_argument, NULL, O_ACCT }, "USER", "sessions with an AUTH (failed or not) naming this account" },
	{ { "id", required_argument, NULL, O_ID }, "N", "the session with this id (as in findings evidence and export)" },
	{ { "lines", no_argument, NULL, O_LINES }, NULL, "also print the original log lines, re-read from the ingested file" },
	{ { "format", required_argument, NULL, O_FORMAT }, "FMT", "text | json (default text)" },
	{ { "db", required_argument, NULL, O_DB }, "FILE", "database file (default ./mailsleuth.db)" },
	{ { "top", required_argument, NULL, O_TOP }, "N", "at most N sessions (default 50, 0 = all)" },
	{ { "since", required_argument, NULL, O_SINCE }, "TIME", "only sessions that began at or after TIME" },
	{ { "until", required_argument, NULL, O_UNTIL }, "TIME", "only sessions that began before TIME" },
	{ { "tz", required_argument, NULL, O_TZ }, "ZONE", "time zone for printed times (default: TZ)" },
	{ { "help", no_argument, NULL, O_HELP }, NULL, "show this help" },
};
#define NOPTS ((int)(sizeof opts / sizeof opts[0]))

int cmd_sessions(ms_cli *cli, int argc, char **argv)
{
	struct option longs[NOPTS + 1];
	char shorts[64], err[512];
	const char *db = "mailsleuth.db";
	ms_timeline_opts to;
	char ipbuf[64];
	ms_query q;
	int c;
	memset(&q, 0, sizeof q);
	memset(&to, 0, sizeof to);
	to.limit = 50;
	q.now = cli->now;
	ms_opts_build(opts, NOPTS, longs, shorts, sizeof shorts);
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		switch (c) {
		case O_HELP:
			ms_opts_help(cli->out, "mailsleuth sessions --ip IP | --account USER | --id N [options]",
				     "The forensic timeline of reconstructed SMTP sessions: connect, TLS, each AUTH\n"
				     "attempt with the user name and how it was learned, messages, rejects and the\n"
				     "disconnect counters. --lines adds the original log lines as evidence; AUTH data\n"
				     "in TLS-debug Read/Write lines is redacted and passwords are never printed.",
				     opts, NOPTS);
			return MS_EXIT_OK;
		case O_DB: db = optarg; break;
		case O_IP: /* stored in one text per address ("::ffff:a.b.c.d" as a.b.c.d) */
			if (!ms_ip_canon(ms_sv_make(optarg, strlen(optarg)), ipbuf, sizeof ipbuf)) {
				ms_err(cli, "--ip: not an IPv4 or IPv6 address: '%s'", optarg);
				return MS_EXIT_USAGE;
			}
			to.ip = ipbuf;
			break;
		case O_ACCT: to.account = optarg; break;
		case O_LINES: to.lines = 1; break;
		case O_FORMAT:
			if (!strcmp(optarg, "json") || !strcmp(optarg, "text")) {
				to.json = !strcmp(optarg, "json");
				break;
			}
			ms_err(cli, "--format: expected text or json, got '%s'", optarg);
			return MS_EXIT_USAGE;
		case O_ID:
		case O_TOP: {
			char *end;
			long long v = strtoll(optarg, &end, 10);
			if (*end || end == optarg || v < (c == O_ID ? 1 : 0) || v > 1000000000000LL) {
				ms_err(cli, "--%s: expected a number, got '%s'", c == O_ID ? "id" : "top", optarg);
				return MS_EXIT_USAGE;
			}
			if (c == O_ID)
				to.id = v;
			else
				to.limit = (int)(v > 100000000 ? 100000000 : v);
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
		default:
			return MS_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		ms_err(cli, "sessions: unexpected argument '%s'", argv[optind]);
		return MS_EXIT_USAGE;
	}
	if (ms_opt_range(cli, q.since, q.until))
		return MS_EXIT_USAGE;
	if (!to.ip && !to.account && !to.id) {
		ms_err(cli, "sessions: say which: --ip IP, --account USER or --id N");
		return MS_EXIT_USAGE;
	}
	if (!!to.ip + !!to.account + !!to.id > 1) {
		ms_err(cli, "sessions: --ip, --account and --id are alternatives: give one");
		return MS_EXIT_USAGE;
	}
	/* accounts are stored with the domain lower-cased (semantics.md): look the
	 * name up the same way, Info@Example.COM as Info@example.com */
	char acct[512];
	if (to.account) {
		ms_account_fold(to.account, SIZE_MAX, acct, sizeof acct);
		to.account = acct;
	}
	ms_store *st = ms_open_read(cli, db);
	if (!st)
		return MS_EXIT_DB;
	q.db = ms_store_db(st);
	int n = ms_timeline(&q, &to, cli->out, err, sizeof err);
	if (n < 0)
		ms_err(cli, "%s", err);
	ms_store_close(st);
	return n < 0 || ferror(cli->out) ? MS_EXIT_DB : MS_EXIT_OK;
}
