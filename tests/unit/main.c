/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdlib.h>
#include "ut.h"

typedef struct { const char *name, *file; ut_fn fn; } ut_case;
static ut_case cases[1024];
static int ncases;
static int cur_failed;

void ut_register(const char *name, const char *file, ut_fn fn)
{
	if (ncases < (int)(sizeof cases / sizeof cases[0]))
		cases[ncases++] = (ut_case){ name, file, fn };
}

void ut_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	cur_failed = 1;
	fprintf(stdout, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	for (int i = 0; i < ncases; i++) {
		if (argc > 1 && !strstr(cases[i].name, argv[1]))
			continue;
		cur_failed = 0;
		cases[i].fn();
		printf("%s unit/%s\n", cur_failed ? "FAIL" : "ok  ", cases[i].name);
		fflush(stdout);
		if (cur_failed)
			failed++;
		else
			passed++;
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
