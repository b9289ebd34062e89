/* SPDX-License-Identifier: MIT */
#include <time.h>
#include <string.h>
#include "clock.h"

#define HALF_YEAR_S (183LL * 86400)
#define ANCHOR_SLACK_S (86400LL)
#define YEAR_KEY_S (12LL * 31 * 86400) /* length of the year_key() grid */
#define STRAGGLER_S (86400LL)          /* how far a line may lag across Dec -> Jan */
#define HINT_SPAN_S (60LL * 86400)     /* ms_year_hint(): the middle this far from both ends */
#define DST_BACK_S (1800LL)            /* a step back this long is no reordering: the repeated hour */

/* how far clocks go back at the end of summer time (Lord Howe: 30 min; Troll: 2 h) */
static const int dst_shift[] = { 3600, 1800, 7200 };

static int same_wall(time_t a, time_t b)
{
	struct tm x, y;
	if (!localtime_r(&a, &x) || !localtime_r(&b, &y))
		return 0;
	return x.tm_sec == y.tm_sec && x.tm_min == y.tm_min && x.tm_hour == y.tm_hour && x.tm_mday == y.tm_mday &&
	       x.tm_mon == y.tm_mon && x.tm_year == y.tm_year;
}

int64_t ms_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* H. Hinnant's algorithm */
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void ms_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int64_t yy = (int64_t)yoe + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	const unsigned dd = doy - (153 * mp + 2) / 5 + 1;
	const unsigned mm = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (mm <= 2));
	*m = (int)mm;
	*d = (int)dd;
}

int64_t ms_timegm(int year, int mon, int mday, int hour, int min, int sec)
{
	return ms_days_from_civil(year, (unsigned)mon, (unsigned)mday) * 86400 + hour * 3600 + min * 60 + sec;
}

void ms_tzcache_init(ms_tzcache *c)
{
	for (size_t i = 0; i < sizeof c->slot / sizeof c->slot[0]; i++)
		c->slot[i].key = -1;
}

/* local wall time -> UTC by the C library; a wall time that occurs twice:
 * the earlier reading (mktime() gives either, by the calls before it) */
static int64_t local_mktime(int year, int mon, int mday, int hour, int min, int sec)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = mday;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	if (t == (time_t)-1) /* fall back to UTC */
		return ms_timegm(year, mon, mday, hour, min, sec);
	for (size_t i = 0; i < sizeof dst_shift / sizeof dst_shift[0]; i++)
		if (same_wall(t, t - dst_shift[i]))
			return (int64_t)t - dst_shift[i];
	return (int64_t)t;
}

int64_t ms_local_to_utc(ms_tzcache *c, int year, int mon, int mday, int hour, int min, int sec)
{
	int64_t key = (((int64_t)year * 16 + mon) * 32 + mday) * 32 + hour;
	ms_tzslot *s = &c->slot[(uint64_t)(key * 2654435761u) % 64];
	if (s->key != key) {
		s->key = key;
		s->base = local_mktime(year, mon, mday, hour, 0, 0);
		/* one offset through the hour, or the hour in which clocks
		 * change at other than hh:00 (Lord Howe's 02:00 -> 02:30,
		 * Chatham's 03:45 -> 02:45) */
		s->irregular = local_mktime(year, mon, mday, hour, 59, 59) - s->base != 3599;
	}
	if (s->irregular)
		return local_mktime(year, mon, mday, hour, min, sec);
	return s->base + min * 60 + sec;
}

int64_t ms_local_day_len(ms_tzcache *c, int year, int mon, int mday)
{
	int y2, m2, d2;
	ms_civil_from_days(ms_days_from_civil(year, (unsigned)mon, (unsigned)mday) + 1, &y2, &m2, &d2);
	return ms_local_to_utc(c, y2, m2, d2, 0, 0, 0) - ms_local_to_utc(c, year, mon, mday, 0, 0, 0);
}

void ms_year_init(ms_yearstate *y)
{
	memset(y, 0, sizeof *y);
	y->last_key = -1;
	y->hint_key = -1;
}

void ms_year_begin(ms_yearstate *y, int year, int64_t anchor)
{
	y->year = year > 0 ? year : 0;
	y->fixed = year > 0;
	y->anchor = anchor;
	y->last_key = -1;
	y->rollovers = 0;
	y->last = 0;
	y->fold = 0;
	y->hint_key = -1;
}

/*
 * A local time t (the earlier reading) that goes back by more than
 * DST_BACK_S from the stream's last time, or that is before a later reading
 * taken already: the later reading of the same wall time, when there is one
 * that does not go back that far (the second pass of the repeated hour after
 * clocks go back, and once in it, every stamp of that hour); else t.  Only on
 * the rare path: the common one is the comparison in local_reading().
 */
static int64_t later_reading(ms_yearstate *y, int64_t t)
{
	for (size_t i = 0; i < sizeof dst_shift / sizeof dst_shift[0]; i++) {
		int64_t t2 = t + dst_shift[i];
		if (t2 >= y->last - DST_BACK_S && same_wall((time_t)t, (time_t)t2)) {
			if (t2 > y->fold)
				y->fold = t2;
			return t2;
		}
	}
	return t;
}

