// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark of the transport beside the protocol it replaces, in the same
 * run: /sys/kernel/debug/multikernel/bench.
 *
 *   write "run [SCALE]"   run every case (SCALE multiplies the counts, 1-100)
 *   read                  the tables of the last run
 *
 * The stream table: per message size, the baseline "slot" (the seeds'
 * one-slot protocol done correctly, bench_base.c), the vring over a
 * loopback link unbatched and in batches of 32 (one publication per
 * batch), unbatched again without the stream's filling and checking of
 * every byte ("vring-nocheck": the transport's cost, its one copy in
 * included), and "memcpy", the bandwidth of the copy alone (bench_base.c);
 * then how much of that bandwidth the 64 KiB vring streams reach. Each
 * vring row says how much of its time the receive thread spent
 * busy-polling (rx_poll%), the CPU that its doorbell count costs. The
 * round-trip table (bench_rtt.c): a bare doorbell, the one-slot protocol
 * there and back, and kernel endpoints echoing over the loopback link.
 */

#define pr_fmt(fmt) "mk_bench: " fmt

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "bench.h"
#include "stream.h"

/* The loopback's default geometry, spelled out: the memcpy rows use it. */
static const struct mk_chan_geometry mk_bench_geometry = {
	.num = 256,
	.data_size = MK_BENCH_DATA_SIZE,
	.max_msg = SZ_64K + SZ_4K,
};

/*
 * Unbatched, batched, or unbatched with @header_only: the transport's own
 * cost, without the stream's filling and checking of every byte.
 */
static int mk_bench_vring(struct mk_loopback *lo, u32 size, u64 count, u32 batch,
			  bool header_only, struct mk_bench_row *row)
{
	struct mk_stream_cfg cfg = {
		.count = count, .min_len = size, .max_len = size, .batch = batch,
		.header_only = header_only, .timeout = 30 * HZ,
	};
	struct mk_stream_result res;

	row->proto = header_only ? "vring-nocheck" : batch > 1 ? "vring-batch32" : "vring";
	row->size = size;
	row->ret = mk_stream_run(mk_loopback_end(lo, 0), mk_loopback_end(lo, 1), &cfg, &res);
	row->msgs = res.received;
	row->ns = res.ns;
	row->doorbells = res.doorbells;
	row->poll_ns = res.rx_poll_ns;
	row->polls = true;
	return row->ret;
}

/*
 * Both tables: about 30 lines (stream rows, the bandwidth line, round-trip
 * rows) of at most about 100 characters each, with room to spare.
 */
static char mk_bench_out[8192];
static int mk_bench_len;
static DEFINE_MUTEX(mk_bench_lock);	/* the above, and one run at a time */
static struct mk_rtt_row mk_bench_rtt[MK_RTT_ROWS];	/* under mk_bench_lock */

static __printf(1, 2) void mk_bench_printf(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	mk_bench_len += vscnprintf(mk_bench_out + mk_bench_len,
				   sizeof(mk_bench_out) - mk_bench_len, fmt, args);
	va_end(args);
}

/*
 * rx_poll%: the receive thread's busy-polling as a share of the stream's
 * time, the CPU it spent to need fewer doorbells; "-" where nothing polls.
 */
static void mk_bench_print(struct mk_bench_row *r)
{
	u64 us = div_u64(r->ns, 1000) ?: 1;
	u64 poll = div64_u64(r->poll_ns * 1000, r->ns ?: 1);
	char pct[16] = "-";

	if (r->polls)
		scnprintf(pct, sizeof(pct), "%llu.%llu", div_u64(poll, 10), poll % 10);
	mk_bench_printf("%-14s %6u %10llu %10llu %8llu %5llu.%03llu %8s %d\n",
			r->proto, r->size, r->msgs,
			div64_u64(r->msgs * 1000000, us),
			div64_u64(r->msgs * r->size, us),
			div64_u64(r->doorbells, r->msgs ?: 1),
			div64_u64(r->doorbells * 1000, r->msgs ?: 1) % 1000,
			pct, r->ret);
}

/* @r's bandwidth as a percentage of @base's (same message size), or n/a. */
static void mk_bench_share(char *buf, size_t size, const struct mk_bench_row *r,
			   const struct mk_bench_row *base)
{
	if (r->ret || base->ret || !r->msgs || !r->ns || !base->msgs)
		scnprintf(buf, size, "n/a");
	else
		scnprintf(buf, size, "%llu%%",
			  mul_u64_u64_div_u64(r->msgs * 100, base->ns,
					      r->ns * base->msgs));
}

/* @ns in microseconds with one decimal, rounded. */
static void mk_bench_us(char *buf, size_t size, u64 ns)
{
	u32 tenth;
	u64 us = div_u64_rem(div_u64(ns + 50, 100), 10, &tenth);

	scnprintf(buf, size, "%llu.%u", us, tenth);
}

