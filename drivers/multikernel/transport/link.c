// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel transport: one end of a channel.
 *
 * A link end owns the sending side of one vring (its TX direction) and the
 * receiving side of the other (RX). A kernel thread per end does everything
 * that is not sending: the handshake, the heartbeat, receiving (in batches,
 * with a budget), reclaiming sent buffers and waking blocked senders. The
 * doorbell interrupt only wakes it.
 *
 * Handshake (all fields in struct mk_chan_side, each side writes its own):
 *  - a side (re)starts with state INIT and a new epoch;
 *  - a side that sees the peer at an epoch it has not "seen" clears the ring
 *    parts it owns (its TX descriptors and avail ring, its RX used ring) and
 *    records the peer's epoch in its "seen";
 *  - a side in INIT whose epoch the peer has seen clears its parts too and
 *    becomes READY;
 *  - the link is up while both are READY and each one's "seen" is the other
 *    one's epoch. Any change of that, a peer that stops beating, or a
 *    protocol violation takes it down and this side restarts under a new
 *    epoch, so both sides clear their rings before either uses them again.
 * A side only clears its ring parts while the peer cannot be using them:
 * the peer is either in INIT or has acknowledged the new epoch.
 */

#define pr_fmt(fmt) "mk_link: " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/panic.h>
#include <linux/panic_notifier.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/timer.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/multikernel/channel.h>
#include <linux/multikernel/doorbell.h>

#include "transport.h"
#include "vring.h"

static unsigned int rx_budget = 64;
module_param(rx_budget, uint, 0644);
MODULE_PARM_DESC(rx_budget, "Messages received per batch before yielding (default 64)");

static unsigned int heartbeat_ms = 100;
module_param(heartbeat_ms, uint, 0644);
MODULE_PARM_DESC(heartbeat_ms, "Heartbeat period in ms (default 100)");

static unsigned int heartbeat_timeout_ms = 5000;
module_param(heartbeat_timeout_ms, uint, 0644);
MODULE_PARM_DESC(heartbeat_timeout_ms,
		 "A peer whose heartbeat stays still this long is dead (default 5000)");

static unsigned int flap_backoff_max_ms = 5000;
module_param(flap_backoff_max_ms, uint, 0644);
MODULE_PARM_DESC(flap_backoff_max_ms,
		 "Longest wait before a link that keeps failing comes up again (default 5000, 0: no backoff)");

/* A link that stays up this long is healthy again: no more backoff. */
#define MK_LINK_STABLE_MS	2000
#define MK_LINK_BACKOFF_MIN_MS	10

#define MK_LINK_FEATURES	(MK_CHAN_F_EVENT_IDX | MK_CHAN_F_HEARTBEAT)

/**
 * struct mk_link_stats - counters of one link end
 * @tx_msgs: messages sent
 * @tx_bytes: bytes sent
 * @tx_doorbells: doorbells rung for new messages
 * @tx_suppressed: publications that needed no doorbell
 * @tx_full: sends that found the ring or payload area full
 * @tx_waits: sends that slept for room
 * @rx_msgs: messages received
 * @rx_bytes: bytes received
 * @rx_batches: receive batches (mean size: @rx_msgs / @rx_batches)
 * @rx_completion_doorbells: doorbells rung to tell a waiting sender of room
 * @irqs: doorbell interrupts taken by this end
 * @violations: protocol violations seen in the peer's data
 * @resets: times the link went down
 * @ups: times the link came up
 * @backoffs: times the link waited before coming up again, because it
 *	had gone down soon after coming up
 * @peer_doorbell_refused: doorbell targets the peer published that name no
 *	CPU it may own
 */
struct mk_link_stats {
	u64 tx_msgs;
	u64 tx_bytes;
	u64 tx_doorbells;
	u64 tx_suppressed;
	u64 tx_full;
	u64 tx_waits;
	u64 rx_msgs;
	u64 rx_bytes;
	u64 rx_batches;
	u64 rx_completion_doorbells;
	u64 irqs;
	u64 violations;
	u64 resets;
	u64 ups;
	u64 backoffs;
	u64 peer_doorbell_refused;
};

/**
 * struct mk_link - this kernel's end of a channel
 * @name: for the log and debugfs
 * @base: the region, as this kernel mapped it
 * @size: bytes of the region
 * @side: 0 or 1: which struct mk_chan_side is ours
 * @me: our side block, in the region
 * @peer: the peer's side block, in the region (untrusted)
 * @dir_tx: validated geometry of our sending direction
 * @dir_rx: validated geometry of our receiving direction
 * @tx_lock: serialises @tx, @up/@mtu changes and the peer doorbell target
 * @tx: sending engine
 * @tx_ends: private array of the sending engine
 * @rx: receiving engine; only the thread touches it
 * @cpu: CPU that takes our doorbells
 * @db: our doorbell handler
 * @peer_db: where we ring the peer, once @peer_db_ok
 * @peer_db_ok: @peer_db is a target we accepted (or pinned): ring it
 * @peer_db_pinned: @peer_db came from our configuration, not the region
 * @peer_db_seen: the target the peer published when we last looked
 * @peer_db_recheck: @peer_cpus changed: look at the published target again
 * @peer_cpus: the CPUs the peer may own; a published target must be one
 *	of theirs (under @tx_lock)
 * @peer_cpus_set: @peer_cpus was given; before that nothing is accepted
 * @peer_mem_base: start of the memory the peer may name to us
 * @peer_mem_size: its size, 0 if none was given
 * @thread: the receive thread
 * @kick: set by the doorbell handler and senders, cleared by the thread
 * @up: the link is up; senders read it under @tx_lock
 * @mtu: negotiated largest message, 0 while down
 * @state: our state, as last written
 * @epoch: our epoch, as last written
 * @seen: the peer epoch we have cleared our rings for
 * @peer_hb: the last peer heartbeat value seen
 * @peer_hb_time: jiffies when it last changed
 * @peer_beats: the peer offered %MK_CHAN_F_HEARTBEAT for this session, so
 *	a heartbeat that stays still means it is dead
 * @restart: a violation or a request asks the thread to restart the link
 * @violated: the restart is for a violation
 * @up_time: jiffies when the link last came up
 * @backoff_ms: current wait before coming up again after a flap
 * @hold_until: jiffies before which the link stays down (backoff)
 * @space_wq: senders waiting for room
 * @client_lock: protects @ops and @priv; held around client callbacks
 * @ops: the client's callbacks, or NULL
 * @priv: the client's context
 * @client_up: the client was told the link is up
 * @rx_paused: test hook: the thread stops receiving
 * @frozen: test hook: the thread stops everything, heartbeat included
 * @rx_jitter_us: test hook: random sleeps at the racy points of receiving
 * @fault: test hook: corruption to inject
 * @stats: counters
 * @dev: the link's device, parent of what the driver creates; its
 *	references keep the memory (mk_link_find(), mk_link_get())
 * @driver: the driver the link was given to, or NULL
 * @drvdata: the driver's
 * @peer_instance: the kernel instance at the other end, -1 if unknown
 * @beat: the heartbeat timer
 * @beats: our heartbeat count (the timer only)
 * @closing: mk_link_close() started: never up again
 * @node: in mk_links, for the panic notifier
 * @rcu: frees the link after epoll has let go of @space_wq
 */
struct mk_link {
	char name[24];
	void *base;
	u64 size;
	unsigned int side;
	struct mk_chan_side *me;
	struct mk_chan_side *peer;
	struct mkv_dir dir_tx;
	struct mkv_dir dir_rx;

	spinlock_t tx_lock;	/* sending engine, up, mtu, peer_db* and peer_cpus */
	struct mkv_tx tx;
	u64 *tx_ends;
	struct mkv_rx rx;

	int cpu;
	struct mk_doorbell_handler db;
	u32 peer_db;
	bool peer_db_ok;
	bool peer_db_pinned;
	u32 peer_db_seen;
	bool peer_db_recheck;
	cpumask_var_t peer_cpus;
	bool peer_cpus_set;
	phys_addr_t peer_mem_base;
	u64 peer_mem_size;
	struct task_struct *thread;
	unsigned long kick;

	bool up;
	u32 mtu;
	u32 state;
	u32 epoch;
	u32 seen;
	u64 peer_hb;
	unsigned long peer_hb_time;
	bool peer_beats;
	bool restart;
	bool violated;
	unsigned long up_time;
	unsigned int backoff_ms;
	unsigned long hold_until;

	wait_queue_head_t space_wq;

	struct mutex client_lock;	/* ops, priv, client callbacks */
	const struct mk_link_ops *ops;
	void *priv;
	bool client_up;

	bool rx_paused;
	bool frozen;
	unsigned int rx_jitter_us;
	enum mk_fault fault;
	struct mk_link_stats stats;
	struct device dev;
	const struct mk_link_driver *driver;
	void *drvdata;
	int peer_instance;
	struct timer_list beat;
	u64 beats;
	bool closing;
	struct list_head node;
	struct rcu_head rcu;
};

