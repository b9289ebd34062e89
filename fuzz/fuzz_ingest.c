/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ingest.c - libFuzzer target: the whole ingest command over an in-memory
 * stream.  The input is a log file; it is put in a memfd and ingested with
 * ms_ingest_run() (input detection, line splitting, syslog header, clock,
 * grammars, session tracker, tracker state save, store) into an in-memory
 * SQLite database, then every report is rendered in every format.
 *
 * Oracles besides the sanitizers:
 *   - ingesting the same stream again adds no row (idempotent re-ingest);
 *   - JSON output parses, and every NDJSON line parses (cJSON);
 *   - text and HTML output hold no control byte but newline;
 *   - no CSV cell starts with = + or @ (formula injection).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "../ingest/ingest.h"
#include "../report/report.h"
#include "../report/table.h"
#include "../store/store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("TZ", "UTC", 1);
	return 0;
}

static int64_t rows(ms_store *st, const char *table)
{
	char sql[128];
	sqlite3_stmt *q;
	int64_t n = -1;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	if (sqlite3_prepare_v2(ms_store_db(st), sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

static void check_json(const char *s, size_t n)
{
	cJSON *j = cJSON_ParseWithLength(s, n);
	if (!j) {
		fprintf(stderr, "invalid JSON output: %.*s\n", (int)(n > 2000 ? 2000 : n), s);
		abort();
	}
	cJSON_Delete(j);
}

static void check_output(ms_format fmt, const char *s, size_t n)
{
	switch (fmt) {
	case MS_FMT_JSON:
		check_json(s, n);
		break;
	case MS_FMT_NDJSON:
		for (size_t i = 0; i < n;) {
			const char *nl = memchr(s + i, '\n', n - i);
			size_t e = nl ? (size_t)(nl - s) : n;
			if (e > i)
				check_json(s + i, e - i);
			i = e + 1;
		}
		break;
	case MS_FMT_TEXT:
	case MS_FMT_HTML:
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			if ((c < 0x20 && c != '\n') || c == 0x7f) {
				fprintf(stderr, "control byte 0x%02x in %s output at %zu\n", c,
					fmt == MS_FMT_TEXT ? "text" : "html", i);
				abort();
			}
		}
		break;
	case MS_FMT_CSV: {
		/* a cell starts after start-of-line or a ',' outside quotes */
		int inq = 0, start = 1;
		for (size_t i = 0; i < n; i++) {
			char c = s[i];
			if (start) {
				start = 0;
				if (c == '"') {
					inq = 1;
					if (i + 1 < n && (s[i + 1] == '=' || s[i + 1] == '+' || s[i + 1] == '@'))
						abort();
					continue;
				}
				if (c == '=' || c == '+' || c == '@')
					abort();
			}
			if (c == '"')
				inq = !inq; /* "" inside quotes toggles twice */
			else if (!inq && (c == ',' || c == '\n'))
				start = 1;
		}
		break;
	}
	}
}

static void render_all(ms_store *st)
{
	static ms_table *(*const fns[])(const ms_query *, char *, size_t) = {
		ms_report_by_ip, ms_report_by_account, ms_report_success_after_failure, ms_report_sources,
		ms_report_unrecognised,
	};
	ms_query q;
	char err[256];
	memset(&q, 0, sizeof q);
	q.db = ms_store_db(st);
	q.now = 1800000000;
	q.window = 3600;
	for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++) {
		ms_table *t = fns[k](&q, err, sizeof err);
		if (!t)
			continue;
		for (int fmt = MS_FMT_TEXT; fmt <= MS_FMT_HTML; fmt++) {
			char *buf = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&buf, &len);
			ms_render_opts o;
			if (!f)
				break;
			memset(&o, 0, sizeof o);
			o.generated_at = 1800000000;
			o.title = "fuzz";
			ms_table_render(t, (ms_format)fmt, f, &o);
			fclose(f);
			check_output((ms_format)fmt, buf, len);
			free(buf);
		}
		ms_table_free(t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], path[64];
	ms_ingest_opts opts;
	ms_ingest_result res;
	ms_store *st;
	int fd = memfd_create("fuzz.log", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	st = ms_store_open(":memory:", MS_OPEN_WRITE, err, sizeof err);
	if (!st) {
		fprintf(stderr, "store: %s\n", err);
		abort();
	}
	memset(&opts, 0, sizeof opts);
	opts.year = 2026;
	opts.now = 1800000000;
	opts.commit_bytes = 512; /* many checkpoints: exercises state save */
	char *args[] = { path };
	(void)ms_ingest_run(st, args, 1, &opts, &res);
	ms_ingest_result_free(&res);
	int64_t s1 = rows(st, "sessions"), a1 = rows(st, "auth_events");
	/* the same stream again: nothing new */
	(void)ms_ingest_run(st, args, 1, &opts, &res);
	ms_ingest_result_free(&res);
	if (rows(st, "sessions") != s1 || rows(st, "auth_events") != a1) {
		fprintf(stderr, "re-ingest changed row counts: sessions %lld -> %lld, auth %lld -> %lld\n",
			(long long)s1, (long long)rows(st, "sessions"), (long long)a1,
			(long long)rows(st, "auth_events"));
		abort();
	}
	render_all(st);
	ms_store_close(st);
	close(fd);
	return 0;
}
