/* SPDX-License-Identifier: MIT */
/*
 * ingest.h - the ingest pipeline: input streams -> lines -> syslog header ->
 * grammar -> session tracker -> store.
 *
 * Each source (a file, an archive member, stdin) is identified by a content
 * fingerprint (SHA-256 of its first KiB, decompressed); what was consumed of
 * it is recorded in the database in the same transaction as its rows,
 * together with the tracker state, so that:
 *   - re-ingesting the same files adds nothing,
 *   - a file that grew is read from where the last run stopped,
 *   - a rotated (renamed, compressed) file is not read twice,
 *   - an interrupted run is finished by the next one with the same result.
 * Library code: reports problems through the callback, never exits.
 */
#ifndef MS_INGEST_H
#define MS_INGEST_H

#include <stdint.h>
#include <stdio.h>
#include "../input/source.h"
#include "../store/store.h"

/* default bytes of input between two checkpoints (commits) of a long source */
#define MS_COMMIT_BYTES (1LL << 30)

typedef struct {
	char *display;          /* owned */
	int64_t lines, recognised, unrecognised, skipped, malformed, overlong;
	int64_t bytes;
	int64_t new_lines;      /* lines read in this run */
	int status;             /* 0 ingested, 1 already ingested (nothing new), 2 error */
	int archive_damaged;    /* an archive member whose read stopped at damage in the archive */
	char error[256];
	int64_t first_ts, last_ts;
} ms_file_result;

typedef struct {
	int year;               /* --year (0 = infer) */
	int no_sort;
	int verbose;
	int progress;           /* show progress on stderr (caller decides: TTY and not --quiet) */
	int64_t now;            /* "now" for stdin anchoring and relative times */
	FILE *rejects;          /* unrecognised lines go here when set */
	const ms_file_id *own;  /* the files this run writes (the database, the rejects file): */
	size_t nown;            /* never read (see ms_expand_opts) */
	int64_t commit_bytes;   /* commit a checkpoint every this many bytes (0 = MS_COMMIT_BYTES) */
	int plesk_window;       /* seconds (0 = default) */
	int final;              /* nothing continues this run (a temporary database): at the end,
				 * the pending failures, back-end lines and postscreen conversations
				 * are resolved as at the end of all input */
	/* messages: level 0 info (verbose), 1 warning, 2 error, 3 progress, 4 notice
	 * (nothing to act on, e.g. a last line left for the next run: --quiet
	 * leaves it out) */
	void (*report)(void *ctx, int level, const char *msg);
	void *report_ctx;
} ms_ingest_opts;

typedef struct {
	ms_file_result *files;
	size_t nfiles;
	int errors;             /* number of inputs that failed */
	ms_tracker_stats stats;
	int64_t total_lines, total_bytes;
	double seconds;
} ms_ingest_result;

/* Ingest the arguments (files, directories, archives, "-") into an open store. */
int ms_ingest_run(ms_store *st, char *const *args, int nargs, const ms_ingest_opts *opts, ms_ingest_result *res);
void ms_ingest_result_free(ms_ingest_result *res);

#endif
