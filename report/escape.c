/* SPDX-License-Identifier: MIT */
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

size_t ms_esc_text_buf(char *buf, size_t cap, const char *s, size_t n)
{
	size_t o = 0, w = 0;
	const unsigned char *u = (const unsigned char *)s;
	if (cap == 0)
		return 0;
	for (size_t i = 0; i < n;) {
		int l = ms_utf8_len(u + i, n - i);
		char tmp[8];
		size_t tl;
		if (l == 1 && u[i] >= 0x20 && u[i] != 0x7f && u[i] != '\\') {
			tmp[0] = (char)u[i];
			tl = 1;
		} else if (l == 1 && u[i] == '\\') {
			tmp[0] = '\\';
			tmp[1] = '\\';
			tl = 2;
		} else if (l >= 2 && !(l == 2 && u[i] == 0xC2 && u[i + 1] < 0xA0)) {
			memcpy(tmp, u + i, (size_t)l);
			tl = (size_t)l;
			if (o + tl >= cap)
				break;
			memcpy(buf + o, tmp, tl);
			o += tl;
			w += 1;
			i += (size_t)l;
			continue;
		} else {
			/* control byte, C1 control (U+0080..U+009F) or invalid byte */
			if (l == 2) {
				/* C1 control: show both bytes */
				tmp[0] = '\\'; tmp[1] = 'x'; tmp[2] = hexd[u[i] >> 4]; tmp[3] = hexd[u[i] & 15];
				tl = 4;
				if (o + tl >= cap)
					break;
				memcpy(buf + o, tmp, tl);
				o += tl;
				w += tl;
				i++;
				tmp[0] = '\\'; tmp[1] = 'x'; tmp[2] = hexd[u[i] >> 4]; tmp[3] = hexd[u[i] & 15];
				tl = 4;
			} else {
				tmp[0] = '\\'; tmp[1] = 'x'; tmp[2] = hexd[u[i] >> 4]; tmp[3] = hexd[u[i] & 15];
				tl = 4;
			}
			if (o + tl >= cap)
				break;
			memcpy(buf + o, tmp, tl);
			o += tl;
			w += tl;
			i++;
			continue;
		}
		if (o + tl >= cap)
			break;
		memcpy(buf + o, tmp, tl);
		o += tl;
		w += tl;
		i++;
	}
	buf[o] = 0;
	return w;
}

void ms_esc_text(FILE *f, const char *s, size_t n)
{
	char buf[1024];
	while (n > 0) {
		size_t chunk = n > 200 ? 200 : n;
		/* do not split a UTF-8 sequence */
		while (chunk < n && chunk > 0 && ((unsigned char)s[chunk] & 0xC0) == 0x80)
			chunk--;
		if (chunk == 0)
			chunk = n > 200 ? 200 : n;
		ms_esc_text_buf(buf, sizeof buf, s, chunk);
		fputs(buf, f);
		s += chunk;
		n -= chunk;
	}
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

void ms_esc_csv(FILE *f, const char *s, size_t n)
{
	int quote = 0, neutral = 0;
	if (n && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r'))
		neutral = 1;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '"' || s[i] == ',' || s[i] == '\n' || s[i] == '\r' || s[i] == ';')
			quote = 1;
	if (quote || neutral)
		fputc('"', f);
	if (neutral)
		fputc('\'', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"')
			fputs("\"\"", f);
		else if (c < 0x20 || c == 0x7f ||
			 (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] < 0xA0 &&
			  (unsigned char)s[i + 1] >= 0x80))
			/* NUL, CR, ESC and the other C0/C1 controls would act on a
			 * terminal that shows the file, and a TAB or LF splits the
			 * field for line- and tab-based tools: write them as \xNN */
			fprintf(f, "\\x%02x", c == 0xC2 ? (unsigned char)s[++i] : c);
		else
			fputc(c, f);
	}
	if (quote || neutral)
		fputc('"', f);
}

void ms_esc_html(FILE *f, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		int l = ms_utf8_len(u + i, n - i);
		if (l == 0) {
			fputs("&#xFFFD;", f);
			i++;
			continue;
		}
		if (l == 2 && u[i] == 0xC2 && u[i + 1] < 0xA0) {
			fputs("&#xFFFD;", f); /* C1 control */
			i += 2;
			continue;
		}
		if (l > 1) {
			fwrite(u + i, 1, (size_t)l, f);
			i += (size_t)l;
			continue;
		}
		switch (u[i]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if (u[i] >= 0x20 && u[i] != 0x7f)
				fputc(u[i], f);
			else if (u[i] == '\t' || u[i] == '\n')
				fputc(' ', f);
			else
				fprintf(f, "&#x%02X;", u[i] == 0 ? 0xFFFD : 0x2400 + u[i]);
		}
		i++;
	}
}
