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

#include <linux/idr.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rpmsg.h>
#include <linux/rpmsg/byteorder.h>
#include <linux/rpmsg/ns.h>
#include <linux/slab.h>
#include <linux/multikernel/rpmsg.h>
#include <linux/multikernel/transport.h>

#include "rpmsg_internal.h"
#include "mk_rpmsg.h"

#define MK_RPMSG_HDR		sizeof(struct mk_rpmsg_hdr)
#define MK_RPMSG_FIRST_ADDR	1024

static_assert(sizeof(struct mk_rpmsg_hdr) == 16);
static_assert(sizeof(struct mk_rpmsg_ctrl) == 8);

/**
 * struct mk_rpmsg_chan - an rpmsg device of the bus (name service, control
 *	device or channel)
 * @rpdev: the rpmsg device
 * @bus: its bus
 * @from_peer: created for the peer's announcement: bind back when probed
 */
struct mk_rpmsg_chan {
	struct rpmsg_device rpdev;
	struct mk_rpmsg *bus;
	bool from_peer;
};

/**
 * struct mk_rpmsg_ept - an endpoint of the bus
 * @ept: the rpmsg endpoint
 * @bus: its bus
 */
struct mk_rpmsg_ept {
	struct rpmsg_endpoint ept;
	struct mk_rpmsg *bus;
};

/**
 * struct mk_rpmsg_local - a channel created on this side, kept across resets
 * @node: in mk_rpmsg.locals
 * @chinfo: how it was created
 * @restored: created again since the link last came up
 */
struct mk_rpmsg_local {
	struct list_head node;
	struct rpmsg_channel_info chinfo;
	bool restored;
};

#define to_chan(d) container_of(d, struct mk_rpmsg_chan, rpdev)
#define to_mept(e) container_of(e, struct mk_rpmsg_ept, ept)

static const struct rpmsg_device_ops mk_rpmsg_dev_ops;
static const struct rpmsg_endpoint_ops mk_rpmsg_ept_ops;
static struct lock_class_key mk_rpmsg_ns_cb_key;

/* Sending ------------------------------------------------------------------- */

static int mk_rpmsg_xmit(struct mk_rpmsg *bus, u32 src, u32 dst, u16 flags,
			 const void *data, int len, bool wait)
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
	size_t mtu = mk_link_mtu(bus->link);
	int ret;

	if (len < 0 || (len && !data) || src == RPMSG_ADDR_ANY)
		return -EINVAL;
	/* A channel whose peer has not bound yet has nowhere to send. */
	if (dst == RPMSG_ADDR_ANY)
		return -ENOTCONN;
	if (!mtu)
		return -EPIPE;
	if (len > mtu - MK_RPMSG_HDR)
		return -EMSGSIZE;
	ret = mk_link_sendmsg(bus->link, iov, 2, wait ? 0 : MK_SEND_NOWAIT,
			      MAX_SCHEDULE_TIMEOUT);
	/* The link went down: the rpmsg convention for a gone channel. */
	if (ret == -ENOTCONN)
		ret = -EPIPE;
	return ret;
}

static int mk_rpmsg_ctrl_send(struct mk_rpmsg *bus, u32 src, u32 dst, u32 cmd,
			      u32 arg)
{
	struct mk_rpmsg_ctrl c = { .cmd = cpu_to_le32(cmd), .arg = cpu_to_le32(arg) };

	return mk_rpmsg_xmit(bus, src, dst, MK_RPMSG_F_CTRL, &c, sizeof(c), true);
}

static int mk_rpmsg_send(struct rpmsg_endpoint *ept, void *data, int len)
{
	return mk_rpmsg_xmit(to_mept(ept)->bus, ept->addr,
			     READ_ONCE(ept->rpdev->dst), 0, data, len, true);
}

/*
 * RPMSG_ADDR_ANY from a channel's own endpoint means its peer: rpmsg_char
 * keeps the destination it saw at probe time, before the peer bound.
 */
static u32 mk_rpmsg_dst(struct rpmsg_endpoint *ept, u32 dst)
{
	if (dst == RPMSG_ADDR_ANY && ept->rpdev && ept->rpdev->ept == ept)
		return READ_ONCE(ept->rpdev->dst);
	return dst;
}

static int mk_rpmsg_sendto(struct rpmsg_endpoint *ept, void *data, int len,
			   u32 dst)
{
	return mk_rpmsg_xmit(to_mept(ept)->bus, ept->addr, mk_rpmsg_dst(ept, dst), 0,
			     data, len, true);
}

static int mk_rpmsg_send_offchannel(struct rpmsg_endpoint *ept, u32 src,
				    u32 dst, void *data, int len)
{
	return mk_rpmsg_xmit(to_mept(ept)->bus, src, dst, 0, data, len, true);
}

