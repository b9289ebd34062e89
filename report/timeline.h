/* SPDX-License-Identifier: MIT */
/*
 * timeline.h - the forensic timeline of sessions (mailsleuth sessions).
 * Reads the database and, with lines set, re-reads the original log file
 * recorded for each session (sources.path, lines first_line..last_line).
 */
#ifndef MS_TIMELINE_H
#define MS_TIMELINE_H

#include <stdio.h>
#include "report.h"

typedef struct {
	const char *ip;         /* sessions from this client address */
	const char *account;    /* sessions with an AUTH naming this account */
	int64_t id;             /* this session (> 0) */
	int lines;              /* print the original log lines (redacted) */
	int limit;              /* at most this many sessions (<= 0: all) */
	int json;               /* one JSON document instead of text */
} ms_timeline_opts;

/* number of sessions printed (0: none matched), or -1 with err set */
int ms_timeline(const ms_query *q, const ms_timeline_opts *o, FILE *f, char *err, size_t errlen);

#endif
