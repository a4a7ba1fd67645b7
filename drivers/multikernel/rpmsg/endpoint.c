// SPDX-License-Identifier: GPL-2.0-only
/*
 * Endpoints of the multikernel rpmsg bus: made on a device's request at
 * the address it asks for (or one from MK_RPMSG_FIRST_ADDR up), found by
 * address for the receive path, destroyed when their user lets go, and
 * their rpmsg_endpoint_ops. Sending is send.c's; an endpoint's wait queue
 * outlives it while a poll() sleeper is still on it (credit.c).
 */

#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/limits.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/rpmsg.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/multikernel/rpmsg.h>
#include <linux/multikernel/transport.h>

#include "rpmsg_internal.h"
#include "bus.h"
#include "mk_rpmsg.h"

#define MK_RPMSG_FIRST_ADDR	1024

static const struct rpmsg_endpoint_ops mk_rpmsg_ept_ops;
static struct lock_class_key mk_rpmsg_ns_cb_key;

static int mk_rpmsg_send(struct rpmsg_endpoint *ept, void *data, int len)
{
	return mk_rpmsg_xmit(to_mept(ept)->bus, to_mept(ept), ept->addr,
			     READ_ONCE(ept->rpdev->dst), 0, data, len,
			     MAX_SCHEDULE_TIMEOUT);
}

static int mk_rpmsg_sendto(struct rpmsg_endpoint *ept, void *data, int len,
			   u32 dst)
{
	return mk_rpmsg_xmit(to_mept(ept)->bus, to_mept(ept), ept->addr,
			     mk_rpmsg_dst(ept, dst), 0, data, len, MAX_SCHEDULE_TIMEOUT);
}

static int mk_rpmsg_send_offchannel(struct rpmsg_endpoint *ept, u32 src,
				    u32 dst, void *data, int len)
{
	return mk_rpmsg_xmit(to_mept(ept)->bus, to_mept(ept), src, dst, 0, data,
			     len, MAX_SCHEDULE_TIMEOUT);
}

static int mk_rpmsg_trysend(struct rpmsg_endpoint *ept, void *data, int len)
{
	return mk_rpmsg_xmit(to_mept(ept)->bus, to_mept(ept), ept->addr,
			     READ_ONCE(ept->rpdev->dst), 0, data, len, 0);
}

static int mk_rpmsg_trysendto(struct rpmsg_endpoint *ept, void *data, int len,
			      u32 dst)
{
	return mk_rpmsg_xmit(to_mept(ept)->bus, to_mept(ept), ept->addr,
			     mk_rpmsg_dst(ept, dst), 0, data, len, 0);
}

static int mk_rpmsg_trysend_offchannel(struct rpmsg_endpoint *ept, u32 src,
				       u32 dst, void *data, int len)
{
	return mk_rpmsg_xmit(to_mept(ept)->bus, to_mept(ept), src, dst, 0, data,
			     len, 0);
}

/**
 * mk_rpmsg_send_timeout() - send on one of our endpoints, waiting a bounded time
 * @ept: an endpoint of a multikernel rpmsg bus, on a channel
 * @data: the message
 * @len: its length
 * @timeout: longest wait for credit and room, in jiffies
 *
 * For kernel-internal senders, which must not wait for ever on a peer that
 * stays alive but stops reading.
 *
 * Context: process context; sleeps, interruptible.
 * Return: 0; -ETIMEDOUT; -EPIPE if the link went down or the endpoint is
 * going; -EMSGSIZE; -ENOTCONN if the channel's peer has not bound; -EINVAL
 * if @ept is not ours.
 */
int mk_rpmsg_send_timeout(struct rpmsg_endpoint *ept, void *data, int len,
			  long timeout)
{
	if (!ept || ept->ops != &mk_rpmsg_ept_ops || !ept->rpdev)
		return -EINVAL;
	return mk_rpmsg_xmit(to_mept(ept)->bus, to_mept(ept), ept->addr,
			     READ_ONCE(ept->rpdev->dst), 0, data, len, timeout);
}

