/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "../store/store.h"
#include "../parser/clock.h"
#include "../parser/syslog.h"
#include "../input/source.h"
#include "../report/escape.h"

void ms_err(ms_cli *cli, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	int n;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	fprintf(cli->err, "%s: ", cli->prog);
	/* file and archive member names are anyone's: escaped as on stdout */
	if (n >= 0)
		ms_esc_text(cli->err, msg, (size_t)n);
	else
		fputs("(out of memory)", cli->err);
	fputc('\n', cli->err);
	free(msg);
}

void ms_opts_build(const ms_optdef *defs, int n, struct option *longs, char *shorts, size_t cap)
{
	size_t o = 0;
	for (int i = 0; i < n; i++) {
		longs[i] = defs[i].opt;
		int v = defs[i].opt.val;
		if (v > 0 && v < 128 && isalnum(v) && o + 3 < cap) {
			shorts[o++] = (char)v;
			if (defs[i].opt.has_arg == required_argument)
				shorts[o++] = ':';
		}
	}
	memset(&longs[n], 0, sizeof longs[n]);
	shorts[o] = 0;
}

void ms_opts_help(FILE *f, const char *usage, const char *summary, const ms_optdef *defs, int n)
{
	fprintf(f, "usage: %s\n\n%s\n\noptions:\n", usage, summary);
	for (int i = 0; i < n; i++) {
		char left[64];
		int v = defs[i].opt.val;
		if (v > 0 && v < 128 && isalnum(v))
			snprintf(left, sizeof left, "-%c, --%s%s%s", v, defs[i].opt.name, defs[i].arg ? " " : "",
				 defs[i].arg ? defs[i].arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", defs[i].opt.name, defs[i].arg ? " " : "",
				 defs[i].arg ? defs[i].arg : "");
		fprintf(f, "  %-26s %s\n", left, defs[i].help);
	}
}

int ms_parse_duration(const char *s, int64_t *secs)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || v < 0 || v > 100000000LL)
		return -1;
	switch (*end) {
	case 's': v *= 1; break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	case 'w': v *= 7 * 86400; break;
	default: return -1;
	}
	if (end[1] != 0)
		return -1;
	*secs = v;
	return 0;
}

/* the stamp names a day the calendar has (the parser takes day 1..31 in
 * any month: 2026-02-30 would be normalised to March 2nd) */
static int real_day(const ms_stamp *ts)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y = ts->year, leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (ts->mon < 1 || ts->mon > 12 || ts->mday < 1)
		return 0;
	return ts->mday <= mdays[ts->mon - 1] + (ts->mon == 2 && leap);
}

int ms_parse_time_arg(const char *s, int64_t now, int64_t *out)
{
	int64_t d;
	ms_stamp ts;
	size_t n, len = strlen(s);
	if (ms_parse_duration(s, &d) == 0) {
		*out = now - d;
		return 0;
	}
	if (len == 10 && s[4] == '-' && s[7] == '-') {
		char buf[32];
		snprintf(buf, sizeof buf, "%sT00:00:00", s);
		n = ms_stamp_parse(ms_sv_make(buf, strlen(buf)), &ts);
		if (n != strlen(buf))
			return -1;
	} else {
		n = ms_stamp_parse(ms_sv_make(s, len), &ts);
		if (n != len || ts.kind != MS_TS_ISO)
			return -1;
	}
	if (!real_day(&ts))
		return -1;
	if (ts.has_offset) {
		*out = ms_timegm(ts.year, ts.mon, ts.mday, ts.hour, ts.min, ts.sec) - ts.offset;
	} else {
		ms_tzcache c;
		ms_tzcache_init(&c);
		*out = ms_local_to_utc(&c, ts.year, ts.mon, ts.mday, ts.hour, ts.min, ts.sec);
	}
	return 0;
}

int ms_parse_now(const char *s, int64_t *out)
{
	ms_stamp ts;
	size_t len = strlen(s), i;
	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (len > 0 && i == len) {
		/* epoch seconds: digits only (no sign, no fraction), up to the end of year 9999 */
		if (len > 12)
			return -1;
		long long v = strtoll(s, NULL, 10);
		if (v > 253402300799LL)
			return -1;
		*out = v;
		return 0;
	}
	/* RFC 3339: a date, a time and the offset that makes it one instant */
	if (ms_stamp_parse(ms_sv_make(s, len), &ts) != len || ts.kind != MS_TS_ISO || !ts.has_offset ||
	    !real_day(&ts))
		return -1;
	*out = ms_timegm(ts.year, ts.mon, ts.mday, ts.hour, ts.min, ts.sec) - ts.offset;
	return 0;
}

