/* SPDX-License-Identifier: MIT */
/* cmd_ingest.c - mailsleuth ingest [--db FILE] FILE... */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli.h"
#include "../ingest/ingest.h"
#include "../report/escape.h"

enum { O_DB = 'd', O_YEAR = 'y', O_TZ = 'z', O_VERBOSE = 'v', O_QUIET = 'q', O_HELP = 'h',
       O_NOSORT = 1000, O_REJECTS, O_PLESKWIN };

static const ms_optdef opts[] = {
	{ { "db", required_argument, NULL, O_DB }, "FILE", "database file (default ./mailsleuth.db, created 0600)" },
	{ { "year", required_argument, NULL, O_YEAR }, "YEAR", "year of the first line of a log without years" },
	{ { "tz", required_argument, NULL, O_TZ }, "ZONE", "time zone of log times without an offset (default: TZ)" },
	{ { "no-sort", no_argument, NULL, O_NOSORT }, NULL, "keep the files in the order given (no rotation ordering)" },
	{ { "rejects", required_argument, NULL, O_REJECTS }, "FILE", "write unrecognised lines to FILE" },
	{ { "plesk-window", required_argument, NULL, O_PLESKWIN }, "SECS", "max delay of a plesk_saslauthd line after its failure (90)" },
	{ { "verbose", no_argument, NULL, O_VERBOSE }, NULL, "say which files are read, in which order, and where the time went" },
	{ { "quiet", no_argument, NULL, O_QUIET }, NULL, "no progress display, no notices (warnings and errors only)" },
	{ { "help", no_argument, NULL, O_HELP }, NULL, "show this help" },
};
#define NOPTS ((int)(sizeof opts / sizeof opts[0]))

typedef struct {
	ms_cli *cli;
	int quiet;
} report_ctx;

static void report_cb(void *ctx, int level, const char *msg)
{
	const report_ctx *rc = ctx;
	ms_cli *cli = rc->cli;
	if (rc->quiet && (level == 3 || level == 4))
		return; /* --quiet (cron mails any output): nothing that needs no action */
	/* the messages name files and archive members, whose names are anyone's:
	 * escaped as on stdout */
	if (level == 3) {
		fputs("\r\033[K", cli->err);
		ms_esc_text(cli->err, msg, strlen(msg));
		fflush(cli->err);
		return;
	}
	if (cli->err_tty)
		fputs("\r\033[K", cli->err);
	fprintf(cli->err, "%s: ", cli->prog);
	ms_esc_text(cli->err, msg, strlen(msg));
	fputc('\n', cli->err);
}

/* --rejects is opened for writing, which empties it: never the database
 * (or its journal) nor a file named as input.  Refused before anything is
 * opened.  Returns 0 when it may be written. */
static int rejects_clash(ms_cli *cli, const char *db, const char *rejects, char **files, int nfiles)
{
	static const char *const suffix[] = { "", "-journal", "-wal", "-shm" };
	char p[4096];
	for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
		snprintf(p, sizeof p, "%s%s", db, suffix[i]);
		if (ms_same_file(rejects, p)) {
			ms_err(cli, "--rejects %s is the database%s %s: name another file", rejects, *suffix[i] ? "'s file" : "", p);
			return -1;
		}
	}
	struct stat rs, fs, ls, ds;
	if (lstat(rejects, &ls) == 0 && S_ISLNK(ls.st_mode) && stat(rejects, &rs) != 0) {
		ms_err(cli, "--rejects %s is a link to nothing: name the file itself", rejects);
		return -1;
	}
	if (stat(rejects, &rs) != 0)
		return 0;
	/* the directory it is in (of the file a link names), to compare with
	 * the input directories */
	char *real = realpath(rejects, NULL);
	const char *rp = real ? real : rejects, *slash = strrchr(rp, '/');
	snprintf(p, sizeof p, "%.*s", slash ? (int)(slash - rp) + 1 : 1, slash ? rp : ".");
	free(real);
	int have_dir = stat(p, &ds) == 0;
	for (int i = 0; i < nfiles; i++) {
		if (!strcmp(files[i], "-") || stat(files[i], &fs) != 0)
			continue;
		if (!S_ISDIR(fs.st_mode) && fs.st_dev == rs.st_dev && fs.st_ino == rs.st_ino) {
			ms_err(cli, "--rejects %s is the input %s: writing it would empty it; name another file", rejects,
			       files[i]);
			return -1;
		}
		/* a file of an input directory that holds lines is one of its logs
		 * (this run's --rejects file is passed over, but an earlier run's
		 * under another name would be read): not emptied either */
		if (S_ISDIR(fs.st_mode) && have_dir && fs.st_dev == ds.st_dev && fs.st_ino == ds.st_ino &&
		    S_ISREG(rs.st_mode) && rs.st_size > 0) {
			ms_err(cli, "--rejects %s is a file of the input directory %s and not empty: writing it would "
				    "empty it; name a file outside the directories ingested",
			       rejects, files[i]);
			return -1;
		}
	}
	return 0;
}

