/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ingest.h"
#include "pipe.h"
#include "prefetch.h"
#include "../input/source.h"
#include "../input/rotate.h"
#include "../parser/clock.h"
#include "../parser/grammar.h"
#include "../parser/redact.h"
#include "../parser/sha256.h"
#include "../parser/syslog.h"
#include "../parser/tracker.h"
#include "../util/strmap.h"

#define BUF_SIZE (1u << 20)
#define LINE_MAX_LEN (64u * 1024u)
#define HEAD_LEN 1024
#define YEAR_PEEK (64u << 10) /* read before the first line of a source (>= HEAD_LEN) */
#define PREFETCH_MIN_SIZE (256 * 1024) /* compressed bytes on disk */
#define MAX_PROGRAMS 256

typedef struct {
	int64_t lines;
	char sample[200];
} prog_count;

#define NEW_HOST_AHEAD (180LL * 86400) /* how far ahead of the last time a new host's first stamp may be */
#define YEAR_HOSTS 32 /* hosts with a year state of their own; more share the least recently used */
typedef struct {
	char name[64];
	size_t n;
	ms_yearstate ys;
	uint64_t used;  /* (ys.last: the UTC time of its last stamp) */
} host_year;

typedef struct {
	const ms_ingest_opts *opts;
	ms_store *st;
	ms_grammar *g;
	ms_tracker *tr;
	ms_pipe *pipe;          /* writer thread (NULL: records are written synchronously) */
	int started;            /* tracker, writer thread and saved state set up (first stream read) */
	ms_tracker_cfg cfg;
	ms_idgen ids;
	ms_tzcache tz;
	ms_yearstate year;
	ms_stamp_memo stamps;   /* the last stamp parsed */
	uint64_t utc_id;        /* stamp_id of the last stamp resolved to UTC (0: none)... */
	int64_t utc;            /* ...and its UTC time: same stamp, same year state, same time */
	int year_set_started;
	int32_t iso_day;        /* date of the last ISO stamp that set its host's year (0: none); that
				 * host is the current year host until another's line resolves */
	/* A year state per syslog host (a central log: one host's wrong clock or
	 * late "Dec 31" line must not turn the others' year).  c->year is the
	 * state of host yh[yh_cur]; the others wait in yh[]. */
	host_year yh[YEAR_HOSTS];
	host_year yh_before[YEAR_HOSTS]; /* process_stream(): as they were before it */
	int yh_n, yh_cur;
	uint64_t yh_tick;
	/* the last line of the source year_from_source() resumed, as its last
	 * run saved it (resume_load()): the line a "last message repeated"
	 * at the start of what is new repeats, when it cannot be read back */
	char saved_prev[LINE_MAX_LEN];
	size_t saved_prev_n;
	int64_t saved_prev_src;
	int waited;             /* ms_input_wait_growth() has waited in this run */
	char hint_host[64];     /* the host of the stamp c->year was hinted with (year_hint_from_end) */
	size_t hint_host_n;
	/* unrecognised by program, flushed at each commit */
	ms_strmap progs;
	prog_count *pc;
	size_t npc;
	double t0;
	int64_t total_lines, total_bytes;
	double prefetch_cpu;    /* CPU seconds of the decompressing threads (ingest -v) */
	int prefetched;         /* how many streams were read ahead on their own thread */
	char reject_buf[LINE_MAX_LEN + 32]; /* a --rejects line, redacted */
	/* the source's previous line with a syslog header, for "last message
	 * repeated N times": in the read buffer, or copied to prev_buf before
	 * the buffer moves */
	const char *prev;
	size_t prev_n;
	char prev_buf[LINE_MAX_LEN];
	int64_t repeats;        /* lines "message repeated" lines stood for in this run, beyond themselves */
	int repeats_capped;     /* the run's budget for them was reached (told once) */
} ing_ctx;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void say(ing_ctx *c, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	if (!c->opts->report || (level == 0 && !c->opts->verbose))
		return; /* level 0 is --verbose information */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->opts->report(c->opts->report_ctx, level, msg);
}

/* what a directory left out, from ms_expand_arg_opts(): its detail is
 * --verbose information, its notices (a skipped set) are notices */
static void expand_note(void *ctx, int level, const char *msg)
{
	say(ctx, level ? 4 : 0, "%s", msg);
}

static void count_unrecognised(ing_ctx *c, ms_sv prog, const char *line, size_t len)
{
	int64_t idx;
	char name[64];
	if (prog.n == 0)
		prog = MS_SV_LIT("(no program)");
	if (prog.n >= sizeof name)
		prog.n = sizeof name - 1;
	memcpy(name, prog.p, prog.n);
	name[prog.n] = 0;
	if (!ms_strmap_get(&c->progs, name, prog.n, &idx)) {
		if (c->npc >= MAX_PROGRAMS) {
			if (!ms_strmap_get(&c->progs, "(other)", 7, &idx))
				return;
		} else {
			idx = (int64_t)c->npc++;
			memset(&c->pc[idx], 0, sizeof c->pc[idx]);
			/* TLS-debug or verbose dialogue of a daemon we do not read can carry credentials */
			size_t n = ms_redact_unknown_line(line, len, c->pc[idx].sample, sizeof c->pc[idx].sample);
			for (size_t i = 0; i < n; i++) /* samples are evidence text: no NULs */
				if (c->pc[idx].sample[i] == 0)
					c->pc[idx].sample[i] = '?';
			ms_strmap_put(&c->progs, name, prog.n, idx);
		}
	}
	c->pc[idx].lines++;
}

typedef struct {
	ing_ctx *c;
	int64_t source_id;
} flush_job;

static void flush_one(void *ctx, const char *prog, size_t n, int64_t idx)
{
	flush_job *j = ctx;
	prog_count *p = &j->c->pc[idx];
	(void)n;
	if (p->lines)
		ms_store_unrecognised_add(j->c->st, j->source_id, prog, p->lines, p->sample);
}

static void flush_unrecognised(ing_ctx *c, int64_t source_id)
{
	flush_job j = { c, source_id };
	ms_strmap_each(&c->progs, flush_one, &j);
	ms_strmap_clear(&c->progs);
	c->npc = 0;
}

typedef struct {
	ms_source_row row;
	ms_file_result *fr;
	const char *path_for_db;
	uint8_t tail[256];     /* last bytes consumed, for the tail hash */
	size_t tail_n;
} src_state;

static void tail_update(src_state *s, const char *p, size_t n)
{
	if (n >= sizeof s->tail) {
		memcpy(s->tail, p + n - sizeof s->tail, sizeof s->tail);
		s->tail_n = sizeof s->tail;
		return;
	}
	if (s->tail_n + n > sizeof s->tail) {
		size_t drop = s->tail_n + n - sizeof s->tail;
		memmove(s->tail, s->tail + drop, s->tail_n - drop);
		s->tail_n -= drop;
	}
	memcpy(s->tail + s->tail_n, p, n);
	s->tail_n += n;
}

/* a line for --rejects, credentials in dialogue hidden (parser/redact.h) */
static void write_reject(ing_ctx *c, const char *line, size_t len)
{
	if (len > LINE_MAX_LEN)
		len = LINE_MAX_LEN;
	size_t n = ms_redact_unknown_line(line, len, c->reject_buf, sizeof c->reject_buf);
	fwrite(c->reject_buf, 1, n, c->opts->rejects);
	fputc('\n', c->opts->rejects);
}

/* the line's times in its source's row */
static void row_times(src_state *s, int64_t ts)
{
	if (!s->row.first_ts || ts < s->row.first_ts)
		s->row.first_ts = ts;
	if (ts > s->row.last_ts)
		s->row.last_ts = ts;
}

/*
 * What "message repeated N times" lines may stand for in one run, beyond
 * themselves: 64 lines for each line read, plus 100 000.  A syslog daemon's
 * reduction collapses a burst into a few of them; a line that says 4294967295
 * (written by anyone through logger(1)) must not fill the disk.
 */