/* Every open link, for the panic notifier. */
static LIST_HEAD(mk_links);
static DEFINE_SPINLOCK(mk_links_lock);

static const struct class mk_link_class = {
	.name = "mk_link",
};

static const struct mk_link_driver *mk_link_drv;
static unsigned int mk_link_drv_users;
static DEFINE_MUTEX(mk_link_drv_lock);

#define MK_KICK		0
#define MK_CLIENT_ROOM	1	/* the client waits for room: call its @writable */

/* Test hook: sleep a random while, one time in four, to shake out races. */
static void mk_link_jitter(struct mk_link *link)
{
	unsigned int max = READ_ONCE(link->rx_jitter_us);

	if (max && !get_random_u32_below(4))
		usleep_range(1, 1 + get_random_u32_below(max));
}

static inline void stat_add(u64 *counter, u64 v)
{
	WRITE_ONCE(*counter, *counter + v);
}

static void mk_link_ring_peer(struct mk_link *link)
{
	u32 target;

	/* No target accepted yet: the peer sees us at its next periodic look. */
	if (!smp_load_acquire(&link->peer_db_ok))
		return;
	target = READ_ONCE(link->peer_db);
	/* A peer target that names no single CPU is refused by the arch. */
	if (mk_doorbell_ring(target))
		pr_warn_ratelimited("%s: peer doorbell target %#x is invalid\n",
				    link->name, target);
}

/* Whether @target is the doorbell of one of @link's peer CPUs. tx_lock held. */
static bool mk_link_peer_target_ok(struct mk_link *link, u32 target)
{
	unsigned int cpu;
	u32 t;

	for_each_cpu(cpu, link->peer_cpus)
		if (!mk_doorbell_cpu_target(cpu, &t) && t == target)
			return true;
	return false;
}

/*
 * Take the doorbell target the peer publishes, from the thread. The peer
 * could aim our doorbells at any CPU, another kernel's included: only the
 * target of a CPU it may own is taken; anything else is refused and the
 * last accepted target, or none, stays.
 */
static void mk_link_follow_peer_db(struct mk_link *link, u32 target)
{
	unsigned long flags;
	bool ok, first;

	spin_lock_irqsave(&link->tx_lock, flags);
	if (link->peer_db_pinned || !link->peer_cpus_set ||
	    (target == link->peer_db_seen && !link->peer_db_recheck)) {
		spin_unlock_irqrestore(&link->tx_lock, flags);
		return;
	}
	link->peer_db_seen = target;
	link->peer_db_recheck = false;
	ok = mk_link_peer_target_ok(link, target);
	first = ok && !link->peer_db_ok;
	if (ok) {
		WRITE_ONCE(link->peer_db, target);
		/* The target before the permission to ring it. */
		smp_store_release(&link->peer_db_ok, true);
	}
	spin_unlock_irqrestore(&link->tx_lock, flags);
	if (!ok) {
		stat_add(&link->stats.peer_doorbell_refused, 1);
		pr_warn_ratelimited("%s: peer asks to be rung at %#x, which is none of its CPUs: refused\n",
				    link->name, target);
		return;
	}
	/* Rings skipped for want of a target: the peer may wait for one. */
	if (first)
		mk_link_ring_peer(link);
}

static void mk_link_db(struct mk_doorbell_handler *h)
{
	struct mk_link *link = container_of(h, struct mk_link, db);

	stat_add(&link->stats.irqs, 1);
	set_bit(MK_KICK, &link->kick);
	wake_up_process(link->thread);
	/* Blocked senders and pollers re-check room themselves. */
	if (wq_has_sleeper(&link->space_wq))
		wake_up(&link->space_wq);
}

static void mk_link_kick(struct mk_link *link)
{
	set_bit(MK_KICK, &link->kick);
	wake_up_process(link->thread);
}

static void mk_link_write_side(struct mk_link *link)
{
	WRITE_ONCE(link->me->epoch, cpu_to_le32(link->epoch));
	WRITE_ONCE(link->me->seen, cpu_to_le32(link->seen));
	/* Rings cleared and epochs written before the state says so. */
	smp_store_release(&link->me->state, cpu_to_le32(link->state));
}

/* Clear the ring parts we own. Only while the peer cannot use them. */
static void mk_link_clear_rings(struct mk_link *link)
{
	unsigned long flags;

	spin_lock_irqsave(&link->tx_lock, flags);
	mkv_tx_reset(&link->tx);
	spin_unlock_irqrestore(&link->tx_lock, flags);
	mkv_rx_reset(&link->rx);
}

static void mk_link_notify_client(struct mk_link *link, bool up)
{
	mutex_lock(&link->client_lock);
	if (link->ops && link->client_up != up) {
		link->client_up = up;
		if (up && link->ops->up)
			link->ops->up(link, link->priv);
		else if (!up && link->ops->down)
			link->ops->down(link, link->priv);
	}
	mutex_unlock(&link->client_lock);
}

static void mk_link_go_down(struct mk_link *link, const char *why)
{
	unsigned long flags;
	bool was_up;

	spin_lock_irqsave(&link->tx_lock, flags);
	was_up = link->up;
	WRITE_ONCE(link->up, false);
	WRITE_ONCE(link->mtu, 0);
	spin_unlock_irqrestore(&link->tx_lock, flags);
	if (!was_up)
		return;
	stat_add(&link->stats.resets, 1);
	/*
	 * A peer that keeps restarting or breaking the protocol must not
	 * make us re-register every device at thread speed: a link that
	 * goes down soon after coming up waits longer each time.
	 */
	if (time_before(jiffies, link->up_time + msecs_to_jiffies(MK_LINK_STABLE_MS)))
		link->backoff_ms = min(max(2 * link->backoff_ms, MK_LINK_BACKOFF_MIN_MS),
				       READ_ONCE(flap_backoff_max_ms));
	else
		link->backoff_ms = 0;
	link->hold_until = jiffies + msecs_to_jiffies(link->backoff_ms);
	if (link->backoff_ms)
		stat_add(&link->stats.backoffs, 1);
	pr_info_ratelimited("%s: down: %s%s\n", link->name, why,
			    link->backoff_ms ? " (link flapping: backing off)" : "");
	wake_up_all(&link->space_wq);
	mk_link_notify_client(link, false);
}

/* Start (again) under a new epoch. */
static void mk_link_start(struct mk_link *link)
{
	link->epoch = link->epoch + 1 ? link->epoch + 1 : 1;
	link->state = MK_CHAN_INIT;
	mk_link_write_side(link);
	mk_link_ring_peer(link);
}

static void mk_link_violation(struct mk_link *link, const char *why)
{
	stat_add(&link->stats.violations, 1);
	pr_warn_ratelimited("%s: peer broke the protocol (%s); resetting the link\n",
			    link->name, why);
	WRITE_ONCE(link->violated, true);
	WRITE_ONCE(link->restart, true);
}

/* Reclaim with tx_lock held; a violation asks the thread to restart. */
static int mk_link_reclaim_locked(struct mk_link *link)
{
	int n = mkv_tx_reclaim(&link->tx);

	if (n == -EPROTO)
		mk_link_violation(link, link->tx.broken);
	return n;
}

/*
 * One look at the peer's side block: follow its state, bring the link up or
 * down. Returns true if the link is up.
 */
