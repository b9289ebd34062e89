/* SPDX-License-Identifier: MIT */
/*
 * rotate.h - order the members of rotated log sets oldest first.
 *
 * Files are grouped into sets by (directory, base name) where the base name
 * is the path with its rotation suffix removed:
 *   maillog            live file                      (newest)
 *   maillog.N[.ext]    numeric suffix, larger N = older
 *   maillog-YYYYMMDD[HH[MM[SS]]][.ext], maillog.YYYYMMDD..., maillog-YYYY-MM-DD,
 *   maillog-YYYYMMDD-SECONDS (logrotate "dateformat -%Y%m%d-%s", by the seconds)
 *                      date suffix, earlier date = older
 * where .ext is a compression extension (.gz .bz2 .xz .lzma .zst .lz4 .Z).
 * Within a set: date-suffixed files ascending, then numeric-suffixed files
 * descending, then the live file.  (When both a numeric and a date group exist
 * and mtimes are known, the group whose newest mtime is older goes first.)
 * Sets keep the order in which their first member appeared in the input.
 * Archive members (spec->member != NULL) are grouped by archive path + member
 * base name in the same way.
 *
 * The sort is stable and does not touch the file system.
 */
#ifndef MS_ROTATE_H
#define MS_ROTATE_H

#include <stddef.h>
#include "source.h"

void ms_rotate_sort(ms_stream_spec *specs, size_t n);

/* For --verbose: the rank explanation of one spec ("live", "numeric 2", "date 20260101"). */
void ms_rotate_describe(const ms_stream_spec *spec, char *buf, size_t buflen);

/* The set a stream belongs to (archive + directory + base name), for grouping. */
void ms_rotate_set_key(const ms_stream_spec *spec, char *buf, size_t buflen);

#endif
