/* SPDX-License-Identifier: MIT */
/* cmd_report.c - mailsleuth report --by ip|account|... [--format F] [--db FILE] */
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "../report/report.h"
#include "../report/findings.h"
#include "../report/html.h"
#include "../store/store.h"

enum { O_DB = 'd', O_BY = 'b', O_FORMAT = 'f', O_TOP = 'n', O_SINCE = 's', O_UNTIL = 'u', O_TZ = 'z', O_HELP = 'h',
       O_WINDOW = 'w', O_ALL = 'A' };

static const ms_optdef opts[] = {
	{ { "by", required_argument, NULL, O_BY }, "KIND", "ip | account | cipher | window | logins (successes after failures) | sources | unrecognised | loss (lines the syslog daemon dropped)" },
	{ { "window", required_argument, NULL, O_WINDOW }, "DUR", "--by window: bucket length, e.g. 10m, 1h, 1d (default 1h)" },
	{ { "all", no_argument, NULL, O_ALL }, NULL, "with --format html: findings and every report in one page" },
	{ { "db", required_argument, NULL, O_DB }, "FILE", "database file (default ./mailsleuth.db)" },
	{ { "format", required_argument, NULL, O_FORMAT }, "FMT", "text | json | ndjson | csv | html (default text)" },
	{ { "top", required_argument, NULL, O_TOP }, "N", "at most N rows (default: 20 in text, all otherwise)" },
	{ { "since", required_argument, NULL, O_SINCE }, "TIME", "only events at or after TIME (RFC 3339, YYYY-MM-DD, or 24h/7d ago)" },
	{ { "until", required_argument, NULL, O_UNTIL }, "TIME", "only events before TIME" },
	{ { "tz", required_argument, NULL, O_TZ }, "ZONE", "time zone for printed times (default: TZ)" },
	{ { "help", no_argument, NULL, O_HELP }, NULL, "show this help" },
};
#define NOPTS ((int)(sizeof opts / sizeof opts[0]))

typedef struct {
	const char *name;
	ms_table *(*fn)(const ms_query *q, char *err, size_t errlen);
	const char *title;
} report_kind;

static const report_kind kinds[] = {
	{ "ip", ms_report_by_ip, "Clients by address" },
	{ "account", ms_report_by_account, "Accounts" },
	{ "cipher", ms_report_by_cipher, "TLS protocols and ciphers" },
	{ "window", ms_report_by_window, "Activity over time" },
	{ "logins", ms_report_success_after_failure, "Successful logins after failures" },
	{ "sources", ms_report_sources, "Inputs" },
	{ "unrecognised", ms_report_unrecognised, "Unrecognised lines by program" },
	{ "loss", ms_report_log_loss, "Lines the syslog daemon dropped" },
};

