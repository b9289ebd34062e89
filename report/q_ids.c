/* SPDX-License-Identifier: MIT */
/* q_ids.c - id -> text tables for reports that aggregate in C (see q_ids.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "q_ids.h"
#include "report.h"

void ms_ids_free(ms_ids *t)
{
	ms_arena_free(&t->pool);
	free(t->id);
	free(t->text);
	memset(t, 0, sizeof *t);
}

static int grow(ms_ids *t, int *cap)
{
	int nc = *cap ? *cap * 2 : 1024;
	int64_t *ni = realloc(t->id, (size_t)nc * sizeof *ni);
	if (!ni)
		return -1;
	t->id = ni;
	char **nt = realloc(t->text, (size_t)nc * sizeof *nt);
	if (!nt)
		return -1;
	t->text = nt;
	*cap = nc;
	return 0;
}

int ms_ids_load(sqlite3 *db, const char *sql, ms_ids *out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int cap = 0, rc;
	memset(out, 0, sizeof *out);
	if (ms_q_prepare(db, sql, &st, err, errlen))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap && grow(out, &cap) != 0)
			goto oom;
		const char *s = (const char *)sqlite3_column_text(st, 1);
		out->id[out->n] = sqlite3_column_int64(st, 0);
		out->text[out->n] = s ? ms_arena_strdup(&out->pool, s) : NULL;
		if (s && !out->text[out->n])
			goto oom;
		out->n++;
	}
	if (ms_q_scan_end(db, st, rc, 0, err, errlen) != 0) {
		ms_ids_free(out);
		return -1;
	}
	out->dense = out->n == 0 || out->id[out->n - 1] - out->id[0] == out->n - 1;
	return 0;
oom:
	sqlite3_finalize(st);
	ms_ids_free(out);
	snprintf(err, errlen, "out of memory");
	return -1;
}

int ms_ids_find(const ms_ids *t, int64_t id)
{
	if (t->n == 0)
		return -1;
	if (t->dense) {
		if (id < t->id[0] || id > t->id[t->n - 1])
			return -1;
		return (int)(id - t->id[0]);
	}
	int lo = 0, hi = t->n - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (t->id[mid] == id)
			return mid;
		if (t->id[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}
