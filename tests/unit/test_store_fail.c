/* SPDX-License-Identifier: MIT */
/* a store whose transaction SQLite rolled back by itself (a full disk, an
 * I/O error in the middle of a batch) writes nothing more: the rows that
 * follow would each commit on their own, and the next run, the source never
 * recorded, would count them again.  The first error is the message. */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "ut.h"
#include "ut_sql.h"
#include "../../store/store.h"

static void ps_row(const ms_sink *k, int64_t id, const char *ip)
{
	ms_postscreen_rec r;
	memset(&r, 0, sizeof r);
	r.id = id;
	r.host = "mx";
	r.ip = ip;
	r.port = 25;
	r.start_ts = 1700000000 + id;
	r.end_ts = r.start_ts;
	r.verdict = "pass_new";
	k->postscreen(k->ctx, &r);
}

UT_TEST(store_nothing_after_its_transaction_is_gone)
{
	char path[] = "/tmp/ms-ut-fail-XXXXXX", err[256];
	int fd = mkstemp(path);
	UT_ASSERT(fd >= 0);
	close(fd);
	unlink(path);
	ms_store *st = ms_store_open(path, MS_OPEN_WRITE, err, sizeof err);
	UT_ASSERT(st != NULL);
	ms_sink k = ms_store_sink(st);
	UT_EQ_INT(ms_store_begin(st), 0);
	ps_row(&k, 1, "192.0.2.1");
	ps_row(&k, 2, "192.0.2.2");
	ms_store_flush(st);
	UT_EQ_INT(ms_store_failed(st), 0);
	/* what SQLite does on SQLITE_FULL or SQLITE_IOERR while spilling pages */
	UT_EQ_INT(sqlite3_exec(ms_store_db(st), "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	ps_row(&k, 3, "192.0.2.3"); /* a new address: its interning writes too */
	ms_store_flush(st);
	UT_EQ_INT(ms_store_failed(st), 1);
	UT_ASSERT(strstr(ms_store_errmsg(st), "rolled the batch back") != NULL);
	ps_row(&k, 4, "192.0.2.4");
	UT_ASSERT(ms_store_commit(st) != 0);
	UT_ASSERT(strstr(ms_store_errmsg(st), "rolled the batch back") != NULL); /* the first error stays */
	ms_store_close(st);
	sqlite3 *db = NULL;
	UT_ASSERT(sqlite3_open(path, &db) == SQLITE_OK);
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM postscreen"), 0);
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM ips"), 0);
	sqlite3_close(db);
	unlink(path);
}