static void mk_bench_print_rtt(const struct mk_rtt_row *r)
{
	char us[MK_RTT_NR_PCT + 1][24];
	int i;

	for (i = 0; i <= MK_RTT_NR_PCT; i++) {
		if (!r->samples)
			strscpy(us[i], "-", sizeof(us[i]));
		else
			mk_bench_us(us[i], sizeof(us[i]),
				    i < MK_RTT_NR_PCT ? r->pct[i] : r->max);
	}
	mk_bench_printf("%-12s %6u %10u %9s %9s %9s %9s %9s %d\n", r->proto,
			r->size, r->samples, us[0], us[1], us[2], us[3], us[4],
			r->ret);
}

static int mk_bench_run(unsigned int scale)
{
	static const u32 sizes[] = { 64, 1024, SZ_64K };
	int a = cpumask_first(cpu_online_mask);
	int b = cpumask_next(a, cpu_online_mask);
	struct mk_bench_row row, vring = {}, batch = {}, raw = {}, copy = {};
	char share[3][24];
	struct mk_loopback *lo;
	unsigned int i, nrtt;

	if (b >= nr_cpu_ids)
		return -ENODEV;
	/* Before the loopback exists, whose ends would take these doorbells too. */
	nrtt = mk_bench_rtt_bare(a, b, scale, mk_bench_rtt);
	lo = mk_loopback_create(a, b, &mk_bench_geometry);
	if (IS_ERR(lo))
		return PTR_ERR(lo);
	mk_bench_len = 0;
	mk_bench_printf("%-14s %6s %10s %10s %8s %9s %8s %s\n", "protocol", "size",
			"messages", "msgs/s", "MB/s", "bells/msg", "rx_poll%", "status");
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u64 n = (sizes[i] == SZ_64K ? 500 : 5000) * (u64)scale;

		mk_bench_slot(a, b, sizes[i], n, &row);
		mk_bench_print(&row);
		mk_bench_vring(lo, sizes[i], n * 4, 1, false, &row);
		mk_bench_print(&row);
		if (sizes[i] == SZ_64K)
			vring = row;
		mk_bench_vring(lo, sizes[i], n * 4, 32, false, &row);
		mk_bench_print(&row);
		if (sizes[i] == SZ_64K)
			batch = row;
		mk_bench_vring(lo, sizes[i], n * 4, 1, true, &row);
		mk_bench_print(&row);
		if (sizes[i] == SZ_64K)
			raw = row;
		mk_bench_memcpy(a, sizes[i], n * 4, &row);
		mk_bench_print(&row);
		if (sizes[i] == SZ_64K)
			copy = row;
	}
	mk_bench_share(share[0], sizeof(share[0]), &vring, &copy);
	mk_bench_share(share[1], sizeof(share[1]), &batch, &copy);
	mk_bench_share(share[2], sizeof(share[2]), &raw, &copy);
	mk_bench_printf("vring 64 KiB stream: %s of memcpy bandwidth (batched %s, unchecked %s)\n",
			share[0], share[1], share[2]);
	nrtt += mk_bench_rtt_link(lo, a, scale, mk_bench_rtt + nrtt);
	mk_loopback_destroy(lo);
	mk_bench_printf("\n%-12s %6s %10s %9s %9s %9s %9s %9s %s\n", "rtt", "size",
			"samples", "p50_us", "p90_us", "p99_us", "p99.9_us", "max_us",
			"status");
	for (i = 0; i < nrtt; i++)
		mk_bench_print_rtt(&mk_bench_rtt[i]);
	return 0;
}

static ssize_t mk_bench_write(struct file *f, const char __user *ubuf, size_t n,
			      loff_t *pos)
{
	unsigned int scale = 1;
	char buf[32];
	int ret;

	if (n >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, n))
		return -EFAULT;
	buf[n] = '\0';
	if (strncmp(buf, "run", 3) ||
	    (sscanf(buf + 3, "%u", &scale) == 1 && (scale < 1 || scale > 100)))
		return -EINVAL;
	mutex_lock(&mk_bench_lock);
	ret = mk_bench_run(scale);
	mutex_unlock(&mk_bench_lock);
	return ret ?: n;
}

static ssize_t mk_bench_read(struct file *f, char __user *ubuf, size_t n,
			     loff_t *pos)
{
	ssize_t ret;

	mutex_lock(&mk_bench_lock);
	ret = simple_read_from_buffer(ubuf, n, pos, mk_bench_out, mk_bench_len);
	mutex_unlock(&mk_bench_lock);
	return ret;
}

static const struct file_operations mk_bench_fops = {
	.read = mk_bench_read,
	.write = mk_bench_write,
	.llseek = default_llseek,
};

static int __init mk_bench_debugfs_init(void)
{
	debugfs_create_file("bench", 0600, mk_transport_debugfs(), NULL, &mk_bench_fops);
	return 0;
}
late_initcall(mk_bench_debugfs_init);
