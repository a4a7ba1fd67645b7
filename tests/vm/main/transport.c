// SPDX-License-Identifier: GPL-2.0-only
/*
 * The transport as a user drives it through debugfs: loopback links made
 * and destroyed at run time, several streaming at once, statistics, fault
 * injection, the attach path with the boot-parameter syntax and with a
 * device-tree blob built by dtc, a loopback destroyed under a stream, and
 * the errors for bad commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ktap.h"
#include "mkvm.h"

static int stream_ok(const char *cmd, long long count)
{
	char out[1024];

	if (stream(cmd, out, sizeof(out)))
		return 0;
	printf("# %s: %lld msgs/s, %lld MB/s, %lld doorbells per 1000 msgs\n", cmd,
	       field(out, "msgs_per_s"), field(out, "mb_per_s"),
	       field(out, "doorbells_per_1000_msgs"));
	return field(out, "status") == 0 && field(out, "errors") == 0 &&
	       field(out, "received") == count;
}

/* Loopbacks as listed: "ID A B PHYS SIZE". */
static int link_up(const char *name)
{
	char path[128], buf[2048];
	int i;

	snprintf(path, sizeof(path), DBG "links/%s/stats", name);
	for (i = 0; i < 500; i++) {
		if (get(path, buf, sizeof(buf)) > 0 && !strncmp(buf, "state up", 8))
			return 1;
		usleep(10000);
	}
	return 0;
}

struct stream_job {
	char cmd[128];
	int ok;
};

static void *job_fn(void *arg)
{
	struct stream_job *j = arg;

	j->ok = stream_ok(j->cmd, 20000);
	return NULL;
}

static void concurrent_streams(struct lo *los, int n)
{
	pthread_t t[3];
	struct stream_job j[3];
	int i, all = 1;

	for (i = 0; i < 3 && i < n; i++) {
		snprintf(j[i].cmd, sizeof(j[i].cmd), "lo=%d count=20000%s", los[i].id,
			 i == 1 ? " dir=ba mode=try" : "");
		pthread_create(&t[i], NULL, job_fn, &j[i]);
	}
	for (i = 0; i < 3 && i < n; i++) {
		pthread_join(t[i], NULL);
		all &= j[i].ok;
	}
	ktap_result(all && n >= 3, "three_loopbacks_stream_at_once");
}

static void check_stats(const char *name)
{
	static const char *const keys[] = {
		"tx_msgs", "tx_bytes", "tx_doorbells", "tx_suppressed", "tx_full",
		"tx_waits", "rx_msgs", "rx_bytes", "rx_batches", "rx_mean_batch",
		"rx_completion_doorbells", "irqs", "violations", "resets", "ups",
		"peer_doorbell_refused", "dropped",
	};
	char path[128], buf[2048];
	size_t i;
	int ok = 1;

	snprintf(path, sizeof(path), DBG "links/%s/stats", name);
	ok = get(path, buf, sizeof(buf)) > 0;
	for (i = 0; ok && i < sizeof(keys) / sizeof(keys[0]); i++)
		if (field(buf, keys[i]) < 0) {
			printf("# %s missing\n", keys[i]);
			ok = 0;
		}
	ktap_result(ok && field(buf, "tx_msgs") > 0, "stats_has_every_counter");
}

static void fault_injection(const struct lo *l)
{
	char path[128], cmd[128], out[1024];
	long long v0 = stat_of(l->b, "violations");

	snprintf(path, sizeof(path), DBG "links/%s/fault", l->a);
	ktap_result(put(path, "nonsense") == -EINVAL, "fault_unknown_name_einval");
	ktap_result(put(path, "desc_offset") == 0, "fault_desc_offset_set");
	snprintf(cmd, sizeof(cmd), "lo=%d count=2000 reset_ok", l->id);
	/* Messages in flight at the reset may be lost, never corrupted. */
	ktap_result(stream(cmd, out, sizeof(out)) == 0 && field(out, "status") == 0 &&
		    field(out, "errors") == 0 && field(out, "resets_seen") >= 1,
		    "stream_through_fault_resets_cleanly");
	ktap_result(stat_of(l->b, "violations") > v0, "fault_detected_by_peer");
	ktap_result(link_up(l->a) && link_up(l->b), "link_back_after_fault");
	snprintf(cmd, sizeof(cmd), "lo=%d count=2000", l->id);
	ktap_result(stream_ok(cmd, 2000), "stream_clean_after_fault");
}

