/* SPDX-License-Identifier: MIT */
/*
 * findings.h - what happened, in words: compromises, attacks, weak TLS and
 * credentials in the log.  Each detector reads the database (never writes)
 * and appends ms_finding records; the renderers print them as text, JSON,
 * NDJSON (Elastic Common Schema, event.kind = alert), CSV or HTML.
 * How each type is decided is documented in docs/findings.md.
 */
#ifndef MS_FINDINGS_H
#define MS_FINDINGS_H

#include <stdint.h>
#include <stdio.h>
#include "report.h"
#include "table.h"
#include "q_ids.h"
#include "../util/strmap.h"

typedef enum {
	MS_F_COMPROMISE,
	MS_F_MAILBOX_ACCESS,
	MS_F_CREDENTIALS_IN_LOG,
	MS_F_PASSWORD_SPRAY,
	MS_F_BRUTE_FORCE,
	MS_F_DISTRIBUTED,
	MS_F_USER_ENUM,
	MS_F_WEAK_TLS,
	MS_F__N
} ms_ftype;

typedef enum { MS_SEV_INFO, MS_SEV_LOW, MS_SEV_MEDIUM, MS_SEV_HIGH, MS_SEV_CRITICAL } ms_severity;
typedef enum { MS_CONF_LOW, MS_CONF_MEDIUM, MS_CONF_HIGH } ms_confidence;

#define MS_F_EVIDENCE_MAX 20

typedef struct {
	ms_ftype type;
	ms_severity severity;
	ms_confidence confidence;
	char *ip;               /* NULL when the finding is not about one address */
	char *account;          /* NULL when not about one account */
	int64_t first, last;    /* UTC seconds of the first and last event it rests on */
	int64_t failures, successes, sessions, accounts, ips;
	int64_t messages, recipients;   /* compromise: sent by the account after the login */
	int64_t messages_no_rcpt;       /* of those, the messages whose recipient count the log lacks
					 * (no qmgr "nrcpt=" line) */
	char *detail;           /* type-specific short text: cipher, password fingerprint id, ... */
	char *explanation;      /* one line for a person */
	char *action;           /* what to do */
	int64_t ev_sessions[MS_F_EVIDENCE_MAX];
	int nev_sessions;
	int64_t ev_events[MS_F_EVIDENCE_MAX];     /* auth_events ids */
	int nev_events;
	char *ev_lines[MS_F_EVIDENCE_MAX];        /* "path:line" of the first events */
	int nev_lines;
	int evidence_truncated;
	int no_block;           /* its address is the users' own (local, shared, the account's place): no blocklist entry */
} ms_finding;

typedef struct {
	int bf_failures;        /* brute_force: failures from one IP (default 10) */
	int spray_accounts;     /* password_spray: distinct accounts from one IP (default 5) */
	int spray_hash_accounts;/* password_spray: one password (HMAC) over N accounts (default 3) */
	int dist_ips;           /* distributed: distinct IPs on one account (default 5) */
	int dist_ip_max;        /* distributed: each of those IPs below N failures (default 5, fail2ban maxretry) */
	int enum_accounts;      /* user_enum: distinct nonexistent accounts from one IP (default 5) */
	int high_failures;      /* compromise: failures before success that make confidence high (default 10) */
	int include_low;        /* keep low-confidence compromises (typo then success) (default 1) */
	int no_compromise;      /* the caller keeps no compromise finding: skip the work only they need (default 0) */
	int no_tls;             /* the caller keeps no weak_tls / credentials_in_log finding: skip them (default 0) */
} ms_find_opts;

typedef struct {
	ms_finding *v;
	int n, cap;
} ms_findings;

void ms_find_opts_default(ms_find_opts *o);
/* Run every detector; findings sorted by severity, type, size.  0 or -1 (err set). */
int ms_findings_run(const ms_query *q, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen);

/* Where an event's line is in the log, for the order of lines of the same
 * second: (source_id, line) in one integer (docs/schema.md promises no order
 * of the ids); 0 when either is NULL.  Findings and report --by logins and
 * --by account order "before" by (ts, this). */