static bool mk_link_handshake(struct mk_link *link)
{
	struct mk_chan_side *p = link->peer;
	/* The peer publishes epoch and seen before its state. */
	u32 state = le32_to_cpu(smp_load_acquire(&p->state));
	u32 epoch = le32_to_cpu(READ_ONCE(p->epoch));
	u32 seen = le32_to_cpu(READ_ONCE(p->seen));
	u64 feat = le64_to_cpu(READ_ONCE(p->features_offered));
	u64 hb = le64_to_cpu(READ_ONCE(p->heartbeat));
	bool alive, joined, beats;

	if (state > MK_CHAN_READY) {
		mk_link_violation(link, "unknown peer state");
		state = MK_CHAN_DOWN;
	}
	if (hb != link->peer_hb) {
		link->peer_hb = hb;
		link->peer_hb_time = jiffies;
	}
	/*
	 * Only a peer that offers the heartbeat is dead when it stops
	 * beating; one that does not is alive until it says otherwise. What
	 * it offered when the link came up holds until the link goes down.
	 */
	beats = link->up ? link->peer_beats : feat & MK_CHAN_F_HEARTBEAT;
	alive = state != MK_CHAN_DOWN &&
		(!beats || time_before(jiffies, link->peer_hb_time +
				       msecs_to_jiffies(heartbeat_timeout_ms)));
	/*
	 * The peer writes its target before its first state. Its target is
	 * taken between sessions, not while one is up.
	 */
	if (!link->up && state != MK_CHAN_DOWN)
		mk_link_follow_peer_db(link, le32_to_cpu(READ_ONCE(p->doorbell)));
	joined = state == MK_CHAN_READY && epoch == link->seen &&
		 seen == link->epoch && alive;

	if (READ_ONCE(link->restart)) {
		WRITE_ONCE(link->restart, false);
		mk_link_go_down(link, READ_ONCE(link->violated) ? "protocol violation" :
				"restart requested");
		WRITE_ONCE(link->violated, false);
		mk_link_start(link);
		return false;
	}
	if (link->up && !joined) {
		mk_link_go_down(link, state == MK_CHAN_DOWN ? "peer closed" :
				!alive ? "peer stopped beating" : "peer restarted");
		/* Start over so that both sides clear their rings. */
		mk_link_start(link);
		return false;
	}
	if (link->up)
		return true;
	if (!alive || READ_ONCE(link->closing) ||
	    time_before(jiffies, link->hold_until))
		return false;

	if (epoch && epoch != link->seen) {
		/* The peer started a session we have not joined. */
		mk_link_clear_rings(link);
		link->seen = epoch;
		mk_link_write_side(link);
		mk_link_ring_peer(link);
	}
	if (link->state == MK_CHAN_INIT && seen == link->epoch &&
	    epoch == link->seen) {
		/* The peer has cleared its rings for our epoch: our turn. */
		mk_link_clear_rings(link);
		link->state = MK_CHAN_READY;
		mk_link_write_side(link);
		mk_link_ring_peer(link);
	}
	if (link->state == MK_CHAN_READY && state == MK_CHAN_READY &&
	    epoch == link->seen && seen == link->epoch) {
		u32 max = le32_to_cpu(READ_ONCE(p->max_msg));
		unsigned long flags;

		if (!(feat & MK_CHAN_F_EVENT_IDX) || max < MK_CHAN_MIN_MTU) {
			pr_warn_ratelimited("%s: peer offers features %#llx, max message %u: cannot use it\n",
					    link->name, feat, max);
			return false;
		}
		WRITE_ONCE(link->me->features_accepted,
			   cpu_to_le64(feat & MK_LINK_FEATURES));
		link->peer_beats = feat & MK_CHAN_F_HEARTBEAT;
		spin_lock_irqsave(&link->tx_lock, flags);
		WRITE_ONCE(link->mtu, min(link->dir_tx.max_msg, max));
		WRITE_ONCE(link->up, true);
		spin_unlock_irqrestore(&link->tx_lock, flags);
		stat_add(&link->stats.ups, 1);
		link->up_time = jiffies;
		pr_info_ratelimited("%s: up (epoch %u/%u, mtu %u)\n", link->name,
				    link->epoch, link->seen, link->mtu);
		mk_link_notify_client(link, true);
		/* Anything the peer queued before we looked. */
		return true;
	}
	return false;
}

/*
 * The heartbeat comes from a timer, not from the thread: a client callback
 * that blocks the thread (say, sending on another link) must not make this
 * kernel look dead to its peer.
 */
static void mk_link_beat(struct timer_list *t)
{
	struct mk_link *link = from_timer(link, t, beat);

	/*
	 * Counted privately: never read back from shared memory. A kernel in
	 * panic keeps its timers running while it spins: it must stop beating.
	 */
	if (!READ_ONCE(link->frozen) && !panic_in_progress())
		WRITE_ONCE(link->me->heartbeat, cpu_to_le64(++link->beats));
	mod_timer(&link->beat, jiffies + msecs_to_jiffies(READ_ONCE(heartbeat_ms)));
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

static bool mk_link_inject_rx_fault(struct mk_link *link);

/* Receive up to the budget. Returns true if more may be waiting. */
static bool mk_link_receive(struct mk_link *link)
{
	unsigned int n = 0, budget = max(1U, READ_ONCE(rx_budget));
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
		if (link->ops && link->ops->rx)
			link->ops->rx(link, buf, len, link->priv);
		mkv_rx_consume(&link->rx);
		n++;
		bytes += len;
	}
	mutex_unlock(&link->client_lock);
	mk_link_jitter(link);
	if (n) {
		stat_add(&link->stats.rx_msgs, n);
		stat_add(&link->stats.rx_bytes, bytes);
		stat_add(&link->stats.rx_batches, 1);
		if (!mk_link_inject_rx_fault(link) && mkv_rx_publish(&link->rx)) {
			stat_add(&link->stats.rx_completion_doorbells, 1);
			mk_link_ring_peer(link);
		}
	}
	if (n == budget)
		return true;
	mk_link_jitter(link);
	/* Ask for a doorbell, then look once more: none can be lost. */
	more = mkv_rx_arm(&link->rx);
	mk_link_jitter(link);
	return more;
}

static int mk_link_thread(void *arg)
{
	struct mk_link *link = arg;

	while (!kthread_should_stop()) {
		bool busy = false;

		clear_bit(MK_KICK, &link->kick);
		if (READ_ONCE(link->frozen)) {
			schedule_timeout_interruptible(msecs_to_jiffies(heartbeat_ms));
			continue;
		}
		if (mk_link_handshake(link)) {
			busy |= mk_link_receive(link);
			busy |= mk_link_reclaim(link);
		}
		if (busy || READ_ONCE(link->restart)) {
			cond_resched();
			continue;
		}
		set_current_state(TASK_INTERRUPTIBLE);
		if (test_bit(MK_KICK, &link->kick) || kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			continue;
		}
		schedule_timeout(msecs_to_jiffies(heartbeat_ms));
	}
	return 0;
}

/* Sending ------------------------------------------------------------------- */

static void mk_link_inject_tx_fault(struct mk_link *link);

/* Called with tx_lock held. Returns true if the peer must be rung. */
static bool mk_link_publish_locked(struct mk_link *link)
{
	bool ring;

	mk_link_inject_tx_fault(link);
	ring = mkv_tx_publish(&link->tx);
	if (ring)
		stat_add(&link->stats.tx_doorbells, 1);
	else if (link->tx.published != link->tx.last_used)
		stat_add(&link->stats.tx_suppressed, 1);
	return ring;
}

/*
 * Try to queue one message. Returns 0, -EAGAIN (full), -EMSGSIZE,
 * -ENOTCONN. Sets *ring if the peer must be rung.
 */
static int mk_link_queue_locked(struct mk_link *link, const struct kvec *iov,
				unsigned int niov, size_t len, unsigned int flags,
				bool *ring)
{
	unsigned int i;
	void *buf;
	int ret;

	if (!link->up)
		return -ENOTCONN;
	if (len > link->mtu)
		return -EMSGSIZE;
	ret = mkv_tx_reserve(&link->tx, len, &buf);
	if (ret == -EAGAIN && mk_link_reclaim_locked(link) > 0)
		ret = mkv_tx_reserve(&link->tx, len, &buf);
	if (ret == -EAGAIN) {
		stat_add(&link->stats.tx_full, 1);
		/* Publish what is queued: the peer must drain to make room. */
		*ring |= mk_link_publish_locked(link);
		return -EAGAIN;
	}
	if (ret == -EAGAIN && link->tx.broken)
		ret = -EPIPE;
	if (ret == -EPIPE) {
		WRITE_ONCE(link->restart, true);
		return -ENOTCONN;
	}
	if (ret)
		return ret;
	for (i = 0; i < niov; i++) {
		memcpy(buf, iov[i].iov_base, iov[i].iov_len);
		buf += iov[i].iov_len;
	}
	mkv_tx_commit(&link->tx, len);
	stat_add(&link->stats.tx_msgs, 1);
	stat_add(&link->stats.tx_bytes, len);
	if (!(flags & MK_SEND_MORE))
		*ring |= mk_link_publish_locked(link);
	return 0;
}

/**
 * mk_link_trysend() - send a message if there is room now
 * @link: the link
 * @data: the message
 * @len: its length, at most mk_link_mtu()
 * @flags: %MK_SEND_MORE to queue without publishing yet
 *
 * Context: any context.
 * Return: 0; -EAGAIN if the ring or the payload area is full; -EMSGSIZE if
 * @len exceeds the MTU; -ENOTCONN if the link is down.
 */
int mk_link_trysend(struct mk_link *link, const void *data, size_t len,
		    unsigned int flags)
{
	struct kvec iov = { .iov_base = (void *)data, .iov_len = len };

	return mk_link_sendmsg(link, &iov, 1, flags | MK_SEND_NOWAIT, 0);
}
EXPORT_SYMBOL_GPL(mk_link_trysend);

