/* SPDX-License-Identifier: MIT */
/* store interning: an address or name gets one id, whatever cache finds it;
 * ids given out in a transaction that was rolled back are not reused for
 * another key afterwards (the IPv4 cache and the per-field memos forget
 * them); dotted quads that are not canonical are other addresses. */
#include <stdint.h>
#include <sqlite3.h>
#include "ut.h"
#include "ut_sql.h"
#include "../../store/store.h"

/* one postscreen row (the narrowest record with a host and an address) */
static void ps(ms_store *st, const ms_sink *k, int64_t id, const char *host, const char *ip, const char *verdict)
{
	ms_postscreen_rec r;
	memset(&r, 0, sizeof r);
	r.id = id;
	r.host = host;
	r.ip = ip;
	r.port = 25;
	r.start_ts = 1700000000 + id;
	r.end_ts = r.start_ts;
	r.verdict = verdict;
	k->postscreen(k->ctx, &r);
	(void)st;
}

/* the address and the host the row of postscreen id has */
static int row_is(sqlite3 *db, int64_t id, const char *ip, const char *host)
{
	char sql[256];
	sqlite3_stmt *q;
	int ok = 0;
	snprintf(sql, sizeof sql,
		 "SELECT i.ip, h.name FROM postscreen p JOIN ips i ON i.id = p.ip_id JOIN hosts h ON h.id = p.host_id"
		 " WHERE p.id = %lld",
		 (long long)id);
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(q) == SQLITE_ROW)
		ok = !strcmp((const char *)sqlite3_column_text(q, 0), ip) &&
		     !strcmp((const char *)sqlite3_column_text(q, 1), host);
	sqlite3_finalize(q);
	return ok;
}

UT_TEST(store_intern_rollback_and_forms)
{
	char err[256];
	ms_store *st = ms_store_open(":memory:", MS_OPEN_WRITE, err, sizeof err);
	UT_ASSERT(st != NULL);
	ms_sink k = ms_store_sink(st);
	sqlite3 *db = ms_store_db(st);

	/* committed: 192.0.2.1 and mx1 */
	UT_EQ_INT(ms_store_begin(st), 0);
	ps(st, &k, 1, "mx1", "192.0.2.1", "pass_new");
	UT_EQ_INT(ms_store_commit(st), 0);

	/* rolled back: 192.0.2.2 and mx2 got ids, then vanished */
	UT_EQ_INT(ms_store_begin(st), 0);
	ps(st, &k, 2, "mx2", "192.0.2.2", "hangup");
	ms_store_flush(st);
	ms_store_rollback(st);

	/* the same ids go to other keys now (a back end's name takes the id
	 * "hangup" had, through another field); the rolled-back keys get new ones */
	UT_EQ_INT(ms_store_begin(st), 0);
	{
		ms_backend_rec b;
		memset(&b, 0, sizeof b);
		b.id = 1;
		b.ts = 1700000000;
		b.host = "mx1";
		b.ip = "192.0.2.9";
		b.backend = "dovecot";
		b.pw_len = -1;
		k.backend(k.ctx, &b);
	}
	ps(st, &k, 4, "mx2", "192.0.2.2", "hangup");
	ps(st, &k, 3, "mx3", "192.0.2.3", "pass_old");
	ps(st, &k, 5, "mx1", "192.0.2.1", "pass_new");
	/* forms of 192.0.2.1 that are not canonical: other keys */
	ps(st, &k, 6, "mx1", "192.0.2.01", "pass_new");
	ps(st, &k, 7, "mx1", "192.000.2.1", "pass_new");
	ps(st, &k, 8, "mx1", "192.0.2.1.", "pass_new");
	ps(st, &k, 9, "mx1", "192.0.2.1", "pass_new");
	UT_EQ_INT(ms_store_commit(st), 0);

	UT_ASSERT(row_is(db, 1, "192.0.2.1", "mx1"));
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM postscreen WHERE id = 2"), 0);
	UT_ASSERT(row_is(db, 3, "192.0.2.3", "mx3"));
	UT_ASSERT(row_is(db, 4, "192.0.2.2", "mx2"));
	UT_ASSERT(row_is(db, 5, "192.0.2.1", "mx1"));
	UT_ASSERT(row_is(db, 6, "192.0.2.01", "mx1"));
	UT_ASSERT(row_is(db, 7, "192.000.2.1", "mx1"));
	UT_ASSERT(row_is(db, 8, "192.0.2.1.", "mx1"));
	UT_ASSERT(row_is(db, 9, "192.0.2.1", "mx1"));
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM ips"), 7);
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM hosts"), 3);
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM strings WHERE s IN ('pass_new', 'hangup', 'pass_old', 'dovecot')"), 4);
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM postscreen p JOIN strings v ON v.id = p.verdict_id WHERE p.id = 4 AND "
			    "v.s = 'hangup'"),
		  1);
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM backend_events b JOIN strings v ON v.id = b.backend_id JOIN ips i ON "
			    "i.id = b.ip_id WHERE v.s = 'dovecot' AND i.ip = '192.0.2.9'"),
		  1);
	ms_store_close(st);
}

