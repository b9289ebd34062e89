/* SPDX-License-Identifier: MIT */
/* ms_fmt_time's hand-written digits against the strftime() formatting it
 * replaced, across zones with whole-hour, half-hour, negative and
 * historical (LMT, seconds-precision) offsets and DST changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ut.h"
#include "../../report/table.h"

/* TZ as the test found it (NULL: unset), for tz_restore() */
static char *tz_save(void)
{
	const char *old = getenv("TZ");
	return old ? strdup(old) : NULL;
}

static void tz_restore(char *saved)
{
	if (saved) {
		setenv("TZ", saved, 1);
		free(saved);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

/* the formatting before the fast path */
static void ref_fmt(int64_t ts, char *buf, size_t cap)
{
	struct tm tm;
	time_t t = (time_t)ts;
	long off;
	if (!localtime_r(&t, &tm)) {
		snprintf(buf, cap, "%lld", (long long)ts);
		return;
	}
	off = tm.tm_gmtoff;
	if (off == 0) {
		strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
		return;
	}
	char b[40];
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, cap, "%s%c%02ld:%02ld", b, off < 0 ? '-' : '+', labs(off) / 3600, (labs(off) % 3600) / 60);
}

UT_TEST(fmt_time_matches_strftime)
{
	static const char *zones[] = { "UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Adelaide",
				       "America/St_Johns", "Pacific/Chatham", "Asia/Kathmandu", "Europe/Amsterdam" };
	static const int64_t fixed[] = { 1, 59, 86399, 946684799, 946684800, 1711846799, 1711846800, 1711850400,
					 1729990800, 2147483647, 4102444800LL, 253402300799LL, 253402300800LL,
					 -1, -2208988800LL, -62135596800LL, -62135596801LL };
	char *saved = tz_save();
	for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		setenv("TZ", zones[z], 1);
		tzset();
		uint64_t x = 0x9e3779b97f4a7c15ULL;
		for (int i = 0; i < 20000; i++) {
			int64_t ts;
			if (i < (int)(sizeof fixed / sizeof fixed[0])) {
				ts = fixed[i];
			} else {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				ts = (int64_t)(x % 4102444800ULL); /* 1970 .. 2100 */
			}
			char a[64], b[64];
			ms_fmt_time(ts, a, sizeof a);
			ref_fmt(ts, b, sizeof b);
			if (strcmp(a, b) != 0) {
				ut_fail(__FILE__, __LINE__, "%s %lld: %s != %s", zones[z], (long long)ts, a, b);
				goto out;
			}
		}
	}
	/* a short buffer is cut as snprintf cuts */
	setenv("TZ", "UTC", 1);
	tzset();
	char small[8];
	ms_fmt_time(0, small, sizeof small);
	UT_ASSERT(strlen(small) < sizeof small);
out:
	tz_restore(saved);
}

/* ms_fmt_time_m (an hour's offset remembered) against ms_fmt_time: in time
 * order through a year of DST changes in steps of 601 s (the memo hits), at
 * random (it misses), on either side of the changes, and in zones with
 * half-hour DST (Lord Howe), LMT seconds offsets and leap seconds (right/). */
UT_TEST(fmt_time_memo_matches)
{
	static const char *zones[] = { "UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
				       "Asia/Kathmandu", "America/St_Johns", "Europe/Amsterdam", "right/Europe/Berlin",
				       "Pacific/Chatham" };
	char *saved = tz_save();
	for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		setenv("TZ", zones[z], 1);
		tzset();
		static ms_time_memo m;
		memset(&m, 0, sizeof m);
		uint64_t x = 0x2545f4914f6cdd1dULL;
		for (int i = 0; i < 120000; i++) {
			int64_t ts;
			if (i < 55000)
				ts = 1704067200LL + (int64_t)i * 601; /* 2024, in order */
			else if (i < 60000)
				ts = -1640995200LL + (int64_t)(i - 55000) * 3599; /* 1918: LMT and old rules */
			else if (i < 100000) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				ts = (int64_t)(x % 4102444800ULL) - 2208988800LL; /* 1900 .. 2060 */
			} else {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				ts = 1711846800LL + (int64_t)(x % 7200) - 3600; /* around Europe's 2024 change */
			}
			char a[64], b[64];
			ms_fmt_time_m(&m, ts, a, sizeof a);
			ms_fmt_time(ts, b, sizeof b);
			if (strcmp(a, b) != 0) {
				ut_fail(__FILE__, __LINE__, "%s %lld: %s != %s", zones[z], (long long)ts, a, b);
				goto out;
			}
		}
		/* far out of range and a short buffer: as ms_fmt_time */
		int64_t far[] = { INT64_MIN / 2, -((int64_t)1 << 41), (int64_t)1 << 41, 253402300800LL };
		for (size_t k = 0; k < sizeof far / sizeof far[0]; k++) {
			char a[64], b[64];
			ms_fmt_time_m(&m, far[k], a, sizeof a);
			ms_fmt_time(far[k], b, sizeof b);
			UT_EQ_STR(a, b);
			ms_fmt_time_m(&m, far[k], a, 10);
			ms_fmt_time(far[k], b, 10);
			UT_EQ_STR(a, b);
		}
	}
out:
	tz_restore(saved);
}
