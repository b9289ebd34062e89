/* SPDX-License-Identifier: MIT */
/*
 * findings_render.c - findings as text (for a person, 80 columns), JSON
 * ({"generated_at", "report": "findings", "rows": [...]}), NDJSON (one ECS
 * alert per line), CSV and HTML.  Every string goes through escape.h.
 */
#include <stdlib.h>
#include <string.h>
#include "findings.h"
#include "escape.h"

enum { C_TYPE, C_SEV, C_CONF, C_IP, C_ACCT, C_FIRST, C_LAST, C_FAIL, C_OK, C_SESS, C_NACCT, C_NIPS, C_MSGS,
       C_RCPT, C_DETAIL, C_EXPL, C_ACTION, C_EVID, C__N };

static const ms_col cols[C__N] = {
	[C_TYPE] = { "type", "TYPE", MS_COL_STR, 0, 0 },
	[C_SEV] = { "severity", "SEVERITY", MS_COL_STR, 0, 0 },
	[C_CONF] = { "confidence", "CONFIDENCE", MS_COL_STR, 0, 0 },
	[C_IP] = { "ip", "IP", MS_COL_STR, 0, 0 },
	[C_ACCT] = { "account", "ACCOUNT", MS_COL_STR, 0, 0 },
	[C_FIRST] = { "first_seen", "FIRST", MS_COL_TIME, 0, 0 },
	[C_LAST] = { "last_seen", "LAST", MS_COL_TIME, 0, 0 },
	[C_FAIL] = { "auth_failures", "FAILURES", MS_COL_INT, 0, 1 },
	[C_OK] = { "auth_successes", "SUCCESSES", MS_COL_INT, 0, 1 },
	[C_SESS] = { "sessions", "SESSIONS", MS_COL_INT, 0, 1 },
	[C_NACCT] = { "accounts", "ACCOUNTS", MS_COL_INT, 0, 1 },
	[C_NIPS] = { "ips", "IPS", MS_COL_INT, 0, 1 },
	[C_MSGS] = { "messages_after", "MESSAGES", MS_COL_INT, 0, 1 },
	[C_RCPT] = { "recipients_after", "RECIPIENTS", MS_COL_INT, 0, 1 },
	[C_DETAIL] = { "detail", "DETAIL", MS_COL_STR, 0, 0 },
	[C_EXPL] = { "explanation", "EXPLANATION", MS_COL_STR, 0, 0 },
	[C_ACTION] = { "action", "ACTION", MS_COL_STR, 0, 0 },
	[C_EVID] = { "evidence", "EVIDENCE", MS_COL_JSON, 0, 0 },
};

/* {"sessions":[..],"auth_events":[..],"lines":[..],"truncated":b} into a malloc'd string */
static char *evidence_json(const ms_finding *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return NULL;
	fputs("{\"sessions\":[", m);
	for (int i = 0; i < f->nev_sessions; i++)
		fprintf(m, "%s%lld", i ? "," : "", (long long)f->ev_sessions[i]);
	fputs("],\"auth_events\":[", m);
	for (int i = 0; i < f->nev_events; i++)
		fprintf(m, "%s%lld", i ? "," : "", (long long)f->ev_events[i]);
	fputs("],\"lines\":", m);
	ms_json_str_array(m, f->ev_lines, f->nev_lines);
	fprintf(m, ",\"truncated\":%s}", f->evidence_truncated ? "true" : "false");
	fclose(m);
	return buf;
}

static ms_table *to_table(const ms_findings *fs, int limit)
{
	ms_table *t = ms_table_new(cols, C__N);
	if (!t)
		return NULL;
	for (int i = 0; i < fs->n && (limit <= 0 || i < limit); i++) {
		const ms_finding *f = &fs->v[i];
		int r = ms_table_add_row(t);
		if (r < 0)
			break;
		ms_cell_str(ms_table_cell(t, r, C_TYPE), ms_ftype_name(f->type));
		ms_cell_str(ms_table_cell(t, r, C_SEV), ms_severity_name(f->severity));
		ms_cell_str(ms_table_cell(t, r, C_CONF), ms_confidence_name(f->confidence));
		if (f->ip)
			ms_cell_str(ms_table_cell(t, r, C_IP), f->ip);
		if (f->account)
			ms_cell_str(ms_table_cell(t, r, C_ACCT), f->account);
		ms_cell_time(ms_table_cell(t, r, C_FIRST), f->first);
		ms_cell_time(ms_table_cell(t, r, C_LAST), f->last);
		ms_cell_int(ms_table_cell(t, r, C_FAIL), f->failures);
		ms_cell_int(ms_table_cell(t, r, C_OK), f->successes);
		ms_cell_int(ms_table_cell(t, r, C_SESS), f->sessions);
		ms_cell_int(ms_table_cell(t, r, C_NACCT), f->accounts);
		ms_cell_int(ms_table_cell(t, r, C_NIPS), f->ips);
		ms_cell_int(ms_table_cell(t, r, C_MSGS), f->messages);
		ms_cell_int(ms_table_cell(t, r, C_RCPT), f->recipients);
		if (f->detail)
			ms_cell_str(ms_table_cell(t, r, C_DETAIL), f->detail);
		ms_cell_str(ms_table_cell(t, r, C_EXPL), f->explanation ? f->explanation : "");
		ms_cell_str(ms_table_cell(t, r, C_ACTION), f->action ? f->action : "");
		char *ev = evidence_json(f);
		ms_cell_json(ms_table_cell(t, r, C_EVID), ev ? ev : "{}");
		free(ev);
	}
	return t;
}

