/* SPDX-License-Identifier: MIT */
/*
 * fuzz_syslog.c - libFuzzer target: the syslog header parser and the clock
 * (year inference, local->UTC).  One input = one line (no terminator).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../parser/syslog.h"
#include "../parser/clock.h"

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
		(void)ms_stamp_to_utc(&tz, &ys, &sl.ts, &ts);
		(void)ms_stamp_to_utc(&tz, &ys, &sl.ts, &ts);
		ms_year_init(&ys);
		ms_year_begin(&ys, 2026, 0);
		(void)ms_stamp_to_utc(&tz, &ys, &sl.ts, &ts);
	}
	size_t n = ms_stamp_parse(ms_sv_make(line, size), &st);
	if (n > size)
		abort();
	if (size >= 3)
		(void)ms_month_from_abbr(line);
	free(line);
	return 0;
}
