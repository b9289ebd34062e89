/* SPDX-License-Identifier: MIT */
/* arena.c - bump allocation for report strings (see arena.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"
#include "bigmem.h"

enum { BLK_MIN = 64 * 1024, ALIGN = 16 };

struct ms_arena_blk {
	ms_arena_blk *next;
	char *mem;
	size_t used, cap;
	int big; /* mem is from ms_big_calloc(), not malloc() */
};

static ms_arena_blk *blk_push(ms_arena *a, char *mem, size_t used, size_t cap)
{
	ms_arena_blk *b = malloc(sizeof *b);
	if (!b)
		return NULL;
	*b = (ms_arena_blk){ a->head, mem, used, cap, 0 };
	a->head = b;
	return b;
}

void *ms_arena_alloc(ms_arena *a, size_t n)
{
	ms_arena_blk *b = a->head;
	size_t at;
	if (n > SIZE_MAX / 2)
		return NULL;
	if (b) {
		at = (b->used + ALIGN - 1) & ~(size_t)(ALIGN - 1);
		if (at <= b->cap && b->cap - at >= n) {
			b->used = at + n;
			return b->mem + at;
		}
	}
	if (n > BLK_MIN / 4 && b) {
		/* a large piece gets a block of its own, of its size, behind the
		 * current one, so the current block's free space is not given up */
		char *mem = malloc(n);
		ms_arena_blk *own = mem ? malloc(sizeof *own) : NULL;
		if (!own) {
			free(mem);
			return NULL;
		}
		*own = (ms_arena_blk){ b->next, mem, n, n, 0 };
		b->next = own;
		return mem;
	}
	size_t cap = n > BLK_MIN ? n : BLK_MIN;
	char *mem = malloc(cap);
	if (!mem)
		return NULL;
	if (!blk_push(a, mem, n, cap)) {
		free(mem);
		return NULL;
	}
	return mem;
}

char *ms_arena_strndup(ms_arena *a, const char *s, size_t n)
{
	char *d = ms_arena_alloc(a, n + 1);
	if (!d)
		return NULL;
	if (n)
		memcpy(d, s, n);
	d[n] = 0;
	return d;
}

char *ms_arena_strdup(ms_arena *a, const char *s)
{
	return ms_arena_strndup(a, s, strlen(s));
}

static int keep(ms_arena *a, void *mem, int big)
{
	ms_arena_blk *b = malloc(sizeof *b);
	if (!b) {
		if (big)
			ms_big_free(mem);
		else
			free(mem);
		return -1;
	}
	/* full, and behind the head so allocations keep going to the head */
	if (a->head) {
		*b = (ms_arena_blk){ a->head->next, mem, 0, 0, big };
		a->head->next = b;
	} else {
		*b = (ms_arena_blk){ NULL, mem, 0, 0, big };
		a->head = b;
	}
	return 0;
}

int ms_arena_keep(ms_arena *a, void *mem) { return keep(a, mem, 0); }

int ms_arena_keep_big(ms_arena *a, void *mem) { return keep(a, mem, 1); }

void ms_arena_move(ms_arena *dst, ms_arena *src)
{
	ms_arena_blk *last = src->head;
	if (!last)
		return;
	while (last->next)
		last = last->next;
	/* src's blocks go behind dst's head: dst keeps allocating where it was */
	if (dst->head) {
		last->next = dst->head->next;
		dst->head->next = src->head;
	} else {
		dst->head = src->head;
	}
	src->head = NULL;
}

void ms_arena_free(ms_arena *a)
{
	for (ms_arena_blk *b = a->head, *n; b; b = n) {
		n = b->next;
		if (b->big)
			ms_big_free(b->mem);
		else
			free(b->mem);
		free(b);
	}
	a->head = NULL;
}