/* word-wrap escaped text at width, each line prefixed with indent (first line with lead) */
static void wrap(FILE *o, const char *lead, const char *indent, const char *s, int width)
{
	char esc[8192];
	ms_esc_text_buf(esc, sizeof esc, s, strlen(s));
	const char *p = esc;
	int first = 1;
	while (*p) {
		int avail = width - (int)strlen(first ? lead : indent);
		if (avail < 20)
			avail = 20;
		int n = (int)strlen(p), cut = n;
		if (n > avail) {
			cut = avail;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = avail; /* one long word: hard break */
		}
		fprintf(o, "%s%.*s\n", first ? lead : indent, cut, p);
		p += cut;
		while (*p == ' ')
			p++;
		first = 0;
	}
}

static const char *sev_colour(ms_severity s)
{
	switch (s) {
	case MS_SEV_CRITICAL: return "\033[1;31m";
	case MS_SEV_HIGH: return "\033[31m";
	case MS_SEV_MEDIUM: return "\033[33m";
	default: return "\033[2m";
	}
}

static void render_text(const ms_findings *fs, FILE *o, const ms_frender_opts *ro)
{
	int shown = 0;
	if (fs->n == 0) {
		fputs("  No findings.\n", o);
		return;
	}
	for (int i = 0; i < fs->n && (ro->limit <= 0 || i < ro->limit); i++, shown++) {
		const ms_finding *f = &fs->v[i];
		char sev[16];
		size_t k;
		snprintf(sev, sizeof sev, "%s", ms_severity_name(f->severity));
		for (k = 0; sev[k]; k++)
			sev[k] = (char)(sev[k] >= 'a' && sev[k] <= 'z' ? sev[k] - 32 : sev[k]);
		if (i)
			fputc('\n', o);
		if (ro->color)
			fprintf(o, "  %s%-8s\033[0m %s, %s confidence\n", sev_colour(f->severity), sev,
				ms_ftype_name(f->type), ms_confidence_name(f->confidence));
		else
			fprintf(o, "  %-8s %s, %s confidence\n", sev, ms_ftype_name(f->type),
				ms_confidence_name(f->confidence));
		if (f->explanation)
			wrap(o, "    ", "    ", f->explanation, 78);
		if (f->action)
			wrap(o, "    Action: ", "            ", f->action, 78);
		if (f->nev_sessions || f->nev_lines) {
			char ev[1024];
			size_t len = 0;
			len += (size_t)snprintf(ev + len, sizeof ev - len, "Evidence:");
			if (f->nev_sessions) {
				len += (size_t)snprintf(ev + len, sizeof ev - len, " session%s",
							f->nev_sessions == 1 ? "" : "s");
				for (int j = 0; j < f->nev_sessions && j < 8 && len < sizeof ev; j++)
					len += (size_t)snprintf(ev + len, sizeof ev - len, "%s %lld", j ? "," : "",
								(long long)f->ev_sessions[j]);
				if ((f->nev_sessions > 8 || f->evidence_truncated) && len < sizeof ev)
					len += (size_t)snprintf(ev + len, sizeof ev - len, ", ...");
			}
			if (f->nev_lines && len < sizeof ev)
				snprintf(ev + len, sizeof ev - len, "%s line %s", f->nev_sessions ? ";" : "",
					 f->ev_lines[0]);
			wrap(o, "    ", "      ", ev, 78);
		}
	}
	if (shown < fs->n)
		fprintf(o, "\n  ... and %d more (%s)\n", fs->n - shown,
			ro && ro->more_hint ? ro->more_hint : "use --top or --format json");
}

static void json_kv_str(FILE *o, const char *k, const char *v, int *first)
{
	if (!v)
		return;
	fprintf(o, "%s\"%s\":", *first ? "" : ",", k);
	ms_esc_json(o, v, strlen(v));
	*first = 0;
}

