/* SPDX-License-Identifier: MIT */
#ifndef MS_SCHEMA_H
#define MS_SCHEMA_H
extern const char ms_schema_sql[];
extern const char ms_index_sql[];
extern const char ms_schema_added_sql[];
extern const char ms_index_drop_sql[];
#endif