static int mk_rpmsg_set_flow_control(struct rpmsg_endpoint *ept, bool pause,
				     u32 dst)
{
	return mk_rpmsg_ctrl_send(to_mept(ept)->bus, to_mept(ept), ept->addr,
				  mk_rpmsg_dst(ept, dst), MK_RPMSG_CTRL_FLOW, pause,
				  MAX_SCHEDULE_TIMEOUT);
}

static ssize_t mk_rpmsg_get_mtu(struct rpmsg_endpoint *ept)
{
	size_t mtu = mk_link_mtu(to_mept(ept)->bus->link);

	return mtu > MK_RPMSG_HDR ? mtu - MK_RPMSG_HDR : -EPIPE;
}

static void mk_rpmsg_rx_done(struct rpmsg_endpoint *ept, unsigned int len)
{
	mk_rpmsg_consumed(to_mept(ept)->bus, ept->addr, mk_rpmsg_charge(len), false);
}

static void mk_rpmsg_unblock(struct rpmsg_endpoint *ept)
{
	struct mk_rpmsg_ept *e = to_mept(ept);

	WRITE_ONCE(e->dying, true);
	wake_up_all(&e->wq->head);
}

static void mk_rpmsg_ept_release(struct kref *kref)
{
	struct rpmsg_endpoint *ept = container_of(kref, struct rpmsg_endpoint,
						  refcount);

	mk_rpmsg_waitq_put(to_mept(ept)->wq);
	kfree(to_mept(ept));
}

/**
 * mk_rpmsg_get_ept() - the endpoint at an address
 * @bus: the bus
 * @addr: the address
 *
 * Context: process context.
 * Return: the endpoint, with a reference (drop it with mk_rpmsg_put_ept()),
 * or NULL.
 */
struct rpmsg_endpoint *mk_rpmsg_get_ept(struct mk_rpmsg *bus, u32 addr)
{
	struct rpmsg_endpoint *ept;

	mutex_lock(&bus->lock);
	ept = idr_find(&bus->epts, addr);
	if (ept)
		kref_get(&ept->refcount);
	mutex_unlock(&bus->lock);
	return ept;
}

/**
 * mk_rpmsg_put_ept() - drop a reference from mk_rpmsg_get_ept()
 * @ept: the endpoint
 *
 * Context: process context; the last one frees the endpoint.
 */
void mk_rpmsg_put_ept(struct rpmsg_endpoint *ept)
{
	kref_put(&ept->refcount, mk_rpmsg_ept_release);
}

/**
 * mk_rpmsg_create_ept() - the create_ept operation of the bus's devices
 * @rpdev: the device
 * @cb: the endpoint's callback
 * @priv: passed to @cb
 * @chinfo: @chinfo.src is the address wanted, or RPMSG_ADDR_ANY for one
 *	from MK_RPMSG_FIRST_ADDR up
 *
 * The first endpoint of a channel the peer announced is bound: the peer
 * is told its address (BIND).
 *
 * Context: process context.
 * Return: the endpoint, or NULL (the address is taken or not valid, or
 * no memory).
 */
struct rpmsg_endpoint *mk_rpmsg_create_ept(struct rpmsg_device *rpdev,
					   rpmsg_rx_cb_t cb, void *priv,
					   struct rpmsg_channel_info chinfo)
{
	struct mk_rpmsg_chan *ch = to_chan(rpdev);
	struct mk_rpmsg *bus = ch->bus;
	struct mk_rpmsg_ept *e;
	int id;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return NULL;
	e->wq = kzalloc(sizeof(*e->wq), GFP_KERNEL);
	if (!e->wq) {
		kfree(e);
		return NULL;
	}
	init_waitqueue_head(&e->wq->head);
	e->last_dst = RPMSG_ADDR_ANY;
	kref_init(&e->ept.refcount);
	mutex_init(&e->ept.cb_lock);
	/* The name service's callback removes other endpoints: own class. */
	if (rpdev == bus->ns)
		lockdep_set_class(&e->ept.cb_lock, &mk_rpmsg_ns_cb_key);
	e->ept.rpdev = rpdev;
	e->ept.cb = cb;
	e->ept.priv = priv;
	e->ept.ops = &mk_rpmsg_ept_ops;
	e->bus = bus;
	/* rpmsg_dev_probe() makes the default endpoint before the probe. */
	e->in_probe = rpdev->dev.driver && !rpdev->ept &&
		      to_rpmsg_driver(rpdev->dev.driver)->callback == cb;

