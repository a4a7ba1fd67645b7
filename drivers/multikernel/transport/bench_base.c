// SPDX-License-Identifier: GPL-2.0-only
/*
 * The benchmark's baselines: what the transport is measured beside.
 *
 * "slot": the seeds' design done correctly. One 256-byte slot in shared
 * memory; the sender writes a fragment (at most 240 bytes of payload
 * after a 16-byte header), rings the receiver's doorbell, and waits for the
 * receiver to acknowledge before reusing the slot, so nothing is lost or
 * overwritten. The receiver copies the fragment out in its doorbell
 * handler. A message longer than 240 bytes takes several fragments, each a
 * doorbell.
 *
 * "memcpy": the copy the transport makes on the sending side, alone: one
 * CPU copies each message from one buffer into an area the size of a link's
 * payload area, cycling through it as the vring's sender does, so the cache
 * sees about what it sees in a stream. What any shared-memory transport
 * that copies once per message could reach.
 */

#define pr_fmt(fmt) "mk_bench: " fmt

#include <linux/compiler.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "bench.h"

struct mk_bench_job {
	int (*fn)(void *arg);
	void *arg;
	int ret;
	struct completion done;
};

static int mk_bench_job_run(void *data)
{
	struct mk_bench_job *j = data;

	j->ret = j->fn(j->arg);
	complete(&j->done);
	return 0;
}

/**
 * mk_bench_on_cpu() - run a part of the benchmark in a thread bound to a CPU
 * @cpu: the CPU, online
 * @fn: what to run; it must end by itself in bounded time
 * @arg: passed to @fn
 *
 * Context: process context; sleeps until @fn has returned.
 * Return: what @fn returned, or the error of creating the thread.
 */
int mk_bench_on_cpu(unsigned int cpu, int (*fn)(void *arg), void *arg)
{
	struct mk_bench_job j = { .fn = fn, .arg = arg };
	struct task_struct *t;

	init_completion(&j.done);
	t = kthread_run_on_cpu(mk_bench_job_run, &j, cpu, "mk_bench/%u");
	if (IS_ERR(t))
		return PTR_ERR(t);
	/*
	 * @fn bounds its own time. Waking up now and then keeps a long run
	 * (a high SCALE) from looking like a hung task.
	 */
	while (!wait_for_completion_timeout(&j.done, 10 * HZ))
		;
	return j.ret;
}

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
		WRITE_ONCE(b->len, b->off);
		b->off = 0;
		/* The message before its count: for whoever waits for it. */
		smp_store_release(&b->done, b->done + 1);
	}
	b->seen = seq;
	/* Copied out: the slot is the sender's again. */
	smp_store_release(&b->slot->ack, seq);
}

/**
 * mk_slot_create() - a slot and its receiver
 * @rx_cpu: the CPU whose doorbells the receiver takes
 *
 * Context: process context.
 * Return: the slot, receiving, or an ERR_PTR.
 */
struct mk_slot_bench *mk_slot_create(int rx_cpu)
{
	struct mk_slot_bench *b = kzalloc(sizeof(*b), GFP_KERNEL);
	int ret = -ENOMEM;

	if (!b)
		return ERR_PTR(ret);
	b->slot = kzalloc(sizeof(*b->slot), GFP_KERNEL);
	b->msg = kzalloc(SZ_64K, GFP_KERNEL);
	if (!b->slot || !b->msg)
		goto fail;
	b->db.func = mk_slot_rx;
	b->db.cpu = rx_cpu;
	ret = mk_doorbell_register(&b->db);
	if (ret)
		goto fail;
	return b;
fail:
	kfree(b->msg);
	kfree(b->slot);
	kfree(b);
	return ERR_PTR(ret);
}

/**
 * mk_slot_destroy() - stop receiving and free a slot
 * @b: what mk_slot_create() returned
 *
 * Context: process context; sleeps.
 */
void mk_slot_destroy(struct mk_slot_bench *b)
{
	mk_doorbell_unregister(&b->db);
	kfree(b->msg);
	kfree(b->slot);
	kfree(b);
}

/**
 * mk_slot_xmit() - send one message through a slot, fragment by fragment
 * @b: the slot
 * @target: doorbell target of the receiver's CPU
 * @msg: the message
 * @size: its length (0 is one empty fragment)
 *
 * Each fragment is rung and busy-waits for its acknowledgment, at most a
 * second. One sender per slot.
 *
 * Context: process context.
 * Return: 0, or -ETIMEDOUT if a fragment was not acknowledged in time.
 */
