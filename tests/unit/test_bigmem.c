/* SPDX-License-Identifier: MIT */
/* Big report buffers: zeroed, aligned, contents kept when they grow across
 * the malloc / mapping boundary, new bytes zero; the stream writes through
 * stdio, ftello gives offsets into it (the sanitizer build checks the frees). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "ut.h"
#include "../../report/bigmem.h"

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

UT_TEST(bigmem_grow_keeps_and_zeroes)
{
	size_t sizes[] = { 0, 1, 1000, (1u << 20) - 17, (1u << 20) + 5, 3u << 20, 9u << 20 };
	unsigned char *p = ms_big_calloc(sizes[0]);
	size_t have = 0;
	UT_ASSERT(p != NULL);
	for (size_t k = 1; k < sizeof sizes / sizeof *sizes; k++) {
		size_t n = sizes[k];
		p = ms_big_realloc(p, n);
		UT_ASSERT(p != NULL);
		UT_ASSERT(((uintptr_t)p & 15) == 0);
		for (size_t i = 0; i < have; i++) /* the old bytes, as written */
			if (p[i] != (unsigned char)(i * 7 + 1))
				UT_ASSERT(0);
		UT_ASSERT(all_zero(p + have, n - have));
		for (size_t i = have; i < n; i++)
			p[i] = (unsigned char)(i * 7 + 1);
		have = n;
	}
	/* shrink, then grow inside the same mapping: the regained tail is zero again */
	p = ms_big_realloc(p, 2u << 20);
	UT_ASSERT(p != NULL);
	p = ms_big_realloc(p, 3u << 20);
	UT_ASSERT(p != NULL);
	UT_ASSERT(all_zero(p + (2u << 20), 1u << 20));
	UT_EQ_INT(p[12345], (unsigned char)(12345 * 7 + 1));
	/* dirty the tail, shrink, then grow past the mapping (mremap moves the pages):
	 * the bytes past the shrunk size are zero, the ones before it kept */
	memset(p + (2u << 20), 0x5a, 1u << 20);
	p = ms_big_realloc(p, (2u << 20) + 100);
	UT_ASSERT(p != NULL);
	p = ms_big_realloc(p, 40u << 20);
	UT_ASSERT(p != NULL);
	UT_EQ_INT(p[(2u << 20) + 99], 0x5a);
	UT_ASSERT(all_zero(p + (2u << 20) + 100, (40u << 20) - (2u << 20) - 100));
	UT_EQ_INT(p[12345], (unsigned char)(12345 * 7 + 1));
	ms_big_free(p);
	ms_big_free(NULL);
	unsigned char *z = ms_big_calloc(5u << 20);
	UT_ASSERT(z != NULL);
	UT_ASSERT(all_zero(z, 5u << 20));
	ms_big_free(z);
}

UT_TEST(bigmem_stream_offsets)
{
	ms_big_buf b;
	FILE *f = ms_big_stream(&b);
	long at[3000];
	UT_ASSERT(f != NULL);
	for (int i = 0; i < 3000; i++) {
		at[i] = (long)ftello(f);
		/* ~1.2 KB each: the buffer passes the 1 MiB mapping threshold and grows twice */
		for (int k = 0; k < 100; k++)
			fprintf(f, "%05d-%04d|", i, k);
		fputc(0, f);
	}
	UT_EQ_INT(fclose(f), 0);
	UT_EQ_INT(b.failed, 0);
	UT_EQ_INT(b.len, 3000u * 1101u);
	for (int i = 0; i < 3000; i++) {
		char want[16];
		snprintf(want, sizeof want, "%05d-0000|", i);
		UT_EQ_INT(at[i], (long)i * 1101);
		UT_ASSERT(memcmp(b.p + at[i], want, 11) == 0);
		UT_EQ_INT(strlen(b.p + at[i]), 1100);
	}
	ms_big_free(b.p);
	/* nothing written: no buffer */
	f = ms_big_stream(&b);
	UT_ASSERT(f != NULL);
	UT_EQ_INT(fclose(f), 0);
	UT_ASSERT(b.p == NULL);
}
