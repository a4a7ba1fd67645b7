// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel transport: one end of a channel.
 *
 * A link end owns the sending side of one vring (its TX direction) and the
 * receiving side of the other (RX). A kernel thread per end (link_rx.c)
 * does everything that is not sending: the handshake (here), receiving (in
 * batches, with a budget), reclaiming sent buffers and waking blocked
 * senders. The doorbell interrupt only wakes it; the heartbeat is a timer.
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

#include <linux/module.h>
#include <linux/panic.h>
#include <linux/sched/signal.h>

#include "link.h"

unsigned int mk_link_heartbeat_ms = 100;
module_param_named(heartbeat_ms, mk_link_heartbeat_ms, uint, 0644);
MODULE_PARM_DESC(heartbeat_ms, "Heartbeat period in ms (default 100)");

unsigned int mk_link_heartbeat_timeout_ms = 5000;
module_param_named(heartbeat_timeout_ms, mk_link_heartbeat_timeout_ms, uint, 0644);
MODULE_PARM_DESC(heartbeat_timeout_ms,
		 "A peer whose heartbeat stays still this long is dead (default 5000)");

unsigned int mk_link_flap_backoff_max_ms = 5000;
module_param_named(flap_backoff_max_ms, mk_link_flap_backoff_max_ms, uint, 0644);
MODULE_PARM_DESC(flap_backoff_max_ms,
		 "Longest wait before a link that keeps failing comes up again (default 5000, 0: no backoff)");

/* A link that stays up this long is healthy again: no more backoff. */
#define MK_LINK_STABLE_MS	2000
#define MK_LINK_BACKOFF_MIN_MS	10

void mk_link_ring_peer(struct mk_link *link)
{
	u32 target;

	/* No target accepted yet: the peer sees us at its next periodic look. */
	if (!smp_load_acquire(&link->peer_db_ok))
		return;
	target = READ_ONCE(link->peer_db);
	/* A peer target that names nothing is refused by the backend. */
	if (link->db->ring(target))
		pr_warn_ratelimited("%s: peer doorbell target %#x is invalid\n",
				    link->name, target);
}

/* Whether @target is the doorbell of one of @link's peer CPUs. tx_lock held. */
bool mk_link_peer_target_ok(struct mk_link *link, u32 target)
{
	unsigned int cpu;
	u32 t;

	for_each_cpu(cpu, link->peer_cpus)
		if (!link->db->target(cpu, &t) && t == target)
			return true;
	return false;
}

/*
 * Take the doorbell target the peer publishes, from the thread. The peer
 * could aim our doorbells at any CPU, another kernel's included: only the
 * target of a CPU it may own is taken; anything else is refused and the
 * last accepted target, or none, stays.
 */
void mk_link_follow_peer_db(struct mk_link *link, u32 target)
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

/**
 * mk_link_notify() - the peer rang this end
 * @link: the link
 *
 * Called by the doorbell backend (struct mk_doorbell_ops), typically from
 * its interrupt handler: it only wakes the receive thread and the blocked
 * senders, which look at shared memory themselves.
 *
 * Context: any context, hard-IRQ included.
 */
void mk_link_notify(struct mk_link *link)
{
	stat_add(&link->stats.irqs, 1);
	/* For the wake-up latency (statistics): the first doorbell counts. */
	if (!test_bit(MK_KICK, &link->kick))
		WRITE_ONCE(link->kick_ns, ktime_get_ns());
	set_bit(MK_KICK, &link->kick);
	wake_up_process(link->thread);
	/* Blocked senders and pollers re-check room themselves. */
	if (wq_has_sleeper(&link->space_wq))
		wake_up(&link->space_wq);
}
EXPORT_SYMBOL_GPL(mk_link_notify);

void mk_link_write_side(struct mk_link *link)
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
	link->tx_held = 0;
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

void mk_link_go_down(struct mk_link *link, const char *why)
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
				       READ_ONCE(mk_link_flap_backoff_max_ms));
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
void mk_link_start(struct mk_link *link)
{
	link->epoch = link->epoch + 1 ? link->epoch + 1 : 1;
	link->state = MK_CHAN_INIT;
	mk_link_write_side(link);
	mk_link_ring_peer(link);
}

void mk_link_violation(struct mk_link *link, const char *why)
{
	stat_add(&link->stats.violations, 1);
	pr_warn_ratelimited("%s: peer broke the protocol (%s); resetting the link\n",
			    link->name, why);
	WRITE_ONCE(link->violated, true);
	WRITE_ONCE(link->restart, true);
}

/* Reclaim with tx_lock held; a violation asks the thread to restart. */
int mk_link_reclaim_locked(struct mk_link *link)
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
bool mk_link_handshake(struct mk_link *link)
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
				       msecs_to_jiffies(mk_link_heartbeat_timeout_ms)));
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
		/* Neither end would ring the other the way it is listening. */
		if (!(feat & MK_CHAN_F_POLLED) != !link->db->polled) {
			pr_warn_ratelimited("%s: the peer %s, this end uses the %s doorbell: cannot use it\n",
					    link->name, feat & MK_CHAN_F_POLLED ?
					    "polls" : "takes doorbell interrupts",
					    link->db->name);
			return false;
		}
		WRITE_ONCE(link->me->features_accepted,
			   cpu_to_le64(feat & (MK_LINK_FEATURES | MK_CHAN_F_POLLED)));
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
void mk_link_beat(struct timer_list *t)
{
	struct mk_link *link = from_timer(link, t, beat);

	/*
	 * Counted privately: never read back from shared memory. A kernel in
	 * panic keeps its timers running while it spins: it must stop beating.
	 */
	if (!mk_link_frozen(link) && !panic_in_progress())
		WRITE_ONCE(link->me->heartbeat, cpu_to_le64(++link->beats));
	mod_timer(&link->beat, jiffies + msecs_to_jiffies(READ_ONCE(mk_link_heartbeat_ms)));
}