static int mk_rpmsg_trysend(struct rpmsg_endpoint *ept, void *data, int len)
{
	return mk_rpmsg_xmit(to_mept(ept)->bus, ept->addr,
			     READ_ONCE(ept->rpdev->dst), 0, data, len, false);
}

static int mk_rpmsg_trysendto(struct rpmsg_endpoint *ept, void *data, int len,
			      u32 dst)
{
	return mk_rpmsg_xmit(to_mept(ept)->bus, ept->addr, mk_rpmsg_dst(ept, dst), 0,
			     data, len, false);
}

static int mk_rpmsg_trysend_offchannel(struct rpmsg_endpoint *ept, u32 src,
				       u32 dst, void *data, int len)
{
	return mk_rpmsg_xmit(to_mept(ept)->bus, src, dst, 0, data, len, false);
}

static __poll_t mk_rpmsg_poll(struct rpmsg_endpoint *ept, struct file *filp,
			      poll_table *wait)
{
	return mk_link_poll(to_mept(ept)->bus->link, filp, wait);
}

static int mk_rpmsg_set_flow_control(struct rpmsg_endpoint *ept, bool pause,
				     u32 dst)
{
	return mk_rpmsg_ctrl_send(to_mept(ept)->bus, ept->addr, mk_rpmsg_dst(ept, dst),
				  MK_RPMSG_CTRL_FLOW, pause);
}

static ssize_t mk_rpmsg_get_mtu(struct rpmsg_endpoint *ept)
{
	size_t mtu = mk_link_mtu(to_mept(ept)->bus->link);

	return mtu > MK_RPMSG_HDR ? mtu - MK_RPMSG_HDR : -EPIPE;
}

/* Endpoints --------------------------------------------------------------- */

static void mk_rpmsg_ept_release(struct kref *kref)
{
	struct rpmsg_endpoint *ept = container_of(kref, struct rpmsg_endpoint,
						  refcount);

	kfree(to_mept(ept));
}

/* The endpoint at @addr, with a reference, or NULL. */
static struct rpmsg_endpoint *mk_rpmsg_get_ept(struct mk_rpmsg *bus, u32 addr)
{
	struct rpmsg_endpoint *ept;

	mutex_lock(&bus->lock);
	ept = idr_find(&bus->epts, addr);
	if (ept)
		kref_get(&ept->refcount);
	mutex_unlock(&bus->lock);
	return ept;
}

static struct rpmsg_endpoint *mk_rpmsg_create_ept(struct rpmsg_device *rpdev,
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
		kfree(e);
		return NULL;
	}
	e->ept.addr = id;

	/* The default endpoint of a channel the peer announced: tell it. */
	if (ch->from_peer && !rpdev->ept && rpdev->dst != RPMSG_ADDR_ANY)
		mk_rpmsg_ctrl_send(bus, id, rpdev->dst, MK_RPMSG_CTRL_BIND, 0);
	return &e->ept;
}

