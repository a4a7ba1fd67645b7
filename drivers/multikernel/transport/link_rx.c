// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel transport: the receive thread of a link end.
 *
 * The thread does all of a link end's work but sending: it follows the
 * handshake (link.c), receives in batches with a budget, reclaims sent
 * buffers and wakes blocked senders. A doorbell only wakes it.
 *
 * Latency: the thread prefers the CPU that takes its doorbells, as an
 * interrupt thread follows its interrupt, so that a doorbell wakes it
 * without another IPI. Before it asks for a doorbell and sleeps, it polls the
 * ring for a while, as SCHED_IDLE, on time no other task wants: the window
 * adapts to how soon doorbells that brought messages came after it slept,
 * from 0 (traffic whose gaps are longer than mk_transport.rx_poll_us, or a
 * sender's end, rung only for room) to that bound (a stream's receiver, or
 * a ping-pong whose round trip is shorter, which then need almost no
 * doorbells). mk_link_stats counts where receive batches came from, the
 * time spent polling and how long the thread took to run after a doorbell.
 */

#define pr_fmt(fmt) "mk_link: " fmt

#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/stat.h>
#include <linux/workqueue.h>
#include <uapi/linux/sched/types.h>

#include "link.h"

static unsigned int rx_budget = 64;
module_param(rx_budget, uint, 0644);
MODULE_PARM_DESC(rx_budget, "Messages received per batch before yielding (default 64)");

/*
 * 200 us, KVM's halt_poll_ns. Under QEMU/TCG, where a round trip of a few
 * KiB takes 100-300 us, 500 catches more answers (make bench's rpmsg_char
 * p99 mostly 1.1-1.4x a pipe pair's, beside 1.3-2.0x) but a vCPU that polls
 * takes a host core from the others: the two-kernel 64 KiB stream of
 * make demo fell from 2.5-3.0 GB/s to 1.5-1.6 GB/s. Set it per machine.
 */
static unsigned int rx_poll_us = 200;
module_param(rx_poll_us, uint, 0644);
MODULE_PARM_DESC(rx_poll_us,
		 "Longest busy-poll of a receive thread before it asks for a doorbell and sleeps, in us (default 200, 0: never)");

static bool rx_affine = true;
module_param(rx_affine, bool, 0644);
MODULE_PARM_DESC(rx_affine,
		 "Receive threads prefer the CPU that takes their doorbells (default on)");

/* The smallest busy-poll window worth having, and the first one tried. */
#define MK_LINK_POLL_MIN_NS	1000
#define MK_LINK_POLL_START_NS	4000

/*
 * KUnit hook (mk_link_rx_jitter()): sleep a random while, one time in
 * four, to shake out races. Compiled out of other builds.
 */
static void mk_link_jitter(struct mk_link *link)
{
	unsigned int max;

	if (!IS_ENABLED(CONFIG_MULTIKERNEL_TRANSPORT_KUNIT_TEST))
		return;
	max = READ_ONCE(link->rx_jitter_us);
	if (max && !get_random_u32_below(4))
		usleep_range(1, 1 + get_random_u32_below(max));
}

/* Reclaim sent buffers; wake senders. Returns true to be called again. */
static bool mk_link_reclaim(struct mk_link *link)
{
	unsigned long flags;
	bool again = false;
	int n;

	spin_lock_irqsave(&link->tx_lock, flags);
	n = link->up ? mk_link_reclaim_locked(link) : 0;
	/* A waiting sender (or poller) wants a doorbell when room comes. */
	if (n >= 0 && (wq_has_sleeper(&link->space_wq) ||
		       test_bit(MK_CLIENT_ROOM, &link->kick)) &&
	    mkv_tx_inflight(&link->tx))
		again = mkv_tx_arm_space(&link->tx);
	spin_unlock_irqrestore(&link->tx_lock, flags);
	if (n < 0)
		return false;
	if (n > 0 && wq_has_sleeper(&link->space_wq))
		wake_up_all(&link->space_wq);
	if (n > 0 && test_and_clear_bit(MK_CLIENT_ROOM, &link->kick)) {
		mutex_lock(&link->client_lock);
		if (link->ops && link->ops->writable)
			link->ops->writable(link, link->priv);
		mutex_unlock(&link->client_lock);
	}
	return again;
}

