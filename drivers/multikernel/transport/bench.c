// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark of the transport beside the protocol it replaces, in the same
 * run: /sys/kernel/debug/multikernel/bench.
 *
 *   write "run [SCALE]"   run every case (SCALE multiplies the counts, 1-100)
 *   read                  the table of the last run
 *
 * Baseline "slot" (bench_base.c): the seeds' one-slot protocol, done
 * correctly. The vring cases stream the same sizes over a loopback link,
 * unbatched and in batches of 32 (one publication per batch).
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

static int mk_bench_vring(struct mk_loopback *lo, u32 size, u64 count, u32 batch,
			  struct mk_bench_row *row)
{
	struct mk_stream_cfg cfg = {
		.count = count, .min_len = size, .max_len = size, .batch = batch,
		.timeout = 30 * HZ,
	};
	struct mk_stream_result res;

	row->proto = batch > 1 ? "vring-batch32" : "vring";
	row->size = size;
	row->ret = mk_stream_run(mk_loopback_end(lo, 0), mk_loopback_end(lo, 1), &cfg, &res);
	row->msgs = res.received;
	row->ns = res.ns;
	row->doorbells = res.doorbells;
	return row->ret;
}

static char mk_bench_out[4096];
static int mk_bench_len;
static DEFINE_MUTEX(mk_bench_lock);

static void mk_bench_print(struct mk_bench_row *r)
{
	u64 us = div_u64(r->ns, 1000) ?: 1;

	mk_bench_len += scnprintf(mk_bench_out + mk_bench_len,
				  sizeof(mk_bench_out) - mk_bench_len,
				  "%-14s %6u %10llu %10llu %8llu %5llu.%03llu %d\n",
				  r->proto, r->size, r->msgs,
				  div64_u64(r->msgs * 1000000, us),
				  div64_u64(r->msgs * r->size, us),
				  div64_u64(r->doorbells, r->msgs ?: 1),
				  div64_u64(r->doorbells * 1000, r->msgs ?: 1) % 1000,
				  r->ret);
}

static int mk_bench_run(unsigned int scale)
{
	static const u32 sizes[] = { 64, 1024, SZ_64K };
	int a = cpumask_first(cpu_online_mask);
	int b = cpumask_next(a, cpu_online_mask);
	struct mk_bench_row row;
	struct mk_loopback *lo;
	int i;

	if (b >= nr_cpu_ids)
		return -ENODEV;
	lo = mk_loopback_create(a, b, NULL);
	if (IS_ERR(lo))
		return PTR_ERR(lo);
	mk_bench_len = scnprintf(mk_bench_out, sizeof(mk_bench_out),
				 "%-14s %6s %10s %10s %8s %9s %s\n", "protocol", "size",
				 "messages", "msgs/s", "MB/s", "bells/msg", "status");
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u64 n = (sizes[i] == SZ_64K ? 500 : 5000) * (u64)scale;

		mk_bench_slot(a, b, sizes[i], n, &row);
		mk_bench_print(&row);
		mk_bench_vring(lo, sizes[i], n * 4, 1, &row);
		mk_bench_print(&row);
		mk_bench_vring(lo, sizes[i], n * 4, 32, &row);
		mk_bench_print(&row);
	}
	mk_loopback_destroy(lo);
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