static int mk_link_trysendmsg(struct mk_link *link, const struct kvec *iov,
			      unsigned int niov, size_t len, unsigned int flags)
{
	unsigned long irqflags;
	bool ring = false;
	int ret;

	spin_lock_irqsave(&link->tx_lock, irqflags);
	ret = mk_link_queue_locked(link, iov, niov, len, flags, &ring);
	spin_unlock_irqrestore(&link->tx_lock, irqflags);
	if (ring)
		mk_link_ring_peer(link);
	if (READ_ONCE(link->restart))
		mk_link_kick(link);
	return ret;
}

static int __mk_link_wait_space(struct mk_link *link, size_t len, long timeout,
				u64 resets);

/* Test hook: widen the window between looking for room and arming. */
static void mk_link_tx_jitter(struct mk_link *link)
{
	unsigned int max = READ_ONCE(link->rx_jitter_us);

	if (IS_ENABLED(CONFIG_MULTIKERNEL_TRANSPORT_FAULT_INJECTION) && max &&
	    !get_random_u32_below(4))
		udelay(1 + get_random_u32_below(min(max, 100U)));
}

/* Wait condition: room for @len, or the link went down. */
static bool mk_link_writable(struct mk_link *link, size_t len)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&link->tx_lock, flags);
	ok = !link->up || len > link->mtu || link->tx.broken ||
	     mkv_tx_room(&link->tx, len);
	if (!ok && mk_link_reclaim_locked(link))
		ok = link->tx.broken || mkv_tx_room(&link->tx, len);
	/*
	 * Completions the peer published after we reclaimed and before the
	 * doorbell request was visible ring nobody: reclaim them and ask
	 * again, until the request is armed with nothing new behind it.
	 */
	while (!ok) {
		mk_link_tx_jitter(link);
		if (!mkv_tx_arm_space(&link->tx) || mk_link_reclaim_locked(link) <= 0)
			break;
		ok = link->tx.broken || mkv_tx_room(&link->tx, len);
	}
	spin_unlock_irqrestore(&link->tx_lock, flags);
	if (READ_ONCE(link->restart))
		mk_link_kick(link);
	return ok;
}

/**
 * mk_link_can_send() - whether a message of @len bytes fits now
 * @link: the link
 * @len: message length
 *
 * For clients that wait in their own wait queues: when this returns false,
 * the client's @writable callback runs once room has come back.
 *
 * Context: any context.
 * Return: true if a message of @len bytes fits now, or if sending it would
 * fail at once anyway (link down, @len above the MTU).
 */
bool mk_link_can_send(struct mk_link *link, size_t len)
{
	/* Asked before looking: room freed after the look calls back. */
	set_bit(MK_CLIENT_ROOM, &link->kick);
	return mk_link_writable(link, len);
}
EXPORT_SYMBOL_GPL(mk_link_can_send);

/**
 * mk_link_wait_space() - wait until a message of @len bytes fits
 * @link: the link
 * @len: message length
 * @timeout: in jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * The peer is asked to ring when it has drained about half of what is in
 * flight, so a waiting sender costs one doorbell per batch.
 *
 * Context: process context; sleeps, interruptible.
 * Return: 0 when there is room; -ENOTCONN if the link is down or went down
 * while waiting (even if it is back up since);
 * -EMSGSIZE if @len exceeds the MTU; -ETIMEDOUT; -ERESTARTSYS on a signal.
 */
int mk_link_wait_space(struct mk_link *link, size_t len, long timeout)
{
	return __mk_link_wait_space(link, len, timeout, READ_ONCE(link->stats.resets));
}
EXPORT_SYMBOL_GPL(mk_link_wait_space);

/* Wait for room; -ENOTCONN if the link went down since @resets was read. */
static int __mk_link_wait_space(struct mk_link *link, size_t len, long timeout,
				u64 resets)
{
	long ret;

	might_sleep();
	if (mk_link_writable(link, len))
		goto done;
	stat_add(&link->stats.tx_waits, 1);
	/*
	 * A reset while we wait is an error even if the link is back by the
	 * time we run: what this sender queued before may be gone.
	 */
	ret = wait_event_interruptible_timeout(link->space_wq,
					       mk_link_writable(link, len) ||
					       READ_ONCE(link->stats.resets) != resets,
					       timeout);
	if (ret < 0)
		return ret;
	if (!ret)
		return -ETIMEDOUT;
	if (READ_ONCE(link->stats.resets) != resets)
		return -ENOTCONN;
done:
	if (!READ_ONCE(link->up))
		return -ENOTCONN;
	if (len > READ_ONCE(link->mtu))
		return -EMSGSIZE;
	return 0;
}

/**
 * mk_link_send() - send a message, waiting for room if needed
 * @link: the link
 * @data: the message
 * @len: its length, at most mk_link_mtu()
 * @flags: %MK_SEND_MORE to queue without publishing yet
 * @timeout: how long to wait for room, in jiffies (MAX_SCHEDULE_TIMEOUT:
 *	for ever)
 *
 * Nothing is dropped: the message is either queued whole or not at all.
 *
 * Context: process context; sleeps, interruptible.
 * Return: 0; -EMSGSIZE; -ENOTCONN if the link is or goes down; -ETIMEDOUT;
 * -ERESTARTSYS if a signal came while waiting.
 */
int mk_link_send(struct mk_link *link, const void *data, size_t len,
		 unsigned int flags, long timeout)
{
	struct kvec iov = { .iov_base = (void *)data, .iov_len = len };

	return mk_link_sendmsg(link, &iov, 1, flags, timeout);
}
EXPORT_SYMBOL_GPL(mk_link_send);

/**
 * mk_link_sendmsg() - send one message gathered from several pieces
 * @link: the link
 * @iov: the pieces, copied one after the other into one message
 * @niov: how many
 * @flags: %MK_SEND_MORE to queue without publishing yet; %MK_SEND_NOWAIT to
 *	fail with -EAGAIN instead of waiting for room
 * @timeout: how long to wait for room, in jiffies (MAX_SCHEDULE_TIMEOUT:
 *	for ever); ignored with %MK_SEND_NOWAIT
 *
 * Context: process context; with %MK_SEND_NOWAIT any context.
 * Return: as mk_link_send(), or -EAGAIN with %MK_SEND_NOWAIT.
 */
int mk_link_sendmsg(struct mk_link *link, const struct kvec *iov,
		    unsigned int niov, unsigned int flags, long timeout)
{
	u64 resets = READ_ONCE(link->stats.resets);
	unsigned long deadline = jiffies + timeout;
	size_t len = 0;
	unsigned int i;
	int ret;

	for (i = 0; i < niov; i++)
		len += iov[i].iov_len;
	/*
	 * The receive thread frees room and notices resets: if it waited for
	 * room itself, nothing would ever wake it. Its sends (client
	 * callbacks answering) fail with -EAGAIN instead.
	 */
	if (current == link->thread)
		flags |= MK_SEND_NOWAIT;
	for (;;) {
		ret = mk_link_trysendmsg(link, iov, niov, len, flags);
		if (ret != -EAGAIN || (flags & MK_SEND_NOWAIT))
			return ret;
		if (timeout != MAX_SCHEDULE_TIMEOUT) {
			timeout = deadline - jiffies;
			if ((long)timeout <= 0)
				return -ETIMEDOUT;
		}
		ret = __mk_link_wait_space(link, len, timeout, resets);
		if (ret)
			return ret;
	}
}
EXPORT_SYMBOL_GPL(mk_link_sendmsg);

/**
 * mk_link_sendv() - send several messages, with one doorbell for all
 * @link: the link
 * @msgs: the messages, one kvec each
 * @n: how many
 * @timeout: how long to wait for room in total, in jiffies
 *
 * Messages are queued in order; they are published when the ring fills
 * (so the peer can drain) and after the last one.
 *
 * Context: process context; sleeps, interruptible.
 * Return: the number of messages sent (all of them, or fewer if an error
 * stopped the batch after some were sent), or the error if none was sent.
 */
int mk_link_sendv(struct mk_link *link, const struct kvec *msgs, unsigned int n,
		  long timeout)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		ret = mk_link_send(link, msgs[i].iov_base, msgs[i].iov_len,
				   i + 1 < n ? MK_SEND_MORE : 0, timeout);
		if (ret)
			break;
	}
	if (ret && i)
		mk_link_flush(link);
	return i ? i : ret;
}
EXPORT_SYMBOL_GPL(mk_link_sendv);

/**
 * mk_link_flush() - publish messages queued with %MK_SEND_MORE
 * @link: the link
 *
 * Context: any context.
 */
void mk_link_flush(struct mk_link *link)
{
	unsigned long flags;
	bool ring = false;

	spin_lock_irqsave(&link->tx_lock, flags);
	if (link->up)
		ring = mk_link_publish_locked(link);
	spin_unlock_irqrestore(&link->tx_lock, flags);
	if (ring)
		mk_link_ring_peer(link);
}
EXPORT_SYMBOL_GPL(mk_link_flush);

/* Clients -------------------------------------------------------------------- */