int64_t ms_log_pos(sqlite3_value *src, sqlite3_value *line);
void ms_findings_free(ms_findings *f);
/* keep findings with severity >= min and (types == 0 or type bit set) */
void ms_findings_filter(ms_findings *f, ms_severity min, unsigned types);

const char *ms_ftype_name(ms_ftype t);
const char *ms_severity_name(ms_severity s);
const char *ms_confidence_name(ms_confidence c);
int ms_severity_parse(const char *s, ms_severity *out);
int ms_ftype_parse(const char *s, ms_ftype *out);
/* one short category for ECS event.category */
const char *ms_ftype_category(ms_ftype t);

typedef struct {
	int64_t generated_at;
	int color;
	int limit;              /* <= 0: all */
	int64_t total;          /* for "N more" notes */
	const char *more_hint;  /* what the "N more" note suggests (NULL: "use --top or --format json") */
} ms_frender_opts;

void ms_findings_render(const ms_findings *f, ms_format fmt, FILE *out, const ms_frender_opts *o);
/* one finding as an ECS alert object (one NDJSON line, no newline) */
void ms_finding_ecs(const ms_finding *f, FILE *out);
/* HTML fragment (a <section>), for the HTML report */
void ms_findings_html_fragment(const ms_findings *f, FILE *out, int limit);

/* internal: detectors (find_*.c) */
ms_finding *ms_findings_add(ms_findings *f, ms_ftype type);
void ms_finding_set(char **dst, const char *s);
/* record one piece of evidence: an auth event (< 0: none), a session (< 0: none, kept once)
 * and, for the first five, "path:line"; the caller checks MS_F_EVIDENCE_MAX */
void ms_finding_note(ms_finding *f, int64_t event_id, int64_t session_id, const char *path, int64_t line);
/* ", "-separated name lists for explanations (cut at cap): the first n names,
 * returning how many fit (a name holding ',' is quoted); and a set of at
 * most max names (pointers kept, not copied): 1 when name was added */
int ms_name_list(const char *const *names, int n, char *buf, size_t cap);
int ms_name_set_add(const char **set, int *n, int max, const char *name);

/*
 * What the detectors read, loaded once per run: the whole auth_events table
 * (every row, not only the range: a failure is judged by the successes
 * before it at any time) in one sequential scan, as parallel arrays in id
 * order, plus its rows grouped by address.  The detectors aggregate these
 * in C; SQL GROUP BYs with count(DISTINCT) and correlated subqueries per row
 * took seconds on the 8 M-line database, the scan takes a tenth of one.
 */
enum {
	MS_EV_TS = 1,           /* ts is not NULL */
	MS_EV_IN = 2,           /* ts is inside the query range */
	MS_EV_SESS = 4,         /* session_id is not NULL */
	MS_EV_UNKNOWN = 8,      /* user_unknown = 1: the server says the account does not exist */
	MS_EV_DECODED = 16,     /* account_src = 2: the name was decoded from TLS-debug AUTH */
	MS_EV_PW = 32,          /* pw_len > 0 */
	MS_EV_FOREIGN = 64,     /* a failure no earlier success of the same (address, account) explains */
};

/* ids of a column mapped to dense indexes 0 .. n-1, in ascending id order */
typedef struct {
	int n;
	int64_t *key;           /* NULL: the index is the id; else the id of each index */
} ms_fkeys;

/* one decoded password attempt in the range: pw_hmac of 32 bytes, decode_truncated = 0 */
typedef struct {
	unsigned char hmac[32];
	int row;
} ms_fpw;

