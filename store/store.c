/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../util/utf8case.h"
#include "store.h"
#include "schema.h"
#include "rowbatch.h"
#include "../parser/addr.h"
#include "../parser/sha256.h"
#include "../util/strmap.h"

enum { ST_IP_INS, ST_ACCT_INS, ST_HOST_INS, ST_STR_INS, ST_TLS_INS, ST_BACKEND_DEL, ST_LOSS_INS, ST__N };

static const char *const stmt_sql[ST__N] = {
	[ST_IP_INS] = "INSERT INTO ips(id, ip, family) VALUES(?,?,?)",
	[ST_ACCT_INS] = "INSERT INTO accounts(id, name) VALUES(?,?)",
	[ST_HOST_INS] = "INSERT INTO hosts(id, name) VALUES(?,?)",
	[ST_STR_INS] = "INSERT INTO strings(id, s) VALUES(?,?)",
	[ST_TLS_INS] = "INSERT INTO tls_params(id, protocol, cipher, bits, alg_bits, trust, kex, key) VALUES(?,?,?,?,?,?,?,?)",
	[ST_BACKEND_DEL] = "DELETE FROM backend_events WHERE id = ?",
	[ST_LOSS_INS] = ("INSERT OR REPLACE INTO log_loss(source_id, line, ts, host_id, reporter, what, pid, lost)"
			 " VALUES(?,?,?,?,?,?,?,?)"),
};

/*
 * Record rows go through row batches (rowbatch.h): one INSERT ... SELECT per
 * ROW_BATCH rows of a table instead of one INSERT per row.  A stand-alone
 * test of 750 k session rows: 1.04 s in batches of 100 or 1 000 against
 * 1.62-2.0 s one per statement.  The columns of each table, in order; a
 * count that does not match the schema fails the statement's preparation.
 */
enum { RT_SESSION, RT_AUTH, RT_MESSAGE, RT_REJECT, RT_POSTSCREEN, RT_BACKEND, RT__N };
#define ROW_BATCH 128
static const struct {
	const char *table;
	int ncol;
} row_tables[RT__N] = {
	[RT_SESSION] = { "sessions", 50 },
	[RT_AUTH] = { "auth_events", 20 },
	[RT_MESSAGE] = { "messages", 16 },
	[RT_REJECT] = { "rejects", 15 },
	[RT_POSTSCREEN] = { "postscreen", 12 },
	[RT_BACKEND] = { "backend_events", 14 },
};

/*
 * Interning: a string -> id map in memory, bounded so that memory does not
 * grow with the input.  Two generations of at most INTERN_CACHE_MAX entries
 * each: a hit in the older one is copied into the current one, and when the
 * current one is full the older one is emptied and the two swap.  So what
 * was used since the last swap survives it; only keys unseen for a whole
 * generation are looked up in the table (its UNIQUE index) before a new id
 * is given out.  (Emptying one map when full sent ~270 k of the 1 GB
 * benchmark's address lookups to SQLite: 0.6 s of the writer's CPU.)
 */
#define INTERN_CACHE_MAX 65536
/* and of at most this many bytes of keys each: the client chooses its
 * names' lengths (reverse names, 3.9's sasl_username), and 65 536 keys of
 * ~130 bytes in two generations of three maps were ~50 MB.  The 1 GB
 * benchmark's generations stay under it (~2 MB each). */
#define INTERN_POOL_MAX (4u << 20)

/*
 * IPv4 addresses (canonical dotted quads) are looked up first by their 32
 * bits in a fixed cache: 2-way buckets of 16 bytes, one cache line per
 * lookup, where the string map touches its slot and its entry (both out of
 * cache with 100 k addresses) and a key evicted from both generations costs
 * a query.  2^17 buckets, 2 MiB, whatever the input: the 1 GB benchmark's
 * 127 k addresses nearly all stay.  A miss takes the string map's path.
 */
#define V4_BUCKET_BITS 17
typedef struct {
	uint32_t addr[2];
	uint32_t id[2]; /* 0: empty; [0] the more recently used */
} v4_bucket;

/*
 * The last key and id of each low-variety field (a record's host, service,
 * mechanism, end reason...): consecutive records mostly repeat them, and a
 * strcmp with a key in cache is a fraction of a lookup (hash, slot, entry).
 * One per field, not per map: the fields of one map alternate.  Emptied
 * with the maps at a rollback.
 */
enum { KM_HOST, KM_SERVICE, KM_MECH, KM_END_REASON, KM_END_AFTER, KM_AUTH_REASON, KM_ACTION, KM_STAGE,
       KM_VERDICT, KM_BACKEND, KM__N };
typedef struct {
	int64_t id;  /* 0: empty */
	char k[56];
} key_memo;

/*
 * When the table was empty at the start of the run, every key it holds went
 * through the maps, and a Bloom filter of them (made at the first swap, when
 * the current map still holds every key) tells most new keys from evicted
 * ones without the table lookup: about half of the 1 GB benchmark's lookups.
 * 2^23 bits: under 3 % false positives (a lookup that was not needed) at a
 * million keys; the filter is never wrong the other way.
 */
#define BLOOM_BITS (1u << 23)

typedef struct {
	ms_strmap map, old;
	uint64_t *bloom;        /* NULL until the first swap, or when not usable */
	int bloom_ok;           /* the table was empty when loaded: a filter can hold every key */
	int64_t next;
	int loaded;
	int bounded;            /* the table holds more than the map: look misses up */
	const char *table, *col;
	sqlite3_stmt *find;     /* SELECT id FROM table WHERE col=? */
} intern_t;

struct ms_store {
	sqlite3 *db;
	sqlite3_stmt *st[ST__N];
	ms_rowbatch rows[RT__N];
	intern_t ips, accts, hosts, strs, tls;
	v4_bucket *v4;          /* made by the first IPv4 address written; NULL if it could not be had */
	int v4_tried;
	key_memo memo[KM__N];
	int failed;
	int in_tx;
	int committing;         /* ms_store_commit()'s own COMMIT is running */
	char err[512];
};

static void discard_rows(ms_store *s);

/*
 * How long a connection waits for a lock (ms_db_begin_write() switches a
 * writer's).  A second writer's BEGIN IMMEDIATE waits WRITER_WAIT_MS and fails (docs/operations.md: cron runs do not queue
 * behind each other).  Inside its own transaction a writer waits only for
 * readers to finish (its commit, or a page spill, needs them gone), and a
 * reader waits only for a commit: both are short, so both wait up to
 * READER_WAIT_MS rather than fail beside a long `export`.
 */
#define WRITER_WAIT_MS 2000
#define READER_WAIT_MS 60000
static int begin_write(ms_store *s);

/* the store's message; once it has failed, the first one stays (what
 * follows a failure, such as a commit refused by commit_hook(), is not its
 * cause) */
