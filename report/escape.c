/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>
#include "escape.h"

int ms_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0; /* overlong */
		if (c == 0xED && s[1] >= 0xA0)
			return 0; /* surrogates */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90)
			return 0;
		if (c == 0xF4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

static const char hexd[] = "0123456789abcdef";

/*
 * Valid UTF-8 that a reader cannot see or that moves what follows: the
 * bidirectional controls (U+061C, U+200E-U+200F, U+202A-U+202E,
 * U+2066-U+2069: a right-to-left override makes "moc.elpmaxe@nimda" read as
 * another account), characters shown as nothing (U+00AD soft hyphen, U+180E,
 * U+200B-U+200D, U+2060-U+2064, U+206A-U+206F, U+3164 and U+FFA0 Hangul
 * fillers, the variation selectors U+FE00-U+FE0F, U+FEFF, and the tag
 * characters U+E0000-U+E007F) and the line and paragraph separators (U+2028,
 * U+2029: a line end to some readers of a one-record-per-line file).  An
 * attacker writes the client's part of a line: these are shown escaped.
 */
static int invisible(const unsigned char *u, int l)
{
	if (l == 2)
		return (u[0] == 0xD8 && u[1] == 0x9C) || (u[0] == 0xC2 && u[1] == 0xAD);
	if (l == 4) /* U+E0000-U+E007F: F3 A0 80-81 xx */
		return u[0] == 0xF3 && u[1] == 0xA0 && (u[2] == 0x80 || u[2] == 0x81);
	if (l != 3)
		return 0;
	if (u[0] == 0xE2 && u[1] == 0x80)
		return (u[2] >= 0x8B && u[2] <= 0x8F) || (u[2] >= 0xA8 && u[2] <= 0xAE);
	if (u[0] == 0xE2 && u[1] == 0x81)
		return (u[2] >= 0xA0 && u[2] <= 0xA4) || (u[2] >= 0xA6 && u[2] <= 0xAF); /* not U+2070.. */
	if (u[0] == 0xE1 && u[1] == 0xA0 && u[2] == 0x8E) /* U+180E */
		return 1;
	if (u[0] == 0xE3 && u[1] == 0x85 && u[2] == 0xA4) /* U+3164 */
		return 1;
	if (u[0] == 0xEF && u[1] == 0xB8 && u[2] <= 0x8F) /* U+FE00-U+FE0F */
		return 1;
	if (u[0] == 0xEF && u[1] == 0xBE && u[2] == 0xA0) /* U+FFA0 */
		return 1;
	return u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF;
}

/* the code point of a valid 2-, 3- or 4-byte sequence */
static unsigned cp_of(const unsigned char *u, int l)
{
	if (l == 2)
		return ((u[0] & 0x1Fu) << 6) | (u[1] & 0x3Fu);
	if (l == 3)
		return ((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
	return ((u[0] & 0x07u) << 18) | ((u[1] & 0x3Fu) << 12) | ((u[2] & 0x3Fu) << 6) | (u[3] & 0x3Fu);
}

/* [lo, hi] ranges, in order */
typedef struct { unsigned lo, hi; } cp_range;

static int in_ranges(unsigned c, const cp_range *r, size_t n)
{
	size_t a = 0, b = n;
	while (a < b) {
		size_t m = (a + b) / 2;
		if (c < r[m].lo)
			b = m;
		else if (c > r[m].hi)
			a = m + 1;
		else
			return 1;
	}
	return 0;
}

/* combining marks a terminal draws over the character before (the main
 * blocks of Unicode's Mn category) */
static const cp_range zero_w[] = {
	{ 0x0300, 0x036F }, { 0x0483, 0x0489 }, { 0x0591, 0x05BD }, { 0x05BF, 0x05BF }, { 0x05C1, 0x05C2 },
	{ 0x05C4, 0x05C5 }, { 0x05C7, 0x05C7 }, { 0x0610, 0x061A }, { 0x064B, 0x065F }, { 0x0670, 0x0670 },
	{ 0x06D6, 0x06DC }, { 0x06DF, 0x06E4 }, { 0x06E7, 0x06E8 }, { 0x06EA, 0x06ED }, { 0x0711, 0x0711 },
	{ 0x0730, 0x074A }, { 0x0900, 0x0902 }, { 0x093A, 0x093A }, { 0x093C, 0x093C }, { 0x0941, 0x0948 },
	{ 0x094D, 0x094D }, { 0x0951, 0x0957 }, { 0x0962, 0x0963 }, { 0x0E31, 0x0E31 }, { 0x0E34, 0x0E3A },
	{ 0x0E47, 0x0E4E }, { 0x0EB1, 0x0EB1 }, { 0x0EB4, 0x0EBC }, { 0x0EC8, 0x0ECE }, { 0x1AB0, 0x1AFF },
	{ 0x1DC0, 0x1DFF }, { 0x20D0, 0x20FF }, { 0x302A, 0x302D }, { 0x3099, 0x309A }, { 0xFE20, 0xFE2F },
};

/* East Asian wide and full-width characters and emoji shown two columns wide */
static const cp_range double_w[] = {
	{ 0x1100, 0x115F }, { 0x231A, 0x231B }, { 0x2329, 0x232A }, { 0x23E9, 0x23EC }, { 0x23F0, 0x23F0 },
	{ 0x23F3, 0x23F3 }, { 0x25FD, 0x25FE }, { 0x2614, 0x2615 }, { 0x2648, 0x2653 }, { 0x267F, 0x267F },
	{ 0x2693, 0x2693 }, { 0x26A1, 0x26A1 }, { 0x26AA, 0x26AB }, { 0x26BD, 0x26BE }, { 0x26C4, 0x26C5 },
	{ 0x26CE, 0x26CE }, { 0x26D4, 0x26D4 }, { 0x26EA, 0x26EA }, { 0x26F2, 0x26F3 }, { 0x26F5, 0x26F5 },
	{ 0x26FA, 0x26FA }, { 0x26FD, 0x26FD }, { 0x2705, 0x2705 }, { 0x270A, 0x270B }, { 0x2728, 0x2728 },
	{ 0x274C, 0x274C }, { 0x274E, 0x274E }, { 0x2753, 0x2755 }, { 0x2757, 0x2757 }, { 0x2795, 0x2797 },
	{ 0x27B0, 0x27B0 }, { 0x27BF, 0x27BF }, { 0x2B1B, 0x2B1C }, { 0x2B50, 0x2B50 }, { 0x2B55, 0x2B55 },
	{ 0x2E80, 0x3029 }, { 0x302E, 0x303E }, { 0x3041, 0x3098 }, { 0x309B, 0x33FF }, { 0x3400, 0x4DBF },
	{ 0x4E00, 0xA4CF }, { 0xA960, 0xA97F }, { 0xAC00, 0xD7A3 }, { 0xF900, 0xFAFF }, { 0xFE10, 0xFE19 },
	{ 0xFE30, 0xFE6F }, { 0xFF00, 0xFF60 }, { 0xFFE0, 0xFFE6 }, { 0x16FE0, 0x16FE4 }, { 0x17000, 0x18CFF },
	{ 0x1B000, 0x1B2FF }, { 0x1F004, 0x1F004 }, { 0x1F0CF, 0x1F0CF }, { 0x1F18E, 0x1F18E },
	{ 0x1F191, 0x1F19A }, { 0x1F200, 0x1F251 }, { 0x1F300, 0x1F64F }, { 0x1F680, 0x1F6FF },
	{ 0x1F7E0, 0x1F7EB }, { 0x1F90C, 0x1F9FF }, { 0x1FA70, 0x1FAFF }, { 0x20000, 0x2FFFD },
	{ 0x30000, 0x3FFFD },
};

int ms_utf8_cols(const unsigned char *u, int l)
{
	if (l < 2)
		return 1;
	unsigned c = cp_of(u, l);
	if (in_ranges(c, zero_w, sizeof zero_w / sizeof zero_w[0]))
		return 0;
	return in_ranges(c, double_w, sizeof double_w / sizeof double_w[0]) ? 2 : 1;
}

/* "\u202e", or "\U000e0041" beyond U+FFFF, into d (room for 10 bytes): its length */
static size_t u_escape(char *d, unsigned c)
{
	size_t n = 0;
	int top = c > 0xFFFF ? 28 : 12;
	d[n++] = '\\';
	d[n++] = c > 0xFFFF ? 'U' : 'u';
	for (int sh = top; sh >= 0; sh -= 4)
		d[n++] = hexd[(c >> sh) & 15];
	return n;
}

/*
 * The text escape of s[0..n) into buf (cap >= 1, NUL-terminated, whole
 * sequences only); bs: a backslash is doubled (text, CSV), or kept as it
 * is (JSON text in a CSV cell: its escapes are JSON's).  Returns the
 * display width written.
 */
static size_t esc_text_buf(char *buf, size_t cap, const char *s, size_t n, int bs, char sep, int raw)
{
	size_t o = 0, w = 0;
	const unsigned char *u = (const unsigned char *)s;
	if (cap == 0)
		return 0;
	for (size_t i = 0; i < n;) {
		int l = ms_utf8_len(u + i, n - i);
		char tmp[12];
		size_t tl, take = 1, wid;
		if (l == 1 && u[i] >= 0x20 && u[i] != 0x7f && u[i] != '\\' && (!sep || u[i] != (unsigned char)sep)) {
			tmp[0] = (char)u[i];
			tl = wid = 1;
		} else if (l == 1 && u[i] == '\\') {
			tmp[0] = tmp[1] = '\\';
			tl = wid = bs ? 2 : 1;
		} else if (l >= 2 && !(l == 2 && u[i] == 0xC2 && u[i + 1] < 0xA0) && !invisible(u + i, l)) {
			memcpy(tmp, u + i, (size_t)l);
			tl = take = (size_t)l;
			wid = (size_t)ms_utf8_cols(u + i, l);
		} else if (l >= 2 && invisible(u + i, l)) {
			/* "\u202e": seen, and never mistaken for the bytes' \xNN */
			tl = wid = u_escape(tmp, cp_of(u + i, l));
			take = (size_t)l;
		} else if (!raw && l == 0 && u[i] == 0xC0 && i + 1 < n && u[i + 1] == 0x80) {
			/* a NUL of the log, kept as modified UTF-8 (parser/tracker.c cpy()) */
			memcpy(tmp, "\\x00", 4);
			tl = wid = 4;
			take = 2;
		} else {
			/* C0 control, DEL, C1 control (U+0080..U+009F: both bytes
			 * shown, one after the other), a byte of invalid UTF-8, or
			 * the separator of a list's items */
			tmp[0] = '\\'; tmp[1] = 'x'; tmp[2] = hexd[u[i] >> 4]; tmp[3] = hexd[u[i] & 15];
			tl = wid = 4;
		}
		if (o + tl >= cap)
			break;
		memcpy(buf + o, tmp, tl);
		o += tl;
		w += wid;
		i += take;
	}
	buf[o] = 0;
	return w;
}

size_t ms_esc_text_buf(char *buf, size_t cap, const char *s, size_t n)
{
	return esc_text_buf(buf, cap, s, n, 1, 0, 0);
}

size_t ms_esc_text_item_buf(char *buf, size_t cap, const char *s, size_t n, char sep)
{
	return esc_text_buf(buf, cap, s, n, 1, sep, 0);
}

/* how esc_text_out() writes the text escape: as it is, with '"' doubled
 * (a quoted CSV field), or entity-escaped (HTML) */
enum { OUT_TEXT, OUT_CSV_QUOTED, OUT_HTML };

/* the text escape of s[0..n) into f, as mode says; sep: a byte shown as
 * \xNN too (0: none).  HTML thus shows what the terminal would, and no
 * symbol the log could hold itself (U+2401 for a raw 0x01 was one). */
static void esc_text_out(FILE *f, const char *s, size_t n, int bs, int mode, char sep, int raw)
{
	char buf[1024];
	while (n > 0) {
		size_t chunk = n > 200 ? 200 : n;
		/* do not split a UTF-8 sequence */
		while (chunk < n && chunk > 0 && ((unsigned char)s[chunk] & 0xC0) == 0x80)
			chunk--;
		if (chunk == 0)
			chunk = n > 200 ? 200 : n;
		esc_text_buf(buf, sizeof buf, s, chunk, bs, sep, raw);
		if (mode == OUT_HTML) {
			for (const char *p = buf; *p; p++) {
				switch (*p) {
				case '&': fputs("&amp;", f); break;
				case '<': fputs("&lt;", f); break;
				case '>': fputs("&gt;", f); break;
				case '"': fputs("&quot;", f); break;
				case '\'': fputs("&#39;", f); break;
				default: fputc(*p, f);
				}
			}
		} else {
			const char *p = buf;
			for (const char *e; mode == OUT_CSV_QUOTED && (e = strchr(p, '"')); p = e + 1) {
				fwrite(p, 1, (size_t)(e - p) + 1, f);
				fputc('"', f);
			}
			fputs(p, f);
		}
		s += chunk;
		n -= chunk;
	}
}

/* a line of the log as it is: its bytes C0 80 are two bytes shown as
 * such, not the NUL that stored names keep as that pair */
void ms_esc_text_raw(FILE *f, const char *s, size_t n)
{
	esc_text_out(f, s, n, 1, OUT_TEXT, 0, 1);
}

void ms_esc_text(FILE *f, const char *s, size_t n)
{
	esc_text_out(f, s, n, 1, OUT_TEXT, 0, 0);
}

/* printable ASCII but '"' and '\\': copied to JSON as is */

/* \u00XX for byte c */
static size_t json_u(char *d, unsigned c)
{
	d[0] = '\\';
	d[1] = 'u';
	d[2] = '0';
	d[3] = '0';
	d[4] = hexd[(c >> 4) & 15];
	d[5] = hexd[c & 15];
	return 6;
}

size_t ms_esc_json_some(char *dst, size_t room, const char *s, size_t n, size_t *used)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0, i = 0;
	while (i < n && room - o >= MS_ESC_JSON_MAX) {
		unsigned c = u[i];
		if (ms_json_plain(c)) { /* the common case: a run copied at once */
			size_t lim = n - i < room - o ? n - i : room - o, j = 1;
			while (j < lim && ms_json_plain(u[i + j]))
				j++;
			memcpy(dst + o, u + i, j);
			o += j;
			i += j;
			continue;
		}
		int l = ms_utf8_len(u + i, n - i);
		if (l == 0) {
			memcpy(dst + o, "\\ufffd", 6);
			o += 6;
			i++;
		} else if (l == 2 && c == 0xC2 && u[i + 1] < 0xA0) {
			/* C1 control (U+0080..U+009F): valid JSON raw, but a terminal acts on it */
			o += json_u(dst + o, u[i + 1]);
			i += 2;
		} else if (l > 1 && invisible(u + i, l)) {
			/* "\u202e": the same string once decoded, and no raw U+2028 to
			 * end a line of NDJSON for a reader that splits on it */
			unsigned cp = cp_of(u + i, l);
			if (cp > 0xFFFF) { /* a tag character: its UTF-16 surrogate pair */
				o += u_escape(dst + o, 0xD800 + ((cp - 0x10000) >> 10));
				o += u_escape(dst + o, 0xDC00 + ((cp - 0x10000) & 0x3FF));
			} else {
				o += u_escape(dst + o, cp);
			}
			i += (size_t)l;
		} else if (l > 1) {
			memcpy(dst + o, u + i, (size_t)l);
			o += (size_t)l;
			i += (size_t)l;
		} else {
			const char *e = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
				      : c == '\t' ? "\\t" : NULL;
			if (e) {
				dst[o++] = e[0];
				dst[o++] = e[1];
			} else { /* the other C0 controls and DEL */
				o += json_u(dst + o, c);
			}
			i++;
		}
	}
	*used = i;
	return o;
}

void ms_esc_json(FILE *f, const char *s, size_t n)
{
	char buf[512];
	fputc_unlocked('"', f);
	while (n) {
		size_t used, k = ms_esc_json_some(buf, sizeof buf, s, n, &used);
		fwrite_unlocked(buf, 1, k, f);
		s += used;
		n -= used;
	}
	fputc_unlocked('"', f);
}

/*
 * A CSV cell of count items joined by sep (one item: a plain value, sep
 * 0), each written as text shows it with sep inside it as \xNN (an
 * attacker's "a;b@x" is one item, not two): NUL, CR, ESC and the other
 * C0/C1 controls would act on a terminal that shows the file, a TAB or LF
 * splits the field for line- and tab-based tools, and invalid UTF-8 is no
 * text.  Quoted when it holds '"', ',', ';' or a line end, and prefixed
 * with ' when it starts like a formula.  lens NULL: the items' strlen();
 * bs: backslashes doubled (a value) or kept (JSON text).
 */
static void esc_csv_cell(FILE *f, const char *const *items, const size_t *lens, int count, int bs, char sep)
{
	int quote = count > 1, neutral = 0; /* (count > 1: the joining ';') */
	for (int k = 0; k < count; k++) {
		const char *s = items[k];
		size_t n = lens ? lens[k] : strlen(s);
		if (k == 0 && n && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r'))
			neutral = 1;
		for (size_t i = 0; i < n && !quote; i++)
			if (s[i] == '"' || s[i] == ',' || s[i] == '\n' || s[i] == '\r' || s[i] == ';')
				quote = 1;
	}
	if (quote || neutral)
		fputc('"', f);
	if (neutral)
		fputc('\'', f);
	for (int k = 0; k < count; k++) {
		if (k)
			fputc(sep, f);
		esc_text_out(f, items[k], lens ? lens[k] : strlen(items[k]), bs, OUT_CSV_QUOTED, sep, 0);
	}
	if (quote || neutral)
		fputc('"', f);
}

void ms_esc_csv(FILE *f, const char *s, size_t n)
{
	esc_csv_cell(f, &s, &n, 1, 1, 0);
}

void ms_esc_csv_json(FILE *f, const char *s, size_t n)
{
	esc_csv_cell(f, &s, &n, 1, 0, 0);
}

/* as text shows s (\xNN, a backslash doubled, \uXXXX), entity-escaped */
void ms_esc_html(FILE *f, const char *s, size_t n)
{
	esc_text_out(f, s, n, 1, OUT_HTML, 0, 0);
}

void ms_esc_html_item(FILE *f, const char *s, size_t n, char sep)
{
	esc_text_out(f, s, n, 1, OUT_HTML, sep, 0);
}

void ms_esc_csv_list(FILE *f, const char *const *items, int n)
{
	esc_csv_cell(f, items, NULL, n, 1, ';');
}
