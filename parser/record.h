/* SPDX-License-Identifier: MIT */
/*
 * record.h - what the parser hands to the store: closed (or checkpointed)
 * sessions and the events that make up the evidence.  Every record carries
 * an id assigned by the tracker; writing a record with an id that exists
 * replaces the older version (a provisional row written at a checkpoint is
 * replaced when the session closes or a pending failure gets its account).
 *
 * String fields are NUL-terminated, owned by the tracker, valid only during
 * the sink callback; NULL means absent.  Timestamps are UTC seconds.
 */
#ifndef MS_RECORD_H
#define MS_RECORD_H

#include <stdint.h>
#include "event.h"
#include "sha256.h"

enum { MS_SS_OPEN = 0, MS_SS_CLOSED = 1, MS_SS_UNTERMINATED = 2, MS_SS_EVICTED = 3 };
enum { MS_AUTH_FAIL = 1, MS_AUTH_ERROR = 2, MS_AUTH_ABORTED = 3, MS_AUTH_SUCCESS = 4, MS_AUTH_RATELIMIT = 5 };
enum { MS_SRC_NONE = 0, MS_SRC_LOGGED = 1, MS_SRC_DECODED = 2, MS_SRC_INFERRED = 3 };

typedef struct {
	int64_t id;
	const char *host, *service, *ip, *client_name;
	long pid, port;
	int64_t start_ts, end_ts;
	int state;          /* MS_SS_* */
	int orphan;         /* no connect line seen */
	const char *end_reason, *end_after; /* "lost connection"/"timeout"/"too many errors", command */
	ms_counters counters;
	int rdns_mismatch;
	int tls_setup, tls_error, tls_bits, tls_alg_bits;
	const char *tls_proto, *tls_cipher, *tls_trust, *tls_kex, *tls_sni;
	int auth_failures, auth_errors, auth_aborts, auth_successes, auth_decoded;
	const char *auth_user, *auth_method;
	int auth_user_src;
	int messages, rejects, nonsmtp, pipelining, ratelimited;
	int64_t source_id, first_line, last_line;
} ms_session_rec;

typedef struct {
	int64_t id, session_id, ts;
	const char *host, *service, *ip, *client_name;
	int kind;           /* MS_AUTH_* */
	const char *mech, *reason, *account;
	int account_src;    /* MS_SRC_* */
	int infer_gap;      /* seconds between the smtpd line and the back-end line (signed) */
	int infer_candidates; /* unmatched failures that were compatible (1 = unambiguous) */
	int user_unknown;   /* back end said the user does not exist */
	int pw_len;         /* -1 unknown */
	int pw_len_exact;
	const uint8_t *pw_hmac; /* 32 bytes or NULL */
	int decode_truncated;
	int64_t source_id, line;
} ms_auth_rec;

typedef struct {
	int64_t id, session_id, ts;
	const char *host, *ip, *queue_id, *account, *sender, *message_id;
	long size;
	int nrcpt, delivered, bounced, deferred;
	int64_t source_id, line;
} ms_message_rec;

typedef struct {
	int64_t id, session_id, ts;
	const char *host, *ip, *client_name, *action, *stage, *reason, *sender, *recipient, *helo;
	int code;
	int postscreen;
	int64_t source_id, line;
} ms_reject_rec;

typedef struct {
	int64_t id;
	const char *host, *ip;
	long port;
	int64_t start_ts, end_ts;
	const char *verdict;   /* "pass_new", "pass_old", "hangup", "pregreet", "denylisted", "rejected", "dropped" ... */
	int dnsbl_rank, pregreet, events;
	int64_t source_id, line;
} ms_postscreen_rec;

/* back-end lines that were not tied to an smtpd failure (plesk, saslauthd, dovecot) */
typedef struct {
	int64_t id, ts;
	const char *host, *ip, *account, *backend, *service, *detail;
	int fail, attempts, pw_len, user_unknown;
	int retract;          /* 1: only id is set; delete the row a checkpoint wrote for a line
			       * still waiting for its failure, which it has now found */
	int64_t source_id, line;
} ms_backend_rec;

/* a notice of the syslog daemon that it dropped lines (rate limits) */
typedef struct {
	int64_t ts;
	const char *host, *reporter, *what;
	long pid, lost;       /* < 0: not said */
	int64_t source_id, line;
} ms_loss_rec;

typedef struct ms_sink {
	void *ctx;
	void (*session)(void *ctx, const ms_session_rec *r);
	void (*auth)(void *ctx, const ms_auth_rec *r);
	void (*message)(void *ctx, const ms_message_rec *r);
	void (*reject)(void *ctx, const ms_reject_rec *r);
	void (*postscreen)(void *ctx, const ms_postscreen_rec *r);
	void (*backend)(void *ctx, const ms_backend_rec *r);
	void (*loss)(void *ctx, const ms_loss_rec *r);
} ms_sink;

#endif
