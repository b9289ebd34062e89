/* SPDX-License-Identifier: MIT */
/*
 * cli.h - what every command shares: the context, exit codes, option tables
 * with generated --help, and argument parsers (times, zones, formats).
 *
 * Adding a command: write cmd/cmd_NAME.c with
 *   int cmd_NAME(ms_cli *cli, int argc, char **argv)
 * declare it below and add a row to the table in cmd/main.c.
 */
#ifndef MS_CLI_H
#define MS_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include "../report/table.h"

/* exit codes (documented in README and the man page) */
enum {
	MS_EXIT_OK = 0,         /* success; for `findings`: nothing found */
	MS_EXIT_FINDINGS = 1,   /* `findings`: at least one finding at or above --min-severity */
	MS_EXIT_USAGE = 2,      /* bad command line */
	MS_EXIT_INPUT = 3,      /* some input could not be read (the rest was ingested) */
	MS_EXIT_DB = 4          /* database or internal error: nothing trustworthy was produced */
};

typedef struct {
	const char *prog;
	FILE *out, *err;
	int64_t now;            /* MAILSLEUTH_NOW or time(NULL) */
	int out_tty, err_tty;
	int color;              /* stdout is a TTY and NO_COLOR is unset */
	int rejects_failed;     /* ingest --rejects FILE could not be written (exit 4 at the end) */
} ms_cli;

typedef struct {
	struct option opt;      /* getopt_long entry */
	const char *arg;        /* metavariable for help, NULL if none */
	const char *help;
} ms_optdef;

/* Build getopt arrays from a table; returns the short-option string in shorts. */
void ms_opts_build(const ms_optdef *defs, int n, struct option *longs, char *shorts, size_t shortcap);
void ms_opts_help(FILE *f, const char *usage, const char *summary, const ms_optdef *defs, int n);

int ms_parse_time_arg(const char *s, int64_t now, int64_t *out);   /* RFC 3339, date, or 24h/7d/30m */
int ms_parse_duration(const char *s, int64_t *secs);               /* 10m, 1h, 1d, 90s, 2w */
int ms_parse_now(const char *s, int64_t *out);                      /* MAILSLEUTH_NOW: RFC 3339 or epoch seconds */
/* setenv TZ: an IANA name, UTC/Z/GMT, an offset ("+03:00", "+0300", "-05"), a POSIX TZ
 * string or ":..."; -1 if unknown.  note (if given) gets a warning, or "" */
int ms_set_tz(const char *zone, char *note, size_t cap);
void ms_err(ms_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The options every reading command shares.  Each reports its own error and
 * returns -1 on a bad value (the caller exits MS_EXIT_USAGE), 0 when done. */
int ms_opt_time(ms_cli *cli, const char *opt, const char *arg, int64_t *out);  /* --since / --until */
/* --since at or after --until is an empty range the user did not mean: -1 with a message */
int ms_opt_range(ms_cli *cli, int64_t since, int64_t until);
int ms_opt_tz(ms_cli *cli, const char *arg);                                   /* --tz */
/* open the database read-only; NULL after reporting the error (exit MS_EXIT_DB) */
struct ms_store *ms_open_read(ms_cli *cli, const char *db);

/* a and b name one file: the same inode when both exist, else the same
 * last component in the same directory (a file not created yet) */
int ms_same_file(const char *a, const char *b);

int cmd_ingest(ms_cli *cli, int argc, char **argv);
int cmd_analyze(ms_cli *cli, int argc, char **argv);
int cmd_report(ms_cli *cli, int argc, char **argv);
int cmd_findings(ms_cli *cli, int argc, char **argv);
int cmd_parse(ms_cli *cli, int argc, char **argv);
int cmd_export(ms_cli *cli, int argc, char **argv);
int cmd_blocklist(ms_cli *cli, int argc, char **argv);
int cmd_sessions(ms_cli *cli, int argc, char **argv);
int cmd_merge(ms_cli *cli, int argc, char **argv);

/* shared by ingest and analyze */
typedef struct ms_ingest_cli {
	const char *db;
	int year, no_sort, verbose, quiet;
	const char *rejects;
	int plesk_window;
	int final;              /* analyze into a temporary database: no run continues this one */
} ms_ingest_cli;
int ms_run_ingest(ms_cli *cli, const char *db, const ms_ingest_cli *ic, char **files, int nfiles,
		  void *result_out);

#endif