/* one kind as an HTML section: a chart where one helps, then the table */
static int html_kind(ms_cli *cli, const report_kind *k, ms_query *q, int limit, int section, char *err, size_t errlen)
{
	ms_table *t = k->fn(q, err, errlen);
	if (!t && !strcmp(k->name, "window") && !strncmp(err, "--", 2)) {
		/* too many buckets for the page: fall back to days, then weeks */
		int w = q->window;
		q->window = 86400;
		t = k->fn(q, err, errlen);
		if (!t) {
			q->window = 7 * 86400;
			t = k->fn(q, err, errlen);
		}
		q->window = w;
	}
	if (t && !strcmp(k->name, "window") && q->window == 0 && t->nrows > 400) {
		/* no --window: pick a bucket length that gives a readable chart */
		static const int steps[] = { 86400, 7 * 86400, 28 * 86400 };
		for (size_t i = 0; i < sizeof steps / sizeof steps[0] && t && t->nrows > 400; i++) {
			ms_table_free(t);
			q->window = steps[i];
			t = k->fn(q, err, errlen);
		}
		q->window = 0;
	}
	if (!t)
		return -1;
	if (section)
		ms_html_section(cli->out, k->title);
	if (!strcmp(k->name, "window"))
		ms_html_time_chart(cli->out, "Auth failures and successes over time", t);
	else if (!strcmp(k->name, "ip"))
		ms_html_hbar(cli->out, "Top attacking addresses by auth failures", t, "ip", "auth_failures", 15);
	else if (!strcmp(k->name, "account"))
		ms_html_hbar(cli->out, "Top targeted accounts by auth failures", t, "account", "auth_failures", 15);
	/* the window table lists every bucket: under the chart the page lists the
	 * busy ones only (its cells are numbers and times: rows copy shallowly) */
	if (!strcmp(k->name, "window")) {
		ms_table *b = ms_table_new(t->cols, t->ncols);
		int sc = ms_table_col(t, "sessions"), fc = ms_table_col(t, "auth_failures"),
		    oc = ms_table_col(t, "auth_successes");
		for (int r = 0; b && r < t->nrows; r++) {
			if (!ms_table_cell(t, r, sc)->i && !ms_table_cell(t, r, fc)->i && !ms_table_cell(t, r, oc)->i)
				continue;
			int nr = ms_table_add_row(b);
			if (nr < 0)
				break;
			memcpy(ms_table_cell(b, nr, 0), ms_table_cell(t, r, 0), (size_t)t->ncols * sizeof(ms_cell));
		}
		if (b) {
			fprintf(cli->out, "<p class=\"meta\">%d buckets; those with activity:</p>\n", t->nrows);
			ms_table_free(t);
			t = b;
		}
	}
	ms_table_render_html_fragment(t, cli->out, limit);
	if (limit > 0 && t->nrows > limit)
		fprintf(cli->out, "<p class=\"meta\">%d more rows: use --top N or --format json.</p>\n", t->nrows - limit);
	ms_table_free(t);
	return 0;
}

static int html_page(ms_cli *cli, const report_kind *k, ms_query *q, int limit, int all, char *err, size_t errlen)
{
	ms_html_begin(cli->out, all ? "mailsleuth report" : k->title, cli->now);
	if (all) {
		ms_findings fs;
		ms_find_opts fo;
		memset(&fs, 0, sizeof fs);
		ms_find_opts_default(&fo);
		if (ms_findings_run(q, &fo, &fs, err, errlen) != 0)
			return -1;
		ms_html_section(cli->out, "Findings");
		if (fs.n == 0)
			fputs("<p>No findings.</p>\n", cli->out);
		else
			ms_findings_html_fragment(&fs, cli->out, 0);
		ms_findings_free(&fs);
		static const char *const order[] = { "window", "ip", "account", "logins", "cipher", "sources", "unrecognised", "loss" };
		for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
			for (size_t j = 0; j < sizeof kinds / sizeof kinds[0]; j++)
				if (!strcmp(kinds[j].name, order[i]) && html_kind(cli, &kinds[j], q, limit, 1, err, errlen))
					return -1;
	} else if (html_kind(cli, k, q, limit, 0, err, errlen)) {
		return -1;
	}
	ms_html_end(cli->out);
	return 0;
}

