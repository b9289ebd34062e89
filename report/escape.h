/* SPDX-License-Identifier: MIT */
/*
 * escape.h - every attacker-chosen string leaves through one of these.
 *   text:  control bytes (C0, DEL, C1 in UTF-8) and invalid UTF-8 become
 *          \xNN; backslash becomes \\ ; result is safe on a terminal.
 *   json:  RFC 8259 string body; invalid UTF-8 bytes become U+FFFD; C0
 *          and C1 controls become \uXXXX.
 *   csv:   RFC 4180 field (quoted when needed) holding the text escape
 *          (controls and invalid UTF-8 as \xNN, backslash as \\); a cell
 *          starting with = + - @ TAB CR is prefixed with ' against formula
 *          injection.
 *   html:  & < > " ' escaped, C0 controls shown as control pictures (U+24xx),
 *          C1 controls and invalid UTF-8 -> U+FFFD.
 */
#ifndef MS_ESCAPE_H
#define MS_ESCAPE_H

#include <stdio.h>
#include <stddef.h>

/* the same for a line of the log itself (sessions --lines): C0 80 there is
 * two bytes of the log, not a stored NUL */
void ms_esc_text_raw(FILE *f, const char *s, size_t n);
void ms_esc_text(FILE *f, const char *s, size_t n);
/* escaped text into buf (truncated to cap-1); returns display width written */
size_t ms_esc_text_buf(char *buf, size_t cap, const char *s, size_t n);
void ms_esc_json(FILE *f, const char *s, size_t n);      /* writes the quotes too */
/* the longest escape of one input sequence */
#define MS_ESC_JSON_MAX 12 /* a tag character: two \uXXXX */
/* The JSON escape of a prefix of s[0..n) (no quotes) into dst, whole
 * sequences only, while at least MS_ESC_JSON_MAX bytes of room are left:
 * returns the bytes written and sets *used to the input bytes taken (at
 * least one when room >= MS_ESC_JSON_MAX and n > 0). */
size_t ms_esc_json_some(char *dst, size_t room, const char *s, size_t n, size_t *used);
void ms_esc_csv(FILE *f, const char *s, size_t n);
/* the same for a cell of JSON text: its backslashes (JSON's escapes) kept */
void ms_esc_csv_json(FILE *f, const char *s, size_t n);
void ms_esc_html(FILE *f, const char *s, size_t n);
/* one item of a list joined with sep: sep in it is shown as \xNN too (an
 * attacker's "a,b@x" stays one item to the reader) */
size_t ms_esc_text_item_buf(char *buf, size_t cap, const char *s, size_t n, char sep);
void ms_esc_html_item(FILE *f, const char *s, size_t n, char sep);
/* a CSV cell of items joined with ';', each item's ';' as \x3b */
void ms_esc_csv_list(FILE *f, const char *const *items, int n);
/* length of a valid UTF-8 sequence at s (1..4) or 0 if invalid */
/* columns a terminal gives the valid l-byte UTF-8 character at u: 0 for a
 * combining mark, 2 for East Asian wide characters and emoji, else 1 */
int ms_utf8_cols(const unsigned char *u, int l);
int ms_utf8_len(const unsigned char *s, size_t n);
/* a byte JSON carries as it is (printable ASCII but '"' and '\\'); NUL is not */
static inline int ms_json_plain(unsigned c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }

#endif
