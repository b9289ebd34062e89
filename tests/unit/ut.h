/* SPDX-License-Identifier: MIT */
/*
 * ut.h - a minimal unit-test harness.  A test is declared with
 *   UT_TEST(name) { UT_ASSERT(cond); UT_EQ_INT(a, b); UT_EQ_STR(a, b); }
 * in any tests/unit/ C file; it registers itself at load time, so no
 * central list needs editing.  tests/unit/main.c runs them all (or those
 * whose name contains argv[1]) and prints one line per test.
 */
#ifndef MS_UT_H
#define MS_UT_H

#include <stdio.h>
#include <string.h>

typedef void (*ut_fn)(void);
void ut_register(const char *name, const char *file, ut_fn fn);
void ut_fail(const char *file, int line, const char *fmt, ...);

#define UT_TEST(name)                                                   \
	static void ut_##name(void);                                    \
	__attribute__((constructor)) static void ut_reg_##name(void)    \
	{ ut_register(#name, __FILE__, ut_##name); }                    \
	static void ut_##name(void)

#define UT_ASSERT(c) do { if (!(c)) { ut_fail(__FILE__, __LINE__, "assertion failed: %s", #c); return; } } while (0)
#define UT_EQ_INT(a, b) do { long long ua_ = (long long)(a), ub_ = (long long)(b); \
	if (ua_ != ub_) { ut_fail(__FILE__, __LINE__, "%s == %lld, expected %lld", #a, ua_, ub_); return; } } while (0)
#define UT_EQ_STR(a, b) do { const char *ua_ = (a), *ub_ = (b); \
	if (!ua_ || !ub_ || strcmp(ua_, ub_) != 0) { ut_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a, ua_ ? ua_ : "(null)", ub_ ? ub_ : "(null)"); return; } } while (0)
/* compare a (ptr,len) view with a C string */
#define UT_EQ_SV(v, s) do { const char *us_ = (s); size_t ul_ = strlen(us_); \
	if ((v).n != ul_ || memcmp((v).p, us_, ul_) != 0) { ut_fail(__FILE__, __LINE__, "%s == \"%.*s\", expected \"%s\"", #v, (int)(v).n, (v).p ? (v).p : "", us_); return; } } while (0)

#endif
