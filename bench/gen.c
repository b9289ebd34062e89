/* SPDX-License-Identifier: MIT */
/*
 * bench/gen.c - deterministic generator of synthetic Postfix + plesk_saslauthd
 * syslog traffic, with exact ground truth, for benchmarking mailsleuth.
 *
 *   make bench/gen && bench/gen --size 1G --truth t.json --plesk-truth p.tsv -o big.log
 *
 * Single self-contained C11 file, libc only (no libm: the Makefile target
 * does not link it).  The simulation is a discrete-event loop: a binary heap
 * ordered by (time, sequence number) drives session state machines, message
 * queue life cycles, attack campaigns, delayed plesk_saslauthd lines and
 * periodic noise.  Every event writes its lines stamped with the event time,
 * so the log is in non-decreasing time order; lines are formatted with
 * hand-rolled appends into one large buffer (no printf on the hot path).
 * Memory is bounded: only open sessions/messages/campaigns, pending plesk
 * lines and per-IP counters over bounded IP pools are kept.
 *
 * Same seed + same arguments => byte-identical output (one xoshiro256**
 * stream, seeded with splitmix64; no rand(), no clock, no environment).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void die(const char *msg)
{
	fprintf(stderr, "gen: %s\n", msg);
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("out of memory");
	return p;
}

/* ------------------------------------------------------------------ PRNG */

static uint64_t rs[4];
static uint64_t ipseed;

static inline uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rnd(void)
{
	uint64_t r = rotl64(rs[1] * 5, 7) * 9, t = rs[1] << 17;
	rs[2] ^= rs[0];
	rs[3] ^= rs[1];
	rs[1] ^= rs[2];
	rs[0] ^= rs[3];
	rs[2] ^= t;
	rs[3] = rotl64(rs[3], 45);
	return r;
}

static uint64_t mix64(uint64_t z)
{
	z += 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* uniform in [0, n) */
static inline uint32_t rn(uint32_t n) { return (uint32_t)(((rnd() >> 32) * (uint64_t)n) >> 32); }
/* uniform in [lo, hi] */
static inline uint32_t rr(uint32_t lo, uint32_t hi) { return lo + rn(hi - lo + 1); }
static inline double ur(void) { return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0); }
static inline int ch(double p) { return ur() < p; }

/* natural log without libm (x > 0, normal) */
static double my_ln(double x)
{
	uint64_t b;
	double m;
	memcpy(&b, &x, 8);
	int e = (int)((b >> 52) & 0x7ff) - 1023;
	b = (b & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;
	memcpy(&m, &b, 8);
	if (m > 1.4142135623730951) {
		m *= 0.5;
		e++;
	}
	double s = (m - 1) / (m + 1), s2 = s * s;
	double r = s * (2 + s2 * (2.0 / 3 + s2 * (2.0 / 5 + s2 * (2.0 / 7 + s2 * (2.0 / 9 + s2 * (2.0 / 11))))));
	return r + e * 0.6931471805599453;
}

/* exponential with the given mean, in ms (>= 1) */
static int64_t expo_ms(double mean)
{
	double v = -mean * my_ln(1.0 - ur());
	if (v < 1)
		v = 1;
	if (v > 1e12)
		v = 1e12;
	return (int64_t)v;
}

/* ---------------------------------------------------------------- output */

#define OBUF_SZ (16u << 20)
#define OBUF_SLACK (1u << 16) /* > longest possible line */
static char *ob;
static size_t opos;
static int ofd = -1;
static uint64_t oflushed;

static void oflush(void)
{
	size_t off = 0;
	while (off < opos) {
		ssize_t w = write(ofd, ob + off, opos - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			perror("gen: write");
			exit(1);
		}
		off += (size_t)w;
	}
	oflushed += opos;
	opos = 0;
}

static inline void put(const char *s, size_t n)
{
	memcpy(ob + opos, s, n);
	opos += n;
}
#define PUTL(lit) put((lit), sizeof(lit) - 1)
#define PUTC(c) (ob[opos++] = (char)(c))
static inline void puts0(const char *s) { put(s, strlen(s)); }

static inline int fmt_u(char *p, uint64_t v)
{
	char t[24];
	int i = 24;
	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(p, t + i, (size_t)(24 - i));
	return 24 - i;
}
static inline void putu(uint64_t v) { opos += (size_t)fmt_u(ob + opos, v); }

static inline void putx(uint64_t v, int n, int upper)
{
	const char *dg = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	for (int i = n - 1; i >= 0; i--) {
		ob[opos + (size_t)i] = dg[v & 15];
		v >>= 4;
	}
	opos += (size_t)n;
}

static inline void putxv(uint64_t v) /* minimal uppercase hex */
{
	int n = 1;
	for (uint64_t t = v >> 4; t; t >>= 4)
		n++;
	putx(v, n, 1);
}

static int fmt_ip(char *p, uint32_t ip)
{
	int n = 0;
	for (int k = 24; k >= 0; k -= 8) {
		n += fmt_u(p + n, (ip >> k) & 255);
		if (k)
			p[n++] = '.';
	}
	return n;
}
static inline void putip(uint32_t ip) { opos += (size_t)fmt_ip(ob + opos, ip); }

/* small string builder for names kept in structs */
typedef struct {
	char *p;
	int n;
} SB;
static inline void sb_s(SB *b, const char *s)
{
	size_t l = strlen(s);
	memcpy(b->p + b->n, s, l);
	b->n += (int)l;
}
static inline void sb_c(SB *b, char c) { b->p[b->n++] = c; }
static inline void sb_u(SB *b, uint64_t v) { b->n += fmt_u(b->p + b->n, v); }
static inline void sb_ip(SB *b, uint32_t ip) { b->n += fmt_ip(b->p + b->n, ip); }
static inline void sb_x(SB *b, uint64_t v, int n, int upper)
{
	const char *dg = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	for (int i = n - 1; i >= 0; i--) {
		b->p[b->n + i] = dg[v & 15];
		v >>= 4;
	}
	b->n += n;
}

/* ------------------------------------------------------------------ time */

static const char *const MON[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int64_t now;   /* simulated UTC time, ms since the epoch */
static int tzoff_s;   /* local = UTC + tzoff_s */

/* "Mmm dd hh:mm:ss" (15 chars) for local seconds */
static void stamp(char *p, int64_t lsec, int *year)
{
	int64_t days = floordiv(lsec, 86400);
	int sod = (int)(lsec - days * 86400);
	int y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	memcpy(p, MON[m - 1], 3);
	p[3] = ' ';
	p[4] = d >= 10 ? (char)('0' + d / 10) : ' ';
	p[5] = (char)('0' + d % 10);
	p[6] = ' ';
	int hh = sod / 3600, mm = sod / 60 % 60, ss = sod % 60;
	p[7] = (char)('0' + hh / 10);
	p[8] = (char)('0' + hh % 10);
	p[9] = ':';
	p[10] = (char)('0' + mm / 10);
	p[11] = (char)('0' + mm % 10);
	p[12] = ':';
	p[13] = (char)('0' + ss / 10);
	p[14] = (char)('0' + ss % 10);
	if (year)
		*year = y;
}

static int64_t local_s(int64_t t_ms) { return floordiv(t_ms, 1000) + tzoff_s; }
static int local_hour(int64_t t_ms) { return (int)(floordiv(local_s(t_ms), 3600) % 24); }
static int local_wday(int64_t t_ms) /* 0 = Sunday */
{
	return (int)((floordiv(local_s(t_ms), 86400) % 7 + 11) % 7);
}

static void rfc3339(char *buf, int64_t t_ms) /* UTC */
{
	int64_t s = floordiv(t_ms, 1000), days = floordiv(s, 86400);
	int sod = (int)(s - days * 86400), y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, 32, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, sod / 3600, sod / 60 % 60, sod % 60);
}

/* --------------------------------------------------------------- programs */

enum {
	PR_SMTPD, PR_SUBM, PR_SMTPS, PR_CLEANUP, PR_QMGR, PR_LOCAL, PR_VIRTUAL, PR_PIPE, PR_SMTP,
	PR_BOUNCE, PR_PSCREEN, PR_DNSBLOG, PR_ANVIL, PR_SCACHE, PR_PFSCRIPT, PR_MASTER, PR_PLESK,
	PR_DOVECOT, PR_CRON, PR_SYSTEMD, PR_N
};
static const char *const PROG[PR_N] = {
	"postfix/smtpd", "postfix/submission/smtpd", "postfix/smtps/smtpd", "postfix/cleanup",
	"postfix/qmgr", "postfix/local", "postfix/virtual", "postfix/pipe", "postfix/smtp",
	"postfix/bounce", "postfix/postscreen", "postfix/dnsblog", "postfix/anvil", "postfix/scache",
	"postfix/postfix-script", "postfix/master", "plesk_saslauthd", "dovecot", "CRON", "systemd"
};
static size_t prog_len[PR_N];

/* ----------------------------------------------------------------- hosts */

#define MAXH 16
typedef struct {
	int n;
	int p[64];
} PidPool;

typedef struct {
	char name[8];
	int nlen;
	uint32_t lip;          /* 10.0.0.N */
	int plesk, postscreen, longqid;
	int64_t fix_time;      /* plesk spelling correct at/after this time */
	int pidctr;
	PidPool idle[3];       /* idle smtpd processes per service */
	PidPool cleanup, local, virt, pipe, smtp, bounce;
	int qmgr, pscreen, dnsblog, anvil, scache, master;
	/* plesk_saslauthd process */
	int pl_pid;
	int64_t pl_last, pl_started, pl_idle;
	uint32_t pl_pending, pl_tok;
	/* anvil / scache memory */
	uint32_t an_ip;
	int64_t an_t;
	int an_svc;
	uint32_t an_conn, sc_n;
	int64_t sc_start;
} Host;

static Host H[MAXH];
static int nhosts = 2;

static int new_pid(Host *h)
{
	h->pidctr += (int)rr(1, 60);
	if (h->pidctr > 4194000)
		h->pidctr = 300 + (int)rn(3000);
	return h->pidctr;
}

/* long-running worker pool (cleanup, local, smtp, ...) */
static int pool_pick(Host *h, PidPool *p, int maxn)
{
	if (p->n == 0 || (p->n < maxn && ch(0.03))) {
		p->p[p->n++] = new_pid(h);
		return p->p[p->n - 1];
	}
	if (ch(0.004)) /* a process hit max_use / max_idle and was replaced */
		p->p[rn((uint32_t)p->n)] = new_pid(h);
	return p->p[rn((uint32_t)p->n)];
}

/* ------------------------------------------------------------- line head */

static uint64_t lineno;
static uint64_t prog_lines[PR_N];
static uint64_t host_lines[MAXH];
static int64_t first_ms = -1, last_ms;
static int64_t hdr_sec = INT64_MIN;
static char hdr[16];
static int hdr_year;
static struct {
	int year;
	uint64_t line;
} ystarts[64];
static int nystarts;

static void lb(int h, int prog, int pid)
{
	if (opos > OBUF_SZ - OBUF_SLACK)
		oflush();
	int64_t ls = local_s(now);
	if (ls != hdr_sec) {
		int y;
		stamp(hdr, ls, &y);
		hdr[15] = ' ';
		hdr_sec = ls;
		if (y != hdr_year) {
			if (nystarts < NELEM(ystarts)) {
				ystarts[nystarts].year = y;
				ystarts[nystarts].line = lineno + 1;
				nystarts++;
			}
			hdr_year = y;
		}
	}
	lineno++;
	if (first_ms < 0)
		first_ms = now;
	last_ms = now;
	memcpy(ob + opos, hdr, 16);
	opos += 16;
	put(H[h].name, (size_t)H[h].nlen);
	PUTC(' ');
	put(PROG[prog], prog_len[prog]);
	if (pid >= 0) {
		PUTC('[');
		putu((uint64_t)pid);
		PUTC(']');
	}
	PUTC(':');
	PUTC(' ');
	prog_lines[prog]++;
	host_lines[h]++;
}
#define LE() PUTC('\n')

/* ----------------------------------------------------------- event heap */

enum {
	EV_MX_ARR, EV_SUB_ARR, EV_CAMP_START, EV_CAMP_TICK, EV_BREAKIN, EV_SESS, EV_MSG, EV_PLESK,
	EV_PLESK_IDLE, EV_PS_ARR, EV_DOVE, EV_CRON, EV_ANVIL, EV_SCACHE
};
typedef struct {
	int64_t t;
	uint64_t seq;
	uint32_t type, idx;
} Ev;
static Ev *hp;
static size_t hn, hcap;
static uint64_t evseq;

static inline int evlt(const Ev *a, const Ev *b) { return a->t < b->t || (a->t == b->t && a->seq < b->seq); }

static void sched(int64_t t, uint32_t type, uint32_t idx)
{
	if (t < now)
		t = now;
	if (hn == hcap) {
		hcap = hcap ? hcap * 2 : 1024;
		hp = xrealloc(hp, hcap * sizeof(Ev));
	}
	Ev e = { t, evseq++, type, idx };
	size_t i = hn++;
	while (i) {
		size_t p = (i - 1) / 2;
		if (!evlt(&e, &hp[p]))
			break;
		hp[i] = hp[p];
		i = p;
	}
	hp[i] = e;
}

static Ev hpop(void)
{
	Ev top = hp[0], last = hp[--hn];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= hn)
			break;
		if (c + 1 < hn && evlt(&hp[c + 1], &hp[c]))
			c++;
		if (!evlt(&hp[c], &last))
			break;
		hp[i] = hp[c];
		i = c;
	}
	if (hn)
		hp[i] = last;
	return top;
}

/* ------------------------------------------------------------------ pools */