static void set_err(ms_store *s, const char *fmt, ...)
{
	if (s->failed && s->err[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
}

const char *ms_store_errmsg(const ms_store *s) { return s->err; }
int ms_store_failed(const ms_store *s) { return s->failed; }
sqlite3 *ms_store_db(ms_store *s) { return s->db; }

/*
 * SQLite's commit hook, on every commit, explicit or of a statement run
 * outside a transaction: no commit once the store has failed, and none of a
 * lone statement while the store is in a transaction.  On a full disk or an
 * I/O error SQLite may roll the whole transaction back by itself; the rows
 * the writer still had in hand, the interning, a checkpoint's bookkeeping
 * would then each commit on their own, and the next run (the source never
 * recorded) would count them again.  Returning non-zero turns the commit
 * into a rollback.
 */
static int commit_hook(void *p)
{
	ms_store *s = p;
	if (!s->failed && s->in_tx && !s->committing) {
		s->failed = 1;
		set_err(s, "a write failed and the database rolled the batch back");
	}
	return s->failed;
}

static int exec(ms_store *s, const char *sql)
{
	char *e = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &e) != SQLITE_OK) {
		set_err(s, "%s", e ? e : sqlite3_errmsg(s->db));
		sqlite3_free(e);
		return -1;
	}
	return 0;
}

static int meta_get(ms_store *s, const char *key, char *out, size_t cap)
{
	sqlite3_stmt *q;
	int found = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key=?", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(q, 0);
		snprintf(out, cap, "%s", v ? (const char *)v : "");
		found = 1;
	}
	sqlite3_finalize(q);
	return found;
}

static int meta_set(ms_store *s, const char *key, const char *val)
{
	sqlite3_stmt *q;
	int rc;
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?,?)", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, val, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* a heap copy of column col of q's row (caller frees) and its length in
 * *n; NULL for none or an empty one */
static void *column_copy(sqlite3_stmt *q, int col, size_t *n)
{
	int len = sqlite3_column_bytes(q, col);
	const void *b = sqlite3_column_blob(q, col);
	void *out = NULL;
	if (len > 0 && b && (out = malloc((size_t)len)) != NULL) {
		memcpy(out, b, (size_t)len);
		*n = (size_t)len;
	}
	return out;
}

int ms_store_resume_put(ms_store *s, int64_t source_id, const void *blob, size_t n)
{
	char key[48];
	sqlite3_stmt *q;
	int rc;
	snprintf(key, sizeof key, "resume/%lld", (long long)source_id);
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?,?)", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 2, blob, (int)n, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		set_err(s, "meta: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

void *ms_store_resume_get(ms_store *s, int64_t source_id, size_t *n)
{
	char key[48];
	sqlite3_stmt *q;
	void *out = NULL;
	*n = 0;
	snprintf(key, sizeof key, "resume/%lld", (long long)source_id);
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key=?", -1, &q, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_BLOB)
		out = column_copy(q, 0, n);
	sqlite3_finalize(q);
	return out;
}

static int table_exists(ms_store *s, const char *name)
{
	sqlite3_stmt *q;
	int found = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", -1, &q, NULL) !=
	    SQLITE_OK)
		return 0;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return found;
}

static int init_schema(ms_store *s, int mode)
{
	char v[64];
	int have_meta;
	{
		/* a database another process holds locked reads as empty below: say so */
		sqlite3_stmt *q;
		int rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &q, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(q);
		sqlite3_finalize(q);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			set_err(s, "database is locked (another process is writing it?)");
			return -1;
		}
		if ((rc & 0xff) == SQLITE_READONLY) {
			set_err(s, "an interrupted ingest left its rollback journal, which only a writer can undo: "
				   "run 'mailsleuth ingest' on the database (or give this user write access to it "
				   "and its directory)");
			return -1;
		}
	}
	/* a writer looks and creates in one write transaction: two ingests
	 * making the same new database at once do it one after the other */
	if (mode != MS_OPEN_READ && begin_write(s) != 0)
		return -1;
	have_meta = table_exists(s, "meta");
	if (have_meta) {
		int r = meta_get(s, "schema_version", v, sizeof v);
		if (r == 1) {
			int ver = atoi(v);
			if (ver > MS_SCHEMA_VERSION) {
				set_err(s, "database schema version %d is newer than this mailsleuth supports (%d); "
					   "use a newer mailsleuth", ver, MS_SCHEMA_VERSION);
				goto fail;
			}
			if (ver < MS_SCHEMA_VERSION) {
				set_err(s, "database schema version %d is older than %d and cannot be upgraded in "
					   "place; re-ingest the logs into a new database", ver, MS_SCHEMA_VERSION);
				goto fail;
			}
			if (mode != MS_OPEN_READ && (exec(s, ms_schema_added_sql) != 0 || exec(s, "COMMIT") != 0))
				goto fail;
			return 0;
		}
		set_err(s, "not a mailsleuth database (no schema version)");
		goto fail;
	}
	if (mode == MS_OPEN_READ) {
		/* an empty file or a foreign database */
		if (table_exists(s, "sqlite_sequence") || sqlite3_total_changes(s->db) >= 0) {
			sqlite3_stmt *q;
			int n = 0;
			if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &q, NULL) == SQLITE_OK) {
				if (sqlite3_step(q) == SQLITE_ROW)
					n = sqlite3_column_int(q, 0);
				sqlite3_finalize(q);
			}
			set_err(s, n ? "not a mailsleuth database" : "database is empty (run 'mailsleuth ingest' first)");
		}
		return -1;
	}
	{
		sqlite3_stmt *q;
		int n = 0;
		if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &q, NULL) == SQLITE_OK) {
			if (sqlite3_step(q) == SQLITE_ROW)
				n = sqlite3_column_int(q, 0);
			sqlite3_finalize(q);
		}
		if (n > 0) {
			set_err(s, "not a mailsleuth database");
			goto fail;
		}
	}
	if (exec(s, ms_schema_sql) || exec(s, ms_index_sql))
		goto fail;
	{
		uint8_t key[32];
		char hex[65];
		snprintf(v, sizeof v, "%d", MS_SCHEMA_VERSION);
		if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key) {
			set_err(s, "cannot get random bytes for the password HMAC key");
			goto fail;
		}
		ms_hex(key, sizeof key, hex);
		snprintf(v, sizeof v, "%d", MS_SCHEMA_VERSION);
		if (meta_set(s, "schema_version", v) || meta_set(s, "hmac_key", hex) ||
		    meta_set(s, "created_at", "now"))
			goto fail;
		snprintf(v, sizeof v, "%lld", (long long)time(NULL));
		meta_set(s, "created_at", v);
	}
	if (exec(s, "COMMIT"))
		goto fail;
	return 0;
fail:
	if (!s->err[0])
		set_err(s, "%s", sqlite3_errmsg(s->db));
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * An ingest killed mid-transaction leaves its rollback journal.  A read-only
 * connection cannot play it back (SQLITE_READONLY_ROLLBACK), so every report
 * would fail until the next ingest: a read-write connection that reads once
 * rolls it back first (SQLite does so only for a journal no live writer
 * holds: an ingest still running keeps its lock, and this read just waits
 * for or sees its last commit).  Without write access nothing happens here and
 * init_schema() says what to do.
 */
static void roll_back_hot_journal(const char *path)
{
	char j[4096];
	struct stat st;
	sqlite3 *db = NULL;
	if (snprintf(j, sizeof j, "%s-journal", path) >= (int)sizeof j || stat(j, &st) != 0 || st.st_size == 0)
		return;
	if (access(path, W_OK) == 0 &&
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(db, 2000);
		sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	}
	sqlite3_close(db);
}

