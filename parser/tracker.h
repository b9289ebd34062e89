/* SPDX-License-Identifier: MIT */
/*
 * tracker.h - reconstruct smtpd sessions and tie events to them.
 *
 * Feed it classified lines in log order; it emits records to an ms_sink.
 * Sessions are keyed by (host, service, pid); a connect on an open key
 * closes the old session as unterminated.  Lines for a key with no open
 * session open an orphan.  SASL failures whose user name is unknown wait
 * (bounded, by log time) for a plesk_saslauthd / saslauthd / Dovecot line
 * that names the user: the earliest compatible unmatched failure on the same
 * host wins, and the link is recorded as inferred with its time gap.
 * TLS-debug plaintext (Read/Write N chars, verbose < / >) is decoded into
 * the user names of AUTH PLAIN / LOGIN attempts; passwords are reduced to a
 * length and an HMAC under the configured key.
 *
 * Memory is bounded by the caps in ms_tracker_cfg whatever the input size:
 * when a table is full its oldest entry is emitted and dropped.
 *
 * Ownership: ms_tracker_new() / ms_tracker_free().  Not thread-safe.
 */
#ifndef MS_TRACKER_H
#define MS_TRACKER_H

/* Host and service names are kept (and stored) to this many bytes: a longer
 * one is cut there. */
#define MS_TRACKER_NAME_MAX 63

#include "record.h"
#include "syslog.h"
#include "grammar.h"

typedef struct {
	int plesk_window;        /* max seconds a back-end line may follow its failure (90) */
	int plesk_lead;          /* max seconds a back-end line may precede it (2) */
	int dovecot_window;      /* seconds around a failure for a Dovecot auth line with the same IP (5) */
	int idle_timeout;        /* seconds of log time after which an idle open session is evicted (3600) */
	int max_open;            /* open sessions (16384) */
	int max_pending;         /* pending failures / back-end lines (8192) */
	int max_messages;        /* tracked queue ids of authenticated mail (16384) */
	int msg_idle_timeout;    /* seconds of log time after which an idle tracked message is written and dropped (5 days) */
	int max_postscreen;      /* open postscreen conversations (8192) */
	uint8_t hmac_key[32];
	size_t hmac_key_len;
} ms_tracker_cfg;

void ms_tracker_cfg_default(ms_tracker_cfg *cfg);

typedef struct {
	int64_t connects, disconnects, unterminated, orphans, evicted;
	int64_t auth_failures, auth_errors, auth_successes, auth_aborted;
	int64_t backend_lines, backend_matched, backend_unmatched;
	int64_t decoded_auth, credential_lines;
	int64_t tls_outbound;
	int64_t names_full;      /* lines whose host or service name found the name table full */
#define MS_TRACKER_MAX_NAMES 65536 /* distinct host and service names the tracker keeps apart */
} ms_tracker_stats;

typedef struct ms_tracker ms_tracker;

/* next_ids: first ids to use for each record kind (from the database) */
typedef struct {
	int64_t session, auth, message, reject, postscreen, backend;
} ms_idgen;

ms_tracker *ms_tracker_new(const ms_tracker_cfg *cfg, const ms_sink *sink, const ms_idgen *ids);
void ms_tracker_free(ms_tracker *t);

typedef struct {
	int64_t ts;          /* UTC seconds */
	int64_t source_id;
	int64_t line;        /* 1-based line number in the source */
} ms_lineref;

void ms_tracker_feed(ms_tracker *t, const ms_syslog *sl, const ms_event *ev, const ms_lineref *ref);

/*
 * Checkpoint: write every open session and pending failure as provisional
 * records (they will be replaced later).  Used at the end of a run.
 */
void ms_tracker_checkpoint(ms_tracker *t);

/* End of all input: close every open session as still-open and flush all pending state. */
void ms_tracker_finish(ms_tracker *t);

const ms_tracker_stats *ms_tracker_get_stats(const ms_tracker *t);
void ms_tracker_get_ids(const ms_tracker *t, ms_idgen *ids);

/*
 * Serialise / restore the whole state (open sessions, pending queues, message
 * map, id counters) so a later run continues exactly where this one stopped.
 * ms_tracker_save returns a heap buffer (caller frees) of *len bytes.
 * ms_tracker_load returns 0, or -1 if the blob is malformed (state unchanged).
 */
void *ms_tracker_save(const ms_tracker *t, size_t *len);
/* the same bytes without a buffer of them all (a full session table is
 * ~18 MB): their length, then handed to out() in pieces in order (out
 * returns 0, or non-zero to stop: then -1) */
size_t ms_tracker_save_size(const ms_tracker *t);
int ms_tracker_save_stream(const ms_tracker *t, int (*out)(void *ctx, const void *d, size_t n), void *ctx);
int ms_tracker_load(ms_tracker *t, const void *blob, size_t len);

#endif
