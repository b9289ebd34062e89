/* SPDX-License-Identifier: MIT */
/*
 * export.h - every session, auth event and finding as an Elastic Common
 * Schema event (docs/reports.md), streamed straight to a FILE: NDJSON (one
 * object per line) or one JSON document {"generated_at", "events": [...]}.
 * Reads the database only; keeps nothing but the current row in memory.
 */
#ifndef MS_EXPORT_H
#define MS_EXPORT_H

#include <stdio.h>
#include "report.h"

typedef struct {
	int json;               /* 1: one document; 0: NDJSON */
	int sessions;           /* include smtp-session events */
	int findings;           /* append findings as event.kind "alert" */
	int64_t generated_at;
} ms_export_opts;

/* 0, or -1 with the reason in err (output may then be incomplete) */
int ms_export(const ms_query *q, const ms_export_opts *o, FILE *out, char *err, size_t errlen);

#endif
