/* SPDX-License-Identifier: MIT */
/*
 * event.h - one log message, classified.  The grammars fill an ms_event from
 * an ms_syslog; the session tracker consumes it.  All ms_sv fields are views
 * into the current line (valid until the next line is read).
 */
#ifndef MS_EVENT_H
#define MS_EVENT_H

#include <stdint.h>
#include "../util/sv.h"

typedef enum {
	EV_UNKNOWN = 0,     /* not recognised: counted per program */
	EV_NOISE,           /* recognised, carries nothing we keep (TLS debug rows, stats...) */

	/* smtpd session lifecycle */
	EV_CONNECT,         /* client */
	EV_DISCONNECT,      /* client, counters */
	EV_ABORT,           /* lost connection / timeout / too many errors: client, where, reason */

	/* authentication (smtpd) */
	EV_AUTH_FAIL,       /* client, mech, reason, user (3.9+) */
	EV_AUTH_ABORTED,    /* client, mech */
	EV_AUTH_RATELIMIT,  /* client, num */
	EV_CLIENT,          /* queue_id, client, mech/user (sasl) when present */

	/* other smtpd lines naming a client */
	EV_REJECT,          /* queue_id, action, where(stage), client, code, text, from, to, helo */
	EV_RDNS_MISMATCH,   /* name (claimed host), ip */
	EV_CLIENT_WARN,     /* client; kind in `what` (non-smtp, pipelining, rate limit, ...) */

	/* TLS */
	EV_TLS_SETUP,       /* client */
	EV_TLS_ESTABLISHED, /* client, trust, proto, cipher, bits, alg_bits, kex, sni; reused */
	EV_TLS_OUTBOUND,    /* "... TLS connection established to ..." (smtp client): proto, cipher */
	EV_TLS_ERROR,       /* client (may be empty), text */
	EV_TLS_READ,        /* client -> server plaintext (TLS debug "Read N chars" / verbose "< ") */
	EV_TLS_WRITE,       /* server -> client plaintext */

	/* postscreen */
	EV_PS_CONNECT,      /* ip, port */
	EV_PS_PASS,         /* ip, port, what = "NEW"/"OLD" */
	EV_PS_EVENT,        /* ip, port, what (PREGREET, HANGUP, DNSBL, DENYLISTED, ...), num */
	EV_PS_DISCONNECT,   /* ip, port */
	EV_PS_REJECT,       /* ip, port, code, text, from, to, helo */

	/* queue lines (message life) */
	EV_Q_MSGID,         /* queue_id, text (message-id) */
	EV_Q_FROM,          /* queue_id, from, size(num), nrcpt(num2) */
	EV_Q_DELIVERY,      /* queue_id, to, status (what) */
	EV_Q_REMOVED,       /* queue_id */

	/* SASL backends (other processes) */
	EV_PLESK_FAIL,      /* user, num = password len (-1 unknown) */
	EV_PLESK_NOUSER,    /* user */
	EV_SASLAUTHD_FAIL,  /* user, mech, reason, service(what), text = realm (none when not logged) */
	EV_DOVECOT_AUTH,    /* user, ip, what = backend, text = result, where = the request's
			     * "<session>" id when logged (shown by parse); fail flag */
	EV_DOVECOT_LOGIN,   /* user, ip, what = service (imap-login...), num = attempts, fail flag,
			     * where = "session=<id>" when logged */

	/* the log itself */
	EV_LOG_LOSS,        /* the syslog daemon dropped lines: num = how many (-1: not said yet),
			     * num2 = the pid whose lines they were (-1: not said), what = the
			     * rate limit (imuxsock, imjournal) or journald's unit */

	/* smtpd's SASL library could not reach its password server (Cyrus
	 * "cannot connect to saslauthd server: ..."): the session's next
	 * failure is the server's fault */
	EV_SASL_SERVER_DOWN,

	EV__COUNT
} ms_ev_type;

/* disconnect counters (Postfix >= 3.0); -1 = not present */
typedef struct {
	int present;
	int helo, ehlo, starttls, auth_ok, auth_total, mail, rcpt_ok, rcpt_total, data, bdat,
	    rset, noop, vrfy, quit, unknown_ok, unknown_total, commands_ok, commands_total;
	int bare_lf;
} ms_counters;

typedef struct {
	ms_ev_type type;
	ms_sv name;        /* client host name ("unknown" or rDNS) */
	ms_sv ip;          /* client address */
	long port;         /* -1 when absent */
	ms_sv queue_id;
	ms_sv mech;        /* SASL mechanism as logged */
	ms_sv user;        /* SASL user name (logged / plesk / dovecot) */
	ms_sv reason;      /* failure reason, abort reason, reject text */
	ms_sv where;       /* abort: last command; reject: stage */
	ms_sv what;        /* sub-kind (see types) */
	ms_sv text;        /* free text (TLS plaintext, message-id, helo ...) */
	ms_sv from, to, helo;
	ms_sv proto, cipher, trust, kex, sni;
	long num, num2;
	int bits, alg_bits;
	int fail;          /* dovecot: 1 failure, 0 success */
	int server_fault;  /* auth failure caused by the server (not an attack) */
	int reused;        /* TLS session reused */
	ms_counters counters;
} ms_event;

const char *ms_ev_name(ms_ev_type t);

#endif