ms_store *ms_store_open(const char *path, int mode, char *err, size_t errlen)
{
	ms_store *s = calloc(1, sizeof *s);
	int flags;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->ips.table = "ips", s->ips.col = "ip";
	s->accts.table = "accounts", s->accts.col = "name";
	s->hosts.table = "hosts", s->hosts.col = "name";
	s->strs.table = "strings", s->strs.col = "s";
	s->tls.table = "tls_params", s->tls.col = "key";
	if (mode != MS_OPEN_READ && strcmp(path, ":memory:") == 0) {
		flags = SQLITE_OPEN_READWRITE; /* in-memory database (tests, fuzzing): no file */
	} else if (mode != MS_OPEN_READ) {
		/* create the file ourselves so it is 0600 whatever the umask */
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			free(s);
			return NULL;
		}
		close(fd);
		flags = SQLITE_OPEN_READWRITE;
	} else {
		if (access(path, F_OK) != 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			free(s);
			return NULL;
		}
		flags = SQLITE_OPEN_READONLY;
		roll_back_hot_journal(path);
	}
	if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", s->db ? sqlite3_errmsg(s->db) : "cannot open database");
		sqlite3_close(s->db);
		free(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, mode == MS_OPEN_READ ? READER_WAIT_MS : WRITER_WAIT_MS);
	sqlite3_commit_hook(s->db, commit_hook, s);
	sqlite3_exec(s->db, "PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-8192", NULL,
		     NULL, NULL);
	if (mode != MS_OPEN_READ) {
		/* rollback journal: crash-safe, and new pages of a bulk load are not journaled */
		if (exec(s, "PRAGMA journal_mode=DELETE") != 0 || exec(s, "PRAGMA synchronous=NORMAL") != 0)
			goto fail;
		/* bounded memory whatever the input size: a 12 MiB page cache (a bulk load
		 * appends, it does not need more) and index sorts spill to temporary files */
		if (exec(s, "PRAGMA cache_size=-12288") != 0 || exec(s, "PRAGMA temp_store=FILE") != 0)
			goto fail;
	}
	if (init_schema(s, mode) != 0)
		goto fail;
	if (mode != MS_OPEN_READ) {
		for (int i = 0; i < ST__N; i++)
			if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) !=
			    SQLITE_OK) {
				set_err(s, "prepare: %s", sqlite3_errmsg(s->db));
				goto fail;
			}
		if (ms_rowbatch_module(s->db, s->rows, RT__N) != SQLITE_OK) {
			set_err(s, "virtual table module: %s", sqlite3_errmsg(s->db));
			goto fail;
		}
		for (int i = 0; i < RT__N; i++)
			if (ms_rowbatch_init(&s->rows[i], s->db, i, row_tables[i].table, row_tables[i].ncol, ROW_BATCH) !=
			    0) {
				set_err(s, "%s rows: %s", row_tables[i].table, sqlite3_errmsg(s->db));
				goto fail;
			}
	}
	return s;
fail:
	snprintf(err, errlen, "%s", s->err[0] ? s->err : sqlite3_errmsg(s->db));
	ms_store_close(s);
	return NULL;
}

void ms_store_close(ms_store *s)
{
	if (!s)
		return;
	if (s->in_tx)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	else if (!s->failed)
		ms_store_flush(s); /* rows written outside a transaction are kept, as they were one by one */
	for (int i = 0; i < ST__N; i++)
		sqlite3_finalize(s->st[i]);
	for (int i = 0; i < RT__N; i++)
		ms_rowbatch_free(&s->rows[i]);
	free(s->v4);
	intern_t *all[] = { &s->ips, &s->accts, &s->hosts, &s->strs, &s->tls };
	for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
		sqlite3_finalize(all[i]->find);
		ms_strmap_release(&all[i]->map);
		ms_strmap_release(&all[i]->old);
		free(all[i]->bloom);
	}
	sqlite3_close(s->db);
	free(s);
}

int ms_db_begin_write(sqlite3 *db)
{
	sqlite3_busy_timeout(db, WRITER_WAIT_MS);
	int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		sqlite3_busy_timeout(db, READER_WAIT_MS);
	return rc;
}

