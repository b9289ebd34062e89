/* SPDX-License-Identifier: MIT */
/*
 * html.h - pieces of the self-contained HTML report (inline CSS and SVG, no
 * script, no external resource).  A page is ms_html_begin, any number of
 * sections / charts / ms_table_render_html_fragment, then ms_html_end.
 */
#ifndef MS_HTML_H
#define MS_HTML_H

#include <stdio.h>
#include "table.h"

void ms_html_begin(FILE *f, const char *title, int64_t generated_at);
void ms_html_end(FILE *f);
void ms_html_section(FILE *f, const char *title);
/* horizontal bars: label column and integer value column (by key), first limit rows */
void ms_html_hbar(FILE *f, const char *title, const ms_table *t, const char *label_key, const char *value_key,
		  int limit);
/* failures and successes per bucket of a --by window table */
void ms_html_time_chart(FILE *f, const char *title, const ms_table *t);
/* index of the column with this key, or -1 */
int ms_table_col(const ms_table *t, const char *key);

#endif
