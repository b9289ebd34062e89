/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "bigmem.h"

/* every block starts with this header: how it was made and its usable size */
typedef struct {
	size_t size;   /* usable bytes */
	size_t mapped; /* bytes of the mapping (header included), 0 = malloc'd */
} hdr;

#define HDR_ROOM 16u /* sizeof(hdr) rounded to the alignment the callers need */
/* sanitizer builds keep everything on malloc, where the redzones are */
#if defined(__SANITIZE_ADDRESS__)
#define MAP_FROM SIZE_MAX
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAP_FROM SIZE_MAX
#endif
#endif
#ifndef MAP_FROM
#define MAP_FROM ((size_t)1 << 20)
#endif
#define HUGE ((size_t)2 << 20)

_Static_assert(sizeof(hdr) <= HDR_ROOM, "bigmem header");

static hdr *head_of(void *p) { return (hdr *)((char *)p - HDR_ROOM); }

static void *make(size_t n)
{
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - HDR_ROOM - HUGE)
		return NULL;
	size_t total = n + HDR_ROOM;
	hdr *h;
	if (n < MAP_FROM) {
		h = calloc(1, total);
		if (!h)
			return NULL;
		h->mapped = 0;
	} else {
		/* whole huge pages: the kernel then places the mapping on a huge page boundary */
		size_t len = (total + HUGE - 1) & ~(HUGE - 1);
		void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return NULL;
#ifdef MADV_HUGEPAGE
		madvise(m, len, MADV_HUGEPAGE); /* a hint: ignored where huge pages are off */
#endif
		h = m;
		h->mapped = len;
	}
	h->size = n;
	return (char *)h + HDR_ROOM;
}

void *ms_big_calloc(size_t n) { return make(n); }

void *ms_big_realloc(void *p, size_t n)
{
	if (!p)
		return make(n);
	hdr *h = head_of(p);
	if (n == 0)
		n = 1;
	/* a mapping's bytes past size are always zero: they never were written, or a shrink zeroed them */
	if (h->mapped && n + HDR_ROOM <= h->mapped) {
		if (n < h->size) {
			/* the partial page by hand; whole pages are given back (they read as zero
			 * again), not faulted in to be zeroed */
			char *from = (char *)p + n, *to = (char *)p + h->size;
			char *page = (char *)(((uintptr_t)from + 4095) & ~(uintptr_t)4095);
			if (page > to)
				page = to;
			memset(from, 0, (size_t)(page - from));
			if (to > page && madvise(page, (size_t)(to - page), MADV_DONTNEED) != 0)
				memset(page, 0, (size_t)(to - page));
		}
		h->size = n;
		return p;
	}
#ifdef MREMAP_MAYMOVE
	if (h->mapped && n >= MAP_FROM && n <= SIZE_MAX - HDR_ROOM - HUGE) {
		/* the kernel moves the pages instead of copying them (and faulting in the copy) */
		size_t len = (n + HDR_ROOM + HUGE - 1) & ~(HUGE - 1);
		void *m = mremap(h, h->mapped, len, MREMAP_MAYMOVE); /* the new tail comes zeroed */
		if (m != MAP_FAILED) {
			h = m;
			h->mapped = len;
			h->size = n;
#ifdef MADV_HUGEPAGE
			madvise(m, len, MADV_HUGEPAGE);
#endif
			return (char *)h + HDR_ROOM;
		}
	}
#endif
	void *q = make(n);
	if (!q)
		return NULL;
	memcpy(q, p, h->size < n ? h->size : n);
	ms_big_free(p);
	return q;
}

void ms_big_free(void *p)
{
	if (!p)
		return;
	hdr *h = head_of(p);
	if (h->mapped)
		munmap(h, h->mapped);
	else
		free(h);
}

int ms_big_buf_reserve(ms_big_buf *b, size_t n)
{
	if (b->failed)
		return -1;
	if (n <= b->cap - b->len)
		return 0;
	size_t nc = b->cap ? b->cap : ((size_t)1 << 20);
	while (nc - b->len < n) {
		if (nc > SIZE_MAX / 2) {
			b->failed = 1;
			return -1;
		}
		nc *= 2;
	}
	char *np = ms_big_realloc(b->p, nc);
	if (!np) {
		b->failed = 1;
		return -1;
	}
	b->p = np;
	b->cap = nc;
	return 0;
}

static ssize_t stream_write(void *cookie, const char *data, size_t n)
{
	ms_big_buf *b = cookie;
	if (ms_big_buf_reserve(b, n) != 0)
		return -1;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return (ssize_t)n;
}

/* only what ftello asks: where the end is */
static int stream_seek(void *cookie, off64_t *pos, int whence)
{
	ms_big_buf *b = cookie;
	if (*pos != 0 || (whence != SEEK_CUR && whence != SEEK_END))
		return -1;
	*pos = (off64_t)b->len;
	return 0;
}

FILE *ms_big_stream(ms_big_buf *b)
{
	memset(b, 0, sizeof *b);
	return fopencookie(b, "w", (cookie_io_functions_t){ NULL, stream_write, stream_seek, NULL });
}
