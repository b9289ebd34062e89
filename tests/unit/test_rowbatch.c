/* SPDX-License-Identifier: MIT */
/* store/rowbatch: rows reach the table with their types and bytes (texts
 * with NUL bytes, blobs, NULLs, 64-bit integers), in order (a later row of
 * the same id replaces an earlier one, also within one batch), a row with a
 * missing or an extra value is refused, and discarded rows are not written.
 * An empty text or blob stays empty (not NULL), also before the batch has
 * a text buffer; a full batch that was not flushed takes no more rows.
 * Texts are copied: the caller's buffer may change after the setter. */
#include <stdint.h>
#include <sqlite3.h>
#include "ut.h"
#include "ut_sql.h"
#include "../../store/rowbatch.h"

static sqlite3 *rb_db(ms_rowbatch *b, int cap)
{
	sqlite3 *db = NULL;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return NULL;
	if (sqlite3_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, s TEXT, b BLOB)", NULL, NULL, NULL) !=
		    SQLITE_OK ||
	    ms_rowbatch_module(db, b, 1) != SQLITE_OK || ms_rowbatch_init(b, db, 0, "t", 4, cap) != 0) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

UT_TEST(rowbatch_values_order_and_copies)
{
	ms_rowbatch b;
	sqlite3 *db = rb_db(&b, 4);
	UT_ASSERT(db != NULL);
	char buf[8];
	/* 10 rows through a batch of 4: two flushes on the way, two rows left */
	for (int i = 1; i <= 10; i++) {
		ms_rowbatch_int(&b, i <= 8 ? i : 3); /* rows 9 and 10 replace row 3 */
		ms_rowbatch_int(&b, i == 10 ? INT64_MIN : (int64_t)i * 1000000007LL);
		snprintf(buf, sizeof buf, "r%d", i);
		ms_rowbatch_bytes(&b, RB_TEXT, buf, strlen(buf));
		memset(buf, 'X', sizeof buf); /* the batch holds its own copy */
		if (i % 2)
			ms_rowbatch_bytes(&b, RB_BLOB, "\0\1\2", 3);
		else
			ms_rowbatch_null(&b);
		UT_EQ_INT(ms_rowbatch_end_row(&b), RB_OK);
		if (b.n == b.cap)
			UT_EQ_INT(ms_rowbatch_flush(&b), SQLITE_DONE);
	}
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM t"), 8); /* ids 1..8 flushed, rows 9 and 10 held */
	UT_EQ_INT(b.n, 2);
	UT_EQ_INT(ms_rowbatch_flush(&b), SQLITE_DONE);
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM t"), 8);
	UT_EQ_INT(ut_sql_int(db, "SELECT a FROM t WHERE id = 3"), INT64_MIN); /* the last of three rows of id 3 */
	UT_EQ_INT(ut_sql_int(db, "SELECT s = 'r10' FROM t WHERE id = 3"), 1);
	UT_EQ_INT(ut_sql_int(db, "SELECT a FROM t WHERE id = 7"), 7 * 1000000007LL);
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM t WHERE typeof(s) = 'text' AND s = 'r' || id"), 7);
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM t WHERE b IS NULL"), 5); /* even rows, and row 10 in id 3 */
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM t WHERE typeof(b) = 'blob' AND b = x'000102'"), 3);
	/* a text with a NUL inside keeps its length */
	ms_rowbatch_int(&b, 20);
	ms_rowbatch_null(&b);
	ms_rowbatch_bytes(&b, RB_TEXT, "a\0b", 3);
	ms_rowbatch_null(&b);
	UT_EQ_INT(ms_rowbatch_end_row(&b), RB_OK);
	UT_EQ_INT(ms_rowbatch_flush(&b), SQLITE_DONE);
	UT_EQ_INT(ut_sql_int(db, "SELECT length(CAST(s AS BLOB)) FROM t WHERE id = 20"), 3);
	ms_rowbatch_free(&b);
	sqlite3_close(db);
}

