// SPDX-License-Identifier: GPL-2.0-only
/*
 * rpmsg bus over a multikernel link.
 *
 * Every link given to this driver (mk_link_bind()) becomes an rpmsg bus:
 * its rpmsg devices live under the link's device (/sys/class/mk_link/NAME),
 * the kernel's name service (rpmsg_ns) and control device (rpmsg_ctrl,
 * /dev/rpmsg_ctrlN) are registered on it while the link is up, and every
 * rpmsg_device_ops and rpmsg_endpoint_ops of Linux 6.12 is implemented, so
 * rpmsg_char, rpmsg_tty, the sample client and any rpmsg driver work
 * unmodified.
 *
 * Wire: each transport message is a struct mk_rpmsg_hdr and its payload
 * (<uapi/linux/multikernel/rpmsg.h>). The receiver copies the message out
 * of shared memory once, validates the header, and hands the private copy
 * to the endpoint; a malformed message is dropped, counted and logged.
 *
 * Lifecycle: when the link goes down every rpmsg device of the link is
 * unregistered (rpmsg_char users see read and write fail with EPIPE and
 * poll report EPOLLERR). When it comes back, the name service and control
 * device return, and the channels created on this side through
 * rpmsg_ctrl are created again and re-announced, so the peer's copies come
 * back too.
 *
 * Addresses: 53 is the name service; 0x4d the typed-message channel; 1024
 * and up are given out to endpoints created with RPMSG_ADDR_ANY. A channel
 * created here with no destination is announced; the peer's side answers
 * with a BIND control message naming its address, which becomes the
 * channel's destination.
 */

#define pr_fmt(fmt) "mk_rpmsg: " fmt

#include <linux/hashtable.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rpmsg.h>
#include <linux/rpmsg/byteorder.h>
#include <linux/rpmsg/ns.h>
#include <linux/slab.h>
#include <linux/unaligned.h>
#include <linux/multikernel/rpmsg.h>
#include <linux/multikernel/transport.h>

#include "rpmsg_internal.h"
#include "bus.h"
#include "mk_rpmsg.h"

static_assert(sizeof(struct mk_rpmsg_hdr) == 16);
static_assert(sizeof(struct mk_rpmsg_ctrl) == 8);
static_assert(sizeof(struct mk_rpmsg_credit) == 16);

static unsigned int peer_channels = 64;
module_param(peer_channels, uint, 0644);
MODULE_PARM_DESC(peer_channels,
		 "Channels a peer may create on a link by announcing them (default 64)");

static bool fault_ns_register;
#ifdef CONFIG_MULTIKERNEL_TRANSPORT_FAULT_INJECTION
module_param(fault_ns_register, bool, 0644);
MODULE_PARM_DESC(fault_ns_register,
		 "Test hook: the name service's registration fails at the next link up");
#endif

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

/* Every bus, in the order its link was given to the driver. */
static LIST_HEAD(mk_rpmsg_buses);
static DEFINE_MUTEX(mk_rpmsg_buses_lock);

/* Drop a malformed message from the peer: counted, logged at a limited rate. */
static __printf(2, 3) void mk_rpmsg_bad(struct mk_rpmsg *bus, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	bus->malformed++;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	dev_warn_ratelimited(mk_link_device(bus->link), "peer sent %pV; dropped\n", &vaf);
	va_end(args);
}

/* Devices ------------------------------------------------------------------ */

static void mk_rpmsg_release_device(struct device *dev)
{
	struct rpmsg_device *rpdev = to_rpmsg_device(dev);

	kfree(to_chan(rpdev));
}

static struct mk_rpmsg_chan *mk_rpmsg_alloc_dev(struct mk_rpmsg *bus, u32 src,
						u32 dst)
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

