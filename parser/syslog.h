/* SPDX-License-Identifier: MIT */
/*
 * syslog.h - split one log line into its syslog envelope and message.
 *
 * Recognised header layouts (detected per line):
 *   RFC 3164      "Feb  3 11:57:42[.frac] host prog[pid]: msg" (day space-,
 *                 zero- or un-padded; also Postfix maillog_file)
 *   RFC 3339      "2024-02-23T11:57:42[.frac](Z|+01:00|+0100) host prog[pid]: msg"
 *                 (rsyslog high precision, journalctl short-iso[-precise])
 *   RFC 5424      "<22>1 2024-02-23T11:57:42.1+01:00 host app procid msgid sd msg"
 *                 ("<PRI>" optional)
 *   Dovecot file  "2013-08-11 03:56:40 prog(x): msg" (no host)
 *   TAI64N        "@400000004c91b044077a9e94 prog: msg" (no host)
 * A host token ending in ':' means there is no host ("Jan 29 13:54:06
 * auth-worker(22401): Info: ...").  journalctl "-- ... --" lines are markers.
 *
 * All outputs are views into the caller's line; nothing is allocated.
 */
#ifndef MS_SYSLOG_H
#define MS_SYSLOG_H

#include <stdint.h>
#include "../util/sv.h"

typedef enum {
	MS_TS_NONE = 0,
	MS_TS_3164,     /* no year, local time */
	MS_TS_ISO,      /* full date; offset if has_offset else local */
	MS_TS_EPOCH     /* absolute (TAI64N) */
} ms_ts_kind;

typedef struct {
	ms_ts_kind kind;
	int year;        /* 0 when unknown (RFC 3164) */
	int mon;         /* 1..12 */
	int mday;        /* 1..31 */
	int hour, min, sec;
	int usec;
	int has_offset;  /* explicit UTC offset given */
	int offset;      /* seconds east of UTC */
	int64_t epoch;   /* MS_TS_EPOCH only */
} ms_stamp;

typedef struct {
	ms_stamp ts;
	ms_sv host;      /* may be empty */
	ms_sv prog;      /* full program token: "postfix/submission/smtpd" */
	ms_sv daemon;    /* last '/' component: "smtpd" */
	ms_sv service;   /* prog without "/daemon": "postfix/submission"; empty if none */
	long pid;        /* -1 when absent */
	ms_sv msg;       /* message text after "prog[pid]: " */
	int repeat;      /* rsyslog "message repeated N times: [ msg ]": N (msg is the inner one); else 0 */
	int repeat_last; /* "HOST last message repeated N times" (sysklogd, BSD syslogd, rsyslog
			  * without the message): N more of the previous line; no program */
	uint64_t stamp_id; /* ms_syslog_parse_memo(): the memo's stamp this line has (0: none) */
} ms_syslog;

typedef enum {
	MS_LINE_OK = 0,
	MS_LINE_MARKER,  /* journalctl "-- Boot ... --", blank line: skip, not an error */
	MS_LINE_BAD      /* no recognisable header */
} ms_line_status;

ms_line_status ms_syslog_parse(const char *line, size_t len, ms_syslog *out);

/*
 * The last stamp parsed, kept by its text: a line that starts with the same
 * bytes, then a space, has the same stamp (the stamp parsers read nothing
 * past that space), so it is not parsed again.  Most lines of a busy log
 * share their second with the line before.  Zero it to start; the caller's.
 */
typedef struct {
	char text[48];
	size_t n;       /* 0: none */
	int sp;         /* no host field follows (TAI64N) / date and time space-separated (ISO) */
	uint64_t gen;   /* counts the stamps stored: out->stamp_id */
	ms_stamp ts;
} ms_stamp_memo;

/* ms_syslog_parse() with a memo: sets out->stamp_id to the memo's gen when
 * the line's stamp is the memo's (found there or stored), else 0.  Lines
 * whose stamp_id is the same nonzero value have the same stamp text. */
ms_line_status ms_syslog_parse_memo(const char *line, size_t len, ms_syslog *out, ms_stamp_memo *memo);

/* Parse a timestamp at the start of s; returns bytes consumed or 0. */
size_t ms_stamp_parse(ms_sv s, ms_stamp *ts);

/* 1..12 for "Jan".."Dec" (exact case as syslog writes it, also all-caps/lower), 0 if not a month. */
int ms_month_from_abbr(const char *p);

#endif
