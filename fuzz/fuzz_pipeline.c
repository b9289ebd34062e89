/* SPDX-License-Identifier: MIT */
/*
 * fuzz_pipeline.c - libFuzzer target: lines -> syslog header -> clock ->
 * grammar -> session tracker -> store (in-memory SQLite) -> every report in
 * every format.  The tracker runs with small table caps so that eviction and
 * "table full" paths are reached; halfway through, its state is saved and
 * loaded into a new tracker, as between two ingest runs.
 *
 * An input starting with "STATE" is a tracker state blob instead (the state
 * kept in the database, which a damaged or hostile database controls): it
 * is loaded, then a few lines are fed and the tracker finished.
 *
 * fuzz_ingest.c covers the real ingest wiring (input detection, line
 * splitting, commit protocol) but is much slower per input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../parser/clock.h"
#include "../parser/grammar.h"
#include "../parser/syslog.h"
#include "../parser/tracker.h"
#include "../report/report.h"
#include "../report/table.h"
#include "../store/store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ms_grammar *G;
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];
	setenv("TZ", "UTC", 1);
	G = ms_grammar_new(err, sizeof err);
	devnull = fopen("/dev/null", "w");
	if (!G || !devnull)
		abort();
	return 0;
}

static void small_cfg(ms_tracker_cfg *cfg)
{
	ms_tracker_cfg_default(cfg);
	cfg->max_open = 16;
	cfg->max_pending = 16;
	cfg->max_messages = 16;
	cfg->max_postscreen = 16;
	cfg->idle_timeout = 600;
	cfg->msg_idle_timeout = 1200;
	memset(cfg->hmac_key, 7, sizeof cfg->hmac_key);
	cfg->hmac_key_len = sizeof cfg->hmac_key;
}

typedef struct {
	ms_tzcache tz;
	ms_yearstate year;
	int64_t lineno;
} feed_ctx;

static void feed_line(feed_ctx *c, ms_tracker *tr, const char *line, size_t len)
{
	ms_syslog sl;
	ms_event ev;
	ms_lineref ref;
	int64_t ts;
	c->lineno++;
	if (ms_syslog_parse(line, len, &sl) != MS_LINE_OK)
		return;
	if (ms_stamp_to_utc(&c->tz, &c->year, &sl.ts, &ts) != 0)
		return;
	ms_grammar_classify(G, &sl, &ev);
	ref.ts = ts;
	ref.source_id = 1;
	ref.line = c->lineno;
	ms_tracker_feed(tr, &sl, &ev, &ref);
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
			ms_render_opts o;
			memset(&o, 0, sizeof o);
			o.generated_at = 1800000000;
			o.title = "fuzz";
			ms_table_render(t, (ms_format)fmt, devnull, &o);
		}
		ms_table_free(t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	ms_tracker_cfg cfg;
	ms_store *st;
	ms_sink sink;
	ms_tracker *tr;
	feed_ctx fc;
	char *buf;
	size_t pos = 0, half;
	int state_mode = size >= 5 && memcmp(data, "STATE", 5) == 0;

	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	st = ms_store_open(":memory:", MS_OPEN_WRITE, err, sizeof err);
	if (!st) {
		fprintf(stderr, "store: %s\n", err);
		abort();
	}
	small_cfg(&cfg);
	sink = ms_store_sink(st);
	memset(&fc, 0, sizeof fc);
	ms_tzcache_init(&fc.tz);
	ms_year_init(&fc.year);
	ms_year_begin(&fc.year, 2026, 0);
	tr = ms_tracker_new(&cfg, &sink, NULL);
	if (!tr)
		abort();
	ms_store_begin(st);
	if (state_mode) {
		(void)ms_tracker_load(tr, buf + 5, size - 5);
		static const char *const lines[] = {
			"Feb 23 11:57:42 mail postfix/smtpd[1]: connect from x[192.0.2.1]",
			"Feb 23 11:57:43 mail postfix/smtpd[1]: warning: x[192.0.2.1]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
			"Feb 23 11:57:44 mail plesk_saslauthd[9]: failed mail authenticatication attempt for user 'a@b.c' (password len=3)",
			"Feb 23 11:57:45 mail postfix/smtpd[2]: disconnect from y[192.0.2.2] ehlo=1 auth=0/1 quit=1 commands=2/3",
		};
		for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
			feed_line(&fc, tr, lines[i], strlen(lines[i]));
		ms_tracker_checkpoint(tr);
	} else {
		half = size / 2;
		int saved = 0;
		while (pos < size) {
			char *nl = memchr(buf + pos, '\n', size - pos);
			size_t end = nl ? (size_t)(nl - buf) : size, len = end - pos;
			if (len && buf[pos + len - 1] == '\r')
				len--;
			feed_line(&fc, tr, buf + pos, len);
			pos = end + 1;
			if (!saved && pos >= half) {
				/* end of a run: checkpoint, save the state, continue in a new tracker */
				size_t blen = 0;
				void *blob;
				ms_idgen ids;
				saved = 1;
				ms_tracker_checkpoint(tr);
				blob = ms_tracker_save(tr, &blen);
				if (!blob)
					abort();
				ms_tracker_get_ids(tr, &ids);
				ms_tracker_free(tr);
				tr = ms_tracker_new(&cfg, &sink, &ids);
				if (!tr || ms_tracker_load(tr, blob, blen) != 0)
					abort(); /* a state this tracker wrote must load */
				free(blob);
			}
		}
	}
	ms_tracker_finish(tr);
	ms_store_commit(st);
	ms_tracker_free(tr);
	render_all(st);
	ms_store_close(st);
	free(buf);
	return 0;
}