static void mk_rpmsg_destroy_ept(struct rpmsg_endpoint *ept)
{
	struct mk_rpmsg *bus = to_mept(ept)->bus;

	mutex_lock(&bus->lock);
	idr_remove(&bus->epts, ept->addr);
	mutex_unlock(&bus->lock);
	/* No callback runs after this returns. */
	mutex_lock(&ept->cb_lock);
	ept->cb = NULL;
	mutex_unlock(&ept->cb_lock);
	kref_put(&ept->refcount, mk_rpmsg_ept_release);
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
		dev_err(parent, "channel %s %#x -> %#x exists already\n",
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
	return &ch->rpdev;
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
	device_unregister(dev);
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
	return mk_rpmsg_xmit(bus, RPMSG_NS_ADDR, RPMSG_NS_ADDR, 0, &msg,
			     sizeof(msg), true);
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
};

/* Receiving ---------------------------------------------------------------- */

static void mk_rpmsg_ctrl_rx(struct mk_rpmsg *bus, u32 src, u32 dst,
			     const void *data, u32 len)
{
	struct rpmsg_endpoint *ept;
	struct mk_rpmsg_ctrl c;

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
	kref_put(&ept->refcount, mk_rpmsg_ept_release);
}

static void mk_rpmsg_rx(struct mk_link *link, const void *data, size_t len,
			void *priv)
{
	struct mk_rpmsg *bus = priv;
	struct rpmsg_endpoint *ept;
	struct mk_rpmsg_hdr h;
	u32 src, dst, plen;
	u16 flags;

	if (len < MK_RPMSG_HDR || len > bus->rxbuf_size) {
		mk_rpmsg_bad(bus, "message of %zu bytes", len);
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
	ept = mk_rpmsg_get_ept(bus, dst);
	if (!ept) {
		bus->dropped++;
		dev_warn_ratelimited(mk_link_device(link),
				     "no endpoint at %#x: %u bytes from %#x dropped\n",
				     dst, plen, src);
		return;
	}
	mutex_lock(&ept->cb_lock);
	if (ept->cb)
		ept->cb(ept->rpdev, (void *)data, plen, ept->priv, src);
	mutex_unlock(&ept->cb_lock);
	kref_put(&ept->refcount, mk_rpmsg_ept_release);
}

/* Link up and down -------------------------------------------------------- */

static int mk_rpmsg_remove_device(struct device *dev, void *data)
{
	device_unregister(dev);
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
	size_t mtu = mk_link_mtu(link);
	int ret;

	if (mtu > bus->rxbuf_size) {
		kvfree(bus->rxbuf);
		bus->rxbuf = kvmalloc(mtu, GFP_KERNEL);
		bus->rxbuf_size = bus->rxbuf ? mtu : 0;
	}
	WRITE_ONCE(bus->up, true);

	ch = mk_rpmsg_alloc_dev(bus, RPMSG_NS_ADDR, RPMSG_NS_ADDR);
	if (ch) {
		bus->ns = &ch->rpdev;
		ret = rpmsg_ns_register_device(&ch->rpdev);
		if (ret)
			dev_err(mk_link_device(link), "no name service (%d)\n", ret);
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
	dev_info(mk_link_device(link), "rpmsg bus up, mtu %zu\n", mtu - MK_RPMSG_HDR);
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
	/* Every rpmsg device of the link goes; rpmsg_char users see EPIPE. */
	device_for_each_child(mk_link_device(link), NULL, mk_rpmsg_remove_device);
	bus->ns = NULL;
	dev_info(mk_link_device(link), "rpmsg bus down\n");
}

static const struct mk_link_ops mk_rpmsg_link_ops = {
	.rx = mk_rpmsg_rx,
	.up = mk_rpmsg_up,
	.down = mk_rpmsg_down,
};

/**
 * mk_rpmsg_bad() - drop a malformed message from the peer
 * @bus: the bus
 * @fmt: what was wrong
 *
 * Counted, and logged at a limited rate; the link stays up.
 */
void mk_rpmsg_bad(struct mk_rpmsg *bus, const char *fmt, ...)
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
 * mk_rpmsg_from_peer() - whether a channel is a copy of one the peer announced
 * @rpdev: one of our rpmsg devices
 *
 * Return: true for the peer's channels.
 */
bool mk_rpmsg_from_peer(struct rpmsg_device *rpdev)
{
	return mk_rpmsg_of(rpdev) && to_chan(rpdev)->from_peer;
}

static int mk_rpmsg_probe(struct mk_link *link)
{
	struct mk_rpmsg *bus = kzalloc(sizeof(*bus), GFP_KERNEL);
	int ret;

	if (!bus)
		return -ENOMEM;
	bus->link = link;
	mutex_init(&bus->lock);
	init_rwsem(&bus->msg_lock);
	idr_init(&bus->epts);
	INIT_LIST_HEAD(&bus->locals);
	mk_link_set_drvdata(link, bus);
	mk_msg_bus_add(bus);
	ret = mk_link_attach_client(link, &mk_rpmsg_link_ops, bus);
	if (ret) {
		mk_msg_bus_remove(bus);
		kfree(bus);
	}
	return ret;
}

static void mk_rpmsg_remove(struct mk_link *link)
{
	struct mk_rpmsg *bus = mk_link_get_drvdata(link);
	struct mk_rpmsg_local *l, *tmp;

	mk_msg_bus_remove(bus);
	mk_link_detach_client(link);
	if (bus->up)
		mk_rpmsg_down(link, bus);
	list_for_each_entry_safe(l, tmp, &bus->locals, node)
		kfree(l);
	idr_destroy(&bus->epts);
	kvfree(bus->rxbuf);
	kvfree(bus->resp);
	kfree(bus);
}

static const struct mk_link_driver mk_rpmsg_driver = {
	.name = "rpmsg",
	.probe = mk_rpmsg_probe,
	.remove = mk_rpmsg_remove,
};

static int __init mk_rpmsg_init(void)
{
	int ret = mk_msg_init();

	if (ret)
		return ret;
	return mk_link_register_driver(&mk_rpmsg_driver);
}
module_init(mk_rpmsg_init);

MODULE_DESCRIPTION("rpmsg bus over multikernel links");
MODULE_LICENSE("GPL");
