// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel transport: sending on a link, and waiting for room.
 */

#include <linux/delay.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/uio.h>

#include "link.h"

static int __mk_link_wait_space(struct mk_link *link, size_t len, long timeout,
				u64 resets);

/* Test hook: the sending fault mk_link_set_fault() asked for, once. */
static void mk_link_tx_fault(struct mk_link *link)
{
	enum mk_fault f = READ_ONCE(link->fault);

	if (IS_ENABLED(CONFIG_MULTIKERNEL_TRANSPORT_FAULT_INJECTION) &&
	    f != MK_FAULT_NONE && f < MK_FAULT_USED_JUMP &&
	    mkv_tx_corrupt(&link->tx, f, link->size))
		WRITE_ONCE(link->fault, MK_FAULT_NONE);
}

/* Called with tx_lock held. Returns true if the peer must be rung. */
static bool mk_link_publish_locked(struct mk_link *link)
{
	bool ring;

	mk_link_tx_fault(link);
	link->tx_held = 0;
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
	if (ret == -EAGAIN && link->tx.broken)
		ret = -EPIPE;
	if (ret == -EAGAIN) {
		stat_add(&link->stats.tx_full, 1);
		/* Publish what is queued: the peer must drain to make room. */
		*ring |= mk_link_publish_locked(link);
		return -EAGAIN;
	}
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
	link->tx_held += len;
	/*
	 * A batch holding a quarter of the payload area goes out now: the
	 * peer drains it while we fill the rest, instead of both taking
	 * turns on a full ring.
	 */
	if (!(flags & MK_SEND_MORE) || link->tx_held >= link->tx.dir.data_size / 4)
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

/*
 * Test hooks, between looking for room and asking to be rung for it: a
 * random delay, and the peer completing everything just then (which no
 * doorbell will announce: we have not asked yet). A peer kernel can do
 * that at any time, our lock or not; the hook makes it happen on demand,
 * and to wait for it, it drops tx_lock: only a KUnit test with one sender
 * in process context sets it (mk_link_hold_arm()), with both ends alive.
 */
static void mk_link_tx_jitter(struct mk_link *link, unsigned long *flags)
	__must_hold(&link->tx_lock)
{
	unsigned int max = READ_ONCE(link->rx_jitter_us);
	struct mk_link *peer = link->arm_peer;
	unsigned long end;
	u16 sent;

	/* Its setters are KUnit's only. */
	if (!IS_ENABLED(CONFIG_MULTIKERNEL_TRANSPORT_KUNIT_TEST))
		return;
	if (max && !get_random_u32_below(4))
		udelay(1 + get_random_u32_below(min(max, 100U)));
	if (!peer)
		return;
	link->arm_peer = NULL;
	sent = link->tx.published;
	spin_unlock_irqrestore(&link->tx_lock, *flags);
	WRITE_ONCE(peer->rx_paused, false);
	mk_link_kick(peer);
	end = jiffies + 2 * HZ;
	while (le16_to_cpu((__force __le16)READ_ONCE(link->tx.used->idx)) != sent &&
	       time_before(jiffies, end))
		cond_resched();
	spin_lock_irqsave(&link->tx_lock, *flags);
}

/* Wait condition: room for @len, or the link went down. */
static bool mk_link_writable(struct mk_link *link, size_t len)
{
	unsigned long flags;
	bool ok;
	int n;

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
		mk_link_tx_jitter(link, &flags);
		if (!mkv_tx_arm_space(&link->tx))
			break;
		n = mk_link_reclaim_locked(link);
		ok = link->tx.broken || mkv_tx_room(&link->tx, len);
		if (n <= 0)
			break;
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
