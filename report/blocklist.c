/* SPDX-License-Identifier: MIT */
/*
 * blocklist.c - addresses to block, and their nftables / ipset / plain
 * renderings.  An address is listed when it has at least one auth failure
 * in the range and either min_failures of them or a part in an attack
 * finding of medium or high confidence (brute_force, password_spray,
 * distributed, user_enum, compromise; not one whose address is the users'
 * own: ms_finding.no_block).  An address with no failure, or one that also
 * logged in, is listed only when such a finding names it (a login with a
 * sprayed password; an attacker who got in); exclude_succeeded also drops
 * every address that logged in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "blocklist.h"
#include "findings.h"
#include "../util/strmap.h"

enum { B_IP, B_FAMILY, B_FAIL, B_SUCC, B_ACCTS, B_FIRST, B_LAST, B_WHY, B__N };

static const ms_col cols[B__N] = {
	[B_IP] = { "ip", "IP", MS_COL_STR, MS_W_ADDR, 0 },
	[B_FAMILY] = { "family", NULL, MS_COL_STR, 0, 0 },
	[B_FAIL] = { "auth_failures", "FAIL", MS_COL_INT, 0, 1 },
	[B_SUCC] = { "auth_successes", "OK", MS_COL_INT, 0, 1 },
	[B_ACCTS] = { "accounts", "ACCTS", MS_COL_INT, 0, 1 },
	[B_FIRST] = { "first_failure", NULL, MS_COL_TIME, 0, 0 },
	[B_LAST] = { "last_failure", "LAST FAILURE", MS_COL_TIME, 0, 0 },
	[B_WHY] = { "reasons", "WHY", MS_COL_LIST, 0, 0 },
};

/* IPv4 first, then by failures */
static const char *sql_ips =
	"SELECT i.id, i.ip, sum(e.kind = 1), sum(e.kind = 4), count(DISTINCT CASE WHEN e.kind = 1 THEN e.account_id END),"
	" min(CASE WHEN e.kind = 1 THEN e.ts END), max(CASE WHEN e.kind = 1 THEN e.ts END)"
	" FROM auth_events e JOIN ips i ON i.id = e.ip_id WHERE e.kind IN (1, 4) AND e.ts >= ?1 AND e.ts < ?2"
	" GROUP BY i.id ORDER BY i.ip LIKE '%:%', 3 DESC, i.ip";

static const char *sql_sess_ip =
	"SELECT i.ip FROM sessions s JOIN ips i ON i.id = s.ip_id WHERE s.id = ?1";

static int bl_family(const char *ip)
{
	unsigned char buf[16];
	if (!ip)
		return 0;
	if (inet_pton(AF_INET, ip, buf) == 1)
		return 4;
	if (inet_pton(AF_INET6, ip, buf) == 1)
		return 6;
	return 0;
}