	mutex_lock(&bus->lock);
	if (chinfo.src == RPMSG_ADDR_ANY)
		id = idr_alloc(&bus->epts, &e->ept, MK_RPMSG_FIRST_ADDR, 0, GFP_KERNEL);
	else if (chinfo.src > INT_MAX)
		id = -EINVAL;
	else
		id = idr_alloc(&bus->epts, &e->ept, chinfo.src, chinfo.src + 1,
			       GFP_KERNEL);
	mutex_unlock(&bus->lock);
	if (id < 0) {
		dev_err(&rpdev->dev, "no endpoint at %#x: %s\n", chinfo.src,
			id == -ENOSPC ? "address in use" : "cannot allocate");
		kfree(e->wq);
		kfree(e);
		return NULL;
	}
	e->ept.addr = id;

	/* The default endpoint of a channel the peer announced: tell it. */
	if (ch->from_peer && !rpdev->ept && rpdev->dst != RPMSG_ADDR_ANY)
		mk_rpmsg_bind(bus, id, rpdev->dst);
	return &e->ept;
}

static void mk_rpmsg_destroy_ept(struct rpmsg_endpoint *ept)
{
	struct mk_rpmsg *bus = to_mept(ept)->bus;

	/* Blocked senders give up before anything waits for them. */
	mk_rpmsg_unblock(ept);
	/* No callback runs after this returns. */
	mutex_lock(&ept->cb_lock);
	ept->cb = NULL;
	mutex_unlock(&ept->cb_lock);
	/* What it kept unread is consumed: its senders get their credit back. */
	mk_rpmsg_consumed(bus, ept->addr, 0, true);
	mutex_lock(&bus->lock);
	idr_remove(&bus->epts, ept->addr);
	mutex_unlock(&bus->lock);
	kref_put(&ept->refcount, mk_rpmsg_ept_release);
}

/**
 * mk_rpmsg_unblock_dev() - fail the sends blocked on a device's endpoints
 * @bus: the bus
 * @rpdev: the device, about to go; NULL for every endpoint of @bus
 *
 * Context: process context.
 */
void mk_rpmsg_unblock_dev(struct mk_rpmsg *bus, struct rpmsg_device *rpdev)
{
	struct rpmsg_endpoint *ept;
	int id;

	mutex_lock(&bus->lock);
	idr_for_each_entry(&bus->epts, ept, id)
		if (!rpdev || ept->rpdev == rpdev)
			mk_rpmsg_unblock(ept);
	mutex_unlock(&bus->lock);
}

static const struct rpmsg_endpoint_ops mk_rpmsg_ept_ops = {
	.destroy_ept = mk_rpmsg_destroy_ept,
	.send = mk_rpmsg_send,
	.sendto = mk_rpmsg_sendto,
	.send_offchannel = mk_rpmsg_send_offchannel,
	.trysend = mk_rpmsg_trysend,
	.trysendto = mk_rpmsg_trysendto,
	.trysend_offchannel = mk_rpmsg_trysend_offchannel,
	.poll = mk_rpmsg_poll,
	.set_flow_control = mk_rpmsg_set_flow_control,
	.get_mtu = mk_rpmsg_get_mtu,
	.rx_done = mk_rpmsg_rx_done,
	.unblock = mk_rpmsg_unblock,
};