UT_TEST(rowbatch_refuses_bad_rows_and_discards)
{
	ms_rowbatch b;
	sqlite3 *db = rb_db(&b, 8);
	UT_ASSERT(db != NULL);
	/* one value short */
	ms_rowbatch_int(&b, 1);
	ms_rowbatch_int(&b, 2);
	ms_rowbatch_null(&b);
	UT_EQ_INT(ms_rowbatch_end_row(&b), RB_BAD_COUNT);
	UT_EQ_INT(b.n, 0);
	/* one value too many: the extra one is not written anywhere */
	for (int i = 0; i < 5; i++)
		ms_rowbatch_int(&b, 5);
	UT_EQ_INT(ms_rowbatch_end_row(&b), RB_BAD_COUNT);
	UT_EQ_INT(b.n, 0);
	/* a good row, discarded (a rollback), then a good row kept */
	for (int i = 0; i < 4; i++)
		ms_rowbatch_int(&b, 7);
	UT_EQ_INT(ms_rowbatch_end_row(&b), RB_OK);
	ms_rowbatch_discard(&b);
	for (int i = 0; i < 4; i++)
		ms_rowbatch_int(&b, 9);
	UT_EQ_INT(ms_rowbatch_end_row(&b), RB_OK);
	UT_EQ_INT(ms_rowbatch_flush(&b), SQLITE_DONE);
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM t"), 1);
	UT_EQ_INT(ut_sql_int(db, "SELECT id + a FROM t"), 18);
	/* an empty flush is a no-op; the module refuses a batch number it does not have */
	UT_EQ_INT(ms_rowbatch_flush(&b), SQLITE_DONE);
	UT_ASSERT(sqlite3_exec(db, "CREATE VIRTUAL TABLE temp.x USING ms_rows(1)", NULL, NULL, NULL) != SQLITE_OK);
	UT_ASSERT(sqlite3_exec(db, "CREATE VIRTUAL TABLE temp.y USING ms_rows(0x)", NULL, NULL, NULL) != SQLITE_OK);
	ms_rowbatch_free(&b);
	sqlite3_close(db);
}

UT_TEST(rowbatch_empty_values_and_full_batch)
{
	ms_rowbatch b;
	sqlite3 *db = rb_db(&b, 2);
	UT_ASSERT(db != NULL);
	/* the first values of a fresh batch are empty: no text buffer yet */
	ms_rowbatch_int(&b, 1);
	ms_rowbatch_null(&b);
	ms_rowbatch_bytes(&b, RB_TEXT, "", 0);
	ms_rowbatch_bytes(&b, RB_BLOB, "", 0);
	UT_EQ_INT(ms_rowbatch_end_row(&b), RB_OK);
	ms_rowbatch_int(&b, 2);
	ms_rowbatch_null(&b);
	ms_rowbatch_bytes(&b, RB_TEXT, "x", 1);
	ms_rowbatch_null(&b);
	UT_EQ_INT(ms_rowbatch_end_row(&b), RB_OK);
	/* full (cap 2) and not flushed: the next row is refused, the two kept */
	for (int i = 0; i < 4; i++)
		ms_rowbatch_int(&b, 3);
	UT_EQ_INT(ms_rowbatch_end_row(&b), RB_BAD_COUNT);
	UT_EQ_INT(b.n, 2);
	UT_EQ_INT(ms_rowbatch_flush(&b), SQLITE_DONE);
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM t"), 2);
	UT_EQ_INT(ut_sql_int(db, "SELECT typeof(s) = 'text' AND s = '' FROM t WHERE id = 1"), 1);
	UT_EQ_INT(ut_sql_int(db, "SELECT typeof(b) = 'blob' AND length(b) = 0 FROM t WHERE id = 1"), 1);
	UT_EQ_INT(ut_sql_int(db, "SELECT s = 'x' FROM t WHERE id = 2"), 1);
	ms_rowbatch_free(&b);
	sqlite3_close(db);
}
