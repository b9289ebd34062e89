/* SPDX-License-Identifier: MIT */
/* cmd_analyze.c - mailsleuth analyze [--db FILE] FILE...: ingest, then the incident summary. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "../ingest/ingest.h"
#include "../report/report.h"
#include "../report/escape.h"
#include "../report/findings.h"
#include "../store/store.h"

enum { O_DB = 'd', O_YEAR = 'y', O_TZ = 'z', O_VERBOSE = 'v', O_QUIET = 'q', O_HELP = 'h', O_TOP = 'n',
       O_NOSORT = 1000, O_REJECTS, O_PLESKWIN };

static const ms_optdef opts[] = {
	{ { "db", required_argument, NULL, O_DB }, "FILE", "keep the database in FILE (default: a temporary one)" },
	{ { "year", required_argument, NULL, O_YEAR }, "YEAR", "year of the first line of a log without years" },
	{ { "tz", required_argument, NULL, O_TZ }, "ZONE", "time zone of the logs and of printed times (default: TZ)" },
	{ { "top", required_argument, NULL, O_TOP }, "N", "rows per table (default 10, 0: all)" },
	{ { "no-sort", no_argument, NULL, O_NOSORT }, NULL, "keep the files in the order given" },
	{ { "rejects", required_argument, NULL, O_REJECTS }, "FILE", "write unrecognised lines to FILE" },
	{ { "plesk-window", required_argument, NULL, O_PLESKWIN }, "SECS", "max delay of a plesk_saslauthd line after its failure (90)" },
	{ { "verbose", no_argument, NULL, O_VERBOSE }, NULL, "say which files are read, in which order, and where the time went" },
	{ { "quiet", no_argument, NULL, O_QUIET }, NULL, "no progress display, no notices (warnings and errors only)" },
	{ { "help", no_argument, NULL, O_HELP }, NULL, "show this help" },
};
#define NOPTS ((int)(sizeof opts / sizeof opts[0]))

int ms_parse_ingest_opt(ms_cli *cli, int c, const char *arg, ms_ingest_cli *ic);

static int64_t scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* the n integer columns of sql's first row into v (0 where there is none) */
static void scalars(sqlite3 *db, const char *sql, int64_t *v, int n)
{
	sqlite3_stmt *st;
	for (int i = 0; i < n; i++)
		v[i] = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW)
		for (int i = 0; i < n && i < sqlite3_column_count(st); i++)
			v[i] = sqlite3_column_int64(st, i);
	sqlite3_finalize(st);
}

static void heading(ms_cli *cli, const char *t)
{
	if (cli->color)
		fprintf(cli->out, "\n\033[1m%s\033[0m\n", t);
	else
		fprintf(cli->out, "\n%s\n", t);
}

/*
 * A small time histogram of failures (#) and successes (+): the window is the
 * smallest of 10m, 1h, 6h, 1d, 1w that gives at most 24 buckets.
 */
static void histogram(ms_cli *cli, sqlite3 *db, const ms_query *q0)
{
	static const int64_t windows[] = { 600, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400 };
	static const char *const names[] = { "10 minutes", "hour", "6 hours", "day", "week", "30 days" };
	char err[256], when[40];
	int64_t lo = scalar(db, "SELECT min(ts) FROM auth_events WHERE kind IN (1, 4)");
	int64_t hi = scalar(db, "SELECT max(ts) FROM auth_events WHERE kind IN (1, 4)");
	size_t wi = 0;
	while (wi + 1 < sizeof windows / sizeof windows[0] && (hi - lo) / windows[wi] >= 24)
		wi++;
	ms_query q = *q0;
	q.window = (int)windows[wi];
	ms_table *t = ms_report_by_window(&q, err, sizeof err);
	if (!t)
		return;
	int64_t max = 1;
	for (int r = 0; r < t->nrows; r++) {
		int64_t v = ms_table_cell(t, r, 3)->i + ms_table_cell(t, r, 4)->i;
		if (v > max)
			max = v;
	}
	char title[80];
	snprintf(title, sizeof title, "Activity per %s (# failures, + successes)", names[wi]);
	heading(cli, title);
	for (int r = 0; r < t->nrows && r < 40; r++) {
		int64_t f = ms_table_cell(t, r, 3)->i, ok = ms_table_cell(t, r, 4)->i;
		int nf = (int)((f * 40 + max - 1) / max), nok = (int)((ok * 40 + max - 1) / max);
		ms_fmt_time(ms_table_cell(t, r, 0)->i, when, sizeof when);
		when[16] = 0; /* YYYY-MM-DDThh:mm */
		when[10] = ' ';
		fprintf(cli->out, "  %s %6lld %4lld ", when, (long long)f, (long long)ok);
		for (int i = 0; i < nf; i++)
			fputc('#', cli->out);
		for (int i = 0; i < nok; i++)
			fputc('+', cli->out);
		fputc('\n', cli->out);
	}
	if (t->nrows > 40)
		fprintf(cli->out, "  ... %d more buckets (mailsleuth report --by window)\n", t->nrows - 40);
	ms_table_free(t);
}

