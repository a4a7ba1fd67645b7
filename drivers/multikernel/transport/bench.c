// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark of the transport beside the protocol it replaces, in the same
 * run: /sys/kernel/debug/multikernel/bench.
 *
 *   write "run [SCALE]"   run every case (SCALE multiplies the counts, 1-100)
 *   read                  the table of the last run
 *
 * Baseline "slot": the seeds' design done correctly. One 256-byte slot in
 * shared memory; the sender writes a fragment (at most 240 bytes of payload
 * after a 16-byte header), rings the receiver's doorbell, and waits for the
 * receiver to acknowledge before reusing the slot, so nothing is lost or
 * overwritten. The receiver copies the fragment out in its doorbell
 * handler. A message longer than 240 bytes takes several fragments, each a
 * doorbell. The vring cases stream the same sizes over a loopback link,
 * unbatched and in batches of 32 (one publication per batch).
 */

#define pr_fmt(fmt) "mk_bench: " fmt

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>
#include <linux/multikernel/doorbell.h>

#include "stream.h"

#define MK_SLOT_SIZE	256
#define MK_SLOT_DATA	(MK_SLOT_SIZE - 16)

/* The one slot, as the seed lays it out: header, then payload. */
struct mk_slot {
	u32 seq;		/* written last by the sender */
	u32 len;
	u32 more;		/* another fragment of the same message follows */
	u32 ack;		/* written by the receiver */
	u8 data[MK_SLOT_DATA];
};

struct mk_slot_bench {
	struct mk_slot *slot;
	struct mk_doorbell_handler db;
	u32 seen;
	u8 *msg;		/* receiver's reassembly buffer */
	u32 off;
	u64 msgs;
	u64 bytes;
};

static void mk_slot_rx(struct mk_doorbell_handler *h)
{
	struct mk_slot_bench *b = container_of(h, struct mk_slot_bench, db);
	/* Pairs with the sender's release: the fragment before its number. */
	u32 seq = smp_load_acquire(&b->slot->seq);
	u32 len;

	if (seq == b->seen)
		return;
	len = min_t(u32, READ_ONCE(b->slot->len), MK_SLOT_DATA);
	if (b->off + len <= SZ_64K)
		memcpy(b->msg + b->off, b->slot->data, len);
	b->off += len;
	if (!READ_ONCE(b->slot->more)) {
		b->msgs++;
		b->bytes += b->off;
		b->off = 0;
	}
	b->seen = seq;
	/* Copied out: the slot is the sender's again. */
	smp_store_release(&b->slot->ack, seq);
}

struct mk_bench_row {
	const char *proto;
	u32 size;
	u64 msgs;
	u64 ns;
	u64 doorbells;
	int ret;
};

/* Runs on its own CPU, like the seed's sender. */
struct mk_slot_job {
	struct mk_slot_bench *b;
	u32 target;
	u32 size;
	u64 count;
	struct mk_bench_row *row;
	struct completion done;
};

static int mk_slot_send(void *arg)
{
	struct mk_slot_job *j = arg;
	struct mk_slot *s = j->b->slot;
	u8 *msg = kzalloc(SZ_64K, GFP_KERNEL);
	u64 i, t0 = ktime_get_ns(), rings = 0;
	u32 seq = 0, off, frag;
	unsigned long deadline;

	j->row->ret = msg ? 0 : -ENOMEM;
	for (i = 0; msg && i < j->count && !j->row->ret; i++) {
		for (off = 0; off < j->size || !off; off += frag) {
			frag = min_t(u32, j->size - off, MK_SLOT_DATA);
			memcpy(s->data, msg + off, frag);
			WRITE_ONCE(s->len, frag);
			WRITE_ONCE(s->more, off + frag < j->size);
			/* The fragment before its number: pairs with mk_slot_rx(). */
			smp_store_release(&s->seq, ++seq);
			mk_doorbell_ring(j->target);
			rings++;
			deadline = jiffies + HZ;
			/* Pairs with the receiver's release of the ack. */
			while (smp_load_acquire(&s->ack) != seq) {
				if (time_after(jiffies, deadline)) {
					j->row->ret = -ETIMEDOUT;
					break;
				}
				cpu_relax();
			}
			if (j->row->ret || !frag)
				break;
		}
		cond_resched();
	}
	j->row->ns = ktime_get_ns() - t0;
	j->row->msgs = j->b->msgs;
	j->row->doorbells = rings;
	kfree(msg);
	complete(&j->done);
	return 0;
}

static int mk_bench_slot(int tx_cpu, int rx_cpu, u32 size, u64 count,
			 struct mk_bench_row *row)
{
	struct mk_slot_bench *b = kzalloc(sizeof(*b), GFP_KERNEL);
	struct mk_slot_job j = { .b = b, .size = size, .count = count, .row = row };
	struct task_struct *t;
	int ret = -ENOMEM;

	row->proto = "slot";
	row->size = size;
	if (!b)
		return ret;
	b->slot = kzalloc(sizeof(*b->slot), GFP_KERNEL);
	b->msg = kzalloc(SZ_64K, GFP_KERNEL);
	if (!b->slot || !b->msg)
		goto out;
	b->db.func = mk_slot_rx;
	b->db.cpu = rx_cpu;
	ret = mk_doorbell_cpu_target(rx_cpu, &j.target);
	if (ret || mk_doorbell_register(&b->db))
		goto out;
	init_completion(&j.done);
	t = kthread_run_on_cpu(mk_slot_send, &j, tx_cpu, "mk_bench/%u");
	if (IS_ERR(t)) {
		ret = PTR_ERR(t);
	} else {
		wait_for_completion(&j.done);
		ret = row->ret;
	}
	mk_doorbell_unregister(&b->db);
out:
	kfree(b->msg);
	kfree(b->slot);
	kfree(b);
	return ret;
}

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