static int64_t repeat_room(ing_ctx *c, src_state *s, int64_t want)
{
	int64_t room = 64 * c->total_lines + 100000 - c->repeats;
	if (want <= room) {
		c->repeats += want;
		return want;
	}
	if (!c->repeats_capped) {
		c->repeats_capped = 1;
		say(c, 1, "%s: from line %lld, 'message repeated' lines stand for more than 64 lines per "
			  "line read: their repeats past that are not counted",
		    s->fr->display, (long long)s->row.lines);
	}
	room = room > 0 ? room : 0;
	c->repeats += room;
	return room;
}

/*
 * "HOST last message repeated N times": the previous line of the source,
 * when it is of that host, stands for N more lines at this line's time (as
 * rsyslog's "message repeated N times: [ msg ]" does).  The line itself is
 * recognised, whether or not there is a previous line to repeat.
 */
static void repeat_prev(ing_ctx *c, src_state *s, const ms_syslog *rl, int64_t ts)
{
	ms_syslog sl;
	ms_event ev;
	ms_lineref ref;
	s->row.recognised++;
	row_times(s, ts);
	if (!c->prev_n || ms_syslog_parse_memo(c->prev, c->prev_n, &sl, NULL) != MS_LINE_OK || sl.repeat_last ||
	    !ms_sv_eq(sl.host, rl->host))
		return;
	ms_grammar_classify(c->g, &sl, &ev);
	if (ev.type == EV_UNKNOWN)
		return;
	ref.ts = ts;
	ref.source_id = s->row.id;
	ref.line = s->row.lines;
	/* at most 100 000 lines in all, as for one "message repeated" line */
	int64_t n = (int64_t)rl->repeat_last * (sl.repeat > 1 ? sl.repeat : 1);
	n = repeat_room(c, s, n < 100000 ? n : 100000);
	for (int64_t k = 0; k < n; k++)
		ms_tracker_feed(c->tr, &sl, &ev, &ref);
}

/*
 * A source resumed at byte skip: the last line an earlier run read (the one
 * ending at skip) becomes the previous line again, so that a "last message
 * repeated" line at the start of what is new repeats it as in one run.
 * From the first buffer when it holds that line, else read back from a
 * plain file; not for a compressed stream (its bytes are gone).
 */
static void prev_before(ing_ctx *c, ms_input *in, const char *buf, size_t fill, int64_t skip)
{
	/* the lines before skip, as far back as a read buffer holds: repeat
	 * lines, markers and lines without a header are walked back over */
	size_t want = BUF_SIZE, n;
	const char *d;
	char *tmp = NULL;
	c->prev_n = 0;
	if (skip <= 0)
		return;
	if ((int64_t)fill >= skip) {
		n = (size_t)skip < want ? (size_t)skip : want;
		d = buf + (size_t)skip - n;
	} else {
		n = (uint64_t)skip < want ? (size_t)skip : want;
		if (!(tmp = malloc(n)) || ms_input_pread(in, tmp, n, (uint64_t)skip - n) != (ssize_t)n) {
			free(tmp);
			return;
		}
		d = tmp;
	}
	size_t end = n, b;
	/* else the earlier run stopped inside a line */
	while (end && d[end - 1] == '\n') {
		end--;
		if (end && d[end - 1] == '\r')
			end--;
		for (b = end; b > 0 && d[b - 1] != '\n'; b--)
			;
		if (!(b > 0 || n == (size_t)skip)) /* not the whole line */
			break;
		/* the previous line as one run has it: the last with a syslog
		 * header that is no repeat line itself (markers and lines without
		 * a header are passed over) */
		ms_syslog sl;
		if (end > b && end - b <= sizeof c->prev_buf &&
		    ms_syslog_parse_memo(d + b, end - b, &sl, NULL) == MS_LINE_OK && !sl.repeat_last) {
			memcpy(c->prev_buf, d + b, end - b);
			c->prev = c->prev_buf;
			c->prev_n = end - b;
			break;
		}
		end = b;
	}
	free(tmp);
}

/*
 * A plain file that starts a set, its year guessed from its modification
 * time: a stamp from its middle and its last one, read ahead, bound its
 * first line's year (a file rotated yearly begins on the month and day it
 * ends on, so its first line, anchored alone, would be put a year late).
 */
static ms_sv year_host_name(const ing_ctx *c, ms_sv host);

/* the first (from 0) or last (from the end) RFC 3164 line of the n bytes at
 * off, of the host h when h is given (else its host is copied to
 * c->hint_host); 1 when found */
static int peek_stamp(ing_ctx *c, ms_input *in, int64_t off, size_t n, int last, const ms_sv *h, ms_stamp *out)
{
	char *d = malloc(n);
	int found = 0;
	if (!d)
		return 0;
	ssize_t r = ms_input_pread(in, d, n, (uint64_t)off);
	size_t got = r > 0 ? (size_t)r : 0, b = 0, e;
	/* whole lines only: after the first newline unless at the file's
	 * start, up to the last newline unless at its end */
	size_t lo = 0, hi = got;
	if (off > 0) {
		while (lo < got && d[lo] != '\n')
			lo++;
		lo++;
	}
	while (hi > lo && d[hi - 1] != '\n')
		hi--;
	while (!found && lo < hi) {
		if (last) {
			e = hi - 1; /* at its newline */
			for (b = e; b > lo && d[b - 1] != '\n'; b--)
				;
			hi = b;
		} else {
			b = lo;
			for (e = b; d[e] != '\n'; e++)
				;
			lo = e + 1;
		}
		if (e > b && d[e - 1] == '\r')
			e--;
		ms_syslog sl;
		memset(&sl, 0, sizeof sl);
		if (e > b && ms_syslog_parse_memo(d + b, e - b, &sl, NULL) == MS_LINE_OK) {
			if (sl.ts.kind != MS_TS_3164)
				break; /* a stamp of another kind: it says its own year */
			if (h && (sl.host.n != h->n || (h->n && memcmp(sl.host.p, h->p, h->n))))
				continue;
			*out = sl.ts;
			if (!h) { /* sl points into d: the host is copied */
				ms_sv hn = year_host_name(c, sl.host);
				memcpy(c->hint_host, hn.p, hn.n);
				c->hint_host_n = hn.n;
			}
			found = 1;
		}
	}
	free(d);
	return found;
}

static void year_hint_from_end(ing_ctx *c, ms_input *in, const ms_input_info *info)
{
	enum { PEEK = 16384 };
	c->hint_host_n = 0;
	if (!info->seekable || info->comp != MS_COMP_NONE || info->file_size < 4 * PEEK)
		return; /* a small file spans no months */
	ms_stamp last, mid;
	if (!peek_stamp(c, in, info->file_size - PEEK, PEEK, 1, NULL, &last))
		return;
	ms_sv h = ms_sv_make(c->hint_host, c->hint_host_n);
	if (!peek_stamp(c, in, info->file_size / 2, PEEK, 0, &h, &mid)) {
		c->hint_host_n = 0;
		return;
	}
	ms_year_hint(&c->tz, &c->year, &mid, &last);
}

/*
 * RFC 3164 lines that come before the first line stating its year (an
 * ISO or RFC 5424 stamp of another host or template) in the first
 * YEAR_PEEK bytes: the first of them takes the latest year that does not
 * put it after that line's time, over the anchor, and over a --year that
 * puts it after that time or more than half a year before it.  The ISO line sets
 * the year of the lines after it in any case (ms_stamp_to_utc()); without
 * this, the lines before it could be a year apart from those a second
 * later (a log that starts on Jan 1 in a zone east of UTC, read with the
 * year its ISO lines give Dec 31).  At most the first 256 lines.
 * YEAR_PEEK bytes are read before it whatever the input, so that a pipe
 * that delivers them slowly is read as a file is.
 */