/*
 * Test hook: the receiving fault mk_link_set_fault() asked for, once.
 * Returns true if it published the (corrupt) completions itself.
 */
static bool mk_link_rx_fault(struct mk_link *link)
{
	enum mk_fault f = READ_ONCE(link->fault);

	if (!IS_ENABLED(CONFIG_MULTIKERNEL_TRANSPORT_FAULT_INJECTION) ||
	    (f != MK_FAULT_USED_JUMP && f != MK_FAULT_USED_ORDER))
		return false;
	WRITE_ONCE(link->fault, MK_FAULT_NONE);
	return mkv_rx_corrupt(&link->rx, f);
}

/* What made the thread look at the ring (struct mk_link_stats). */
enum mk_rx_source {
	MK_RX_KICKED,
	MK_RX_UNKICKED,
	MK_RX_POLLED,
};

/*
 * What the thread knows of its last sleep, kept until its first receive
 * after it: @src for the statistics, and, until @judged, whether a
 * doorbell ended it (@kicked) and how long after the thread slept.
 */
struct mk_rx_wake {
	enum mk_rx_source src;
	bool judged;
	bool kicked;
	u64 slept_ns;
};

/* The policy of the receive thread while it polls. */
static const struct sched_attr mk_link_poll_attr = {
	.size = sizeof(struct sched_attr),
	.sched_policy = SCHED_IDLE,
};

/*
 * A SCHED_IDLE poll on a CPU that stays busy would hardly run, with the
 * ring unarmed: the thread would receive nothing, and stop, restart or
 * close would wait for it. A timer, from the window's end on and until
 * cancelled, has a worker give the thread its policy back, so that it
 * runs on its share, sees the window over, arms and sleeps.
 */
struct mk_link_poll_guard {
	struct hrtimer timer;
	struct work_struct work;
	struct task_struct *task;
	int nice;
};

static void mk_link_poll_restore(struct work_struct *work)
{
	struct mk_link_poll_guard *g = container_of(work, struct mk_link_poll_guard, work);

	sched_set_normal(g->task, g->nice);
}

/* How often the guard gives the policy back once the window is over. */
#define MK_LINK_POLL_GUARD_NS	(100 * NSEC_PER_USEC)

static enum hrtimer_restart mk_link_poll_expired(struct hrtimer *timer)
{
	struct mk_link_poll_guard *g = container_of(timer, struct mk_link_poll_guard, timer);

	queue_work(system_highpri_wq, &g->work);
	/* Again, until cancelled: the thread may not have switched yet. */
	hrtimer_forward_now(timer, ns_to_ktime(MK_LINK_POLL_GUARD_NS));
	return HRTIMER_RESTART;
}

/*
 * Poll until a message comes or the window ends; true if one came. Not
 * SCHED_IDLE (@alone), only while no other task wants the CPU.
 */
static bool mk_link_poll_ring(struct mk_link *link, u64 end, bool alone)
{
	const void *buf;
	u32 len;

	do {
		if (alone && (!single_task_running() || need_resched()))
			return false;
		cpu_relax();
		/* A violation is found too: receiving reports it. */
		if (mkv_rx_peek(&link->rx, &buf, &len) ||
		    test_bit(MK_KICK, &link->kick) || READ_ONCE(link->restart))
			return true;
		if (!alone)
			cond_resched();
	} while (ktime_get_ns() < end && !kthread_should_stop());
	return false;
}

/*
 * Busy-poll for the next message before asking for a doorbell, so that a
 * peer that keeps sending, or answers soon, needs none: at most the
 * window. The thread polls as SCHED_IDLE, on time no other task wants:
 * a reader it has just woken on this CPU takes the CPU at once, and the
 * poll goes on when that reader blocks again, waiting for the answer the
 * poll is there to catch. A thread given another policy (chrt) keeps it
 * and polls only while it has the CPU to itself. Returns true if a
 * message (or anything else for the thread to do) came.
 */