/* many addresses, several to a bucket of the IPv4 cache, in rounds: every row at its own address */
UT_TEST(store_intern_v4_many)
{
	char err[256];
	ms_store *st = ms_store_open(":memory:", MS_OPEN_WRITE, err, sizeof err);
	UT_ASSERT(st != NULL);
	ms_sink k = ms_store_sink(st);
	sqlite3 *db = ms_store_db(st);
	const int n = 300000; /* more than the cache's 2 x 2^17 */
	int64_t id = 1;
	UT_EQ_INT(ms_store_begin(st), 0);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < n; i++) {
			char ip[32];
			snprintf(ip, sizeof ip, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
			ps(st, &k, id++, "mx", ip, "pass_new");
		}
	UT_EQ_INT(ms_store_commit(st), 0);
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM ips"), n);
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM postscreen p JOIN ips i ON i.id = p.ip_id WHERE i.ip = '10.' || "
			    "((p.id - 1) % 300000 / 65536) || '.' || ((p.id - 1) % 300000 / 256 % 256) || '.' || "
			    "((p.id - 1) % 300000 % 256)"),
		  2 * n);
	ms_store_close(st);
}

/* long keys, more bytes than one generation of a map holds but fewer keys
 * than it counts: the generations swap by bytes, and every key keeps its
 * one id through the swaps (found again in the older map, the table or the
 * filter's "new") */
UT_TEST(store_intern_long_keys)
{
	char err[256];
	ms_store *st = ms_store_open(":memory:", MS_OPEN_WRITE, err, sizeof err);
	UT_ASSERT(st != NULL);
	ms_sink k = ms_store_sink(st);
	sqlite3 *db = ms_store_db(st);
	const int n = 40000; /* x ~150 bytes: 6 MB of keys, in 40 000 */
	int64_t id = 1;
	UT_EQ_INT(ms_store_begin(st), 0);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < n; i++) {
			char v[160];
			snprintf(v, sizeof v, "%06d-%0130d", round == 1 ? n - 1 - i : i, 0);
			ps(st, &k, id++, "mx", "192.0.2.1", v);
		}
	UT_EQ_INT(ms_store_commit(st), 0);
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM strings WHERE length(s) = 137"), n);
	/* every row's verdict is the key it was given */
	UT_EQ_INT(ut_sql_int(db, "SELECT count(*) FROM postscreen p JOIN strings v ON v.id = p.verdict_id"
			    " WHERE CAST(substr(v.s, 1, 6) AS INTEGER) = CASE WHEN (p.id - 1) / 40000 = 1"
			    " THEN 39999 - (p.id - 1) % 40000 ELSE (p.id - 1) % 40000 END"),
		  3 * n);
	ms_store_close(st);
}
