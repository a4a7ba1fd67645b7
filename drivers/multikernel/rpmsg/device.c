// SPDX-License-Identifier: GPL-2.0-only
/*
 * rpmsg devices of the multikernel rpmsg bus (the name service, the
 * control device and the channels) and their rpmsg_device_ops.
 *
 * Channels come from two sides. Those created here (rpmsg_ctrl's
 * RPMSG_CREATE_DEV_IOCTL) are remembered, to be created again when the
 * link comes back, and announced if they have no destination. Those the
 * peer announced reach rpmsg_ns only within a quota and a rate
 * (mk_rpmsg_ns_admit()), and only they can be removed by the peer's
 * name service, outside the receive thread.
 */

#include <linux/device.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/rpmsg.h>
#include <linux/rpmsg/byteorder.h>
#include <linux/rpmsg/ns.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <linux/workqueue.h>
#include <linux/multikernel/transport.h>

#include "rpmsg_internal.h"
#include "bus.h"
#include "mk_rpmsg.h"

static unsigned int peer_channels = 64;
module_param(peer_channels, uint, 0644);
MODULE_PARM_DESC(peer_channels,
		 "Channels a peer may create on a link by announcing them (default 64)");

/**
 * struct mk_rpmsg_removal - a peer's channel to unregister outside the
 *	receive thread
 * @work: in the bus's ordered workqueue
 * @bus: the bus
 * @dev: the channel's device, referenced
 */
struct mk_rpmsg_removal {
	struct work_struct work;
	struct mk_rpmsg *bus;
	struct device *dev;
};

static const struct rpmsg_device_ops mk_rpmsg_dev_ops;

static void mk_rpmsg_release_device(struct device *dev)
{
	struct rpmsg_device *rpdev = to_rpmsg_device(dev);

	kfree(to_chan(rpdev));
}

/**
 * mk_rpmsg_alloc_dev() - a new device of a bus, not registered yet
 * @bus: the bus
 * @src: its address
 * @dst: its peer's address
 *
 * Context: process context.
 * Return: the device (registering it, or put_device() after
 * device_initialize(), frees it), or NULL.
 */
struct mk_rpmsg_chan *mk_rpmsg_alloc_dev(struct mk_rpmsg *bus, u32 src, u32 dst)
{
	struct mk_rpmsg_chan *ch = kzalloc(sizeof(*ch), GFP_KERNEL);

	if (!ch)
		return NULL;
	ch->bus = bus;
	ch->rpdev.src = src;
	ch->rpdev.dst = dst;
	ch->rpdev.ops = &mk_rpmsg_dev_ops;
	ch->rpdev.little_endian = true;
	ch->rpdev.dev.parent = mk_link_device(bus->link);
	ch->rpdev.dev.release = mk_rpmsg_release_device;
	return ch;
}

/**
 * mk_rpmsg_add_channel() - register a channel of a bus
 * @bus: the bus
 * @chinfo: its name and addresses
 * @from_peer: made for the peer's announcement (counted in its quota),
 *	not on this side (announced if it has no destination yet)
 *
 * Context: process context.
 * Return: the channel, or NULL if it exists already or cannot be
 * registered (logged).
 */
struct rpmsg_device *mk_rpmsg_add_channel(struct mk_rpmsg *bus,
					  struct rpmsg_channel_info *chinfo,
					  bool from_peer)
{
	struct device *parent = mk_link_device(bus->link);
	struct mk_rpmsg_chan *ch;
	struct device *dup;
	int ret;

	dup = rpmsg_find_device(parent, chinfo);
	if (dup) {
		put_device(dup);
		dev_err_ratelimited(parent, "channel %s %#x -> %#x exists already\n",
				    chinfo->name, chinfo->src, chinfo->dst);
		return NULL;
	}
	ch = mk_rpmsg_alloc_dev(bus, chinfo->src, chinfo->dst);
	if (!ch)
		return NULL;
	ch->from_peer = from_peer;
	/* Made here with nobody on the other side yet: announce it. */
	ch->rpdev.announce = !from_peer && chinfo->dst == RPMSG_ADDR_ANY;
	strscpy(ch->rpdev.id.name, chinfo->name, sizeof(ch->rpdev.id.name));
	ret = rpmsg_register_device(&ch->rpdev);
	if (ret) {
		dev_err(parent, "cannot register channel %s (%d)\n", chinfo->name, ret);
		return NULL;
	}
	/* The quota is applied before rpmsg_ns sees an announcement. */
	if (from_peer)
		bus->nr_peer_channels++;
	return &ch->rpdev;
}

/**
 * mk_rpmsg_unregister() - unregister a device of a bus, once
 * @bus: the bus
 * @dev: one of its devices (or a device another driver put under the link)
 *
 * Context: process context; waits for the device's driver to let go.
 */
