/* SPDX-License-Identifier: MIT */
/*
 * bigmem.h - large zeroed buffers for the reports (tables of a whole
 * database's rows, per-address arrays).  From 1 MiB up they are their own
 * anonymous mappings, marked for transparent huge pages where the kernel
 * offers them on request (madvise mode): one fault per 2 MiB instead of
 * one per 4 KiB page, which on a VM costs ~10 us each (report --by ip on
 * the 1 GB benchmark database touched ~120 MB).  Smaller ones come from
 * malloc.  Where huge pages are off, this is plain mmap'd memory.
 */
#ifndef MS_BIGMEM_H
#define MS_BIGMEM_H

#include <stddef.h>
#include <stdio.h>

/* n zeroed bytes (at least 1), 16-aligned; NULL when out of memory */
void *ms_big_calloc(size_t n);
/* grows (or shrinks) p to n bytes; new bytes are zero; NULL (p kept) when out of memory */
void *ms_big_realloc(void *p, size_t n);
void ms_big_free(void *p);

/* a growing buffer in big memory, written through a stdio stream or
 * directly after ms_big_buf_reserve() (for buffers of many MB, where
 * open_memstream's doubling reallocs fault in every page two or three times) */
typedef struct {
	char *p;          /* ms_big_free() it; NULL until something is written */
	size_t len, cap;
	int failed;       /* out of memory (a stream then reported a write error) */
} ms_big_buf;

/* room for n more bytes in b (doubling from 1 MiB); 0, or -1 with failed set
 * (also once it is set) */
int ms_big_buf_reserve(ms_big_buf *b, size_t n);
/* a write-only stream appending to b (zeroed first); ftello works; NULL when out of memory */
FILE *ms_big_stream(ms_big_buf *b);

#endif
