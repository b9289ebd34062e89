/* SPDX-License-Identifier: MIT */
/*
 * pipe.h - run a record sink on a writer thread.
 *
 * The session tracker emits records through an ms_sink whose strings are
 * owned by the tracker and valid only during the callback.  ms_pipe gives
 * the tracker a sink that deep-copies every record (struct and strings) into
 * fixed-size batches; full batches go through a bounded queue to one writer
 * thread that replays them, in order, into the real sink (the store).  So
 * one core parses while the other writes SQLite.
 *
 * Memory is bounded: MS_PIPE_BATCH bytes per batch, MS_PIPE_DEPTH batches.
 * ms_pipe_drain() hands over the partial batch and waits until the writer has
 * written everything and is idle: only then may the caller use the real
 * sink's object (the store) from its own thread (commits, source rows).
 *
 * Ownership: ms_pipe_new() / ms_pipe_free() (drains, then joins).  The pipe
 * sink may be used by one producer thread.  Errors: ms_pipe_new() returns
 * NULL when the thread or memory cannot be had; the caller then writes
 * synchronously through the real sink.
 */
#ifndef MS_PIPE_H
#define MS_PIPE_H

#include "../parser/record.h"

#define MS_PIPE_BATCH (256u * 1024u)
#define MS_PIPE_DEPTH 8

typedef struct ms_pipe ms_pipe;

ms_pipe *ms_pipe_new(const ms_sink *real);
ms_sink ms_pipe_sink(ms_pipe *p);
void ms_pipe_drain(ms_pipe *p);
void ms_pipe_free(ms_pipe *p);

/* where the time went (ingest -v): CPU seconds of the writer thread, seconds it
 * waited for work, seconds the producer waited for a free batch */
typedef struct {
	double writer_cpu, writer_idle, producer_wait;
} ms_pipe_stats;
/* ms_pipe_free() that also reports the stats (stats may be NULL) */
void ms_pipe_finish(ms_pipe *p, ms_pipe_stats *stats);
/* CPU seconds (user + system) of the calling thread */
double ms_thread_cpu(void);

#endif
