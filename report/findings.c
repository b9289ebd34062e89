/* SPDX-License-Identifier: MIT */
/* findings.c - the finding model: names, options, sorting, evidence. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "findings.h"

static const char *const type_names[MS_F__N] = {
	[MS_F_COMPROMISE] = "compromise",
	[MS_F_CREDENTIALS_IN_LOG] = "credentials_in_log",
	[MS_F_PASSWORD_SPRAY] = "password_spray",
	[MS_F_BRUTE_FORCE] = "brute_force",
	[MS_F_DISTRIBUTED] = "distributed",
	[MS_F_USER_ENUM] = "user_enum",
	[MS_F_WEAK_TLS] = "weak_tls",
};

static const char *const sev_names[] = { "info", "low", "medium", "high", "critical" };
static const char *const conf_names[] = { "low", "medium", "high" };

const char *ms_ftype_name(ms_ftype t)
{
	return (unsigned)t < MS_F__N ? type_names[t] : "unknown";
}

const char *ms_severity_name(ms_severity s)
{
	return (unsigned)s <= MS_SEV_CRITICAL ? sev_names[s] : "unknown";
}

const char *ms_confidence_name(ms_confidence c)
{
	return (unsigned)c <= MS_CONF_HIGH ? conf_names[c] : "unknown";
}

const char *ms_ftype_category(ms_ftype t)
{
	switch (t) {
	case MS_F_WEAK_TLS: return "network";
	case MS_F_CREDENTIALS_IN_LOG: return "configuration";
	default: return "authentication";
	}
}

int ms_severity_parse(const char *s, ms_severity *out)
{
	for (int i = 0; i <= MS_SEV_CRITICAL; i++)
		if (!strcasecmp(s, sev_names[i])) {
			*out = (ms_severity)i;
			return 0;
		}
	return -1;
}

int ms_ftype_parse(const char *s, ms_ftype *out)
{
	for (int i = 0; i < MS_F__N; i++)
		if (!strcasecmp(s, type_names[i])) {
			*out = (ms_ftype)i;
			return 0;
		}
	return -1;
}

void ms_find_opts_default(ms_find_opts *o)
{
	o->bf_failures = 10;
	o->spray_accounts = 5;
	o->spray_hash_accounts = 3;
	o->dist_ips = 5;
	o->dist_ip_max = 5;
	o->enum_accounts = 5;
	o->high_failures = 10;
	o->include_low = 1;
}

ms_finding *ms_findings_add(ms_findings *f, ms_ftype type)
{
	if (f->n == f->cap) {
		int nc = f->cap ? f->cap * 2 : 32;
		ms_finding *nv = realloc(f->v, (size_t)nc * sizeof *nv);
		if (!nv)
			return NULL;
		f->v = nv;
		f->cap = nc;
	}
	ms_finding *x = &f->v[f->n++];
	memset(x, 0, sizeof *x);
	x->type = type;
	return x;
}

void ms_finding_set(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? strdup(s) : NULL;
}

static void finding_release(ms_finding *x)
{
	free(x->ip);
	free(x->account);
	free(x->detail);
	free(x->explanation);
	free(x->action);
	for (int i = 0; i < x->nev_lines; i++)
		free(x->ev_lines[i]);
}

void ms_findings_free(ms_findings *f)
{
	for (int i = 0; i < f->n; i++)
		finding_release(&f->v[i]);
	free(f->v);
	memset(f, 0, sizeof *f);
}

void ms_finding_note(ms_finding *f, int64_t event_id, int64_t session_id, const char *path, int64_t line)
{
	if (event_id >= 0 && f->nev_events < MS_F_EVIDENCE_MAX)
		f->ev_events[f->nev_events++] = event_id;
	if (session_id >= 0) {
		int dup = 0;
		for (int i = 0; i < f->nev_sessions; i++)
			dup |= f->ev_sessions[i] == session_id;
		if (!dup && f->nev_sessions < MS_F_EVIDENCE_MAX)
			f->ev_sessions[f->nev_sessions++] = session_id;
	}
	if (path && f->nev_lines < 5) {
		size_t n = strlen(path) + 24;
		char *s = malloc(n);
		if (s) {
			snprintf(s, n, "%s:%lld", path, (long long)line);
			f->ev_lines[f->nev_lines++] = s;
		}
	}
}

int ms_name_list_from(sqlite3_stmt *st, char *buf, size_t cap)
{
	size_t len = 0;
	int n = 0;
	buf[0] = 0;
	while (sqlite3_step(st) == SQLITE_ROW && len + 2 < cap) {
		const char *a = (const char *)sqlite3_column_text(st, 0);
		int w = snprintf(buf + len, cap - len, "%s%s", n ? ", " : "", a ? a : "");
		if (w < 0 || (size_t)w >= cap - len)
			break;
		len += (size_t)w;
		n++;
	}
	return n;
}

int ms_name_list_add(char *buf, size_t cap, const char *name)
{
	size_t nl = strlen(name), len = strlen(buf);
	for (const char *p = buf; *p;) {
		size_t l = strcspn(p, ",");
		if (l == nl && !strncmp(p, name, l))
			return 0;
		p += l;
		while (*p == ',' || *p == ' ')
			p++;
	}
	snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", name);
	return 1;
}

/*
 * Evidence: sql selects (auth_event id, session id, source path, line) rows
 * bound with ?1 = key1, ?2 = key2, ?3/?4 = the time range; ordered by time.
 */
int ms_finding_evidence(const ms_query *q, ms_finding *f, const char *sql, int64_t key1, int64_t key2,
			char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (ms_q_prepare(q->db, sql, &st, err, errlen))
		return -1;
	sqlite3_bind_int64(st, 1, key1);
	sqlite3_bind_int64(st, 2, key2);
	ms_q_bind_range(st, q, 3);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (f->nev_events >= MS_F_EVIDENCE_MAX) {
			f->evidence_truncated = 1;
			break;
		}
		ms_finding_note(f, sqlite3_column_type(st, 0) != SQLITE_NULL ? sqlite3_column_int64(st, 0) : -1,
				sqlite3_column_type(st, 1) != SQLITE_NULL ? sqlite3_column_int64(st, 1) : -1,
				(const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3));
	}
	sqlite3_finalize(st);
	return 0;
}

void ms_findings_filter(ms_findings *f, ms_severity min, unsigned types)
{
	int k = 0;
	for (int i = 0; i < f->n; i++) {
		if (f->v[i].severity >= min && (!types || (types & (1u << f->v[i].type))))
			f->v[k++] = f->v[i];
		else
			finding_release(&f->v[i]);
	}
	f->n = k;
}

static int cmp_finding(const void *a, const void *b)
{
	const ms_finding *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->confidence != y->confidence)
		return x->confidence > y->confidence ? -1 : 1;
	int64_t sx = x->failures + x->sessions, sy = y->failures + y->sessions;
	if (sx != sy)
		return sx > sy ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	int c = strcmp(x->ip ? x->ip : "", y->ip ? y->ip : "");
	if (c)
		return c;
	return strcmp(x->account ? x->account : "", y->account ? y->account : "");
}

int ms_findings_run(const ms_query *q, const ms_find_opts *o, ms_findings *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	/* attacks first: the compromise detector consults them */
	if (ms_find_attacks(q, o, out, err, errlen) || ms_find_compromise(q, o, out, err, errlen) ||
	    ms_find_tls(q, o, out, err, errlen)) {
		ms_findings_free(out);
		return -1;
	}
	if (out->n > 1)
		qsort(out->v, (size_t)out->n, sizeof *out->v, cmp_finding);
	return 0;
}
