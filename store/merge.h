/* SPDX-License-Identifier: MIT */
/*
 * merge.h - another mailsleuth database's rows added to this one: every
 * host's database on one machine, for one report (mailsleuth merge).
 */
#ifndef MS_MERGE_H
#define MS_MERGE_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

typedef struct {
	int64_t sources, sources_skipped; /* merged; already in this database (the same log) */
	int64_t sessions, auth_events, messages, rejects, postscreen, backend_events;
	int64_t hmac_dropped;             /* password fingerprints under another key: not kept */
} ms_merge_stats;

/*
 * Add the rows of the mailsleuth database at path (checked by the caller)
 * to db, a database opened for writing, in one transaction: sources this
 * database already has (the same first bytes) are left out with their rows,
 * ids move past this database's, names and addresses are found by value.
 * Password fingerprints (pw_hmac) are kept only when both databases have the
 * same key; a database without auth events yet takes the key of the first
 * one merged into it.  The saved session state of path is not merged (its open
 * sessions are rows already).  0, or -1 with err set (nothing merged).
 */
int ms_store_merge(sqlite3 *db, const char *path, ms_merge_stats *st, char *err, size_t errlen);

#endif
