/* SPDX-License-Identifier: MIT */
/* The string -> id map the store interns with: lookups after growth, keys
 * that differ only in length or share a prefix, NUL bytes inside keys, the
 * empty key, updates, clear (memory kept, keys gone) and iteration. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "ut.h"
#include "../../util/strmap.h"

UT_TEST(strmap_many_keys_survive_growth)
{
	ms_strmap m;
	ms_strmap_init(&m);
	enum { N = 100000 };
	for (int i = 0; i < N; i++) {
		char k[48];
		int n = snprintf(k, sizeof k, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		UT_EQ_INT(ms_strmap_put(&m, k, (size_t)n, i + 1), 0);
	}
	UT_EQ_INT(m.n, N);
	for (int i = 0; i < N; i++) {
		char k[48];
		int64_t v = 0;
		int n = snprintf(k, sizeof k, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		UT_EQ_INT(ms_strmap_get(&m, k, (size_t)n, &v), 1);
		UT_EQ_INT(v, i + 1);
		/* an extension of a present key is absent */
		k[n] = '.';
		UT_EQ_INT(ms_strmap_get(&m, k, (size_t)n + 1, &v), 0);
	}
	int64_t v;
	UT_EQ_INT(ms_strmap_get(&m, "10.0.0.0x", 9, &v), 0);
	UT_EQ_INT(ms_strmap_get(&m, "11.0.0.0", 8, &v), 0);
	ms_strmap_release(&m);
}

UT_TEST(strmap_odd_keys)
{
	ms_strmap m;
	int64_t v = 0;
	ms_strmap_init(&m);
	UT_EQ_INT(ms_strmap_get(&m, "a", 1, &v), 0); /* empty map */
	UT_EQ_INT(ms_strmap_put(&m, "", 0, 7), 0);
	UT_EQ_INT(ms_strmap_put(&m, "a\0b", 3, 8), 0);
	UT_EQ_INT(ms_strmap_put(&m, "a\0c", 3, 9), 0);
	UT_EQ_INT(ms_strmap_put(&m, "a", 1, 10), 0);
	char big[5000];
	memset(big, 'z', sizeof big);
	UT_EQ_INT(ms_strmap_put(&m, big, sizeof big, 11), 0);
	UT_EQ_INT(ms_strmap_get(&m, "", 0, &v), 1);
	UT_EQ_INT(v, 7);
	UT_EQ_INT(ms_strmap_get(&m, "a\0b", 3, &v), 1);
	UT_EQ_INT(v, 8);
	UT_EQ_INT(ms_strmap_get(&m, "a\0c", 3, &v), 1);
	UT_EQ_INT(v, 9);
	UT_EQ_INT(ms_strmap_get(&m, "a", 1, &v), 1);
	UT_EQ_INT(v, 10);
	UT_EQ_INT(ms_strmap_get(&m, big, sizeof big, &v), 1);
	UT_EQ_INT(v, 11);
	UT_EQ_INT(ms_strmap_get(&m, big, sizeof big - 1, &v), 0);
	/* put on a present key updates its value */
	UT_EQ_INT(ms_strmap_put(&m, "a", 1, 12), 0);
	UT_EQ_INT(m.n, 5);
	UT_EQ_INT(ms_strmap_get(&m, "a", 1, &v), 1);
	UT_EQ_INT(v, 12);
	ms_strmap_release(&m);
}

typedef struct {
	int count;
	int64_t sum;
	int nul_terminated;
} each_acc;

static void each_cb(void *ctx, const char *k, size_t n, int64_t val)
{
	each_acc *a = ctx;
	a->count++;
	a->sum += val;
	a->nul_terminated &= k[n] == 0;
}

UT_TEST(strmap_clear_and_each)
{
	ms_strmap m;
	ms_strmap_init(&m);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 5000; i++) {
			char k[32];
			int n = snprintf(k, sizeof k, "r%d-key-%d", round, i);
			UT_EQ_INT(ms_strmap_put(&m, k, (size_t)n, i), 0);
		}
		each_acc a = { 0, 0, 1 };
		ms_strmap_each(&m, each_cb, &a);
		UT_EQ_INT(a.count, 5000);
		UT_EQ_INT(a.sum, 4999 * 5000 / 2);
		UT_EQ_INT(a.nul_terminated, 1);
		size_t cap = m.cap;
		ms_strmap_clear(&m);
		UT_EQ_INT(m.n, 0);
		UT_EQ_INT(m.cap, cap); /* the slots stay for the next keys */
		int64_t v;
		char k[32];
		int n = snprintf(k, sizeof k, "r%d-key-%d", round, 17);
		UT_EQ_INT(ms_strmap_get(&m, k, (size_t)n, &v), 0);
		a = (each_acc){ 0, 0, 1 };
		ms_strmap_each(&m, each_cb, &a);
		UT_EQ_INT(a.count, 0);
	}
	ms_strmap_release(&m);
	each_acc a = { 0, 0, 1 };
	ms_strmap_each(&m, each_cb, &a); /* a released map is empty */
	UT_EQ_INT(a.count, 0);
}
