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

typedef enum {
	MS_F_COMPROMISE,
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
} ms_find_opts;

typedef struct {
	ms_finding *v;
	int n, cap;
} ms_findings;

void ms_find_opts_default(ms_find_opts *o);
/* Run every detector; findings sorted by severity, type, size.  0 or -1 (err set). */
int ms_findings_run(const ms_query *q, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen);
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
/* ", "-separated name lists for explanations (cut at cap): the first column of
 * each row of st, returning how many; or one name unless it is already there */
int ms_name_list_from(sqlite3_stmt *st, char *buf, size_t cap);
int ms_name_list_add(char *buf, size_t cap, const char *name);
int ms_finding_evidence(const ms_query *q, ms_finding *f, const char *sql, int64_t key1, int64_t key2,
			char *err, size_t errlen);
int ms_find_attacks(const ms_query *q, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen);
int ms_find_compromise(const ms_query *q, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen);
int ms_find_tls(const ms_query *q, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen);
/* weakness of negotiated TLS parameters: NULL if fine, else a short reason */
const char *ms_tls_weakness(const char *protocol, const char *cipher, int bits);

#endif
