/* SPDX-License-Identifier: MIT */
/* q_sources.c - what was read: per input, unrecognised lines by program, and
 * the lines the syslog daemon said it dropped. */
#include <stdio.h>
#include "report.h"

enum { F_PATH, F_LINES, F_REC, F_UNREC, F_MAL, F_SKIP, F_LONG, F_FIRST, F_LAST, F_COMP, F_ERR, F__N };

/* the error shown in text only when some source has one (after an exit 3) */
#define SOURCE_COLS(err_title)                                                   \
	{                                                                        \
		[F_PATH] = { "path", "FILE", MS_COL_STR, 40, 0 },                \
		[F_LINES] = { "lines", "LINES", MS_COL_INT, 0, 1 },              \
		[F_REC] = { "recognised", "RECOGNISED", MS_COL_INT, 0, 1 },      \
		[F_UNREC] = { "unrecognised", "UNRECOGNISED", MS_COL_INT, 0, 1 }, \
		[F_MAL] = { "malformed", NULL, MS_COL_INT, 0, 0 },               \
		[F_SKIP] = { "skipped", NULL, MS_COL_INT, 0, 0 },                \
		[F_LONG] = { "overlong", NULL, MS_COL_INT, 0, 0 },               \
		[F_FIRST] = { "first_ts", NULL, MS_COL_TIME, 0, 0 },             \
		[F_LAST] = { "last_ts", NULL, MS_COL_TIME, 0, 0 },               \
		[F_COMP] = { "compression", NULL, MS_COL_STR, 0, 0 },            \
		[F_ERR] = { "error", err_title, MS_COL_STR, 60, 0 },             \
	}
static const ms_col fcols[F__N] = SOURCE_COLS(NULL);
static const ms_col fcols_err[F__N] = SOURCE_COLS("ERROR");

ms_table *ms_report_sources(const ms_query *q, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int damaged = 0;
	if (ms_q_prepare(q->db, "SELECT EXISTS (SELECT 1 FROM sources WHERE error IS NOT NULL AND error != '')", &st,
			 err, errlen))
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		damaged = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	ms_table *t = ms_table_new(damaged ? fcols_err : fcols, F__N);
	if (!t)
		return NULL;
	if (ms_q_prepare(q->db,
			 "SELECT path, lines, recognised, unrecognised, malformed, skipped, overlong, first_ts, last_ts,"
			 " compression, error FROM sources ORDER BY id", &st, err, errlen)) {
		ms_table_free(t);
		return NULL;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		int r = ms_table_add_row(t);
		if (r < 0)
			break;
		ms_cell_str(ms_table_cell(t, r, F_PATH), (const char *)sqlite3_column_text(st, 0));
		for (int i = 1; i <= 6; i++)
			ms_cell_int(ms_table_cell(t, r, i), sqlite3_column_int64(st, i));
		ms_cell_time(ms_table_cell(t, r, F_FIRST), sqlite3_column_int64(st, 7));
		ms_cell_time(ms_table_cell(t, r, F_LAST), sqlite3_column_int64(st, 8));
		ms_cell_str(ms_table_cell(t, r, F_COMP), (const char *)sqlite3_column_text(st, 9));
		ms_cell_str(ms_table_cell(t, r, F_ERR), (const char *)sqlite3_column_text(st, 10));
	}
	sqlite3_finalize(st);
	return t;
}

enum { U_PROG, U_LINES, U_SAMPLE, U__N };

static const ms_col ucols[U__N] = {
	[U_PROG] = { "program", "PROGRAM", MS_COL_STR, 28, 0 },
	[U_LINES] = { "lines", "LINES", MS_COL_INT, 0, 1 },
	[U_SAMPLE] = { "sample", "SAMPLE", MS_COL_STR, 44, 0 },
};

ms_table *ms_report_unrecognised(const ms_query *q, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	ms_table *t = ms_table_new(ucols, U__N);
	if (!t)
		return NULL;
	if (ms_q_prepare(q->db,
			 "SELECT program, sum(lines), min(sample) FROM unrecognised GROUP BY program ORDER BY 2 DESC, 1",
			 &st, err, errlen)) {
		ms_table_free(t);
		return NULL;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		int r = ms_table_add_row(t);
		if (r < 0)
			break;
		ms_cell_str(ms_table_cell(t, r, U_PROG), (const char *)sqlite3_column_text(st, 0));
		ms_cell_int(ms_table_cell(t, r, U_LINES), sqlite3_column_int64(st, 1));
		ms_cell_str(ms_table_cell(t, r, U_SAMPLE), (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	return t;
}

enum { L_TIME, L_HOST, L_REPORTER, L_WHAT, L_PID, L_LOST, L_FILE, L_LINE, L__N };

static const ms_col lcols[L__N] = {
	[L_TIME] = { "time", "TIME", MS_COL_TIME, 0, 0 },
	[L_HOST] = { "host", "HOST", MS_COL_STR, 20, 0 },
	[L_REPORTER] = { "reporter", "REPORTER", MS_COL_STR, 16, 0 },
	[L_WHAT] = { "what", "WHAT", MS_COL_STR, 24, 0 },
	[L_PID] = { "pid", "PID", MS_COL_INT, 0, 1 },
	[L_LOST] = { "lost", "LOST", MS_COL_INT, 0, 1 },
	[L_FILE] = { "file", "FILE", MS_COL_STR, 28, 0 },
	[L_LINE] = { "line", "LINE", MS_COL_INT, 0, 1 },
};

/* 1 when the database has the table (one made before it was added has not) */
static int has_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	int found = 0;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* the syslog daemon's notices that it dropped lines, in time order */
ms_table *ms_report_log_loss(const ms_query *q, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	ms_table *t = ms_table_new(lcols, L__N);
	if (!t || !has_table(q->db, "log_loss"))
		return t;
	if (ms_q_prepare(q->db,
			 "SELECT l.ts, h.name, l.reporter, l.what, l.pid, l.lost, s.path, l.line"
			 " FROM log_loss l LEFT JOIN hosts h ON h.id = l.host_id LEFT JOIN sources s ON s.id = l.source_id"
			 " WHERE l.ts >= ?1 AND l.ts < ?2 ORDER BY l.ts, l.source_id, l.line",
			 &st, err, errlen)) {
		ms_table_free(t);
		return NULL;
	}
	ms_q_bind_range(st, q, 1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int r = ms_table_add_row(t);
		if (r < 0)
			break;
		ms_cell_time(ms_table_cell(t, r, L_TIME), sqlite3_column_int64(st, 0));
		for (int i = L_HOST; i <= L_WHAT; i++)
			if (sqlite3_column_type(st, i) != SQLITE_NULL)
				ms_cell_str(ms_table_cell(t, r, i), (const char *)sqlite3_column_text(st, i));
		for (int i = L_PID; i <= L_LOST; i++)
			if (sqlite3_column_type(st, i) != SQLITE_NULL)
				ms_cell_int(ms_table_cell(t, r, i), sqlite3_column_int64(st, i));
		if (sqlite3_column_type(st, L_FILE) != SQLITE_NULL)
			ms_cell_str(ms_table_cell(t, r, L_FILE), (const char *)sqlite3_column_text(st, L_FILE));
		ms_cell_int(ms_table_cell(t, r, L_LINE), sqlite3_column_int64(st, L_LINE));
	}
	sqlite3_finalize(st);
	return t;
}