static void summary(ms_cli *cli, sqlite3 *db, int top, int temp)
{
	char err[256];
	ms_query q;
	ms_render_opts ro;
	ms_table *t;
	FILE *o = cli->out;
	memset(&q, 0, sizeof q);
	q.db = db;
	q.now = cli->now;
	memset(&ro, 0, sizeof ro);
	ro.color = cli->color;
	ro.limit = top;
	ro.generated_at = cli->now;
	ro.more_hint = temp ? "use --top N, or --db FILE and then mailsleuth report --db FILE"
			    : "use --top N, or mailsleuth report with this --db";

	heading(cli, "Input");
	t = ms_report_sources(&q, err, sizeof err);
	if (t) {
		ms_table_render(t, MS_FMT_TEXT, o, &ro);
		ms_table_free(t);
	}
	int64_t unrec = scalar(db, "SELECT coalesce(sum(lines),0) FROM unrecognised");
	if (unrec) {
		t = ms_report_unrecognised(&q, err, sizeof err);
		if (t) {
			fprintf(o, "  unrecognised lines by program (see --rejects FILE):\n");
			ro.limit = 5;
			ms_table_render(t, MS_FMT_TEXT, o, &ro);
			ro.limit = top;
			ms_table_free(t);
		}
	}
	int64_t loss[2];
	scalars(db, "SELECT count(*), coalesce(sum(lost), 0) FROM log_loss", loss, 2);
	if (loss[0]) {
		t = ms_report_log_loss(&q, err, sizeof err);
		if (t) {
			fprintf(o, "  the syslog daemon dropped lines (report --by loss): counts near them are lower\n"
				   "  bounds, and a user name joined by time after a loss may be another failure's;\n"
				   "  %lld notices, %lld lines said:\n",
				(long long)loss[0], (long long)loss[1]);
			ro.limit = 5;
			ms_table_render(t, MS_FMT_TEXT, o, &ro);
			ro.limit = top;
			ms_table_free(t);
		}
	}

	heading(cli, "Findings");
	{
		ms_find_opts fo;
		ms_findings fs;
		ms_frender_opts fro;
		ms_find_opts_default(&fo);
		if (ms_findings_run(&q, &fo, &fs, err, sizeof err) == 0) {
			memset(&fro, 0, sizeof fro);
			fro.color = cli->color;
			fro.limit = top;
			fro.generated_at = cli->now;
			fro.more_hint = temp ? "use --top N, or --db FILE and then mailsleuth findings --db FILE"
					     : "use --top N, or mailsleuth findings with this --db";
			ms_findings_render(&fs, MS_FMT_TEXT, o, &fro);
			ms_findings_free(&fs);
		} else {
			fprintf(o, "  (findings failed: %s)\n", err);
		}
	}

	heading(cli, "Summary");
	/* one scan of each table (six of sessions took 0.4 s on the 1 GB benchmark database) */
	int64_t sv[6], av[6];
	scalars(db, "SELECT coalesce(sum(orphan = 0), 0), coalesce(sum(orphan = 1), 0), coalesce(sum(state = 2), 0),"
		    " coalesce(sum(state = 0), 0), count(tls_id), coalesce(sum(auth_decoded), 0) FROM sessions",
		sv, 6);
	scalars(db, "SELECT coalesce(sum(kind = 1), 0), coalesce(sum(kind = 2), 0), coalesce(sum(kind = 4), 0),"
		    " count(DISTINCT CASE WHEN kind = 1 THEN ip_id END),"
		    " count(DISTINCT CASE WHEN kind = 1 THEN account_id END), coalesce(sum(account_src = 3), 0)"
		    " FROM auth_events",
		av, 6);
	int64_t sess = sv[0], orph = sv[1], unterm = sv[2], open = sv[3], tls = sv[4], dec = sv[5];
	int64_t fails = av[0], errs = av[1], oks = av[2], ips = av[3], accts = av[4], inferred = av[5];
	/* Dovecot logs one attempt twice (its auth process: 0 attempts; its login process: N),
	 * either may be missing: the larger of the two per (account, address), so that
	 * failures of two addresses naming no account stay two (as report --by account) */
	int64_t backend = scalar(db, "SELECT coalesce(sum(n), 0) FROM (SELECT sum(CASE WHEN d THEN 0 ELSE attempts END)"
				     " + max(sum(d AND attempts = 0), sum(CASE WHEN d AND attempts > 0 THEN attempts ELSE 0 END)) n"
				     " FROM (SELECT account_id, ip_id, attempts, coalesce(backend_id = (SELECT id FROM strings WHERE s = 'dovecot'), 0) d"
				     " FROM backend_events WHERE fail = 1) GROUP BY account_id, ip_id)");
	fprintf(o, "  smtpd sessions      %lld", (long long)sess);
	if (orph || unterm || open)
		fprintf(o, "  (+%lld orphan; %lld unterminated; %lld still open)", (long long)orph, (long long)unterm,
			(long long)open);
	fprintf(o, "\n  TLS sessions        %lld\n", (long long)tls);
	fprintf(o, "  auth failures       %lld from %lld addresses on %lld known accounts\n", (long long)fails,
		(long long)ips, (long long)accts);
	if (errs)
		fprintf(o, "  auth server errors  %lld (the server's fault, not counted as attacks)\n", (long long)errs);
	fprintf(o, "  auth successes      %lld\n", (long long)oks);
	if (inferred)
		fprintf(o, "  user names inferred %lld (plesk_saslauthd/saslauthd/Dovecot lines joined by time)\n",
			(long long)inferred);
	if (backend)
		fprintf(o, "  back-end failures   %lld not tied to an smtpd session\n", (long long)backend);
	if (dec)
		fprintf(o, "  decoded AUTH        %lld attempts read from TLS-debug lines: this log contains "
			   "credentials\n", (long long)dec);

	heading(cli, "Top attacking addresses");
	t = ms_report_by_ip(&q, err, sizeof err);
	if (t) {
		/* only addresses with failures */
		int keep = 0;
		for (int r = 0; r < t->nrows; r++)
			if (ms_table_cell(t, r, 2)->i > 0)
				keep = r + 1;
		int saved = t->nrows;
		t->nrows = keep;
		ms_table_render(t, MS_FMT_TEXT, o, &ro);
		t->nrows = saved;
		ms_table_free(t);
	}
	heading(cli, "Accounts");
	t = ms_report_by_account(&q, err, sizeof err);
	if (t) {
		ms_table_render(t, MS_FMT_TEXT, o, &ro);
		ms_table_free(t);
	}
	heading(cli, "Successful logins after failures");
	t = ms_report_success_after_failure(&q, err, sizeof err);
	if (t) {
		ms_table_render(t, MS_FMT_TEXT, o, &ro);
		ms_table_free(t);
	}
	if (tls) {
		heading(cli, "TLS ciphers");
		t = ms_report_by_cipher(&q, err, sizeof err);
		if (t) {
			ms_table_render(t, MS_FMT_TEXT, o, &ro);
			ms_table_free(t);
		}
	}
	if (fails || oks)
		histogram(cli, db, &q);
}