/* POSIX TZ strings: std offset [dst [offset] [,start[/time],end[/time]]] */
static const char *tz_name(const char *p)
{
	const char *q = p;
	if (*p == '<') {
		for (q = p + 1; isalnum((unsigned char)*q) || *q == '+' || *q == '-'; q++)
			;
		return *q == '>' && q - p - 1 >= 3 ? q + 1 : NULL;
	}
	while (isalpha((unsigned char)*q))
		q++;
	return q - p >= 3 ? q : NULL;
}

/* [+-]hh[:mm[:ss]], hh at most maxh; *secs (if given) signed as written */
static const char *tz_hms(const char *p, int maxh, int *secs)
{
	int neg = 0, h = 0, m = 0, sec = 0, n = 0;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	while (isdigit((unsigned char)*p) && n < 3) {
		h = h * 10 + (*p++ - '0');
		n++;
	}
	if (n == 0 || isdigit((unsigned char)*p) || h > maxh)
		return NULL;
	for (int part = 0; part < 2 && *p == ':'; part++) {
		if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
			return NULL;
		int v = (p[1] - '0') * 10 + (p[2] - '0');
		if (v > 59)
			return NULL;
		if (part == 0)
			m = v;
		else
			sec = v;
		p += 3;
	}
	if (secs)
		*secs = (neg ? -1 : 1) * (h * 3600 + m * 60 + sec);
	return p;
}