static void year_from_iso_ahead(ing_ctx *c, const char *d, size_t n)
{
	ms_stamp first;
	memset(&first, 0, sizeof first);
	int have_first = 0;
	size_t b = 0;
	for (int lines = 0; b < n && lines < 256; lines++) {
		const char *nl = memchr(d + b, '\n', n - b);
		if (!nl)
			return; /* whole lines only */
		size_t e = (size_t)(nl - d);
		size_t len = e - b;
		if (len && d[e - 1] == '\r')
			len--;
		ms_syslog sl;
		memset(&sl, 0, sizeof sl);
		int ok = len && ms_syslog_parse_memo(d + b, len, &sl, NULL) == MS_LINE_OK;
		b = e + 1;
		if (!ok)
			continue;
		if (sl.ts.kind == MS_TS_3164) {
			if (!have_first)
				first = sl.ts, have_first = 1;
			continue;
		}
		if (sl.ts.kind != MS_TS_ISO || !have_first)
			return; /* the first stamp states its year, or is no date */
		int64_t t_iso = sl.ts.has_offset ? ms_timegm(sl.ts.year, sl.ts.mon, sl.ts.mday, sl.ts.hour, sl.ts.min,
							      sl.ts.sec) - sl.ts.offset
						 : ms_local_to_utc(&c->tz, sl.ts.year, sl.ts.mon, sl.ts.mday, sl.ts.hour,
								   sl.ts.min, sl.ts.sec);
		/* lines come before the line after them: the latest year that
		 * does not put the first one after the ISO time (a day of slack,
		 * as for an mtime).  A --year that places it within half a year
		 * before that time is kept. */
		if (c->year.fixed) {
			int fy = c->year.year;
			int64_t t = ms_local_to_utc(&c->tz, fy, first.mon, first.mday, first.hour, first.min, first.sec);
			if (t <= t_iso + 86400 && t_iso - t < 183 * 86400)
				return;
		}
		ms_year_begin(&c->year, ms_year_for_anchor(&c->tz, &first, t_iso), 0);
		return;
	}
}

/* One line (without its terminator). */
/*
 * Make c->year the year state of the line's host.  The first host of a set
 * (or of a resumed source) takes the state the set began with; a new host
 * takes the year that puts its first stamp within about half a year of the last
 * time resolved (the other hosts' lines around it), then carries on alone.
 */
/* host as a year state's name (a line without a host: "") and its length */
static ms_sv year_host_name(const ing_ctx *c, ms_sv host)
{
	if (!host.p)
		host = MS_SV_LIT(""); /* a line without a host ("Jan 29 13:54:06 auth-worker(22401): ...") */
	if (host.n >= sizeof c->yh[0].name)
		host.n = sizeof c->yh[0].name - 1;
	return host;
}

/* Is host the one whose year state c->year is? */
static int year_host_is_cur(const ing_ctx *c, ms_sv host)
{
	host = year_host_name(c, host);
	return c->yh_n > 0 && c->yh[c->yh_cur].n == host.n && !memcmp(c->yh[c->yh_cur].name, host.p, host.n);
}

static void year_host(ing_ctx *c, ms_sv host)
{
	host = year_host_name(c, host);
	size_t n = host.n;
	c->yh_tick++;
	if (year_host_is_cur(c, host)) {
		c->yh[c->yh_cur].used = c->yh_tick;
		return;
	}
	if (c->yh_n > 0)
		c->yh[c->yh_cur].ys = c->year;
	int k, lru = 0;
	for (k = 0; k < c->yh_n; k++) {
		if (c->yh[k].n == n && !memcmp(c->yh[k].name, host.p, n))
			break;
		if (c->yh[k].used < c->yh[lru].used)
			lru = k;
	}
	int fresh = k == c->yh_n;
	if (fresh) {
		if (c->yh_n < YEAR_HOSTS)
			k = c->yh_n++;
		else
			k = lru;
		memcpy(c->yh[k].name, host.p, n);
		c->yh[k].n = n;
	} else if (c->utc - c->yh[k].ys.last > NEW_HOST_AHEAD) {
		fresh = 2; /* silent for half a year while others logged: anchored again, as a new host */
	}
	if (fresh) {
		if (k > 0 || c->yh_n > 1) {
			/* not the set's first host: anchored on the last time resolved */
			ms_year_init(&c->yh[k].ys);
			if (c->opts->year > 0 && !c->utc_id && !c->utc)
				ms_year_begin(&c->yh[k].ys, c->opts->year, 0);
			else
				ms_year_begin(&c->yh[k].ys, 0, c->utc + NEW_HOST_AHEAD);
		} else {
			c->yh[k].ys = c->year;
			/* the set's end is another host's: its clock tells this one nothing */
			if (c->hint_host_n != n || memcmp(c->hint_host, host.p, n) != 0)
				c->yh[k].ys.hint_key = -1;
		}
	}
	c->yh[k].used = c->yh_tick;
	c->year = c->yh[k].ys;
	c->yh_cur = k;
}

/* The line's stamp in UTC, by its host's year state and clock: the year of an
 * RFC 3164 stamp, the reading of a local time that occurs twice. */
static int stamp_utc(ing_ctx *c, const ms_syslog *sl, int64_t *ts)
{
	const ms_stamp *st = &sl->ts;
	if (st->kind == MS_TS_EPOCH) {
		*ts = st->epoch;
		return 0;
	}
	if (st->kind == MS_TS_ISO) {
		/* a stamp with its year: its host's state learns only the year
		 * (for the RFC 3164 lines after it) at the first such line of each
		 * date and host, and the host's clock (a local time that occurs
		 * twice) is kept on every line only on a local date of a clock
		 * change; the common path of an RFC 3339 log is the conversion
		 * alone (year_host() on every line: +1.5 % instructions) */
		int32_t day = (st->year * 16 + st->mon) * 32 + st->mday;
		if (day == c->iso_day && year_host_is_cur(c, sl->host)) {
			*ts = st->has_offset ? ms_timegm(st->year, st->mon, st->mday, st->hour, st->min, st->sec) - st->offset
					     : ms_local_to_utc(&c->tz, st->year, st->mon, st->mday, st->hour, st->min, st->sec);
			return 0;
		}
		c->iso_day = st->has_offset || ms_local_day_len(&c->tz, st->year, st->mon, st->mday) == 86400 ? day : 0;
	}
	year_host(c, sl->host);
	return ms_stamp_to_utc(&c->tz, &c->year, st, ts);
}

static void do_line(ing_ctx *c, src_state *s, const char *line, size_t len)
{
	ms_syslog sl;
	ms_event ev;
	ms_line_status stt;
	int64_t ts;
	ms_lineref ref;

	s->row.lines++;
	s->fr->new_lines++;
	c->total_lines++;
	stt = ms_syslog_parse_memo(line, len, &sl, &c->stamps);
	if (stt == MS_LINE_MARKER) {
		s->row.skipped++;
		return;
	}
	if (stt == MS_LINE_OK && sl.stamp_id && sl.stamp_id == c->utc_id) {
		/* the stamp of the last line resolved, which left the year state
		 * as it found it for that stamp (rollovers and stragglers are
		 * decided by a different stamp) */
		ts = c->utc;
	} else if (stt == MS_LINE_OK && stamp_utc(c, &sl, &ts) == 0) {
		c->utc_id = sl.stamp_id;
		c->utc = ts;
	} else {
		if (stt == MS_LINE_OK)
			c->utc_id = 0; /* the year state may have moved */
		s->row.malformed++;
		s->row.unrecognised++;
		count_unrecognised(c, MS_SV_LIT("(no syslog header)"), line, len);
		if (c->opts->rejects)
			write_reject(c, line, len);
		return;
	}
	if (sl.repeat_last) {
		repeat_prev(c, s, &sl, ts);
		return;
	}
	c->prev = line;
	c->prev_n = len < sizeof c->prev_buf ? len : sizeof c->prev_buf;
	ms_grammar_classify(c->g, &sl, &ev);
	if (ev.type == EV_UNKNOWN) {
		s->row.unrecognised++;
		count_unrecognised(c, sl.prog, line, len);
		if (c->opts->rejects)
			write_reject(c, line, len);
	} else {
		s->row.recognised++;
	}
	row_times(s, ts);
	ref.ts = ts;
	ref.source_id = s->row.id;
	ref.line = s->row.lines;
	ms_tracker_feed(c->tr, &sl, &ev, &ref);
	if (sl.repeat > 1) { /* "message repeated N times": the same message N times */
		int64_t n = repeat_room(c, s, sl.repeat - 1);
		for (int64_t k = 0; k < n; k++)
			ms_tracker_feed(c->tr, &sl, &ev, &ref);
	}
}

static int resume_save(ing_ctx *c, const src_state *s);

