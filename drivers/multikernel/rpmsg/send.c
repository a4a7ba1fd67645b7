// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sending on the multikernel rpmsg bus. Every message leaves through
 * mk_rpmsg_xmit(): it takes the destination endpoint's credit (credit.c)
 * and room in the ring, and waits for both, interruptibly and for at most
 * the caller's timeout, unless it may not wait (a trysend, or the link's
 * receive thread, which is what brings credit and room). The bus's own
 * control messages (flow control, BIND, credit reports) go the same way
 * without taking credit; those that must get through and found the ring
 * full are sent again later from the bus's workqueue.
 */

#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/rpmsg.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/multikernel/rpmsg.h>
#include <linux/multikernel/transport.h>

#include "bus.h"

static bool fault_ignore_credit;
#ifdef CONFIG_MULTIKERNEL_TRANSPORT_FAULT_INJECTION
module_param(fault_ignore_credit, bool, 0644);
MODULE_PARM_DESC(fault_ignore_credit,
		 "Test hook: send without taking credit, as a hostile peer would");
#endif

/* One message onto the link, never waiting: -EAGAIN when the ring is full. */
static int mk_rpmsg_put(struct mk_rpmsg *bus, u32 src, u32 dst, u16 flags,
			const void *data, u32 len)
{
	struct mk_rpmsg_hdr h = {
		.src = cpu_to_le32(src),
		.dst = cpu_to_le32(dst),
		.len = cpu_to_le32(len),
		.flags = cpu_to_le16(flags),
	};
	struct kvec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)data, .iov_len = len },
	};

	return mk_link_sendmsg(bus->link, iov, 2, MK_SEND_NOWAIT, 0);
}

/* What a blocked sender waits for. */
struct mk_rpmsg_wait {
	struct mk_rpmsg *bus;
	struct mk_rpmsg_ept *e;
	u32 dst;
	u32 charge;
	u32 len;
	u32 session;
	bool credit;
};

/* Wait condition of a sender: it may go on, or must give up. */
static bool mk_rpmsg_can_xmit(const struct mk_rpmsg_wait *w)
{
	if ((w->e && READ_ONCE(w->e->dying)) ||
	    READ_ONCE(w->bus->session) != w->session || !mk_link_is_up(w->bus->link))
		return true;
	if (w->credit && !mk_rpmsg_credit_fits(w->bus, w->dst, w->charge))
		return false;
	return mk_link_can_send(w->bus->link, w->len + MK_RPMSG_HDR);
}

/**
 * mk_rpmsg_xmit() - send one message on a bus
 * @bus: the bus
 * @e: the sending endpoint, or NULL for the bus's own messages
 * @src: the source address
 * @dst: the destination address
 * @flags: MK_RPMSG_F_*; a control message takes no credit
 * @data: the payload
 * @len: its length
 * @timeout: longest wait for the peer's credit and for room in the ring,
 *	in jiffies; 0 for none
 *
 * Never waits in the link's receive thread, which is what brings credit
 * and room.
 *
 * Context: any context with a @timeout of 0, else process context.
 * Return: 0; -EAGAIN if it would have to wait and may not; -ETIMEDOUT;
 * -ERESTARTSYS; -EPIPE if the link went down or @e is going; -EMSGSIZE;
 * -ENOTCONN if @dst is RPMSG_ADDR_ANY (a channel whose peer has not
 * bound); -EINVAL.
 */
