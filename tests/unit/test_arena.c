/* SPDX-License-Identifier: MIT */
/* The report arena: aligned pieces that stay put, big pieces, kept malloc
 * blocks and moves between arenas, all freed by one ms_arena_free() (the
 * sanitizer build checks for leaks and overruns). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ut.h"
#include "../../report/arena.h"

UT_TEST(arena_pieces_stay_put)
{
	ms_arena a = { 0 };
	enum { N = 20000 };
	char **p = malloc(N * sizeof *p);
	UT_ASSERT(p != NULL);
	for (int i = 0; i < N; i++) {
		char s[64];
		/* mostly short strings, now and then one bigger than a quarter block */
		size_t n = (size_t)snprintf(s, sizeof s, "piece-%d", i);
		if (i % 997 == 0) {
			size_t big = 20000 + (size_t)i;
			p[i] = ms_arena_alloc(&a, big);
			UT_ASSERT(p[i] != NULL);
			memset(p[i], 'x', big);
			p[i][big - 1] = 0;
			continue;
		}
		p[i] = ms_arena_strndup(&a, s, n);
		UT_ASSERT(p[i] != NULL);
		UT_ASSERT(((uintptr_t)p[i] & 15) == 0);
	}
	for (int i = 0; i < N; i++) {
		if (i % 997 == 0) {
			UT_EQ_INT(strlen(p[i]), 20000 + i - 1);
			continue;
		}
		char s[64];
		snprintf(s, sizeof s, "piece-%d", i);
		UT_EQ_STR(p[i], s);
	}
	free(p);
	ms_arena_free(&a);
	UT_ASSERT(a.head == NULL);
	ms_arena_free(&a); /* twice is harmless */
}

UT_TEST(arena_keep_and_move)
{
	ms_arena a = { 0 }, b = { 0 }, empty = { 0 };
	char *kept = strdup("kept block");
	UT_ASSERT(kept != NULL);
	UT_EQ_INT(ms_arena_keep(&b, kept), 0);          /* into an empty arena */
	char *s1 = ms_arena_strdup(&b, "after keep");
	char *s0 = ms_arena_strdup(&a, "in a");
	UT_ASSERT(s1 && s0);
	char *kept2 = strdup("kept behind the head");
	UT_ASSERT(kept2 != NULL);
	UT_EQ_INT(ms_arena_keep(&a, kept2), 0);         /* behind a's head */
	char *s2 = ms_arena_strdup(&a, "a goes on in its head block");
	ms_arena_move(&a, &b);
	UT_ASSERT(b.head == NULL);
	ms_arena_move(&a, &empty);                       /* nothing to move */
	char *s3 = ms_arena_strdup(&a, "after the move");
	ms_arena_move(&b, &a);                           /* into an empty arena */
	UT_ASSERT(a.head == NULL);
	UT_EQ_STR(kept, "kept block");
	UT_EQ_STR(kept2, "kept behind the head");
	UT_EQ_STR(s0, "in a");
	UT_EQ_STR(s1, "after keep");
	UT_EQ_STR(s2, "a goes on in its head block");
	UT_EQ_STR(s3, "after the move");
	/* the pieces moved still belong to one arena: freeing it frees all */
	ms_arena_free(&b);
	ms_arena_free(&a);
}