/* Record progress + tracker state; commit; start a new transaction if more of
 * this source follows.  complete: the source was read to its clean end. */
static int commit_point(ing_ctx *c, src_state *s, int complete, int more, const char *error)
{
	uint8_t h[32];
	ms_tracker_checkpoint(c->tr);
	ms_pipe_drain(c->pipe); /* every record is written: the store is ours until the next line */
	flush_unrecognised(c, s->row.id);
	if (s->tail_n > 0 || !s->row.tail_hash[0]) { /* nothing new read: keep the recorded tail */
		ms_sha256_buf(s->tail, s->tail_n, h);
		ms_hex(h, 32, s->row.tail_hash);
	}
	s->row.year = c->year.year;
	s->row.year_last_key = c->year.last_key;
	s->row.complete = complete;
	if (ms_store_source_update(c->st, &s->row, s->path_for_db, error) != 0 || resume_save(c, s) != 0)
		return -1;
	/* in pieces: a full session table's state is ~18 MB */
	ms_state_writer *sw = ms_store_state_begin(c->st, ms_tracker_save_size(c->tr));
	if (!sw || ms_store_state_end(sw, ms_tracker_save_stream(c->tr, ms_store_state_write, sw) == 0) != 0)
		return -1;
	if (ms_store_commit(c->st) != 0)
		return -1;
	if (more && ms_store_begin(c->st) != 0)
		return -1;
	return 0;
}

/* "2026-01-05T10:00:00Z" */
static void utc_text(int64_t t, char out[32])
{
	int y, m, d;
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, sec = t - days * 86400;
	ms_civil_from_days(days, &y, &m, &d);
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(sec / 3600), (int)(sec / 60 % 60),
		 (int)(sec % 60));
}

static void fingerprint(const char *head, size_t n, char out[65])
{
	uint8_t h[32];
	ms_sha256_buf(head, n, h);
	ms_hex(h, 32, out);
}

