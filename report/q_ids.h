/* SPDX-License-Identifier: MIT */
/*
 * q_ids.h - an id -> text table (ips, accounts, strings) read in one scan,
 * for reports that aggregate in C after sequential table scans instead of
 * asking SQLite for GROUP BYs through an index (an index walk with a table
 * lookup per row is 3-10x slower than a scan on the 8 M-line database).
 *
 * Ids are dense in databases mailsleuth writes; a sparse table (hand-made or
 * edited database) is still handled, with a binary search instead of direct
 * indexing, so memory stays proportional to the rows.
 */
#ifndef MS_Q_IDS_H
#define MS_Q_IDS_H

#include <stdint.h>
#include <sqlite3.h>
#include "arena.h"

typedef struct {
	int64_t *id;     /* ascending */
	char **text;     /* NULL where the column was NULL; the strings live in pool */
	ms_arena pool;   /* a report may ms_arena_move() it into its table and keep pointing at text */
	int n;
	int dense;       /* id[i] == id[0] + i for every i */
} ms_ids;

/* sql: "SELECT id, text FROM t ORDER BY id"; returns 0, or -1 with err set */
int ms_ids_load(sqlite3 *db, const char *sql, ms_ids *out, char *err, size_t errlen);
/* the index of id in the table, or -1 */
int ms_ids_find(const ms_ids *t, int64_t id);
void ms_ids_free(ms_ids *t);

#endif