/* ms_db_begin_write(): 0, or -1 with the message set */
static int begin_write(ms_store *s)
{
	if (ms_db_begin_write(s->db) != SQLITE_OK) {
		int ec = sqlite3_errcode(s->db);
		if (ec == SQLITE_BUSY || ec == SQLITE_LOCKED)
			set_err(s, "database is locked (another mailsleuth is writing it?)");
		else if (ec == SQLITE_READONLY || ec == SQLITE_CANTOPEN)
			set_err(s, "%s (the database file and its directory must be writable: the rollback "
				   "journal is made beside it)", sqlite3_errmsg(s->db));
		else
			set_err(s, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

int ms_store_begin(ms_store *s)
{
	if (begin_write(s) != 0) {
		s->failed = 1; /* a database fault, not an input one (read-only, locked, disk full) */
		return -1;
	}
	s->in_tx = 1;
	return 0;
}

int ms_store_commit(ms_store *s)
{
	ms_store_flush(s);
	if (s->failed) {
		ms_store_rollback(s);
		return -1;
	}
	s->committing = 1;
	int rc = exec(s, "COMMIT");
	s->committing = 0;
	if (rc != 0) {
		s->failed = 1;
		ms_store_rollback(s);
		return -1;
	}
	s->in_tx = 0;
	return 0;
}

void ms_store_rollback(ms_store *s)
{
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_tx = 0;
	discard_rows(s);
	/* interning caches may hold ids that were rolled back; so may the
	 * filters of keys seen: dropped, the next load decides afresh */
	if (s->v4)
		memset(s->v4, 0, sizeof *s->v4 << V4_BUCKET_BITS);
	memset(s->memo, 0, sizeof s->memo);
	intern_t *all[] = { &s->ips, &s->accts, &s->hosts, &s->strs, &s->tls };
	for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
		ms_strmap_clear(&all[i]->map);
		ms_strmap_clear(&all[i]->old);
		free(all[i]->bloom);
		all[i]->bloom = NULL;
		all[i]->bloom_ok = 0;
		all[i]->loaded = 0;
	}
}

static void step_done(ms_store *s, sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);
	if (rc != SQLITE_DONE && !s->failed) {
		s->failed = 1;
		set_err(s, "%s", sqlite3_errmsg(s->db));
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
}

/* the filter's three bits for a key: double hashing of one 64-bit hash */
static uint32_t bloom_bit(uint64_t h, unsigned i)
{
	return (uint32_t)((h + i * ((h >> 32) | 1)) & (BLOOM_BITS - 1));
}

static void bloom_add(uint64_t *b, const char *k, size_t n)
{
	uint64_t h = ms_hash64(k, n);
	for (unsigned i = 0; i < 3; i++) {
		uint32_t x = bloom_bit(h, i);
		b[x / 64] |= (uint64_t)1 << (x % 64);
	}
}

static int bloom_has(const uint64_t *b, const char *k, size_t n)
{
	uint64_t h = ms_hash64(k, n);
	for (unsigned i = 0; i < 3; i++) {
		uint32_t x = bloom_bit(h, i);
		if (!(b[x / 64] >> (x % 64) & 1))
			return 0;
	}
	return 1;
}

static void bloom_add_cb(void *b, const char *k, size_t n, int64_t id)
{
	(void)id;
	bloom_add(b, k, n);
}

static void intern_remember(ms_store *s, intern_t *in, const char *k, size_t n, int64_t id)
{
	if (in->map.n >= INTERN_CACHE_MAX || in->map.used + n + 32 > INTERN_POOL_MAX) {
		if (in->bloom_ok && !in->bloom && !in->bounded) {
			/* the first swap: the map holds every key of the table */
			in->bloom = calloc(BLOOM_BITS / 64, sizeof *in->bloom);
			if (in->bloom)
				ms_strmap_each(&in->map, bloom_add_cb, in->bloom);
			else
				in->bloom_ok = 0;
		}
		ms_strmap t = in->old;
		ms_strmap_clear(&t); /* keeps its memory for the next generation */
		in->old = in->map;
		in->map = t;
		in->bounded = 1;
	}
	if (ms_strmap_put(&in->map, k, n, id) != 0 && !s->failed) {
		s->failed = 1;
		set_err(s, "out of memory");
	}
	if (in->bloom)
		bloom_add(in->bloom, k, n);
}

static void intern_load(ms_store *s, intern_t *in, const char *sql)
{
	sqlite3_stmt *q;
	char max_sql[96];
	in->loaded = 1;
	in->next = 1;
	in->bounded = 0;
	in->bloom_ok = 0;
	(void)sql;
	snprintf(max_sql, sizeof max_sql, "SELECT coalesce(max(id), 0) FROM %s", in->table);
	if (sqlite3_prepare_v2(s->db, max_sql, -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			in->next = sqlite3_column_int64(q, 0) + 1;
		sqlite3_finalize(q);
	}
	/* warm the map with the first rows; a bigger table is looked up on misses */
	char load_sql[128];
	snprintf(load_sql, sizeof load_sql, "SELECT id, %s FROM %s LIMIT %d", in->col, in->table, INTERN_CACHE_MAX);
	if (sqlite3_prepare_v2(s->db, load_sql, -1, &q, NULL) != SQLITE_OK)
		return;
	int rows = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0);
		const char *k = (const char *)sqlite3_column_text(q, 1);
		int n = sqlite3_column_bytes(q, 1);
		if (k)
			ms_strmap_put(&in->map, k, (size_t)n, id);
		if (id >= in->next)
			in->next = id + 1;
		rows++;
	}
	sqlite3_finalize(q);
	if (rows >= INTERN_CACHE_MAX)
		in->bounded = 1;
	in->bloom_ok = rows == 0 && in->next == 1;
}

/* Look a key up in the map, then (bounded) in the table.  1 = found. */
static int intern_find(ms_store *s, intern_t *in, const char *k, size_t n, int64_t *id)
{
	if (ms_strmap_get(&in->map, k, n, id))
		return 1;
	if (ms_strmap_get(&in->old, k, n, id)) {
		intern_remember(s, in, k, n, *id);
		return 1;
	}
	if (!in->bounded || (in->bloom && !bloom_has(in->bloom, k, n)))
		return 0;
	if (!in->find) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE %s=?", in->table, in->col);
		if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &in->find, NULL) != SQLITE_OK)
			return 0;
	}
	int found = 0;
	sqlite3_bind_text(in->find, 1, k, (int)n, SQLITE_STATIC);
	if (sqlite3_step(in->find) == SQLITE_ROW) {
		*id = sqlite3_column_int64(in->find, 0);
		found = 1;
	}
	sqlite3_reset(in->find);
	sqlite3_clear_bindings(in->find);
	if (found)
		intern_remember(s, in, k, n, *id);
	return found;
}

static int64_t intern(ms_store *s, intern_t *in, int st, const char *load_sql, const char *k)
{
	int64_t id;
	size_t n;
	if (!k || !*k)
		return 0;
	if (!in->loaded)
		intern_load(s, in, load_sql);
	n = strlen(k);
	if (intern_find(s, in, k, n, &id))
		return id;
	id = in->next++;
	sqlite3_stmt *q = s->st[st];
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_text(q, 2, k, (int)n, SQLITE_STATIC);
	if (st == ST_IP_INS)
		sqlite3_bind_int(q, 3, strchr(k, ':') ? 6 : 4);
	step_done(s, q);
	intern_remember(s, in, k, n, id);
	return id;
}

static int64_t ip_id(ms_store *s, const char *ip)
{
	uint32_t a;
	if (!ip || !ms_ipv4_parse(ip, strlen(ip), &a)) {
		/* IPv6: one text per address (parser/addr.h); a mapped IPv4
		 * address in hex is its IPv4 address.  The text as logged is
		 * looked up first (Postfix logs the canonical form; another
		 * form, once resolved, is remembered as an alias) */
		char canon[64];
		int64_t id;
		size_t n;
		if (ip && strchr(ip, ':')) {
			n = strlen(ip);
			if (!s->ips.loaded)
				intern_load(s, &s->ips, "SELECT id, ip FROM ips");
			if (intern_find(s, &s->ips, ip, n, &id))
				return id;
			if (ms_ip_canon(ms_sv_make(ip, n), canon, sizeof canon) && strcmp(canon, ip) != 0) {
				id = ip_id(s, canon);
				if (id > 0 && !s->failed)
					intern_remember(s, &s->ips, ip, n, id);
				return id;
			}
		}
		return intern(s, &s->ips, ST_IP_INS, "SELECT id, ip FROM ips", ip);
	}
	if (!s->v4 && !s->v4_tried) { /* at the first IPv4 address */
		s->v4_tried = 1;
		s->v4 = calloc((size_t)1 << V4_BUCKET_BITS, sizeof *s->v4);
	}
	if (!s->v4)
		return intern(s, &s->ips, ST_IP_INS, "SELECT id, ip FROM ips", ip);
	v4_bucket *b = &s->v4[(a * 0x9E3779B1u) >> (32 - V4_BUCKET_BITS)];
	if (b->id[0] && b->addr[0] == a)
		return b->id[0];
	if (b->id[1] && b->addr[1] == a) {
		uint32_t t = b->id[1];
		b->addr[1] = b->addr[0], b->id[1] = b->id[0];
		b->addr[0] = a, b->id[0] = t;
		return t;
	}
	int64_t id = intern(s, &s->ips, ST_IP_INS, "SELECT id, ip FROM ips", ip);
	if (id > 0 && id <= (int64_t)UINT32_MAX && !s->failed) {
		b->addr[1] = b->addr[0], b->id[1] = b->id[0];
		b->addr[0] = a, b->id[0] = (uint32_t)id;
	}
	return id;
}
static int64_t host_id(ms_store *s, const char *h)
{
	return intern(s, &s->hosts, ST_HOST_INS, "SELECT id, name FROM hosts", h ? h : "");
}
static int64_t str_id(ms_store *s, const char *v)
{
	return intern(s, &s->strs, ST_STR_INS, "SELECT id, s FROM strings", v);
}

