/* SPDX-License-Identifier: MIT */
/* cmd_merge.c - mailsleuth merge [--db FILE] OTHER.db ... */
#include <string.h>
#include "cli.h"
#include "../store/store.h"
#include "../store/merge.h"

enum { O_DB = 'd', O_QUIET = 'q', O_HELP = 'h' };

static const ms_optdef opts[] = {
	{ { "db", required_argument, NULL, O_DB }, "FILE", "the database to add to (default ./mailsleuth.db, created 0600)" },
	{ { "quiet", no_argument, NULL, O_QUIET }, NULL, "no line per database merged (errors only)" },
	{ { "help", no_argument, NULL, O_HELP }, NULL, "show this help" },
};
#define NOPTS ((int)(sizeof opts / sizeof opts[0]))

int cmd_merge(ms_cli *cli, int argc, char **argv)
{
	struct option longs[NOPTS + 1];
	char shorts[32], err[512];
	const char *db = "mailsleuth.db";
	int c, quiet = 0;
	ms_opts_build(opts, NOPTS, longs, shorts, sizeof shorts);
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		switch (c) {
		case O_HELP:
			ms_opts_help(cli->out, "mailsleuth merge [--db FILE] OTHER.db ...",
				     "Add the rows of other mailsleuth databases (each host's own) to one, so that\n"
				     "findings, reports and blocklists see the whole fleet. Sources this database\n"
				     "has already (the same log) are left out; names and addresses are matched by\n"
				     "value; password fingerprints are kept only under the same key.",
				     opts, NOPTS);
			return MS_EXIT_OK;
		case O_DB: db = optarg; break;
		case O_QUIET: quiet = 1; break;
		default: return MS_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		ms_err(cli, "merge: no database to merge (mailsleuth merge --db ALL.db host1.db host2.db)");
		return MS_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++)
		if (ms_same_file(argv[i], db)) { /* (also "./new.db" for a new.db not made yet) */
			ms_err(cli, "merge: %s is the database merged into", argv[i]);
			return MS_EXIT_USAGE;
		}
	ms_store *st = ms_store_open(db, MS_OPEN_WRITE, err, sizeof err);
	if (!st) {
		ms_err(cli, "%s: %s", db, err);
		return MS_EXIT_DB;
	}
	int rc = MS_EXIT_OK;
	for (int i = optind; i < argc && rc != MS_EXIT_DB; i++) {
		/* a mailsleuth database of this schema, read-only: else refused */
		ms_store *other = ms_open_read(cli, argv[i]);
		if (!other) {
			rc = MS_EXIT_INPUT;
			continue;
		}
		ms_store_close(other);
		ms_merge_stats ms;
		if (ms_store_merge(ms_store_db(st), argv[i], &ms, err, sizeof err) != 0) {
			ms_err(cli, "%s: cannot merge it into %s: %s", argv[i], db, err);
			rc = MS_EXIT_DB;
			break;
		}
		if (!quiet)
			ms_err(cli,
			       "%s: %lld sources (%lld already in %s), %lld sessions, %lld auth events, %lld messages, "
			       "%lld rejects, %lld postscreen conversations, %lld back-end lines merged",
			       argv[i], (long long)ms.sources, (long long)ms.sources_skipped, db, (long long)ms.sessions,
			       (long long)ms.auth_events, (long long)ms.messages, (long long)ms.rejects,
			       (long long)ms.postscreen, (long long)ms.backend_events);
		if (ms.hmac_dropped)
			ms_err(cli, "warning: %s: %lld password fingerprints left out: its HMAC key is not %s's",
			       argv[i], (long long)ms.hmac_dropped, db);
	}
	ms_store_close(st);
	return rc;
}