int mk_slot_xmit(struct mk_slot_bench *b, u32 target, const u8 *msg, u32 size)
{
	struct mk_slot *s = b->slot;
	unsigned long deadline;
	u32 off = 0, frag;

	do {
		frag = min_t(u32, size - off, MK_SLOT_DATA);
		memcpy(s->data, msg + off, frag);
		WRITE_ONCE(s->len, frag);
		WRITE_ONCE(s->more, off + frag < size);
		/* The fragment before its number: pairs with mk_slot_rx(). */
		smp_store_release(&s->seq, ++b->tx_seq);
		mk_doorbell_ring(target);
		b->rings++;
		deadline = jiffies + HZ;
		/* Pairs with the receiver's release of the ack. */
		while (smp_load_acquire(&s->ack) != b->tx_seq) {
			if (time_after(jiffies, deadline))
				return -ETIMEDOUT;
			cpu_relax();
		}
		off += frag;
	} while (off < size);
	return 0;
}

/* Runs on its own CPU, like the seed's sender. */
struct mk_slot_job {
	struct mk_slot_bench *b;
	u32 target;
	u32 size;
	u64 count;
	u64 ns;
};

static int mk_slot_send(void *arg)
{
	struct mk_slot_job *j = arg;
	u8 *msg = kzalloc(SZ_64K, GFP_KERNEL);
	u64 i, t0 = ktime_get_ns();
	int ret = msg ? 0 : -ENOMEM;

	for (i = 0; !ret && i < j->count; i++) {
		ret = mk_slot_xmit(j->b, j->target, msg, j->size);
		cond_resched();
	}
	j->ns = ktime_get_ns() - t0;
	kfree(msg);
	return ret;
}

/**
 * mk_bench_slot() - stream messages through the one-slot protocol
 * @tx_cpu: the sender's CPU
 * @rx_cpu: the receiver's CPU (its doorbell handler)
 * @size: message bytes, at most 64 KiB
 * @count: messages
 * @row: the result, filled even on failure
 *
 * Context: process context; sleeps.
 * Return: 0 or a negative error (also in @row->ret).
 */
int mk_bench_slot(int tx_cpu, int rx_cpu, u32 size, u64 count,
		  struct mk_bench_row *row)
{
	struct mk_slot_job j = { .size = size, .count = count };
	int ret;

	*row = (struct mk_bench_row){ .proto = "slot", .size = size };
	ret = mk_doorbell_cpu_target(rx_cpu, &j.target);
	if (ret)
		goto out;
	j.b = mk_slot_create(rx_cpu);
	if (IS_ERR(j.b)) {
		ret = PTR_ERR(j.b);
		goto out;
	}
	ret = mk_bench_on_cpu(tx_cpu, mk_slot_send, &j);
	/* After a timeout the handler may still be counting. */
	row->msgs = READ_ONCE(j.b->msgs);
	row->doorbells = j.b->rings;
	row->ns = j.ns;
	mk_slot_destroy(j.b);
out:
	row->ret = ret;
	return ret;
}

struct mk_copy_job {
	u32 size;
	u64 count;
	u64 ns;
};

static int mk_copy_run(void *arg)
{
	struct mk_copy_job *j = arg;
	u8 *src = kvmalloc(j->size, GFP_KERNEL);
	u8 *dst = kvmalloc(MK_BENCH_DATA_SIZE, GFP_KERNEL);
	u32 off = 0;
	u64 i, t0;
	int ret = -ENOMEM;

	if (!src || !dst)
		goto out;
	memset(src, 0x5a, j->size);
	/* Every page present before the clock starts. */
	memset(dst, 0, MK_BENCH_DATA_SIZE);
	t0 = ktime_get_ns();
	for (i = 0; i < j->count; i++) {
		if (off + j->size > MK_BENCH_DATA_SIZE)
			off = 0;
		memcpy(dst + off, src, j->size);
		/* The copy is what is measured: the compiler must keep it. */
		barrier_data(dst + off);
		off += j->size;
		if (!(i % 64))
			cond_resched();
	}
	j->ns = ktime_get_ns() - t0;
	ret = 0;
out:
	kvfree(dst);
	kvfree(src);
	return ret;
}

/**
 * mk_bench_memcpy() - the copy bandwidth of one CPU, as a stream would use it
 * @cpu: the CPU
 * @size: message bytes, at most %MK_BENCH_DATA_SIZE
 * @count: messages
 * @row: the result, filled even on failure (no doorbells)
 *
 * Copies @count messages of @size bytes from one buffer into successive
 * places of a %MK_BENCH_DATA_SIZE area, starting again at its beginning
 * when the next would not fit, as a link's sender fills its payload area.
 *
 * Context: process context; sleeps.
 * Return: 0 or -ENOMEM (also in @row->ret).
 */
int mk_bench_memcpy(int cpu, u32 size, u64 count, struct mk_bench_row *row)
{
	struct mk_copy_job j = { .size = size, .count = count };

	*row = (struct mk_bench_row){ .proto = "memcpy", .size = size };
	row->ret = mk_bench_on_cpu(cpu, mk_copy_run, &j);
	if (!row->ret) {
		row->msgs = count;
		row->ns = j.ns;
	}
	return row->ret;
}