/* look(s, k) through the field's memo */
static int64_t memo_id(ms_store *s, int field, int64_t (*look)(ms_store *, const char *), const char *k)
{
	key_memo *m = &s->memo[field];
	if (!k || !*k)
		return look(s, k);
	if (m->id && strcmp(m->k, k) == 0)
		return m->id;
	int64_t id = look(s, k);
	size_t n = strlen(k);
	if (n < sizeof m->k && !s->failed) {
		memcpy(m->k, k, n + 1);
		m->id = id;
	}
	return id;
}

static int64_t host_memo(ms_store *s, const char *h) { return memo_id(s, KM_HOST, host_id, h ? h : ""); }

static int64_t acct_id(ms_store *s, const char *a)
{
	char norm[512];
	if (!a || !*a)
		return 0;
	ms_account_fold(a, SIZE_MAX, norm, sizeof norm);
	return intern(s, &s->accts, ST_ACCT_INS, "SELECT id, name FROM accounts", norm);
}

/* append t (NULL: nothing) at key[n], keeping room for the NUL; returns the new length */
static size_t key_put(char *key, size_t cap, size_t n, const char *t)
{
	if (!t)
		return n;
	size_t l = strlen(t);
	if (l > cap - 1 - n)
		l = cap - 1 - n;
	memcpy(key + n, t, l);
	return n + l;
}