int mk_rpmsg_xmit(struct mk_rpmsg *bus, struct mk_rpmsg_ept *e, u32 src,
		  u32 dst, u16 flags, const void *data, int len, long timeout)
{
	bool ctrl = flags & MK_RPMSG_F_CTRL;
	bool credit = !ctrl && !READ_ONCE(fault_ignore_credit);
	u32 session = READ_ONCE(bus->session);
	size_t mtu = mk_link_mtu(bus->link);
	wait_queue_head_t *wq = e ? &e->wq->head : &bus->wq;
	struct mk_rpmsg_wait w = {
		.bus = bus, .e = e, .dst = dst, .len = len, .session = session,
		.credit = credit,
	};
	bool counted = false;
	u32 charge;
	int ret;

	if (len < 0 || (len && !data) || src == RPMSG_ADDR_ANY)
		return -EINVAL;
	/* A channel whose peer has not bound yet has nowhere to send. */
	if (dst == RPMSG_ADDR_ANY && !ctrl)
		return -ENOTCONN;
	if (!mtu)
		return -EPIPE;
	if (len > mtu - MK_RPMSG_HDR)
		return -EMSGSIZE;
	charge = mk_rpmsg_charge(len);
	w.charge = charge;
	if (e && !ctrl)
		WRITE_ONCE(e->last_dst, dst);
	for (;;) {
		if (e && READ_ONCE(e->dying))
			return -EPIPE;
		ret = credit ? mk_rpmsg_credit_take(bus, dst, charge, session) : 0;
		if (!ret) {
			ret = mk_rpmsg_put(bus, src, dst, flags, data, len);
			if (ret && credit)
				mk_rpmsg_credit_return(bus, dst, charge, session);
			if (ret != -EAGAIN)
				break;
		} else if (ret != -EAGAIN) {
			break;
		} else if (!counted) {
			atomic64_inc(&bus->credit_waits);
			counted = true;
		}
		/* Only the receive thread brings credit and room: it never waits. */
		if (!timeout || mk_link_in_receiver(bus->link))
			return -EAGAIN;
		timeout = wait_event_interruptible_timeout(*wq, mk_rpmsg_can_xmit(&w),
							   timeout);
		if (timeout < 0)
			return timeout;
		if (!timeout)
			return -ETIMEDOUT;
	}
	/* The link went down: the rpmsg convention for a gone channel. */
	return ret == -ENOTCONN ? -EPIPE : ret;
}

/**
 * mk_rpmsg_ctrl_send() - send a control message (struct mk_rpmsg_ctrl)
 * @bus: the bus
 * @e: the endpoint it is about, or NULL
 * @src: the source address
 * @dst: the destination address
 * @cmd: MK_RPMSG_CTRL_*
 * @arg: its argument
 * @timeout: as for mk_rpmsg_xmit()
 *
 * Return: as mk_rpmsg_xmit().
 */
int mk_rpmsg_ctrl_send(struct mk_rpmsg *bus, struct mk_rpmsg_ept *e,
		       u32 src, u32 dst, u32 cmd, u32 arg, long timeout)
{
	struct mk_rpmsg_ctrl c = { .cmd = cpu_to_le32(cmd), .arg = cpu_to_le32(arg) };

	return mk_rpmsg_xmit(bus, e, src, dst, MK_RPMSG_F_CTRL, &c, sizeof(c), timeout);
}

/**
 * mk_rpmsg_poll() - the poll operation of an endpoint
 * @ept: the endpoint
 * @filp: the file polled
 * @wait: the poll table
 *
 * Writable when a message of the MTU fits, both in the ring and in the
 * credit of where the endpoint last sent, so that a write after EPOLLOUT
 * cannot fail with -EAGAIN. Sleeps on the endpoint's own queue: a stalled
 * destination holds up only its senders.
 *
 * Return: EPOLLOUT | EPOLLWRNORM, 0, or EPOLLERR once the endpoint or the
 * link is gone.
 */
__poll_t mk_rpmsg_poll(struct rpmsg_endpoint *ept, struct file *filp,
		       poll_table *wait)
{
	struct mk_rpmsg_ept *e = to_mept(ept);
	struct mk_rpmsg *bus = e->bus;
	size_t mtu = mk_link_mtu(bus->link);
	u32 dst = mk_rpmsg_dst(ept, READ_ONCE(e->last_dst));

	poll_wait(filp, &e->wq->head, wait);
	if (READ_ONCE(e->dying) || mtu <= MK_RPMSG_HDR)
		return EPOLLERR;
	if (dst != RPMSG_ADDR_ANY && !READ_ONCE(fault_ignore_credit) &&
	    !mk_rpmsg_credit_fits(bus, dst, mk_rpmsg_charge(mtu - MK_RPMSG_HDR)))
		return 0;
	return mk_link_can_send(bus->link, mtu) ? EPOLLOUT | EPOLLWRNORM : 0;
}

/* Control messages that must get through --------------------------------- */