typedef struct {
	const ms_query *q;
	int n;                  /* auth_events rows, in id order; "row" below is an index into these */
	int64_t id0, *id;       /* id: NULL while the ids are id0 + row (use ms_fdata_id()) */
	int64_t *ts, *sess;
	int32_t *ip, *acct;     /* indexes (ips, accts), -1 for NULL */
	uint8_t *kind;          /* 1 failure, 4 success, 0 anything else */
	uint8_t *flag;          /* MS_EV_* */
	ms_fkeys ips, accts;
	int *ip_start;          /* the rows of address k: by_ip[ip_start[k] .. ip_start[k + 1]), in log order (findings.c) */
	int32_t *by_ip;
	int ip_max_rows;        /* the most rows of one address */
	ms_ids accounts;        /* the accounts table */
	const char **acct_name; /* per account index: its name (NULL when not in the accounts table) */
	uint8_t *acct_known;    /* per account index: in the accounts table (what a JOIN keeps) */
	int64_t *acct_ok;       /* per account index: its logins in the range, from any address */
	ms_fpw *pw;             /* in id order */
	int npw;
	sqlite3_stmt *ev_line, *ip_text;
} ms_fdata;

/* an auth event row with its time, for ordering evidence by (ts, id) */
typedef struct {
	int64_t ts;
	int row;
} ms_fev;

int ms_fdata_load(ms_fdata *d, const ms_query *q, char *err, size_t errlen);
static inline int64_t ms_fdata_id(const ms_fdata *d, int row)
{
	return d->id ? d->id[row] : d->id0 + row;
}
void ms_fdata_free(ms_fdata *d);
/* value = n, value > 0, as SQL compares a value of an INTEGER column with an integer */
int ms_val_eq(sqlite3_value *v, int64_t n);
int ms_val_gt0(sqlite3_value *v);
/* the id of an index */
int64_t ms_fkeys_id(const ms_fkeys *k, int idx);
/* the index of id, or -1 when no row has it */
int ms_fkeys_index(const ms_fkeys *k, int64_t id);
/* the text of address ip_id into buf: 1, 0 when not in the ips table (a JOIN drops it), -1 on error */
int ms_fdata_ip_text(ms_fdata *d, int64_t ip_id, char *buf, size_t cap, char *err, size_t errlen);
/* note auth event row as evidence (ms_finding_note, with its "path:line" looked up while needed);
 * no_session: what a NULL session_id is noted as (-1: none; the older queries passed 0) */
int ms_fdata_note(ms_fdata *d, ms_finding *f, int row, int64_t no_session, char *err, size_t errlen);
/* notes rows as evidence the way an evidence query did (NULL session: none), stopping (truncated)
 * at MS_F_EVIDENCE_MAX */
int ms_fdata_evidence(ms_fdata *d, ms_finding *f, const ms_fev *ev, int n, char *err, size_t errlen);
/* keep the first k of a stream of events by (ts, row), or by (ts, row) descending */
void ms_fev_keep(ms_fev *best, int *n, int k, int64_t ts, int row, int desc);
/* sort by (ts, row) ascending */
void ms_fev_sort(ms_fev *v, int n);
/* how many distinct values (v is sorted in place) */
int64_t ms_count_distinct(int64_t *v, int n);
/* qsort()/bsearch() comparison of two int64_t */
int ms_cmp_i64(const void *a, const void *b);
/* the first index of the ascending v[0..n) whose value is >= x (n: none) */
int ms_lower_bound_i64(const int64_t *v, int n, int64_t x);

int ms_find_attacks(ms_fdata *d, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen);
/* logins of account U with a decoded password that failed on
 * spray_hash_accounts or more accounts other than U, at or after the first
 * of those failures: key int32_t[2] { account index, address index } -> that
 * first failure's time.  0, or -1 out of memory */
int ms_find_sprayed_logins(const ms_fdata *d, const ms_find_opts *o, ms_strmap *out);
/* earlier: attack findings over everything up to --until (with --since), which
 * make an address an attacker or an account a target as out's do; may be empty */
int ms_find_compromise(ms_fdata *d, const ms_find_opts *o, ms_findings *out, const ms_findings *earlier, char *err,
		       size_t errlen);
int ms_find_tls(ms_fdata *d, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen);
/* mailbox_access: an attacking address's IMAP/POP login (after ms_find_attacks(): it reads out's attacks) */
int ms_find_mailbox(ms_fdata *d, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen);
/* weakness of negotiated TLS parameters: NULL if fine, else buf holding every
 * reason in words, "; " between them */
const char *ms_tls_weakness(const char *protocol, const char *cipher, int bits, char *buf, size_t cap);

#endif
