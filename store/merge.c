/* SPDX-License-Identifier: MIT */
/* merge.c - the rows of another mailsleuth database added to this one (mailsleuth merge). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "merge.h"
#include "store.h"

/*
 * How a column is carried over.  Ids are per database: a table's own id
 * and the session it names move past this database's largest; a source,
 * host, address, account, string or TLS parameter set is found again by
 * its value (added when new).  Every other column is copied as it is.
 */
typedef struct {
	const char *table, *column, *how;
} colmap;

static const colmap maps[] = {
	{ "sources", "id", "source" },
	{ "source_files", "source_id", "source" },
	{ "unrecognised", "source_id", "source" },
	{ "log_loss", "source_id", "source" }, { "log_loss", "host_id", "host" },
	{ "sessions", "id", "id" }, { "sessions", "host_id", "host" }, { "sessions", "service_id", "string" },
	{ "sessions", "ip_id", "ip" }, { "sessions", "client_name_id", "string" },
	{ "sessions", "end_reason_id", "string" }, { "sessions", "end_after_id", "string" },
	{ "sessions", "tls_id", "tls" }, { "sessions", "auth_account_id", "account" },
	{ "sessions", "auth_method_id", "string" }, { "sessions", "source_id", "source" },
	{ "auth_events", "id", "id" }, { "auth_events", "session_id", "session" }, { "auth_events", "host_id", "host" },
	{ "auth_events", "service_id", "string" }, { "auth_events", "ip_id", "ip" }, { "auth_events", "mech_id", "string" },
	{ "auth_events", "reason_id", "string" }, { "auth_events", "account_id", "account" },
	{ "auth_events", "pw_hmac", "hmac" }, { "auth_events", "source_id", "source" },
	{ "messages", "id", "id" }, { "messages", "session_id", "session" }, { "messages", "host_id", "host" },
	{ "messages", "ip_id", "ip" }, { "messages", "account_id", "account" }, { "messages", "source_id", "source" },
	{ "rejects", "id", "id" }, { "rejects", "session_id", "session" }, { "rejects", "host_id", "host" },
	{ "rejects", "ip_id", "ip" }, { "rejects", "action_id", "string" }, { "rejects", "stage_id", "string" },
	{ "rejects", "source_id", "source" },
	{ "postscreen", "id", "id" }, { "postscreen", "host_id", "host" }, { "postscreen", "ip_id", "ip" },
	{ "postscreen", "verdict_id", "string" }, { "postscreen", "source_id", "source" },
	{ "backend_events", "id", "id" }, { "backend_events", "host_id", "host" }, { "backend_events", "ip_id", "ip" },
	{ "backend_events", "account_id", "account" }, { "backend_events", "backend_id", "string" },
	{ "backend_events", "service_id", "string" }, { "backend_events", "source_id", "source" },
};

/* the value tables: key columns, found again by them */
static const struct {
	const char *kind, *table, *cols, *key;
} values[] = {
	{ "host", "hosts", "name", "name" },
	{ "ip", "ips", "ip, family", "ip" },
	{ "account", "accounts", "name", "name" },
	{ "string", "strings", "s", "s" },
	{ "tls", "tls_params", "protocol, cipher, bits, alg_bits, trust, kex, key", "key" },
};

/* the tables of rows, in the order they are copied (sources first) */
static const char *const tables[] = { "sources", "source_files", "unrecognised", "log_loss", "sessions",
				      "auth_events", "messages", "rejects", "postscreen", "backend_events" };

typedef struct {
	sqlite3 *db;
	char *err;
	size_t errlen;
} mctx;

static int fail(mctx *m, const char *what)
{
	snprintf(m->err, m->errlen, "%s: %s", what, sqlite3_errmsg(m->db));
	return -1;
}

