/* SPDX-License-Identifier: MIT */
/* ms_q_scan_rows: rows reach the callback with their values; the range is
 * ANDed to the statement's own condition as one term; a callback's "out of
 * memory" stops the scan with that message; ms_row() is gone afterwards,
 * also when another statement of the connection was running and SQLite
 * refused to remove it (the function left behind calls nobody). */
#include <stdint.h>
#include <sqlite3.h>
#include "ut.h"
#include "../../report/report.h"

typedef struct {
	int rows, stop_at;
	int64_t sum;
} scan_acc;

static void add_row(sqlite3_context *cx, void *user, int argc, sqlite3_value **v)
{
	scan_acc *a = user;
	if (argc != 2) {
		sqlite3_result_error(cx, "two values expected", -1);
		return;
	}
	if (a->stop_at && a->rows == a->stop_at) {
		sqlite3_result_error_nomem(cx);
		return;
	}
	a->rows++;
	a->sum += sqlite3_value_int64(v[0]) * 1000 + (sqlite3_value_type(v[1]) == SQLITE_NULL);
}

static sqlite3 *test_db(void)
{
	sqlite3 *db = NULL;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return NULL;
	/* ts 1..10; k = 1 on odd rows; ts of row 11 NULL, of row 12 text */
	sqlite3_exec(db,
		     "CREATE TABLE t(id INTEGER PRIMARY KEY, ts INTEGER, k INTEGER);"
		     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)"
		     " INSERT INTO t SELECT i, i, i % 2 FROM n;"
		     "INSERT INTO t VALUES(11, NULL, 1), (12, 'soon', 1);",
		     NULL, NULL, NULL);
	return db;
}

UT_TEST(scan_rows_values_and_range)
{
	sqlite3 *db = test_db();
	char err[128] = "";
	scan_acc a = { 0 };
	ms_query q = { .db = db };
	UT_ASSERT(db != NULL);
	/* no range given: every integer time, not the NULL or text ones (as "+ts >= min AND +ts < max") */
	UT_EQ_INT(ms_q_scan_rows(db, &q, "SELECT count(ms_row(id, ts)) FROM t", "ts", add_row, &a, err, sizeof err), 0);
	UT_EQ_INT(a.rows, 10);
	/* without range_col: every row */
	a = (scan_acc){ 0 };
	UT_EQ_INT(ms_q_scan_rows(db, &q, "SELECT count(ms_row(id, ts)) FROM t", NULL, add_row, &a, err, sizeof err), 0);
	UT_EQ_INT(a.rows, 12);
	UT_EQ_INT(a.sum, 78 * 1000 + 1);
	/* the statement's own "a OR b" stays one term: (k = 1 OR id = 2) AND 3 <= ts < 8 gives ids 3, 5, 7 */
	q.since = 3;
	q.until = 8;
	a = (scan_acc){ 0 };
	UT_EQ_INT(ms_q_scan_rows(db, &q, "SELECT count(ms_row(id, ts)) FROM t WHERE k = 1 OR id = 2", "ts", add_row, &a,
				 err, sizeof err),
		  0);
	UT_EQ_INT(a.rows, 3);
	UT_EQ_INT(a.sum, 15 * 1000);
	/* ?1 and ?2 of the caller's own: bound to the range */
	a = (scan_acc){ 0 };
	UT_EQ_INT(ms_q_scan_rows(db, &q, "SELECT count(ms_row(id, ts)) FROM t WHERE ts >= ?1 AND ts < ?2", NULL, add_row,
				 &a, err, sizeof err),
		  0);
	UT_EQ_INT(a.rows, 5);
	sqlite3_close(db);
}

UT_TEST(scan_rows_errors_and_cleanup)
{
	sqlite3 *db = test_db();
	sqlite3_stmt *busy = NULL;
	char err[128] = "";
	scan_acc a = { .stop_at = 4 };
	ms_query q = { .db = db };
	UT_ASSERT(db != NULL);
	UT_EQ_INT(ms_q_scan_rows(db, &q, "SELECT count(ms_row(id, ts)) FROM t", NULL, add_row, &a, err, sizeof err), -1);
	UT_EQ_STR(err, "out of memory");
	UT_EQ_INT(a.rows, 4);
	/* a callback's own error message */
	a = (scan_acc){ 0 };
	UT_EQ_INT(ms_q_scan_rows(db, &q, "SELECT count(ms_row(id)) FROM t", NULL, add_row, &a, err, sizeof err), -1);
	UT_EQ_STR(err, "query failed: two values expected");
	/* afterwards the function is gone */
	UT_ASSERT(sqlite3_exec(db, "SELECT ms_row(1, 2)", NULL, NULL, NULL) != SQLITE_OK);
	/* with another statement of the connection in the middle of its rows, the
	 * scan still runs; ms_row() may stay behind, but calls nobody */
	UT_EQ_INT(sqlite3_prepare_v2(db, "SELECT id FROM t", -1, &busy, NULL), SQLITE_OK);
	UT_EQ_INT(sqlite3_step(busy), SQLITE_ROW);
	a = (scan_acc){ 0 };
	int rc = ms_q_scan_rows(db, &q, "SELECT count(ms_row(id, ts)) FROM t", NULL, add_row, &a, err, sizeof err);
	UT_ASSERT(rc == 0 || rc == -1);
	if (rc == 0)
		UT_EQ_INT(a.rows, 12);
	int before = a.rows;
	sqlite3_exec(db, "SELECT ms_row(1, 2)", NULL, NULL, NULL); /* nobody is called */
	UT_EQ_INT(a.rows, before);
	sqlite3_finalize(busy);
	/* and the next scan registers it anew */
	a = (scan_acc){ 0 };
	UT_EQ_INT(ms_q_scan_rows(db, &q, "SELECT count(ms_row(id, ts)) FROM t", "ts", add_row, &a, err, sizeof err), 0);
	UT_EQ_INT(a.rows, 10);
	sqlite3_close(db);
}
