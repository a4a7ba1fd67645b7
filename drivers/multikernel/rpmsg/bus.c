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
 *
 * This file is the link's client, the top of the bus (bus.h lists the
 * files below it): it receives and dispatches, brings the bus's devices
 * up and down with the link, keeps the statistics, probes and removes
 * the bus, and answers the typed messages' questions about buses.
 */

#define pr_fmt(fmt) "mk_rpmsg: " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/hashtable.h>
#include <linux/idr.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/rpmsg.h>
#include <linux/rpmsg/ns.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/multikernel/rpmsg.h>
#include <linux/multikernel/transport.h>

#include "rpmsg_internal.h"
#include "bus.h"
#include "mk_rpmsg.h"

static_assert(sizeof(struct mk_rpmsg_hdr) == 16);
static_assert(sizeof(struct mk_rpmsg_ctrl) == 8);
static_assert(sizeof(struct mk_rpmsg_credit) == 16);

static bool fault_ns_register;
#ifdef CONFIG_MULTIKERNEL_TRANSPORT_FAULT_INJECTION
module_param(fault_ns_register, bool, 0644);
MODULE_PARM_DESC(fault_ns_register,
		 "Test hook: the name service's registration fails at the next link up");
#endif

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

/* Longest wait for a driver's probe before its first message. */
#define MK_RPMSG_PROBE_WAIT_MS	200

/*
 * rpmsg_dev_probe() opens a device's default endpoint before the driver's
 * probe runs, and a callback may use what the probe sets up (the drvdata
 * of rpmsg_client_sample): a message that beats the probe would find the
 * driver half made. The probe has returned once announce_create ran. The
 * wait is bounded, and taken once per endpoint, as the probe itself may be
 * waiting on this link.
 */
static void mk_rpmsg_wait_probe(struct mk_rpmsg *bus, struct rpmsg_endpoint *ept)
{
	struct mk_rpmsg_ept *e = to_mept(ept);
	int i;

	/* Acquire: what the probe set up before announce_create is seen. */
	if (!smp_load_acquire(&e->in_probe))
		return;
	for (i = 0; i < MK_RPMSG_PROBE_WAIT_MS; i++) {
		usleep_range(1000, 1100);
		/* Acquire, as above. */
		if (!smp_load_acquire(&e->in_probe) || READ_ONCE(e->dying))
			return;
	}
	WRITE_ONCE(e->in_probe, false);
	dev_warn_ratelimited(mk_link_device(bus->link),
			     "endpoint %#x: its driver's probe takes over %d ms; delivering\n",
			     ept->addr, MK_RPMSG_PROBE_WAIT_MS);
}

/* Hand a message to its endpoint; returns true if the endpoint kept it. */
static bool mk_rpmsg_deliver(struct mk_rpmsg *bus, struct rpmsg_endpoint *ept,
			     void *data, u32 len, u32 src)
{
	bool kept = false;
	int ret = 0;

	mk_rpmsg_wait_probe(bus, ept);
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
		mk_rpmsg_consumed(bus, dst, charge, false);
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

/* For the typed messages --------------------------------------------------- */

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

/* The link driver --------------------------------------------------------- */

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