void ms_finding_ecs(const ms_finding *f, FILE *o)
{
	char t[40];
	int first = 1;
	/* UTC, as export's other events: a SIEM reads one format */
	ms_fmt_time_utc(f->last ? f->last : f->first, t, sizeof t);
	fputc('{', o);
	json_kv_str(o, "@timestamp", t, &first);
	json_kv_str(o, "message", f->explanation, &first);
	fprintf(o, ",\"event\":{\"kind\":\"alert\",\"category\":[\"%s\"],\"action\":\"%s\",\"outcome\":\"%s\","
		   "\"severity\":%d",
		ms_ftype_category(f->type), ms_ftype_name(f->type),
		f->type == MS_F_COMPROMISE || f->type == MS_F_MAILBOX_ACCESS ? "success" : f->failures ? "failure" : "unknown", (int)f->severity);
	ms_fmt_time_utc(f->first, t, sizeof t);
	fprintf(o, ",\"start\":\"%s\"", t);
	ms_fmt_time_utc(f->last, t, sizeof t);
	fprintf(o, ",\"end\":\"%s\"}", t);
	if (f->ip) {
		fputs(",\"source\":{\"ip\":", o);
		ms_esc_json(o, f->ip, strlen(f->ip));
		fputc('}', o);
	}
	if (f->account) {
		fputs(",\"user\":{\"name\":", o);
		ms_esc_json(o, f->account, strlen(f->account));
		fputc('}', o);
	}
	if (f->ip || f->account) {
		fputs(",\"related\":{", o);
		if (f->ip) {
			fputs("\"ip\":[", o);
			ms_esc_json(o, f->ip, strlen(f->ip));
			fputc(']', o);
		}
		if (f->account) {
			fprintf(o, "%s\"user\":[", f->ip ? "," : "");
			ms_esc_json(o, f->account, strlen(f->account));
			fputc(']', o);
		}
		fputc('}', o);
	}
	fprintf(o, ",\"rule\":{\"name\":\"%s\"}", ms_ftype_name(f->type));
	fprintf(o, ",\"mailsleuth\":{\"finding\":{\"type\":\"%s\",\"severity\":\"%s\",\"confidence\":\"%s\"",
		ms_ftype_name(f->type), ms_severity_name(f->severity), ms_confidence_name(f->confidence));
	fprintf(o, ",\"auth_failures\":%lld,\"auth_successes\":%lld,\"sessions\":%lld,\"accounts\":%lld,\"ips\":%lld"
		   ",\"messages_after\":%lld,\"recipients_after\":%lld",
		(long long)f->failures, (long long)f->successes, (long long)f->sessions, (long long)f->accounts,
		(long long)f->ips, (long long)f->messages, (long long)f->recipients);
	first = 0;
	json_kv_str(o, "detail", f->detail, &first);
	json_kv_str(o, "action", f->action, &first);
	char *ev = evidence_json(f);
	if (ev)
		fprintf(o, ",\"evidence\":%s", ev);
	free(ev);
	fputs("}}}", o);
}

void ms_findings_render(const ms_findings *fs, ms_format fmt, FILE *o, const ms_frender_opts *ro)
{
	if (fmt == MS_FMT_TEXT) {
		render_text(fs, o, ro);
		return;
	}
	if (fmt == MS_FMT_NDJSON) {
		for (int i = 0; i < fs->n && (ro->limit <= 0 || i < ro->limit); i++) {
			ms_finding_ecs(&fs->v[i], o);
			fputc('\n', o);
		}
		return;
	}
	ms_table *t = to_table(fs, ro->limit);
	if (!t)
		return;
	ms_render_opts r;
	char extra[256];
	int nsev[MS_SEV_CRITICAL + 1] = { 0 };
	for (int i = 0; i < fs->n; i++)
		nsev[fs->v[i].severity]++;
	snprintf(extra, sizeof extra,
		 "\"report\":\"findings\",\"total\":%d,\"by_severity\":{\"critical\":%d,\"high\":%d,\"medium\":%d,"
		 "\"low\":%d,\"info\":%d}",
		 fs->n, nsev[MS_SEV_CRITICAL], nsev[MS_SEV_HIGH], nsev[MS_SEV_MEDIUM], nsev[MS_SEV_LOW],
		 nsev[MS_SEV_INFO]);
	memset(&r, 0, sizeof r);
	r.generated_at = ro->generated_at;
	r.title = "Findings";
	r.extra_json = extra;
	ms_table_render(t, fmt, o, &r);
	ms_table_free(t);
}

void ms_findings_html_fragment(const ms_findings *fs, FILE *o, int limit)
{
	ms_table *t = to_table(fs, limit);
	if (!t)
		return;
	ms_table_render_html_fragment(t, o, limit);
	ms_table_free(t);
}