int ms_block_is_local(const char *ip)
{
	unsigned char b[16];
	if (!ip)
		return 0;
	if (inet_pton(AF_INET, ip, b) == 1)
		return b[0] == 127 || b[0] == 10 || (b[0] == 0 && !b[1] && !b[2] && !b[3]) ||
		       (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
		       (b[0] == 169 && b[1] == 254);
	if (inet_pton(AF_INET6, ip, b) != 1)
		return 0;
	static const unsigned char zero[15];
	if (!memcmp(b, zero, 15) && b[15] <= 1) /* :: and ::1 */
		return 1;
	return (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
}

/* an address a client can connect from: not 0.0.0.0/8, multicast
 * (224.0.0.0/4, ff00::/8), reserved 240.0.0.0/4 (the broadcast
 * 255.255.255.255 in it), nor the unspecified :: */
static int block_unicast(const char *ip)
{
	unsigned char b[16];
	if (inet_pton(AF_INET, ip, b) == 1)
		return b[0] != 0 && b[0] < 224;
	if (inet_pton(AF_INET6, ip, b) != 1)
		return 1;
	static const unsigned char zero[16];
	return b[0] != 0xff && memcmp(b, zero, 16) != 0;
}

static int is_attack(ms_ftype t)
{
	return t == MS_F_BRUTE_FORCE || t == MS_F_PASSWORD_SPRAY || t == MS_F_DISTRIBUTED || t == MS_F_USER_ENUM ||
	       t == MS_F_COMPROMISE || t == MS_F_MAILBOX_ACCESS;
}

/* ip -> list of finding type names (in a strmap of ip -> index into names) */
typedef struct {
	ms_strmap idx;
	char **why;     /* per index: "finding:a,finding:b" */
	int n;
} why_map;

static void why_add(why_map *m, const char *ip, const char *type)
{
	int64_t i;
	char buf[64];
	if (!ip)
		return;
	snprintf(buf, sizeof buf, "finding:%s", type);
	if (!ms_strmap_get(&m->idx, ip, strlen(ip), &i)) {
		char **n = realloc(m->why, (size_t)(m->n + 1) * sizeof *n);
		if (!n)
			return;
		m->why = n;
		m->why[m->n] = strdup(buf);
		if (!m->why[m->n] || ms_strmap_put(&m->idx, ip, strlen(ip), m->n) != 0)
			return;
		m->n++;
		return;
	}
	if (strstr(m->why[i], buf))
		return;
	size_t l = strlen(m->why[i]) + strlen(buf) + 2;
	char *s = malloc(l);
	if (!s)
		return;
	snprintf(s, l, "%s,%s", m->why[i], buf);
	free(m->why[i]);
	m->why[i] = s;
}

static int collect_findings(const ms_query *q, why_map *m, char *err, size_t errlen)
{
	ms_findings fs;
	ms_find_opts fo;
	sqlite3_stmt *st;
	memset(&fs, 0, sizeof fs);
	ms_find_opts_default(&fo);
	if (ms_findings_run(q, &fo, &fs, err, errlen) != 0)
		return -1;
	if (ms_q_prepare(q->db, sql_sess_ip, &st, err, errlen)) {
		ms_findings_free(&fs);
		return -1;
	}
	for (int i = 0; i < fs.n; i++) {
		const ms_finding *f = &fs.v[i];
		/* a low-confidence finding is most likely the users' own (a typo,
		 * an office's shared address): it lends no address */
		if (!is_attack(f->type) || f->confidence == MS_CONF_LOW || f->no_block)
			continue;
		if (f->ip) {
			why_add(m, f->ip, ms_ftype_name(f->type));
			continue;
		}
		/* an attack from many addresses: those of its evidence sessions */
		for (int k = 0; k < f->nev_sessions; k++) {
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, f->ev_sessions[k]);
			if (sqlite3_step(st) == SQLITE_ROW)
				why_add(m, (const char *)sqlite3_column_text(st, 0), ms_ftype_name(f->type));
		}
	}
	sqlite3_finalize(st);
	ms_findings_free(&fs);
	return 0;
}

ms_table *ms_blocklist(const ms_query *q, ms_block_opts *o, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	why_map m;
	ms_table *t;
	int rc;
	memset(&m, 0, sizeof m);
	ms_strmap_init(&m.idx);
	if (o->use_findings && collect_findings(q, &m, err, errlen) != 0)
		goto fail0;
	t = ms_table_new(cols, B__N);
	if (!t) {
		snprintf(err, errlen, "out of memory");
		goto fail0;
	}
	if (ms_q_prepare(q->db, sql_ips, &st, err, errlen)) {
		ms_table_free(t);
		goto fail0;
	}
	ms_q_bind_range(st, q, 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *ip = (const char *)sqlite3_column_text(st, 1);
		int64_t fails = sqlite3_column_int64(st, 2), oks = sqlite3_column_int64(st, 3), wi;
		int fam = bl_family(ip);
		int in_finding = ms_strmap_get(&m.idx, ip, strlen(ip), &wi);
		if (!fam)
			continue;       /* not an address (never printed into a firewall rule) */
		if (fails <= 0 && !in_finding)
			continue;       /* only logged in: a compromise finding (a sprayed password) names it */
		if (fails < o->min_failures && !in_finding)
			continue;
		/* an address that logged in is the users' (an office, a home,
		 * a phone with an old password) unless a finding says otherwise:
		 * its own typos list no one */
		if (o->use_findings && oks > 0 && !in_finding)
			continue;
		if (o->exclude_succeeded && oks > 0)
			continue;
		if (!block_unicast(ip)) {
			/* multicast, broadcast, "this network", reserved: no
			 * client connects from them (a forged or damaged line),
			 * and a rule for them blocks nothing or too much */
			o->nonunicast_left_out++;
			continue;
		}
		if (!o->include_local && ms_block_is_local(ip)) {
			/* blocking the server's own side (webmail through
			 * 127.0.0.1, an office's LAN) locks out its users */
			o->local_left_out++;
			continue;
		}
		int r = ms_table_add_row(t);
		if (r < 0)
			break;
		ms_cell_str(ms_table_cell(t, r, B_IP), ip);
		ms_cell_str(ms_table_cell(t, r, B_FAMILY), fam == 4 ? "ipv4" : "ipv6");
		ms_cell_int(ms_table_cell(t, r, B_FAIL), fails);
		ms_cell_int(ms_table_cell(t, r, B_SUCC), oks);
		ms_cell_int(ms_table_cell(t, r, B_ACCTS), sqlite3_column_int64(st, 4));
		ms_cell_time(ms_table_cell(t, r, B_FIRST), sqlite3_column_int64(st, 5));
		ms_cell_time(ms_table_cell(t, r, B_LAST), sqlite3_column_int64(st, 6));
		ms_cell *w = ms_table_cell(t, r, B_WHY);
		w->null = 0;
		if (fails >= o->min_failures) {
			char b[64];
			snprintf(b, sizeof b, "failures>=%d", o->min_failures);
			ms_cell_list_add(w, b);
		}
		if (in_finding) {
			char *s = m.why[wi], *tok, *save = NULL;
			for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				ms_cell_list_add(w, tok);
		}
	}
	sqlite3_finalize(st);
	for (int i = 0; i < m.n; i++)
		free(m.why[i]);
	free(m.why);
	ms_strmap_release(&m.idx);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		snprintf(err, errlen, "query failed: %s", sqlite3_errmsg(q->db));
		ms_table_free(t);
		return NULL;
	}
	return t;
fail0:
	for (int i = 0; i < m.n; i++)
		free(m.why[i]);
	free(m.why);
	ms_strmap_release(&m.idx);
	return NULL;
}