static struct rpmsg_device *mk_rpmsg_add_channel(struct mk_rpmsg *bus,
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

/* Unregister one of the bus's devices, once. */
static void mk_rpmsg_unregister(struct mk_rpmsg *bus, struct device *dev)
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

/* Receiving ---------------------------------------------------------------- */

/* The peer reported what one of its endpoints consumed. */
static void mk_rpmsg_credit_rx(struct mk_rpmsg *bus, u32 src, const void *data,
			       u32 len)
{
	struct mk_rpmsg_credit cr;

	if (len != sizeof(cr)) {
		mk_rpmsg_bad(bus, "credit message of %u bytes", len);
		return;
	}
	memcpy(&cr, data, sizeof(cr));
	if (mk_rpmsg_credit_update(bus, src, le32_to_cpu(cr.fwd_cnt),
				   le32_to_cpu(cr.buf_alloc)))
		mk_rpmsg_wake_all(bus);
}

static void mk_rpmsg_ctrl_rx(struct mk_rpmsg *bus, u32 src, u32 dst,
			     const void *data, u32 len)
{
	struct rpmsg_endpoint *ept;
	struct mk_rpmsg_ctrl c;

	if (len >= sizeof(__le32) &&
	    get_unaligned_le32(data) == MK_RPMSG_CTRL_CREDIT) {
		mk_rpmsg_credit_rx(bus, src, data, len);
		return;
	}
	if (len != sizeof(c)) {
		mk_rpmsg_bad(bus, "control message of %u bytes", len);
		return;
	}
	memcpy(&c, data, sizeof(c));
	ept = mk_rpmsg_get_ept(bus, dst);
	if (!ept)
		return;
	switch (le32_to_cpu(c.cmd)) {
	case MK_RPMSG_CTRL_FLOW:
		mutex_lock(&ept->cb_lock);
		if (ept->cb && ept->flow_cb)
			ept->flow_cb(ept->rpdev, ept->priv, !!le32_to_cpu(c.arg));
		mutex_unlock(&ept->cb_lock);
		break;
	case MK_RPMSG_CTRL_BIND:
		/*
		 * Only a live channel of ours still waiting for its peer; the
		 * lock keeps the channel from going while we look.
		 */
		mutex_lock(&ept->cb_lock);
		if (ept->cb && ept->rpdev && ept->rpdev->ept == ept &&
		    !to_chan(ept->rpdev)->from_peer &&
		    ept->rpdev->dst == RPMSG_ADDR_ANY && src != RPMSG_ADDR_ANY)
			WRITE_ONCE(ept->rpdev->dst, src);
		mutex_unlock(&ept->cb_lock);
		break;
	default:
		mk_rpmsg_bad(bus, "unknown control command %u", le32_to_cpu(c.cmd));
	}
	mk_rpmsg_put_ept(ept);
}

/*
 * The name service (rpmsg_ns) registers a device for every announcement
 * and logs each one: a peer may create a bounded number of channels, at a
 * bounded rate, or its announcements are dropped here, before they reach
 * rpmsg_ns.
 */
static bool mk_rpmsg_ns_admit(struct mk_rpmsg *bus, const void *data, u32 len)
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

/* Hand a message to its endpoint; returns true if the endpoint kept it. */
static bool mk_rpmsg_deliver(struct mk_rpmsg *bus, struct rpmsg_endpoint *ept,
			     void *data, u32 len, u32 src)
{
	bool kept = false;
	int ret = 0;

	mutex_lock(&ept->cb_lock);
	if (ept->cb) {
		ret = ept->cb(ept->rpdev, data, len, ept->priv, src);
		/* Consumed when the endpoint says so (rpmsg_rx_done()). */
		kept = ret == RPMSG_RX_DEFERRED;
	}
	mutex_unlock(&ept->cb_lock);
	if (ret < 0) {
		bus->lost++;
		dev_warn_ratelimited(mk_link_device(bus->link),
				     "endpoint %#x could not take %u bytes from %#x (%d): dropped\n",
				     ept->addr, len, src, ret);
	}
	return kept;
}

static void mk_rpmsg_rx(struct mk_link *link, const void *data, size_t len,
			void *priv)
{
	struct mk_rpmsg *bus = priv;
	struct rpmsg_endpoint *ept;
	struct mk_rpmsg_hdr h;
	u32 src, dst, plen, charge;
	u16 flags;
	int ret;

	if (len < MK_RPMSG_HDR || len > mk_link_rx_max(link)) {
		mk_rpmsg_bad(bus, "message of %zu bytes", len);
		return;
	}
	if (len > bus->rxbuf_size) {
		bus->lost++;
		dev_warn_ratelimited(mk_link_device(link),
				     "no receive buffer for %zu bytes: message dropped\n", len);
		return;
	}
	/* One private copy: the peer cannot change what we validate. */
	memcpy(bus->rxbuf, data, len);
	memcpy(&h, bus->rxbuf, sizeof(h));
	src = le32_to_cpu(h.src);
	dst = le32_to_cpu(h.dst);
	plen = le32_to_cpu(h.len);
	flags = le16_to_cpu(h.flags);
	if (plen != len - MK_RPMSG_HDR || (flags & ~MK_RPMSG_F_CTRL) || h.reserved) {
		mk_rpmsg_bad(bus, "malformed header (length %u in %zu bytes, flags %#x)",
			     plen, len, flags);
		return;
	}
	data = bus->rxbuf + MK_RPMSG_HDR;
	if (flags & MK_RPMSG_F_CTRL) {
		mk_rpmsg_ctrl_rx(bus, src, dst, data, plen);
		return;
	}
	charge = mk_rpmsg_charge(plen);
	ept = mk_rpmsg_get_ept(bus, dst);
	ret = mk_rpmsg_rx_charge(bus, dst, charge, !!ept);
	if (ret == -EDQUOT) {
		/* Exactly what a peer that ignores its credit sent too much. */
		bus->over_credit++;
		dev_warn_ratelimited(mk_link_device(link),
				     "peer sent %u bytes to %#x beyond its credit: dropped\n",
				     plen, dst);
		goto put;
	}
	if (ret)
		bus->untracked++;
	if (!ept) {
		bus->dropped++;
		dev_warn_ratelimited(mk_link_device(link),
				     "no endpoint at %#x: %u bytes from %#x dropped\n",
				     dst, plen, src);
		goto consumed;
	}
	if (dst == RPMSG_NS_ADDR && !mk_rpmsg_ns_admit(bus, data, plen))
		goto consumed;
	if (mk_rpmsg_deliver(bus, ept, (void *)data, plen, src))
		goto put;
consumed:
	if (!ret)
		mk_rpmsg_rx_release(bus, dst, charge, false);
put:
	if (ept)
		mk_rpmsg_put_ept(ept);
}

/* Link up and down -------------------------------------------------------- */

static int mk_rpmsg_remove_device(struct device *dev, void *data)
{
	mk_rpmsg_unregister(data, dev);
	return 0;
}

static void mk_rpmsg_up(struct mk_link *link, void *priv)
{
	struct mk_rpmsg *bus = priv;
	struct rpmsg_channel_info chinfo = {
		.src = MK_MSG_ADDR, .dst = MK_MSG_ADDR,
	};
	struct mk_rpmsg_local *l;
	struct mk_rpmsg_chan *ch;
	size_t mtu = mk_link_mtu(link), rx_max = mk_link_rx_max(link);
	int ret;

	/* Sized by what the peer may send us, not by what we may send. */
	if (rx_max > bus->rxbuf_size) {
		kvfree(bus->rxbuf);
		bus->rxbuf = kvmalloc(rx_max, GFP_KERNEL);
		/* Without it, every message is dropped and counted as lost. */
		bus->rxbuf_size = bus->rxbuf ? rx_max : 0;
	}
	mk_rpmsg_credit_start(bus, rx_max, mtu);
	WRITE_ONCE(bus->up, true);

	ch = mk_rpmsg_alloc_dev(bus, RPMSG_NS_ADDR, RPMSG_NS_ADDR);
	if (ch) {
		WRITE_ONCE(bus->ns, &ch->rpdev);
		if (READ_ONCE(fault_ns_register)) {
			/* What a failed registration does with the device. */
			device_initialize(&ch->rpdev.dev);
			put_device(&ch->rpdev.dev);
			ret = -ENOMEM;
		} else {
			ret = rpmsg_ns_register_device(&ch->rpdev);
		}
		if (ret) {
			/* Freed by the failed registration. */
			WRITE_ONCE(bus->ns, NULL);
			dev_err(mk_link_device(link), "no name service (%d)\n", ret);
		}
	}
	ch = mk_rpmsg_alloc_dev(bus, RPMSG_ADDR_ANY, RPMSG_ADDR_ANY);
	if (ch) {
		ret = rpmsg_ctrldev_register_device(&ch->rpdev);
		if (ret)
			dev_err(mk_link_device(link), "no control device (%d)\n", ret);
	}
	/* The typed messages have a channel of their own, on both sides. */
	strscpy(chinfo.name, MK_MSG_CHANNEL, sizeof(chinfo.name));
	mk_rpmsg_add_channel(bus, &chinfo, false);

	/* Channels made here before a reset come back (and are announced). */
	for (;;) {
		bool found = false;

		mutex_lock(&bus->lock);
		list_for_each_entry(l, &bus->locals, node) {
			if (!l->restored) {
				l->restored = true;
				chinfo = l->chinfo;
				found = true;
				break;
			}
		}
		mutex_unlock(&bus->lock);
		if (!found)
			break;
		mk_rpmsg_add_channel(bus, &chinfo, false);
	}
	dev_info_ratelimited(mk_link_device(link), "rpmsg bus up, mtu %zu, window %u\n",
			     mtu - MK_RPMSG_HDR, bus->window);
}

static void mk_rpmsg_down(struct mk_link *link, void *priv)
{
	struct mk_rpmsg *bus = priv;
	struct mk_rpmsg_local *l;

	WRITE_ONCE(bus->up, false);
	mutex_lock(&bus->lock);
	list_for_each_entry(l, &bus->locals, node)
		l->restored = false;
	mutex_unlock(&bus->lock);
	/*
	 * A new session: what was sent or owed is gone with the rings.
	 * Blocked senders fail with -EPIPE and let go of their locks before
	 * the devices they hold go.
	 */
	mk_rpmsg_credit_reset(bus);
	mk_rpmsg_unblock_dev(bus, NULL);
	mk_rpmsg_wake_all(bus);
	/* Every rpmsg device of the link goes; rpmsg_char users see EPIPE. */
	device_for_each_child(mk_link_device(link), bus, mk_rpmsg_remove_device);
	/* Removals of the peer's channels still running finish before any "up". */
	flush_workqueue(bus->work);
	WRITE_ONCE(bus->ns, NULL);
	bus->nr_peer_channels = 0;
	dev_info_ratelimited(mk_link_device(link), "rpmsg bus down\n");
}

static void mk_rpmsg_writable(struct mk_link *link, void *priv)
{
	mk_rpmsg_wake_all(priv);
}

static int mk_rpmsg_stats(struct mk_link *link, void *priv, char *buf, size_t size)
{
	struct mk_rpmsg *bus = priv;

	return scnprintf(buf, size,
			 "rpmsg_malformed %llu\nrpmsg_dropped %llu\nrpmsg_lost %llu\n"
			 "rpmsg_over_credit %llu\nrpmsg_untracked %llu\n"
			 "rpmsg_credit_waits %lld\nrpmsg_window %u\n"
			 "rpmsg_peer_channels %u\nrpmsg_ns_refused %llu\n"
			 "rpmsg_name_service %d\n",
			 READ_ONCE(bus->malformed), READ_ONCE(bus->dropped),
			 READ_ONCE(bus->lost), READ_ONCE(bus->over_credit),
			 READ_ONCE(bus->untracked), atomic64_read(&bus->credit_waits),
			 READ_ONCE(bus->window), READ_ONCE(bus->nr_peer_channels),
			 READ_ONCE(bus->ns_refused), !!READ_ONCE(bus->ns));
}

static const struct mk_link_ops mk_rpmsg_link_ops = {
	.rx = mk_rpmsg_rx,
	.up = mk_rpmsg_up,
	.down = mk_rpmsg_down,
	.writable = mk_rpmsg_writable,
	.stats = mk_rpmsg_stats,
};

/* The bus of one of our rpmsg devices, or NULL for another bus's device. */
static struct mk_rpmsg *mk_rpmsg_of(struct rpmsg_device *rpdev)
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

/**
 * mk_rpmsg_dev_bad() - drop a malformed message a channel's client received
 * @rpdev: one of our rpmsg devices
 * @fmt: what was wrong
 *
 * Counted with the bus's malformed messages, and logged at a limited rate;
 * the link stays up. Nothing happens for a device of another bus.
 */
void mk_rpmsg_dev_bad(struct rpmsg_device *rpdev, const char *fmt, ...)
{
	struct mk_rpmsg *bus = mk_rpmsg_of(rpdev);
	struct va_format vaf;
	va_list args;

	if (!bus)
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	mk_rpmsg_bad(bus, "%pV", &vaf);
	va_end(args);
}

/**
 * mk_rpmsg_find_link() - the link of a bus that matches
 * @match: whether a link is the one sought; called under a mutex, for the
 *	buses in the order their links were given to the driver, so it
 *	must not sleep or call back into the bus
 * @data: passed to @match
 *
 * Every link given to the driver (mk_link_bind()) is looked at, up or
 * down, from its probe to its remove.
 *
 * Context: process context.
 * Return: the first link @match accepts, with a reference (drop it with
 * mk_link_put()), or NULL.
 */
struct mk_link *mk_rpmsg_find_link(bool (*match)(struct mk_link *link,
						 const void *data),
				   const void *data)
{
	struct mk_link *link = NULL;
	struct mk_rpmsg *bus;

	mutex_lock(&mk_rpmsg_buses_lock);
	list_for_each_entry(bus, &mk_rpmsg_buses, node) {
		if (match(bus->link, data)) {
			link = mk_link_get(bus->link);
			break;
		}
	}
	mutex_unlock(&mk_rpmsg_buses_lock);
	return link;
}

static int mk_rpmsg_probe(struct mk_link *link)
{
	struct mk_rpmsg *bus = kzalloc(sizeof(*bus), GFP_KERNEL);
	int ret;

	if (!bus)
		return -ENOMEM;
	bus->link = link;
	bus->work = alloc_ordered_workqueue("mk_rpmsg/%s", 0, mk_link_name(link));
	if (!bus->work) {
		kfree(bus);
		return -ENOMEM;
	}
	mutex_init(&bus->lock);
	mutex_init(&bus->rm_lock);
	idr_init(&bus->epts);
	INIT_LIST_HEAD(&bus->locals);
	spin_lock_init(&bus->credit_lock);
	hash_init(bus->tx_credit);
	hash_init(bus->rx_credit);
	INIT_LIST_HEAD(&bus->credit_pending);
	INIT_LIST_HEAD(&bus->binds);
	init_waitqueue_head(&bus->wq);
	INIT_DELAYED_WORK(&bus->ctrl_work, mk_rpmsg_ctrl_work);
	/* A burst of 64 announcements, then 16 a second. */
	ratelimit_state_init(&bus->ns_rs, 4 * HZ, 64);
	ratelimit_set_flags(&bus->ns_rs, RATELIMIT_MSG_ON_RELEASE);
	mk_link_set_drvdata(link, bus);
	mutex_lock(&mk_rpmsg_buses_lock);
	list_add_tail(&bus->node, &mk_rpmsg_buses);
	mutex_unlock(&mk_rpmsg_buses_lock);
	ret = mk_link_attach_client(link, &mk_rpmsg_link_ops, bus);
	if (ret) {
		mutex_lock(&mk_rpmsg_buses_lock);
		list_del(&bus->node);
		mutex_unlock(&mk_rpmsg_buses_lock);
		destroy_workqueue(bus->work);
		kfree(bus);
	}
	return ret;
}

static void mk_rpmsg_remove(struct mk_link *link)
{
	struct mk_rpmsg *bus = mk_link_get_drvdata(link);
	struct mk_rpmsg_local *l, *tmp;

	mutex_lock(&mk_rpmsg_buses_lock);
	list_del(&bus->node);
	mutex_unlock(&mk_rpmsg_buses_lock);
	mk_link_detach_client(link);
	if (bus->up)
		mk_rpmsg_down(link, bus);
	cancel_delayed_work_sync(&bus->ctrl_work);
	/* Channel removals still queued run now. */
	destroy_workqueue(bus->work);
	mk_rpmsg_credit_reset(bus);
	list_for_each_entry_safe(l, tmp, &bus->locals, node)
		kfree(l);
	idr_destroy(&bus->epts);
	kvfree(bus->rxbuf);
	kfree(bus);
}

static const struct mk_link_driver mk_rpmsg_driver = {
	.name = "rpmsg",
	.probe = mk_rpmsg_probe,
	.remove = mk_rpmsg_remove,
};

/**
 * mk_rpmsg_bus_init() - take the links given to the rpmsg driver
 *
 * Return: 0 or an error of mk_link_register_driver().
 */
int __init mk_rpmsg_bus_init(void)
{
	return mk_link_register_driver(&mk_rpmsg_driver);
}
