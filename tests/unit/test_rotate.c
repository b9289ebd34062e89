/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include "ut.h"
#include "../../input/rotate.h"

/* Fill specs from names ("archive|member" makes an archive member). */
static void mk_specs(ms_stream_spec *s, const char *const *names, const int64_t *mtimes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *bar = strchr(names[i], '|');
		if (bar) {
			s[i].path = strndup(names[i], (size_t)(bar - names[i]));
			s[i].member = strdup(bar + 1);
		} else {
			s[i].path = strdup(names[i]);
			s[i].member = NULL;
		}
		s[i].mtime = mtimes ? mtimes[i] : -1;
		s[i].size = -1;
		s[i].list_error = NULL;
	}
}

static void free_specs(ms_stream_spec *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].path);
		free(s[i].member);
	}
}

/* Sort names and return 1 if the result equals want (member names compared for members). */
static int sorted_is(const char *const *names, const int64_t *mtimes, size_t n, const char *const *want)
{
	ms_stream_spec s[16];
	int ok = 1;
	mk_specs(s, names, mtimes, n);
	ms_rotate_sort(s, n);
	for (size_t i = 0; i < n; i++) {
		const char *got = s[i].member ? s[i].member : s[i].path;
		if (strcmp(got, want[i]) != 0) {
			ok = 0;
			printf("    position %zu: got %s, want %s\n", i, got, want[i]);
		}
	}
	free_specs(s, n);
	return ok;
}

static int next_perm(size_t *a, size_t n)
{
	size_t i = n - 1, j;
	while (i > 0 && a[i - 1] >= a[i])
		i--;
	if (i == 0)
		return 0;
	j = n - 1;
	while (a[j] <= a[i - 1])
		j--;
	size_t t = a[i - 1];
	a[i - 1] = a[j];
	a[j] = t;
	for (size_t l = i, r = n - 1; l < r; l++, r--) {
		t = a[l];
		a[l] = a[r];
		a[r] = t;
	}
	return 1;
}

UT_TEST(rotate_numeric_all_permutations)
{
	const char *want[] = { "maillog.10.gz", "maillog.3", "maillog.2.gz", "maillog.1", "maillog" };
	size_t perm[5] = { 0, 1, 2, 3, 4 };
	int count = 0;
	do {
		const char *in[5];
		for (size_t i = 0; i < 5; i++)
			in[i] = want[perm[i]];
		UT_ASSERT(sorted_is(in, NULL, 5, want));
		count++;
	} while (next_perm(perm, 5));
	UT_EQ_INT(count, 120);
}

UT_TEST(rotate_dates)
{
	const char *in[] = { "maillog-20260108.gz", "maillog", "maillog-20260101.zst" };
	const char *want[] = { "maillog-20260101.zst", "maillog-20260108.gz", "maillog" };
	UT_ASSERT(sorted_is(in, NULL, 3, want));
}

UT_TEST(rotate_date_formats)
{
	const char *in[] = { "maillog", "maillog-2026010112.xz", "maillog-2026-01-01.gz",
			     "maillog.20251231", "maillog-20260101000001.bz2", "maillog-2026010109" };
	const char *want[] = { "maillog.20251231", "maillog-2026-01-01.gz", "maillog-20260101000001.bz2",
			       "maillog-2026010109", "maillog-2026010112.xz", "maillog" };
	UT_ASSERT(sorted_is(in, NULL, 6, want));
}

/* logrotate's "dateformat -%Y%m%d-%s": ordered by the epoch seconds, with plain dates */
UT_TEST(rotate_date_epoch_seconds)
{
	const char *in[] = { "maillog", "maillog-20261205-1796515200", "maillog-20261204-1796428800.gz",
			     "maillog-20261205-1796472000", "maillog-20261203" };
	const char *want[] = { "maillog-20261203", "maillog-20261204-1796428800.gz", "maillog-20261205-1796472000",
			       "maillog-20261205-1796515200", "maillog" };
	UT_ASSERT(sorted_is(in, NULL, 5, want));
}

UT_TEST(rotate_sets_by_directory)
{
	const char *in[] = { "/a/mail.log", "/b/mail.log.1", "/a/mail.log.1" };
	const char *want[] = { "/a/mail.log.1", "/a/mail.log", "/b/mail.log.1" };
	UT_ASSERT(sorted_is(in, NULL, 3, want));
}

