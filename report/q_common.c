/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include "report.h"

int ms_q_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err, size_t errlen)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* binds ?first = since (or very small), ?first+1 = until (or very large) */
int64_t ms_q_since(const ms_query *q)
{
	return q->since > 0 ? q->since : INT64_MIN;
}

int64_t ms_q_until(const ms_query *q)
{
	return q->until > 0 ? q->until : INT64_MAX;
}

void ms_q_bind_range(sqlite3_stmt *st, const ms_query *q, int first)
{
	sqlite3_bind_int64(st, first, ms_q_since(q));
	sqlite3_bind_int64(st, first + 1, ms_q_until(q));
}

const char *ms_src_name(int src)
{
	switch (src) {
	case 1: return "logged";
	case 2: return "decoded";
	case 3: return "inferred";
	default: return "unknown";
	}
}