void mk_rpmsg_unregister(struct mk_rpmsg *bus, struct device *dev)
{
	bool ours = dev->release == mk_rpmsg_release_device;
	struct rpmsg_device *rpdev = to_rpmsg_device(dev);

	bool mine = true;

	/* Not held while unregistering: a driver's remove takes its own locks. */
	if (ours) {
		mutex_lock(&bus->rm_lock);
		mine = !to_chan(rpdev)->gone;
		to_chan(rpdev)->gone = true;
		mutex_unlock(&bus->rm_lock);
	}
	if (mine)
		device_unregister(dev);
}

static void mk_rpmsg_removal_work(struct work_struct *work)
{
	struct mk_rpmsg_removal *r = container_of(work, struct mk_rpmsg_removal, work);

	mk_rpmsg_unregister(r->bus, r->dev);
	put_device(r->dev);
	kfree(r);
}

static struct rpmsg_device *mk_rpmsg_create_channel(struct rpmsg_device *rpdev,
						    struct rpmsg_channel_info *chinfo)
{
	struct mk_rpmsg *bus = to_chan(rpdev)->bus;
	bool from_peer = rpdev == bus->ns;
	struct mk_rpmsg_local *l = NULL;
	struct rpmsg_device *ch;

	if (!from_peer) {
		/* Remember it: it comes back when the link does. */
		l = kzalloc(sizeof(*l), GFP_KERNEL);
		if (!l)
			return NULL;
		l->chinfo = *chinfo;
		l->restored = true;
		mutex_lock(&bus->lock);
		list_add_tail(&l->node, &bus->locals);
		mutex_unlock(&bus->lock);
	}
	ch = mk_rpmsg_add_channel(bus, chinfo, from_peer);
	if (!ch && l) {
		mutex_lock(&bus->lock);
		list_del(&l->node);
		mutex_unlock(&bus->lock);
		kfree(l);
	}
	return ch;
}

struct mk_rpmsg_match {
	const struct rpmsg_channel_info *chinfo;
	bool from_peer;
};

/* Like the rpmsg core's match, but only among the peer's or our channels. */
static int mk_rpmsg_match_chan(struct device *dev, void *data)
{
	const struct mk_rpmsg_match *m = data;
	struct rpmsg_device *rpdev = to_rpmsg_device(dev);

	if (rpdev->ops != &mk_rpmsg_dev_ops || to_chan(rpdev)->from_peer != m->from_peer)
		return 0;
	if (strncmp(rpdev->id.name, m->chinfo->name, RPMSG_NAME_SIZE))
		return 0;
	if (m->chinfo->src != RPMSG_ADDR_ANY && m->chinfo->src != rpdev->src)
		return 0;
	return m->chinfo->dst == RPMSG_ADDR_ANY || m->chinfo->dst == rpdev->dst;
}

static int mk_rpmsg_release_channel(struct rpmsg_device *rpdev,
				    struct rpmsg_channel_info *chinfo)
{
	struct mk_rpmsg *bus = to_chan(rpdev)->bus;
	struct mk_rpmsg_match m = { .chinfo = chinfo, .from_peer = rpdev == bus->ns };
	struct rpmsg_channel_info mine;
	struct mk_rpmsg_local *l, *tmp;
	struct device *dev;

	/*
	 * A peer's announcement removes only the copy of a channel it
	 * announced, never the name service, the control device or a
	 * channel of ours.
	 */
	dev = device_find_child(mk_link_device(bus->link), &m, mk_rpmsg_match_chan);
	if (!dev)
		return -ENODEV;
	if (m.from_peer) {
		struct mk_rpmsg_removal *r = kzalloc(sizeof(*r), GFP_KERNEL);

		/*
		 * The peer's announcement, in the receive thread: removing the
		 * device waits for its users (a writer in rpmsg_char holds
		 * ept_lock), so it happens in the bus's workqueue, after the
		 * users' blocked sends were told to give up.
		 */
		bus->nr_peer_channels--;
		mk_rpmsg_unblock_dev(bus, to_rpmsg_device(dev));
		if (r) {
			r->bus = bus;
			r->dev = dev;
			INIT_WORK(&r->work, mk_rpmsg_removal_work);
			queue_work(bus->work, &r->work);
			return 0;
		}
		mk_rpmsg_unregister(bus, dev);
		put_device(dev);
		return 0;
	}
	mine.src = to_rpmsg_device(dev)->src;
	if (!m.from_peer) {
		mutex_lock(&bus->lock);
		list_for_each_entry_safe(l, tmp, &bus->locals, node) {
			if (!strncmp(l->chinfo.name, chinfo->name, RPMSG_NAME_SIZE) &&
			    (l->chinfo.src == RPMSG_ADDR_ANY || l->chinfo.src == mine.src)) {
				list_del(&l->node);
				kfree(l);
				break;
			}
		}
		mutex_unlock(&bus->lock);
	}
	mk_rpmsg_unregister(bus, dev);
	put_device(dev);
	return 0;
}

