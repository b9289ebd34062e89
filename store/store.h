/* SPDX-License-Identifier: MIT */
/*
 * store.h - the SQLite database: schema, versioning and every write.
 *
 * The schema (docs/schema.md) is the contract between ingest and reports.
 * Records from the parser are written with INSERT OR REPLACE on their
 * tracker-assigned ids; IPs, accounts, hosts and short strings are interned
 * into integer ids.  Writes happen inside transactions the caller opens with
 * ms_store_begin() / ms_store_commit(); the source's progress is recorded in
 * the same transaction as its rows, so a crash never leaves half a batch.
 *
 * Ownership: ms_store_open() / ms_store_close().  Errors are returned (and
 * kept in ms_store_errmsg()), never printed.  One thread at a time.
 */
#ifndef MS_STORE_H
#define MS_STORE_H

#include <stdint.h>
#include <sqlite3.h>
#include "../parser/record.h"
#include "../parser/tracker.h"

/*
 * BEGIN IMMEDIATE on db, waiting two seconds for another writer (cron runs
 * do not queue behind each other), then up to a minute for readers while
 * the transaction lasts (a commit needs them gone).  SQLite's result code.
 */
int ms_db_begin_write(sqlite3 *db);

#define MS_SCHEMA_VERSION 1

typedef struct ms_store ms_store;

enum { MS_OPEN_READ = 0, MS_OPEN_WRITE = 1, MS_OPEN_BULK = 2 };

/* mode MS_OPEN_WRITE creates the file (0600) and schema if needed; path ":memory:"
 * opens a private in-memory database (tests, fuzzing). */
ms_store *ms_store_open(const char *path, int mode, char *err, size_t errlen);
void ms_store_close(ms_store *s);
sqlite3 *ms_store_db(ms_store *s);
const char *ms_store_errmsg(const ms_store *s);
int ms_store_failed(const ms_store *s);   /* a write failed since open */

int ms_store_begin(ms_store *s);
int ms_store_commit(ms_store *s);
void ms_store_rollback(ms_store *s);

/* A sink whose callbacks write records into this store.  Rows are gathered
 * per table and inserted in batches: ms_store_commit() and ms_store_close()
 * insert what is left; a caller that reads the record tables through
 * ms_store_db() before committing calls ms_store_flush() first. */
ms_sink ms_store_sink(ms_store *s);
void ms_store_flush(ms_store *s);

void ms_store_next_ids(ms_store *s, ms_idgen *ids);
/* per-database random HMAC key (created with the database) */
int ms_store_hmac_key(ms_store *s, uint8_t key[32]);

typedef struct {
	int64_t id;
	char fingerprint[65];
	int64_t head_len;
	int64_t bytes, lines;
	int64_t recognised, unrecognised, skipped, malformed, overlong;
	int64_t first_ts, last_ts;
	int complete;
	char tail_hash[65];
	int year;             /* year state at the end of what was consumed */
	int64_t year_last_key;
	const char *compression; /* of the file last read under path (update only; NULL: keep) */
} ms_source_row;

/* Find a source by content fingerprint (hash of the first head_len bytes). */
int ms_store_source_find(ms_store *s, const char *fingerprint, ms_source_row *out);
/* All sources whose head_len is < full and that could be a prefix match: callers compare. */
int64_t ms_store_source_insert(ms_store *s, const char *path, const char *fingerprint, int64_t head_len,
			       int64_t file_size, int64_t mtime, const char *compression);
int ms_store_source_update(ms_store *s, const ms_source_row *r, const char *path, const char *error);
/* A stream that gave nothing (an empty live file just after rotation, a
 * damaged one with its error) is recorded under its name without a
 * fingerprint to find it by (head_len 0): forget such rows when the name
 * gives bytes (whatever is read under it now takes their place; before, the
 * empty one stayed listed beside it).  0, or -1 on a database error. */
int ms_store_source_forget_empty(ms_store *s, const char *path);
/* The reader's own state at the end of what was read of a source (the
 * year state of each syslog host, the last line: ingest/ingest.c), for the
 * run that goes on from there; in meta under "resume/ID".  put: 0 or -1;
 * get: a heap copy (caller frees), NULL when none. */
int ms_store_resume_put(ms_store *s, int64_t source_id, const void *blob, size_t n);
void *ms_store_resume_get(ms_store *s, int64_t source_id, size_t *n);
/* Was source id last read under this path? */
int ms_store_source_path_is(ms_store *s, int64_t id, const char *path);
/* quick skip cache: (path, size, mtime, fingerprint) seen complete */
int ms_store_file_seen(ms_store *s, const char *path, int64_t size, int64_t mtime, int64_t *source_id);
int ms_store_file_mark(ms_store *s, const char *path, int64_t size, int64_t mtime, int64_t source_id);

int ms_store_unrecognised_add(ms_store *s, int64_t source_id, const char *program, int64_t lines,
			      const char *sample);

/* the tracker's saved state, in pieces: begin with the whole length, write each piece in
 * order (ms_store_state_write fits ms_tracker_save_stream's out), end with
 * ok = whether every piece was handed over; 0 or -1 (error set) */
typedef struct ms_state_writer ms_state_writer;
ms_state_writer *ms_store_state_begin(ms_store *s, size_t len);
int ms_store_state_write(void *w, const void *p, size_t n);
int ms_store_state_end(ms_state_writer *w, int ok);
/* returns heap blob (caller frees) or NULL when none */
void *ms_store_state_load(ms_store *s, size_t *len);

/* Create the secondary indexes (after a bulk load); a no-op when they exist. */
int ms_store_index(ms_store *s);
/* Before an ingest: when no source was ever ingested, drop the secondary
 * indexes so the bulk load does not maintain them row by row (ms_store_index
 * rebuilds them at the end; an interrupted run leaves them to the next one).
 * Returns 1 dropped, 0 kept (the database has data), -1 error. */
int ms_store_bulk_begin(ms_store *s);

#endif
