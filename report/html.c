/* SPDX-License-Identifier: MIT */
/*
 * html.c - the self-contained HTML page: inline CSS, inline SVG bar charts,
 * no script, no external resource; every string goes through ms_esc_html.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "html.h"
#include "escape.h"

static const char css[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:72em;"
	"padding:0 1em;color:#1b1f24;background:#fff}"
	"h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #d0d7de}"
	"p.meta{color:#57606a;margin-top:0}"
	"table{border-collapse:collapse;font-size:.85em;margin:.5em 0;display:block;overflow-x:auto}"
	"th,td{padding:.25em .6em;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}"
	"th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"svg{display:block;margin:.5em 0;max-width:100%;height:auto}"
	"svg text{font-size:11px;fill:#1b1f24}.fail{fill:#cf222e}.ok{fill:#1a7f37}.bar{fill:#0969da}"
	".legend span{display:inline-block;width:.8em;height:.8em;margin:0 .3em 0 1em}"
	"@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}th{background:#161b22}"
	"th,td{border-color:#30363d}svg text{fill:#e6edf3}p.meta{color:#8b949e}}";

void ms_html_begin(FILE *f, const char *title, int64_t generated_at)
{
	char tb[64];
	ms_fmt_time(generated_at, tb, sizeof tb);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>", f);
	ms_esc_html(f, title, strlen(title));
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", css);
	ms_esc_html(f, title, strlen(title));
	fputs("</h1>\n<p class=\"meta\">mailsleuth report generated ", f);
	ms_esc_html(f, tb, strlen(tb));
	fputs("</p>\n", f);
}

void ms_html_end(FILE *f)
{
	fputs("</body>\n</html>\n", f);
}

void ms_html_section(FILE *f, const char *title)
{
	fputs("<h2>", f);
	ms_esc_html(f, title, strlen(title));
	fputs("</h2>\n", f);
}

int ms_table_col(const ms_table *t, const char *key)
{
	for (int j = 0; j < t->ncols; j++)
		if (!strcmp(t->cols[j].key, key))
			return j;
	return -1;
}

static const ms_cell *cell(const ms_table *t, int r, int c)
{
	return &t->cells[(size_t)r * (size_t)t->ncols + (size_t)c];
}

void ms_html_hbar(FILE *f, const char *title, const ms_table *t, const char *label_key, const char *value_key,
		  int limit)
{
	int lc = ms_table_col(t, label_key), vc = ms_table_col(t, value_key), n = t->nrows;
	int64_t max = 0;
	if (lc < 0 || vc < 0 || n == 0)
		return;
	if (limit > 0 && n > limit)
		n = limit;
	for (int r = 0; r < n; r++)
		if (cell(t, r, vc)->i > max)
			max = cell(t, r, vc)->i;
	if (max <= 0)
		return;
	const int lw = 260, bw = 420, rh = 18, h = n * rh + 24;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
		lw + bw + 60, h, lw + bw + 60, h);
	ms_esc_html(f, title, strlen(title));
	fputs("\">\n<title>", f);
	ms_esc_html(f, title, strlen(title));
	fputs("</title>\n", f);
	for (int r = 0; r < n; r++) {
		const ms_cell *l = cell(t, r, lc);
		int64_t v = cell(t, r, vc)->i;
		int w = (int)(v * bw / max);
		int y = 4 + r * rh;
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", lw - 6, y + 12);
		if (!l->null && l->s) {
			/* long labels cut at 40 bytes on a UTF-8 boundary */
			size_t len = strlen(l->s);
			if (len > 40) {
				len = 40;
				while (len > 0 && ((unsigned char)l->s[len] & 0xC0) == 0x80)
					len--;
			}
			ms_esc_html(f, l->s, len);
			if (len < strlen(l->s))
				fputs("\xe2\x80\xa6", f);
		}
		fprintf(f, "</text><rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>"
			   "<text x=\"%d\" y=\"%d\">%lld</text>\n",
			lw, y + 2, w > 0 ? w : 1, rh - 5, lw + (w > 0 ? w : 1) + 4, y + 12, (long long)v);
	}
	fputs("</svg>\n", f);
}

void ms_html_time_chart(FILE *f, const char *title, const ms_table *t)
{
	int sc = ms_table_col(t, "bucket_start"), fc = ms_table_col(t, "auth_failures"),
	    oc = ms_table_col(t, "auth_successes");
	int n = t->nrows;
	int64_t max = 0;
	char a[64], b[64];
	if (sc < 0 || fc < 0 || oc < 0 || n == 0)
		return;
	for (int r = 0; r < n; r++) {
		int64_t v = cell(t, r, fc)->i + cell(t, r, oc)->i;
		if (v > max)
			max = v;
	}
	const int W = 720, H = 160, left = 40, top = 10, ch = H - 40;
	double bw = (double)(W - left - 10) / n;
	fprintf(f, "<p class=\"legend\"><span class=\"fail\" style=\"background:#cf222e\"></span>auth failures"
		   "<span style=\"background:#1a7f37\"></span>auth successes</p>\n");
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
		W, H, W, H);
	ms_esc_html(f, title, strlen(title));
	fputs("\">\n<title>", f);
	ms_esc_html(f, title, strlen(title));
	fputs("</title>\n", f);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%lld</text>\n", left - 4, top + 10, (long long)max);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n", left - 4, top + ch);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#8c959f\"/>\n", left, top + ch, W - 10, top + ch);
	if (max > 0)
		for (int r = 0; r < n; r++) {
			int64_t fv = cell(t, r, fc)->i, ov = cell(t, r, oc)->i;
			double x = left + r * bw, w = bw > 2 ? bw - 1 : bw;
			double fh = (double)fv * ch / (double)max, oh = (double)ov * ch / (double)max;
			ms_fmt_time(cell(t, r, sc)->i, a, sizeof a);
			if (fv > 0) {
				fprintf(f, "<rect class=\"fail\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>", x,
					top + ch - fh, w, fh);
				ms_esc_html(f, a, strlen(a));
				fprintf(f, ": %lld failures</title></rect>\n", (long long)fv);
			}
			if (ov > 0) {
				fprintf(f, "<rect class=\"ok\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>", x,
					top + ch - fh - oh, w, oh);
				ms_esc_html(f, a, strlen(a));
				fprintf(f, ": %lld successes</title></rect>\n", (long long)ov);
			}
		}
	ms_fmt_time(cell(t, 0, sc)->i, a, sizeof a);
	ms_fmt_time(cell(t, n - 1, sc)->i, b, sizeof b);
	fprintf(f, "<text x=\"%d\" y=\"%d\">", left, H - 12);
	ms_esc_html(f, a, strlen(a));
	fprintf(f, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", W - 10, H - 12);
	ms_esc_html(f, b, strlen(b));
	fputs("</text>\n</svg>\n", f);
}
