// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a user sees of the pool and the doorbell: the pool in /proc/iomem with
 * the size of mkkernel_pool=, the MKD line of /proc/interrupts with a column
 * per CPU, and the per-CPU doorbell statistics in debugfs. Runs after the
 * KUnit doorbell stress, so every CPU has taken doorbells by now.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ktap.h"

static void check_iomem(void)
{
	unsigned long long start, end;
	char line[256];
	int found = 0;
	FILE *f = fopen("/proc/iomem", "r");

	if (!f) {
		ktap_result(0, "iomem_pool # cannot open /proc/iomem");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, ": Multikernel pool"))
			continue;
		found++;
		if (sscanf(line, " %llx-%llx", &start, &end) != 2)
			continue;
		printf("# %s", line);
		ktap_result(end - start + 1 == 64ULL << 20, "iomem_pool_size");
		/* Nested under System RAM, so indented. */
		ktap_result(line[0] == ' ', "iomem_pool_inside_ram");
	}
	fclose(f);
	ktap_result(found == 1, "iomem_pool_listed_once");
}

static void check_interrupts(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char line[1024];
	int found = 0, cols = 0, nonzero = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f) {
		ktap_result(0, "interrupts_mkd # cannot open /proc/interrupts");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		while (*p == ' ')
			p++;
		if (strncmp(p, "MKD:", 4))
			continue;
		found++;
		printf("# %s", line);
		p += 4;
		for (;;) {
			unsigned long v = strtoul(p, &end, 10);

			if (end == p)
				break;
			cols++;
			nonzero += v > 0;
			p = end;
		}
		ktap_result(strstr(line, "Multikernel doorbell interrupts") != NULL,
			    "interrupts_mkd_described");
	}
	fclose(f);
	ktap_result(found == 1, "interrupts_mkd_listed_once");
	ktap_result(cols == ncpu, "interrupts_mkd_column_per_cpu");
	ktap_result(nonzero == ncpu, "interrupts_mkd_every_cpu_rang");
}

static void check_debugfs(void)
{
	char line[256];
	int rows = 0, handlers = -1;
	FILE *f = fopen("/sys/kernel/debug/multikernel/doorbell", "r");

	if (!f) {
		ktap_result(0, "debugfs_doorbell # cannot open");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		int cpu;
		unsigned int target;
		unsigned long rx, unhandled, tx;

		if (sscanf(line, "%d %u %lu %lu %lu", &cpu, &target, &rx,
			   &unhandled, &tx) == 5)
			rows++;
		sscanf(line, "handlers %d", &handlers);
	}
	fclose(f);
	ktap_result(rows == sysconf(_SC_NPROCESSORS_ONLN), "debugfs_doorbell_rows");
	/* The KUnit tests unregistered everything they registered. */
	ktap_result(handlers == 0, "debugfs_doorbell_no_leftover_handler");
}

int main(void)
{
	check_iomem();
	check_interrupts();
	check_debugfs();
	return ktap_finish();
}
