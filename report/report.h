/* SPDX-License-Identifier: MIT */
/*
 * report.h - report queries.  Each reads the database only and fills an
 * ms_table (see table.h); field meanings follow SEMANTICS (docs/semantics.md)
 * and are documented in docs/reports.md.
 */
#ifndef MS_REPORT_H
#define MS_REPORT_H

#include <sqlite3.h>
#include "table.h"

/*
 * Every query returns a table it allocates (caller frees with ms_table_free),
 * or NULL with a message in err.  A message that starts with "--" blames an
 * option (the command exits with the usage code), anything else the database.
 */
typedef struct {
	sqlite3 *db;
	int64_t since, until;   /* UTC seconds; 0 = unbounded */
	int64_t now;
	int window;             /* seconds, --by window */
} ms_query;

ms_table *ms_report_by_ip(const ms_query *q, char *err, size_t errlen);
ms_table *ms_report_by_account(const ms_query *q, char *err, size_t errlen);
/* successful logins from IPs (or on accounts) with earlier failures */
ms_table *ms_report_success_after_failure(const ms_query *q, char *err, size_t errlen);
/* per input file: lines, recognised, unrecognised ... */
ms_table *ms_report_sources(const ms_query *q, char *err, size_t errlen);
/* unrecognised lines by program */
ms_table *ms_report_unrecognised(const ms_query *q, char *err, size_t errlen);
/* the syslog daemon's notices that it dropped lines (rate limits) */
ms_table *ms_report_log_loss(const ms_query *q, char *err, size_t errlen);
/* one row per negotiated TLS parameter set (and one for no TLS), weak ones flagged */
ms_table *ms_report_by_cipher(const ms_query *q, char *err, size_t errlen);
/* activity per q->window seconds (default 1h), buckets aligned in the TZ zone;
 * fails (NULL, err set) beyond 100000 buckets */
ms_table *ms_report_by_window(const ms_query *q, char *err, size_t errlen);

/* short reason tokens for weak TLS parameters ("TLSv1.0", "RC4", "3DES",
 * "<128bit", ...) into out[0..max); returns how many (0 = not weak) */
int ms_tls_weak_reasons(const char *protocol, const char *cipher, int bits, const char **out, int max);

/* helpers shared by the query files */
int ms_q_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err, size_t errlen);
/* makes room for index k in *v (elements of size, *cap of them, doubling); -1 when out of memory */
int ms_reserve(void **v, size_t k, size_t *cap, size_t size);
void ms_q_bind_range(sqlite3_stmt *st, const ms_query *q, int first_param);
/* the range as bound: since (or INT64_MIN), until (or INT64_MAX) */
int64_t ms_q_since(const ms_query *q);
int64_t ms_q_until(const ms_query *q);
const char *ms_src_name(int src);  /* "logged", "decoded", "inferred" */
/* a 2 MiB page cache for a full-table scan; returns the size for ms_q_cache_restore (0: none) */
int64_t ms_q_cache_cap(sqlite3 *db);
void ms_q_cache_restore(sqlite3 *db, int64_t old);
/* finalizes a scan's statement; 0 when rc is SQLITE_DONE, else -1 and err
 * ("out of memory" when oom, the caller's own allocation failed, or rc is SQLITE_NOMEM) */
int ms_q_scan_end(sqlite3 *db, sqlite3_stmt *st, int rc, int oom, char *err, size_t errlen);
/*
 * A scan whose rows go to fn inside SQLite's own loop: sql calls the SQL
 * function ms_row(...) once per row, e.g. "SELECT count(ms_row(ip_id, ts))
 * FROM t"; with range_col (e.g. "ts"), only the rows whose range_col is in
 * q's --since/--until range (unbounded: an integer), ANDed to sql's own
 * condition if its last clause is a WHERE (nothing may follow it); without
 * range_col, the range is bound to ?1 and ?2 if sql has them.  fn gets user
 * and reads the row's values with sqlite3_value_*(); it stops the scan
 * with sqlite3_result_error_nomem() (or another sqlite3_result_error*()).
 * A row costs ~40 % less than with sqlite3_step() and sqlite3_column_*().
 * Returns 0, or -1 with err as ms_q_scan_end() sets it.
 */
typedef void (*ms_row_fn)(sqlite3_context *cx, void *user, int argc, sqlite3_value **argv);
int ms_q_scan_rows(sqlite3 *db, const ms_query *q, const char *sql, const char *range_col, ms_row_fn fn,
		   void *user, char *err, size_t errlen);
/*
 * One read transaction around many statements: every one sees the same
 * database (also a connection opened while it lasts: no commit can land
 * while this one holds its lock), and the lock is not taken and dropped per
 * statement.  Left alone when the caller has one open.  Returns 1 if it
 * began one, 0 if the caller's was open, -1 if the lock could not be taken
 * (nothing is then open); ms_q_read_end() takes that value.
 */
int ms_q_read_begin(sqlite3 *db);
void ms_q_read_end(sqlite3 *db, int began);
/* a second read-only connection to db's file (for a scan on another thread),
 * waiting up to wait_ms for a lock, or NULL.  A caller that holds a read
 * transaction on db while it waits for the other thread gives it a short
 * wait: a writer's commit then waits for db, and the thread for the commit */
sqlite3 *ms_q_open_sibling(sqlite3 *db, int wait_ms);

#endif
