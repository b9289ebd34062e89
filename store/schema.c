/* SPDX-License-Identifier: MIT */
/* schema.c - the database schema, version MS_SCHEMA_VERSION (see docs/schema.md). */
#include "schema.h"

/*
 * Tables added to schema version 1 since its first databases: created on a
 * new database with the rest, and on an older one when it is opened for
 * writing (readers check that they exist).
 */
#define MS_SCHEMA_ADDED                                                                                  \
	"CREATE TABLE IF NOT EXISTS log_loss(source_id INTEGER NOT NULL, line INTEGER NOT NULL, ts INTEGER," \
	" host_id INTEGER, reporter TEXT NOT NULL, what TEXT, pid INTEGER, lost INTEGER,"                  \
	" PRIMARY KEY(source_id, line));\n"

const char ms_schema_added_sql[] = MS_SCHEMA_ADDED;

const char ms_schema_sql[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);\n"
	"CREATE TABLE IF NOT EXISTS hosts(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n"
	"CREATE TABLE IF NOT EXISTS ips(id INTEGER PRIMARY KEY, ip TEXT NOT NULL UNIQUE, family INTEGER NOT NULL);\n"
	"CREATE TABLE IF NOT EXISTS accounts(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n"
	"CREATE TABLE IF NOT EXISTS strings(id INTEGER PRIMARY KEY, s TEXT NOT NULL UNIQUE);\n"
	"CREATE TABLE IF NOT EXISTS tls_params(id INTEGER PRIMARY KEY, protocol TEXT, cipher TEXT,"
	" bits INTEGER, alg_bits INTEGER, trust TEXT, kex TEXT, key TEXT NOT NULL UNIQUE);\n"
	"CREATE TABLE IF NOT EXISTS sources(id INTEGER PRIMARY KEY, path TEXT NOT NULL, fingerprint TEXT NOT NULL,"
	" head_len INTEGER NOT NULL, file_size INTEGER, mtime INTEGER, compression TEXT,"
	" bytes INTEGER NOT NULL DEFAULT 0, lines INTEGER NOT NULL DEFAULT 0,"
	" recognised INTEGER NOT NULL DEFAULT 0, unrecognised INTEGER NOT NULL DEFAULT 0,"
	" skipped INTEGER NOT NULL DEFAULT 0, malformed INTEGER NOT NULL DEFAULT 0, overlong INTEGER NOT NULL DEFAULT 0,"
	" first_ts INTEGER, last_ts INTEGER, ingested_at INTEGER, complete INTEGER NOT NULL DEFAULT 0,"
	" tail_hash TEXT, year INTEGER, year_last_key INTEGER, error TEXT);\n"
	"CREATE INDEX IF NOT EXISTS sources_fp ON sources(fingerprint);\n"
	"CREATE TABLE IF NOT EXISTS source_files(path TEXT NOT NULL, file_size INTEGER NOT NULL, mtime INTEGER NOT NULL,"
	" source_id INTEGER NOT NULL, PRIMARY KEY(path, file_size, mtime));\n"
	"CREATE TABLE IF NOT EXISTS unrecognised(source_id INTEGER NOT NULL, program TEXT NOT NULL,"
	" lines INTEGER NOT NULL, sample TEXT, PRIMARY KEY(source_id, program));\n"
	MS_SCHEMA_ADDED
	"CREATE TABLE IF NOT EXISTS sessions(id INTEGER PRIMARY KEY, host_id INTEGER, service_id INTEGER,"
	" pid INTEGER, ip_id INTEGER, port INTEGER, client_name_id INTEGER, start_ts INTEGER, end_ts INTEGER,"
	" state INTEGER, orphan INTEGER, end_reason_id INTEGER, end_after_id INTEGER, rdns_mismatch INTEGER,"
	" tls_setup INTEGER, tls_id INTEGER, tls_sni TEXT, tls_error INTEGER,"
	" auth_failures INTEGER, auth_errors INTEGER, auth_aborts INTEGER, auth_successes INTEGER,"
	" auth_decoded INTEGER, auth_account_id INTEGER, auth_method_id INTEGER, auth_account_src INTEGER,"
	" messages INTEGER, rejects INTEGER, nonsmtp INTEGER, pipelining INTEGER, ratelimited INTEGER,"
	" c_present INTEGER, c_helo INTEGER, c_ehlo INTEGER, c_starttls INTEGER, c_auth_ok INTEGER,"
	" c_auth_total INTEGER, c_mail INTEGER, c_rcpt_ok INTEGER, c_rcpt_total INTEGER, c_data INTEGER,"
	" c_rset INTEGER, c_quit INTEGER, c_unknown_total INTEGER, c_commands_ok INTEGER,"
	" c_commands_total INTEGER, c_bare_lf INTEGER, source_id INTEGER, first_line INTEGER, last_line INTEGER);\n"
	"CREATE TABLE IF NOT EXISTS auth_events(id INTEGER PRIMARY KEY, session_id INTEGER, ts INTEGER,"
	" host_id INTEGER, service_id INTEGER, ip_id INTEGER, kind INTEGER, mech_id INTEGER, reason_id INTEGER,"
	" account_id INTEGER, account_src INTEGER, infer_gap INTEGER, infer_candidates INTEGER,"
	" user_unknown INTEGER, pw_len INTEGER, pw_len_exact INTEGER, pw_hmac BLOB, decode_truncated INTEGER,"
	" source_id INTEGER, line INTEGER);\n"
	"CREATE TABLE IF NOT EXISTS messages(id INTEGER PRIMARY KEY, session_id INTEGER, ts INTEGER,"
	" host_id INTEGER, ip_id INTEGER, queue_id TEXT, account_id INTEGER, sender TEXT, message_id TEXT,"
	" size INTEGER, nrcpt INTEGER, delivered INTEGER, bounced INTEGER, deferred INTEGER,"
	" source_id INTEGER, line INTEGER);\n"
	"CREATE TABLE IF NOT EXISTS rejects(id INTEGER PRIMARY KEY, session_id INTEGER, ts INTEGER,"
	" host_id INTEGER, ip_id INTEGER, action_id INTEGER, stage_id INTEGER, code INTEGER, reason TEXT,"
	" sender TEXT, recipient TEXT, helo TEXT, postscreen INTEGER, source_id INTEGER, line INTEGER);\n"
	"CREATE TABLE IF NOT EXISTS postscreen(id INTEGER PRIMARY KEY, host_id INTEGER, ip_id INTEGER,"
	" port INTEGER, start_ts INTEGER, end_ts INTEGER, verdict_id INTEGER, dnsbl_rank INTEGER,"
	" pregreet INTEGER, events INTEGER, source_id INTEGER, line INTEGER);\n"
	"CREATE TABLE IF NOT EXISTS backend_events(id INTEGER PRIMARY KEY, ts INTEGER, host_id INTEGER,"
	" ip_id INTEGER, account_id INTEGER, backend_id INTEGER, service_id INTEGER, detail TEXT,"
	" fail INTEGER, attempts INTEGER, pw_len INTEGER, user_unknown INTEGER, source_id INTEGER, line INTEGER);\n"
	"CREATE TABLE IF NOT EXISTS state(id INTEGER PRIMARY KEY CHECK (id = 1), blob BLOB NOT NULL);\n"
	"CREATE VIEW IF NOT EXISTS v_sessions AS SELECT s.id, h.name AS host, sv.s AS service, s.pid,"
	" i.ip, s.port, cn.s AS client_name, datetime(s.start_ts,'unixepoch') AS start_utc,"
	" datetime(s.end_ts,'unixepoch') AS end_utc,"
	" CASE s.state WHEN 0 THEN 'open' WHEN 1 THEN 'closed' WHEN 2 THEN 'unterminated' ELSE 'evicted' END AS state,"
	" s.orphan, t.protocol AS tls_protocol, t.cipher AS tls_cipher, t.bits AS tls_bits, t.trust AS tls_trust,"
	" s.auth_failures, s.auth_successes, a.name AS auth_account, s.messages, s.rejects"
	" FROM sessions s LEFT JOIN hosts h ON h.id=s.host_id LEFT JOIN strings sv ON sv.id=s.service_id"
	" LEFT JOIN ips i ON i.id=s.ip_id LEFT JOIN strings cn ON cn.id=s.client_name_id"
	" LEFT JOIN tls_params t ON t.id=s.tls_id LEFT JOIN accounts a ON a.id=s.auth_account_id;\n"
	"CREATE VIEW IF NOT EXISTS v_auth AS SELECT e.id, e.session_id, datetime(e.ts,'unixepoch') AS time_utc,"
	" h.name AS host, i.ip,"
	" CASE e.kind WHEN 1 THEN 'failure' WHEN 2 THEN 'error' WHEN 3 THEN 'aborted' WHEN 4 THEN 'success'"
	" ELSE 'ratelimit' END AS kind, m.s AS mechanism, r.s AS reason, a.name AS account,"
	" CASE e.account_src WHEN 1 THEN 'logged' WHEN 2 THEN 'decoded' WHEN 3 THEN 'inferred' END AS learned,"
	" e.infer_gap, e.pw_len, e.source_id, e.line"
	" FROM auth_events e LEFT JOIN hosts h ON h.id=e.host_id LEFT JOIN ips i ON i.id=e.ip_id"
	" LEFT JOIN strings m ON m.id=e.mech_id LEFT JOIN strings r ON r.id=e.reason_id"
	" LEFT JOIN accounts a ON a.id=e.account_id;\n";

