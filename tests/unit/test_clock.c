/* SPDX-License-Identifier: MIT */
/* Tests for parser/clock.c: year inference for RFC 3164 stamps, zones. */
#include <stdlib.h>
#include <time.h>
#include "ut.h"
#include "../../parser/clock.h"

static void utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

/* Feed RFC 3164 stamps through one year state; out[i] = UTC seconds. */
static int feed(ms_yearstate *y, const char *const *stamps, int n, int64_t *out)
{
	ms_tzcache c;
	ms_tzcache_init(&c);
	for (int i = 0; i < n; i++) {
		ms_stamp ts;
		if (ms_stamp_parse(ms_sv_cstr(stamps[i]), &ts) == 0)
			return -1;
		if (ms_stamp_to_utc(&c, y, &ts, &out[i]) != 0)
			return -1;
	}
	return 0;
}

static int year_of(int64_t t)
{
	int y, m, d;
	ms_civil_from_days(t / 86400, &y, &m, &d);
	return y;
}

UT_TEST(clock_forward_gap_is_not_a_straggler)
{
	/* a sparse (grep'ed) log: February, then October of the same year */
	static const char *const s[] = { "Feb  3 10:00:00", "Oct  7 10:00:00", "Oct  8 10:00:00" };
	ms_yearstate y;
	int64_t t[3];
	utc();
	ms_year_init(&y);
	ms_year_begin(&y, 2026, 0);
	UT_EQ_INT(feed(&y, s, 3, t), 0);
	UT_EQ_INT(year_of(t[0]), 2026);
	UT_EQ_INT(year_of(t[1]), 2026);
	UT_EQ_INT(year_of(t[2]), 2026);
	UT_ASSERT(t[0] < t[1] && t[1] < t[2]);
}

UT_TEST(clock_straggler_across_new_year)
{
	/* reordered by seconds across the boundary, then more of January */
	static const char *const s[] = { "Dec 31 23:59:50", "Jan  1 00:00:02", "Dec 31 23:59:58",
					 "Jan  1 00:00:01", "Jan  1 00:05:00" };
	ms_yearstate y;
	int64_t t[5];
	utc();
	ms_year_init(&y);
	ms_year_begin(&y, 2025, 0);
	UT_EQ_INT(feed(&y, s, 5, t), 0);
	UT_EQ_INT(t[0], 1767225590); /* 2025-12-31T23:59:50Z */
	UT_EQ_INT(t[1], 1767225602); /* 2026-01-01T00:00:02Z */
	UT_EQ_INT(t[2], 1767225598); /* still 2025 */
	UT_EQ_INT(t[3], 1767225601); /* 2026, one second before its neighbour */
	UT_EQ_INT(t[4], 1767225900);
	UT_EQ_INT(y.rollovers, 1);
}

UT_TEST(clock_small_backward_steps_do_not_roll)
{
	static const char *const s[] = { "Mar  5 10:00:05", "Mar  5 10:00:03", "Mar  5 10:00:04",
					 "Mar  4 23:59:59", "Mar  5 10:00:06" };
	ms_yearstate y;
	int64_t t[5];
	utc();
	ms_year_init(&y);
	ms_year_begin(&y, 2026, 0);
	UT_EQ_INT(feed(&y, s, 5, t), 0);
	for (int i = 0; i < 5; i++)
		UT_EQ_INT(year_of(t[i]), 2026);
	UT_EQ_INT(y.rollovers, 0);
}

UT_TEST(clock_two_rollovers)
{
	static const char *const s[] = { "Nov 30 10:00:00", "Jan  2 10:00:00", "Jul  1 10:00:00",
					 "Dec 31 10:00:00", "Jan  1 10:00:00" };
	ms_yearstate y;
	int64_t t[5];
	utc();
	ms_year_init(&y);
	ms_year_begin(&y, 2024, 0);
	UT_EQ_INT(feed(&y, s, 5, t), 0);
	UT_EQ_INT(year_of(t[0]), 2024);
	UT_EQ_INT(year_of(t[1]), 2025);
	UT_EQ_INT(year_of(t[2]), 2025);
	UT_EQ_INT(year_of(t[3]), 2025);
	UT_EQ_INT(year_of(t[4]), 2026);
	UT_EQ_INT(y.rollovers, 2);
}

UT_TEST(clock_anchor_picks_latest_year_not_in_future)
{
	static const char *const s[] = { "Dec 28 10:00:00", "Jan  3 09:00:00" };
	ms_yearstate y;
	int64_t t[2];
	utc();
	ms_year_init(&y);
	/* file modified 2026-01-03T09:00:00Z: December is 2025 */
	ms_year_begin(&y, 0, 1767430800);
	UT_EQ_INT(feed(&y, s, 2, t), 0);
	UT_EQ_INT(year_of(t[0]), 2025);
	UT_EQ_INT(year_of(t[1]), 2026);
	/* Feb 29 exists only in leap years: anchored in 2026 it is 2024 */
	{
		ms_tzcache c;
		ms_stamp ts;
		ms_tzcache_init(&c);
		ms_stamp_parse(ms_sv_cstr("Feb 29 12:00:00"), &ts);
		UT_EQ_INT(ms_year_for_anchor(&c, &ts, 1767430800), 2024);
	}
}

UT_TEST(clock_zone_and_dst)
{
	ms_tzcache c;
	ms_yearstate y;
	ms_stamp ts;
	int64_t t;
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	ms_tzcache_init(&c);
	ms_year_init(&y);
	ms_year_begin(&y, 2026, 0);
	ms_stamp_parse(ms_sv_cstr("Feb  3 10:15:01"), &ts);
	UT_EQ_INT(ms_stamp_to_utc(&c, &y, &ts, &t), 0);
	UT_EQ_INT(t, 1770110101); /* CET: 09:15:01Z */
	ms_stamp_parse(ms_sv_cstr("Jul 14 10:00:00"), &ts);
	UT_EQ_INT(ms_stamp_to_utc(&c, &y, &ts, &t), 0);
	UT_EQ_INT(t, 1784023200 - 7200); /* CEST: 08:00:00Z */
	/* an explicit offset ignores the zone */
	ms_stamp_parse(ms_sv_cstr("2026-02-03T10:15:01+0100"), &ts);
	UT_EQ_INT(ms_stamp_to_utc(&c, &y, &ts, &t), 0);
	UT_EQ_INT(t, 1770110101);
	utc();
}

UT_TEST(clock_repeated_hour_in_log_order)
{
	/* Europe/Berlin 2026-10-25: 03:00 CEST -> 02:00 CET.  The earlier
	 * reading whatever mktime() was asked before (glibc's answer for an
	 * ambiguous time depends on it); the later one once the stamp goes
	 * back by more than 30 minutes, and for the rest of that hour */
	static const char *const s[] = { "Oct 25 02:50:00", "Oct 25 02:59:59", "Oct 25 02:05:00",
					 "Oct 25 02:40:00", "Oct 25 02:39:58", "Oct 25 03:00:01" };
	static const int64_t want[] = { 1792889400, 1792889999, 1792890300, 1792892400, 1792892398, 1792893601 };
	ms_yearstate y;
	int64_t t[6];
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	struct tm tm = { .tm_year = 126, .tm_mon = 11, .tm_mday = 1, .tm_isdst = -1 };
	(void)mktime(&tm);
	ms_year_init(&y);
	ms_year_begin(&y, 2026, 0);
	UT_EQ_INT(feed(&y, s, 6, t), 0);
	for (int i = 0; i < 6; i++)
		UT_EQ_INT(t[i], want[i]);
	utc();
}
