/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal KTAP output for the userspace tests of the VM: each check prints
 * "ok N name" or "not ok N name"; ktap_finish() prints the plan and returns
 * the exit status (non-zero when anything failed).
 */
#ifndef MK_TESTS_KTAP_H
#define MK_TESTS_KTAP_H

#include <stdarg.h>
#include <stdio.h>

static int ktap_n, ktap_failed;

static inline void ktap_result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++ktap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		ktap_failed++;
}

static inline int ktap_finish(void)
{
	printf("1..%d\n", ktap_n);
	fflush(stdout);
	return ktap_failed ? 1 : 0;
}

#endif /* MK_TESTS_KTAP_H */