static int patch_be32(unsigned char *p, size_t len, uint32_t from, uint32_t to)
{
	unsigned char f[4] = { from >> 24, from >> 16, from >> 8, from };
	unsigned char t[4] = { to >> 24, to >> 16, to >> 8, to };
	size_t i;
	int n = 0;

	for (i = 0; i + 4 <= len; i += 4)
		if (!memcmp(p + i, f, 4)) {
			memcpy(p + i, t, 4);
			n++;
		}
	return n;
}

static void attach_paths(void)
{
	unsigned char dtb[4096];
	char cmd[160], buf[2048];
	struct lo los[16];
	int n, i, fd, len, host = -1;

	ktap_result(put(DBG "loopback", "host 0") == 0, "host_side_created");
	n = lo_list_all(los, 16);
	for (i = 0; i < n; i++)
		if (!strcmp(los[i].b, "-"))
			host = i;
	if (host < 0) {
		ktap_result(0, "host_side_listed");
		return;
	}
	/* The boot-parameter syntax. */
	snprintf(cmd, sizeof(cmd), "%#llx@%#llx,cpu=1,raw", los[host].size, los[host].phys);
	ktap_result(put(DBG "attach", cmd) == 0, "attach_param_syntax");
	ktap_result(link_up("chan0") && link_up(los[host].a), "attached_link_up");
	snprintf(cmd, sizeof(cmd), "from=%s to=chan0 count=5000", los[host].a);
	ktap_result(stream_ok(cmd, 5000), "stream_host_to_spawned");
	snprintf(cmd, sizeof(cmd), "from=chan0 to=%s count=5000 min=1024 max=1024",
		 los[host].a);
	ktap_result(stream_ok(cmd, 5000), "stream_spawned_to_host");
	ktap_result(put(DBG "attach", "detach chan0") == 0, "detach_param_channel");
	ktap_result(put(DBG "attach", "detach chan0") == -ENOENT, "detach_twice_enoent");

	/* The device-tree form, from a blob built by dtc. */
	fd = open("/tests/main/channel.dtb", O_RDONLY);
	len = fd < 0 ? -1 : read(fd, dtb, sizeof(dtb));
	if (fd >= 0)
		close(fd);
	ktap_result(len > 0 && patch_be32(dtb, len, 0xcafe0000, los[host].phys) == 1 &&
		    patch_be32(dtb, len, 0x0badf000, los[host].size) == 1,
		    "dtb_built_by_dtc_and_patched");
	ktap_result(len > 0 && put_buf(DBG "attach", dtb, len) == 0, "attach_device_tree");
	ktap_result(link_up("chan1"), "dt_attached_link_up");
	/* Attached without ",raw": the link becomes an rpmsg bus. */
	for (i = 0; i < 500 && access("/sys/class/mk_link/chan1/chan1.rpmsg_ctrl.-1.-1",
				       F_OK); i++)
		usleep(10000);
	ktap_result(access("/sys/class/mk_link/chan1/chan1.rpmsg_ctrl.-1.-1", F_OK) == 0,
		    "dt_channel_is_rpmsg_bus");
	ktap_result(get(DBG "links/chan1/stats", buf, sizeof(buf)) > 0 &&
		    strstr(buf, " cpu 2 ") != NULL, "dt_doorbell_cpu_honoured");
	ktap_result(put(DBG "attach", "detach chan1") == 0, "detach_dt_channel");

	fd = open("/tests/main/channel-bad.dtb", O_RDONLY);
	len = fd < 0 ? -1 : read(fd, dtb, sizeof(dtb));
	if (fd >= 0)
		close(fd);
	ktap_result(len > 0 && put_buf(DBG "attach", dtb, len) == -EINVAL, "bad_dtb_einval");
	ktap_result(put(DBG "attach", "2M") == -EINVAL, "attach_without_address_einval");
	ktap_result(put(DBG "attach", "2M@0x1000000") == -EINVAL,
		    "attach_kernel_ram_refused");
	snprintf(cmd, sizeof(cmd), "destroy %d", los[host].id);
	ktap_result(put(DBG "loopback", cmd) == 0, "host_side_destroyed");
}