int ms_run_ingest(ms_cli *cli, const char *db, const ms_ingest_cli *ic, char **files, int nfiles, void *result_out)
{
	char err[512];
	ms_ingest_opts o;
	ms_ingest_result res, *resp = result_out ? result_out : &res;
	FILE *rej = NULL;
	int rc, rej_failed = 0;
	ms_file_id own[2];
	size_t nown = 0;
	struct stat sb;
	report_ctx rctx = { cli, ic->quiet };
	if (ic->rejects && rejects_clash(cli, db, ic->rejects, files, nfiles) != 0)
		return MS_EXIT_USAGE;
	ms_store *st = ms_store_open(db, MS_OPEN_WRITE, err, sizeof err);
	if (!st) {
		ms_err(cli, "%s: %s", db, err);
		return MS_EXIT_DB;
	}
	if (ic->rejects) {
		rej = fopen(ic->rejects, "w");
		if (!rej) {
			ms_err(cli, "%s: cannot write: %s", ic->rejects, strerror(errno));
			ms_store_close(st);
			return MS_EXIT_DB; /* as a rejects file that fails later (docs/operations.md) */
		}
	}
	/* this run's own files are never read as input (a directory holding
	 * the database would feed it its own bytes, HMAC key and all) */
	if (stat(db, &sb) == 0)
		own[nown++] = (ms_file_id){ sb.st_dev, sb.st_ino };
	if (rej && fstat(fileno(rej), &sb) == 0)
		own[nown++] = (ms_file_id){ sb.st_dev, sb.st_ino };
	memset(&o, 0, sizeof o);
	o.own = own;
	o.nown = nown;
	o.year = ic->year;
	o.no_sort = ic->no_sort;
	o.verbose = ic->verbose;
	o.progress = cli->err_tty && !ic->quiet;
	o.final = ic->final;
	o.now = cli->now;
	o.rejects = rej;
	o.plesk_window = ic->plesk_window;
	o.report = report_cb;
	o.report_ctx = &rctx;
	{
		/* test hook (tests/faults.sh): commit every N bytes instead of MS_COMMIT_BYTES */
		const char *cb = getenv("MAILSLEUTH_COMMIT_BYTES");
		if (cb && atoll(cb) > 0)
			o.commit_bytes = atoll(cb);
	}
	rc = ms_ingest_run(st, files, nfiles, &o, resp);
	if (o.progress)
		fputs("\r\033[K", cli->err);
	for (size_t i = 0; i < resp->nfiles; i++) {
		const ms_file_result *fr = &resp->files[i];
		/* a file of garbage is counted, and said so rather than passed over
		 * (not a journal with only "-- No entries --"-style markers) */
		if (fr->status != 2 && fr->new_lines > 0 && fr->recognised == 0 && fr->unrecognised > 0)
			ms_err(cli, "warning: %s: no line recognised (%lld line%s, %lld without a syslog header): not a mail log?",
			       fr->display, (long long)fr->lines, fr->lines == 1 ? "" : "s", (long long)fr->malformed);
	}
	if (ic->verbose)
		ms_err(cli, "%lld lines, %.1f MB in %.2f s", (long long)resp->total_lines, (double)resp->total_bytes / 1e6,
		       resp->seconds);
	if (rej) {
		rej_failed = fflush(rej) != 0 || ferror(rej);
		int e = errno;
		if (fclose(rej) != 0 && !rej_failed) {
			rej_failed = 1;
			e = errno;
		}
		if (rej_failed)
			ms_err(cli, "%s: cannot write the rejected lines: %s", ic->rejects, strerror(e));
	}
	int dbfail = ms_store_failed(st);
	if (dbfail) /* the input was fine: say that the database is at fault */
		ms_err(cli, "%s: cannot write the database: %s; the last batch was rolled back, run again to finish",
		       db, ms_store_errmsg(st));
	ms_store_close(st);
	if (!result_out)
		ms_ingest_result_free(&res);
	cli->rejects_failed |= rej_failed; /* the caller's exit status: analyze prints its summary first */
	if (rc < 0 || dbfail)
		return MS_EXIT_DB;
	return rc > 0 ? MS_EXIT_INPUT : MS_EXIT_OK;
}