static size_t key_int(char *key, size_t cap, size_t n, int v)
{
	char d[16];
	size_t k = sizeof d - 1;
	unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
	d[k] = 0;
	do {
		d[--k] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		d[--k] = '-';
	return key_put(key, cap, n, d + k);
}

static int64_t tls_id(ms_store *s, const ms_session_rec *r)
{
	char key[512];
	int64_t id;
	size_t n = 0;
	if (!r->tls_proto && !r->tls_cipher)
		return 0;
	/* "proto|cipher|bits|alg_bits|trust|kex", cut at 511 bytes (snprintf
	 * was 2 k instructions a TLS session) */
	n = key_put(key, sizeof key, n, r->tls_proto);
	n = key_put(key, sizeof key, n, "|");
	n = key_put(key, sizeof key, n, r->tls_cipher);
	n = key_put(key, sizeof key, n, "|");
	n = key_int(key, sizeof key, n, r->tls_bits);
	n = key_put(key, sizeof key, n, "|");
	n = key_int(key, sizeof key, n, r->tls_alg_bits);
	n = key_put(key, sizeof key, n, "|");
	n = key_put(key, sizeof key, n, r->tls_trust);
	n = key_put(key, sizeof key, n, "|");
	n = key_put(key, sizeof key, n, r->tls_kex);
	key[n] = 0;
	if (!s->tls.loaded)
		intern_load(s, &s->tls, "SELECT id, key FROM tls_params");
	if (intern_find(s, &s->tls, key, n, &id))
		return id;
	id = s->tls.next++;
	sqlite3_stmt *q = s->st[ST_TLS_INS];
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_text(q, 2, r->tls_proto, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, r->tls_cipher, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 4, r->tls_bits);
	sqlite3_bind_int(q, 5, r->tls_alg_bits);
	sqlite3_bind_text(q, 6, r->tls_trust, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, r->tls_kex, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 8, key, (int)n, SQLITE_STATIC);
	step_done(s, q);
	intern_remember(s, &s->tls, key, n, id);
	return id;
}

static void bind_text(sqlite3_stmt *q, int i, const char *t)
{
	if (t)
		sqlite3_bind_text(q, i, t, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

typedef ms_rowbatch row_t;

static void r_int(row_t *r, int64_t v) { ms_rowbatch_int(r, v); }

/* an interned id, NULL when there is none */
static void r_id(row_t *r, int64_t id)
{
	if (id > 0)
		ms_rowbatch_int(r, id);
	else
		ms_rowbatch_null(r);
}

static void r_int_if(row_t *r, int64_t v, int present)
{
	if (present)
		ms_rowbatch_int(r, v);
	else
		ms_rowbatch_null(r);
}

static void r_nulls(row_t *r, int n)
{
	while (n-- > 0)
		ms_rowbatch_null(r);
}

/* text (NULL: SQL NULL), copied */
static void r_text(row_t *r, const char *t)
{
	if (t)
		ms_rowbatch_bytes(r, RB_TEXT, t, strlen(t));
	else
		ms_rowbatch_null(r);
}

static void r_blob(row_t *r, const void *p, int n)
{
	if (p)
		ms_rowbatch_bytes(r, RB_BLOB, p, (size_t)n);
	else
		ms_rowbatch_null(r);
}

static void flush_rows(ms_store *s, int t)
{
	if (s->failed) { /* nothing more is written (commit_hook()) */
		ms_rowbatch_discard(&s->rows[t]);
		return;
	}
	int rc = ms_rowbatch_flush(&s->rows[t]);
	if (rc != SQLITE_DONE && !s->failed) {
		s->failed = 1;
		set_err(s, "%s: %s", row_tables[t].table, sqlite3_errmsg(s->db));
	}
}

/* Insert every row still held in a batch (before a commit, or a read of a row table). */
void ms_store_flush(ms_store *s)
{
	for (int i = 0; i < RT__N; i++)
		flush_rows(s, i);
}

static void discard_rows(ms_store *s)
{
	for (int i = 0; i < RT__N; i++)
		ms_rowbatch_discard(&s->rows[i]);
}

/*
 * End a row whose writer gave every column in order: a writer that left one
 * out (or gave one too many) is a bug that must not shift the values into
 * the wrong columns, so the count is checked on every row and such a row
 * fails the store.  A full batch is inserted.
 */
static void step_row(ms_store *s, int t)
{
	row_t *r = &s->rows[t];
	int given = r->col, bad = ms_rowbatch_end_row(r);
	if (bad != RB_OK) {
		if (!s->failed) {
			s->failed = 1;
			if (bad == RB_BAD_MEMORY)
				set_err(s, "%s: out of memory", row_tables[t].table);
			else
				set_err(s, "internal error: %s: %d of %d values given", row_tables[t].table, given,
					r->ncol);
		}
		return;
	}
	if (r->n >= r->cap)
		flush_rows(s, t);
}

static void w_session(void *ctx, const ms_session_rec *r)
{
	ms_store *s = ctx;
	int64_t h = host_memo(s, r->host), sv = memo_id(s, KM_SERVICE, str_id, r->service), ip = ip_id(s, r->ip),
		cn = str_id(s, r->client_name), er = memo_id(s, KM_END_REASON, str_id, r->end_reason),
		ea = memo_id(s, KM_END_AFTER, str_id, r->end_after), tl = tls_id(s, r), ac = acct_id(s, r->auth_user),
		am = memo_id(s, KM_MECH, str_id, r->auth_method);
	const int t = RT_SESSION;
	row_t *row = &s->rows[t];
	const ms_counters *c = &r->counters;
	r_int(row, r->id);
	r_id(row, h);
	r_id(row, sv);
	r_int(row, r->pid);
	r_id(row, ip);
	r_int_if(row, r->port, r->port >= 0);
	r_id(row, cn);
	r_int(row, r->start_ts);
	r_int(row, r->end_ts);
	r_int(row, r->state);
	r_int(row, r->orphan);
	r_id(row, er);
	r_id(row, ea);
	r_int(row, r->rdns_mismatch);
	r_int(row, r->tls_setup);
	r_id(row, tl);
	r_text(row, r->tls_sni);
	r_int(row, r->tls_error);
	r_int(row, r->auth_failures);
	r_int(row, r->auth_errors);
	r_int(row, r->auth_aborts);
	r_int(row, r->auth_successes);
	r_int(row, r->auth_decoded);
	r_id(row, ac);
	r_id(row, am);
	r_int(row, r->auth_user_src);
	r_int(row, r->messages);
	r_int(row, r->rejects);
	r_int(row, r->nonsmtp);
	r_int(row, r->pipelining);
	r_int(row, r->ratelimited);
	r_int(row, c->present);
	if (c->present) {
		r_int(row, c->helo);
		r_int(row, c->ehlo);
		r_int(row, c->starttls);
		r_int(row, c->auth_ok);
		r_int(row, c->auth_total);
		r_int(row, c->mail);
		r_int(row, c->rcpt_ok);
		r_int(row, c->rcpt_total);
		r_int(row, c->data);
		r_int(row, c->rset);
		r_int(row, c->quit);
		r_int(row, c->unknown_total);
		r_int(row, c->commands_ok);
		r_int(row, c->commands_total);
		r_int(row, c->bare_lf);
	} else {
		r_nulls(row, 15);
	}
	r_int(row, r->source_id);
	r_int(row, r->first_line);
	r_int(row, r->last_line);
	step_row(s, t);
}

static void w_auth(void *ctx, const ms_auth_rec *r)
{
	ms_store *s = ctx;
	int64_t h = host_memo(s, r->host), sv = memo_id(s, KM_SERVICE, str_id, r->service), ip = ip_id(s, r->ip),
		m = memo_id(s, KM_MECH, str_id, r->mech),
		rs = r->reason ? memo_id(s, KM_AUTH_REASON, str_id, r->reason[0] ? r->reason : "(empty)") : 0,
		ac = acct_id(s, r->account);
	const int t = RT_AUTH;
	row_t *row = &s->rows[t];
	r_int(row, r->id);
	r_id(row, r->session_id);
	r_int(row, r->ts);
	r_id(row, h);
	r_id(row, sv);
	r_id(row, ip);
	r_int(row, r->kind);
	r_id(row, m);
	r_id(row, rs);
	r_id(row, ac);
	r_int(row, ac ? r->account_src : 0);
	if (r->account_src == MS_SRC_INFERRED) {
		r_int(row, r->infer_gap);
		r_int(row, r->infer_candidates);
	} else {
		r_nulls(row, 2);
	}
	r_int(row, r->user_unknown);
	r_int_if(row, r->pw_len, r->pw_len >= 0);
	r_int(row, r->pw_len_exact);
	r_blob(row, r->pw_hmac, 32);
	r_int(row, r->decode_truncated);
	r_int(row, r->source_id);
	r_int(row, r->line);
	step_row(s, t);
}

static void w_message(void *ctx, const ms_message_rec *r)
{
	ms_store *s = ctx;
	int64_t h = host_memo(s, r->host), ip = ip_id(s, r->ip), ac = acct_id(s, r->account);
	const int t = RT_MESSAGE;
	row_t *row = &s->rows[t];
	r_int(row, r->id);
	r_id(row, r->session_id);
	r_int(row, r->ts);
	r_id(row, h);
	r_id(row, ip);
	r_text(row, r->queue_id);
	r_id(row, ac);
	r_text(row, r->sender);
	r_text(row, r->message_id);
	r_int_if(row, r->size, r->size >= 0);
	r_int_if(row, r->nrcpt, r->nrcpt >= 0);
	r_int(row, r->delivered);
	r_int(row, r->bounced);
	r_int(row, r->deferred);
	r_int(row, r->source_id);
	r_int(row, r->line);
	step_row(s, t);
}

static void w_reject(void *ctx, const ms_reject_rec *r)
{
	ms_store *s = ctx;
	int64_t h = host_memo(s, r->host), ip = ip_id(s, r->ip), a = memo_id(s, KM_ACTION, str_id, r->action),
		st = memo_id(s, KM_STAGE, str_id, r->stage);
	const int t = RT_REJECT;
	row_t *row = &s->rows[t];
	r_int(row, r->id);
	r_id(row, r->session_id);
	r_int(row, r->ts);
	r_id(row, h);
	r_id(row, ip);
	r_id(row, a);
	r_id(row, st);
	r_int_if(row, r->code, r->code > 0);
	r_text(row, r->reason);
	r_text(row, r->sender);
	r_text(row, r->recipient);
	r_text(row, r->helo);
	r_int(row, r->postscreen);
	r_int(row, r->source_id);
	r_int(row, r->line);
	step_row(s, t);
}

static void w_postscreen(void *ctx, const ms_postscreen_rec *r)
{
	ms_store *s = ctx;
	int64_t h = host_memo(s, r->host), ip = ip_id(s, r->ip), v = memo_id(s, KM_VERDICT, str_id, r->verdict);
	const int t = RT_POSTSCREEN;
	row_t *row = &s->rows[t];
	r_int(row, r->id);
	r_id(row, h);
	r_id(row, ip);
	r_int_if(row, r->port, r->port >= 0);
	r_int(row, r->start_ts);
	r_int(row, r->end_ts);
	r_id(row, v);
	r_int(row, r->dnsbl_rank);
	r_int(row, r->pregreet);
	r_int(row, r->events);
	r_int(row, r->source_id);
	r_int(row, r->line);
	step_row(s, t);
}

/* a row written for a back-end line that has since explained a failure */
static void retract_backend(ms_store *s, int64_t id)
{
	sqlite3_stmt *q = s->st[ST_BACKEND_DEL];
	flush_rows(s, RT_BACKEND); /* the row may still be in the batch */
	if (s->failed)
		return;
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) != SQLITE_DONE) {
		s->failed = 1;
		set_err(s, "backend_events: %s", sqlite3_errmsg(s->db));
	}
	sqlite3_reset(q);
}

/* the syslog daemon's notice that it dropped lines: rare, one statement each */
static void w_loss(void *ctx, const ms_loss_rec *r)
{
	ms_store *s = ctx;
	sqlite3_stmt *q = s->st[ST_LOSS_INS];
	if (s->failed)
		return;
	sqlite3_bind_int64(q, 1, r->source_id);
	sqlite3_bind_int64(q, 2, r->line);
	sqlite3_bind_int64(q, 3, r->ts);
	sqlite3_bind_int64(q, 4, host_memo(s, r->host));
	bind_text(q, 5, r->reporter ? r->reporter : "");
	bind_text(q, 6, r->what);
	if (r->pid > 0)
		sqlite3_bind_int64(q, 7, r->pid);
	else
		sqlite3_bind_null(q, 7);
	if (r->lost >= 0)
		sqlite3_bind_int64(q, 8, r->lost);
	else
		sqlite3_bind_null(q, 8);
	if (sqlite3_step(q) != SQLITE_DONE) {
		s->failed = 1;
		set_err(s, "log_loss: %s", sqlite3_errmsg(s->db));
	}
	sqlite3_reset(q);
}

static void w_backend(void *ctx, const ms_backend_rec *r)
{
	ms_store *s = ctx;
	if (r->retract) {
		retract_backend(s, r->id);
		return;
	}
	int64_t h = host_memo(s, r->host), ip = ip_id(s, r->ip), ac = acct_id(s, r->account),
		b = memo_id(s, KM_BACKEND, str_id, r->backend), sv = memo_id(s, KM_SERVICE, str_id, r->service);
	const int t = RT_BACKEND;
	row_t *row = &s->rows[t];
	r_int(row, r->id);
	r_int(row, r->ts);
	r_id(row, h);
	r_id(row, ip);
	r_id(row, ac);
	r_id(row, b);
	r_id(row, sv);
	r_text(row, r->detail);
	r_int(row, r->fail);
	r_int(row, r->attempts);
	r_int_if(row, r->pw_len, r->pw_len >= 0);
	r_int(row, r->user_unknown);
	r_int(row, r->source_id);
	r_int(row, r->line);
	step_row(s, t);
}

ms_sink ms_store_sink(ms_store *s)
{
	ms_sink k = { s, w_session, w_auth, w_message, w_reject, w_postscreen, w_backend, w_loss };
	return k;
}

static int64_t max_id(ms_store *s, const char *table)
{
	char sql[128];
	sqlite3_stmt *q;
	int64_t v = 0;
	snprintf(sql, sizeof sql, "SELECT coalesce(max(id),0) FROM %s", table);
	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	if (v < 0 || v >= ((int64_t)1 << 62)) {
		/* the next id would overflow, or wrap onto rows there (INSERT OR
		 * REPLACE): nothing is written to such a database */
		s->failed = 1;
		set_err(s, "%s: ids out of range (a damaged or edited database)", table);
		v = 0;
	}
	return v;
}

void ms_store_next_ids(ms_store *s, ms_idgen *ids)
{
	ms_store_flush(s);
	ids->session = max_id(s, "sessions") + 1;
	ids->auth = max_id(s, "auth_events") + 1;
	ids->message = max_id(s, "messages") + 1;
	ids->reject = max_id(s, "rejects") + 1;
	ids->postscreen = max_id(s, "postscreen") + 1;
	ids->backend = max_id(s, "backend_events") + 1;
}

int ms_store_hmac_key(ms_store *s, uint8_t key[32])
{
	char hex[80];
	if (meta_get(s, "hmac_key", hex, sizeof hex) != 1 || strlen(hex) != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		key[i] = (uint8_t)v;
	}
	return 0;
}

static void row_from(sqlite3_stmt *q, ms_source_row *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(q, 0);
	snprintf(r->fingerprint, sizeof r->fingerprint, "%s", (const char *)sqlite3_column_text(q, 1));
	r->head_len = sqlite3_column_int64(q, 2);
	r->bytes = sqlite3_column_int64(q, 3);
	r->lines = sqlite3_column_int64(q, 4);
	r->recognised = sqlite3_column_int64(q, 5);
	r->unrecognised = sqlite3_column_int64(q, 6);
	r->skipped = sqlite3_column_int64(q, 7);
	r->malformed = sqlite3_column_int64(q, 8);
	r->overlong = sqlite3_column_int64(q, 9);
	r->first_ts = sqlite3_column_int64(q, 10);
	r->last_ts = sqlite3_column_int64(q, 11);
	r->complete = sqlite3_column_int(q, 12);
	if (sqlite3_column_text(q, 13))
		snprintf(r->tail_hash, sizeof r->tail_hash, "%s", (const char *)sqlite3_column_text(q, 13));
	r->year = sqlite3_column_int(q, 14);
	r->year_last_key = sqlite3_column_type(q, 15) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 15);
}