struct long_job {
	char cmd[128];
	char out[1024];
	int ret;
};

static void *long_job_fn(void *arg)
{
	struct long_job *j = arg;

	j->ret = stream(j->cmd, j->out, sizeof(j->out));
	return NULL;
}

/* The stream holds its links: the destroy fails it at once, nothing else. */
static void destroy_under_stream(void)
{
	struct long_job j = { .ret = -1 };
	struct lo los[16];
	char cmd[64];
	pthread_t t;
	time_t t0;
	int n, ok;

	n = put(DBG "loopback", "create") == 0 ? lo_list_all(los, 16) : 0;
	if (n < 1 || !link_up(los[n - 1].a) || !link_up(los[n - 1].b)) {
		ktap_result(0, "destroy_under_stream_fails_it");
		return;
	}
	snprintf(j.cmd, sizeof(j.cmd), "lo=%d count=100000000 timeout=60", los[n - 1].id);
	pthread_create(&t, NULL, long_job_fn, &j);
	sleep(1);
	snprintf(cmd, sizeof(cmd), "destroy %d", los[n - 1].id);
	t0 = time(NULL);
	ok = put(DBG "loopback", cmd) == 0;
	pthread_join(t, NULL);
	printf("# stream under destroy: status %lld, sent %lld, %lld s after\n",
	       field(j.out, "status"), field(j.out, "sent"), (long long)(time(NULL) - t0));
	ktap_result(ok && j.ret == 0 && field(j.out, "status") == -ENOTCONN &&
		    time(NULL) - t0 < 20, "destroy_under_stream_fails_it");
}

int main(void)
{
	struct lo los[16];
	char buf[4096], cmd[64];
	int n, i, before;

	before = lo_list_all(los, 16);
	ktap_result(before == 0, "no_loopback_at_start");
	for (i = 0; i < 3; i++)
		ktap_result(put(DBG "loopback", i == 2 ? "create 2 3" : "create") == 0,
			    "create_loopback_%d", i);
	n = lo_list_all(los, 16);
	ktap_result(n == 3, "three_loopbacks_listed");
	for (i = 0; i < n; i++)
		ktap_result(link_up(los[i].a) && link_up(los[i].b), "loopback_%d_up", i);
	concurrent_streams(los, n);
	if (n >= 1) {
		check_stats(los[0].a);
		fault_injection(&los[0]);
	}

	ktap_result(put(DBG "loopback", "create 99 0") == -EINVAL, "create_bad_cpu_einval");
	ktap_result(put(DBG "loopback", "frobnicate") == -EINVAL, "bad_command_einval");
	ktap_result(put(DBG "loopback", "destroy 4242") == -ENOENT, "destroy_unknown_enoent");
	ktap_result(stream("lo=4242 count=1", buf, sizeof(buf)) == -ENOENT, "stream_unknown_enoent");
	ktap_result(stream("lo=0 count=1 max=70000", buf, sizeof(buf)) == -EINVAL,
		    "stream_above_mtu_einval");

	attach_paths();

	for (i = 0; i < n; i++) {
		snprintf(cmd, sizeof(cmd), "destroy %d", los[i].id);
		ktap_result(put(DBG "loopback", cmd) == 0, "destroy_loopback_%d", i);
	}
	destroy_under_stream();
	ktap_result(lo_list_all(los, 16) == 0, "no_loopback_left");
	get("/proc/iomem", buf, sizeof(buf));
	ktap_result(!strstr(buf, "multikernel instance"), "instance_pools_released");
	return ktap_finish();
}
