// SPDX-License-Identifier: GPL-2.0-only
/*
 * The polling doorbell backend: links say they use it, and streaming over
 * a loopback works without a single doorbell interrupt (the MKD line of
 * /proc/interrupts stays still) while the link still sees its notifications.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ktap.h"
#include "mkvm.h"

/* The sum of the MKD line of /proc/interrupts, or -1. */
static long long mkd_total(void)
{
	char line[4096];
	long long total = -1;
	FILE *f = fopen("/proc/interrupts", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "MKD:"), *end;

		if (!p)
			continue;
		total = 0;
		for (p += 4;; p = end) {
			long long v = strtoll(p, &end, 10);

			if (end == p)
				break;
			total += v;
		}
	}
	if (f)
		fclose(f);
	return total;
}

static int stream_ok(const char *cmd, long long count)
{
	char out[1024];

	if (stream(cmd, out, sizeof(out)))
		return 0;
	printf("# %s: %lld msgs/s, %lld MB/s\n", cmd, field(out, "msgs_per_s"),
	       field(out, "mb_per_s"));
	return field(out, "status") == 0 && field(out, "errors") == 0 &&
	       field(out, "received") == count;
}

int main(void)
{
	char buf[8192], cmd[128], a[24];
	long long before, after, notes;
	int id = -1;

	ktap_result(get("/sys/module/mk_transport/parameters/doorbell", buf, sizeof(buf)) > 0 &&
		    !strncmp(buf, "poll", 4), "doorbell_parameter_poll");
	if (put(DBG "loopback", "create 0 1") == 0 && get(DBG "loopback", buf, sizeof(buf)) > 0) {
		char *line = strrchr(buf, '\n');

		/* The newest loopback is the last line. */
		while (line && line > buf && line[-1] != '\n')
			line--;
		if (line && line > buf)
			sscanf(line, "%d", &id);
		else
			sscanf(buf, "%d", &id);
	}
	ktap_result(id >= 0, "loopback_created");
	if (id < 0)
		return ktap_finish();
	snprintf(a, sizeof(a), "lo%d.a", id);
	ktap_result(stats_of(a, buf, sizeof(buf)) > 0 && strstr(buf, "doorbell_backend poll\n"),
		    "link_uses_polling_backend");
	before = mkd_total();
	notes = stat_of(a, "irqs");
	snprintf(cmd, sizeof(cmd), "lo=%d count=20000", id);
	ktap_result(stream_ok(cmd, 20000), "stream_over_polling_links");
	snprintf(cmd, sizeof(cmd), "lo=%d count=2000 min=60000 max=65536", id);
	ktap_result(stream_ok(cmd, 2000), "large_messages_over_polling_links");
	after = mkd_total();
	printf("# doorbell interrupts %lld -> %lld; notifications of %s %lld -> %lld\n",
	       before, after, a, notes, stat_of(a, "irqs"));
	ktap_result(before >= 0 && after == before, "no_doorbell_interrupt_taken");
	ktap_result(stat_of(a, "irqs") > notes, "link_notified_by_polling");
	snprintf(cmd, sizeof(cmd), "destroy %d", id);
	ktap_result(put(DBG "loopback", cmd) == 0, "loopback_destroyed");
	return ktap_finish();
}