int ms_store_source_find(ms_store *s, const char *fp, ms_source_row *out)
{
	sqlite3_stmt *q;
	int found = 0;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT id, fingerprint, head_len, bytes, lines, recognised, unrecognised, skipped, malformed,"
			       " overlong, first_ts, last_ts, complete, tail_hash, year, year_last_key FROM sources"
			       " WHERE fingerprint=? ORDER BY id DESC LIMIT 1", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, fp, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		row_from(q, out);
		found = 1;
	}
	sqlite3_finalize(q);
	return found;
}

int64_t ms_store_source_insert(ms_store *s, const char *path, const char *fp, int64_t head_len, int64_t file_size,
			       int64_t mtime, const char *compression)
{
	sqlite3_stmt *q;
	int64_t id = -1;
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO sources(path, fingerprint, head_len, file_size, mtime, compression, ingested_at)"
			       " VALUES(?,?,?,?,?,?,strftime('%s','now'))", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, fp, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, head_len);
	sqlite3_bind_int64(q, 4, file_size);
	sqlite3_bind_int64(q, 5, mtime);
	sqlite3_bind_text(q, 6, compression, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_DONE) {
		id = sqlite3_last_insert_rowid(s->db);
	} else {
		set_err(s, "%s", sqlite3_errmsg(s->db));
		s->failed = 1;
	}
	sqlite3_finalize(q);
	return id;
}

