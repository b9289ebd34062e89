/* SPDX-License-Identifier: MIT */
/*
 * export_jw.h - a tiny streaming JSON writer (nesting depth and comma
 * state only) shared by export.c and timeline.c.  Strings go through
 * ms_esc_json; NULL strings are left out.  Times are written in UTC.
 */
#ifndef MS_EXPORT_JW_H
#define MS_EXPORT_JW_H

#include <stdio.h>
#include <string.h>
#include <time.h>
#include "escape.h"

typedef struct {
	FILE *f;
	int first[8];
	int depth;
} jw;

static inline void jw_key(jw *w, const char *k)
{
	if (!w->first[w->depth])
		fputc(',', w->f);
	w->first[w->depth] = 0;
	if (k) {
		ms_esc_json(w->f, k, strlen(k));
		fputc(':', w->f);
	}
}
static inline void jw_open(jw *w, const char *k, char c)
{
	if (k || w->depth > 0)
		jw_key(w, k);       /* a key, or the comma before an array element */
	fputc(c, w->f);
	w->first[++w->depth] = 1;
}
static inline void jw_close(jw *w, char c)
{
	fputc(c, w->f);
	w->depth--;
}
static inline void jw_str(jw *w, const char *k, const char *v)
{
	if (!v)
		return;
	jw_key(w, k);
	ms_esc_json(w->f, v, strlen(v));
}
static inline void jw_int(jw *w, const char *k, long long v)
{
	jw_key(w, k);
	fprintf(w->f, "%lld", v);
}
static inline void jw_bool(jw *w, const char *k, int v)
{
	jw_key(w, k);
	fputs(v ? "true" : "false", w->f);
}
static inline void jw_time(jw *w, const char *k, int64_t ts)
{
	char b[40];
	struct tm tm;
	time_t t = (time_t)ts;
	if (!gmtime_r(&t, &tm))
		return;
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
	jw_str(w, k, b);
}
/* a one-element array, or nothing when v is NULL */
static inline void jw_str1(jw *w, const char *k, const char *v)
{
	if (!v)
		return;
	jw_open(w, k, '[');
	jw_str(w, NULL, v);
	jw_close(w, ']');
}

static inline void jw_init(jw *w, FILE *f)
{
	memset(w, 0, sizeof *w);
	w->f = f;
	w->first[0] = 1;
}

#endif