int ms_parse_ingest_opt(ms_cli *cli, int c, const char *arg, ms_ingest_cli *ic);
int ms_parse_ingest_opt(ms_cli *cli, int c, const char *arg, ms_ingest_cli *ic)
{
	switch (c) {
	case O_DB: ic->db = arg; return 0;
	case O_YEAR: {
		char *end;
		long y = strtol(arg, &end, 10);
		if (*end || y < 1970 || y > 9999) {
			ms_err(cli, "--year: expected a year such as 2026, got '%s'", arg);
			return -1;
		}
		ic->year = (int)y;
		return 0;
	}
	case O_TZ:
		return ms_opt_tz(cli, arg);
	case O_NOSORT: ic->no_sort = 1; return 0;
	case O_REJECTS: ic->rejects = arg; return 0;
	case O_PLESKWIN: {
		char *end;
		long v = strtol(arg, &end, 10);
		if (*end || v < 1 || v > 86400) {
			ms_err(cli, "--plesk-window: expected seconds (1-86400), got '%s'", arg);
			return -1;
		}
		ic->plesk_window = (int)v;
		return 0;
	}
	case O_VERBOSE: ic->verbose = 1; return 0;
	case O_QUIET: ic->quiet = 1; return 0;
	}
	return 1;
}

int cmd_ingest(ms_cli *cli, int argc, char **argv)
{
	struct option longs[NOPTS + 1];
	char shorts[64];
	ms_ingest_cli ic;
	int c;
	memset(&ic, 0, sizeof ic);
	ic.db = "mailsleuth.db";
	ms_opts_build(opts, NOPTS, longs, shorts, sizeof shorts);
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == O_HELP) {
			ms_opts_help(cli->out, "mailsleuth ingest [options] FILE|DIR|ARCHIVE|- ...",
				     "Stream mail logs (plain, .gz .bz2 .xz .lzma .zst .lz4, tar members, stdin) into the\n"
				     "database. Rotated sets are read oldest first. Re-running adds nothing; a grown file\n"
				     "is read from where the last run stopped; sessions open at the end stay open.",
				     opts, NOPTS);
			return MS_EXIT_OK;
		}
		int r = c == '?' ? -1 : ms_parse_ingest_opt(cli, c, optarg, &ic);
		if (r != 0)
			return MS_EXIT_USAGE;
	}
	if (optind >= argc) {
		ms_err(cli, "ingest: no input files (use - for standard input)");
		return MS_EXIT_USAGE;
	}
	int rc = ms_run_ingest(cli, ic.db, &ic, argv + optind, argc - optind, NULL);
	return cli->rejects_failed ? MS_EXIT_DB : rc;
}