/**
 * mk_link_attach_client() - become the user of a link
 * @link: the link
 * @ops: callbacks
 * @priv: passed to them
 *
 * If the link is up already, @ops->up is called before this returns.
 *
 * Context: process context.
 * Return: 0, or -EBUSY if the link has a client.
 */
int mk_link_attach_client(struct mk_link *link, const struct mk_link_ops *ops,
			  void *priv)
{
	mutex_lock(&link->client_lock);
	if (link->ops) {
		mutex_unlock(&link->client_lock);
		return -EBUSY;
	}
	link->ops = ops;
	link->priv = priv;
	/*
	 * Under the lock the thread takes around callbacks: the client hears
	 * "up" before any message, and a "down" racing with us is not lost.
	 */
	link->client_up = READ_ONCE(link->up);
	if (link->client_up && ops->up)
		ops->up(link, priv);
	mutex_unlock(&link->client_lock);
	mk_link_kick(link);
	return 0;
}
EXPORT_SYMBOL_GPL(mk_link_attach_client);

/**
 * mk_link_detach_client() - stop using a link
 * @link: the link
 *
 * Returns when no callback of the client is running; none will start.
 * Messages that arrive without a client are consumed and dropped.
 *
 * Context: process context.
 */
void mk_link_detach_client(struct mk_link *link)
{
	mutex_lock(&link->client_lock);
	link->ops = NULL;
	link->priv = NULL;
	link->client_up = false;
	mutex_unlock(&link->client_lock);
}
EXPORT_SYMBOL_GPL(mk_link_detach_client);

/**
 * mk_link_is_up() - whether the link is up now
 * @link: the link
 *
 * Return: true if up.
 */
bool mk_link_is_up(struct mk_link *link)
{
	return READ_ONCE(link->up);
}
EXPORT_SYMBOL_GPL(mk_link_is_up);

/**
 * mk_link_mtu() - largest message the link carries
 * @link: the link
 *
 * Return: the negotiated maximum (at least 64 KiB), or 0 while down.
 */
size_t mk_link_mtu(struct mk_link *link)
{
	return READ_ONCE(link->mtu);
}
EXPORT_SYMBOL_GPL(mk_link_mtu);

/**
 * mk_link_in_receiver() - whether the caller is the link's receive thread
 * @link: the link
 *
 * Client callbacks run there; a client must not wait in them for anything
 * only the thread can bring (room, credit from the peer).
 *
 * Return: true in the receive thread.
 */
bool mk_link_in_receiver(struct mk_link *link)
{
	return current == link->thread;
}
EXPORT_SYMBOL_GPL(mk_link_in_receiver);

/**
 * mk_link_rx_max() - largest message the peer may send us
 * @link: the link
 *
 * Return: the maximum of our receiving direction, fixed for the link's life.
 */
size_t mk_link_rx_max(struct mk_link *link)
{
	return link->dir_rx.max_msg;
}
EXPORT_SYMBOL_GPL(mk_link_rx_max);

/**
 * mk_link_name() - name of a link, for logs
 * @link: the link
 *
 * Return: the name.
 */
const char *mk_link_name(struct mk_link *link)
{
	return link->name;
}
EXPORT_SYMBOL_GPL(mk_link_name);

/* Opening and closing -------------------------------------------------------- */

static void mk_dir_from_region(struct mkv_dir *d, const struct mk_chan_dir *r)
{
	d->desc_off = le64_to_cpu(READ_ONCE(r->desc_off));
	d->avail_off = le64_to_cpu(READ_ONCE(r->avail_off));
	d->used_off = le64_to_cpu(READ_ONCE(r->used_off));
	d->data_off = le64_to_cpu(READ_ONCE(r->data_off));
	d->data_size = le64_to_cpu(READ_ONCE(r->data_size));
	d->num = le32_to_cpu(READ_ONCE(r->num));
	d->max_msg = le32_to_cpu(READ_ONCE(r->max_msg));
}

