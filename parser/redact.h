/* SPDX-License-Identifier: MIT */
/*
 * redact.h - SMTP dialogue as logged (TLS-debug "Read/Write N chars:" and
 * verbose "< name[addr]: ..." / "> name[addr]: ..." lines), split into
 * commands, and log lines copied with the credentials in them hidden.
 *
 * These lines carry base64 AUTH data (user names and passwords) and message
 * content (docs/log-formats.md section 8.9): whatever the tool prints or
 * stores of a raw line (session timelines, unrecognised-line samples, the
 * --rejects file) goes through ms_redact_line() first.  Pure: no allocation.
 */
#ifndef MS_REDACT_H
#define MS_REDACT_H

#include <stddef.h>
#include "../util/sv.h"

/*
 * The next command of a logged dialogue text.  One Read can hold several
 * pipelined commands: "RSET??AUTH PLAIN AGEA...??" (Postfix >= 3.4 shows
 * CR LF as "??"; rsyslog before it as "#015#012"; escape() as "\r\n").
 * *rest is advanced past the command and its line end; *eol says whether
 * the line end was seen (not for a command cut by the 40-byte limit).
 * Returns 0 when *rest is used up (an empty text gives one empty command).
 */
int ms_dlg_next(ms_sv *rest, ms_sv *cmd, int *eol);

/* msg (a syslog message) is SMTP dialogue: "Read N chars: ...", "Write N
 * chars: ...", "< name[addr]: ..." or "> name[addr]: ...".  Returns where
 * its text starts in msg, or 0. */
size_t ms_dlg_msg(ms_sv msg);

/*
 * Copy line (n bytes, not NUL-terminated) into out (cap bytes, cap >= 1,
 * always NUL-terminated, cut at cap - 1) with the dialogue's secrets
 * replaced by "[redacted]": plain SMTP commands and replies stay (EHLO,
 * MAIL FROM, RCPT TO, QUIT, 250 ...), AUTH keeps its mechanism, a 334
 * challenge its code; anything else - a base64 answer, message content,
 * a command we do not know - and everything after it is hidden.
 * Postfix -v lines of SASL functions keep only the function's name, the
 * marked secrets of other debug lines (Dovecot's "(given password: ...",
 * "decoded response: ...") what precedes them.  Lines without a syslog
 * header are searched for dialogue anywhere, and an AUTH command or a lone
 * base64 word on a line of its own counts as dialogue.  Other lines are
 * copied as they are.  Returns the length
 * written.  The result is at most n + 16 bytes long.
 */
size_t ms_redact_line(const char *line, size_t n, char *out, size_t cap);

/* The same for a line the parser did not recognise (an unrecognised-line
 * sample, the --rejects file): also an AUTH command anywhere in its message
 * ("<-- AUTH PLAIN ...", "C: AUTH LOGIN ...") and a message that is one
 * base64-looking word (with a digit, '+', '/' or '=') are dialogue. */
size_t ms_redact_unknown_line(const char *line, size_t n, char *out, size_t cap);

/* The same for a text that is no log line (a field of `parse`): only the
 * markers of secrets that are not dialogue apply ("(given password: ",
 * "decoded response: " ...). */
size_t ms_redact_text(const char *s, size_t n, char *out, size_t cap);

#endif