static int mk_rpmsg_announce(struct rpmsg_device *rpdev, u32 flags)
{
	struct mk_rpmsg *bus = to_chan(rpdev)->bus;
	struct rpmsg_ns_msg msg = {};

	if (!rpdev->announce || rpdev->src == RPMSG_ADDR_ANY)
		return 0;
	strscpy_pad(msg.name, rpdev->id.name, sizeof(msg.name));
	msg.addr = cpu_to_rpmsg32(rpdev, rpdev->src);
	msg.flags = cpu_to_rpmsg32(rpdev, flags);
	return mk_rpmsg_xmit(bus, NULL, RPMSG_NS_ADDR, RPMSG_NS_ADDR, 0, &msg,
			     sizeof(msg), MAX_SCHEDULE_TIMEOUT);
}

static int mk_rpmsg_announce_create(struct rpmsg_device *rpdev)
{
	/*
	 * Called right after the driver's probe, for a device with a default
	 * endpoint only: its callback may run now. Release: what the probe
	 * set up is seen before the flag.
	 */
	smp_store_release(&to_mept(rpdev->ept)->in_probe, false);
	return mk_rpmsg_announce(rpdev, RPMSG_NS_CREATE);
}

static int mk_rpmsg_announce_destroy(struct rpmsg_device *rpdev)
{
	/* Going down with the link: the peer drops its copy by itself. */
	if (!READ_ONCE(to_chan(rpdev)->bus->up))
		return 0;
	return mk_rpmsg_announce(rpdev, RPMSG_NS_DESTROY);
}

static const struct rpmsg_device_ops mk_rpmsg_dev_ops = {
	.create_channel = mk_rpmsg_create_channel,
	.release_channel = mk_rpmsg_release_channel,
	.create_ept = mk_rpmsg_create_ept,
	.announce_create = mk_rpmsg_announce_create,
	.announce_destroy = mk_rpmsg_announce_destroy,
};

/**
 * mk_rpmsg_ns_admit() - whether a name-service message of the peer may pass
 * @bus: the bus
 * @data: the message, for rpmsg_ns
 * @len: its length
 *
 * The name service (rpmsg_ns) registers a device for every announcement
 * and logs each one: a peer may create a bounded number of channels, at a
 * bounded rate, or its announcements are dropped here, before they reach
 * rpmsg_ns. Refusals are counted and logged.
 *
 * Context: the link's receive thread.
 * Return: false to drop the message.
 */
bool mk_rpmsg_ns_admit(struct mk_rpmsg *bus, const void *data, u32 len)
{
	const struct rpmsg_ns_msg *msg = data;
	bool create;

	if (len != sizeof(*msg))
		return true;	/* rpmsg_ns refuses it itself */
	create = !(get_unaligned_le32(&msg->flags) & RPMSG_NS_DESTROY);
	if (!__ratelimit(&bus->ns_rs)) {
		bus->ns_refused++;
		dev_warn_ratelimited(mk_link_device(bus->link),
				     "peer announces channels too fast: %.32s refused\n",
				     msg->name);
		return false;
	}
	if (create && bus->nr_peer_channels >= READ_ONCE(peer_channels)) {
		bus->ns_refused++;
		dev_warn_ratelimited(mk_link_device(bus->link),
				     "peer has %u channels, the most allowed: %.32s refused\n",
				     bus->nr_peer_channels, msg->name);
		return false;
	}
	return true;
}

/**
 * mk_rpmsg_of() - the bus of one of our rpmsg devices
 * @rpdev: any rpmsg device
 *
 * Return: its bus, or NULL if @rpdev is not on a multikernel link.
 */
struct mk_rpmsg *mk_rpmsg_of(struct rpmsg_device *rpdev)
{
	return rpdev->ops == &mk_rpmsg_dev_ops ? to_chan(rpdev)->bus : NULL;
}

/**
 * mk_rpmsg_link_of() - the link of one of our rpmsg devices
 * @rpdev: any rpmsg device
 *
 * Return: the link whose bus @rpdev is on (valid while @rpdev is), or NULL
 * if @rpdev is not on a multikernel link.
 */
struct mk_link *mk_rpmsg_link_of(struct rpmsg_device *rpdev)
{
	struct mk_rpmsg *bus = mk_rpmsg_of(rpdev);

	return bus ? bus->link : NULL;
}

/**
 * mk_rpmsg_from_peer() - whether a channel is a copy of one the peer announced
 * @rpdev: one of our rpmsg devices
 *
 * Return: true for the peer's channels.
 */
bool mk_rpmsg_from_peer(struct rpmsg_device *rpdev)
{
	return mk_rpmsg_of(rpdev) && to_chan(rpdev)->from_peer;
}
