/* SPDX-License-Identifier: MIT */
/*
 * prefetch.h - decompress an input on a thread of its own, ahead of the parser.
 *
 * A compressed source costs the parsing thread its decompression (zstd ~1.2 s,
 * gzip ~2.5 s per GB here).  ms_prefetch reads the input on another thread
 * into a small ring of chunks (MS_PREFETCH_CHUNKS x MS_PREFETCH_CHUNK bytes),
 * so that decompression overlaps parsing and writing.  Reading from it gives
 * the same bytes, the same end (0) and the same error (-1, with the message
 * in ms_input_error() of the input) as ms_input_read(), in the same order:
 * every byte decoded before damage comes first.
 * ingest uses it for compressed files of 256 KiB and more (not for pipes:
 * ms_prefetch_stop() waits for a read in progress to return).
 *
 * Ownership: ms_prefetch_start() takes no ownership of the input: the caller
 * calls ms_prefetch_stop() (which stops and joins the thread) before
 * ms_input_close().  Between start and stop only the prefetch thread reads
 * the input.  ms_prefetch_start() returns NULL when no thread or memory can
 * be had: the caller then reads the input itself.
 */
#ifndef MS_PREFETCH_H
#define MS_PREFETCH_H

#include <sys/types.h>
#include "../input/source.h"

#define MS_PREFETCH_CHUNK (512u * 1024u)
#define MS_PREFETCH_CHUNKS 4

typedef struct ms_prefetch ms_prefetch;

ms_prefetch *ms_prefetch_start(ms_input *in);
/* as ms_input_read(): > 0 bytes, 0 at the end, -1 on error (every later call too) */
ssize_t ms_prefetch_read(ms_prefetch *p, void *buf, size_t cap);
/* stop and join the thread, free; returns the CPU seconds the thread used (0 for NULL) */
double ms_prefetch_stop(ms_prefetch *p);

#endif