/*
 * The temporary database holds user names and password HMACs: a Ctrl-C, a
 * kill or a hang-up must not leave it (and its journal) in TMPDIR.  A signal
 * handler can only reach its paths through a file-scope variable (set once,
 * before the ingest starts, then only read); unlink() is async-signal-safe.
 */
static char rm_db[4096], rm_journal[4200];

static void on_signal(int sig)
{
	unlink(rm_db);
	unlink(rm_journal);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void remove_on_signal(const char *db)
{
	struct sigaction sa;
	snprintf(rm_db, sizeof rm_db, "%s", db);
	snprintf(rm_journal, sizeof rm_journal, "%s-journal", db);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

int cmd_analyze(ms_cli *cli, int argc, char **argv)
{
	struct option longs[NOPTS + 1];
	char shorts[64], tmpl[4096];
	ms_ingest_cli ic;
	int c, top = 10, rc;
	const char *db;
	int temp = 0;
	memset(&ic, 0, sizeof ic);
	ms_opts_build(opts, NOPTS, longs, shorts, sizeof shorts);
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == O_HELP) {
			ms_opts_help(cli->out, "mailsleuth analyze [options] FILE|DIR|ARCHIVE|- ...",
				     "Ingest the logs (into a temporary database unless --db) and print a short\n"
				     "incident summary: inputs, attacks, accounts, and logins after failures.",
				     opts, NOPTS);
			return MS_EXIT_OK;
		}
		if (c == O_TOP) {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 0 || v > 100000) {
				ms_err(cli, "--top: expected a number of rows from 0 (all) to 100000, got '%s'", optarg);
				return MS_EXIT_USAGE;
			}
			top = (int)v;
			continue;
		}
		int r = c == '?' ? -1 : ms_parse_ingest_opt(cli, c, optarg, &ic);
		if (r != 0)
			return MS_EXIT_USAGE;
	}
	if (optind >= argc) {
		ms_err(cli, "analyze: no input files (use - for standard input)");
		return MS_EXIT_USAGE;
	}
	db = ic.db;
	if (!db) {
		const char *td = getenv("TMPDIR");
		snprintf(tmpl, sizeof tmpl, "%s/mailsleuth-XXXXXX", td && *td ? td : "/tmp");
		int fd = mkstemp(tmpl);
		if (fd < 0) {
			ms_err(cli, "cannot create a temporary database: %s", strerror(errno));
			return MS_EXIT_DB;
		}
		close(fd);
		db = tmpl;
		temp = 1;
		ic.final = 1;
		remove_on_signal(tmpl);
	}
	rc = ms_run_ingest(cli, db, &ic, argv + optind, argc - optind, NULL);
	if (rc != MS_EXIT_DB) {
		ms_store *st = ms_open_read(cli, db);
		if (!st) {
			rc = MS_EXIT_DB;
		} else {
			summary(cli, ms_store_db(st), top, temp);
			ms_store_close(st);
		}
	}
	if (cli->rejects_failed)
		rc = MS_EXIT_DB;
	if (temp) {
		unlink(db);
		char j[4200];
		snprintf(j, sizeof j, "%s-journal", db);
		unlink(j);
	}
	return rc;
}