static int mk_link_check_region(struct mk_link *link, void *region, u64 size)
{
	struct mk_chan_hdr *h = region;
	u32 magic, version, hdr_size;
	struct mkv_dir d[2];
	u64 region_size;
	int i;

	if (size < sizeof(*h)) {
		pr_err("%s: region of %llu bytes cannot hold a channel\n", link->name, size);
		return -EINVAL;
	}
	/* Each field read once: what is checked is what is logged. */
	magic = le32_to_cpu(READ_ONCE(h->magic));
	version = le32_to_cpu(READ_ONCE(h->version));
	hdr_size = le32_to_cpu(READ_ONCE(h->hdr_size));
	region_size = le64_to_cpu(READ_ONCE(h->region_size));
	if (magic != MK_CHAN_MAGIC) {
		pr_err("%s: no channel in the region (magic %#x)\n", link->name, magic);
		return -ENODEV;
	}
	if (version != MK_CHAN_VERSION || hdr_size != sizeof(*h)) {
		pr_err("%s: channel version %u (header %u bytes); this kernel speaks %u\n",
		       link->name, version, hdr_size, MK_CHAN_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (region_size != size) {
		pr_err("%s: channel says %llu bytes, region has %llu\n", link->name,
		       region_size, size);
		return -EINVAL;
	}
	for (i = 0; i < 2; i++) {
		mk_dir_from_region(&d[i], &h->dir[i]);
		if (mkv_dir_check(&d[i], size, sizeof(*h)) ||
		    d[i].max_msg < MK_CHAN_MIN_MTU) {
			pr_err("%s: direction %d has an invalid geometry\n", link->name, i);
			return -EINVAL;
		}
	}
	if (mkv_dir_overlap(&d[0], &d[1])) {
		pr_err("%s: the two directions overlap\n", link->name);
		return -EINVAL;
	}
	link->dir_tx = d[link->side];
	link->dir_rx = d[!link->side];
	return 0;
}

/**
 * mk_chan_region_size() - bytes a channel of this geometry needs
 * @g: the geometry
 *
 * Return: the size, page aligned.
 */
u64 mk_chan_region_size(const struct mk_chan_geometry *g)
{
	struct mkv_dir d;
	u64 end;

	end = mkv_dir_place(&d, sizeof(struct mk_chan_hdr), g->num, g->data_size,
			    g->max_msg);
	end = mkv_dir_place(&d, end, g->num, g->data_size, g->max_msg);
	return PAGE_ALIGN(end);
}
EXPORT_SYMBOL_GPL(mk_chan_region_size);

/**
 * mk_chan_format() - write an empty channel into a region
 * @region: the mapped region, zeroed by this call
 * @size: its bytes, at least mk_chan_region_size(@g)
 * @g: the geometry
 *
 * Done once, by the kernel that creates the channel, before either side
 * opens it.
 *
 * Return: 0, or -EINVAL for a geometry that cannot be used.
 */
int mk_chan_format(void *region, u64 size, const struct mk_chan_geometry *g)
{
	u32 back = g->max_msg_back ?: g->max_msg;
	struct mk_chan_hdr *h = region;
	struct mkv_dir d[2];
	u64 end;
	int i;

	if (!g->num || g->num > MK_CHAN_MAX_NUM || (g->num & (g->num - 1)) ||
	    g->max_msg < MK_CHAN_MIN_MTU || g->max_msg > g->data_size ||
	    back < MK_CHAN_MIN_MTU || back > g->data_size ||
	    size < mk_chan_region_size(g))
		return -EINVAL;
	memset(region, 0, size);
	end = mkv_dir_place(&d[0], sizeof(*h), g->num, g->data_size, g->max_msg);
	mkv_dir_place(&d[1], end, g->num, g->data_size, back);
	for (i = 0; i < 2; i++) {
		h->dir[i].desc_off = cpu_to_le64(d[i].desc_off);
		h->dir[i].avail_off = cpu_to_le64(d[i].avail_off);
		h->dir[i].used_off = cpu_to_le64(d[i].used_off);
		h->dir[i].data_off = cpu_to_le64(d[i].data_off);
		h->dir[i].data_size = cpu_to_le64(d[i].data_size);
		h->dir[i].num = cpu_to_le32(d[i].num);
		h->dir[i].max_msg = cpu_to_le32(d[i].max_msg);
	}
	h->version = cpu_to_le32(MK_CHAN_VERSION);
	h->hdr_size = cpu_to_le32(sizeof(*h));
	h->region_size = cpu_to_le64(size);
	/* The geometry before the magic that says it is there. */
	smp_store_release(&h->magic, cpu_to_le32(MK_CHAN_MAGIC));
	return 0;
}
EXPORT_SYMBOL_GPL(mk_chan_format);

/*
 * The last reference is gone. mk_link_close() stopped everything; the wait
 * queue lives as long as the memory, and pollers hold no reference.
 */
static void mk_link_release(struct device *dev)
{
	struct mk_link *link = container_of(dev, struct mk_link, dev);

	wake_up_pollfree(&link->space_wq);
	if (link->thread)
		put_task_struct(link->thread);
	free_cpumask_var(link->peer_cpus);
	kfree(link->tx_ends);
	kfree_rcu(link, rcu);
}

/**
 * mk_link_open() - open our end of a channel
 * @name: for the log and debugfs; copied
 * @region: the channel region, as this kernel mapped it; formatted
 * @size: bytes of the region
 * @side: 0 for the kernel that created the channel, 1 for the other
 * @cpu: the CPU that takes our doorbells
 * @peer_doorbell: where to ring the peer, or NULL to use what the peer
 *	publishes in the region, if it names one of the CPUs given with
 *	mk_link_set_peer_cpus()
 *
 * The geometry is read once and validated. The link comes up when the peer
 * is there; the client learns of it through its @up callback. The caller
 * holds the one reference to the link that mk_link_close() drops.
 *
 * Context: process context.
 * Return: the link, or an ERR_PTR: -EINVAL, -ENODEV (no channel in the
 * region), -EPROTONOSUPPORT, -ENOMEM.
 */
struct mk_link *mk_link_open(const char *name, void *region, u64 size,
			     unsigned int side, int cpu,
			     const u32 *peer_doorbell)
{
	struct mk_chan_hdr *h = region;
	struct task_struct *thread;
	struct mk_link *link;
	u32 target;
	int ret;

	if (side > 1 || mk_doorbell_cpu_target(cpu, &target) || !cpu_online(cpu))
		return ERR_PTR(-EINVAL);
	link = kzalloc(sizeof(*link), GFP_KERNEL);
	if (!link)
		return ERR_PTR(-ENOMEM);
	strscpy(link->name, name, sizeof(link->name));
	link->base = region;
	link->size = size;
	link->side = side;
	spin_lock_init(&link->tx_lock);
	mutex_init(&link->client_lock);
	init_waitqueue_head(&link->space_wq);
	/* From here on the device's release frees whatever was set up. */
	device_initialize(&link->dev);
	link->dev.class = &mk_link_class;
	link->dev.release = mk_link_release;
	dev_set_drvdata(&link->dev, link);
	ret = -ENOMEM;
	if (!zalloc_cpumask_var(&link->peer_cpus, GFP_KERNEL))
		goto put;
	ret = dev_set_name(&link->dev, "%s", link->name);
	if (ret)
		goto put;
	ret = mk_link_check_region(link, region, size);
	if (ret)
		goto put;
	link->me = &h->side[side];
	link->peer = &h->side[!side];
	link->tx_ends = kcalloc(link->dir_tx.num, sizeof(u64), GFP_KERNEL);
	ret = -ENOMEM;
	if (!link->tx_ends)
		goto put;
	mkv_tx_init(&link->tx, region, &link->dir_tx, link->tx_ends);
	mkv_rx_init(&link->rx, region, &link->dir_rx);
	if (peer_doorbell) {
		link->peer_db = *peer_doorbell;
		link->peer_db_ok = true;
		link->peer_db_pinned = true;
	}
	link->peer_instance = -1;
	link->cpu = cpu;
	link->db.func = mk_link_db;
	link->db.cpu = cpu;
	link->peer_hb_time = jiffies;
	/* Our own previous values, read once, so both keep counting up. */
	link->epoch = le32_to_cpu(READ_ONCE(link->me->epoch));
	link->beats = le64_to_cpu(READ_ONCE(link->me->heartbeat));

	/* Our rings stay untouched until the handshake says it is safe. */
	link->state = MK_CHAN_DOWN;
	WRITE_ONCE(link->me->doorbell, cpu_to_le32(target));
	WRITE_ONCE(link->me->max_msg, cpu_to_le32(link->dir_rx.max_msg));
	WRITE_ONCE(link->me->features_offered, cpu_to_le64(MK_LINK_FEATURES));
	WRITE_ONCE(link->me->features_accepted, 0);

	thread = kthread_create(mk_link_thread, link, "mk_link/%s", link->name);
	if (IS_ERR(thread)) {
		ret = PTR_ERR(thread);
		goto put;
	}
	/* Wakers may come after the thread's exit: its task lives with us. */
	link->thread = get_task_struct(thread);
	/* Side block written before any doorbell can wake the thread. */
	mk_link_start(link);
	ret = mk_doorbell_register(&link->db);
	if (ret)
		goto stop;
	/* Last: mk_link_find() sees only links with a thread and a doorbell. */
	ret = device_add(&link->dev);
	if (ret)
		goto unregister;
	timer_setup(&link->beat, mk_link_beat, 0);
	mod_timer(&link->beat, jiffies + msecs_to_jiffies(heartbeat_ms));
	spin_lock(&mk_links_lock);
	list_add_tail(&link->node, &mk_links);
	spin_unlock(&mk_links_lock);
	wake_up_process(link->thread);
	return link;

unregister:
	mk_doorbell_unregister(&link->db);
stop:
	kthread_stop(link->thread);
put:
	put_device(&link->dev);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(mk_link_open);

/**
 * mk_link_close() - close our end of a channel
 * @link: from mk_link_open()
 *
 * Tells the peer, takes the link down (blocked senders fail with
 * -ENOTCONN, the client's @down callback runs), stops the thread and drops
 * the reference mk_link_open() gave. When this returns nothing touches the
 * region any more, which belongs to the caller. Whoever still holds a
 * reference (mk_link_find(), mk_link_get()) may go on calling the link's
 * functions: sends fail with -ENOTCONN, nothing comes up again; the memory
 * goes with the last mk_link_put().
 *
 * Context: process context.
 */
void mk_link_close(struct mk_link *link)
{
	/* Never up again; then no thread, no doorbell, no heartbeat. */
	WRITE_ONCE(link->closing, true);
	spin_lock(&mk_links_lock);
	list_del(&link->node);
	spin_unlock(&mk_links_lock);
	/*
	 * Down first: blocked senders fail at once and the client hears
	 * "down" and lets go of whatever a sender may hold, so that the
	 * thread, which may be inside a client callback, can stop.
	 */
	mk_link_go_down(link, "closed");
	mk_doorbell_unregister(&link->db);
	kthread_stop(link->thread);
	timer_shutdown_sync(&link->beat);
	/* In case the thread brought it up while we took it down. */
	mk_link_go_down(link, "closed");
	mutex_lock(&mk_link_drv_lock);
	if (link->driver) {
		link->driver->remove(link);
		link->driver = NULL;
		mk_link_drv_users--;
	}
	mutex_unlock(&mk_link_drv_lock);
	/* Only the closing context writes the side block now. */
	link->state = MK_CHAN_DOWN;
	mk_link_write_side(link);
	mk_link_ring_peer(link);
	/* Out of the class: mk_link_find() no longer finds it. */
	device_del(&link->dev);
	put_device(&link->dev);
}
EXPORT_SYMBOL_GPL(mk_link_close);

/**
 * mk_link_find() - a link end of this kernel, by name
 * @name: "loN.a", "loN.b", "chanN", "mkI.C"
 *
 * The link may be closed while the caller holds it (see mk_link_close());
 * only its memory stays, until mk_link_put().
 *
 * Context: process context.
 * Return: a counted reference to the link, or NULL if no open link has
 * that name.
 */
struct mk_link *mk_link_find(const char *name)
{
	struct device *dev = class_find_device_by_name(&mk_link_class, name);

	return dev ? container_of(dev, struct mk_link, dev) : NULL;
}
EXPORT_SYMBOL_GPL(mk_link_find);

/**
 * mk_link_get() - take another reference to a link
 * @link: a link the caller holds (open, or referenced)
 *
 * Return: @link.
 */
struct mk_link *mk_link_get(struct mk_link *link)
{
	get_device(&link->dev);
	return link;
}
EXPORT_SYMBOL_GPL(mk_link_get);

/**
 * mk_link_put() - drop a reference from mk_link_find() or mk_link_get()
 * @link: the link, or NULL
 *
 * Context: any context; the last one frees the memory.
 */
void mk_link_put(struct mk_link *link)
{
	if (link)
		put_device(&link->dev);
}
EXPORT_SYMBOL_GPL(mk_link_put);

/**
 * mk_link_closed() - whether mk_link_close() was called
 * @link: the link, referenced
 *
 * Return: true once the link is closing or closed: it never comes up again.
 */
bool mk_link_closed(struct mk_link *link)
{
	return READ_ONCE(link->closing);
}

/**
 * mk_link_set_peer_memory() - the memory the peer may name to this kernel
 * @link: the link
 * @base: physical start: the peer instance's pool, or the channel's region
 * @size: bytes, 0 for none
 *
 * Clients that take physical addresses from the peer (the seeds'
 * mk_receive_map_page()) accept only those in this range.
 *
 * Context: any context.
 */
void mk_link_set_peer_memory(struct mk_link *link, phys_addr_t base, u64 size)
{
	unsigned long flags;

	spin_lock_irqsave(&link->tx_lock, flags);
	link->peer_mem_base = base;
	link->peer_mem_size = size;
	spin_unlock_irqrestore(&link->tx_lock, flags);
}
EXPORT_SYMBOL_GPL(mk_link_set_peer_memory);

/**
 * mk_link_peer_owns() - whether the peer may name a range of memory to us
 * @link: the link
 * @addr: physical address
 * @size: bytes from @addr
 *
 * Context: any context.
 * Return: true if [@addr, @addr + @size) lies in what
 * mk_link_set_peer_memory() gave; false if nothing was given.
 */
bool mk_link_peer_owns(struct mk_link *link, phys_addr_t addr, u64 size)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&link->tx_lock, flags);
	ok = link->peer_mem_size && addr >= link->peer_mem_base &&
	     size <= link->peer_mem_size &&
	     addr - link->peer_mem_base <= link->peer_mem_size - size;
	spin_unlock_irqrestore(&link->tx_lock, flags);
	return ok;
}
EXPORT_SYMBOL_GPL(mk_link_peer_owns);

/**
 * mk_link_set_peer_cpus() - the CPUs the peer may own
 * @link: the link
 * @cpus: the CPUs, as this kernel numbers them, whose doorbell targets the
 *	peer may publish; copied
 *
 * Unless mk_link_open() was given the peer's doorbell target, the link
 * rings the peer where the peer's side block says, but only if that is the
 * target of one of @cpus (mk_doorbell_cpu_target()): anything else is
 * refused, logged and counted as "peer_doorbell_refused", and the link keeps
 * ringing the last target it accepted, or none. Until this is called no
 * published target is accepted. The published target is looked at while
 * the link is not up; a target no longer in @cpus is dropped at once.
 *
 * Context: any context.
 */
void mk_link_set_peer_cpus(struct mk_link *link, const struct cpumask *cpus)
{
	unsigned long flags;

	spin_lock_irqsave(&link->tx_lock, flags);
	cpumask_copy(link->peer_cpus, cpus);
	link->peer_cpus_set = true;
	link->peer_db_recheck = true;
	if (!link->peer_db_pinned && link->peer_db_ok &&
	    !mk_link_peer_target_ok(link, link->peer_db))
		WRITE_ONCE(link->peer_db_ok, false);
	spin_unlock_irqrestore(&link->tx_lock, flags);
	mk_link_kick(link);
}
EXPORT_SYMBOL_GPL(mk_link_set_peer_cpus);

/*
 * A kernel that panics says so on every link and rings each peer, so its
 * peers take the links down at once instead of after the heartbeat
 * timeout. Nothing here may sleep or wait: a lock another CPU held when
 * it stopped is skipped.
 */
static int mk_link_panic(struct notifier_block *nb, unsigned long ev, void *arg)
{
	struct mk_link *link;

	if (!spin_trylock(&mk_links_lock))
		return NOTIFY_DONE;
	list_for_each_entry(link, &mk_links, node) {
		/* Whatever we wrote before is visible before "down". */
		smp_store_release(&link->me->state, cpu_to_le32(MK_CHAN_DOWN));
		/* Pairs with mk_link_follow_peer_db(): no target, no ring. */
		if (smp_load_acquire(&link->peer_db_ok))
			mk_doorbell_ring(READ_ONCE(link->peer_db));
	}
	spin_unlock(&mk_links_lock);
	return NOTIFY_DONE;
}

static struct notifier_block mk_link_panic_nb = {
	.notifier_call = mk_link_panic,
};

/**
 * mk_link_panic_init() - tell the peers when this kernel panics
 */
void mk_link_panic_init(void)
{
	atomic_notifier_chain_register(&panic_notifier_list, &mk_link_panic_nb);
}

/**
 * mk_link_device() - the device of a link
 * @link: the link
 *
 * /sys/class/mk_link/NAME; what the link's driver creates goes under it.
 *
 * Return: the device.
 */
struct device *mk_link_device(struct mk_link *link)
{
	return &link->dev;
}
EXPORT_SYMBOL_GPL(mk_link_device);

/**
 * mk_link_set_drvdata() - attach the driver's data to a link
 * @link: the link
 * @data: the data
 */
void mk_link_set_drvdata(struct mk_link *link, void *data)
{
	link->drvdata = data;
}
EXPORT_SYMBOL_GPL(mk_link_set_drvdata);

/**
 * mk_link_get_drvdata() - the driver's data of a link
 * @link: the link
 *
 * Return: what mk_link_set_drvdata() set.
 */
void *mk_link_get_drvdata(struct mk_link *link)
{
	return link->drvdata;
}
EXPORT_SYMBOL_GPL(mk_link_get_drvdata);

/**
 * mk_link_set_peer_instance() - name the kernel instance at the other end
 * @link: the link
 * @instance_id: its id (0 for the host, seen from a spawned kernel)
 */
void mk_link_set_peer_instance(struct mk_link *link, int instance_id)
{
	WRITE_ONCE(link->peer_instance, instance_id);
}
EXPORT_SYMBOL_GPL(mk_link_set_peer_instance);

/**
 * mk_link_peer_instance() - the kernel instance at the other end
 * @link: the link
 *
 * Return: its id, or -1 if unknown.
 */
int mk_link_peer_instance(struct mk_link *link)
{
	return READ_ONCE(link->peer_instance);
}
EXPORT_SYMBOL_GPL(mk_link_peer_instance);

/**
 * mk_link_register_driver() - become the driver links are given to
 * @drv: the driver
 *
 * Context: process context.
 * Return: 0, or -EBUSY if another driver is registered.
 */
int mk_link_register_driver(const struct mk_link_driver *drv)
{
	int ret = 0;

	mutex_lock(&mk_link_drv_lock);
	if (mk_link_drv)
		ret = -EBUSY;
	else
		mk_link_drv = drv;
	mutex_unlock(&mk_link_drv_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(mk_link_register_driver);

/**
 * mk_link_unregister_driver() - stop being the links' driver
 * @drv: the driver
 *
 * The links it was given keep it until they close; none is given to it
 * any more.
 */
void mk_link_unregister_driver(const struct mk_link_driver *drv)
{
	mutex_lock(&mk_link_drv_lock);
	WARN_ON(mk_link_drv_users);
	if (mk_link_drv == drv)
		mk_link_drv = NULL;
	mutex_unlock(&mk_link_drv_lock);
}
EXPORT_SYMBOL_GPL(mk_link_unregister_driver);

/**
 * mk_link_bind() - give a link to the registered driver
 * @link: the link, without a client
 *
 * Context: process context.
 * Return: 0; -ENODEV without a driver; -EBUSY if already given; the error
 * of the driver's probe.
 */
int mk_link_bind(struct mk_link *link)
{
	int ret;

	mutex_lock(&mk_link_drv_lock);
	if (!mk_link_drv) {
		ret = -ENODEV;
	} else if (link->driver) {
		ret = -EBUSY;
	} else {
		ret = mk_link_drv->probe(link);
		if (!ret) {
			link->driver = mk_link_drv;
			mk_link_drv_users++;
		}
	}
	mutex_unlock(&mk_link_drv_lock);
	if (ret)
		pr_err("%s: no %s driver (%d)\n", link->name,
		       mk_link_drv ? mk_link_drv->name : "link", ret);
	return ret;
}
EXPORT_SYMBOL_GPL(mk_link_bind);

/**
 * mk_link_class_init() - register the mk_link class
 *
 * Return: 0 or an error of class_register().
 */
int mk_link_class_init(void)
{
	return class_register(&mk_link_class);
}

/* Test hooks and statistics ------------------------------------------------- */

const char *const mk_fault_names[MK_NR_FAULTS] = {
	[MK_FAULT_NONE]		= "none",
	[MK_FAULT_AVAIL_JUMP]	= "avail_jump",
	[MK_FAULT_DESC_OFFSET]	= "desc_offset",
	[MK_FAULT_DESC_LEN]	= "desc_len",
	[MK_FAULT_DESC_WRAP]	= "desc_wrap",
	[MK_FAULT_DESC_FLAGS]	= "desc_flags",
	[MK_FAULT_USED_JUMP]	= "used_jump",
	[MK_FAULT_USED_ORDER]	= "used_order",
	[MK_FAULT_STATE]	= "state",
};

/**
 * mk_link_set_fault() - make this end misbehave once, as a hostile peer
 * @link: the link
 * @fault: what to corrupt; sending faults apply to the next published
 *	message, receiving faults to the next completion, MK_FAULT_STATE now
 */
void mk_link_set_fault(struct mk_link *link, enum mk_fault fault)
{
	if (!IS_ENABLED(CONFIG_MULTIKERNEL_TRANSPORT_FAULT_INJECTION))
		return;
	if (fault == MK_FAULT_STATE) {
		WRITE_ONCE(link->me->state, cpu_to_le32(0x7fff));
		mk_link_ring_peer(link);
		return;
	}
	WRITE_ONCE(link->fault, fault);
}

/* With tx_lock held, just before publishing. */
static void mk_link_inject_tx_fault(struct mk_link *link)
{
	struct mkv_tx *tx = &link->tx;
	enum mk_fault f = READ_ONCE(link->fault);
	struct vring_desc *d;

	/* On every publication: test and leave. */
	if (!IS_ENABLED(CONFIG_MULTIKERNEL_TRANSPORT_FAULT_INJECTION) ||
	    f == MK_FAULT_NONE || f >= MK_FAULT_USED_JUMP ||
	    tx->next_avail == tx->published)
		return;
	d = &tx->desc[(tx->next_avail - 1) & (tx->dir.num - 1)];
	WRITE_ONCE(link->fault, MK_FAULT_NONE);
	switch (f) {
	case MK_FAULT_AVAIL_JUMP:
		tx->next_avail += tx->dir.num + 7;
		break;
	case MK_FAULT_DESC_OFFSET:
		d->addr = (__force __virtio64)cpu_to_le64(link->size + 4096);
		break;
	case MK_FAULT_DESC_LEN:
		d->len = (__force __virtio32)cpu_to_le32(tx->dir.max_msg + 1);
		break;
	case MK_FAULT_DESC_WRAP:
		d->addr = (__force __virtio64)cpu_to_le64(tx->dir.data_off +
							  tx->dir.data_size - 8);
		d->len = (__force __virtio32)cpu_to_le32(64);
		break;
	case MK_FAULT_DESC_FLAGS:
		d->flags = (__force __virtio16)cpu_to_le16(VRING_DESC_F_NEXT);
		break;
	default:
		break;
	}
}

/*
 * From the thread, instead of publishing completions when it returns true
 * (the corrupt index is what the peer must see).
 */
static bool mk_link_inject_rx_fault(struct mk_link *link)
{
	struct mkv_rx *rx = &link->rx;
	enum mk_fault f = READ_ONCE(link->fault);

	if (!IS_ENABLED(CONFIG_MULTIKERNEL_TRANSPORT_FAULT_INJECTION) ||
	    (f != MK_FAULT_USED_JUMP && f != MK_FAULT_USED_ORDER))
		return false;
	WRITE_ONCE(link->fault, MK_FAULT_NONE);
	if (f == MK_FAULT_USED_JUMP) {
		/* What a hostile peer can do: write shared memory, nothing else. */
		WRITE_ONCE(rx->used->idx,
			   (__force __virtio16)cpu_to_le16(rx->last_avail + 1000));
		rx->used_published = rx->last_avail;
	} else {
		u16 slot = (rx->last_avail - 1) & (rx->dir.num - 1);

		rx->used->ring[slot].id = (__force __virtio32)cpu_to_le32(slot ^ 1);
		return false;
	}
	return true;
}

/**
 * mk_link_pause_rx() - test hook: stop or resume receiving
 * @link: the link
 * @pause: true to stop
 *
 * The thread keeps beating and reclaiming; only receiving stops, as with a
 * slow reader.
 */
void mk_link_pause_rx(struct mk_link *link, bool pause)
{
	WRITE_ONCE(link->rx_paused, pause);
	mk_link_kick(link);
}

/**
 * mk_link_freeze() - test hook: stop the thread, heartbeat included
 * @link: the link
 * @freeze: true to stop, false to resume
 *
 * The peer sees a kernel that died; on resume this end finds that the peer
 * gave up on it and rejoins.
 */
void mk_link_freeze(struct mk_link *link, bool freeze)
{
	WRITE_ONCE(link->frozen, freeze);
	mk_link_kick(link);
}

/**
 * mk_link_rx_jitter() - test hook: random sleeps while receiving
 * @link: the link
 * @max_us: longest sleep, 0 to stop
 *
 * Sleeps land after a batch, before asking for a doorbell and after asking,
 * the places where a receiver that stops at the wrong moment could miss a
 * doorbell.
 */
void mk_link_rx_jitter(struct mk_link *link, unsigned int max_us)
{
	WRITE_ONCE(link->rx_jitter_us, max_us);
}

/**
 * mk_link_set_flap_backoff() - test hook: longest backoff of a flapping link
 * @max_ms: the new maximum, 0 for none
 *
 * Return: the previous maximum.
 */
unsigned int mk_link_set_flap_backoff(unsigned int max_ms)
{
	return xchg(&flap_backoff_max_ms, max_ms);
}

/**
 * mk_link_set_timers() - test hook: heartbeat period and timeout
 * @beat_ms: period; a long one also stops the periodic wake-ups that would
 *	hide a lost doorbell
 * @timeout_ms: silence after which the peer is dead
 */
void mk_link_set_timers(unsigned int beat_ms, unsigned int timeout_ms)
{
	WRITE_ONCE(heartbeat_ms, beat_ms);
	WRITE_ONCE(heartbeat_timeout_ms, timeout_ms);
}

/**
 * mk_link_stat() - one counter of a link end, by its name in "stats"
 * @link: the link
 * @name: e.g. "violations"
 *
 * Return: the value, or 0 for an unknown name.
 */
u64 mk_link_stat(struct mk_link *link, const char *name)
{
	static const struct {
		const char *name;
		size_t off;
	} map[] = {
#define MK_STAT(f) { #f, offsetof(struct mk_link_stats, f) }
		MK_STAT(tx_msgs), MK_STAT(tx_bytes), MK_STAT(tx_doorbells),
		MK_STAT(tx_suppressed), MK_STAT(tx_full), MK_STAT(tx_waits),
		MK_STAT(rx_msgs), MK_STAT(rx_bytes), MK_STAT(rx_batches),
		MK_STAT(rx_completion_doorbells), MK_STAT(irqs),
		MK_STAT(violations), MK_STAT(resets), MK_STAT(ups),
		MK_STAT(backoffs), MK_STAT(peer_doorbell_refused),
#undef MK_STAT
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(map[i].name, name))
			return READ_ONCE(*(u64 *)((u8 *)&link->stats + map[i].off));
	return 0;
}

/**
 * mk_link_restart() - take the link down and start it again
 * @link: the link
 */
void mk_link_restart(struct mk_link *link)
{
	link->restart = true;
	mk_link_kick(link);
}

/**
 * mk_link_doorbells_sent() - doorbells this end rang for new messages
 * @link: the link
 *
 * Return: the count.
 */
u64 mk_link_doorbells_sent(struct mk_link *link)
{
	return READ_ONCE(link->stats.tx_doorbells);
}

/**
 * mk_link_stats_show() - the counters, as text
 * @link: the link
 * @buf: where to write
 * @size: its size
 *
 * Return: bytes written.
 */
int mk_link_stats_show(struct mk_link *link, char *buf, size_t size)
{
	struct mk_link_stats *s = &link->stats;
	u64 batches = READ_ONCE(s->rx_batches);
	int n;

	n = scnprintf(buf, size,
		      "state %s epoch %u seen %u mtu %u cpu %d peer_doorbell %u\n"
		      "tx_msgs %llu\ntx_bytes %llu\ntx_doorbells %llu\ntx_suppressed %llu\n"
		      "tx_full %llu\ntx_waits %llu\n"
		      "rx_msgs %llu\nrx_bytes %llu\nrx_batches %llu\nrx_mean_batch %llu\n"
		      "rx_completion_doorbells %llu\nirqs %llu\n"
		      "violations %llu\nresets %llu\nups %llu\nbackoffs %llu\n"
		      "peer_doorbell_refused %llu\nclient %s\n",
		      READ_ONCE(link->up) ? "up" : "down", READ_ONCE(link->epoch),
		      READ_ONCE(link->seen), READ_ONCE(link->mtu), link->cpu,
		      READ_ONCE(link->peer_db),
		      READ_ONCE(s->tx_msgs), READ_ONCE(s->tx_bytes),
		      READ_ONCE(s->tx_doorbells), READ_ONCE(s->tx_suppressed),
		      READ_ONCE(s->tx_full), READ_ONCE(s->tx_waits),
		      READ_ONCE(s->rx_msgs), READ_ONCE(s->rx_bytes), batches,
		      batches ? READ_ONCE(s->rx_msgs) / batches : 0,
		      READ_ONCE(s->rx_completion_doorbells), READ_ONCE(s->irqs),
		      READ_ONCE(s->violations), READ_ONCE(s->resets), READ_ONCE(s->ups),
		      READ_ONCE(s->backoffs), READ_ONCE(s->peer_doorbell_refused),
		      READ_ONCE(link->ops) ? "yes" : "no");
	mutex_lock(&link->client_lock);
	if (link->ops && link->ops->stats)
		n += link->ops->stats(link, link->priv, buf + n, size - n);
	mutex_unlock(&link->client_lock);
	return n;
}