static int exec(mctx *m, const char *sql)
{
	return sqlite3_exec(m->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(m, "merge");
}

static int64_t scalar(mctx *m, const char *sql)
{
	sqlite3_stmt *q;
	int64_t v = 0;
	if (sqlite3_prepare_v2(m->db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* a growing SQL text; overflow makes it unusable (b->n = cap) */
typedef struct {
	char p[16384];
	size_t n;
} sqlbuf;

static void add(sqlbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(sqlbuf *b, const char *fmt, ...)
{
	va_list ap;
	if (b->n >= sizeof b->p)
		return;
	va_start(ap, fmt);
	int k = vsnprintf(b->p + b->n, sizeof b->p - b->n, fmt, ap);
	va_end(ap);
	b->n = k < 0 || (size_t)k >= sizeof b->p - b->n ? sizeof b->p : b->n + (size_t)k;
}

static const char *how_of(const char *table, const char *col)
{
	for (size_t i = 0; i < sizeof maps / sizeof *maps; i++)
		if (!strcmp(maps[i].table, table) && !strcmp(maps[i].column, col))
			return maps[i].how;
	return NULL;
}

/* is table a table of the other database (not a view: it would run
 * whatever query its author wrote), and has it column col (NULL: any)? */
static int src_has(mctx *m, const char *table, const char *col)
{
	sqlite3_stmt *q;
	int found = 0;
	const char *sql = col ? "SELECT 1 FROM src.pragma_table_info(?1) WHERE name = ?2"
			      : "SELECT 1 FROM src.sqlite_master WHERE type = 'table' AND name = ?1";
	if (sqlite3_prepare_v2(m->db, sql, -1, &q, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
	if (col)
		sqlite3_bind_text(q, 2, col, -1, SQLITE_STATIC);
	found = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return found;
}

/* the rows of src.table whose source is merged, into main.table; off: the
 * table's id offset, off_sess the sessions' (taken before any was copied) */
static int copy_table(mctx *m, const char *table, int same_key, int64_t off, int64_t off_sess, int64_t *rows)
{
	sqlbuf cols = { .n = 0 }, sel = { .n = 0 }, sql = { .n = 0 };
	sqlite3_stmt *q;
	*rows = 0;
	if (!src_has(m, table, NULL))
		return 0; /* an older database without it (log_loss) */
	if (sqlite3_prepare_v2(m->db, "SELECT name FROM main.pragma_table_info(?)", -1, &q, NULL) != SQLITE_OK)
		return fail(m, table);
	sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
	int ncol = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(q, 0);
		if (!c)
			continue;
		const char *how = how_of(table, c);
		add(&cols, "%s\"%s\"", ncol ? ", " : "", c);
		add(&sel, "%s", ncol ? ", " : "");
		if (!src_has(m, table, c))
			add(&sel, "NULL"); /* a column added since that database was made */
		else if (!how)
			add(&sel, "x.\"%s\"", c);
		else if (!strcmp(how, "id"))
			add(&sel, "x.\"%s\" + %lld", c, (long long)off);
		else if (!strcmp(how, "session"))
			add(&sel, "x.\"%s\" + %lld", c, (long long)off_sess);
		else if (!strcmp(how, "hmac"))
			add(&sel, same_key ? "x.\"%s\"" : "NULL /* %s */", c);
		else
			add(&sel, "(SELECT new FROM temp.m_%s WHERE old = x.\"%s\")", how, c);
		ncol++;
	}
	sqlite3_finalize(q);
	if (!ncol || cols.n >= sizeof cols.p || sel.n >= sizeof sel.p) {
		snprintf(m->err, m->errlen, "%s: cannot list its columns", table);
		return -1;
	}
	/* source_files' key (path, size, time) may be this database's already */
	add(&sql, "INSERT %sINTO main.%s(%s) SELECT %s FROM src.%s x WHERE x.\"%s\" IN (SELECT old FROM temp.m_source)",
	    !strcmp(table, "source_files") ? "OR IGNORE " : "", table, cols.p, sel.p, table,
	    !strcmp(table, "sources") ? "id" : "source_id");
	if (sql.n >= sizeof sql.p) {
		snprintf(m->err, m->errlen, "%s: too many columns", table);
		return -1;
	}
	if (exec(m, sql.p) != 0)
		return -1;
	*rows = sqlite3_changes(m->db);
	return 0;
}

static int hmac_keys_agree(mctx *m)
{
	return scalar(m, "SELECT count(*) FROM main.meta a JOIN src.meta b ON a.key = 'hmac_key' AND b.key = 'hmac_key'"
			 " AND a.value = b.value AND length(a.value) = 64") == 1;
}

static int merge_in_tx(mctx *m, ms_merge_stats *st)
{
	char sql[512];
	static const char *const needed[] = { "hosts", "ips", "accounts", "strings", "tls_params", "sources", "meta" };
	for (size_t i = 0; i < sizeof needed / sizeof *needed; i++)
		if (!src_has(m, needed[i], NULL)) {
			snprintf(m->err, m->errlen, "%s: not a table of a mailsleuth database", needed[i]);
			return -1;
		}
	for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
		snprintf(sql, sizeof sql,
			 "INSERT OR IGNORE INTO main.%s(%s) SELECT %s FROM src.%s ORDER BY id;"
			 "CREATE TEMP TABLE m_%s(old INTEGER PRIMARY KEY, new INTEGER);"
			 "INSERT INTO temp.m_%s SELECT s.id, t.id FROM src.%s s JOIN main.%s t ON t.%s = s.%s",
			 values[i].table, values[i].cols, values[i].cols, values[i].table, values[i].kind, values[i].kind,
			 values[i].table, values[i].table, values[i].key, values[i].key);
		if (exec(m, sql) != 0)
			return -1;
	}
	/* a source this database has (the same first bytes: the same log,
	 * however far each read it) is not merged again, nor its rows; one
	 * that gave nothing (no first bytes) by its name */
	int64_t off = scalar(m, "SELECT coalesce(max(id), 0) FROM main.sources");
	snprintf(sql, sizeof sql,
		 "CREATE TEMP TABLE m_source(old INTEGER PRIMARY KEY, new INTEGER);"
		 "INSERT INTO temp.m_source SELECT s.id, s.id + %lld FROM src.sources s WHERE NOT EXISTS"
		 " (SELECT 1 FROM main.sources t WHERE t.fingerprint = s.fingerprint AND t.head_len = s.head_len"
		 " AND (s.head_len > 0 OR t.path = s.path))",
		 (long long)(off < 0 ? 0 : off));
	if (off < 0 || exec(m, sql) != 0)
		return -1;
	st->sources_skipped = scalar(m, "SELECT count(*) FROM src.sources") - scalar(m, "SELECT count(*) FROM temp.m_source");
	/* a database nothing was written to yet takes the key of the first
	 * one merged into it, and so keeps its fingerprints */
	if (scalar(m, "SELECT count(*) FROM main.auth_events") == 0 &&
	    scalar(m, "SELECT count(*) FROM src.meta WHERE key = 'hmac_key' AND length(value) = 64") == 1 &&
	    exec(m, "UPDATE main.meta SET value = (SELECT value FROM src.meta WHERE key = 'hmac_key')"
		    " WHERE key = 'hmac_key'") != 0)
		return -1;
	int same_key = hmac_keys_agree(m);
	if (!same_key)
		st->hmac_dropped = scalar(m, "SELECT count(*) FROM src.auth_events WHERE pw_hmac IS NOT NULL AND source_id IN"
					     " (SELECT old FROM temp.m_source)");
	int64_t *out[] = { &st->sources, NULL, NULL, NULL, &st->sessions, &st->auth_events, &st->messages,
			   &st->rejects, &st->postscreen, &st->backend_events };
	int64_t offs[sizeof tables / sizeof *tables];
	/* every offset before any row is copied: a session id moves by what
	 * this database had, not by what it has after the sessions merged */
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		snprintf(sql, sizeof sql, "SELECT coalesce(max(rowid), 0) FROM main.%s", tables[i]);
		offs[i] = scalar(m, sql);
		/* ids far from overflowing, in both: a hand-made database's
		 * INT64_MAX would wrap the next ingest's ids onto merged rows */
		int64_t lo = 1, hi = 0;
		if (src_has(m, tables[i], NULL) && strcmp(tables[i], "source_files") && strcmp(tables[i], "unrecognised") &&
		    strcmp(tables[i], "log_loss")) {
			snprintf(sql, sizeof sql, "SELECT coalesce(min(rowid), 1) FROM src.%s", tables[i]);
			lo = scalar(m, sql);
			snprintf(sql, sizeof sql, "SELECT coalesce(max(rowid), 0) FROM src.%s", tables[i]);
			hi = scalar(m, sql);
		}
		if (offs[i] < 0 || offs[i] >= ((int64_t)1 << 60) || lo < 1 || hi < 0 || hi >= ((int64_t)1 << 60)) {
			snprintf(m->err, m->errlen, "%s: ids out of range (a damaged or edited database)", tables[i]);
			return -1;
		}
	}
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		int64_t n = 0;
		if (copy_table(m, tables[i], same_key, offs[i], offs[4] /* sessions */, &n) != 0)
			return -1;
		if (out[i])
			*out[i] = n;
	}
	return 0;
}

int ms_store_merge(sqlite3 *db, const char *path, ms_merge_stats *st, char *err, size_t errlen)
{
	mctx m = { db, err, errlen };
	sqlite3_stmt *q;
	memset(st, 0, sizeof *st);
	if (sqlite3_prepare_v2(db, "ATTACH DATABASE ? AS src", -1, &q, NULL) != SQLITE_OK)
		return fail(&m, "attach");
	sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return fail(&m, path);
	rc = ms_db_begin_write(db) == SQLITE_OK ? 0 : fail(&m, "merge");
	if (rc == 0 && (merge_in_tx(&m, st) != 0 || exec(&m, "COMMIT") != 0)) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		rc = -1;
	}
	sqlite3_exec(db, "DROP TABLE IF EXISTS temp.m_host; DROP TABLE IF EXISTS temp.m_ip;"
			 "DROP TABLE IF EXISTS temp.m_account; DROP TABLE IF EXISTS temp.m_string;"
			 "DROP TABLE IF EXISTS temp.m_tls; DROP TABLE IF EXISTS temp.m_source; DETACH DATABASE src",
		     NULL, NULL, NULL);
	return rc;
}
