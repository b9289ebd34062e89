/* SPDX-License-Identifier: MIT */
/* main.c - the command table and the process-wide setup (time zone, "now", colour). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include "cli.h"

#ifndef MS_VERSION
#define MS_VERSION "0.1.0"
#endif

typedef struct {
	const char *name;
	int (*fn)(ms_cli *cli, int argc, char **argv);
	const char *summary;
} ms_command;

static const ms_command commands[] = {
	{ "analyze", cmd_analyze, "ingest logs (into a temporary database unless --db) and print an incident summary" },
	{ "ingest", cmd_ingest, "stream logs into the database (idempotent, resumable)" },
	{ "findings", cmd_findings, "what happened, in words: compromises, attacks, weak TLS (exit 1 if any)" },
	{ "report", cmd_report, "tables by ip, account, cipher or time window (text, json, ndjson, csv, html)" },
	{ "export", cmd_export, "every session, auth event and finding as ECS NDJSON/JSON for a SIEM" },
	{ "blocklist", cmd_blocklist, "addresses to block: plain, nftables or ipset (IPv4 and IPv6 apart), csv" },
	{ "sessions", cmd_sessions, "forensic timeline of sessions by --ip, --account or --id, with the log lines" },
	{ "merge", cmd_merge, "add other hosts' databases to one, for reports over the whole fleet" },
	{ "parse", cmd_parse, "debugging: print how each line is classified (NDJSON, no database)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: mailsleuth COMMAND [options] [FILE...]\n\n"
		   "Forensic analysis of Postfix, plesk_saslauthd and TLS-debug mail logs.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'mailsleuth COMMAND --help' for the options of a command.\n"
		   "Environment: TZ (zone of log times without an offset), NO_COLOR, MAILSLEUTH_NOW (fixed \"now\").\n");
}

/* MAILSLEUTH_NOW, or the clock when it is unset or empty; -1 after saying
 * why the value cannot be read (a typo must not silently move "now") */
static int get_now(ms_cli *cli)
{
	const char *e = getenv("MAILSLEUTH_NOW");
	if (!e || !*e) {
		cli->now = (int64_t)time(NULL);
		return 0;
	}
	if (ms_parse_now(e, &cli->now) != 0) {
		ms_err(cli, "MAILSLEUTH_NOW: cannot read time '%s' (RFC 3339 such as 2026-11-23T12:00:00Z, "
			    "or epoch seconds)", e);
		return -1;
	}
	return 0;
}

/* What a command printed must all have been written: a blocklist cut short by
 * a full disk (`> set.nft && nft -f set.nft`) must not exit 0.  Short outputs
 * sit in stdio's buffer until here, so the commands' own ferror() tests cannot
 * see their failure. */
static int out_flushed(ms_cli *cli)
{
	errno = 0;
	if (fflush(cli->out) == 0 && !ferror(cli->out))
		return 0;
	ms_err(cli, "cannot write the output: %s", errno ? strerror(errno) : "write error");
	return -1;
}

int main(int argc, char **argv)
{
	ms_cli cli;
	const char *nc = getenv("NO_COLOR");
	memset(&cli, 0, sizeof cli);
	cli.prog = "mailsleuth";
	cli.out = stdout;
	cli.err = stderr;
	cli.out_tty = isatty(1);
	cli.err_tty = isatty(2);
	cli.color = cli.out_tty && !(nc && *nc);
	cli.now = (int64_t)time(NULL);
	tzset();
	/* no global allocation statistics: they take a mutex on every SQLite
	 * malloc (2 % of the writer thread); nothing reads them.  Must precede
	 * the first connection. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);

	if (argc < 2) {
		usage(stderr);
		return MS_EXIT_USAGE;
	}
	/* "mailsleuth help COMMAND" is "mailsleuth COMMAND --help" */
	char help_opt[] = "--help";
	char *help_argv[4];
	if (!strcmp(argv[1], "help") && argc == 3 && strcmp(argv[2], "help")) {
		help_argv[0] = argv[0];
		help_argv[1] = argv[2];
		help_argv[2] = help_opt;
		help_argv[3] = NULL;
		argv = help_argv;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return out_flushed(&cli) ? MS_EXIT_DB : MS_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("mailsleuth %s\n", MS_VERSION);
		return out_flushed(&cli) ? MS_EXIT_DB : MS_EXIT_OK;
	}
	/* --tz applies to every time on the command line, wherever it stands: set it
	 * before the command reads --since/--until (an unknown zone is reported there) */
	int tz_opt = 0;
	for (int i = 2; i < argc && strcmp(argv[i], "--"); i++) {
		const char *z = NULL;
		if ((!strcmp(argv[i], "--tz") || !strcmp(argv[i], "-z")) && i + 1 < argc)
			z = argv[i + 1];
		else if (!strncmp(argv[i], "--tz=", 5))
			z = argv[i] + 5;
		else if (!strncmp(argv[i], "-z", 2) && argv[i][2])
			z = argv[i] + 2;
		if (z) {
			(void)ms_set_tz(z, NULL, 0);
			tz_opt = 1;
		}
	}
	/* TZ as --tz reads it (an offset such as +03:00 too): an unknown zone,
	 * which the C library would take for UTC in silence, is UTC with a warning */
	const char *env_tz = getenv("TZ");
	if (!tz_opt && env_tz && *env_tz) {
		char note[256], zone[256];
		snprintf(zone, sizeof zone, "%s", env_tz);
		if (ms_set_tz(zone, note, sizeof note) != 0) {
			ms_err(&cli, "warning: TZ: unknown time zone '%s': times are read and printed in UTC", zone);
			setenv("TZ", "UTC", 1);
			tzset();
		} else if (note[0]) {
			ms_err(&cli, "warning: TZ: %s", note);
		}
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name)) {
			if (get_now(&cli) != 0)
				return MS_EXIT_USAGE;
			/* getopt names the program by argv[0]: "mailsleuth ingest:
			 * unrecognized option", not "ingest: ..." */
			char prog[64];
			snprintf(prog, sizeof prog, "mailsleuth %s", commands[i].name);
			argv[1] = prog;
			int rc = commands[i].fn(&cli, argc - 1, argv + 1);
			return out_flushed(&cli) == 0 ? rc : MS_EXIT_DB;
		}
	ms_err(&cli, "unknown command '%s' (see 'mailsleuth --help')", argv[1]);
	return MS_EXIT_USAGE;
}
