/* SPDX-License-Identifier: MIT */
/* ut_sql.h - SQL helpers for unit tests that check a database's content. */
#ifndef MS_UT_SQL_H
#define MS_UT_SQL_H

#include <stdint.h>
#include <sqlite3.h>

/* the first column of the first row of sql; -998 when it does not prepare,
 * -999 when it gives no row */
int64_t ut_sql_int(sqlite3 *db, const char *sql);

#endif