int cmd_report(ms_cli *cli, int argc, char **argv)
{
	struct option longs[NOPTS + 1];
	char shorts[64], err[512];
	const char *db = "mailsleuth.db", *by = NULL;
	ms_format fmt = MS_FMT_TEXT;
	int top = -1, c, all = 0, window_set = 0;
	ms_query q;
	memset(&q, 0, sizeof q);
	q.now = cli->now;
	ms_opts_build(opts, NOPTS, longs, shorts, sizeof shorts);
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		switch (c) {
		case O_HELP:
			ms_opts_help(cli->out, "mailsleuth report --by KIND [options]",
				     "Print one report from the database. JSON is {\"generated_at\": ..., \"rows\": [...]};\n"
				     "fields are documented in docs/reports.md.", opts, NOPTS);
			return MS_EXIT_OK;
		case O_DB: db = optarg; break;
		case O_ALL: all = 1; break;
		case O_WINDOW: {
			int64_t w;
			if (ms_parse_duration(optarg, &w) != 0 || w < 60 || w > 366 * 86400) {
				ms_err(cli, "--window: expected a duration from 1m to 366d such as 10m, 1h or 1d, got '%s'", optarg);
				return MS_EXIT_USAGE;
			}
			q.window = (int)w;
			window_set = 1;
			break;
		}
		case O_BY: by = optarg; break;
		case O_FORMAT:
			if (ms_format_parse(optarg, &fmt) != 0) {
				ms_err(cli, "--format: expected text, json, ndjson, csv or html, got '%s'", optarg);
				return MS_EXIT_USAGE;
			}
			break;
		case O_TOP: {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 0 || v > 100000000) {
				ms_err(cli, "--top: expected a number, got '%s'", optarg);
				return MS_EXIT_USAGE;
			}
			top = (int)v;
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
		ms_err(cli, "report: unexpected argument '%s'", argv[optind]);
		return MS_EXIT_USAGE;
	}
	if (ms_opt_range(cli, q.since, q.until))
		return MS_EXIT_USAGE;
	if (all && fmt != MS_FMT_HTML) {
		ms_err(cli, "report: --all needs --format html");
		return MS_EXIT_USAGE;
	}
	if (all && !by)
		by = "ip";
	if (!by) {
		ms_err(cli, "report: --by is required (ip, account, cipher, window, logins, sources, unrecognised, loss)");
		return MS_EXIT_USAGE;
	}
	const report_kind *k = NULL;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strcmp(by, kinds[i].name))
			k = &kinds[i];
	if (!k) {
		ms_err(cli, "--by: unknown report '%s' (ip, account, cipher, window, logins, sources, unrecognised, loss)", by);
		return MS_EXIT_USAGE;
	}
	if (window_set && !all && strcmp(k->name, "window")) {
		ms_err(cli, "report: --window is the bucket of --by window (or of --all's window table)");
		return MS_EXIT_USAGE;
	}
	ms_store *st = ms_open_read(cli, db);
	if (!st)
		return MS_EXIT_DB;
	q.db = ms_store_db(st);
	if (fmt == MS_FMT_HTML) {
		int lim = top >= 0 ? top : (all || !strcmp(k->name, "window") ? 50 : 0);
		int hr = html_page(cli, k, &q, lim, all, err, sizeof err);
		if (hr)
			ms_err(cli, "%s", err);
		ms_store_close(st);
		if (hr)
			return !strncmp(err, "--", 2) ? MS_EXIT_USAGE : MS_EXIT_DB;
		return ferror(cli->out) ? MS_EXIT_DB : MS_EXIT_OK;
	}
	ms_table *t = k->fn(&q, err, sizeof err);
	if (!t) {
		ms_err(cli, "%s", err);
		ms_store_close(st);
		return !strncmp(err, "--", 2) ? MS_EXIT_USAGE : MS_EXIT_DB;
	}
	ms_render_opts ro;
	char extra[64];
	memset(&ro, 0, sizeof ro);
	ro.generated_at = cli->now;
	ro.color = cli->color;
	ro.limit = top >= 0 ? top : (fmt == MS_FMT_TEXT ? 20 : 0);
	if (top == 0)
		ro.limit = 0;
	ro.title = fmt == MS_FMT_TEXT ? NULL : k->title;
	snprintf(extra, sizeof extra, "\"report\":\"%s\"", k->name);
	ro.extra_json = extra;
	ms_table_render(t, fmt, cli->out, &ro);
	ms_table_free(t);
	ms_store_close(st);
	return ferror(cli->out) ? MS_EXIT_DB : MS_EXIT_OK;
}