UT_TEST(rotate_compressed_numeric_dotted_base)
{
	const char *in[] = { "mail.log", "mail.log.1.gz", "mail.log.2.gz", "mail.log.1" };
	const char *want[] = { "mail.log.2.gz", "mail.log.1.gz", "mail.log.1", "mail.log" };
	UT_ASSERT(sorted_is(in, NULL, 4, want));
}

UT_TEST(rotate_mixed_unknown_mtimes)
{
	const char *in[] = { "maillog", "maillog.1", "maillog-20260101.gz", "maillog.2.gz", "maillog-20251201" };
	const char *want[] = { "maillog-20251201", "maillog-20260101.gz", "maillog.2.gz", "maillog.1", "maillog" };
	UT_ASSERT(sorted_is(in, NULL, 5, want));
}

UT_TEST(rotate_mixed_known_mtimes)
{
	/* the numeric group is older (newest numeric mtime < newest date mtime) */
	const char *in[] = { "maillog", "maillog.1", "maillog-20260101.gz", "maillog.2.gz", "maillog-20251201" };
	const int64_t mt[] = { 5000, 2000, 4000, 1000, 3000 };
	const char *want[] = { "maillog.2.gz", "maillog.1", "maillog-20251201", "maillog-20260101.gz", "maillog" };
	UT_ASSERT(sorted_is(in, mt, 5, want));
	/* and the reverse: dates older than numbers */
	const int64_t mt2[] = { 5000, 4000, 2000, 3000, 1000 };
	const char *want2[] = { "maillog-20251201", "maillog-20260101.gz", "maillog.2.gz", "maillog.1", "maillog" };
	UT_ASSERT(sorted_is(in, mt2, 5, want2));
}

UT_TEST(rotate_unrelated_names_are_own_sets)
{
	const char *in[] = { "notes.txt", "maillog.bak", "maillog", "maillog.1" };
	const char *want[] = { "notes.txt", "maillog.bak", "maillog.1", "maillog" };
	UT_ASSERT(sorted_is(in, NULL, 4, want));
}

UT_TEST(rotate_set_order_first_appearance_and_stability)
{
	const char *in[] = { "x/b.log", "x/a.log.1", "x/b.log.1", "x/a.log", "-", "x/b.log.1" };
	const char *want[] = { "x/b.log.1", "x/b.log.1", "x/b.log", "x/a.log.1", "x/a.log", "-" };
	UT_ASSERT(sorted_is(in, NULL, 6, want));
}

UT_TEST(rotate_archive_members)
{
	ms_stream_spec s[5];
	const char *in[] = { "logs.tar|var/log/maillog", "logs.tar|var/log/maillog.1",
			     "other.tar|var/log/maillog.2.gz", "var/log/maillog.3",
			     "logs.tar|var/log/maillog.2.gz" };
	mk_specs(s, in, NULL, 5);
	ms_rotate_sort(s, 5);
	UT_EQ_STR(s[0].path, "logs.tar");
	UT_EQ_STR(s[0].member, "var/log/maillog.2.gz");
	UT_EQ_STR(s[1].member, "var/log/maillog.1");
	UT_EQ_STR(s[2].member, "var/log/maillog");
	UT_EQ_STR(s[3].path, "other.tar");
	UT_EQ_STR(s[4].path, "var/log/maillog.3");
	UT_ASSERT(s[4].member == NULL);
	free_specs(s, 5);
}

UT_TEST(rotate_describe)
{
	char b[64];
	ms_stream_spec s = { (char *)"/var/log/maillog-20260101.gz", NULL, -1, -1, NULL };
	ms_rotate_describe(&s, b, sizeof b);
	UT_EQ_STR(b, "date 20260101");
	s.path = (char *)"maillog-2026-01-02.gz";
	ms_rotate_describe(&s, b, sizeof b);
	UT_EQ_STR(b, "date 20260102");
	s.path = (char *)"maillog-2026010112.xz";
	ms_rotate_describe(&s, b, sizeof b);
	UT_EQ_STR(b, "date 2026010112");
	s.path = (char *)"mail.log.2.gz";
	ms_rotate_describe(&s, b, sizeof b);
	UT_EQ_STR(b, "numeric 2");
	s.path = (char *)"maillog";
	ms_rotate_describe(&s, b, sizeof b);
	UT_EQ_STR(b, "live");
	s.path = (char *)"maillog.bak";
	ms_rotate_describe(&s, b, sizeof b);
	UT_EQ_STR(b, "live");
	s.path = (char *)"maillog.99999999"; /* not a valid date: a number */
	ms_rotate_describe(&s, b, sizeof b);
	UT_EQ_STR(b, "numeric 99999999");
}