#define POOL(T, NM)                                                                      \
	static T *NM##_a;                                                                \
	static uint32_t NM##_n, NM##_cap, NM##_nfree, *NM##_free;                        \
	static uint32_t NM##_alloc(void)                                                 \
	{                                                                                \
		uint32_t i;                                                              \
		if (NM##_nfree)                                                          \
			i = NM##_free[--NM##_nfree];                                     \
		else {                                                                   \
			if (NM##_n == NM##_cap) {                                        \
				NM##_cap = NM##_cap ? NM##_cap * 2 : 256;                \
				NM##_a = xrealloc(NM##_a, NM##_cap * sizeof(T));         \
				NM##_free = xrealloc(NM##_free, NM##_cap * sizeof(uint32_t)); \
			}                                                                \
			i = NM##_n++;                                                    \
		}                                                                        \
		memset(&NM##_a[i], 0, sizeof(T));                                       \
		return i;                                                                \
	}                                                                                \
	static void NM##_release(uint32_t i) { NM##_free[NM##_nfree++] = i; }

/* -------------------------------------------------------------- accounts */

static const char *const DOMAINS[] = {
	"acme.example", "kanzlei.example", "praxis-dr.example", "autohaus.example",
	"example.com", "hotel-alp.example", "weingut.example", "example.net",
	"tischler.example", "immo-nord.example", "example.org", "beispiel.example"
};
#define NDOM NELEM(DOMAINS)
static const char *const FIRST[] = {
	"anna", "thomas", "michael", "julia", "stefan", "sabine", "andreas", "petra", "markus",
	"claudia", "daniel", "laura", "martin", "sandra", "frank", "nicole", "christian", "katrin",
	"tobias", "melanie", "jan", "lisa", "peter", "monika", "klaus", "birgit", "jens", "susanne",
	"uwe", "heike", "oliver", "tanja", "sven", "anja", "dirk", "silke", "ralf", "kerstin",
	"joerg", "nadine", "david", "sarah", "paul", "emma", "lukas", "mia", "felix", "lea",
	"jonas", "hannah", "max", "sophie", "leon", "marie", "ben", "lena", "tim", "nina", "tom", "eva"
};
static const char *const ROLE_REAL[] = { "info", "office", "kontakt", "buchhaltung", "service", "rechnung" };
static const char *const FAKE[] = {
	"admin", "test", "support", "sales", "contact", "webmaster", "user", "mail", "hr", "billing",
	"marketing", "noreply", "backup", "scanner", "root", "guest", "demo", "newsletter", "it",
	"manager", "account", "help", "web", "abuse", "security", "temp", "test1", "admin1",
	"administrator", "reception", "jobs", "shop", "info1", "postmaster", "info", "office"
};
static const char *const BARE[] = {
	"admin", "test", "info", "user", "root", "support", "office", "sales", "guest", "mail",
	"webmaster", "postmaster", "scanner", "backup", "administrator", "test1", "demo", "oracle",
	"ftp", "www"
};
static const char *const WORDS[] = {
	"alpha", "nordic", "sun", "blue", "metro", "delta", "orbit", "pixel", "terra", "nova",
	"vertex", "prime", "lumen", "cobalt", "summit", "harbor", "maple", "cedar", "falcon",
	"zenith", "atlas", "echo", "polar", "vista", "quartz", "ember", "river", "stone", "willow",
	"aurora", "tiger", "garden", "silver", "rocket", "forest", "castle", "meadow", "copper"
};
static const char *const ATTACK_PW[] = {
	"123456", "password", "12345678", "qwerty", "123456789", "12345", "1234", "111111",
	"1234567", "dragon", "123123", "baseball", "abc123", "football", "monkey", "letmein",
	"shadow", "master", "666666", "qwertyuiop", "123321", "mustang", "1234567890", "michael",
	"654321", "superman", "1qaz2wsx", "7777777", "121212", "000000", "qazwsx", "123qwe",
	"trustno1", "jordan", "zxcvbnm", "asdfgh", "hunter", "soccer", "batman", "sunshine",
	"iloveyou", "charlie", "112233", "computer", "freedom", "pass", "princess", "summer",
	"access", "matrix", "Passw0rd!", "Admin123", "admin", "admin@123", "Welcome1",
	"Sommer2024", "P@ssw0rd", "info123", "test123", "mail123", "Password1", "Qwerty123!",
	"Hallo123", "Winter2023!", "changeme", "secret", "passwort", "Start123"
};
static const char *const PW_SUFFIX[] = { "123", "2024", "2025", "1", "!", "@123", "#1", "1234" };

typedef struct {
	char name[40];
	uint8_t len, exists, host, dom; /* dom = 255: bare name */
	char pw[24];
	uint8_t pwlen, real_exposed;
	uint32_t fails, succ, user_lines, pw_lines;
} Acct;

static Acct *AC;
static int nac;
static int *REAL;
static int nreal;
static int *HLIST[MAXH], HLIST_N[MAXH]; /* spray lists: every name on a host, plus bare names */
static int *HREAL[MAXH], HREAL_N[MAXH];
static int DOMHOST[NDOM];
static int dom_first[NDOM], dom_n[NDOM], bare_first;

static int add_acct(const char *local, int dom, int exists)
{
	char buf[64];
	SB b = { buf, 0 };
	sb_s(&b, local);
	if (dom >= 0) {
		sb_c(&b, '@');
		sb_s(&b, DOMAINS[dom]);
	}
	if (b.n >= 40)
		return -1;
	for (int i = dom >= 0 ? dom_first[dom] : bare_first; i < nac; i++)
		if (AC[i].len == b.n && !memcmp(AC[i].name, buf, (size_t)b.n))
			return -1;
	AC = xrealloc(AC, (size_t)(nac + 1) * sizeof(Acct));
	Acct *a = &AC[nac];
	memset(a, 0, sizeof *a);
	memcpy(a->name, buf, (size_t)b.n);
	a->len = (uint8_t)b.n;
	a->exists = (uint8_t)exists;
	a->dom = (uint8_t)(dom >= 0 ? dom : 255);
	a->host = (uint8_t)(dom >= 0 ? DOMHOST[dom] : 0);
	if (exists) { /* a "known test password": Word-Word-NN! */
		SB p = { a->pw, 0 };
		const char *w1 = WORDS[rn(NELEM(WORDS))], *w2 = WORDS[rn(NELEM(WORDS))];
		sb_c(&p, (char)(w1[0] - 32));
		sb_s(&p, w1 + 1);
		sb_c(&p, "-_.#"[rn(4)]);
		sb_c(&p, (char)(w2[0] - 32));
		sb_s(&p, w2 + 1);
		sb_u(&p, rr(10, 99));
		if (ch(0.5))
			sb_c(&p, "!?$%"[rn(4)]);
		a->pwlen = (uint8_t)p.n;
	}
	return nac++;
}

static void ilist_add(int **l, int *n, int v)
{
	*l = xrealloc(*l, (size_t)(*n + 1) * sizeof(int));
	(*l)[(*n)++] = v;
}

static void build_accounts(void)
{
	for (int d = 0; d < NDOM; d++) {
		int h = d % (nhosts + 1);
		DOMHOST[d] = h == nhosts ? 0 : h;
	}
	for (int d = 0; d < NDOM; d++) {
		dom_first[d] = nac;
		int order[NELEM(FIRST)];
		for (int i = 0; i < NELEM(FIRST); i++)
			order[i] = i;
		for (int i = NELEM(FIRST) - 1; i > 0; i--) {
			int j = (int)rn((uint32_t)i + 1), t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		int k = (int)rr(4, 16), i;
		for (i = 0; i < k; i++)
			add_acct(FIRST[order[i]], d, 1);
		for (int r = 0; r < NELEM(ROLE_REAL); r++)
			if (ch(0.4))
				add_acct(ROLE_REAL[r], d, 1);
		for (int f = 0; f < NELEM(FAKE); f++)
			add_acct(FAKE[f], d, 0); /* skipped when it exists already */
		for (int e = 0; e < 10; e++, i++)
			add_acct(FIRST[order[i]], d, 0);
		dom_n[d] = nac - dom_first[d];
	}
	bare_first = nac;
	for (int b = 0; b < NELEM(BARE); b++)
		add_acct(BARE[b], -1, 0);
	for (int a = 0; a < nac; a++) {
		if (AC[a].exists) {
			ilist_add(&REAL, &nreal, a);
			ilist_add(&HREAL[AC[a].host], &HREAL_N[AC[a].host], a);
		}
		if (AC[a].dom != 255)
			ilist_add(&HLIST[AC[a].host], &HLIST_N[AC[a].host], a);
		else
			for (int h = 0; h < nhosts; h++)
				ilist_add(&HLIST[h], &HLIST_N[h], a);
	}
	for (int h = 0; h < nhosts; h++)
		if (!HREAL_N[h]) /* a host without domains still gets traffic: lend it one */
			ilist_add(&HREAL[h], &HREAL_N[h], REAL[rn((uint32_t)nreal)]);
}

static int pick_real_host(void) { return AC[REAL[rn((uint32_t)nreal)]].host; }

/* ------------------------------------------------------------------- IPs */

enum { POOL_MX = 1, POOL_SCAN, POOL_BOT, POOL_ATK, POOL_LEGIT, POOL_RELAY, POOL_DOVE };
#define N_MX 30000u
#define N_SCAN 60000u
#define N_BOT 80000u
#define N_ATK 4000u

static const uint8_t PUB_A[] = {
	2, 5, 23, 31, 37, 41, 45, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91,
	92, 93, 94, 95, 103, 104, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121,
	122, 123, 124, 125, 128, 129, 130, 131, 134, 138, 139, 140, 141, 142, 143, 144, 145, 146,
	147, 148, 149, 150, 151, 152, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165,
	166, 167, 168, 170, 171, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 185, 186,
	187, 188, 189, 190, 191, 193, 194, 195, 196, 197, 200, 201, 202, 210, 211, 212, 213, 217,
	218, 219, 220, 221, 222, 223
};

static uint32_t pool_ip(int pool, uint32_t idx)
{
	uint64_t h = mix64(ipseed ^ ((uint64_t)pool << 48) ^ idx);
	uint32_t a = PUB_A[h % sizeof PUB_A], b = (uint32_t)(h >> 16) & 255, c = (uint32_t)(h >> 24) & 255;
	uint32_t d = 1 + (uint32_t)((h >> 32) % 254);
	if (pool == POOL_BOT && (idx & 3) == 1) /* botnets cluster in a few /24s */
		return (pool_ip(pool, idx - 1) & 0xFFFFFF00u) | d;
	return a << 24 | b << 16 | c << 8 | d;
}

/* reverse DNS name for attacker/scanner/bot IPs; returns length, 0 = none */
static int attacker_name(char *nm, uint32_t ip, uint64_t h)
{
	if (h % 100 < 72)
		return 0;
	SB b = { nm, 0 };
	uint32_t A = ip >> 24, B = (ip >> 16) & 255, C = (ip >> 8) & 255, D = ip & 255;
	switch ((h >> 8) % 6) {
	case 0:
		sb_s(&b, "static.");
		sb_u(&b, D); sb_c(&b, '.'); sb_u(&b, C); sb_c(&b, '.'); sb_u(&b, B); sb_c(&b, '.'); sb_u(&b, A);
		sb_s(&b, ".clients.your-server.de");
		break;
	case 1:
		sb_s(&b, "ip-");
		sb_u(&b, A); sb_c(&b, '-'); sb_u(&b, B); sb_c(&b, '-'); sb_u(&b, C); sb_c(&b, '-'); sb_u(&b, D);
		sb_s(&b, ".dyn.");
		sb_s(&b, WORDS[(h >> 20) % NELEM(WORDS)]);
		sb_s(&b, "-net.example");
		break;
	case 2:
		sb_u(&b, D); sb_c(&b, '.'); sb_u(&b, C); sb_c(&b, '.'); sb_u(&b, B); sb_c(&b, '.'); sb_u(&b, A);
		sb_s(&b, ".bc.googleusercontent.com");
		break;
	case 3:
		sb_s(&b, "vps-");
		sb_x(&b, h >> 24, 8, 0);
		sb_s(&b, ".vps.ovh.net");
		break;
	case 4:
		sb_s(&b, "host-");
		sb_u(&b, A); sb_c(&b, '-'); sb_u(&b, B); sb_c(&b, '-'); sb_u(&b, C); sb_c(&b, '-'); sb_u(&b, D);
		sb_s(&b, ".broadband.example.net");
		break;
	default:
		sb_s(&b, "WIN-");
		for (int i = 0; i < 11; i++)
			sb_c(&b, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[(h >> (i * 3 + 7)) % 36]);
		sb_s(&b, ".localdomain");
		break;
	}
	return b.n;
}

/* a sending MTA from the big MX pool: IP and rDNS (0 = none) */
static int mx_server(uint32_t idx, uint32_t *ipo, char *nm)
{
	uint64_t h = mix64(ipseed ^ 0xA5A5000000000000ull ^ idx);
	SB b = { nm, 0 };
	uint32_t lo = (uint32_t)(h >> 40) & 0xffff, ip;
	lo = (lo & 0xff00) | (1 + (lo & 0xff) % 254);
	switch (idx % 20) {
	case 0: case 1: case 2: case 3: {
		static const char *const g[] = { "wr1", "wm1", "ej1", "ed1", "lf1", "lj1", "pl1", "pj1", "yw1", "qt1" };
		ip = 209u << 24 | 85u << 16 | ((128 + (lo >> 8) % 128) << 8) | (lo & 255);
		sb_s(&b, "mail-");
		sb_s(&b, g[h % 10]);
		sb_s(&b, "-f");
		sb_u(&b, 1 + (h >> 8) % 200);
		sb_s(&b, ".google.com");
		break;
	}
	case 4: case 5: {
		static const char *const o[] = { "db8", "am6", "vi1", "he1", "ve1", "dm6", "bn8", "co1", "fr2", "pa4" };
		static const char *const r[] = { "eur", "nam", "apc" };
		ip = (h & 1 ? 40u << 24 | 107u << 16 : 52u << 24 | 101u << 16) | lo;
		sb_s(&b, "mail-");
		sb_s(&b, o[h % 10]);
		sb_s(&b, r[(h >> 8) % 3]);
		sb_s(&b, "0");
		sb_u(&b, 1 + (h >> 12) % 9);
		sb_s(&b, "on2");
		sb_u(&b, 100 + (h >> 16) % 900);
		sb_s(&b, ".outbound.protection.outlook.com");
		break;
	}
	case 6:
		ip = 54u << 24 | 240u << 16 | lo;
		sb_s(&b, "a");
		sb_u(&b, 1 + (h >> 4) % 80);
		sb_c(&b, '-');
		sb_u(&b, 1 + (h >> 12) % 250);
		sb_s(&b, ".smtp-out.amazonses.com");
		break;
	case 7: {
		static const char *const m[] = { "mout.gmx.net", "mout.web.de", "mout.kundenserver.de", "mo4-p00-ob.smtp.rzone.de" };
		ip = 212u << 24 | 227u << 16 | (lo & 0x3ff);
		sb_s(&b, m[h % 4]);
		break;
	}
	case 8:
		ip = 198u << 24 | 2u << 16 | lo;
		sb_s(&b, "mail");
		sb_u(&b, 100 + (h >> 4) % 200);
		sb_s(&b, ".suw");
		sb_u(&b, 10 + (h >> 12) % 90);
		sb_s(&b, ".mcsv.net");
		break;
	case 9:
		ip = 167u << 24 | 89u << 16 | lo;
		sb_s(&b, "o");
		sb_u(&b, 1 + (h >> 4) % 30);
		sb_s(&b, ".ptr");
		sb_u(&b, 1000 + (h >> 12) % 9000);
		sb_s(&b, ".sendgrid.net");
		break;
	case 10:
		ip = 77u << 24 | 238u << 16 | lo;
		sb_s(&b, "sonic");
		sb_u(&b, 300 + (h >> 4) % 300);
		sb_c(&b, '-');
		sb_u(&b, 10 + (h >> 12) % 50);
		sb_s(&b, ".consmr.mail.ir2.yahoo.com");
		break;
	case 11:
		ip = 194u << 24 | 25u << 16 | 134u << 8 | (1 + (h >> 4) % 120);
		sb_s(&b, "mailout");
		sb_u(&b, 10 + (h >> 12) % 10);
		sb_s(&b, ".t-online.de");
		break;
	case 12: case 13: case 14: case 15: {
		static const char *const pre[] = { "mail", "smtp", "mx", "mx1", "mail2", "out", "relay", "mta" };
		static const char *const tld[] = { ".example", ".example.com", ".example.net", ".example.org" };
		ip = pool_ip(POOL_MX, idx);
		sb_s(&b, pre[h % 8]);
		sb_c(&b, '.');
		sb_s(&b, WORDS[(h >> 8) % NELEM(WORDS)]);
		if ((h >> 16) & 1) {
			sb_c(&b, '-');
			sb_s(&b, WORDS[(h >> 20) % NELEM(WORDS)]);
		}
		sb_s(&b, tld[(h >> 28) % 4]);
		break;
	}
	default:
		ip = pool_ip(POOL_MX, idx);
		break;
	}
	*ipo = ip;
	return b.n;
}

static int legit_name(char *nm, uint32_t ip, uint64_t h)
{
	SB b = { nm, 0 };
	switch (h % 4) {
	case 0:
		sb_c(&b, 'p');
		sb_x(&b, ip, 8, 1);
		sb_s(&b, ".dip0.t-ipconnect.de");
		break;
	case 1:
		sb_s(&b, "ip");
		sb_x(&b, ip, 8, 1);
		sb_s(&b, ".dynamic.kabel-deutschland.de");
		break;
	case 2:
		sb_u(&b, ip >> 24); sb_c(&b, '-'); sb_u(&b, (ip >> 16) & 255); sb_c(&b, '-');
		sb_u(&b, (ip >> 8) & 255); sb_c(&b, '-'); sb_u(&b, ip & 255);
		sb_s(&b, ".static.office-isp.example");
		break;
	default:
		return 0;
	}
	return b.n;
}

/* ------------------------------------------------------------- per-IP map */

typedef struct {
	uint32_t ip, sessions, fails, errors, succ;
} IpStat;
static IpStat *im;
static uint32_t im_cap, im_n;

static IpStat *ipstat(uint32_t ip)
{
	if (im_n * 2 >= im_cap) {
		uint32_t oc = im_cap;
		IpStat *old = im;
		im_cap = im_cap ? im_cap * 2 : 1u << 14;
		im = calloc(im_cap, sizeof(IpStat));
		if (!im)
			die("out of memory");
		for (uint32_t i = 0; i < oc; i++)
			if (old[i].ip) {
				uint32_t j = (old[i].ip * 2654435761u) & (im_cap - 1);
				while (im[j].ip)
					j = (j + 1) & (im_cap - 1);
				im[j] = old[i];
			}
		free(old);
	}
	uint32_t j = (ip * 2654435761u) & (im_cap - 1);
	while (im[j].ip && im[j].ip != ip)
		j = (j + 1) & (im_cap - 1);
	if (!im[j].ip) {
		im[j].ip = ip;
		im_n++;
	}
	return &im[j];
}

/* ----------------------------------------------------------- truth stats */

static struct {
	uint64_t sessions, sess_svc[3], fails, errors, succ, legit_fails, fails_mech[3], fails_host[MAXH];
	uint64_t tls, tls_dbg_sess, deliveries, messages, rejects;
	uint64_t pl_failed, pl_nosuch, pl_exit, pl_missp;
	uint64_t camps[3], breakins;
} T;

typedef struct {
	int32_t acct;
	uint32_t ip;
	int64_t t;
	uint64_t line;
} Compromise;
static Compromise *COMP;
static int ncomp;

static FILE *ptsv;

/* ------------------------------------------------------------- sessions */

enum { K_MX, K_REJ, K_LOST, K_TMO, K_SCAN, K_SUB, K_ATK, K_BRK, K_PS };
enum { SV_SMTPD, SV_SUBM, SV_SMTPS };
enum { C_EHLO, C_STARTTLS, C_AUTH, C_MAIL, C_RCPT, C_DATA, C_RSET, C_QUIT, C_UNK, C_N };
static const char *const CNT[C_N] = { "ehlo", "starttls", "auth", "mail", "rcpt", "data", "rset", "quit", "unknown" };
static const int SVC_PROG[3] = { PR_SMTPD, PR_SUBM, PR_SMTPS };
enum {
	ST_PS_CONNECT, ST_PS_PASS, ST_PS_X, ST_PS_DISC, ST_CONNECT, ST_TLS, ST_AUTH, ST_ENDAUTH,
	ST_MAIL, ST_DATA, ST_REJ, ST_LOST, ST_TMO, ST_QUIT
};
enum { LA_CONNECT, LA_EHLO, LA_STARTTLS, LA_RCPT, LA_UNKNOWN };
enum { M_LOGIN, M_PLAIN, M_CRAM };
static const char *const MECH[3] = { "LOGIN", "PLAIN", "CRAM-MD5" };

typedef struct {
	uint8_t kind, svc, host, st;
	uint8_t tls, dbg, v310, tlsp;
	uint8_t untrusted, rwarn, nmsg, nrcpt_max;
	uint8_t attempts, rset, typo, lost_at;
	uint8_t counted, mech, qidlen, clen;
	uint8_t helolen, fromlen, nfail, authed;
	uint8_t noir, tmo_data, ps_new, ps_out;
	uint8_t cur_nrcpt, rwlen, pad1, pad2;
	uint16_t cnt[C_N][2];
	int pid;
	uint32_t ip, port;
	int32_t camp, acct, rcpt_acct;
	int64_t t_client;
	uint64_t dptr, dbuf;
	char qid[16];
	char client[96];
	char helo[72];
	char from[64];
	char rwname[80]; /* name in "hostname X does not resolve" */
} Sess;
POOL(Sess, S)

typedef struct {
	uint8_t host, st, agent, nrcpt, ndone, deferred, outbound, spam;
	uint8_t qidlen, fromlen, bounced, pad;
	uint32_t size;
	int32_t rcpt_acct;
	int pid;
	int64_t t0, tq, b, c, d;
	char qid[16];
	char from[64];
} Msg;
POOL(Msg, M)

enum { CT_BRUTE, CT_SPRAY, CT_DIST };
typedef struct {
	uint8_t type, host, svc, rsetmode;
	uint8_t breakin, brk_ready, brk_recorded, finished;
	uint8_t ntargets, spray_rep, spray_rep_max, mechmode;
	uint8_t att_min, att_max, spawning, brk_left;
	int32_t targets[6];
	int32_t spray_pos, spray_stride;
	uint32_t ip, botbase, nips, ipnext;
	int32_t budget, active;
	uint32_t gap_min, gap_max;
	uint32_t brk_ip;
	int32_t brk_acct;
} Camp;
POOL(Camp, C)

typedef struct {
	uint8_t host, pwlen;
	int32_t acct;
	uint32_t ip;
	uint64_t wline;
} PleskP;
POOL(PleskP, P)

static double opt_dbg = 3.0;

static int tls_profile(int weak_bias)
{
	/* weights over TLSP[] below */
	static const int w[] = { 40, 10, 4, 8, 10, 10, 5, 2, 2, 1, 1, 1, 1, 3 };
	int tot = 0, r;
	for (int i = 0; i < NELEM(w); i++)
		tot += w[i];
	if (weak_bias && ch(0.15))
		return 8 + (int)rn(5);
	r = (int)rn((uint32_t)tot);
	for (int i = 0; i < NELEM(w); i++) {
		if (r < w[i])
			return i;
		r -= w[i];
	}
	return 0;
}
static const char *const TLSP[] = {
	"TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
	"TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
	"TLSv1.3 with cipher TLS_CHACHA20_POLY1305_SHA256 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
	"TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
	"TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)",
	"TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
	"TLSv1.2 with cipher ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)",
	"TLSv1.2 with cipher DHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
	"TLSv1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits)",
	"TLSv1.1 with cipher ECDHE-RSA-AES128-SHA (128/128 bits)",
	"TLSv1 with cipher DES-CBC3-SHA (168/168 bits)",
	"TLSv1 with cipher RC4-SHA (128/128 bits)",
	"TLSv1.2 with cipher AES256-GCM-SHA384 (256/256 bits)",
	"TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits) key-exchange secp384r1 server-signature RSA (2048 bits) server-digest SHA256",
};

static void set_client(Sess *s, const char *name, int nlen)
{
	SB b = { s->client, 0 };
	if (nlen > 0) {
		memcpy(b.p, name, (size_t)nlen);
		b.n = nlen;
	} else
		sb_s(&b, "unknown");
	sb_c(&b, '[');
	sb_ip(&b, s->ip);
	sb_c(&b, ']');
	s->clen = (uint8_t)b.n;
}

/* client name; with probability prw emit a "does not resolve" warning and use unknown */
static void set_client_rdns(Sess *s, const char *name, int nlen, double prw)
{
	if (nlen > 0 && nlen < (int)sizeof s->rwname && ch(prw)) {
		memcpy(s->rwname, name, (size_t)nlen);
		s->rwlen = (uint8_t)nlen;
		s->rwarn = 1;
		nlen = 0;
	}
	set_client(s, name, nlen);
}

static void random_helo(Sess *s)
{
	static const char *const hs[] = { "User", "ylmf-pc", "localhost", "WIN-CLJ1B0GQ6JP", "example.com", "mail.example.com", "ADMIN", "pc", "smtp" };
	SB b = { s->helo, 0 };
	int r = (int)rn(10);
	if (r < 6)
		sb_s(&b, hs[rn(NELEM(hs))]);
	else if (r < 9) {
		sb_c(&b, '[');
		sb_ip(&b, s->ip);
		sb_c(&b, ']');
	} else {
		sb_s(&b, WORDS[rn(NELEM(WORDS))]);
		sb_u(&b, rn(1000));
	}
	s->helolen = (uint8_t)b.n;
}

static void helo_from_client(Sess *s)
{
	int n = 0;
	while (n < s->clen && s->client[n] != '[')
		n++;
	if (n == 7 && !memcmp(s->client, "unknown", 7)) {
		random_helo(s);
		return;
	}
	if (n > 71)
		n = 71;
	memcpy(s->helo, s->client, (size_t)n);
	s->helolen = (uint8_t)n;
}

static const char *const REMOTE_DOM[] = {
	"gmail.com", "outlook.com", "gmx.de", "web.de", "yahoo.com", "t-online.de", "icloud.com",
	"hotmail.com", "posteo.de", "mailbox.org", "aol.com", "freenet.de", "googlemail.com", "gmx.net"
};
static const char *const REMOTE_MX[] = {
	"gmail-smtp-in.l.google.com[142.250.102.27]", "outlook-com.olc.protection.outlook.com[52.101.68.7]",
	"mx00.emig.gmx.net[212.227.15.9]", "mx-ha02.web.de[212.227.17.8]", "mta7.am0.yahoodns.net[67.195.204.72]",
	"mx00.t-online.de[194.25.134.8]", "mx01.mail.icloud.com[17.57.154.23]",
	"hotmail-com.olc.protection.outlook.com[52.101.40.29]", "mx01.posteo.de[185.67.36.60]",
	"mxext1.mailbox.org[80.241.60.212]", "mx-aol.mail.gm0.yahoodns.net[67.195.204.77]",
	"mx.freenet.de[195.4.92.217]", "gmail-smtp-in.l.google.com[142.250.102.26]", "mx01.emig.gmx.net[212.227.15.11]"
};

/* remote address into buf; *dom = REMOTE_DOM index or -1 (synthetic domain) */
static int remote_addr(char *buf, int *dom)
{
	SB b = { buf, 0 };
	if (ch(0.6)) {
		sb_s(&b, FIRST[rn(NELEM(FIRST))]);
		if (ch(0.4)) {
			sb_c(&b, '.');
			sb_s(&b, WORDS[rn(NELEM(WORDS))]);
		}
	} else {
		sb_s(&b, WORDS[rn(NELEM(WORDS))]);
		if (ch(0.5))
			sb_u(&b, rn(1000));
	}
	sb_c(&b, '@');
	if (ch(0.75)) {
		*dom = (int)rn(NELEM(REMOTE_DOM));
		sb_s(&b, REMOTE_DOM[*dom]);
	} else {
		*dom = -1;
		sb_s(&b, WORDS[rn(NELEM(WORDS))]);
		sb_s(&b, WORDS[rn(NELEM(WORDS))]);
		sb_s(&b, ch(0.5) ? ".example" : ".example.com");
	}
	return b.n;
}

static void sender_remote(Sess *s)
{
	int dom;
	if (ch(0.03)) {
		s->fromlen = 0;
		return;
	}
	if (ch(0.15)) {
		SB b = { s->from, 0 };
		sb_s(&b, "bounces+");
		sb_u(&b, rn(9000000));
		sb_c(&b, '-');
		sb_x(&b, rnd(), 4, 0);
		sb_s(&b, "@em.");
		sb_s(&b, WORDS[rn(NELEM(WORDS))]);
		sb_s(&b, "-mail.example");
		s->fromlen = (uint8_t)b.n;
		return;
	}
	s->fromlen = (uint8_t)remote_addr(s->from, &dom);
}

static int svc_pid_get(Sess *s)
{
	Host *h = &H[s->host];
	PidPool *p = &h->idle[s->svc];
	if (p->n && ch(0.9)) {
		uint32_t i = rn((uint32_t)p->n);
		int pid = p->p[i];
		p->p[i] = p->p[--p->n];
		return pid;
	}
	return new_pid(h);
}

static void svc_pid_put(Sess *s)
{
	PidPool *p = &H[s->host].idle[s->svc];
	if (s->pid <= 0 || ch(0.03) || p->n >= NELEM(p->p))
		return;
	p->p[p->n++] = s->pid;
}

static void new_qid(int host, char *q, uint8_t *len)
{
	uint64_t r = rnd();
	if (H[host].longqid) {
		static const char al[] = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjkmnpqrstvwxy";
		/* 10 chars time/usec + 'z' + 5 chars inode, like enable_long_queue_ids */
		int64_t s = floordiv(now, 1000);
		uint64_t t = (uint64_t)s;
		char tmp[12];
		const uint64_t nb = sizeof al - 1;
		for (int i = 5; i >= 0; i--) {
			tmp[i] = al[t % nb];
			t /= nb;
		}
		for (int i = 6; i < 10; i++) {
			tmp[i] = al[r % nb];
			r /= nb;
		}
		memcpy(q, tmp, 10);
		q[10] = 'z';
		for (int i = 11; i < 16; i++) {
			q[i] = al[r % nb];
			r /= nb;
		}
		*len = 16;
		return;
	}
	const char *dg = "0123456789ABCDEF";
	int n = 10 + (int)(r >> 62 ? 1 : 0);
	for (int i = 0; i < n; i++) {
		q[i] = dg[r & 15];
		r >>= 4;
	}
	if (q[0] == '0')
		q[0] = '4';
	*len = (uint8_t)n;
}

/* ---------------------------------------------------------- line helpers */

static inline void sl(Sess *s) { lb(s->host, SVC_PROG[s->svc], s->pid); }
static inline void putclient(const Sess *s) { put(s->client, s->clen); }
static inline void putacct(int32_t a) { put(AC[a].name, AC[a].len); }

static void put_prefix310(Sess *s)
{
	if (!s->v310)
		return;
	if (s->qidlen)
		put(s->qid, s->qidlen);
	else
		PUTL("NOQUEUE");
	PUTL(": ");
}

static void emit_disconnect(Sess *s)
{
	unsigned cs = 0, ct = 0;
	sl(s);
	PUTL("disconnect from ");
	putclient(s);
	for (int i = 0; i < C_N; i++) {
		unsigned ok = s->cnt[i][0], tot = s->cnt[i][1];
		if (!tot)
			continue;
		PUTC(' ');
		puts0(CNT[i]);
		PUTC('=');
		putu(ok);
		if (ok != tot) {
			PUTC('/');
			putu(tot);
		}
		cs += ok;
		ct += tot;
	}
	PUTL(" commands=");
	putu(cs);
	if (cs != ct || ct == 0) {
		PUTC('/');
		putu(ct);
	}
	LE();
}

static inline void cnt(Sess *s, int c, int ok)
{
	s->cnt[c][1]++;
	if (ok)
		s->cnt[c][0]++;
}

/* "Read N chars: ..." / "Write N chars: ..." (first 40 chars, CR/LF as '?') */
static void emit_rw(Sess *s, int write, const char *txt, size_t n)
{
	sl(s);
	if (write)
		PUTL("Write ");
	else
		PUTL("Read ");
	putu(n);
	PUTL(" chars: ");
	size_t k = n < 40 ? n : 40;
	for (size_t i = 0; i < k; i++) {
		char c = txt[i];
		PUTC((c == '\r' || c == '\n') ? '?' : c);
	}
	LE();
}

/* TLS record trace: "read from P [B] (n bytes => n (0xN))" + hex rows */
static void emit_bio(Sess *s, int write, const uint8_t *data, int len, int total)
{
	sl(s);
	if (write)
		PUTL("write to ");
	else
		PUTL("read from ");
	putx(s->dptr, 12, 1);
	PUTL(" [");
	putx(s->dbuf, 12, 1);
	PUTL("] (");
	putu((uint64_t)total);
	PUTL(" bytes => ");
	putu((uint64_t)total);
	PUTL(" (0x");
	putxv((uint64_t)total);
	PUTL("))");
	LE();
	s->dbuf += (uint64_t)total;
	for (int row = 0; row * 16 < len; row++) {
		sl(s);
		putx((uint64_t)row * 16, 4, 0);
		PUTC(' ');
		for (int j = 0; j < 16; j++) {
			int k = row * 16 + j;
			if (k >= len) {
				PUTL("   ");
				continue;
			}
			putx(data[k], 2, 0);
			PUTC(j == 7 ? '|' : ' ');
		}
		PUTC(' ');
		for (int j = 0; j < 16 && row * 16 + j < len; j++) {
			uint8_t c = data[row * 16 + j];
			PUTC(c >= 32 && c < 127 ? c : '.');
		}
		LE();
	}
	if (total > len) {
		sl(s);
		putx((uint64_t)total, 4, 0);
		PUTL(" - <SPACES/NULLS>");
		LE();
	}
}

static void rand_bytes(uint8_t *p, int n)
{
	for (int i = 0; i < n; i += 8) {
		uint64_t r = rnd();
		for (int j = 0; j < 8 && i + j < n; j++)
			p[i + j] = (uint8_t)(r >> (8 * j));
	}
}

static void emit_sslstate(Sess *s, const char *st)
{
	sl(s);
	PUTL("SSL_accept:");
	puts0(st);
	LE();
}

static void emit_tls_debug(Sess *s, int is13)
{
	uint8_t b[64];
	s->dptr = 0x7F0000000000ull | (rnd() & 0xFFFFFFFFF0ull);
	s->dbuf = s->dptr + 0x4000 + (rnd() & 0xFFF0);
	int hello = (int)rr(180, 520);
	emit_sslstate(s, "before SSL initialization");
	b[0] = 0x16; b[1] = 3; b[2] = 1; b[3] = (uint8_t)(hello >> 8); b[4] = (uint8_t)hello;
	emit_bio(s, 0, b, 5, 5);
	rand_bytes(b, 48);
	b[0] = 1; b[1] = 0; b[2] = (uint8_t)((hello - 4) >> 8); b[3] = (uint8_t)(hello - 4); b[4] = 3; b[5] = 3;
	emit_bio(s, 0, b, 16 * (int)rr(1, 3), hello);
	emit_sslstate(s, "before SSL initialization");
	emit_sslstate(s, "SSLv3/TLS read client hello");
	emit_sslstate(s, "SSLv3/TLS write server hello");
	int out = (int)rr(1800, 4200);
	if (is13) {
		emit_sslstate(s, "SSLv3/TLS write change cipher spec");
		emit_sslstate(s, "TLSv1.3 write encrypted extensions");
		emit_sslstate(s, "SSLv3/TLS write certificate");
		emit_sslstate(s, "TLSv1.3 write server certificate verify");
		emit_sslstate(s, "SSLv3/TLS write finished");
		emit_sslstate(s, "TLSv1.3 early data");
		rand_bytes(b, 32);
		b[0] = 0x16; b[1] = 3; b[2] = 3; b[3] = 0; b[4] = 0x7a; b[5] = 2;
		emit_bio(s, 1, b, 16, out);
		emit_sslstate(s, "TLSv1.3 early data");
		b[0] = 0x14; b[1] = 3; b[2] = 3; b[3] = 0; b[4] = 1;
		emit_bio(s, 0, b, 5, 5);
		b[0] = 1;
		emit_bio(s, 0, b, 1, 1);
		b[0] = 0x17; b[1] = 3; b[2] = 3; b[3] = 0; b[4] = 0x35;
		emit_bio(s, 0, b, 5, 5);
		rand_bytes(b, 53);
		emit_bio(s, 0, b, 53, 53);
		emit_sslstate(s, "SSLv3/TLS read finished");
		emit_sslstate(s, "SSLv3/TLS write session ticket");
		emit_sslstate(s, "SSLv3/TLS write session ticket");
	} else {
		emit_sslstate(s, "SSLv3/TLS write certificate");
		emit_sslstate(s, "SSLv3/TLS write key exchange");
		emit_sslstate(s, "SSLv3/TLS write server done");
		rand_bytes(b, 32);
		b[0] = 0x16; b[1] = 3; b[2] = 3; b[3] = 0; b[4] = 0x5d; b[5] = 2;
		emit_bio(s, 1, b, 16, out);
		emit_sslstate(s, "SSLv3/TLS write server done");
		b[0] = 0x16; b[1] = 3; b[2] = 3; b[3] = 0; b[4] = 0x25;
		emit_bio(s, 0, b, 5, 5);
		rand_bytes(b, 37);
		b[0] = 0x10;
		emit_bio(s, 0, b, 37, 37);
		emit_sslstate(s, "SSLv3/TLS read client key exchange");
		emit_sslstate(s, "SSLv3/TLS read change cipher spec");
		emit_sslstate(s, "SSLv3/TLS read finished");
		emit_sslstate(s, "SSLv3/TLS write session ticket");
		emit_sslstate(s, "SSLv3/TLS write change cipher spec");
		emit_sslstate(s, "SSLv3/TLS write finished");
	}
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static size_t b64enc(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0, i = 0;
	for (; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = B64[v >> 18];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = B64[(v >> 6) & 63];
		out[o++] = B64[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = B64[v >> 18];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? B64[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	return o;
}

static size_t b64_declen(size_t n) { return 3 * (n / 4) + (n % 4 == 2 ? 1 : n % 4 == 3 ? 2 : 0); }

/* the plaintext of an AUTH exchange as smtpd_tls_loglevel >= 3 shows it */
static void emit_auth_debug(Sess *s, int mech, int32_t acct, const char *pw, int pwlen, int success)
{
	Acct *A = &AC[acct];
	char line[256], b64[200];
	uint8_t raw[96];
	size_t bl, n;
	int ucomp = 0, pcomp = 0;
	if (mech == M_PLAIN) {
		size_t rl = 0;
		raw[rl++] = 0;
		memcpy(raw + rl, A->name, A->len);
		rl += A->len;
		raw[rl++] = 0;
		memcpy(raw + rl, pw, (size_t)pwlen);
		rl += (size_t)pwlen;
		bl = b64enc(raw, rl, b64);
		size_t pre;
		if (s->noir) {
			emit_rw(s, 0, "AUTH PLAIN\r\n", 12);
			emit_rw(s, 1, "334 \r\n", 6);
			pre = 0;
		} else {
			memcpy(line, "AUTH PLAIN ", 11);
			pre = 11;
		}
		memcpy(line + pre, b64, bl);
		memcpy(line + pre + bl, "\r\n", 2);
		n = pre + bl + 2;
		emit_rw(s, 0, line, n);
		int cut = n > 40;
		size_t shown = cut ? (40 - pre < bl ? 40 - pre : bl) : bl;
		size_t dec = cut ? b64_declen(shown) : rl;
		ucomp = dec >= (size_t)A->len + 2;
		pcomp = !cut;
	} else if (mech == M_LOGIN) {
		emit_rw(s, 0, "AUTH LOGIN\r\n", 12);
		emit_rw(s, 1, "334 VXNlcm5hbWU6\r\n", 18);
		bl = b64enc((const uint8_t *)A->name, A->len, line);
		memcpy(line + bl, "\r\n", 2);
		emit_rw(s, 0, line, bl + 2);
		ucomp = bl + 2 <= 40;
		emit_rw(s, 1, "334 UGFzc3dvcmQ6\r\n", 18);
		bl = b64enc((const uint8_t *)pw, (size_t)pwlen, line);
		memcpy(line + bl, "\r\n", 2);
		emit_rw(s, 0, line, bl + 2);
		pcomp = bl + 2 <= 40;
	} else
		return;
	if (success)
		emit_rw(s, 1, "235 2.7.0 Authentication successful\r\n", 37);
	else { /* the 535 reply only as an encrypted record (keeps grep counts exact) */
		uint8_t b[16];
		rand_bytes(b, 16);
		b[0] = 0x17; b[1] = 3; b[2] = 3; b[3] = 0; b[4] = 0x51;
		emit_bio(s, 1, b, 16, 86);
	}
	if (ucomp) {
		A->user_lines++;
		if (pcomp) {
			A->pw_lines++;
			if (success)
				A->real_exposed = 1;
		}
	}
}

/* --------------------------------------------------------- plesk queue */

static int64_t plesk_delay(void)
{
	/* mostly 0-2 s; rare stalls up to 90 s (the queue is FIFO, so a stall
	 * also delays the lines queued behind it) */
	uint32_t r = rn(10000);
	if (r < 6500)
		return rn(700);
	if (r < 9700)
		return rr(700, 2000);
	if (r < 9985)
		return rr(2000, 12000);
	return rr(12000, 90000);
}

static void plesk_enqueue(int host, int32_t acct, int pwlen, uint32_t ip, uint64_t wline)
{
	Host *h = &H[host];
	int64_t t = now + plesk_delay();
	if (t < h->pl_last)
		t = h->pl_last; /* one process answers in order */
	h->pl_last = t;
	uint32_t pi = P_alloc();
	PleskP *p = &P_a[pi];
	p->host = (uint8_t)host;
	p->acct = acct;
	p->pwlen = (uint8_t)pwlen;
	p->ip = ip;
	p->wline = wline;
	h->pl_pending++;
	h->pl_tok = (h->pl_tok + 1) & 0x7ffffff;
	sched(t, EV_PLESK, pi);
}

static void ev_plesk(uint32_t pi)
{
	PleskP p = P_a[pi];
	P_release(pi);
	Host *h = &H[p.host];
	if (h->pl_pid == 0 || (now >= h->fix_time && h->pl_started < h->fix_time)) {
		h->pl_pid = new_pid(h);
		h->pl_started = now;
	}
	if (!AC[p.acct].exists) {
		lb(p.host, PR_PLESK, h->pl_pid);
		PUTL("No such user '");
		putacct(p.acct);
		PUTL("' in mail authorization database");
		LE();
		T.pl_nosuch++;
	}
	lb(p.host, PR_PLESK, h->pl_pid);
	if (now < h->fix_time) {
		PUTL("failed mail authenticatication attempt for user '");
		T.pl_missp++;
	} else
		PUTL("failed mail authentication attempt for user '");
	putacct(p.acct);
	PUTL("' (password len=");
	putu(p.pwlen);
	PUTL(")");
	LE();
	T.pl_failed++;
	if (ptsv) {
		char ipb[16];
		ipb[fmt_ip(ipb, p.ip)] = 0;
		fprintf(ptsv, "%llu\t%llu\t%s\t%s\n", (unsigned long long)lineno, (unsigned long long)p.wline, ipb,
			AC[p.acct].name);
	}
	if (--h->pl_pending == 0)
		sched(now + h->pl_idle, EV_PLESK_IDLE, p.host | h->pl_tok << 5);
}

static void ev_plesk_idle(uint32_t idx)
{
	Host *h = &H[idx & 31];
	if ((idx >> 5) != h->pl_tok || h->pl_pending || !h->pl_pid)
		return;
	lb((int)(idx & 31), PR_PLESK, h->pl_pid);
	PUTL("select timeout, exiting");
	LE();
	T.pl_exit++;
	h->pl_pid = 0;
	h->pl_idle = rr(240, 1800) * 1000;
}

/* ------------------------------------------------------- auth outcomes */

static int attack_pw(char *buf, int32_t acct)
{
	SB b = { buf, 0 };
	if (ch(0.15)) {
		const Acct *a = &AC[acct];
		int k = 0;
		while (k < a->len && a->name[k] != '@' && k < 14)
			k++;
		memcpy(buf, a->name, (size_t)k);
		b.n = k;
		sb_s(&b, PW_SUFFIX[rn(NELEM(PW_SUFFIX))]);
	} else
		sb_s(&b, ATTACK_PW[rn(NELEM(ATTACK_PW))]);
	return b.n;
}

static int32_t camp_target(Camp *c)
{
	if (c->type == CT_SPRAY) {
		int h = c->host;
		int32_t a = HLIST[h][(uint32_t)c->spray_pos % (uint32_t)HLIST_N[h]];
		if (++c->spray_rep >= c->spray_rep_max) {
			c->spray_rep = 0;
			c->spray_rep_max = (uint8_t)(1 + ch(0.35));
			c->spray_pos += c->spray_stride;
		}
		return a;
	}
	return c->targets[rn(c->ntargets)];
}

static void count_auth_fail(Sess *s, int32_t acct, int mech)
{
	T.fails++;
	T.fails_mech[mech]++;
	T.fails_host[s->host]++;
	ipstat(s->ip)->fails++;
	AC[acct].fails++;
	s->nfail++;
	if (s->camp >= 0) {
		Camp *c = &C_a[s->camp];
		if (c->breakin && acct == c->brk_acct) {
			c->brk_ip = s->ip;
			c->brk_ready = 1;
		}
	}
}

static void emit_auth_warning(Sess *s, int mech, int32_t acct, int pwlen, int server_err)
{
	Host *h = &H[s->host];
	sl(s);
	PUTL("warning: ");
	putclient(s);
	PUTL(": SASL ");
	puts0(MECH[mech]);
	PUTL(" authentication failed: ");
	if (server_err) {
		PUTL("Connection lost to authentication server");
		LE();
		T.errors++;
		ipstat(s->ip)->errors++;
		return;
	}
	if (!h->plesk && ch(0.5)) {
		PUTL("(reason unavailable), sasl_username=");
		putacct(acct);
	} else
		PUTL("authentication failure");
	LE();
	count_auth_fail(s, acct, mech);
	if (h->plesk && mech != M_CRAM)
		plesk_enqueue(s->host, acct, pwlen, s->ip, lineno);
}

static void count_success(Sess *s)
{
	if (s->counted)
		return;
	s->counted = 1;
	T.succ++;
	ipstat(s->ip)->succ++;
	AC[s->acct].succ++;
	if (s->kind == K_BRK && s->camp >= 0) {
		Camp *c = &C_a[s->camp];
		if (!c->brk_recorded) {
			c->brk_recorded = 1;
			COMP = xrealloc(COMP, (size_t)(ncomp + 1) * sizeof *COMP);
			COMP[ncomp].acct = s->acct;
			COMP[ncomp].ip = s->ip;
			COMP[ncomp].t = now;
			COMP[ncomp].line = lineno;
			ncomp++;
			T.breakins++;
		}
	}
}

/* ------------------------------------------------------------- messages */

enum { AG_LOCAL, AG_VIRTUAL, AG_PIPE, AG_SMTP };

static void msg_spawn(Sess *s)
{
	uint32_t mi = M_alloc();
	Msg *m = &M_a[mi];
	m->host = s->host;
	memcpy(m->qid, s->qid, s->qidlen);
	m->qidlen = s->qidlen;
	memcpy(m->from, s->from, s->fromlen);
	m->fromlen = s->fromlen;
	m->nrcpt = s->cur_nrcpt;
	m->t0 = s->t_client;
	m->rcpt_acct = s->rcpt_acct;
	m->spam = s->kind == K_BRK;
	m->outbound = s->kind == K_BRK || (s->kind == K_SUB && ch(0.75));
	if (m->outbound)
		m->agent = AG_SMTP;
	else if (H[s->host].plesk)
		m->agent = ch(0.75) ? AG_PIPE : AG_LOCAL;
	else
		m->agent = ch(0.8) ? AG_VIRTUAL : AG_LOCAL;
	double u = ur();
	m->size = (uint32_t)(1500 + u * u * u * u * 4000000) + rn(3000);
	if (m->spam)
		m->size = rr(2500, 9000);
	sched(now + rr(5, 300), EV_MSG, mi);
}

static void put_delay(int64_t ms)
{
	if (ms < 0)
		ms = 0;
	if (ms >= 10000)
		putu((uint64_t)(ms + 500) / 1000);
	else if (ms >= 1000) {
		uint64_t t = (uint64_t)(ms + 50) / 100;
		putu(t / 10);
		if (t % 10) {
			PUTC('.');
			PUTC('0' + t % 10);
		}
	} else {
		uint64_t t = (uint64_t)(ms + 5) / 10;
		if (t >= 100)
			PUTC('1');
		else if (t == 0)
			PUTC('0');
		else {
			PUTL("0.");
			PUTC('0' + t / 10);
			if (t % 10)
				PUTC('0' + t % 10);
		}
	}
}

static void msg_next_delivery(Msg *m, int first)
{
	m->b = first ? rr(0, 40) : rr(0, 10);
	if (m->agent == AG_SMTP) {
		m->c = first || ch(0.5) ? rr(30, 1500) : 0;
		m->d = rr(60, 1200) + m->size / 20000;
	} else {
		m->c = 0;
		m->d = rr(2, 120) + m->size / 200000;
	}
}

static void emit_delivery(Msg *m)
{
	Host *h = &H[m->host];
	static const int ag_prog[4] = { PR_LOCAL, PR_VIRTUAL, PR_PIPE, PR_SMTP };
	PidPool *pp = m->agent == AG_LOCAL ? &h->local : m->agent == AG_VIRTUAL ? &h->virt
		    : m->agent == AG_PIPE ? &h->pipe : &h->smtp;
	if (!m->pid || ch(0.3))
		m->pid = pool_pick(h, pp, 12);
	char rcpt[96];
	int rl, dom = -1;
	int32_t ra = -1;
	if (m->outbound)
		rl = remote_addr(rcpt, &dom);
	else {
		ra = m->ndone == 0 && m->rcpt_acct >= 0 ? m->rcpt_acct : HREAL[m->host][rn((uint32_t)HREAL_N[m->host])];
		rl = AC[ra].len;
		memcpy(rcpt, AC[ra].name, (size_t)rl);
	}
	lb(m->host, ag_prog[m->agent], m->pid);
	put(m->qid, m->qidlen);
	PUTL(": to=<");
	put(rcpt, (size_t)rl);
	PUTL(">, relay=");
	char mxname[96];
	int mxl = 0;
	if (m->agent == AG_SMTP) {
		if (dom >= 0) {
			mxl = (int)strlen(REMOTE_MX[dom]);
			memcpy(mxname, REMOTE_MX[dom], (size_t)mxl);
		} else {
			SB b = { mxname, 0 };
			const char *at = memchr(rcpt, '@', (size_t)rl);
			sb_s(&b, "mx.");
			memcpy(b.p + b.n, at + 1, (size_t)(rl - (at + 1 - rcpt)));
			b.n += (int)(rl - (at + 1 - rcpt));
			uint32_t fnv = 2166136261u;
			for (const char *q = at + 1; q < rcpt + rl; q++)
				fnv = (fnv ^ (unsigned char)*q) * 16777619u;
			sb_c(&b, '[');
			sb_ip(&b, pool_ip(POOL_RELAY, fnv % 5000));
			sb_c(&b, ']');
			mxl = b.n;
		}
		put(mxname, (size_t)mxl);
		PUTL(":25");
	} else if (m->agent == AG_PIPE)
		PUTL("plesk_virtual");
	else if (m->agent == AG_VIRTUAL)
		PUTL("virtual");
	else
		PUTL("local");
	int64_t total = now - m->t0, a = m->tq - m->t0;
	int64_t bq = total - a - m->c - m->d;
	PUTL(", delay=");
	put_delay(total);
	PUTL(", delays=");
	put_delay(a);
	PUTC('/');
	put_delay(bq);
	PUTC('/');
	put_delay(m->c);
	PUTC('/');
	put_delay(m->d);
	uint32_t r = rn(1000);
	int defer_p = m->spam ? 120 : 12, bounce_p = m->spam ? 250 : 20;
	if (m->agent != AG_SMTP || r >= (uint32_t)(defer_p + bounce_p)) {
		PUTL(", dsn=2.0.0, status=sent (");
		if (m->agent == AG_SMTP) {
			if (dom == 0 || dom == 12) {
				PUTL("250 2.0.0 OK  ");
				putu((uint64_t)floordiv(now, 1000));
				PUTC(' ');
				PUTC("abcdefghijklmnopqrstuvwxyz"[rn(26)]);
				putu(rr(10, 999));
				PUTL("-20020a05600c");
				putx(rnd(), 6, 0);
				PUTL(".123 - gsmtp)");
			} else {
				PUTL("250 2.0.0 Ok: queued as ");
				putx(rnd(), 11, 1);
				PUTC(')');
			}
		} else if (m->agent == AG_PIPE)
			PUTL("delivered via plesk_virtual service)");
		else if (m->agent == AG_VIRTUAL)
			PUTL("delivered to maildir)");
		else
			PUTL("delivered to mailbox)");
	} else if (r < (uint32_t)defer_p) {
		m->deferred = 1;
		if (ch(0.5)) {
			PUTL(", dsn=4.4.1, status=deferred (connect to ");
			put(mxname, (size_t)mxl);
			PUTL(":25: Connection timed out)");
		} else {
			PUTL(", dsn=4.7.0, status=deferred (host ");
			put(mxname, (size_t)mxl);
			PUTL(" said: 421 4.7.0 Try again later, closing connection. (in reply to end of DATA command))");
		}
	} else {
		m->bounced = 1;
		if (ch(0.6)) {
			PUTL(", dsn=5.1.1, status=bounced (host ");
			put(mxname, (size_t)mxl);
			PUTL(" said: 550 5.1.1 <");
			put(rcpt, (size_t)rl);
			PUTL(">: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))");
		} else {
			PUTL(", dsn=5.7.1, status=bounced (host ");
			put(mxname, (size_t)mxl);
			PUTL(" said: 550 5.7.1 Message rejected as spam (in reply to end of DATA command))");
		}
	}
	LE();
	T.deliveries++;
	if (m->agent == AG_SMTP)
		h->sc_n++;
}

static void ev_msg(uint32_t mi)
{
	Msg *m = &M_a[mi];
	Host *h = &H[m->host];
	switch (m->st) {
	case 0:
		lb(m->host, PR_QMGR, h->qmgr);
		put(m->qid, m->qidlen);
		PUTL(": from=<");
		put(m->from, m->fromlen);
		PUTL(">, size=");
		putu(m->size);
		PUTL(", nrcpt=");
		putu(m->nrcpt);
		PUTL(" (queue active)");
		LE();
		T.messages++;
		m->tq = now;
		m->st = 1;
		msg_next_delivery(m, 1);
		sched(now + m->b + m->c + m->d, EV_MSG, mi);
		return;
	case 1:
		emit_delivery(m);
		if (++m->ndone < m->nrcpt) {
			msg_next_delivery(m, 0);
			sched(now + m->b + m->c + m->d, EV_MSG, mi);
		} else {
			m->st = 2;
			sched(now + rr(0, 5), EV_MSG, mi);
		}
		return;
	default:
		if (m->bounced) {
			char nq[16];
			uint8_t nl;
			new_qid(m->host, nq, &nl);
			lb(m->host, PR_BOUNCE, pool_pick(h, &h->bounce, 3));
			put(m->qid, m->qidlen);
			PUTL(": sender non-delivery notification: ");
			put(nq, nl);
			LE();
		}
		if (!m->deferred) {
			lb(m->host, PR_QMGR, h->qmgr);
			put(m->qid, m->qidlen);
			PUTL(": removed");
			LE();
		}
		M_release(mi);
		return;
	}
}

/* ------------------------------------------------------ session engine */

static void camp_session_done(int32_t ci);

static uint32_t sess_new(int kind, int host, int svc, uint32_t ip)
{
	uint32_t si = S_alloc();
	Sess *s = &S_a[si];
	s->kind = (uint8_t)kind;
	s->host = (uint8_t)host;
	s->svc = (uint8_t)svc;
	s->ip = ip;
	s->camp = -1;
	s->acct = -1;
	s->rcpt_acct = -1;
	s->port = rr(1024, 65535);
	s->v310 = ch(0.2);
	s->dbg = ch(opt_dbg / 100.0);
	s->st = (svc == SV_SMTPD && H[host].postscreen && kind != K_PS) ? ST_PS_CONNECT : ST_CONNECT;
	if (kind == K_PS)
		s->st = ST_PS_CONNECT;
	return si;
}

static void sess_end(uint32_t si)
{
	Sess *s = &S_a[si];
	if (s->kind != K_PS)
		svc_pid_put(s);
	int32_t ci = s->camp;
	S_release(si);
	if (ci >= 0)
		camp_session_done(ci);
}

static int64_t to_body(Sess *s)
{
	switch (s->kind) {
	case K_MX:
		s->st = ST_MAIL;
		return rr(150, 2500);
	case K_REJ:
		s->st = ST_REJ;
		return rr(150, 3000);
	case K_LOST:
		s->st = ST_LOST;
		return rr(100, 20000);
	case K_TMO:
		if (s->tmo_data) {
			s->st = ST_MAIL;
			return rr(300, 3000);
		}
		s->st = ST_TMO;
		return 300000 + rn(1000);
	default:
		s->st = ST_AUTH;
		return rr(100, 1500);
	}
}

static void ps_line_start(Sess *s) { lb(s->host, PR_PSCREEN, H[s->host].pscreen); }
static void ps_addr(Sess *s)
{
	PUTC('[');
	putip(s->ip);
	PUTL("]:");
	putu(s->port);
}

static int64_t step_postscreen(Sess *s)
{
	Host *h = &H[s->host];
	switch (s->st) {
	case ST_PS_CONNECT:
		ps_line_start(s);
		PUTL("CONNECT from ");
		ps_addr(s);
		PUTL(" to [");
		putip(h->lip);
		PUTL("]:25");
		LE();
		if (s->kind == K_PS) {
			s->st = ST_PS_X;
			s->ps_out = (uint8_t)rn(5);
			return s->ps_out == 1 ? rr(50, 900) : rr(200, 6500);
		}
		s->ps_new = ch(0.25);
		s->st = ST_PS_PASS;
		return s->ps_new ? rr(3000, 6500) : rr(0, 5);
	case ST_PS_PASS:
		ps_line_start(s);
		puts0(s->ps_new ? "PASS NEW " : "PASS OLD ");
		ps_addr(s);
		LE();
		s->st = ST_CONNECT;
		return rr(1, 40);
	case ST_PS_X:
		switch (s->ps_out) {
		case 0: { /* DNSBL listed -> reject */
			int rank = (int)rr(2, 8);
			lb(s->host, PR_DNSBLOG, h->dnsblog);
			PUTL("addr ");
			putip(s->ip);
			PUTL(" listed by domain zen.spamhaus.org as 127.0.0.");
			putu(rr(2, 4));
			LE();
			ps_line_start(s);
			PUTL("DNSBL rank ");
			putu((uint64_t)rank);
			PUTL(" for ");
			ps_addr(s);
			LE();
			random_helo(s);
			ps_line_start(s);
			PUTL("NOQUEUE: reject: RCPT from ");
			ps_addr(s);
			PUTL(": 550 5.7.1 Service unavailable; client [");
			putip(s->ip);
			PUTL("] blocked using zen.spamhaus.org; from=<");
			sender_remote(s);
			put(s->from, s->fromlen);
			PUTL(">, to=<");
			putacct(HREAL[s->host][rn((uint32_t)HREAL_N[s->host])]);
			PUTL(">, proto=ESMTP, helo=<");
			put(s->helo, s->helolen);
			PUTL(">");
			LE();
			break;
		}
		case 1: /* pregreet */
			ps_line_start(s);
			PUTL("PREGREET ");
			putu(rr(10, 24));
			PUTL(" after 0.");
			putu(rr(10, 99));
			PUTL(" from ");
			ps_addr(s);
			PUTL(": EHLO ");
			random_helo(s);
			put(s->helo, s->helolen);
			PUTL("\\r\\n");
			LE();
			break;
		case 2:
			ps_line_start(s);
			PUTL("HANGUP after ");
			putu(rr(0, 6));
			PUTC('.');
			putu(rn(10));
			PUTL(" from ");
			ps_addr(s);
			PUTL(" in tests after SMTP handshake");
			LE();
			break;
		case 3:
			ps_line_start(s);
			PUTL("COMMAND PIPELINING from ");
			ps_addr(s);
			PUTL(" after EHLO: QUIT\\r\\n");
			LE();
			break;
		default:
			ps_line_start(s);
			PUTL("DNSBL rank ");
			putu(rr(1, 2));
			PUTL(" for ");
			ps_addr(s);
			LE();
			ps_line_start(s);
			PUTL("PASS NEW ");
			ps_addr(s);
			LE();
			break;
		}
		s->st = ST_PS_DISC;
		return rr(0, 800);
	default:
		ps_line_start(s);
		PUTL("DISCONNECT ");
		ps_addr(s);
		LE();
		return -1;
	}
}

static int64_t step_auth(Sess *s)
{
	Camp *c = s->camp >= 0 ? &C_a[s->camp] : NULL;
	int32_t acct;
	char pwb[48];
	const char *pw;
	int pwlen, success = 0, mech = s->mech, server_err = 0;
	if (s->kind == K_SUB || s->kind == K_BRK) {
		acct = s->acct;
		pw = AC[acct].pw;
		pwlen = AC[acct].pwlen;
		if (s->typo) {
			s->typo = 0;
			memcpy(pwb, pw, (size_t)pwlen);
			if (ch(0.5) && pwlen > 6)
				pwlen--;
			else
				pwb[pwlen++] = "123!x"[rn(5)];
			pw = pwb;
			T.legit_fails++;
		} else
			success = 1;
	} else {
		acct = c ? camp_target(c) : (ch(0.5) ? bare_first + (int32_t)rn(NELEM(BARE))
						      : HLIST[s->host][rn((uint32_t)HLIST_N[s->host])]);
		pwlen = attack_pw(pwb, acct);
		pw = pwb;
		if (!H[s->host].plesk && ch(0.03))
			mech = M_CRAM;
		server_err = ch(0.004);
	}
	if (s->dbg && s->tls)
		emit_auth_debug(s, mech, acct, pw, pwlen, success);
	cnt(s, C_AUTH, success);
	if (success) {
		s->authed = 1;
		s->st = ST_MAIL;
		return rr(80, 1500);
	}
	emit_auth_warning(s, mech, acct, pwlen, server_err);
	if (s->kind == K_SUB || s->kind == K_BRK)
		return rr(2500, 15000); /* user retypes: next attempt succeeds */
	if (s->attempts)
		s->attempts--;
	if (s->attempts > 0) {
		if (s->rset)
			cnt(s, C_RSET, 1);
		return c && c->type == CT_BRUTE ? rr(800, 4000) : rr(1000, 7000);
	}
	s->st = ST_ENDAUTH;
	return rr(100, 4000);
}

static int64_t sess_step(Sess *s)
{
	switch (s->st) {
	case ST_PS_CONNECT:
	case ST_PS_PASS:
	case ST_PS_X:
	case ST_PS_DISC:
		return step_postscreen(s);

	case ST_CONNECT: {
		Host *h = &H[s->host];
		s->pid = svc_pid_get(s);
		if (s->rwarn) {
			sl(s);
			PUTL("warning: hostname ");
			put(s->rwname, s->rwlen);
			PUTL(" does not resolve to address ");
			putip(s->ip);
			switch (rn(3)) {
			case 0:
				PUTL(": Name or service not known");
				break;
			case 1:
				PUTL(": Temporary failure in name resolution");
				break;
			default:
				break;
			}
			LE();
		}
		sl(s);
		PUTL("connect from ");
		putclient(s);
		LE();
		T.sessions++;
		T.sess_svc[s->svc]++;
		ipstat(s->ip)->sessions++;
		h->an_ip = s->ip;
		h->an_t = now;
		h->an_svc = s->svc;
		h->an_conn++;
		if (s->kind == K_LOST && s->lost_at == LA_CONNECT) {
			s->st = ST_LOST;
			return rr(50, 15000);
		}
		if (s->svc == SV_SMTPS) {
			s->tls = 1;
			s->st = ST_TLS;
			return rr(40, 300);
		}
		cnt(s, C_EHLO, 1);
		if (s->kind == K_LOST && s->lost_at == LA_EHLO) {
			s->st = ST_LOST;
			return rr(100, 15000);
		}
		if (s->tls) {
			s->st = ST_TLS;
			return rr(60, 700);
		}
		return to_body(s);
	}

	case ST_TLS: {
		sl(s);
		PUTL("setting up TLS connection from ");
		putclient(s);
		LE();
		if (s->kind == K_LOST && s->lost_at == LA_STARTTLS) {
			sl(s);
			if (ch(0.5)) {
				PUTL("SSL_accept error from ");
				putclient(s);
				PUTL(": -1");
			} else {
				PUTL("warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1685:");
			}
			LE();
			if (s->svc != SV_SMTPS)
				cnt(s, C_STARTTLS, 0);
			sl(s);
			put_prefix310(s);
			PUTL("lost connection after STARTTLS from ");
			putclient(s);
			LE();
			emit_disconnect(s);
			return -1;
		}
		int is13 = TLSP[s->tlsp][6] == '3';
		if (s->dbg) {
			T.tls_dbg_sess++;
			emit_tls_debug(s, is13);
		}
		sl(s);
		puts0(s->untrusted ? "Untrusted TLS connection established from " : "Anonymous TLS connection established from ");
		putclient(s);
		PUTL(": ");
		puts0(TLSP[s->tlsp]);
		LE();
		T.tls++;
		if (s->svc != SV_SMTPS)
			cnt(s, C_STARTTLS, 1);
		cnt(s, C_EHLO, 1);
		if (s->dbg) {
			char ln[160];
			SB b = { ln, 0 };
			sb_s(&b, "EHLO ");
			memcpy(b.p + b.n, s->helo, s->helolen);
			b.n += s->helolen;
			sb_s(&b, "\r\n");
			emit_rw(s, 0, ln, (size_t)b.n);
			b.n = 0;
			sb_s(&b, "250-");
			sb_s(&b, H[s->host].name);
			sb_s(&b, ".acme.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-ETRN\r\n250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 DSN\r\n");
			emit_rw(s, 1, ln, (size_t)b.n);
		}
		return to_body(s);
	}

	case ST_AUTH:
		return step_auth(s);

	case ST_ENDAUTH: {
		uint32_t r = rn(100);
		if (s->nfail >= 3 && r < 35) {
			sl(s);
			put_prefix310(s);
			PUTL("too many errors after AUTH from ");
			putclient(s);
			LE();
		} else if (r < 72) {
			sl(s);
			put_prefix310(s);
			PUTL("lost connection after AUTH from ");
			putclient(s);
			LE();
		} else
			cnt(s, C_QUIT, 1);
		emit_disconnect(s);
		return -1;
	}

	case ST_MAIL: {
		new_qid(s->host, s->qid, &s->qidlen);
		s->t_client = now;
		if (s->kind == K_SUB || s->kind == K_BRK) {
			s->fromlen = (uint8_t)AC[s->acct].len;
			memcpy(s->from, AC[s->acct].name, s->fromlen);
		} else
			sender_remote(s);
		s->cur_nrcpt = s->kind == K_BRK ? (uint8_t)rr(10, 50) : (uint8_t)(ch(0.78) ? 1 : ch(0.8) ? rr(2, 3) : rr(4, s->nrcpt_max));
		if (s->dbg && s->tls) {
			char ln[96];
			SB b = { ln, 0 };
			sb_s(&b, "MAIL FROM:<");
			memcpy(b.p + b.n, s->from, s->fromlen);
			b.n += s->fromlen;
			sb_s(&b, "> SIZE=");
			sb_u(&b, rr(800, 90000));
			sb_s(&b, "\r\n");
			emit_rw(s, 0, ln, (size_t)b.n);
		}
		sl(s);
		put(s->qid, s->qidlen);
		PUTL(": client=");
		putclient(s);
		if (s->authed) {
			PUTL(", sasl_method=");
			puts0(MECH[s->mech]);
			PUTL(", sasl_username=");
			putacct(s->acct);
			count_success(s);
		}
		LE();
		cnt(s, C_MAIL, 1);
		for (int i = 0; i < s->cur_nrcpt; i++)
			cnt(s, C_RCPT, 1);
		if (s->kind == K_TMO) {
			s->st = ST_TMO;
			return 300000 + rn(1000);
		}
		s->st = ST_DATA;
		return s->kind == K_BRK ? rr(300, 2000) : rr(200, 3500);
	}

	case ST_DATA:
		lb(s->host, PR_CLEANUP, pool_pick(&H[s->host], &H[s->host].cleanup, 6));
		put(s->qid, s->qidlen);
		PUTL(": message-id=<");
		switch (rn(5)) {
		case 0:
			putu((uint64_t)floordiv(now, 1000));
			PUTC('.');
			putx(rnd(), 16, 1);
			PUTC('@');
			puts0(WORDS[rn(NELEM(WORDS))]);
			PUTL(".example");
			break;
		case 1:
			PUTL("CA");
			for (int i = 0; i < 40; i++)
				PUTC(B64[rn(62)]);
			PUTL("@mail.gmail.com");
			break;
		case 2:
			putx(rnd(), 8, 0);
			PUTC('-');
			putx(rnd(), 4, 0);
			PUTC('-');
			putx(rnd(), 4, 0);
			PUTC('-');
			putx(rnd(), 4, 0);
			PUTC('-');
			putx(rnd(), 12, 0);
			PUTC('@');
			puts0(s->kind == K_SUB ? DOMAINS[AC[s->acct].dom] : REMOTE_DOM[rn(NELEM(REMOTE_DOM))]);
			break;
		case 3:
			PUTL("0102018c");
			putx(rnd(), 8, 0);
			PUTC('-');
			putx(rnd(), 8, 0);
			PUTL("-000000@eu-west-1.amazonses.com");
			break;
		default:
			putx(rnd(), 12, 1);
			PUTC('$');
			putx(rnd(), 8, 1);
			PUTC('@');
			puts0(WORDS[rn(NELEM(WORDS))]);
			PUTL(".example.com");
			break;
		}
		PUTC('>');
		LE();
		cnt(s, C_DATA, 1);
		msg_spawn(s);
		s->qidlen = 0;
		if (s->nmsg > 1) {
			s->nmsg--;
			s->st = ST_MAIL;
			return s->kind == K_BRK ? rr(100, 1200) : rr(100, 1500);
		}
		s->st = ST_QUIT;
		return rr(20, 600);

	case ST_REJ: {
		int k = (int)(ch(0.8) ? 1 : rr(2, 3)), why = (int)rn(100);
		int unknown = s->clen > 8 && !memcmp(s->client, "unknown[", 8);
		if (why >= 85 && !unknown)
			why = (int)rn(85);
		sender_remote(s);
		cnt(s, C_MAIL, 1);
		for (int i = 0; i < k; i++) {
			char to[96];
			int tl, dom;
			if (why < 40)
				tl = remote_addr(to, &dom);
			else if (why < 70) {
				int32_t a = HLIST[s->host][rn((uint32_t)HLIST_N[s->host])];
				while (AC[a].exists || AC[a].dom == 255)
					a = HLIST[s->host][rn((uint32_t)HLIST_N[s->host])];
				tl = AC[a].len;
				memcpy(to, AC[a].name, (size_t)tl);
			} else {
				int32_t a = HREAL[s->host][rn((uint32_t)HREAL_N[s->host])];
				tl = AC[a].len;
				memcpy(to, AC[a].name, (size_t)tl);
			}
			sl(s);
			PUTL("NOQUEUE: reject: RCPT from ");
			putclient(s);
			if (why < 40) {
				PUTL(": 554 5.7.1 <");
				put(to, (size_t)tl);
				PUTL(">: Relay access denied");
			} else if (why < 70) {
				PUTL(": 550 5.1.1 <");
				put(to, (size_t)tl);
				PUTL(">: Recipient address rejected: User unknown in virtual mailbox table");
			} else if (why < 85) {
				PUTL(": 554 5.7.1 Service unavailable; Client host [");
				putip(s->ip);
				PUTL("] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/");
				putip(s->ip);
			} else {
				PUTL(": 450 4.7.1 Client host rejected: cannot find your reverse hostname, [");
				putip(s->ip);
				PUTC(']');
			}
			PUTL("; from=<");
			put(s->from, s->fromlen);
			PUTL("> to=<");
			put(to, (size_t)tl);
			PUTL("> proto=ESMTP helo=<");
			put(s->helo, s->helolen);
			PUTL(">");
			LE();
			cnt(s, C_RCPT, 0);
			T.rejects++;
		}
		if (ch(0.5))
			cnt(s, C_RSET, 1);
		s->st = ST_QUIT;
		return rr(50, 1500);
	}

	case ST_LOST:
		sl(s);
		put_prefix310(s);
		PUTL("lost connection after ");
		switch (s->lost_at) {
		case LA_CONNECT:
			PUTL("CONNECT");
			break;
		case LA_EHLO:
			PUTL("EHLO");
			break;
		case LA_RCPT:
			PUTL("RCPT");
			cnt(s, C_MAIL, 1);
			cnt(s, C_RCPT, 1);
			break;
		default:
			PUTL("UNKNOWN");
			cnt(s, C_UNK, 0);
			break;
		}
		PUTL(" from ");
		putclient(s);
		LE();
		emit_disconnect(s);
		return -1;

	case ST_TMO:
		sl(s);
		put_prefix310(s);
		if (s->tmo_data) {
			PUTL("timeout after DATA (");
			putu(rr(0, 1) ? rr(0, 65536) : 0);
			PUTL(" bytes) from ");
			cnt(s, C_DATA, 0);
		} else
			PUTL("timeout after EHLO from ");
		putclient(s);
		LE();
		emit_disconnect(s);
		return -1;

	default: /* ST_QUIT */
		if (s->dbg && s->tls)
			emit_rw(s, 0, "QUIT\r\n", 6);
		cnt(s, C_QUIT, 1);
		emit_disconnect(s);
		return -1;
	}
}

static void ev_sess(uint32_t si)
{
	int64_t d = sess_step(&S_a[si]);
	if (d >= 0)
		sched(now + d, EV_SESS, si);
	else
		sess_end(si);
}

/* -------------------------------------------------------- arrivals */

/* traffic shape by local hour (mean ~1) */
static const double DIURNAL_MX[24] = { .55, .5, .45, .45, .5, .6, .8, 1.0, 1.2, 1.35, 1.4, 1.4,
				       1.3, 1.35, 1.4, 1.4, 1.3, 1.2, 1.1, 1.0, .9, .8, .7, .6 };
static const double DIURNAL_SUB[24] = { .1, .05, .05, .05, .05, .1, .4, 1.2, 2.2, 2.6, 2.6, 2.4,
					2.0, 2.3, 2.5, 2.4, 2.1, 1.6, 1.0, .7, .5, .4, .3, .2 };

/* rates (events per second on average); calibrated for ~8M lines per 30 days */
#define MX_RATE 0.265
#define SUB_RATE 0.030
#define PS_RATE 0.045
#define DOVE_RATE 0.035
#define MX_PEAK 1.4
#define SUB_PEAK 3.25 /* 2.6 * weekday factor 1.25 */
static const double CAMP_PER_DAY[3] = { 3.3, 3.6, 4.0 };

static int weighted_host(void) { return pick_real_host(); }

static void ev_mx_arr(void)
{
	sched(now + expo_ms(1000.0 / (MX_RATE * MX_PEAK)), EV_MX_ARR, 0);
	if (!ch(DIURNAL_MX[local_hour(now)] / MX_PEAK)) /* thinning */
		return;
	uint32_t r = rn(1000);
	int kind = r < 585 ? K_MX : r < 745 ? K_REJ : r < 890 ? K_LOST : r < 925 ? K_TMO : K_SCAN;
	char nm[96];
	int nl;
	uint32_t ip, si;
	Sess *s;
	if (kind == K_MX || (kind == K_REJ && ch(0.4)) || (kind == K_TMO && ch(0.5))) {
		double u = ur();
		uint32_t idx = (uint32_t)(N_MX * u * u * u);
		nl = mx_server(idx, &ip, nm);
		int32_t ra = REAL[rn((uint32_t)nreal)];
		si = sess_new(kind, AC[ra].host, SV_SMTPD, ip);
		s = &S_a[si];
		s->rcpt_acct = ra;
		set_client_rdns(s, nm, nl, 0.015);
		helo_from_client(s);
		s->tls = ch(0.8);
		s->untrusted = ch(0.15);
		s->tlsp = (uint8_t)tls_profile(0);
	} else {
		uint32_t idx = rn(N_SCAN);
		ip = pool_ip(POOL_SCAN, idx);
		nl = attacker_name(nm, ip, mix64(ip ^ ipseed));
		int host = weighted_host(), svc = kind == K_SCAN && ch(0.3) ? SV_SUBM : SV_SMTPD;
		si = sess_new(kind, host, svc, ip);
		s = &S_a[si];
		set_client_rdns(s, nm, nl, 0.25);
		random_helo(s);
		s->tls = kind == K_SCAN ? ch(0.6) : ch(0.3);
		s->tlsp = (uint8_t)tls_profile(1);
	}
	s->nmsg = (uint8_t)(ch(0.92) ? 1 : rr(2, 3));
	s->nrcpt_max = 8;
	s->mech = ch(0.6) ? M_LOGIN : M_PLAIN;
	s->noir = ch(0.1);
	s->tmo_data = ch(0.7);
	s->attempts = (uint8_t)rr(1, 2);
	s->rset = ch(0.5);
	if (kind == K_LOST) {
		uint32_t q = rn(100);
		s->lost_at = q < 45 ? LA_CONNECT : q < 70 ? LA_EHLO : q < 82 ? LA_STARTTLS : q < 91 ? LA_RCPT : LA_UNKNOWN;
		if (s->lost_at == LA_STARTTLS)
			s->tls = 1;
	}
	if (s->dbg && kind != K_LOST)
		s->tls = 1;
	sched(now, EV_SESS, si);
}

static uint32_t legit_ip(int32_t a, int home)
{
	return home ? pool_ip(POOL_LEGIT, 1000 + (uint32_t)a) : pool_ip(POOL_LEGIT, AC[a].dom);
}

static void ev_sub_arr(void)
{
	double wk = local_wday(now) == 0 || local_wday(now) == 6 ? 0.3 : 1.25;
	sched(now + expo_ms(1000.0 / (SUB_RATE * SUB_PEAK)), EV_SUB_ARR, 0);
	if (!ch(wk * DIURNAL_SUB[local_hour(now)] / SUB_PEAK)) /* thinning */
		return;
	double u = ur();
	int32_t a = REAL[(uint32_t)(nreal * u * u)];
	uint32_t ip = legit_ip(a, ch(0.35));
	int svc = ch(0.85) ? SV_SUBM : SV_SMTPS;
	uint32_t si = sess_new(K_SUB, AC[a].host, svc, ip);
	Sess *s = &S_a[si];
	char nm[96];
	int nl = legit_name(nm, ip, mix64(ip));
	set_client(s, nm, nl);
	helo_from_client(s);
	if (s->helolen == 0 || ch(0.5)) {
		SB b = { s->helo, 0 };
		sb_s(&b, "[192.168.");
		sb_u(&b, rn(3));
		sb_c(&b, '.');
		sb_u(&b, rr(2, 250));
		sb_c(&b, ']');
		s->helolen = (uint8_t)b.n;
	}
	s->acct = a;
	s->tls = 1;
	s->tlsp = (uint8_t)tls_profile(0);
	s->mech = ch(0.7) ? M_PLAIN : M_LOGIN;
	s->noir = ch(0.1);
	s->typo = ch(0.02);
	s->nmsg = (uint8_t)(ch(0.8) ? 1 : rr(2, 4));
	s->nrcpt_max = 6;
	sched(now, EV_SESS, si);
}

/* ------------------------------------------------------------ campaigns */

static void camp_maybe_free(int32_t ci)
{
	Camp *c = &C_a[ci];
	if (c->finished && c->active == 0)
		C_release((uint32_t)ci);
}

static void camp_session_done(int32_t ci)
{
	C_a[ci].active--;
	camp_maybe_free(ci);
}

static int32_t real_on_host(int h) { return HREAL[h][rn((uint32_t)HREAL_N[h])]; }

static void camp_start(int type, int force_breakin)
{
	uint32_t ci = C_alloc();
	Camp *c = &C_a[ci];
	c->type = (uint8_t)type;
	c->host = (uint8_t)pick_real_host();
	c->svc = (uint8_t)(ch(0.55) ? SV_SMTPD : ch(0.8) ? SV_SUBM : SV_SMTPS);
	c->rsetmode = (uint8_t)rn(3); /* 0 never, 1 always, 2 random */
	c->mechmode = (uint8_t)rn(3); /* 0 LOGIN, 1 PLAIN, 2 mixed */
	c->spawning = 1;
	c->brk_acct = -1;
	T.camps[type]++;
	double u = ur();
	switch (type) {
	case CT_BRUTE:
		c->ip = pool_ip(POOL_ATK, rn(N_ATK));
		c->ntargets = (uint8_t)(ch(0.5) ? 1 : rr(2, 3));
		for (int i = 0; i < c->ntargets; i++)
			c->targets[i] = ch(0.75) ? real_on_host(c->host) : HLIST[c->host][rn((uint32_t)HLIST_N[c->host])];
		c->budget = (int32_t)(100 * (1 + 39 * u * u));
		c->att_min = 1;
		c->att_max = 20;
		c->gap_min = 3000;
		c->gap_max = 90000;
		break;
	case CT_SPRAY:
		c->ip = pool_ip(POOL_ATK, rn(N_ATK));
		c->spray_pos = (int32_t)rn((uint32_t)HLIST_N[c->host]);
		c->spray_stride = 1;
		c->spray_rep_max = (uint8_t)(1 + ch(0.35));
		c->budget = (int32_t)((double)HLIST_N[c->host] * (0.4 + 1.4 * u));
		c->att_min = 1;
		c->att_max = 5;
		c->gap_min = 10000;
		c->gap_max = ch(0.5) ? 120000 : 600000;
		break;
	default:
		c->botbase = rn(N_BOT);
		c->nips = 100 + (uint32_t)(700 * u);
		c->ntargets = (uint8_t)(ch(0.6) ? 1 : rr(2, 5));
		for (int i = 0; i < c->ntargets; i++)
			c->targets[i] = ch(0.85) ? real_on_host(c->host) : HLIST[c->host][rn((uint32_t)HLIST_N[c->host])];
		c->budget = 1 << 30;
		c->att_min = 1;
		c->att_max = 3;
		c->gap_min = 5000;
		c->gap_max = 150000;
		break;
	}
	if (type != CT_SPRAY && (force_breakin || ch(0.1))) {
		if (!AC[c->targets[0]].exists)
			c->targets[0] = real_on_host(c->host);
		c->breakin = 1;
		c->brk_acct = c->targets[0];
		c->brk_left = (uint8_t)rr(1, 4);
		if (force_breakin)
			c->budget = (int32_t)rr(40, 150);
	}
	sched(now, EV_CAMP_TICK, ci);
}

static void ev_camp_start(uint32_t type)
{
	sched(now + expo_ms(86400000.0 / CAMP_PER_DAY[type]), EV_CAMP_START, type);
	camp_start((int)type, 0);
}

static void camp_finish_spawning(uint32_t ci)
{
	Camp *c = &C_a[ci];
	c->spawning = 0;
	if (c->breakin && c->brk_ready) {
		sched(now + rr(300, 6 * 3600) * 1000LL, EV_BREAKIN, ci);
		return;
	}
	c->finished = 1;
	camp_maybe_free((int32_t)ci);
}

static void ev_camp_tick(uint32_t ci)
{
	Camp *c = &C_a[ci];
	uint32_t ip;
	if (c->type == CT_DIST) {
		if (c->ipnext >= c->nips) {
			camp_finish_spawning(ci);
			return;
		}
		ip = pool_ip(POOL_BOT, (c->botbase + c->ipnext++) % N_BOT);
	} else {
		if (c->budget <= 0) {
			camp_finish_spawning(ci);
			return;
		}
		ip = c->ip;
	}
	int att = (int)rr(c->att_min, c->att_max);
	if (c->type != CT_DIST && att > c->budget)
		att = c->budget;
	c->budget -= att;
	uint32_t si = sess_new(K_ATK, c->host, c->svc, ip);
	Sess *s = &S_a[si];
	char nm[96];
	int nl = attacker_name(nm, ip, mix64(ip ^ ipseed));
	set_client_rdns(s, nm, nl, 0.3);
	random_helo(s);
	s->camp = (int32_t)ci;
	c->active++;
	s->attempts = (uint8_t)att;
	s->rset = c->rsetmode == 2 ? (uint8_t)ch(0.5) : c->rsetmode;
	s->mech = (uint8_t)(c->mechmode < 2 ? c->mechmode : rn(2));
	s->noir = ch(0.1);
	s->tls = c->svc == SV_SMTPS || ch(0.55);
	s->tlsp = (uint8_t)tls_profile(1);
	if (s->dbg)
		s->tls = 1;
	sched(now, EV_SESS, si);
	sched(now + rr(c->gap_min, c->gap_max), EV_CAMP_TICK, ci);
}

static void ev_breakin(uint32_t ci)
{
	Camp *c = &C_a[ci];
	uint32_t si = sess_new(K_BRK, c->host, ch(0.8) ? SV_SUBM : SV_SMTPS, c->brk_ip);
	Sess *s = &S_a[si];
	char nm[96];
	int nl = attacker_name(nm, c->brk_ip, mix64(c->brk_ip ^ ipseed));
	set_client(s, nm, nl);
	random_helo(s);
	s->camp = (int32_t)ci;
	c->active++;
	s->acct = c->brk_acct;
	s->tls = 1;
	s->tlsp = (uint8_t)tls_profile(1);
	s->mech = ch(0.5) ? M_LOGIN : M_PLAIN;
	s->nmsg = (uint8_t)rr(5, 30);
	sched(now, EV_SESS, si);
	if (--c->brk_left > 0)
		sched(now + rr(120, 1800) * 1000LL, EV_BREAKIN, ci);
	else {
		c->finished = 1;
		camp_maybe_free((int32_t)ci);
	}
}

/* ---------------------------------------------------------------- noise */

static int first_ps_host = -1;

static void ev_ps_arr(void)
{
	sched(now + expo_ms(1000.0 / (PS_RATE * MX_PEAK)), EV_PS_ARR, 0);
	if (!ch(DIURNAL_MX[local_hour(now)] / MX_PEAK))
		return;
	int h;
	do
		h = (int)rn((uint32_t)nhosts);
	while (!H[h].postscreen);
	uint32_t ip = pool_ip(POOL_SCAN, rn(N_SCAN));
	uint32_t si = sess_new(K_PS, h, SV_SMTPD, ip);
	sched(now, EV_SESS, si);
}

static void ev_dove(void)
{
	sched(now + expo_ms(1000.0 / (DOVE_RATE * SUB_PEAK)), EV_DOVE, 0);
	if (!ch(DIURNAL_SUB[local_hour(now)] / SUB_PEAK))
		return;
	double u = ur();
	int32_t a = REAL[(uint32_t)(nreal * u * u)];
	int h = AC[a].host, pop = ch(0.15), fail = ch(0.03);
	uint32_t ip = legit_ip(a, ch(0.4));
	lb(h, PR_DOVECOT, -1);
	if (pop)
		PUTL("pop3-login: ");
	else
		PUTL("imap-login: ");
	if (fail)
		PUTL("Disconnected (auth failed, 1 attempts in 2 secs): user=<");
	else
		PUTL("Login: user=<");
	putacct(a);
	PUTL(">, method=PLAIN, rip=");
	putip(ip);
	PUTL(", lip=");
	putip(H[h].lip);
	if (!fail) {
		PUTL(", mpid=");
		putu(new_pid(&H[h]));
	}
	PUTL(", TLS, session=<");
	for (int i = 0; i < 16; i++)
		PUTC(B64[rn(64)]);
	PUTC('>');
	LE();
}

static int64_t next_local_boundary(int64_t period_s, int64_t offset_s)
{
	int64_t ls = local_s(now);
	int64_t n = floordiv(ls - offset_s, period_s) * period_s + offset_s + period_s;
	return (n - tzoff_s) * 1000;
}

static void cron_run(int h, const char *cmd)
{
	int pid = new_pid(&H[h]);
	lb(h, PR_CRON, pid);
	PUTL("pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)");
	LE();
	lb(h, PR_CRON, pid);
	PUTL("(root) CMD (");
	puts0(cmd);
	PUTC(')');
	LE();
	lb(h, PR_CRON, pid);
	PUTL("pam_unix(cron:session): session closed for user root");
	LE();
}

static void ev_cron(uint32_t idx)
{
	int h = (int)(idx >> 2), kind = (int)(idx & 3);
	Host *hh = &H[h];
	switch (kind) {
	case 0:
		cron_run(h, "command -v debian-sa1 > /dev/null && debian-sa1 1 1");
		if (hh->plesk)
			cron_run(h, "/opt/psa/admin/sbin/backupmng >/dev/null 2>&1");
		sched(next_local_boundary(600, 300) + rn(2000), EV_CRON, idx);
		break;
	case 1:
		cron_run(h, "cd / && run-parts --report /etc/cron.hourly");
		sched(next_local_boundary(3600, 17 * 60) + rn(2000), EV_CRON, idx);
		break;
	default:
		lb(h, PR_SYSTEMD, 1);
		PUTL("Starting logrotate.service - Rotate log files...");
		LE();
		lb(h, PR_PFSCRIPT, new_pid(hh));
		PUTL("refreshing the Postfix mail system");
		LE();
		lb(h, PR_MASTER, hh->master);
		PUTL("reload -- version 3.7.11, configuration /etc/postfix");
		LE();
		hh->qmgr = new_pid(hh);
		hh->anvil = 0;
		lb(h, PR_SYSTEMD, 1);
		PUTL("logrotate.service: Deactivated successfully.");
		LE();
		lb(h, PR_SYSTEMD, 1);
		PUTL("Finished logrotate.service - Rotate log files.");
		LE();
		sched(next_local_boundary(86400, 0) + rr(0, 3000), EV_CRON, idx);
		break;
	}
}

static void put_stamp_at(int64_t t_ms)
{
	char b[16];
	stamp(b, local_s(t_ms), NULL);
	put(b, 15);
}

static void ev_anvil(uint32_t h)
{
	Host *hh = &H[h];
	sched(now + rr(600, 1800) * 1000LL, EV_ANVIL, h);
	if (!hh->an_conn)
		return;
	static const char *const sv[3] = { "smtp", "submission", "smtps" };
	if (!hh->anvil)
		hh->anvil = new_pid(hh);
	lb((int)h, PR_ANVIL, hh->anvil);
	PUTL("statistics: max connection rate ");
	putu(rr(1, 4));
	PUTL("/60s for (");
	puts0(sv[hh->an_svc]);
	PUTC(':');
	putip(hh->an_ip);
	PUTL(") at ");
	put_stamp_at(hh->an_t);
	LE();
	lb((int)h, PR_ANVIL, hh->anvil);
	PUTL("statistics: max connection count ");
	putu(rr(1, 3));
	PUTL(" for (");
	puts0(sv[hh->an_svc]);
	PUTC(':');
	putip(hh->an_ip);
	PUTL(") at ");
	put_stamp_at(hh->an_t);
	LE();
	lb((int)h, PR_ANVIL, hh->anvil);
	PUTL("statistics: max cache size ");
	putu(rr(1, 6));
	PUTL(" at ");
	put_stamp_at(hh->an_t);
	LE();
	hh->an_conn = 0;
	hh->anvil = new_pid(hh);
}

static void ev_scache(uint32_t h)
{
	Host *hh = &H[h];
	sched(now + rr(600, 1800) * 1000LL, EV_SCACHE, h);
	if (!hh->sc_n) {
		hh->sc_start = now;
		return;
	}
	uint32_t miss = hh->sc_n, hits = rn(miss / 3 + 1);
	if (!hh->scache)
		hh->scache = new_pid(hh);
	lb((int)h, PR_SCACHE, hh->scache);
	PUTL("statistics: start interval ");
	put_stamp_at(hh->sc_start);
	LE();
	lb((int)h, PR_SCACHE, hh->scache);
	PUTL("statistics: domain lookup hits=");
	putu(hits);
	PUTL(" miss=");
	putu(miss);
	PUTL(" success=");
	putu(100 * hits / (hits + miss));
	PUTC('%');
	LE();
	lb((int)h, PR_SCACHE, hh->scache);
	PUTL("statistics: address lookup hits=");
	putu(hits / 2);
	PUTL(" miss=");
	putu(miss);
	PUTL(" success=");
	putu(100 * (hits / 2) / (hits / 2 + miss));
	PUTC('%');
	LE();
	lb((int)h, PR_SCACHE, hh->scache);
	PUTL("statistics: max simultaneous domains=1 addresses=1 connection=");
	putu(rr(1, 3));
	LE();
	hh->sc_n = 0;
	hh->sc_start = now;
	hh->scache = new_pid(hh);
}

/* ------------------------------------------------------------ truth out */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 32)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static const char *ipstr(uint32_t ip)
{
	static char b[4][16];
	static int k;
	k = (k + 1) & 3;
	b[k][fmt_ip(b[k], ip)] = 0;
	return b[k];
}

static int cmp_fails(const void *a, const void *b)
{
	const IpStat *x = *(IpStat *const *)a, *y = *(IpStat *const *)b;
	if (x->fails != y->fails)
		return x->fails > y->fails ? -1 : 1;
	return x->ip < y->ip ? -1 : x->ip > y->ip;
}
static int cmp_sessions(const void *a, const void *b)
{
	const IpStat *x = *(IpStat *const *)a, *y = *(IpStat *const *)b;
	if (x->sessions != y->sessions)
		return x->sessions > y->sessions ? -1 : 1;
	return x->ip < y->ip ? -1 : x->ip > y->ip;
}
static int cmp_acct_fails(const void *a, const void *b)
{
	const Acct *x = &AC[*(const int *)a], *y = &AC[*(const int *)b];
	if (x->fails != y->fails)
		return x->fails > y->fails ? -1 : 1;
	return strcmp(x->name, y->name);
}
static int cmp_acct_name(const void *a, const void *b)
{
	return strcmp(AC[*(const int *)a].name, AC[*(const int *)b].name);
}

static void json_ip(FILE *f, const IpStat *e, int last)
{
	fprintf(f, "    {\"ip\": \"%s\", \"sessions\": %u, \"auth_failures\": %u, \"auth_errors\": %u, \"auth_successes\": %u}%s\n",
		ipstr(e->ip), e->sessions, e->fails, e->errors, e->succ, last ? "" : ",");
}

static void write_truth(const char *path, const char *const *argv, int argc, uint64_t seed)
{
	FILE *f = fopen(path, "w");
	char t1[32], t2[32];
	if (!f) {
		perror("gen: truth");
		exit(1);
	}
	IpStat **v = malloc((im_n + 1) * sizeof *v);
	uint32_t nv = 0, nfailip = 0, nsuccip = 0;
	for (uint32_t i = 0; i < im_cap; i++)
		if (im[i].ip) {
			v[nv++] = &im[i];
			nfailip += im[i].fails > 0;
			nsuccip += im[i].succ > 0;
		}
	rfc3339(t1, first_ms < 0 ? now : first_ms);
	rfc3339(t2, first_ms < 0 ? now : last_ms);
	fprintf(f, "{\n  \"generator\": \"mailsleuth bench/gen 1\",\n  \"seed\": %llu,\n  \"argv\": [", (unsigned long long)seed);
	for (int i = 0; i < argc; i++) {
		json_str(f, argv[i]);
		if (i + 1 < argc)
			fputs(", ", f);
	}
	fprintf(f, "],\n  \"utc_offset_seconds\": %d,\n", tzoff_s);
	fprintf(f, "  \"start_year\": %d,\n  \"start_utc\": \"%s\",\n  \"end_utc\": \"%s\",\n",
		nystarts ? ystarts[0].year : 0, t1, t2);
	fputs("  \"year_starts\": [", f);
	for (int i = 0; i < nystarts; i++)
		fprintf(f, "%s{\"year\": %d, \"first_line\": %llu}", i ? ", " : "", ystarts[i].year, (unsigned long long)ystarts[i].line);
	fprintf(f, "],\n  \"lines\": %llu,\n  \"bytes\": %llu,\n", (unsigned long long)lineno, (unsigned long long)oflushed);
	fputs("  \"lines_by_program\": {", f);
	for (int p = 0, first = 1; p < PR_N; p++)
		if (prog_lines[p]) {
			fprintf(f, "%s\"%s\": %llu", first ? "" : ", ", PROG[p], (unsigned long long)prog_lines[p]);
			first = 0;
		}
	fputs("},\n  \"hosts\": [", f);
	for (int h = 0; h < nhosts; h++)
		fprintf(f, "%s{\"name\": \"%s\", \"plesk\": %s, \"postscreen\": %s, \"long_queue_ids\": %s, \"lines\": %llu, \"auth_failures\": %llu}",
			h ? ", " : "", H[h].name, H[h].plesk ? "true" : "false", H[h].postscreen ? "true" : "false",
			H[h].longqid ? "true" : "false", (unsigned long long)host_lines[h], (unsigned long long)T.fails_host[h]);
	fprintf(f, "],\n  \"sessions\": %llu,\n  \"sessions_by_program\": {\"postfix/smtpd\": %llu, \"postfix/submission/smtpd\": %llu, \"postfix/smtps/smtpd\": %llu},\n",
		(unsigned long long)T.sessions, (unsigned long long)T.sess_svc[0], (unsigned long long)T.sess_svc[1], (unsigned long long)T.sess_svc[2]);
	fprintf(f, "  \"auth_failures\": %llu,\n  \"auth_errors\": %llu,\n  \"auth_successes\": %llu,\n  \"legit_user_failures\": %llu,\n",
		(unsigned long long)T.fails, (unsigned long long)T.errors, (unsigned long long)T.succ, (unsigned long long)T.legit_fails);
	fprintf(f, "  \"auth_failures_by_mechanism\": {\"LOGIN\": %llu, \"PLAIN\": %llu, \"CRAM-MD5\": %llu},\n",
		(unsigned long long)T.fails_mech[0], (unsigned long long)T.fails_mech[1], (unsigned long long)T.fails_mech[2]);
	fprintf(f, "  \"tls_handshakes\": %llu,\n  \"tls_debug_sessions\": %llu,\n  \"messages\": %llu,\n  \"deliveries\": %llu,\n  \"rejects\": %llu,\n",
		(unsigned long long)T.tls, (unsigned long long)T.tls_dbg_sess, (unsigned long long)T.messages,
		(unsigned long long)T.deliveries, (unsigned long long)T.rejects);
	fprintf(f, "  \"plesk\": {\"lines\": %llu, \"failed_auth_lines\": %llu, \"failed_auth_misspelled\": %llu, \"no_such_user_lines\": %llu, \"select_timeout_lines\": %llu},\n",
		(unsigned long long)prog_lines[PR_PLESK], (unsigned long long)T.pl_failed, (unsigned long long)T.pl_missp,
		(unsigned long long)T.pl_nosuch, (unsigned long long)T.pl_exit);
	fprintf(f, "  \"campaigns\": {\"brute_force\": %llu, \"spray\": %llu, \"distributed\": %llu},\n",
		(unsigned long long)T.camps[0], (unsigned long long)T.camps[1], (unsigned long long)T.camps[2]);
	fprintf(f, "  \"distinct_ips\": %u,\n  \"distinct_ips_with_failures\": %u,\n  \"distinct_ips_with_successes\": %u,\n",
		nv, nfailip, nsuccip);

	qsort(v, nv, sizeof *v, cmp_fails);
	uint32_t k = nfailip < 100 ? nfailip : 100;
	fputs("  \"top_ips_by_failures\": [\n", f);
	for (uint32_t i = 0; i < k; i++)
		json_ip(f, v[i], i + 1 == k);
	fputs("  ],\n", f);
	qsort(v, nv, sizeof *v, cmp_sessions);
	k = nv < 100 ? nv : 100;
	fputs("  \"top_ips_by_sessions\": [\n", f);
	for (uint32_t i = 0; i < k; i++)
		json_ip(f, v[i], i + 1 == k);
	fputs("  ],\n  \"ips_with_successes\": [\n", f);
	for (uint32_t i = 0, done = 0; i < nv; i++)
		if (v[i]->succ)
			json_ip(f, v[i], ++done == nsuccip);
	fputs("  ],\n", f);
	free(v);

	int *ai = malloc((size_t)nac * sizeof(int)), na = 0;
	for (int a = 0; a < nac; a++)
		if (AC[a].succ)
			ai[na++] = a;
	qsort(ai, (size_t)na, sizeof(int), cmp_acct_name);
	fputs("  \"auth_successes_by_account\": [\n", f);
	for (int i = 0; i < na; i++) {
		fputs("    {\"account\": ", f);
		json_str(f, AC[ai[i]].name);
		fprintf(f, ", \"count\": %u}%s\n", AC[ai[i]].succ, i + 1 < na ? "," : "");
	}
	na = 0;
	for (int a = 0; a < nac; a++)
		if (AC[a].fails)
			ai[na++] = a;
	qsort(ai, (size_t)na, sizeof(int), cmp_acct_fails);
	if (na > 100)
		na = 100;
	fputs("  ],\n  \"top_accounts_by_failures\": [\n", f);
	for (int i = 0; i < na; i++) {
		fputs("    {\"account\": ", f);
		json_str(f, AC[ai[i]].name);
		fprintf(f, ", \"exists\": %s, \"auth_failures\": %u}%s\n", AC[ai[i]].exists ? "true" : "false",
			AC[ai[i]].fails, i + 1 < na ? "," : "");
	}
	fputs("  ],\n  \"compromised\": [\n", f);
	for (int i = 0; i < ncomp; i++) {
		rfc3339(t1, COMP[i].t);
		fputs("    {\"account\": ", f);
		json_str(f, AC[COMP[i].acct].name);
		fprintf(f, ", \"ip\": \"%s\", \"time\": \"%s\", \"line\": %llu, \"prior_failures_from_ip\": %u}%s\n",
			ipstr(COMP[i].ip), t1, (unsigned long long)COMP[i].line, ipstat(COMP[i].ip)->fails,
			i + 1 < ncomp ? "," : "");
	}
	na = 0;
	for (int a = 0; a < nac; a++)
		if (AC[a].user_lines)
			ai[na++] = a;
	qsort(ai, (size_t)na, sizeof(int), cmp_acct_name);
	fputs("  ],\n  \"exposed_credentials\": [\n", f);
	for (int i = 0; i < na; i++) {
		const Acct *A = &AC[ai[i]];
		fputs("    {\"account\": ", f);
		json_str(f, A->name);
		fprintf(f, ", \"exists\": %s, \"user_lines\": %u, \"password_lines\": %u, \"real_password_exposed\": %s",
			A->exists ? "true" : "false", A->user_lines, A->pw_lines, A->real_exposed ? "true" : "false");
		if (A->real_exposed) {
			char pw[32];
			memcpy(pw, A->pw, A->pwlen);
			pw[A->pwlen] = 0;
			fputs(", \"password\": ", f);
			json_str(f, pw);
			fprintf(f, ", \"password_len\": %u", A->pwlen);
		}
		fprintf(f, "}%s\n", i + 1 < na ? "," : "");
	}
	fputs("  ]\n}\n", f);
	free(ai);
	if (fclose(f)) {
		perror("gen: truth");
		exit(1);
	}
}

/* ----------------------------------------------------------------- main */

static uint64_t parse_size(const char *s)
{
	char *e;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 10);
	if (e == s || errno)
		die("bad size");
	switch (*e) {
	case 'k': case 'K': v <<= 10; e++; break;
	case 'm': case 'M': v <<= 20; e++; break;
	case 'g': case 'G': v <<= 30; e++; break;
	default: break;
	}
	if (*e == 'B' || *e == 'b')
		e++;
	if (*e)
		die("bad size suffix (use K, M or G)");
	return v;
}

static int64_t parse_start(const char *s)
{
	int y, mo, d, hh, mi, ss;
	char tail;
	if (sscanf(s, "%d-%d-%d %d:%d:%d%c", &y, &mo, &d, &hh, &mi, &ss, &tail) != 6 || mo < 1 || mo > 12 ||
	    d < 1 || d > 31 || hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 60)
		die("bad --start (want 'YYYY-MM-DD HH:MM:SS')");
	return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + hh * 3600 + mi * 60 + ss;
}

static void usage(FILE *f)
{
	fputs("usage: bench/gen [--seed N] [--size BYTES[K|M|G] | --lines N] [--start 'YYYY-MM-DD HH:MM:SS']\n"
	      "                 [--hosts N] [--truth FILE.json] [--plesk-truth FILE.tsv]\n"
	      "                 [--tls-debug-pct P] [--utc-offset +HHMM] -o OUT.log|-\n"
	      "Writes a synthetic Postfix/Plesk syslog (default 100M, start 2024-12-22 00:00:00 local,\n"
	      "2 hosts, seed 1, 3% TLS-debug sessions) and optional ground truth. See bench/README.md.\n", f);
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, size_limit = 100ull << 20, line_limit = 0;
	int64_t start_local = days_from_civil(2024, 12, 22) * 86400;
	const char *out = NULL, *truth = NULL, *ptruth = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV()                                              \
	do {                                                     \
		if (!v) {                                            \
			fprintf(stderr, "gen: %s needs a value\n", a); \
			return 2;                                        \
		}                                                    \
		i++;                                                 \
	} while (0)
		if (!strcmp(a, "--seed")) {
			NEEDV();
			seed = strtoull(v, NULL, 0);
		} else if (!strcmp(a, "--size")) {
			NEEDV();
			size_limit = parse_size(v);
			line_limit = 0;
		} else if (!strcmp(a, "--lines")) {
			NEEDV();
			line_limit = parse_size(v);
			size_limit = 0;
		} else if (!strcmp(a, "--start")) {
			NEEDV();
			start_local = parse_start(v);
		} else if (!strcmp(a, "--hosts")) {
			NEEDV();
			nhosts = atoi(v);
			if (nhosts < 1 || nhosts > 9)
				die("--hosts must be 1..9");
		} else if (!strcmp(a, "--truth")) {
			NEEDV();
			truth = v;
		} else if (!strcmp(a, "--plesk-truth")) {
			NEEDV();
			ptruth = v;
		} else if (!strcmp(a, "--tls-debug-pct")) {
			NEEDV();
			opt_dbg = strtod(v, NULL);
			if (opt_dbg < 0 || opt_dbg > 100)
				die("--tls-debug-pct must be 0..100");
		} else if (!strcmp(a, "--utc-offset")) {
			NEEDV();
			int sign = v[0] == '-' ? -1 : 1, hhmm = atoi(v + (v[0] == '-' || v[0] == '+'));
			tzoff_s = sign * ((hhmm / 100) * 3600 + (hhmm % 100) * 60);
		} else if (!strcmp(a, "-o")) {
			NEEDV();
			out = v;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!out) {
		usage(stderr);
		return 2;
	}

	/* seed */
	uint64_t z = seed;
	for (int i = 0; i < 4; i++) {
		z += 0x9E3779B97F4A7C15ull;
		rs[i] = mix64(z);
	}
	ipseed = mix64(seed ^ 0x1F2E3D4C5B6A7988ull);
	for (int p = 0; p < PR_N; p++)
		prog_len[p] = strlen(PROG[p]);

	now = (start_local - tzoff_s) * 1000;
	for (int h = 0; h < nhosts; h++) {
		Host *hh = &H[h];
		hh->nlen = snprintf(hh->name, sizeof hh->name, "mail%d", h + 1);
		hh->lip = 10u << 24 | (uint32_t)(h + 1);
		hh->plesk = (h % 2) == 0;
		hh->postscreen = !hh->plesk;
		hh->longqid = h % 3 == 1;
		hh->fix_time = h == 0 ? now + 14LL * 86400000 : (h % 4 == 2 ? INT64_MIN : INT64_MAX);
		hh->pidctr = (int)rr(800, 60000);
		hh->master = (int)rr(600, 1500);
		hh->qmgr = new_pid(hh);
		hh->pscreen = new_pid(hh);
		hh->dnsblog = new_pid(hh);
		hh->pl_idle = rr(240, 1800) * 1000LL;
		hh->sc_start = now;
		if (hh->postscreen && first_ps_host < 0)
			first_ps_host = h;
	}
	build_accounts();

	if (!strcmp(out, "-"))
		ofd = 1;
	else {
		ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (ofd < 0) {
			perror(out);
			return 1;
		}
	}
	if (ptruth) {
		ptsv = fopen(ptruth, "w");
		if (!ptsv) {
			perror(ptruth);
			return 1;
		}
		setvbuf(ptsv, NULL, _IOFBF, 1 << 20);
		fputs("#plesk_line\tsmtpd_line\tip\taccount\n", ptsv);
	}
	ob = malloc(OBUF_SZ);
	if (!ob)
		die("out of memory");

	/* initial events */
	sched(now + expo_ms(1000.0 / MX_RATE), EV_MX_ARR, 0);
	sched(now + expo_ms(1000.0 / SUB_RATE), EV_SUB_ARR, 0);
	for (uint32_t t = 0; t < 3; t++)
		sched(now + expo_ms(86400000.0 / CAMP_PER_DAY[t]), EV_CAMP_START, t);
	sched(now + rr(300, 1200) * 1000LL, EV_CAMP_START, 100 + CT_BRUTE); /* an early break-in */
	if (first_ps_host >= 0)
		sched(now + expo_ms(1000.0 / PS_RATE), EV_PS_ARR, 0);
	sched(now + expo_ms(1000.0 / DOVE_RATE), EV_DOVE, 0);
	for (uint32_t h = 0; h < (uint32_t)nhosts; h++) {
		sched(next_local_boundary(600, 300) + rn(2000), EV_CRON, h << 2 | 0);
		sched(next_local_boundary(3600, 17 * 60) + rn(2000), EV_CRON, h << 2 | 1);
		sched(next_local_boundary(86400, 0) + rn(3000), EV_CRON, h << 2 | 2);
		sched(now + rr(300, 1800) * 1000LL, EV_ANVIL, h);
		sched(now + rr(300, 1800) * 1000LL, EV_SCACHE, h);
	}

	int stopping = 0;
	while (hn) {
		Ev e = hpop();
		if (stopping && e.type != EV_PLESK)
			continue; /* drain: only the pending plesk lines still come out */
		now = e.t;
		switch (e.type) {
		case EV_MX_ARR: ev_mx_arr(); break;
		case EV_SUB_ARR: ev_sub_arr(); break;
		case EV_CAMP_START:
			if (e.idx >= 100)
				camp_start((int)(e.idx - 100), 1);
			else
				ev_camp_start(e.idx);
			break;
		case EV_CAMP_TICK: ev_camp_tick(e.idx); break;
		case EV_BREAKIN: ev_breakin(e.idx); break;
		case EV_SESS: ev_sess(e.idx); break;
		case EV_MSG: ev_msg(e.idx); break;
		case EV_PLESK: ev_plesk(e.idx); break;
		case EV_PLESK_IDLE: ev_plesk_idle(e.idx); break;
		case EV_PS_ARR: ev_ps_arr(); break;
		case EV_DOVE: ev_dove(); break;
		case EV_CRON: ev_cron(e.idx); break;
		case EV_ANVIL: ev_anvil(e.idx); break;
		case EV_SCACHE: ev_scache(e.idx); break;
		default: break;
		}
		if (!stopping && ((size_limit && oflushed + opos >= size_limit) || (line_limit && lineno >= line_limit)))
			stopping = 1;
	}
	oflush();
	if (ofd != 1 && close(ofd)) {
		perror(out);
		return 1;
	}
	if (ptsv && fclose(ptsv)) {
		perror(ptruth);
		return 1;
	}
	if (truth)
		write_truth(truth, (const char *const *)argv, argc, seed);
	return 0;
}
