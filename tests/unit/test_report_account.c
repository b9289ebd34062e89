/* SPDX-License-Identifier: MIT */
/* report --by account: its findings run on a second connection while the
 * scans run (a database file) or after them on the same one (no file for a
 * second connection, as when that one fails): the same table either way;
 * its read transaction ends with it unless the caller had one open. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "ut.h"
#include "../../report/report.h"
#include "../../store/schema.h"

/* two accounts tried from one address; one of them then logs in */
static const char *rows_sql =
	"INSERT INTO ips(id, ip, family) VALUES (1, '192.0.2.7', 4), (2, '198.51.100.9', 4);"
	"INSERT INTO accounts(id, name) VALUES (1, 'alice@example.com'), (2, 'bob@example.com');"
	"INSERT INTO auth_events(id, session_id, ts, ip_id, kind, account_id, account_src, source_id, line) VALUES"
	" (1, 1, 1700000000, 1, 1, 1, 1, 1, 1), (2, 1, 1700000005, 1, 1, 2, 1, 1, 2),"
	" (3, 2, 1700000010, 1, 1, 1, 1, 1, 3), (4, 3, 1700000060, 1, 4, 1, 1, 1, 4),"
	" (5, 4, 1700000100, 2, 4, 2, 1, 1, 5);";

static int col_of(const ms_table *t, const char *key)
{
	for (int j = 0; j < t->ncols; j++)
		if (!strcmp(t->cols[j].key, key))
			return j;
	return -1;
}

/* "name:compromised,failures;" per row */
static void summary(const ms_table *t, char *buf, size_t cap)
{
	int a = col_of(t, "account"), c = col_of(t, "compromised"), f = col_of(t, "auth_failures");
	size_t n = 0;
	buf[0] = 0;
	for (int r = 0; t && a >= 0 && c >= 0 && f >= 0 && r < t->nrows && n < cap; r++) {
		const ms_cell *ca = &t->cells[(size_t)r * (size_t)t->ncols + (size_t)a];
		const ms_cell *cc = &t->cells[(size_t)r * (size_t)t->ncols + (size_t)c];
		const ms_cell *cf = &t->cells[(size_t)r * (size_t)t->ncols + (size_t)f];
		n += (size_t)snprintf(buf + n, cap - n, "%s:%lld,%lld;", ca->null ? "-" : ca->s, (long long)cc->i,
				      (long long)cf->i);
	}
}

static const char *expect = "alice@example.com:1,2;bob@example.com:0,1;";

UT_TEST(report_account_threaded_and_serial_agree)
{
	char path[] = "/tmp/ms-ut-acct-XXXXXX", err[256] = "", a[512], b[512];
	int fd = mkstemp(path);
	sqlite3 *db = NULL, *mem = NULL;
	UT_ASSERT(fd >= 0);
	close(fd);
	UT_ASSERT(sqlite3_open(path, &db) == SQLITE_OK);
	UT_ASSERT(sqlite3_exec(db, ms_schema_sql, NULL, NULL, NULL) == SQLITE_OK);
	UT_ASSERT(sqlite3_exec(db, rows_sql, NULL, NULL, NULL) == SQLITE_OK);
	/* the file: the findings on a second connection */
	ms_query q = { .db = db };
	ms_table *t = ms_report_by_account(&q, err, sizeof err);
	UT_ASSERT(t != NULL);
	summary(t, a, sizeof a);
	ms_table_free(t);
	UT_EQ_STR(a, expect);
	UT_EQ_INT(sqlite3_get_autocommit(db), 1); /* its read transaction ended */
	/* a copy in memory: no second connection, the findings after the scans */
	UT_ASSERT(sqlite3_open(":memory:", &mem) == SQLITE_OK);
	sqlite3_backup *bk = sqlite3_backup_init(mem, "main", db, "main");
	UT_ASSERT(bk != NULL);
	sqlite3_backup_step(bk, -1);
	UT_EQ_INT(sqlite3_backup_finish(bk), SQLITE_OK);
	q.db = mem;
	t = ms_report_by_account(&q, err, sizeof err);
	UT_ASSERT(t != NULL);
	summary(t, b, sizeof b);
	ms_table_free(t);
	UT_EQ_STR(b, expect);
	/* the caller's transaction is left open */
	q.db = db;
	UT_ASSERT(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
	t = ms_report_by_account(&q, err, sizeof err);
	UT_ASSERT(t != NULL);
	summary(t, a, sizeof a);
	ms_table_free(t);
	UT_EQ_STR(a, expect);
	UT_EQ_INT(sqlite3_get_autocommit(db), 0);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(mem);
	sqlite3_close(db);
	unlink(path);
}