static inline int64_t local_reading(ms_tzcache *c, ms_yearstate *y, int year, const ms_stamp *ts)
{
	int64_t t = ms_local_to_utc(c, year, ts->mon, ts->mday, ts->hour, ts->min, ts->sec);
	if (t < y->last - DST_BACK_S || t < y->fold)
		t = later_reading(y, t);
	else if (t < y->last - DST_BACK_S / 2 && same_wall((time_t)t, (time_t)(t + 1800)))
		/* where clocks go back by 30 minutes (Lord Howe), the second
		 * pass steps back by up to 30: more than half of it is the fold */
		t = later_reading(y, t);
	return t;
}

static int64_t year_key(const ms_stamp *ts)
{
	/* month/day position in a 31-day-month grid, good enough for ordering */
	return ((((int64_t)(ts->mon - 1) * 31 + (ts->mday - 1)) * 24 + ts->hour) * 60 + ts->min) * 60 + ts->sec;
}

int ms_year_for_anchor(ms_tzcache *c, const ms_stamp *ts, int64_t anchor)
{
	int ay, am, ad;
	ms_civil_from_days(anchor >= 0 ? anchor / 86400 : (anchor - 86399) / 86400, &ay, &am, &ad);
	for (int yy = ay + 1; yy > ay - 3; yy--) {
		if (ts->mon == 2 && ts->mday == 29 && !((yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0))
			continue;
		int64_t t = ms_local_to_utc(c, yy, ts->mon, ts->mday, ts->hour, ts->min, ts->sec);
		if (t <= anchor + ANCHOR_SLACK_S)
			return yy;
	}
	return ay;
}

void ms_year_hint(ms_tzcache *c, ms_yearstate *y, const ms_stamp *mid, const ms_stamp *last)
{
	if (y->fixed || y->year || last->kind != MS_TS_3164 || mid->kind != MS_TS_3164)
		return;
	y->hint_key = year_key(last);
	y->hint_mid = year_key(mid);
	y->hint_year = ms_year_for_anchor(c, last, y->anchor ? y->anchor : (int64_t)time(NULL));
	y->hint_t = ms_local_to_utc(c, y->hint_year, last->mon, last->mday, last->hour, last->min, last->sec);
}

/* how far b is after a on the year_key() circle */
static int64_t key_ahead(int64_t a, int64_t b)
{
	return ((b - a) % YEAR_KEY_S + YEAR_KEY_S) % YEAR_KEY_S;
}

int ms_stamp_to_utc(ms_tzcache *c, ms_yearstate *y, const ms_stamp *ts, int64_t *out)
{
	int year;
	switch (ts->kind) {
	case MS_TS_EPOCH:
		*out = ts->epoch;
		y->last = *out;
		return 0;
	case MS_TS_ISO:
		/* it states its year: the stream's next RFC 3164 stamps carry on
		 * from it (a file whose mtime is far from its content, copied) */
		y->year = ts->year;
		y->last_key = year_key(ts);
		if (ts->has_offset)
			*out = ms_timegm(ts->year, ts->mon, ts->mday, ts->hour, ts->min, ts->sec) - ts->offset;
		else
			*out = local_reading(c, y, ts->year, ts);
		y->last = *out;
		return 0;
	case MS_TS_3164: {
		int64_t k = year_key(ts);
		if (y->year == 0) {
			y->year = y->anchor ? ms_year_for_anchor(c, ts, y->anchor)
					    : ms_year_for_anchor(c, ts, (int64_t)time(NULL));
			if (y->hint_key >= 0) {
				/* a file of a year (rotated yearly) begins just after the
				 * month and day it ends on, within the anchor's slack (or
				 * anywhere before a later mtime: a copy): put after its
				 * last line, its first goes a year back (Mar 10 after
				 * Mar 9: the year before; Jan 1 after Dec 31: the last
				 * line's year).  Only a stream whose middle is two months
				 * from both ends: a shorter one's last line may be a
				 * straggler, a skewed clock's or a stray old line */
				int64_t a = key_ahead(k, y->hint_mid), b = key_ahead(y->hint_mid, y->hint_key);
				int64_t after = ms_local_to_utc(c, y->year, ts->mon, ts->mday, ts->hour, ts->min, ts->sec) - y->hint_t;
				if (a >= HINT_SPAN_S && b >= HINT_SPAN_S && a + b < YEAR_KEY_S && after > 0)
					y->year = k > y->hint_key ? y->hint_year - 1 : y->hint_year;
				y->hint_key = -1;
			}
		} else if (y->last_key >= 0) {
			if (k + HALF_YEAR_S < y->last_key) {
				y->year++;
				y->rollovers++;
			}
		}
		year = y->year;
		int straggler = 0;
		if (y->last_key >= 0 && k > y->last_key + HALF_YEAR_S &&
		    y->last_key + YEAR_KEY_S - k <= STRAGGLER_S) {
			/* a straggler from just before the rollover ("Dec 31 23:59:59"
			 * after "Jan  1 00:00:01"): previous year, state unchanged.
			 * A forward jump that is not next to the year boundary is a
			 * gap in the log (a sparse or filtered log), same year. */
			year = y->year - 1;
			straggler = 1;
		} else {
			y->last_key = k;
		}
		/* Feb 29 in a year that has none (the year guessed, or --year,
		 * is wrong): read as the day after Feb 28, so that the line is
		 * kept and stays in order with the lines around it */
		*out = local_reading(c, y, year, ts);
		if (!straggler) /* a year-old time is no clock to read the next stamp by */
			y->last = *out;
		return 0;
	}
	default:
		return -1;
	}
}
