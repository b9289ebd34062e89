/* SPDX-License-Identifier: MIT */
/* cmd_export.c - mailsleuth export [--db FILE] [--since T] [--until T] [--format ndjson|json] */
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "../report/export.h"
#include "../store/store.h"

enum { O_DB = 'd', O_FORMAT = 'f', O_SINCE = 's', O_UNTIL = 'u', O_TZ = 'z', O_HELP = 'h',
       O_NOSESS = 1000, O_NOFIND };

static const ms_optdef opts[] = {
	{ { "db", required_argument, NULL, O_DB }, "FILE", "database file (default ./mailsleuth.db)" },
	{ { "format", required_argument, NULL, O_FORMAT }, "FMT", "ndjson (one event per line, default) | json (one document)" },
	{ { "since", required_argument, NULL, O_SINCE }, "TIME", "only events at or after TIME (RFC 3339, YYYY-MM-DD, or 1h/7d ago)" },
	{ { "until", required_argument, NULL, O_UNTIL }, "TIME", "only events before TIME" },
	{ { "tz", required_argument, NULL, O_TZ }, "ZONE", "time zone of generated_at (@timestamp, event.start and event.end are UTC)" },
	{ { "no-sessions", no_argument, NULL, O_NOSESS }, NULL, "only auth events (and findings), no smtp-session events" },
	{ { "no-findings", no_argument, NULL, O_NOFIND }, NULL, "do not append findings (event.kind alert)" },
	{ { "help", no_argument, NULL, O_HELP }, NULL, "show this help" },
};
#define NOPTS ((int)(sizeof opts / sizeof opts[0]))

int cmd_export(ms_cli *cli, int argc, char **argv)
{
	struct option longs[NOPTS + 1];
	char shorts[64], err[512];
	const char *db = "mailsleuth.db";
	ms_export_opts eo;
	ms_query q;
	int c;
	memset(&q, 0, sizeof q);
	memset(&eo, 0, sizeof eo);
	q.now = cli->now;
	eo.sessions = eo.findings = 1;
	eo.generated_at = cli->now;
	ms_opts_build(opts, NOPTS, longs, shorts, sizeof shorts);
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		switch (c) {
		case O_HELP:
			ms_opts_help(cli->out, "mailsleuth export [options]",
				     "Stream every SMTP session and AUTH event, then every finding, as Elastic Common\n"
				     "Schema events for a SIEM (Elasticsearch/OpenSearch, Splunk, Loki). Fields and\n"
				     "the ECS mapping: docs/reports.md.", opts, NOPTS);
			return MS_EXIT_OK;
		case O_DB: db = optarg; break;
		case O_FORMAT:
			if (!strcmp(optarg, "ndjson"))
				eo.json = 0;
			else if (!strcmp(optarg, "json"))
				eo.json = 1;
			else {
				ms_err(cli, "--format: expected ndjson or json, got '%s'", optarg);
				return MS_EXIT_USAGE;
			}
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
		case O_NOSESS: eo.sessions = 0; break;
		case O_NOFIND: eo.findings = 0; break;
		default:
			return MS_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		ms_err(cli, "export: unexpected argument '%s'", argv[optind]);
		return MS_EXIT_USAGE;
	}
	if (ms_opt_range(cli, q.since, q.until))
		return MS_EXIT_USAGE;
	ms_store *st = ms_open_read(cli, db);
	if (!st)
		return MS_EXIT_DB;
	q.db = ms_store_db(st);
	int rc = ms_export(&q, &eo, cli->out, err, sizeof err);
	if (rc != 0)
		ms_err(cli, "%s", err);
	ms_store_close(st);
	return rc != 0 || ferror(cli->out) ? MS_EXIT_DB : MS_EXIT_OK;
}
