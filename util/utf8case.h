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

#endif
