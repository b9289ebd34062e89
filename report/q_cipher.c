/* SPDX-License-Identifier: MIT */
/*
 * q_cipher.c - report --by cipher: one row per negotiated TLS parameter set
 * (protocol, cipher, bits, trust) of inbound smtpd sessions, plus one row for
 * sessions that never established TLS.  Weak parameters are flagged with
 * short reason tokens (see ms_tls_weak_reasons and docs/reports.md).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "report.h"

enum { C_PROTO, C_CIPHER, C_BITS, C_ALGBITS, C_TRUST, C_SESS, C_IPS, C_FSESS, C_FAIL, C_OKSESS, C_WEAK,
       C_REASONS, C_FIRST, C_LAST, C__N };

static const ms_col cols[C__N] = {
	[C_PROTO] = { "protocol", "PROTOCOL", MS_COL_STR, 8, 0 },
	[C_CIPHER] = { "cipher", "CIPHER", MS_COL_STR, 24, 0 },
	[C_BITS] = { "bits", "BITS", MS_COL_INT, 0, 1 },
	[C_ALGBITS] = { "alg_bits", NULL, MS_COL_INT, 0, 0 },
	[C_TRUST] = { "trust", NULL, MS_COL_STR, 0, 0 },
	[C_SESS] = { "sessions", "SESS", MS_COL_INT, 0, 1 },
	[C_IPS] = { "ips", "IPS", MS_COL_INT, 0, 1 },
	[C_FSESS] = { "sessions_with_failures", "F.SESS", MS_COL_INT, 0, 1 },
	[C_FAIL] = { "auth_failures", "FAIL", MS_COL_INT, 0, 1 },
	[C_OKSESS] = { "sessions_with_successes", NULL, MS_COL_INT, 0, 0 },
	[C_WEAK] = { "weak", NULL, MS_COL_BOOL, 0, 0 },
	[C_REASONS] = { "weak_reasons", "WEAK", MS_COL_LIST, 18, 0 },
	[C_FIRST] = { "first_seen", NULL, MS_COL_TIME, 0, 0 },
	[C_LAST] = { "last_seen", NULL, MS_COL_TIME, 0, 0 },
};

int ms_tls_weak_reasons(const char *protocol, const char *cipher, int bits, const char **out, int max)
{
	int n = 0;
#define ADD(tok) do { if (n < max) out[n++] = (tok); } while (0)
	if (protocol) {
		if (!strcasecmp(protocol, "SSLv2"))
			ADD("SSLv2");
		else if (!strcasecmp(protocol, "SSLv3"))
			ADD("SSLv3");
		else if (!strcasecmp(protocol, "TLSv1") || !strcasecmp(protocol, "TLSv1.0"))
			ADD("TLSv1.0");
		else if (!strcasecmp(protocol, "TLSv1.1"))
			ADD("TLSv1.1");
	}
	if (cipher) {
		if (strstr(cipher, "RC4"))
			ADD("RC4");
		if (strstr(cipher, "DES-CBC3") || strstr(cipher, "3DES"))
			ADD("3DES");
		else if (strstr(cipher, "DES"))
			ADD("DES");
		if (strstr(cipher, "EXP"))
			ADD("EXPORT");
		if (strstr(cipher, "NULL") && !strstr(cipher, "aNULL"))
			ADD("NULL");
		if (!strncmp(cipher, "ADH", 3) || !strncmp(cipher, "AECDH", 5) || strstr(cipher, "aNULL") ||
		    strstr(cipher, "_anon_"))
			ADD("anonymous");
		if (strstr(cipher, "RC2"))
			ADD("RC2");
		if (strstr(cipher, "MD5"))
			ADD("MD5");
	}
	if (bits > 0 && bits < 128)
		ADD("<128bit");
#undef ADD
	return n;
}

static const char *sql_cipher =
	"SELECT t.protocol, t.cipher, t.bits, t.alg_bits, t.trust, count(*), count(DISTINCT s.ip_id),"
	" sum(s.auth_failures > 0), coalesce(sum(s.auth_failures), 0), sum(s.auth_successes > 0),"
	" min(s.start_ts), max(coalesce(s.end_ts, s.start_ts)),"
	" sum(coalesce(s.auth_failures, 0) + coalesce(s.auth_successes, 0) + coalesce(s.auth_aborts, 0) > 0)"
	" FROM sessions s LEFT JOIN tls_params t ON t.id = s.tls_id"
	" WHERE s.start_ts >= ?1 AND s.start_ts < ?2"
	" GROUP BY t.protocol, t.cipher, t.bits, t.alg_bits, t.trust"
	" ORDER BY t.cipher IS NULL, 6 DESC, 1, 2, 3, 5";

ms_table *ms_report_by_cipher(const ms_query *q, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	ms_table *t = ms_table_new(cols, C__N);
	int rc;
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (ms_q_prepare(q->db, sql_cipher, &st, err, errlen)) {
		ms_table_free(t);
		return NULL;
	}
	ms_q_bind_range(st, q, 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r = ms_table_add_row(t);
		const char *proto = (const char *)sqlite3_column_text(st, 0);
		const char *cipher = (const char *)sqlite3_column_text(st, 1);
		const char *why[12];
		int nwhy, tls = cipher != NULL || proto != NULL;
		if (r < 0)
			break;
		ms_cell_str(ms_table_cell(t, r, C_PROTO), tls ? proto : "none");
		ms_cell_str(ms_table_cell(t, r, C_CIPHER), cipher);
		if (sqlite3_column_type(st, 2) != SQLITE_NULL)
			ms_cell_int(ms_table_cell(t, r, C_BITS), sqlite3_column_int64(st, 2));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			ms_cell_int(ms_table_cell(t, r, C_ALGBITS), sqlite3_column_int64(st, 3));
		ms_cell_str(ms_table_cell(t, r, C_TRUST), (const char *)sqlite3_column_text(st, 4));
		ms_cell_int(ms_table_cell(t, r, C_SESS), sqlite3_column_int64(st, 5));
		ms_cell_int(ms_table_cell(t, r, C_IPS), sqlite3_column_int64(st, 6));
		ms_cell_int(ms_table_cell(t, r, C_FSESS), sqlite3_column_int64(st, 7));
		ms_cell_int(ms_table_cell(t, r, C_FAIL), sqlite3_column_int64(st, 8));
		ms_cell_int(ms_table_cell(t, r, C_OKSESS), sqlite3_column_int64(st, 9));
		ms_cell_time(ms_table_cell(t, r, C_FIRST), sqlite3_column_int64(st, 10));
		ms_cell_time(ms_table_cell(t, r, C_LAST), sqlite3_column_int64(st, 11));
		if (tls)
			nwhy = ms_tls_weak_reasons(proto, cipher, sqlite3_column_int(st, 2), why, 12);
		else if (sqlite3_column_int64(st, 12) > 0) {
			/* AUTH over a connection without TLS: the password crossed in clear */
			why[0] = "plaintext AUTH";
			nwhy = 1;
		} else
			nwhy = 0;
		ms_table_cell(t, r, C_REASONS)->null = 0;
		for (int i = 0; i < nwhy; i++)
			ms_cell_list_add(ms_table_cell(t, r, C_REASONS), why[i]);
		ms_cell_bool(ms_table_cell(t, r, C_WEAK), nwhy > 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(q->db));
		ms_table_free(t);
		return NULL;
	}
	return t;
}