/* Find an earlier source whose recorded head is a prefix of this stream's head. */
static int find_source(ing_ctx *c, const char *head, size_t n, ms_source_row *row)
{
	char fp[65];
	fingerprint(head, n, fp);
	if (ms_store_source_find(c->st, fp, row) == 1 && row->head_len == (int64_t)n)
		return 1;
	/* a source first seen shorter than HEAD_LEN that has grown since */
	sqlite3_stmt *q;
	int found = 0;
	if (sqlite3_prepare_v2(ms_store_db(c->st),
			       "SELECT DISTINCT head_len FROM sources WHERE head_len < ? AND head_len > 0", -1, &q,
			       NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(q, 1, (int64_t)n);
	while (!found && sqlite3_step(q) == SQLITE_ROW) {
		int64_t hl = sqlite3_column_int64(q, 0);
		if (hl <= 0 || hl > (int64_t)n)
			continue;
		fingerprint(head, (size_t)hl, fp);
		if (ms_store_source_find(c->st, fp, row) == 1 && row->head_len == hl)
			found = 1;
	}
	sqlite3_finalize(q);
	return found;
}

/*
 * A (path, size, mtime) match is only a hint: a rotated file keeps its mtime
 * and a new live file can have the old one's size.  Skip only when the
 * content is that source's too: the same head fingerprint, and for a plain
 * file every byte of it already consumed.
 */
static int quick_skip_ok(ing_ctx *c, const ms_stream_spec *spec, int64_t sid, ms_source_row *rowp)
{
	char head[HEAD_LEN], err[256], fp[65];
	ms_source_row row;
	ssize_t n = ms_input_peek(spec, head, sizeof head, err, sizeof err);
	if (n <= 0)
		return 0;
	fingerprint(head, (size_t)n, fp);
	if (ms_store_source_find(c->st, fp, &row) != 1 || row.id != sid || !row.complete ||
	    row.head_len != (int64_t)n)
		return 0;
	/* a plain file's size is what was consumed of it; a compressed one never grows */
	char magic[6];
	int fd_plain = 1;
	FILE *f = fopen(spec->path, "rb");
	if (f) {
		size_t m = fread(magic, 1, sizeof magic, f);
		fclose(f);
		fd_plain = !(m == sizeof magic && memcmp(magic, head, sizeof magic) != 0);
	}
	if (fd_plain && row.bytes != spec->size)
		return 0;
	*rowp = row;
	return 1;
}

/* the next file of a set carries on from the year where this source stopped,
 * as it would in one run (a source read whole in an earlier run, or resumed) */
/*
 * The reader's state at the end of what a run read of a source, saved with
 * its row (ms_store_resume_put()) so that the next run goes on as one run
 * would: every syslog host's year state (its year, its clock, the second
 * pass of a repeated hour) and the last line, which a "last message
 * repeated" line at the start of what is new repeats (a compressed file or
 * standard input cannot be read back to it).  The same build's layout only:
 * another is ignored, as a state without it.
 */
#define RESUME_MAGIC "MSRESUM1"
typedef struct {
	char magic[8];
	uint32_t sz_year, sz_host;
	int32_t yh_n, yh_cur;
	uint64_t yh_tick;
	uint32_t prev_n;
	ms_yearstate year;
} resume_hdr;

static int resume_save(ing_ctx *c, const src_state *s)
{
	resume_hdr h;
	memset(&h, 0, sizeof h);
	memcpy(h.magic, RESUME_MAGIC, 8);
	h.sz_year = sizeof(ms_yearstate);
	h.sz_host = sizeof(host_year);
	h.yh_n = c->yh_n;
	h.yh_cur = c->yh_cur;
	h.yh_tick = c->yh_tick;
	h.prev_n = c->prev_n <= sizeof c->prev_buf ? (uint32_t)c->prev_n : 0;
	h.year = c->year;
	size_t n = sizeof h + sizeof(host_year) * (size_t)c->yh_n + h.prev_n;
	char *b = malloc(n + 32);
	if (!b)
		return -1;
	/* the database never holds a secret of a log line: a last line with
	 * AUTH data in it (redact.h) is not saved (a repeat of it after the
	 * resume then repeats nothing, as before) */
	if (h.prev_n && (ms_redact_line(c->prev, h.prev_n, b, n + 32) != h.prev_n || memcmp(b, c->prev, h.prev_n))) {
		n -= h.prev_n;
		h.prev_n = 0;
	}
	memcpy(b, &h, sizeof h);
	memcpy(b + sizeof h, c->yh, sizeof(host_year) * (size_t)c->yh_n);
	if (h.prev_n)
		memcpy(b + sizeof h + sizeof(host_year) * (size_t)c->yh_n, c->prev, h.prev_n);
	int rc = ms_store_resume_put(c->st, s->row.id, b, n);
	free(b);
	return rc;
}

static int year_ok(const ms_yearstate *y)
{
	const int64_t lim = (int64_t)1 << 40; /* times and keys far inside int64_t */
	return y->year >= 0 && y->year <= 9999 && y->last_key >= -1 && y->last_key < lim && y->last > -lim &&
	       y->last < lim && y->fold > -lim && y->fold < lim && y->anchor > -lim && y->anchor < lim &&
	       y->hint_key >= -1 && y->hint_key < lim && y->hint_mid > -lim && y->hint_mid < lim &&
	       y->hint_t > -lim && y->hint_t < lim && y->hint_year >= 0 && y->hint_year <= 9999 && y->rollovers >= 0 &&
	       y->rollovers < 100000;
}

/* restore what resume_save() saved for source_id; 0 when there is none (or not this build's) */
static int resume_load(ing_ctx *c, int64_t source_id)
{
	size_t n = 0;
	char *b = ms_store_resume_get(c->st, source_id, &n);
	resume_hdr h;
	int ok = 0;
	if (b && n >= sizeof h) {
		memcpy(&h, b, sizeof h);
		ok = !memcmp(h.magic, RESUME_MAGIC, 8) && h.sz_year == sizeof(ms_yearstate) &&
		     h.sz_host == sizeof(host_year) && h.yh_n >= 0 && h.yh_n <= YEAR_HOSTS &&
		     h.yh_cur >= 0 && (h.yh_cur < h.yh_n || (h.yh_n == 0 && h.yh_cur == 0)) &&
		     h.prev_n <= LINE_MAX_LEN && n == sizeof h + sizeof(host_year) * (size_t)h.yh_n + h.prev_n &&
		     year_ok(&h.year);
		const char *hosts = b + sizeof h;
		for (int k = 0; ok && k < h.yh_n; k++) {
			host_year e;
			memcpy(&e, hosts + sizeof e * (size_t)k, sizeof e);
			ok = e.n < sizeof e.name && year_ok(&e.ys);
		}
	}
	if (ok) {
		c->year = h.year;
		c->yh_n = h.yh_n;
		c->yh_cur = h.yh_cur;
		if (h.yh_tick > c->yh_tick)
			c->yh_tick = h.yh_tick;
		memcpy(c->yh, b + sizeof h, sizeof(host_year) * (size_t)h.yh_n);
		for (int k = 0; k < h.yh_n; k++)
			c->yh[k].name[c->yh[k].n] = 0;
		memcpy(c->saved_prev, b + sizeof h + sizeof(host_year) * (size_t)h.yh_n, h.prev_n);
		c->saved_prev_n = h.prev_n;
		c->saved_prev_src = source_id;
	}
	free(b);
	return ok;
}

static void year_from_source(ing_ctx *c, const ms_source_row *row)
{
	c->saved_prev_n = 0;
	if (row->year > 0) {
		c->year.year = row->year;
		c->year.last_key = row->year_last_key;
		c->year.last = row->last_ts; /* its clock: the repeated hour goes on across runs */
		c->year_set_started = 1;
		c->yh_n = 0; /* the first host goes on with it */
		c->yh_cur = 0;
		/* as that run left every host's year and clock, when it said */
		(void)resume_load(c, row->id);
	}
}

/* An empty stream has no fingerprint to find it by: was it recorded under this name?
 * (not as a damaged stream that gave nothing: that one is recorded with its error) */
static int empty_source_seen(ing_ctx *c, const char *path)
{
	sqlite3_stmt *q;
	int found = 0;
	if (sqlite3_prepare_v2(ms_store_db(c->st),
			       "SELECT 1 FROM sources WHERE head_len = 0 AND path = ? AND error IS NULL", -1, &q,
			       NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
	found = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return found;
}

/*
 * Set up the tracker, the writer thread and the saved tracker state when the
 * first stream is actually read (a run where every file is unchanged needs
 * none of it).  Returns 0, or -1 (out of memory).
 */
static int tracker_start(ing_ctx *c)
{
	if (c->started)
		return c->tr ? 0 : -1;
	c->started = 1;
	if (ms_store_bulk_begin(c->st) < 0)
		say(c, 1, "cannot drop the indexes for the bulk load: %s", ms_store_errmsg(c->st));
	ms_sink sink = ms_store_sink(c->st);
	c->pipe = ms_pipe_new(&sink);
	ms_sink tsink = c->pipe ? ms_pipe_sink(c->pipe) : sink;
	c->tr = ms_tracker_new(&c->cfg, &tsink, &c->ids);
	if (!c->tr) {
		say(c, 2, "out of memory");
		return -1;
	}
	size_t blen = 0;
	void *blob = ms_store_state_load(c->st, &blen);
	if (blob) {
		if (ms_tracker_load(c->tr, blob, blen) != 0)
			say(c, 1, "saved session state is unreadable (written by another version, or damaged); "
				  "sessions still open from the previous run start over");
		free(blob);
	}
	return 0;
}

/* Is the hash of the last l bytes of b[0..n), for some l, hex?  The last
 * run hashed the bytes it read last, all of them when fewer than its
 * buffer holds (an earlier version did not count those read before it) */
static int tail_matches(const uint8_t *b, size_t n, const char *hex)
{
	uint8_t h[32];
	char x[65];
	for (size_t l = n; l > 0; l--) {
		ms_sha256_buf(b + n - l, l, h);
		ms_hex(h, 32, x);
		if (!strcmp(x, hex))
			return 1;
	}
	return 0;
}

/* a source that cannot be read on from where the last run stopped: its
 * row keeps what was read and gets the error (report --by sources) */
static void resume_failed(ing_ctx *c, ms_file_result *fr, const ms_source_row *found)
{
	ms_store_rollback(c->st);
	fr->status = 2;
	if (ms_store_begin(c->st) == 0) {
		if (ms_store_source_update(c->st, found, fr->display, fr->error) == 0)
			ms_store_commit(c->st);
		else
			ms_store_rollback(c->st);
	}
}

static int process_stream(ing_ctx *c, const ms_stream_spec *spec, ms_file_result *fr, int new_set)
{
	char err[256];
	ms_input *in;
	ms_prefetch *pf = NULL; /* compressed input: decompressed ahead on a thread of its own */
	const ms_input_info *info;
	char *buf = NULL;
	size_t fill = 0, start = 0;
	src_state s;
	ssize_t r;
	int rc = 0;
	int64_t skip_bytes = 0;
	int64_t since_commit = 0;
	/* a checkpoint per GiB of input (and at the end of each source): a crash
	 * costs at most a GiB read again, ~5 s.  Each mid-file checkpoint stops
	 * the parsing thread while the writer drains and the main thread commits
	 * (1 GB benchmark: 0.23 s in all with one per 256 MiB; 4.51 -> 4.32 s
	 * median wall with one per GiB) */
	int64_t commit_every = c->opts->commit_bytes > 0 ? c->opts->commit_bytes : MS_COMMIT_BYTES;
	int overlong = 0;
	int cont = 0; /* passing over the rest of a line an earlier run read without its newline */
	double last_progress = 0; /* the first update of each file comes at once */

	memset(&s, 0, sizeof s);
	s.fr = fr;
	c->prev_n = 0; /* a repeat line refers to a line of its own file */

	/* quick skip: same path, size and mtime already ingested completely */
	if (spec->member == NULL && strcmp(spec->path, "-") != 0 && spec->size >= 0 && spec->mtime >= 0) {
		int64_t sid;
		ms_source_row row;
		if (ms_store_file_seen(c->st, spec->path, spec->size, spec->mtime, &sid) &&
		    quick_skip_ok(c, spec, sid, &row)) {
			year_from_source(c, &row);
			fr->status = 1;
			if (c->opts->verbose)
				say(c, 0, "%s: already ingested (unchanged)", fr->display);
			return 0;
		}
	}

	if (tracker_start(c) != 0) {
		fr->status = 2;
		snprintf(fr->error, sizeof fr->error, "out of memory");
		return -1;
	}
	in = ms_input_open(spec, err, sizeof err);
	if (!in) {
		fr->status = 2;
		snprintf(fr->error, sizeof fr->error, "%s", err);
		return -1;
	}
	info = ms_input_get_info(in);
	buf = malloc(BUF_SIZE + 1);
	if (!buf) {
		ms_input_close(in);
		fr->status = 2;
		snprintf(fr->error, sizeof fr->error, "out of memory");
		return -1;
	}

	/* read the head for the fingerprint, and what the year look-ahead
	 * reads (year_from_iso_ahead()): the same bytes however they arrive */
	while (fill < YEAR_PEEK) {
		r = ms_input_read(in, buf + fill, BUF_SIZE - fill);
		if (r <= 0)
			break;
		fill += (size_t)r;
		c->total_bytes += r; /* as every later read is counted */
	}
	/* damaged before its first byte: recorded all the same (with its
	 * error, below), so that the sources table shows it */
	int damaged_empty = fill == 0 && r < 0;
	size_t headn = fill < HEAD_LEN ? fill : HEAD_LEN;
	if (fill == 0 && !damaged_empty && empty_source_seen(c, fr->display)) {
		/* still empty (a live file just after rotation): nothing to add */
		fr->status = 1;
		say(c, 0, "%s: already ingested (empty)", fr->display);
		ms_input_close(in);
		free(buf);
		return 0;
	}

	if (ms_store_begin(c->st) != 0) {
		fr->status = 2;
		snprintf(fr->error, sizeof fr->error, "%s", ms_store_errmsg(c->st));
		ms_input_close(in);
		free(buf);
		return -1;
	}
	/* an empty or damaged stream that gave nothing was recorded under its
	 * name: whatever is read under that name now takes its place */
	if (ms_store_source_forget_empty(c->st, fr->display) != 0) {
		ms_store_rollback(c->st);
		fr->status = 2;
		snprintf(fr->error, sizeof fr->error, "%s", sqlite3_errmsg(ms_store_db(c->st)));
		ms_input_close(in);
		free(buf);
		return -1;
	}
	/* the year state before this stream: an older, shorter copy of a source
	 * leaves it as it found it (the source's row holds the year at its own
	 * end, not at the copy's) */
	ms_yearstate year_before = c->year;
	int set_started_before = c->year_set_started, yh_n_before = c->yh_n, yh_cur_before = c->yh_cur;
	/* (year_from_source() may load the source's hosts over them) */
	memcpy(c->yh_before, c->yh, sizeof c->yh);
	ms_source_row found; /* as recorded: a damaged file's error goes into it */
	memset(&found, 0, sizeof found);
	if (headn > 0 && find_source(c, buf, headn, &s.row)) {
		found = s.row;
		skip_bytes = s.row.bytes;
		if (s.row.head_len < (int64_t)headn) {
			/* it grew past its old head: re-key it on the full head */
			s.row.head_len = (int64_t)headn;
			fingerprint(buf, headn, s.row.fingerprint);
		}
		/* the year state continues from where this source stopped */
		year_from_source(c, &s.row);
	} else {
		char fp[65];
		fingerprint(buf, headn, fp);
		int64_t id = ms_store_source_insert(c->st, fr->display, fp, (int64_t)headn, info->file_size, info->mtime,
						    ms_compression_name(info->comp));
		if (id < 0) {
			ms_store_rollback(c->st);
			fr->status = 2;
			snprintf(fr->error, sizeof fr->error, "%s", ms_store_errmsg(c->st));
			ms_input_close(in);
			free(buf);
			return -1;
		}
		s.row.id = id;
		s.row.head_len = (int64_t)headn;
		snprintf(s.row.fingerprint, sizeof s.row.fingerprint, "%s", fp);
		s.row.year_last_key = -1;
		if (damaged_empty) {
			/* no line to anchor: the set starts with its next file */
			if (new_set)
				c->year_set_started = 0;
		} else if (new_set || !c->year_set_started || (c->opts->year <= 0 && c->year.year == 0)) {
			int64_t anchor = info->mtime > 0 ? info->mtime : c->opts->now;
			/* each set starts afresh: --year is the year of its
			 * first line, else the first line is anchored, on the
			 * first file that gives a year (an empty maillog.1
			 * written a rotation before maillog's lines is none) */
			if (c->opts->year > 0)
				ms_year_begin(&c->year, c->opts->year, 0);
			else {
				ms_year_begin(&c->year, 0, anchor);
				year_hint_from_end(c, in, info);
			}
			year_from_iso_ahead(c, buf, fill < YEAR_PEEK ? fill : YEAR_PEEK);
			c->year_set_started = 1;
			c->yh_n = 0; /* the hosts start afresh with the set */
		}
	}
	s.path_for_db = fr->display;
	c->utc_id = 0; /* the year state starts afresh or from the source's row */
	c->iso_day = 0;
	s.row.compression = ms_compression_name(info->comp); /* maillog.1 may be maillog.2.gz now */

	/* skip what an earlier run consumed */
	uint8_t before[sizeof s.tail]; /* the bytes before where this run goes on */
	size_t nb = 0;
	prev_before(c, in, buf, fill, skip_bytes);
	if (skip_bytes > 0 && !c->prev_n && c->saved_prev_n && c->saved_prev_src == s.row.id) {
		/* not to be read back (compressed, standard input): as saved */
		memcpy(c->prev_buf, c->saved_prev, c->saved_prev_n);
		c->prev = c->prev_buf;
		c->prev_n = c->saved_prev_n;
	}
	if (skip_bytes > 0) {
		/* the bytes counted are the new ones (--verbose) */
		c->total_bytes -= (int64_t)fill < skip_bytes ? (int64_t)fill : skip_bytes;
		if ((int64_t)fill >= skip_bytes) {
			start = (size_t)skip_bytes;
		} else {
			int64_t rest = skip_bytes - (int64_t)fill;
			/* the last bytes read before the skip: with what the skip
			 * passes over, the bytes before where it goes on */
			nb = fill < sizeof before ? fill : sizeof before;
			memcpy(before, buf + fill - nb, nb);
			fill = 0;
			int sk = ms_input_skip(in, (uint64_t)rest);
			/* under the path it was read from, it shrank in place
			 * (rewritten, lines cut out): damaged, not an old copy */
			if (sk == -2 && !spec->member && strcmp(fr->display, "(stdin)") &&
			    ms_store_source_path_is(c->st, s.row.id, fr->display))
				sk = -3; /* (a file: standard input and members reuse their names) */
			if (sk == -2) {
				/* it ends, whole, before what was read of it: an older,
				 * shorter copy of a source (its head is that source's),
				 * whose lines are all in the database already */
				ms_store_rollback(c->st);
				fr->status = 1;
				/* its lines are placed as the source placed them; the next
				 * file carries on as if it were not there (the first of a
				 * set: the next file anchors the set) */
				c->year = year_before;
				c->year_set_started = new_set ? 0 : set_started_before;
				c->yh_n = yh_n_before;
				c->yh_cur = yh_cur_before;
				memcpy(c->yh, c->yh_before, sizeof c->yh);
				say(c, 1, "%s: an older, shorter copy of a source already ingested (%lld bytes of it): "
					  "nothing new", fr->display, (long long)skip_bytes);
				ms_input_close(in);
				free(buf);
				return 0;
			}
			if (sk != 0) {
				/* a read error on the way, or shrunk in place: damaged */
				fr->archive_damaged = ms_input_archive_damaged(in);
				if (sk == -3)
					snprintf(fr->error, sizeof fr->error,
						 "shorter than the %lld bytes already ingested from it: truncated or "
						 "rewritten in place", (long long)skip_bytes);
				else
					snprintf(fr->error, sizeof fr->error,
						 "%s after 0 lines (while skipping the %lld bytes already ingested)",
						 ms_input_error(in), (long long)skip_bytes);
				resume_failed(c, fr, &found);
				ms_input_close(in);
				free(buf);
				return -1;
			}
		}
		/* the bytes before where it goes on are the ones the last run
		 * read last (its tail hash): else the file was rewritten in
		 * place (lines cut out, then grown past its old size), and what
		 * is at the old offset is no line boundary of what was read */
		if ((int64_t)fill >= skip_bytes) {
			nb = skip_bytes < (int64_t)sizeof before ? (size_t)skip_bytes : sizeof before;
			memcpy(before, buf + skip_bytes - (int64_t)nb, nb);
		} else {
			uint8_t sk_tail[sizeof before];
			size_t nt = ms_input_skipped_tail(in, sk_tail, sizeof sk_tail);
			if (nt >= sizeof before || info->seekable) {
				nb = nt; /* (a seekable file: read back at the offset, whole) */
				memcpy(before, sk_tail, nt);
			} else {
				size_t keep = nb + nt > sizeof before ? sizeof before - nt : nb;
				memmove(before, before + nb - keep, keep);
				memcpy(before + keep, sk_tail, nt);
				nb = keep + nt;
			}
		}
		/* a source with an overlong line, inside a line longer than the
		 * tail: an earlier version did not hash an overlong last line's
		 * end, so there is nothing to tell a rewrite by */
		int unsure = s.row.overlong > 0 && !memchr(before, '\n', nb);
		if (nb > 0 && !unsure && s.row.tail_hash[0] && !tail_matches(before, nb, s.row.tail_hash)) {
			snprintf(fr->error, sizeof fr->error,
				 "changed before the %lld bytes already ingested from it: rewritten in place",
				 (long long)skip_bytes);
			resume_failed(c, fr, &found);
			ms_input_close(in);
			free(buf);
			return -1;
		}
		/* the next tail hash covers them too, however little this run reads */
		tail_update(&s, (const char *)before, nb);
	}

	/* an earlier run stopped inside a line (its file or stream ended
	 * without a newline, and the line was read as it was): what follows
	 * up to the next newline is the rest of that line, already counted;
	 * read as a line of its own it would be a line without a header */
	if (skip_bytes > 0 && nb > 0 && before[nb - 1] != '\n')
		overlong = cont = 1; /* dropped until the newline, as after a capped line */

	/* from here on a compressed file is decompressed on a thread of its
	 * own (none to be had: on this one).  Not a small file, for which
	 * starting the thread costs more than it saves (500 files of 8 KiB:
	 * +5 %), and not a pipe (size unknown): a read from it may block for
	 * good, and stopping early (a failed commit) joins the thread */
	if ((info->comp != MS_COMP_NONE || info->archive_comp != MS_COMP_NONE) && info->file_size >= PREFETCH_MIN_SIZE &&
	    (pf = ms_prefetch_start(in)) != NULL)
		c->prefetched++;

	/* main loop: split lines; lines longer than LINE_MAX_LEN are cut and counted */
	for (;;) {
		size_t consumed_from = start; /* the tail hash takes the bytes consumed below at once */
		/* lines are searched for a CR only where the buffer holds one */
		int cr_here = start < fill && memchr(buf + start, '\r', fill - start) != NULL;
		while (start < fill) {
			char *nl = memchr(buf + start, '\n', fill - start);
			size_t end;
			if (!nl) {
				if (fill - start > LINE_MAX_LEN) {
					/* overlong: process the capped prefix once, drop until newline */
					if (!overlong) {
						s.row.overlong++;
						size_t n = LINE_MAX_LEN;
						do_line(c, &s, buf + start, n);
						overlong = 1;
					}
					s.row.bytes += (int64_t)(fill - start);
					start = fill;
				}
				break;
			}
			end = (size_t)(nl - buf);
			if (overlong) {
				overlong = 0;
				if (cont && (end > start || s.row.bytes > skip_bytes))
					say(c, 4, "%s: the line an earlier run read without its newline goes on here: "
						  "the rest of it is passed over", fr->display);
				cont = 0;
			} else {
				size_t len = end - start;
				const char *p = buf + start;
				/* CR LF ends a line as LF does.  A CR inside a line is
				 * no line end: it may come from the client's part of the
				 * line (a plesk_saslauthd user name), and a line end there
				 * would let the client write a whole log line of its own */
				if (cr_here && len && p[len - 1] == '\r')
					len--;
				if (len > LINE_MAX_LEN) {
					s.row.overlong++;
					len = LINE_MAX_LEN;
				}
				do_line(c, &s, p, len);
			}
			s.row.bytes += (int64_t)(end + 1 - start);
			since_commit += (int64_t)(end + 1 - start);
			start = end + 1;
			if (since_commit >= commit_every) {
				/* after the line that crosses the mark, wherever the reads
				 * ended: what is written at a commit (the sessions still
				 * open, the interning order) does not depend on how the
				 * input was read (plain, decompressed, prefetched) */
				tail_update(&s, buf + consumed_from, start - consumed_from);
				consumed_from = start;
				if (commit_point(c, &s, 0, 1, NULL) != 0) {
					rc = -1;
					fr->status = 2;
					snprintf(fr->error, sizeof fr->error, "%s", ms_store_errmsg(c->st));
					goto out;
				}
				since_commit = 0;
			}
		}
		tail_update(&s, buf + consumed_from, start - consumed_from);
		if (c->opts->progress) {
			double t = now_s();
			if (t - last_progress > 0.5) {
				last_progress = t;
				say(c, 3, "%s  %.0f MB  %.2f M lines/s", fr->display, (double)s.row.bytes / 1e6,
				    (double)c->total_lines / 1e6 / (t - c->t0 > 0 ? t - c->t0 : 1));
			}
		}
		/* compact and refill: the previous line moves out of the buffer first */
		if (c->prev_n && c->prev >= buf && c->prev < buf + fill) {
			memcpy(c->prev_buf, c->prev, c->prev_n);
			c->prev = c->prev_buf;
		}
		if (start > 0) {
			memmove(buf, buf + start, fill - start);
			fill -= start;
			start = 0;
		}
		r = pf ? ms_prefetch_read(pf, buf + fill, BUF_SIZE - fill) : ms_input_read(in, buf + fill, BUF_SIZE - fill);
		if (r > 0) {
			fill += (size_t)r;
			c->total_bytes += r;
			continue;
		}
		if (r == 0 && fill > start && !overlong && !pf && !c->waited) {
			/* a live log caught while its daemon writes a line: its end
			 * comes within moments (read now, the line would be cut).
			 * Once a run: many fresh files without a final newline (a
			 * test harness) would each cost the wait */
			if (ms_input_wait_growth(in, 1000, &c->waited))
				continue;
		}
		if (r < 0) {
			/* corrupt or truncated input: keep what was read, report it */
			fr->status = 2;
			fr->archive_damaged = ms_input_archive_damaged(in);
			snprintf(fr->error, sizeof fr->error, "%s after %lld lines", ms_input_error(in),
				 (long long)s.row.lines);
			rc = -1;
		}
		/* end of stream: a last line without newline is read as a line
		 * (a file whose writer left out the last newline; a log caught
		 * while its daemon wrote a line is far rarer, and if the file
		 * grows, the next run passes over the rest of that line, above).
		 * On damaged input it was cut by the damage: it is neither parsed
		 * (a cut user name would be recorded as another account) nor
		 * consumed, so a good copy of the file is read on from the last
		 * complete line. */
		if (rc != 0) {
			/* dropped */
		} else if (fill > start && !overlong) {
			size_t len = fill - start;
			if (buf[start + len - 1] == '\r')
				len--;
			if (len > LINE_MAX_LEN)
				len = LINE_MAX_LEN;
			do_line(c, &s, buf + start, len);
			s.row.bytes += (int64_t)(fill - start);
			tail_update(&s, buf + start, fill - start);
		} else if (fill > start) {
			s.row.bytes += (int64_t)(fill - start);
			tail_update(&s, buf + start, fill - start);
		}
		break;
	}
	if (commit_point(c, &s, rc == 0, 0, rc == 0 ? NULL : fr->error) != 0) {
		rc = -1;
		fr->status = 2;
		snprintf(fr->error, sizeof fr->error, "%s", ms_store_errmsg(c->st));
		goto out;
	}
	{
		/* no line can be later than the file was last written (stdin:
		 * now): if some are, the year inferred for them is wrong.  With
		 * --year the user chose the year: no warning. */
		int64_t anchor = info->mtime > 0 ? info->mtime : c->opts->now;
		if (c->opts->year <= 0 && fr->new_lines > 0 && anchor > 0 && s.row.last_ts > anchor + 86400) {
			char a[32], b[32];
			utc_text(s.row.last_ts, a);
			utc_text(anchor, b);
			say(c, 1, "%s: warning: lines up to %s are later than %s (%s): wrong year? "
				  "(a log spanning more than a year needs --year)",
			    fr->display, a, b, info->mtime > 0 ? "its modification time" : "now");
		}
	}
	if (rc == 0 && spec->member == NULL && strcmp(spec->path, "-") != 0 && spec->size >= 0 && spec->mtime >= 0) {
		/* read to the end: the same path with the same size and mtime is skipped next
		 * time without opening it (a file that grew has another size and mtime and is
		 * read on from where this run stopped) */
		ms_store_file_mark(c->st, spec->path, spec->size, spec->mtime, s.row.id);
	}
	if (fr->status == 0 && fr->new_lines == 0)
		fr->status = 1;
out:
	fr->lines = s.row.lines;
	fr->recognised = s.row.recognised;
	fr->unrecognised = s.row.unrecognised;
	fr->skipped = s.row.skipped;
	fr->malformed = s.row.malformed;
	fr->overlong = s.row.overlong;
	fr->bytes = s.row.bytes;
	fr->first_ts = s.row.first_ts;
	fr->last_ts = s.row.last_ts;
	c->prefetch_cpu += ms_prefetch_stop(pf);
	ms_input_close(in);
	free(buf);
	return rc;
}

/*
 * The last member that could be listed of a damaged archive was read: when
 * its own read did not stop at that damage (it lies after the member), the
 * damage is reported for the archive, since the members after it are lost.
 */
static void archive_damage(ing_ctx *c, const ms_stream_spec *spec, ms_ingest_result *res)
{
	ms_file_result *nf = realloc(res->files, (res->nfiles + 1) * sizeof *nf);
	if (!nf)
		return;
	res->files = nf;
	ms_file_result *fr = &res->files[res->nfiles++];
	memset(fr, 0, sizeof *fr);
	fr->display = strdup(spec->path);
	fr->status = 2;
	ms_stream_spec_damage(spec, fr->error, sizeof fr->error);
	res->errors++;
	say(c, 2, "%s: %s", spec->path, fr->error);
}

int ms_ingest_run(ms_store *st, char *const *args, int nargs, const ms_ingest_opts *opts, ms_ingest_result *res)
{
	ing_ctx c;
	char err[256];
	ms_stream_spec *all = NULL;
	size_t nall = 0;
	int rc = 0;

	memset(res, 0, sizeof *res);
	memset(&c, 0, sizeof c);
	c.opts = opts;
	c.st = st;
	c.t0 = now_s();
	ms_tzcache_init(&c.tz);
	ms_year_init(&c.year);
	ms_strmap_init(&c.progs);
	c.pc = calloc(MAX_PROGRAMS + 1, sizeof *c.pc);
	c.g = ms_grammar_new(err, sizeof err);
	if (!c.g || !c.pc) {
		say(&c, 2, "%s", c.g ? "out of memory" : err);
		ms_grammar_free(c.g);
		free(c.pc);
		return -1;
	}

	/* expand every argument; unreadable ones are reported and skipped */
	ms_expand_opts eo = { opts->own, opts->nown, expand_note, &c };
	for (int i = 0; i < nargs; i++) {
		ms_stream_spec *sp = NULL;
		size_t n = 0;
		if (ms_expand_arg_opts(args[i], &eo, &sp, &n, err, sizeof err) != 0) {
			ms_file_result *fr;
			ms_file_result *nf = realloc(res->files, (res->nfiles + 1) * sizeof *nf);
			if (!nf)
				continue;
			res->files = nf;
			fr = &res->files[res->nfiles++];
			memset(fr, 0, sizeof *fr);
			fr->display = strdup(args[i]);
			fr->status = 2;
			snprintf(fr->error, sizeof fr->error, "%s", err);
			say(&c, 2, "%s: %s", args[i], err);
			res->errors++;
			continue;
		}
		ms_stream_spec *na = realloc(all, (nall + n) * sizeof *na);
		if (!na) {
			ms_stream_specs_free(sp, n);
			continue;
		}
		all = na;
		memcpy(all + nall, sp, n * sizeof *sp);
		nall += n;
		free(sp); /* entries moved */
	}
	ms_drop_repeated_sets(all, &nall, &eo);
	if (!opts->no_sort)
		ms_rotate_sort(all, nall);
	if (opts->verbose && nall > 1) {
		say(&c, 0, "processing order (%s):", opts->no_sort ? "as given, --no-sort" : "rotated sets oldest first");
		for (size_t i = 0; i < nall; i++) {
			char d[128];
			ms_rotate_describe(&all[i], d, sizeof d);
			say(&c, 0, "  %zu. %s%s%s  (%s)", i + 1, all[i].path, all[i].member ? ":" : "",
			    all[i].member ? all[i].member : "", d);
		}
	}

	ms_tracker_cfg_default(&c.cfg);
	if (opts->plesk_window > 0)
		c.cfg.plesk_window = opts->plesk_window;
	if (ms_store_hmac_key(st, c.cfg.hmac_key) == 0)
		c.cfg.hmac_key_len = 32;
	else /* removed from a copy handed on (docs/schema.md): passwords get no fingerprint */
		say(&c, 1, "the database has no password HMAC key: decoded passwords get no fingerprint");
	ms_store_next_ids(st, &c.ids);
	/* the tracker, the writer thread and the saved state: tracker_start(), on the first stream read */

	for (size_t i = 0; i < nall; i++) {
		ms_file_result *nf = realloc(res->files, (res->nfiles + 1) * sizeof *nf);
		ms_file_result *fr;
		if (!nf)
			break;
		res->files = nf;
		fr = &res->files[res->nfiles++];
		memset(fr, 0, sizeof *fr);
		if (all[i].member) {
			size_t l = strlen(all[i].path) + strlen(all[i].member) + 2;
			fr->display = malloc(l);
			if (fr->display)
				snprintf(fr->display, l, "%s:%s", all[i].path, all[i].member);
		} else {
			/* "(stdin)" names standard input in the sources table: a
			 * file of that name is recorded as "./(stdin)" */
			fr->display = strdup(!strcmp(all[i].path, "-")	      ? "(stdin)"
					     : !strcmp(all[i].path, "(stdin)") ? "./(stdin)"
									       : all[i].path);
		}
		if (!fr->display)
			break;
		int new_set = (i == 0);
		if (!new_set) {
			char a[128], b[128];
			ms_rotate_set_key(&all[i - 1], a, sizeof a);
			ms_rotate_set_key(&all[i], b, sizeof b);
			new_set = strcmp(a, b) != 0;
		}
		if (process_stream(&c, &all[i], fr, new_set) != 0) {
			res->errors++;
			say(&c, 2, "%s: %s", fr->display, fr->error);
			if (ms_store_failed(st))
				break; /* the database itself failed: stop */
		}
		if (all[i].list_error && !fr->archive_damaged)
			archive_damage(&c, &all[i], res); /* (may move res->files: fr is not used after it) */
	}
	if (opts->final && c.tr && c.started && !ms_store_failed(st)) {
		/* the input is all there is: a back-end line still waiting a few
		 * seconds for its failure, a failure for its back-end line, a
		 * postscreen conversation without its end are written as they
		 * stand (otherwise they would wait in the saved state for a run
		 * that never comes) */
		if (ms_store_begin(st) != 0) {
			rc = -1;
		} else {
			ms_tracker_finish(c.tr);
			ms_pipe_drain(c.pipe);
			if (ms_store_commit(st) != 0)
				rc = -1;
		}
		if (rc)
			say(&c, 2, "cannot write the end of the input: %s", ms_store_errmsg(st));
	}
	if (c.tr) {
		res->stats = *ms_tracker_get_stats(c.tr);
		if (res->stats.names_full)
			say(&c, 1, "warning: more than %d host and service names: %lld lines of later ones were "
				   "counted under the first name's sessions", MS_TRACKER_MAX_NAMES,
			    (long long)res->stats.names_full);
	}
	res->total_lines = c.total_lines;
	res->total_bytes = c.total_bytes;
	ms_pipe_stats ps;
	int had_pipe = c.pipe != NULL;
	double parse_cpu = ms_thread_cpu();
	ms_pipe_finish(c.pipe, &ps);
	c.pipe = NULL;
	if (had_pipe && opts->verbose)
		say(&c, 0, "reading and parsing: %.2f s CPU (%.2f s waiting for the writer); writing: %.2f s CPU (%.2f s idle)",
		    parse_cpu, ps.producer_wait, ps.writer_cpu, ps.writer_idle);
	if (c.prefetched && opts->verbose)
		say(&c, 0, "decompressing %d compressed stream%s on a thread of its own: %.2f s CPU", c.prefetched,
		    c.prefetched == 1 ? "" : "s", c.prefetch_cpu);
	/* (re)build the indexes a bulk load into an empty database left out */
	if (!ms_store_failed(st)) {
		double t = now_s();
		if (ms_store_index(st) != 0) {
			say(&c, 2, "cannot create the indexes: %s", ms_store_errmsg(st));
			rc = -1;
		} else if (now_s() - t > 0.05) {
			say(&c, 0, "indexes built in %.2f s", now_s() - t);
		}
	}
	res->seconds = now_s() - c.t0;
	ms_tracker_free(c.tr);
	ms_grammar_free(c.g);
	ms_strmap_release(&c.progs);
	free(c.pc);
	ms_stream_specs_free(all, nall);
	return rc ? rc : (res->errors ? 1 : 0);
}

void ms_ingest_result_free(ms_ingest_result *res)
{
	for (size_t i = 0; i < res->nfiles; i++)
		free(res->files[i].display);
	free(res->files);
	memset(res, 0, sizeof *res);
}
