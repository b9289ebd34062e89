/* SPDX-License-Identifier: MIT */
/* Lower case for UTF-8 text whose case pairs keep their length (for the
 * domain part of account names: SEMANTICS compares it case-insensitively,
 * and SMTPUTF8 domains such as büro.example reach the log). */
#ifndef MS_UTF8CASE_H
#define MS_UTF8CASE_H

#include <stddef.h>

/* Lower-case p[0..n) in place: ASCII, and the two-byte letters of Latin-1,
 * Latin Extended-A, Greek and Cyrillic that have a two-byte lower case.
 * Anything else (other scripts, invalid UTF-8) is left as it is. */
void ms_utf8_lower(char *p, size_t n);

/* An account name as accounts compare (semantics.md): its first n bytes
 * (to its NUL; n = SIZE_MAX: all) into out, at most cap - 1 bytes and
 * NUL-terminated, the local part as it is and the domain part, after the
 * name's last '@', lower-cased by ms_utf8_lower().  The store keeps
 * accounts in this form; the tracker compares names in it.  Returns the
 * length written. */
size_t ms_account_fold(const char *in, size_t n, char *out, size_t cap);

#endif
