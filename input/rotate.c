/* SPDX-License-Identifier: MIT */
/*
 * rotate.c - order the members of rotated log sets oldest first.
 * See rotate.h for the rules.  Pure string work: no file system access, no
 * global state.
 */
#include "rotate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_DATE = 0, K_NUM = 1, K_LIVE = 2 };

typedef struct {
	const char *arch;  /* archive path for members, else NULL */
	const char *dir;   /* directory part (up to and including the last '/') */
	size_t dirlen;
	const char *base;  /* name with its rotation suffix removed */
	size_t baselen;
	int kind;
	uint64_t val;      /* N, or the date as YYYYMMDDhhmmss */
	int ndig;          /* date digits written in the name (8..14) */
} rot_name;

typedef struct {
	rot_name nm;
	size_t idx;        /* position in the input */
	int64_t mtime;
	size_t set;        /* input position of the first member of its set */
	int grank;         /* rank of its group inside the set */
} rot_item;

static const char *const comp_ext[] = { ".gz", ".bz2", ".xz", ".lzma", ".zst", ".lz4", ".Z" };

static int all_digits(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static unsigned dig(const char *s, size_t n)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

static uint64_t dig64(const char *s, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return v;
}

/* epoch seconds (at most 11 digits) as YYYYMMDDhhmmss, UTC (days to civil date,
 * H. Hinnant's algorithm) */
static uint64_t epoch_date(uint64_t t)
{
	uint64_t days = t / 86400, sod = t % 86400;
	uint64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	return ((((y * 100 + m) * 100 + d) * 100 + sod / 3600) * 100 + sod % 3600 / 60) * 100 + sod % 60;
}

/* s holds n in {8,10,12,14} digits YYYYMMDD[hh[mm[ss]]]: valid date? */
static int date_digits(const char *s, size_t n, uint64_t *out)
{
	unsigned y, mo, d, h = 0, mi = 0, se = 0;
	if ((n != 8 && n != 10 && n != 12 && n != 14) || !all_digits(s, n))
		return 0;
	y = dig(s, 4);
	mo = dig(s + 4, 2);
	d = dig(s + 6, 2);
	if (n >= 10)
		h = dig(s + 8, 2);
	if (n >= 12)
		mi = dig(s + 10, 2);
	if (n >= 14)
		se = dig(s + 12, 2);
	if (y < 1970 || y > 2199 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return 0;
	*out = (((((uint64_t)y * 100 + mo) * 100 + d) * 100 + h) * 100 + mi) * 100 + se;
	return 1;
}

/* Try to find a rotation suffix at the end of name[0..n). */
static int parse_suffix(const char *name, size_t n, rot_name *r)
{
	size_t i = n;

	/* ".N", ".YYYYMMDD[hh[mm[ss]]]" or "-YYYYMMDD[hh[mm[ss]]]" */
	while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	if (i > 1 && i < n && (name[i - 1] == '.' || name[i - 1] == '-')) {
		size_t nd = n - i;
		uint64_t v;
		if (date_digits(name + i, nd, &v)) {
			r->kind = K_DATE;
			r->val = v;
			r->ndig = (int)nd;
			r->baselen = i - 1;
			return 1;
		}
		/* logrotate's "dateformat -%Y%m%d-%s": "-YYYYMMDD-" then the epoch
		 * seconds of the rotation, which order the set (a finer date) */
		if (name[i - 1] == '-' && nd >= 9 && nd <= 11 && i > 10 && name[i - 10] == '-' &&
		    date_digits(name + i - 9, 8, &v)) {
			r->kind = K_DATE;
			r->val = epoch_date(dig64(name + i, nd));
			r->ndig = 14;
			r->baselen = i - 10;
			return 1;
		}
		if (name[i - 1] == '.' && nd <= 18) {
			r->kind = K_NUM;
			r->val = 0;
			for (size_t k = i; k < n; k++)
				r->val = r->val * 10 + (uint64_t)(name[k] - '0');
			r->baselen = i - 1;
			return 1;
		}
	}
	/* "-YYYY-MM-DD" or ".YYYY-MM-DD" */
	if (n > 11) {
		const char *s = name + n - 10;
		char d8[8];
		uint64_t v;
		if ((s[-1] == '-' || s[-1] == '.') && s[4] == '-' && s[7] == '-') {
			memcpy(d8, s, 4);
			memcpy(d8 + 4, s + 5, 2);
			memcpy(d8 + 6, s + 8, 2);
			if (date_digits(d8, 8, &v)) {
				r->kind = K_DATE;
				r->val = v;
				r->ndig = 8;
				r->baselen = n - 11;
				return 1;
			}
		}
	}
	return 0;
}

static void parse_name(const char *full, rot_name *r)
{
	const char *slash = strrchr(full, '/');
	const char *name = slash ? slash + 1 : full;
	size_t n = strlen(name);

	r->dir = full;
	r->dirlen = (size_t)(name - full);
	r->base = name;
	r->baselen = n;
	r->kind = K_LIVE;
	r->val = 0;
	r->ndig = 0;

	/* strip one compression extension, then look for the suffix */
	for (size_t e = 0; e < sizeof comp_ext / sizeof comp_ext[0]; e++) {
		size_t el = strlen(comp_ext[e]);
		if (n > el && memcmp(name + n - el, comp_ext[e], el) == 0) {
			if (parse_suffix(name, n - el, r))
				return;
			break;
		}
	}
	if (parse_suffix(name, n, r))
		return;
	r->kind = K_LIVE;
	r->baselen = n;
}

static void item_name(const ms_stream_spec *s, rot_name *r)
{
	if (s->member) {
		parse_name(s->member, r);
		r->arch = s->path;
	} else {
		parse_name(s->path ? s->path : "", r);
		r->arch = NULL;
	}
}

static int cmp_mem(const char *a, size_t an, const char *b, size_t bn)
{
	size_t m = an < bn ? an : bn;
	int c = m ? memcmp(a, b, m) : 0;
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

static int cmp_setkey(const rot_name *a, const rot_name *b)
{
	int c;
	if (!a->arch != !b->arch)
		return a->arch ? 1 : -1;
	if (a->arch && (c = strcmp(a->arch, b->arch)) != 0)
		return c;
	if ((c = cmp_mem(a->dir, a->dirlen, b->dir, b->dirlen)) != 0)
		return c;
	return cmp_mem(a->base, a->baselen, b->base, b->baselen);
}

static int cmp_by_set(const void *pa, const void *pb)
{
	const rot_item *a = *(rot_item *const *)pa, *b = *(rot_item *const *)pb;
	int c = cmp_setkey(&a->nm, &b->nm);
	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int cmp_final(const void *pa, const void *pb)
{
	const rot_item *a = pa, *b = pb;
	if (a->set != b->set)
		return a->set < b->set ? -1 : 1;
	if (a->grank != b->grank)
		return a->grank < b->grank ? -1 : 1;
	if (a->nm.kind == K_DATE && a->nm.val != b->nm.val)
		return a->nm.val < b->nm.val ? -1 : 1;
	if (a->nm.kind == K_NUM && a->nm.val != b->nm.val)
		return a->nm.val > b->nm.val ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

void ms_rotate_sort(ms_stream_spec *specs, size_t n)
{
	rot_item *it;
	rot_item **by;
	ms_stream_spec *tmp;

	if (!specs || n < 2)
		return;
	it = calloc(n, sizeof *it);
	by = calloc(n, sizeof *by);
	tmp = calloc(n, sizeof *tmp);
	if (!it || !by || !tmp)
		goto out; /* leave the order unchanged */

	for (size_t i = 0; i < n; i++) {
		item_name(&specs[i], &it[i].nm);
		it[i].idx = i;
		it[i].mtime = specs[i].mtime;
		by[i] = &it[i];
	}
	qsort(by, n, sizeof *by, cmp_by_set);

	/* per set: group ranks */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		int has_date = 0, has_num = 0, num_first = 0;
		int64_t mdate = -1, mnum = -1;
		while (j < n && cmp_setkey(&by[i]->nm, &by[j]->nm) == 0) {
			rot_item *x = by[j];
			if (x->nm.kind == K_DATE) {
				has_date = 1;
				if (x->mtime > mdate)
					mdate = x->mtime;
			} else if (x->nm.kind == K_NUM) {
				has_num = 1;
				if (x->mtime > mnum)
					mnum = x->mtime;
			}
			j++;
		}
		if (has_date && has_num && mdate >= 0 && mnum >= 0 && mnum < mdate)
			num_first = 1;
		for (size_t k = i; k < j; k++) {
			rot_item *x = by[k];
			x->set = by[i]->idx; /* by[] is sorted by idx inside a set */
			if (x->nm.kind == K_LIVE)
				x->grank = 2;
			else if (x->nm.kind == K_DATE)
				x->grank = num_first ? 1 : 0;
			else
				x->grank = num_first ? 0 : 1;
		}
		i = j;
	}

	qsort(it, n, sizeof *it, cmp_final);
	for (size_t i = 0; i < n; i++)
		tmp[i] = specs[it[i].idx];
	memcpy(specs, tmp, n * sizeof *specs);
out:
	free(it);
	free(by);
	free(tmp);
}

void ms_rotate_describe(const ms_stream_spec *spec, char *buf, size_t buflen)
{
	rot_name r;
	if (!buf || buflen == 0)
		return;
	if (!spec) {
		snprintf(buf, buflen, "live");
		return;
	}
	item_name(spec, &r);
	switch (r.kind) {
	case K_DATE: {
		uint64_t v = r.val;
		for (int k = r.ndig; k < 14; k++)
			v /= 10;
		snprintf(buf, buflen, "date %0*llu", r.ndig, (unsigned long long)v);
		break;
	}
	case K_NUM:
		snprintf(buf, buflen, "numeric %llu", (unsigned long long)r.val);
		break;
	default:
		snprintf(buf, buflen, "live");
		break;
	}
}

void ms_rotate_set_key(const ms_stream_spec *spec, char *buf, size_t buflen)
{
	rot_name r;
	item_name(spec, &r);
	snprintf(buf, buflen, "%s%s%.*s%.*s", r.arch ? r.arch : "", r.arch ? ":" : "", (int)r.dirlen, r.dir,
		 (int)r.baselen, r.base);
}
