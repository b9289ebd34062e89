/* SPDX-License-Identifier: MIT */
/*
 * clock.h - turn parsed syslog stamps into UTC seconds.
 *
 * Local times are read in the process time zone (TZ; cmd/ sets it from
 * --tz before any parsing).  Conversions are cached per local hour, so the
 * per-line cost is arithmetic only.
 *
 * Year inference for RFC 3164 stamps (no year), per stream of lines:
 *   - the year rolls over when the stamp jumps back by more than half a year
 *     (Dec -> Jan); small backward steps (reordered lines) do not roll;
 *   - a stamp that jumps forward by more than half a year to within a day
 *     before the rollover point belongs to the previous year (a late
 *     "Dec 31" line after "Jan  1"); any other forward jump is a gap in the
 *     log and keeps the year;
 *   - a stamp that states its year (ISO: RFC 3339, RFC 5424, short-iso) sets
 *     the year and the point the next RFC 3164 stamps turn it from;
 *   - the first line's year is set by ms_year_begin(): either given
 *     (--year) or derived from an anchor time (the file's mtime, or now for
 *     stdin) as the latest year that does not put the line after the anchor
 *     (plus one day of tolerance for clock and zone skew).
 *
 * The hour that occurs twice when clocks go back (a local time with two
 * readings): ms_local_to_utc() always gives the earlier reading; a stream's
 * stamp that would go back by more than 30 minutes from its last one takes the
 * later reading of the same wall time when there is one that does not (the
 * second pass of the repeated hour, read in log order); from then on, every
 * stamp of that hour that does not go back by more than 30 minutes from the
 * stream's last time takes its later reading too.
 */
#ifndef MS_CLOCK_H
#define MS_CLOCK_H

#include <stdint.h>
#include "syslog.h"

typedef struct {
	int64_t key;     /* local (y,m,d,h) packed; -1 = empty */
	int64_t base;    /* UTC seconds of local hh:00:00 */
	int irregular;   /* the offset changes within the hour (a 30- or 15-minute
			  * shift, or one at hh:45): each time computed alone */
} ms_tzslot;

typedef struct {
	ms_tzslot slot[64];
} ms_tzcache;

void ms_tzcache_init(ms_tzcache *c);

/* Local wall time -> UTC seconds (a wall time that occurs twice: the earlier reading). */
int64_t ms_local_to_utc(ms_tzcache *c, int year, int mon, int mday, int hour, int min, int sec);

/* Length in seconds of a local day (86400 unless the clocks change on it). */
int64_t ms_local_day_len(ms_tzcache *c, int year, int mon, int mday);

/* Civil date -> days since 1970-01-01 (proleptic Gregorian). */
int64_t ms_days_from_civil(int64_t y, unsigned m, unsigned d);
void ms_civil_from_days(int64_t z, int *y, int *m, int *d);
int64_t ms_timegm(int year, int mon, int mday, int hour, int min, int sec);

typedef struct {
	int year;          /* year of the current line (0 = not started) */
	int fixed;         /* 1 when set by --year */
	int64_t last_key;  /* month/day/time of the last 3164 line as seconds-in-year; -1 none */
	int rollovers;
	int64_t anchor;    /* UTC upper bound for the first guess (0 = none) */
	int64_t last;      /* UTC time of the last stamp resolved (0 = none): the stream's clock */
	int64_t fold;      /* the latest later reading of a repeated hour taken (0 = none) */
	/* the stream's last RFC 3164 stamp and one from its middle, when known
	 * before its first line (a plain file read ahead).  A stream that spans
	 * two months on both sides of its middle and whose first line the
	 * anchor puts after its last one (a file rotated yearly begins on the
	 * month and day it ends on) begins a year before it ends.  For the
	 * first guess only. */
	int64_t hint_key;  /* the last stamp as year_key(); -1 none */
	int64_t hint_mid;  /* the middle stamp as year_key() */
	int hint_year;     /* the last stamp's year by the anchor */
	int64_t hint_t;    /* the last stamp in that year, UTC */
} ms_yearstate;

void ms_year_init(ms_yearstate *y);
/* Start a stream: year > 0 fixes the first line's year; else anchor (UTC secs) bounds it. */
void ms_year_begin(ms_yearstate *y, int year, int64_t anchor);
/* Tell a state just begun (no --year) a stamp from the stream's middle and
 * its last one: see hint_key. */
void ms_year_hint(ms_tzcache *c, ms_yearstate *y, const ms_stamp *mid, const ms_stamp *last);

/* Resolve a stamp to UTC seconds, updating the year state.  Returns 0 ok, -1 invalid date. */
int ms_stamp_to_utc(ms_tzcache *c, ms_yearstate *y, const ms_stamp *ts, int64_t *out);

/* Year of the latest date (mon/day hh:mm:ss, local) that is <= anchor + slack. */
int ms_year_for_anchor(ms_tzcache *c, const ms_stamp *ts, int64_t anchor);

#endif