static bool mk_link_poll(struct mk_link *link)
{
	struct mk_link_poll_guard g;
	u64 t0, end;
	bool found;

	if (!link->poll_ns)
		return false;
	t0 = ktime_get_ns();
	end = t0 + link->poll_ns;
	if (current->policy != SCHED_NORMAL) {
		found = mk_link_poll_ring(link, end, true);
		goto out;
	}
	g.task = current;
	g.nice = task_nice(current);
	INIT_WORK_ONSTACK(&g.work, mk_link_poll_restore);
	hrtimer_init_on_stack(&g.timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	g.timer.function = mk_link_poll_expired;
	/* Armed before the switch and until after the way back. */
	hrtimer_start(&g.timer, ns_to_ktime(end), HRTIMER_MODE_ABS);
	WARN_ON_ONCE(sched_setattr_nocheck(current, &mk_link_poll_attr));
	/* A reader woken before the switch did not preempt: let it run. */
	if (!single_task_running())
		schedule();
	found = mk_link_poll_ring(link, end, false);
	sched_set_normal(current, g.nice);
	hrtimer_cancel(&g.timer);
	cancel_work_sync(&g.work);
	destroy_hrtimer_on_stack(&g.timer);
	destroy_work_on_stack(&g.work);
out:
	stat_add(&link->stats.rx_poll_ns, ktime_get_ns() - t0);
	return found;
}

/*
 * Adapt the busy-poll window to a sleep, @w, once the thread knows whether
 * it ended with messages to receive (@got): as halt polling does, a
 * doorbell that brought messages and that a longer window would have
 * caught doubles it; anything else halves it: a wait beyond the longest
 * window, a heartbeat, or a doorbell that brought none (room for a
 * waiting sender: the poll looks for messages, and there are none to
 * catch). Traffic whose gaps are longer than rx_poll_us polls not at
 * all; a stream's receiver, or both ends of a ping-pong with a shorter
 * round trip, poll and need no doorbells; a stream's sender, which is
 * only ever rung for room, does not poll and leaves the CPU idle.
 */
static void mk_link_adapt_poll(struct mk_link *link, struct mk_rx_wake *w, bool got)
{
	u64 max = (u64)READ_ONCE(rx_poll_us) * NSEC_PER_USEC;

	w->judged = true;
	if (w->kicked && got && w->slept_ns < max)
		link->poll_ns = min(max(2 * link->poll_ns, MK_LINK_POLL_START_NS), max);
	else
		link->poll_ns = min(link->poll_ns / 2, max);
	if (link->poll_ns < MK_LINK_POLL_MIN_NS)
		link->poll_ns = 0;
}

/* Receive up to the budget. Returns true if more may be waiting. */
static bool mk_link_receive(struct mk_link *link, struct mk_rx_wake *w)
{
	unsigned int n = 0, dropped = 0, budget = max(1U, READ_ONCE(rx_budget));
	u64 bytes = 0;
	bool more;

	if (READ_ONCE(link->rx_paused))
		return false;
	mutex_lock(&link->client_lock);
	while (n < budget) {
		const void *buf;
		u32 len;
		int r = mkv_rx_peek(&link->rx, &buf, &len);

		if (!r)
			break;
		if (r < 0) {
			mutex_unlock(&link->client_lock);
			mk_link_violation(link, link->rx.broken);
			return false;
		}
		/* Nobody to take it: consumed all the same, and counted. */
		if (link->ops && link->ops->rx)
			link->ops->rx(link, buf, len, link->priv);
		else
			dropped++;
		mkv_rx_consume(&link->rx);
		n++;
		bytes += len;
	}
	mutex_unlock(&link->client_lock);
	mk_link_jitter(link);
	if (!w->judged)
		mk_link_adapt_poll(link, w, n);
	if (n) {
		stat_add(w->src == MK_RX_POLLED ? &link->stats.rx_polled :
			 w->src == MK_RX_UNKICKED ? &link->stats.rx_unkicked :
			 &link->stats.rx_kicked, 1);
		w->src = MK_RX_KICKED;
		stat_add(&link->stats.rx_msgs, n);
		stat_add(&link->stats.rx_bytes, bytes);
		stat_add(&link->stats.rx_batches, 1);
		if (dropped)
			stat_add(&link->stats.dropped, dropped);
		if (!mk_link_rx_fault(link) && mkv_rx_publish(&link->rx)) {
			stat_add(&link->stats.rx_completion_doorbells, 1);
			mk_link_ring_peer(link);
		}
	}
	if (n == budget)
		return true;
	if (mk_link_poll(link)) {
		w->src = MK_RX_POLLED;
		return true;
	}
	mk_link_jitter(link);
	/* Ask for a doorbell, then look once more: none can be lost. */
	more = mkv_rx_arm(&link->rx);
	mk_link_jitter(link);
	return more;
}

/*
 * The receive thread's CPUs: the one that takes its doorbells, as an
 * interrupt thread follows its interrupt's affinity, so that a doorbell
 * wakes it there and it wakes readers there, with no more IPIs; any CPU
 * with rx_affine off, or when that CPU is offline.
 */
static void mk_link_set_affine(struct mk_link *link, bool affine)
{
	if (link->affine == affine)
		return;
	link->affine = affine;
	if (affine && link->cpu >= 0 && cpu_online(link->cpu))
		set_cpus_allowed_ptr(current, cpumask_of(link->cpu));
	else
		set_cpus_allowed_ptr(current, cpu_possible_mask);
}

/* Which bucket of mk_link_stats.rx_wake a wake-up of @ns falls in. */
static unsigned int mk_link_wake_bucket(u64 ns)
{
	u64 us = div_u64(ns, NSEC_PER_USEC);
	unsigned int b = 0;

	while (us >= 4 && b < MK_LINK_WAKE_BUCKETS - 1) {
		us >>= 2;
		b++;
	}
	return b;
}

int mk_link_thread(void *arg)
{
	struct mk_link *link = arg;
	struct mk_rx_wake w = { .src = MK_RX_KICKED, .judged = true };

	while (!kthread_should_stop()) {
		u64 t0, now;
		bool busy = false;
		long left;

		clear_bit(MK_KICK, &link->kick);
		if (mk_link_frozen(link)) {
			schedule_timeout_interruptible(msecs_to_jiffies(mk_link_heartbeat_ms));
			continue;
		}
		if (mk_link_handshake(link)) {
			busy |= mk_link_receive(link, &w);
			busy |= mk_link_reclaim(link);
		}
		if (busy || READ_ONCE(link->restart)) {
			cond_resched();
			continue;
		}
		mk_link_set_affine(link, READ_ONCE(rx_affine));
		set_current_state(TASK_INTERRUPTIBLE);
		if (test_bit(MK_KICK, &link->kick) || kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			continue;
		}
		t0 = ktime_get_ns();
		left = schedule_timeout(msecs_to_jiffies(mk_link_heartbeat_ms));
		now = ktime_get_ns();
		w.kicked = test_bit(MK_KICK, &link->kick);
		w.src = w.kicked || left ? MK_RX_KICKED : MK_RX_UNKICKED;
		w.slept_ns = now - t0;
		/* Judged by the first receive: were there messages? */
		w.judged = !link->up;
		if (w.kicked) {
			u64 at = READ_ONCE(link->kick_ns);

			/*
			 * The window is judged by when the doorbell came, not
			 * by when this thread ran again: a window that missed
			 * a message by a little must not be dropped because
			 * the wake-up made the wait look longer than
			 * rx_poll_us. Otherwise a ping-pong whose round trip
			 * fits the window only while it polls would, after an
			 * idle gap, never poll again.
			 */
			if (at >= t0 && at <= now) {
				stat_add(&link->stats.rx_wake[mk_link_wake_bucket(now - at)], 1);
				w.slept_ns = at - t0;
			}
		}
	}
	return 0;
}
