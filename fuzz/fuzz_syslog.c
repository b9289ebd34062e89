/* SPDX-License-Identifier: MIT */
/*
 * fuzz_syslog.c - libFuzzer target: the syslog header parser and the clock
 * (year inference, local->UTC).  One input = one line (no terminator).
 * The stamp memo is checked against a plain parse: the input's first line
 * (up to a newline) primes the memo, the rest must parse as without it.
 * Also the redaction of a raw line (parser/redact.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../parser/syslog.h"
#include "../parser/clock.h"
#include "../parser/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size heap copy so that any read past the end is caught */
	char *line = malloc(size ? size : 1);
	ms_syslog sl;
	ms_stamp st;
	ms_tzcache tz;
	ms_yearstate ys;
	int64_t ts;
	if (!line)
		return 0;
	if (size)
		memcpy(line, data, size);
	if (ms_syslog_parse(line, size, &sl) == MS_LINE_OK) {
		/* every view must lie inside the line */
		const ms_sv v[] = { sl.host, sl.prog, sl.daemon, sl.service, sl.msg };
		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
			if (v[i].n && (v[i].p < line || v[i].p + v[i].n > line + size))
				abort();
		ms_tzcache_init(&tz);
		ms_year_init(&ys);
		ms_year_begin(&ys, 0, 1700000000);
		int r1 = ms_stamp_to_utc(&tz, &ys, &sl.ts, &ts);
		{
			/* the ingest reuses the time of a stamp resolved just before:
			 * the same stamp again must give the same and leave the state */
			ms_yearstate y1 = ys;
			int64_t t2;
			int r2 = ms_stamp_to_utc(&tz, &ys, &sl.ts, &t2);
			if (r1 == 0 && (r2 != 0 || t2 != ts || y1.year != ys.year || y1.last_key != ys.last_key ||
					y1.rollovers != ys.rollovers || y1.fixed != ys.fixed || y1.anchor != ys.anchor ||
					y1.last != ys.last || y1.fold != ys.fold))
				abort();
		}
		ms_year_init(&ys);
		ms_year_begin(&ys, 2026, 0);
		(void)ms_stamp_to_utc(&tz, &ys, &sl.ts, &ts);
	}
	{
		const char *nl = memchr(line, '\n', size);
		size_t k = nl ? (size_t)(nl - line) + 1 : 0;
		ms_stamp_memo memo;
		ms_syslog a, b;
		memset(&memo, 0, sizeof memo);
		(void)ms_syslog_parse_memo(line, nl ? (size_t)(nl - line) : 0, &a, &memo);
		ms_line_status sa = ms_syslog_parse(line + k, size - k, &a);
		if (ms_syslog_parse_memo(line + k, size - k, &b, &memo) != sa)
			abort();
		if (sa == MS_LINE_OK &&
		    (memcmp(&a.ts, &b.ts, sizeof a.ts) != 0 || a.host.p != b.host.p || a.host.n != b.host.n ||
		     a.prog.p != b.prog.p || a.prog.n != b.prog.n || a.msg.p != b.msg.p || a.msg.n != b.msg.n ||
		     a.daemon.p != b.daemon.p || a.daemon.n != b.daemon.n || a.service.p != b.service.p ||
		     a.service.n != b.service.n || a.pid != b.pid))
			abort();
	}
	{
		/* the redacted copy: bounded, NUL-terminated, never longer than n + 16,
		 * and no secret marker case reads past the line (ASan) */
		char out[256];
		size_t cap = 1 + size % sizeof out;
		size_t r = ms_redact_line(line, size, out, cap);
		if (r >= cap || out[r] != 0 || r > size + 16)
			abort();
		r = ms_redact_unknown_line(line, size, out, cap);
		if (r >= cap || out[r] != 0 || r > size + 16)
			abort();
		ms_sv rest = ms_sv_make(line, size), c;
		int eol;
		size_t cmds = 0;
		while (ms_dlg_next(&rest, &c, &eol))
			if (++cmds > size + 1 || (c.n && (c.p < line || c.p + c.n > line + size)))
				abort();
	}
	size_t n = ms_stamp_parse(ms_sv_make(line, size), &st);
	if (n > size)
		abort();
	if (size >= 3)
		(void)ms_month_from_abbr(line);
	free(line);
	return 0;
}