static const char *tz_num(const char *p, int lo, int hi)
{
	int v = 0, n = 0;
	while (isdigit((unsigned char)*p) && n < 4) {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	return n && v >= lo && v <= hi ? p : NULL;
}

static const char *tz_rule(const char *p)
{
	if (*p == 'J')
		p = tz_num(p + 1, 1, 365);
	else if (*p == 'M') {
		if ((p = tz_num(p + 1, 1, 12)) && *p == '.' && (p = tz_num(p + 1, 1, 5)) && *p == '.')
			p = tz_num(p + 1, 0, 6);
		else
			p = NULL;
	} else
		p = tz_num(p, 0, 365);
	if (p && *p == '/')
		p = tz_hms(p + 1, 167, NULL);
	return p;
}

/* 1 if z is a POSIX TZ string (*std_off: its standard offset, seconds west of UTC) */
static int posix_tz(const char *z, int *std_off)
{
	const char *p = tz_name(z);
	if (!p || !(p = tz_hms(p, 24, std_off)))
		return 0;
	if (!*p)
		return 1;
	if (!(p = tz_name(p)))
		return 0;
	if (*p && *p != ',' && !(p = tz_hms(p, 24, NULL)))
		return 0;
	if (!*p)
		return 1;
	if (*p != ',' || !(p = tz_rule(p + 1)) || *p != ',' || !(p = tz_rule(p + 1)))
		return 0;
	return !*p;
}

/* "+03:00", "+0300", "+03", "-5": seconds east of UTC; 0 if not such an offset */
static int fixed_offset(const char *z, int *east)
{
	int h = 0, m = 0, n = 0;
	const char *p = z + 1;
	if (z[0] != '+' && z[0] != '-')
		return 0;
	while (isdigit((unsigned char)*p) && n < 4) {
		n++;
		p++;
	}
	if (n == 1 || n == 2) {
		h = atoi(z + 1);
		if (*p == ':') {
			if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) || p[3])
				return 0;
			m = (p[1] - '0') * 10 + (p[2] - '0');
		} else if (*p) {
			return 0;
		}
	} else if (n == 4 && !*p) {
		h = (z[1] - '0') * 10 + (z[2] - '0');
		m = (z[3] - '0') * 10 + (z[4] - '0');
	} else {
		return 0;
	}
	if (h > 24 || m > 59)
		return 0;
	*east = (z[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
	return 1;
}

/* 1 when the C library can load zone as a file: glibc reads ":NAME" as
 * NAME, an absolute name as that file, any other in TZDIR when it is set,
 * else in its one directory; what it cannot load (no file, a directory, a
 * file that is no zone) it takes for UTC without a word.  So the file must
 * be where glibc looks, and start as every compiled zone does ("TZif"). */
static int zone_file_ok(const char *zone)
{
	const char *tzdir = getenv("TZDIR");
	char path[1024], magic[4];
	struct stat sb;
	if (*zone == ':')
		zone++;
	if (!*zone || strstr(zone, ".."))
		return 0;
	if ((zone[0] == '/' ? (size_t)snprintf(path, sizeof path, "%s", zone)
			    : (size_t)snprintf(path, sizeof path, "%s/%s", tzdir && *tzdir ? tzdir : "/usr/share/zoneinfo",
					       zone)) >= sizeof path)
		return 0;
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return 0; /* (a FIFO would block the open) */
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	int ok = fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && fread(magic, 1, 4, f) == 4 &&
		 !memcmp(magic, "TZif", 4);
	fclose(f);
	return ok;
}

int ms_set_tz(const char *zone, char *note, size_t cap)
{
	int ok = 0, off = 0;
	char posix[64];
	if (note && cap)
		note[0] = 0;
	if (!zone || !*zone || strstr(zone, ".."))
		return -1;
	if (!strcmp(zone, "UTC") || !strcmp(zone, "Z") || !strcmp(zone, "GMT") || !strcmp(zone, ":UTC") ||
	    !strcmp(zone, ":GMT")) {
		ok = 1;
		if (!strcmp(zone, "Z"))
			zone = "UTC";
	} else if (fixed_offset(zone, &off)) {
		/* an ISO 8601 offset, east of UTC: POSIX's sign is the other way */
		int a = off < 0 ? -off : off;
		snprintf(posix, sizeof posix, "<%c%02d%02d>%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60,
			 off < 0 ? '+' : '-', a / 3600, a / 60 % 60);
		zone = posix;
		ok = 1;
	} else if (posix_tz(zone, &off)) {
		ok = 1; /* POSIX TZ string such as CET-1CEST,M3.5.0,M10.5.0/3 or UTC0 */
		if (off && note && cap && (!strncasecmp(zone, "UTC", 3) || !strncasecmp(zone, "GMT", 3))) {
			int a = off < 0 ? -off : off;
			snprintf(note, cap,
				 "'%s' is a POSIX TZ string, whose sign is the other way round: it means "
				 "UTC%c%02d:%02d, %02d:%02d %s UTC (for %s UTC write %c%02d:%02d)",
				 zone, off > 0 ? '-' : '+', a / 3600, a / 60 % 60, a / 3600, a / 60 % 60,
				 off > 0 ? "behind" : "ahead of", off > 0 ? "ahead of" : "behind", off > 0 ? '+' : '-',
				 a / 3600, a / 60 % 60);
		}
	} else {
		ok = zone_file_ok(zone);
	}
	if (!ok)
		return -1;
	setenv("TZ", zone, 1);
	tzset();
	return 0;
}

int ms_opt_time(ms_cli *cli, const char *opt, const char *arg, int64_t *out)
{
	if (ms_parse_time_arg(arg, cli->now, out) != 0) {
		ms_err(cli, "--%s: cannot read time '%s'", opt, arg);
		return -1;
	}
	return 0;
}

int ms_opt_range(ms_cli *cli, int64_t since, int64_t until)
{
	if (since && until && since >= until) {
		ms_err(cli, "--since is not before --until: the range is empty");
		return -1;
	}
	return 0;
}

int ms_opt_tz(ms_cli *cli, const char *arg)
{
	char note[256];
	if (ms_set_tz(arg, note, sizeof note) != 0) {
		ms_err(cli, "--tz: unknown time zone '%s' (an IANA name such as Europe/Berlin, an offset such as "
			    "+03:00, or a POSIX TZ string)", arg);
		return -1;
	}
	if (note[0])
		ms_err(cli, "warning: --tz: %s", note);
	return 0;
}

/* a file with bytes that do not start with SQLite's magic: opened read-only,
 * SQLite reports no tables, which the store takes for an empty database */
static int not_sqlite(const char *path)
{
	unsigned char h[sizeof ms_sqlite_magic];
	size_t n;
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0; /* the store says why it cannot be opened */
	n = fread(h, 1, sizeof h, f);
	fclose(f);
	return n > 0 && (n < sizeof h || memcmp(h, ms_sqlite_magic, sizeof h) != 0);
}

ms_store *ms_open_read(ms_cli *cli, const char *db)
{
	char err[512];
	if (not_sqlite(db)) {
		ms_err(cli, "%s: file is not a database", db); /* as ingest says */
		return NULL;
	}
	ms_store *st = ms_store_open(db, MS_OPEN_READ, err, sizeof err);
	if (!st)
		ms_err(cli, "%s: %s", db, err);
	return st;
}

/* a and b name one file: the same inode when both exist, else the same
 * last component in the same directory (a database not created yet) */
int ms_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
	if (ea && eb)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	if (ea != eb)
		return 0;
	const char *ba = strrchr(a, '/'), *bb = strrchr(b, '/');
	char da[4096], dbuf[4096];
	snprintf(da, sizeof da, "%.*s", ba ? (int)(ba - a) + 1 : 1, ba ? a : ".");
	snprintf(dbuf, sizeof dbuf, "%.*s", bb ? (int)(bb - b) + 1 : 1, bb ? b : ".");
	if (strcmp(ba ? ba + 1 : a, bb ? bb + 1 : b) != 0 || stat(da, &sa) != 0 || stat(dbuf, &sb) != 0)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