int ms_store_source_update(ms_store *s, const ms_source_row *r, const char *path, const char *error)
{
	sqlite3_stmt *q;
	int rc;
	if (sqlite3_prepare_v2(s->db,
			       "UPDATE sources SET path=?, bytes=?, lines=?, recognised=?, unrecognised=?, skipped=?,"
			       " malformed=?, overlong=?, first_ts=?, last_ts=?, complete=?, tail_hash=?, year=?,"
			       " year_last_key=?, error=?, head_len=?, fingerprint=?, ingested_at=strftime('%s','now'),"
			       " compression=coalesce(?, compression)"
			       " WHERE id=?", -1, &q, NULL) != SQLITE_OK)
		return -1;
	int i = 1;
	sqlite3_bind_text(q, i++, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, i++, r->bytes);
	sqlite3_bind_int64(q, i++, r->lines);
	sqlite3_bind_int64(q, i++, r->recognised);
	sqlite3_bind_int64(q, i++, r->unrecognised);
	sqlite3_bind_int64(q, i++, r->skipped);
	sqlite3_bind_int64(q, i++, r->malformed);
	sqlite3_bind_int64(q, i++, r->overlong);
	if (r->first_ts) sqlite3_bind_int64(q, i, r->first_ts);
	i++;
	if (r->last_ts) sqlite3_bind_int64(q, i, r->last_ts);
	i++;
	sqlite3_bind_int(q, i++, r->complete);
	bind_text(q, i++, r->tail_hash[0] ? r->tail_hash : NULL);
	sqlite3_bind_int(q, i++, r->year);
	sqlite3_bind_int64(q, i++, r->year_last_key);
	bind_text(q, i++, error);
	sqlite3_bind_int64(q, i++, r->head_len);
	sqlite3_bind_text(q, i++, r->fingerprint, -1, SQLITE_STATIC);
	bind_text(q, i++, r->compression);
	sqlite3_bind_int64(q, i++, r->id);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		set_err(s, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

int ms_store_file_seen(ms_store *s, const char *path, int64_t size, int64_t mtime, int64_t *source_id)
{
	sqlite3_stmt *q;
	int found = 0;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT f.source_id FROM source_files f JOIN sources s ON s.id=f.source_id"
			       " WHERE f.path=? AND f.file_size=? AND f.mtime=? AND s.complete=1", -1, &q, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, size);
	sqlite3_bind_int64(q, 3, mtime);
	if (sqlite3_step(q) == SQLITE_ROW) {
		*source_id = sqlite3_column_int64(q, 0);
		found = 1;
	}
	sqlite3_finalize(q);
	return found;
}

int ms_store_source_forget_empty(ms_store *s, const char *path)
{
	static const char *const sql[] = {
		"DELETE FROM source_files WHERE source_id IN"
		" (SELECT id FROM sources WHERE path = ?1 AND head_len = 0 AND lines = 0)",
		"DELETE FROM sources WHERE path = ?1 AND head_len = 0 AND lines = 0",
	};
	for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
		sqlite3_stmt *q;
		if (sqlite3_prepare_v2(s->db, sql[i], -1, &q, NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
		int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
		sqlite3_finalize(q);
		if (rc)
			return -1;
	}
	return 0;
}

int ms_store_source_path_is(ms_store *s, int64_t id, const char *path)
{
	sqlite3_stmt *q;
	int same = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM sources WHERE id=? AND path=?", -1, &q, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_text(q, 2, path, -1, SQLITE_STATIC);
	same = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return same;
}

int ms_store_file_mark(ms_store *s, const char *path, int64_t size, int64_t mtime, int64_t source_id)
{
	sqlite3_stmt *q;
	int rc;
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO source_files VALUES(?,?,?,?)", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, size);
	sqlite3_bind_int64(q, 3, mtime);
	sqlite3_bind_int64(q, 4, source_id);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

int ms_store_unrecognised_add(ms_store *s, int64_t source_id, const char *program, int64_t lines, const char *sample)
{
	sqlite3_stmt *q;
	int rc;
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO unrecognised(source_id, program, lines, sample) VALUES(?,?,?,?)"
			       " ON CONFLICT(source_id, program) DO UPDATE SET lines = lines + excluded.lines,"
			       " sample = coalesce(sample, excluded.sample)", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, source_id);
	sqlite3_bind_text(q, 2, program, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, lines);
	bind_text(q, 4, sample);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The state written in pieces: a row of len zero bytes (SQLite writes a
 * zeroblob without holding it in memory), then each piece at its offset
 * through an incremental blob handle.  A full session table's state is
 * ~18 MB: built in memory and bound to an INSERT, it took that twice more
 * (the buffer and the record SQLite makes of it).
 */
struct ms_state_writer {
	ms_store *s;
	sqlite3_blob *b;
	size_t len, off;
};

ms_state_writer *ms_store_state_begin(ms_store *s, size_t len)
{
	sqlite3_stmt *q;
	ms_state_writer *w;
	if (len > (size_t)INT32_MAX) {
		set_err(s, "saved state too large (%zu bytes)", len);
		return NULL;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO state(id, blob) VALUES(1, zeroblob(?))", -1, &q, NULL) !=
	    SQLITE_OK) {
		set_err(s, "state: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	sqlite3_bind_int64(q, 1, (sqlite3_int64)len);
	int rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE || !(w = calloc(1, sizeof *w))) {
		set_err(s, "state: %s", rc != SQLITE_DONE ? sqlite3_errmsg(s->db) : "out of memory");
		return NULL;
	}
	w->s = s;
	w->len = len;
	if (sqlite3_blob_open(s->db, "main", "state", "blob", 1, 1, &w->b) != SQLITE_OK) {
		set_err(s, "state: %s", sqlite3_errmsg(s->db));
		free(w);
		return NULL;
	}
	return w;
}

int ms_store_state_write(void *ctx, const void *p, size_t n)
{
	ms_state_writer *w = ctx;
	if (n > w->len - w->off)
		return -1; /* more than announced */
	if (n && sqlite3_blob_write(w->b, p, (int)n, (int)w->off) != SQLITE_OK) {
		set_err(w->s, "state: %s", sqlite3_errmsg(w->s->db));
		return -1;
	}
	w->off += n;
	return 0;
}

int ms_store_state_end(ms_state_writer *w, int ok)
{
	int rc = ok && w->off == w->len ? 0 : -1;
	if (sqlite3_blob_close(w->b) != SQLITE_OK)
		rc = -1;
	if (rc && !w->s->err[0])
		set_err(w->s, "state: written %zu of %zu bytes", w->off, w->len);
	free(w);
	return rc;
}

void *ms_store_state_load(ms_store *s, size_t *len)
{
	sqlite3_stmt *q;
	void *out = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT blob FROM state WHERE id=1", -1, &q, NULL) != SQLITE_OK)
		return NULL;
	if (sqlite3_step(q) == SQLITE_ROW)
		out = column_copy(q, 0, len);
	sqlite3_finalize(q);
	return out;
}

/* 1 when every index of ms_index_sql exists (a read: no write transaction, no sync) */
static int indexes_present(ms_store *s)
{
	const char *p = ms_index_sql, *key = "IF NOT EXISTS ";
	sqlite3_stmt *q;
	int all = 1;
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master WHERE type='index' AND name=?", -1, &q, NULL) !=
	    SQLITE_OK)
		return 0;
	while (all && (p = strstr(p, key)) != NULL) {
		p += strlen(key);
		size_t n = strcspn(p, " (");
		sqlite3_bind_text(q, 1, p, (int)n, SQLITE_STATIC);
		all = sqlite3_step(q) == SQLITE_ROW;
		sqlite3_reset(q);
	}
	sqlite3_finalize(q);
	return all;
}

int ms_store_index(ms_store *s)
{
	ms_store_flush(s);
	if (s->failed)
		return -1;
	if (indexes_present(s))
		return 0;
	/* one transaction: one journal sync instead of one per index.  A 2 MiB
	 * cache for it: the sorter's in-memory runs are as big as the cache, and
	 * small runs sort faster than 12 MiB ones merge (1 GB benchmark database,
	 * every index: 1.2 -> 1.0 s).  With two sorter threads the runs are
	 * sorted and merged beside the table scan, on the core the parser no
	 * longer needs (1.14 -> 1.01 s; one thread: no gain).  A build without
	 * threads ignores the pragma. */
	int rc = 0;
	sqlite3_exec(s->db, "PRAGMA threads=2", NULL, NULL, NULL);
	if (exec(s, "PRAGMA cache_size=-2048") != 0 || begin_write(s) != 0) {
		rc = -1;
	} else if (exec(s, ms_index_sql) != 0 || exec(s, "COMMIT") != 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		rc = -1;
	}
	sqlite3_exec(s->db, "PRAGMA cache_size=-12288", NULL, NULL, NULL);
	sqlite3_exec(s->db, "PRAGMA threads=0", NULL, NULL, NULL);
	return rc;
}

int ms_store_bulk_begin(ms_store *s)
{
	sqlite3_stmt *q;
	int empty = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT NOT EXISTS (SELECT 1 FROM sources)", -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		empty = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (!empty)
		return 0;
	/* one transaction: one journal sync instead of three per index */
	if (begin_write(s) != 0)
		return -1;
	int rc = exec(s, ms_index_drop_sql) != 0 || exec(s, "COMMIT") != 0 ? -1 : 1;
	if (rc < 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
