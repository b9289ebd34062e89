/* SPDX-License-Identifier: MIT */
#include <stddef.h>
#include "ut_sql.h"

int64_t ut_sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q;
	int64_t v = -999;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return -998;
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}