static int count_family(const ms_table *t, int fam)
{
	int n = 0;
	for (int r = 0; r < t->nrows; r++)
		if (bl_family(t->cells[(size_t)r * (size_t)t->ncols + B_IP].s) == fam)
			n++;
	return n;
}

/* every address went through inet_pton, so none can break out of the syntax */
static void list_family(const ms_table *t, int fam, FILE *f, const char *pre, const char *sep, const char *post)
{
	int k = 0;
	for (int r = 0; r < t->nrows; r++) {
		const char *ip = t->cells[(size_t)r * (size_t)t->ncols + B_IP].s;
		if (bl_family(ip) != fam)
			continue;
		fprintf(f, "%s%s%s", k ? sep : pre, ip, "");
		k++;
	}
	if (k)
		fputs(post, f);
}

void ms_blocklist_render(const ms_table *t, ms_block_format fmt, FILE *f, const char *header)
{
	int n4 = count_family(t, 4), n6 = count_family(t, 6);
	switch (fmt) {
	case MS_BL_PLAIN:
		list_family(t, 4, f, "", "\n", "\n");
		list_family(t, 6, f, "", "\n", "\n");
		break;
	case MS_BL_NFT:
		fprintf(f, "# %s\n# %d IPv4 and %d IPv6 addresses; load with: nft -f FILE\n", header, n4, n6);
		fputs("# then drop them, e.g.: nft add rule inet filter input ip saddr @mailsleuth_v4 drop\n"
		      "#                       nft add rule inet filter input ip6 saddr @mailsleuth_v6 drop\n", f);
		fputs("add table inet filter\n"
		      "add set inet filter mailsleuth_v4 { type ipv4_addr; }\n"
		      "add set inet filter mailsleuth_v6 { type ipv6_addr; }\n", f);
		list_family(t, 4, f, "add element inet filter mailsleuth_v4 { ", ", ", " }\n");
		list_family(t, 6, f, "add element inet filter mailsleuth_v6 { ", ", ", " }\n");
		break;
	case MS_BL_IPSET:
		fprintf(f, "# %s\n# %d IPv4 and %d IPv6 addresses; load with: ipset restore < FILE\n", header, n4, n6);
		fputs("# then drop them, e.g.: iptables -I INPUT -m set --match-set mailsleuth4 src -j DROP\n"
		      "#                       ip6tables -I INPUT -m set --match-set mailsleuth6 src -j DROP\n", f);
		fputs("create mailsleuth4 hash:ip family inet -exist\n"
		      "create mailsleuth6 hash:ip family inet6 -exist\n", f);
		list_family(t, 4, f, "add mailsleuth4 ", " -exist\nadd mailsleuth4 ", " -exist\n");
		list_family(t, 6, f, "add mailsleuth6 ", " -exist\nadd mailsleuth6 ", " -exist\n");
		break;
	}
}

int ms_block_format_parse(const char *s, ms_block_format *out)
{
	if (!strcmp(s, "plain"))
		*out = MS_BL_PLAIN;
	else if (!strcmp(s, "nft"))
		*out = MS_BL_NFT;
	else if (!strcmp(s, "ipset"))
		*out = MS_BL_IPSET;
	else
		return -1;
	return 0;
}
