/* SPDX-License-Identifier: MIT */
/*
 * arena.h - a bump allocator for the strings of one report.  A 125 k-row
 * report holds ~700 k strings; one malloc and one free each cost more than
 * building the rows.  Blocks are only ever freed all together; pointers
 * into them stay valid until ms_arena_free(), also after ms_arena_move().
 */
#ifndef MS_ARENA_H
#define MS_ARENA_H

#include <stddef.h>

typedef struct ms_arena_blk ms_arena_blk;

typedef struct {
	ms_arena_blk *head;  /* the block allocations go to; older ones follow */
} ms_arena;

/* n bytes aligned for any type, or NULL when out of memory */
void *ms_arena_alloc(ms_arena *a, size_t n);
/* a copy of s[0..n) with a NUL after it, or NULL when out of memory */
char *ms_arena_strndup(ms_arena *a, const char *s, size_t n);
char *ms_arena_strdup(ms_arena *a, const char *s);
/* mem (from malloc) is freed with the arena; returns -1 (mem freed) when out of memory */
int ms_arena_keep(ms_arena *a, void *mem);
/* the same for mem from ms_big_calloc() (bigmem.h) */
int ms_arena_keep_big(ms_arena *a, void *mem);
/* dst takes over every block of src (src is left empty) */
void ms_arena_move(ms_arena *dst, ms_arena *src);
void ms_arena_free(ms_arena *a);

#endif
