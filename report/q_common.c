/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
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

/*
 * A full scan reads each page once, and SQLite takes a fresh buffer for every
 * page read until the cache is full: with the read-only 8 MiB cache that is
 * ~2 000 page faults at ~12 us each on this kind of machine, for nothing.  So
 * a scanning report caps the connection's cache and gives it back afterwards.
 */
int64_t ms_q_cache_cap(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t old = 0;
	if (sqlite3_prepare_v2(db, "PRAGMA cache_size", -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		old = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (old != 0)
		sqlite3_exec(db, "PRAGMA cache_size=-2048", NULL, NULL, NULL);
	return old;
}

void ms_q_cache_restore(sqlite3 *db, int64_t old)
{
	char sql[64];
	if (old == 0)
		return;
	snprintf(sql, sizeof sql, "PRAGMA cache_size=%lld", (long long)old);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/*
 * Ends a scan: finalizes st and returns 0 when its last sqlite3_step(), rc,
 * was SQLITE_DONE.  Otherwise -1 with err: "out of memory" when oom (the
 * caller stopped for an allocation of its own) or rc is SQLITE_NOMEM (an
 * ms_row() callback's, or SQLite's own), else "query failed: " and SQLite's
 * message.
 */
int ms_q_scan_end(sqlite3 *db, sqlite3_stmt *st, int rc, int oom, char *err, size_t errlen)
{
	int ok = !oom && rc == SQLITE_DONE;
	if (oom || rc == SQLITE_NOMEM)
		snprintf(err, errlen, "out of memory");
	else if (!ok)
		snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

int ms_q_read_begin(sqlite3 *db)
{
	int began = sqlite3_get_autocommit(db) && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
	/* a deferred transaction takes its lock at its first read */
	if (sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) == SQLITE_OK)
		return began;
	ms_q_read_end(db, began);
	return -1;
}

void ms_q_read_end(sqlite3 *db, int began)
{
	if (began == 1 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/*
 * A second read-only connection to db's file, for a scan on another thread
 * (a connection is used by one thread at a time).  NULL when db has no file
 * (in-memory, temporary) or the open fails: the caller then scans serially.
 */
sqlite3 *ms_q_open_sibling(sqlite3 *db, int wait_ms)
{
	const char *path = sqlite3_db_filename(db, "main");
	sqlite3 *d = NULL;
	if (!path || !*path)
		return NULL;
	if (sqlite3_open_v2(path, &d, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sqlite3_close(d);
		return NULL;
	}
	sqlite3_busy_timeout(d, wait_ms);
	return d;
}

/*
 * ms_row() is registered with a slot of its own, which SQLite frees when the
 * function is removed or replaced or the connection closes; a scan's end
 * marks it dead first.  So if the removal fails (SQLITE_BUSY: another
 * statement of the connection is running), the function left behind points
 * at no caller's stack, and does nothing until it is replaced.
 */
typedef struct {
	ms_row_fn fn;
	void *user;
	int live;
} row_slot;

static void row_tramp(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	row_slot *r = sqlite3_user_data(cx);
	if (r->live)
		r->fn(cx, r->user, argc, argv);
}

/* the last " WHERE " of s, or NULL */
static const char *last_where(const char *s)
{
	const char *w = NULL;
	for (const char *p = strstr(s, " WHERE "); p; p = strstr(p + 1, " WHERE "))
		w = p;
	return w;
}

int ms_q_scan_rows(sqlite3 *db, const ms_query *q, const char *sql, const char *range_col, ms_row_fn fn,
		   void *user, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char full[1024];
	int rc, n;
	/* also without --since/--until (the bounds are then the extreme integers): a NULL or
	 * text time is never in the range, as before.  "+col": tested on each row of the
	 * scan, never through an index.  sql's own condition, its last clause, is
	 * parenthesised: "a OR b" stays one term. */
	const char *w = range_col ? last_where(sql) : NULL;
	if (!range_col)
		n = snprintf(full, sizeof full, "%s", sql);
	else if (w)
		n = snprintf(full, sizeof full, "%.*s WHERE (%s) AND +%s >= ?1 AND +%s < ?2", (int)(w - sql), sql,
			     w + 7, range_col, range_col);
	else
		n = snprintf(full, sizeof full, "%s WHERE +%s >= ?1 AND +%s < ?2", sql, range_col, range_col);
	if (n < 0 || n >= (int)sizeof full) {
		snprintf(err, errlen, "query failed: statement too long");
		return -1;
	}
	row_slot *slot = malloc(sizeof *slot);
	if (!slot) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*slot = (row_slot){ fn, user, 1 };
	/* DIRECTONLY: callable from this statement, never from a view or trigger of the file */
	if (sqlite3_create_function_v2(db, "ms_row", -1, SQLITE_UTF8 | SQLITE_DIRECTONLY, slot, row_tramp, NULL,
				       NULL, free) != SQLITE_OK) {
		/* SQLite called free(slot) already */
		snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (ms_q_prepare(db, full, &st, err, errlen) == 0) {
		if (sqlite3_bind_parameter_count(st) >= 2) /* ours, or the caller's ?1 and ?2 */
			ms_q_bind_range(st, q, 1);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		rc = ms_q_scan_end(db, st, rc, 0, err, errlen);
	} else {
		rc = -1;
	}
	slot->live = 0;
	sqlite3_create_function_v2(db, "ms_row", -1, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL, NULL, NULL, NULL, NULL);
	return rc;
}

int ms_reserve(void **v, size_t k, size_t *cap, size_t size)
{
	size_t nc;
	void *p;
	if (k < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 256;
	while (nc <= k)
		nc *= 2;
	p = realloc(*v, nc * size);
	if (!p)
		return -1;
	*v = p;
	*cap = nc;
	return 0;
}
