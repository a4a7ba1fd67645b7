/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal KTAP output for the vring test programs: a plan, one line per
 * result, comments for everything else.
 */
#ifndef _MKV_KTAP_H
#define _MKV_KTAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "mkv_user.h"

static int ktap_count;
static int ktap_failures;

static inline void ktap_start(int plan)
{
	/* Results must reach a pipe line by line, and never twice after fork(). */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n");
	if (plan > 0)
		printf("1..%d\n", plan);
}

static inline void __printf(1, 2) ktap_comment(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline void ktap_result(bool ok, const char *name)
{
	ktap_count++;
	if (!ok)
		ktap_failures++;
	printf("%s %d %s\n", ok ? "ok" : "not ok", ktap_count, name);
	fflush(stdout);
}

/* Close the stream; the exit status of the program. */
static inline int ktap_finish(int plan)
{
	if (plan <= 0)
		printf("1..%d\n", ktap_count);
	else if (plan != ktap_count)
		ktap_comment("planned %d results, reported %d", plan, ktap_count);
	fflush(stdout);
	return ktap_failures || (plan > 0 && plan != ktap_count) ? 1 : 0;
}

#endif /* _MKV_KTAP_H */