/* Secondary indexes: only those a lookup by value needs (compromise evidence
 * per account, the session timeline, --since ranges).  Reports that read
 * whole tables scan them instead (q_ip.c).  Rows whose key is NULL (an
 * auth event without an account, a reject outside a session) are left out
 * of the lookup indexes: an equality or IN on the column implies NOT NULL,
 * so the same queries use them, and the build sorts fewer keys with
 * SQLite's integer comparison (one NULL key makes it compare whole records:
 * 1 GB benchmark, auth_account 0.37 -> 0.23 s CPU; keyed on account_id
 * alone, which is all the timeline's lookup uses, 0.14 s).  The last lines drop
 * indexes of earlier versions that nothing uses any more (0.9 s of a 1 GB
 * ingest; auth_events(ip_id, kind, ts), 0.2 s, since the findings and the
 * sessions timeline find an address's events through its sessions or by
 * scanning). */
const char ms_index_sql[] =
	"CREATE INDEX IF NOT EXISTS sessions_ts ON sessions(start_ts);\n"
	"CREATE INDEX IF NOT EXISTS auth_account ON auth_events(account_id) WHERE account_id IS NOT NULL;\n"
	"CREATE INDEX IF NOT EXISTS auth_ts ON auth_events(ts);\n"
	"CREATE INDEX IF NOT EXISTS auth_session ON auth_events(session_id) WHERE session_id IS NOT NULL;\n"
	"CREATE INDEX IF NOT EXISTS rejects_session ON rejects(session_id) WHERE session_id IS NOT NULL;\n"
	"CREATE INDEX IF NOT EXISTS messages_account ON messages(account_id, ts) WHERE account_id IS NOT NULL;\n"
	"CREATE INDEX IF NOT EXISTS messages_session ON messages(session_id) WHERE session_id IS NOT NULL;\n"
	"DROP INDEX IF EXISTS sessions_ip; DROP INDEX IF EXISTS rejects_ip; DROP INDEX IF EXISTS postscreen_ip;\n"
	"DROP INDEX IF EXISTS backend_account; DROP INDEX IF EXISTS auth_ip;\n";

/* The indexes above (and those of earlier versions), dropped while an empty
 * database is bulk loaded and rebuilt by ms_store_index() at the end (sorting
 * once beats updating every b-tree per row). */
const char ms_index_drop_sql[] =
	"DROP INDEX IF EXISTS sessions_ip; DROP INDEX IF EXISTS sessions_ts; DROP INDEX IF EXISTS auth_ip;\n"
	"DROP INDEX IF EXISTS auth_account; DROP INDEX IF EXISTS auth_ts; DROP INDEX IF EXISTS auth_session;\n"
	"DROP INDEX IF EXISTS rejects_session; DROP INDEX IF EXISTS messages_account;\n"
	"DROP INDEX IF EXISTS messages_session;\n"
	"DROP INDEX IF EXISTS rejects_ip; DROP INDEX IF EXISTS postscreen_ip; DROP INDEX IF EXISTS backend_account;\n";