/* Send a credit report, waiting at most @timeout for room. */
static int mk_rpmsg_credit_send(struct mk_rpmsg *bus, u32 addr, u32 fwd, long timeout)
{
	struct mk_rpmsg_credit cr = {
		.cmd = cpu_to_le32(MK_RPMSG_CTRL_CREDIT),
		.fwd_cnt = cpu_to_le32(fwd),
		.buf_alloc = cpu_to_le32(bus->window),
	};

	return mk_rpmsg_xmit(bus, NULL, addr, RPMSG_ADDR_ANY, MK_RPMSG_F_CTRL, &cr,
			     sizeof(cr), timeout);
}

/**
 * mk_rpmsg_bind() - tell the peer which endpoint took a channel it announced
 * @bus: the bus
 * @src: our endpoint
 * @dst: the peer's channel
 *
 * From the receive thread the ring may be full: then the BIND waits for
 * ctrl_work, or the channel would stay unbound (-ENOTCONN) for ever.
 *
 * Context: process context.
 */
void mk_rpmsg_bind(struct mk_rpmsg *bus, u32 src, u32 dst)
{
	int ret;

	ret = mk_rpmsg_ctrl_send(bus, NULL, src, dst, MK_RPMSG_CTRL_BIND, 0, 0);
	if (!mk_rpmsg_retry(ret))
		return;
	if (mk_rpmsg_bind_later(bus, src, dst)) {
		dev_err(mk_link_device(bus->link), "cannot bind channel %#x: no memory\n", dst);
		return;
	}
	mod_delayed_work(bus->work, &bus->ctrl_work, 1);
}

/*
 * Send the credit reports due, each waiting at most @timeout for room.
 * Returns true if one must be tried again later.
 */
static bool mk_rpmsg_flush_reports(struct mk_rpmsg *bus, long timeout)
{
	u32 session, addr, fwd;

	while (mk_rpmsg_report_next(bus, &session, &addr, &fwd)) {
		int ret = mk_rpmsg_credit_send(bus, addr, fwd, timeout);

		if (mk_rpmsg_report_done(bus, session, addr, fwd, ret))
			return true;
	}
	return false;
}

/**
 * mk_rpmsg_consumed() - messages for one of our addresses were consumed
 * @bus: the bus
 * @addr: our address
 * @charge: their charge (read, or dropped)
 * @all: everything outstanding at @addr instead (its endpoint goes)
 *
 * Accounts them (mk_rpmsg_rx_consume()) and, if a credit report fell due,
 * sends it at once without waiting for room: the receive thread for what
 * a callback consumed, the reader for what rpmsg_rx_done() gave back. No
 * worker is woken for it: on an idle CPU of its own, that is a wake-up
 * that the next round trip may wait for. A report that finds the ring
 * full is left to ctrl_work, which waits.
 *
 * Context: any context.
 */
void mk_rpmsg_consumed(struct mk_rpmsg *bus, u32 addr, u32 charge, bool all)
{
	if (mk_rpmsg_rx_consume(bus, addr, charge, all) && mk_rpmsg_flush_reports(bus, 0))
		mod_delayed_work(bus->work, &bus->ctrl_work, 0);
}

/**
 * mk_rpmsg_ctrl_work() - send the credit reports and BINDs that could not go at once
 * @work: the bus's ctrl_work
 *
 * Never in the receive thread, so it may wait (briefly) for room; what
 * still does not fit is tried again a jiffy later. A new session drops
 * what is left.
 */
void mk_rpmsg_ctrl_work(struct work_struct *work)
{
	struct mk_rpmsg *bus = container_of(to_delayed_work(work), struct mk_rpmsg,
					    ctrl_work);
	struct mk_rpmsg_bind *b;
	u32 session;
	int ret;

	if (mk_rpmsg_flush_reports(bus, HZ / 10))
		goto later;
	while ((b = mk_rpmsg_bind_next(bus, &session))) {
		ret = mk_rpmsg_ctrl_send(bus, NULL, b->src, b->dst, MK_RPMSG_CTRL_BIND, 0,
					 HZ / 10);
		if (!mk_rpmsg_retry(ret)) {
			kfree(b);
			continue;
		}
		mk_rpmsg_bind_again(bus, b, session);
		goto later;
	}
	return;
later:
	mod_delayed_work(bus->work, &bus->ctrl_work, 1);
}
