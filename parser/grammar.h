/* SPDX-License-Identifier: MIT */
/*
 * grammar.h - classify one syslog message into an ms_event.
 *
 * Dispatch is by daemon name (last component of the program tag), then by
 * cheap prefix checks on the message; PCRE2 (JIT) serves a few long-tail
 * formats (Dovecot, saslauthd).  No allocation per line.
 *
 * Ownership: ms_grammar_new() compiles the patterns; ms_grammar_free().
 * The grammar is read-only after creation and may be shared by threads
 * only if each thread uses its own match data (it does not: one grammar
 * per parser thread).
 */
#ifndef MS_GRAMMAR_H
#define MS_GRAMMAR_H

#include "syslog.h"
#include "event.h"

typedef struct ms_grammar ms_grammar;

/* Which family a line belongs to, for per-family counters. */
typedef enum {
	MS_FAM_OTHER = 0,   /* not a mail program */
	MS_FAM_SMTPD,
	MS_FAM_POSTSCREEN,
	MS_FAM_POSTFIX,     /* other postfix daemons */
	MS_FAM_PLESK,
	MS_FAM_SASLAUTHD,
	MS_FAM_DOVECOT,
	MS_FAM_SYSTEM       /* known non-mail system programs (cron, systemd): recognised as noise */
} ms_family;

ms_grammar *ms_grammar_new(char *err, size_t errlen);
void ms_grammar_free(ms_grammar *g);

/* Classify; always fills ev (EV_UNKNOWN when nothing matched). */
ms_family ms_grammar_classify(ms_grammar *g, ms_syslog *sl, ms_event *ev);

/* Per-family parsers (exposed for unit tests and fuzzing). */
void ms_parse_smtpd(ms_sv msg, ms_event *ev);
void ms_parse_postscreen(ms_sv msg, ms_event *ev);
/* daemon empty: not known (a tag that lost its "/daemon"), any daemon's lines are taken */
void ms_parse_postfix_other(ms_sv daemon, ms_sv msg, ms_event *ev);
/* The next " from NAME[IP]" followed by ':' or ';' in s (a cleanup reject's
 * text from its first client on): the offset just after it, 0 when none. */
size_t ms_cleanup_client_next(ms_sv s, ms_sv *name, ms_sv *ip);
/* A cleanup reject's fields after its client (reason, code, sender ...). */
void ms_cleanup_reject_tail(ms_sv t, ms_event *ev);
void ms_parse_plesk(ms_sv msg, ms_event *ev);
void ms_parse_saslauthd(ms_grammar *g, ms_sv msg, ms_event *ev);
void ms_parse_dovecot(ms_grammar *g, ms_sv msg, ms_event *ev);
/* Dovecot login process line; service = "imap-login" ..., rest = text after "imap-login: " */
void ms_parse_dovecot_login(ms_sv service, ms_sv rest, ms_event *ev);
/* Dovecot 2.4 "auth(user,ip,sasl:mech)<session>: msg" (prog = the prefix) */
void ms_parse_dovecot_prefixed(ms_sv prog, ms_sv msg, ms_event *ev);
/* the syslog daemon itself (rsyslogd, systemd-journald): log_loss or noise */
int ms_is_syslogd(ms_sv prog);
void ms_parse_syslogd(ms_sv msg, ms_event *ev);

/* Helpers shared by the grammars. */
size_t ms_queue_id_len(ms_sv s);  /* length of a queue id followed by ": ", or 0 */
int ms_is_tls_debug_noise(ms_sv msg);
void ms_parse_counters(ms_sv s, ms_counters *c);
/* Extract "key=<value>" (up to the first '>') or "key=value" (up to ' ' or
 * ','): the key starts s or follows ' ', ',' or ';'; the first such "key="
 * wins.  1 when found, else 0 and *val empty (MS_SV_NULL). */
int ms_kv_get(ms_sv s, const char *key, ms_sv *val);
/* The same for n keys (at most MS_KV_MAX) in one pass over s: *vals[i] for
 * keys[i]; returns how many were found. */
#define MS_KV_MAX 8
int ms_kv_get_n(ms_sv s, const char *const *keys, ms_sv *const *vals, int n);

#endif
