/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the multikernel rpmsg bus, shared by its files. They are
 * layered: each calls only the files listed before it.
 *
 *   credit.c	credit records, the credit reports and BINDs owed to the
 *		peer, the endpoints' wait queues
 *   send.c	mk_rpmsg_xmit(), through which every message leaves,
 *		waiting for credit and room; control messages sent again
 *		later
 *   endpoint.c	endpoints and their rpmsg_endpoint_ops
 *   device.c	rpmsg devices (name service, control device, channels),
 *		their rpmsg_device_ops, admission of the peer's
 *		announcements
 *   bus.c	the link's client: receiving, link up and down, statistics,
 *		probe and remove, the list of buses
 *
 * Calls the other way go through function pointers: the ops tables, the
 * link's callbacks, work items. The typed messages use what these files
 * offer in mk_rpmsg.h; nothing here calls them.
 */
#ifndef _MK_RPMSG_BUS_H
#define _MK_RPMSG_BUS_H

#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/hashtable.h>
#include <linux/idr.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/ratelimit.h>
#include <linux/rpmsg.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/multikernel/rpmsg.h>

struct mk_link;

#define MK_RPMSG_HDR		sizeof(struct mk_rpmsg_hdr)

/**
 * struct mk_rpmsg - the rpmsg bus of one link
 * @link: the link
 * @lock: protects @epts and @locals
 * @epts: endpoints by address
 * @locals: channels created on this side (struct mk_rpmsg_local)
 * @up: the link is up and the bus's devices registered
 * @ns: the name-service device while up
 * @rxbuf: private copy of the message being delivered (receive thread)
 * @rxbuf_size: its size
 * @credit_lock: protects @session, @tx_credit, @rx_credit, @credit_pending,
 *	@orphans and @binds
 * @session: counts the link going down; credit and waits belong to one
 * @tx_credit: what we may still send, by peer endpoint (struct mk_rpmsg_txc)
 * @rx_credit: what our endpoints owe their senders, by address
 *	(struct mk_rpmsg_rxc)
 * @credit_pending: receive credit records with a report to send
 * @orphans: @rx_credit records of addresses that have no endpoint
 * @binds: BIND messages to send again (struct mk_rpmsg_bind)
 * @window: our endpoints' receive window this session
 * @peer_window: the window we assume for a peer endpoint until it reports
 * @wq: senders without an endpoint of their own (name service) wait here
 * @work: ordered: credit reports, BIND retries, channel removals
 * @ctrl_work: sends credit reports that met a full ring, and BIND retries
 * @rm_lock: protects the devices' "gone" flags: each is unregistered once
 * @nr_peer_channels: live channels the peer created by announcement
 * @ns_rs: rate of the peer's name-service messages
 * @malformed: messages dropped for a bad header
 * @dropped: messages for an address without endpoint
 * @lost: messages an endpoint could not take (its callback failed), or
 *	that found no receive buffer
 * @over_credit: messages the peer sent beyond its credit, dropped
 * @untracked: messages to addresses without endpoint beyond the records
 *	kept for them (their credit is not returned)
 * @ns_refused: name-service messages refused (quota or rate)
 * @credit_waits: sends that waited for credit
 * @node: in mk_rpmsg_buses
 */
struct mk_rpmsg {
	struct mk_link *link;
	struct mutex lock;	/* epts, locals */
	struct idr epts;
	struct list_head locals;
	bool up;
	struct rpmsg_device *ns;
	u8 *rxbuf;
	size_t rxbuf_size;
	spinlock_t credit_lock;	/* session, credit records, binds */
	u32 session;
	DECLARE_HASHTABLE(tx_credit, 6);
	DECLARE_HASHTABLE(rx_credit, 6);
	struct list_head credit_pending;
	unsigned int orphans;
	struct list_head binds;
	u32 window;
	u32 peer_window;
	wait_queue_head_t wq;
	struct workqueue_struct *work;
	struct delayed_work ctrl_work;
	struct mutex rm_lock;	/* chan->gone */
	unsigned int nr_peer_channels;
	struct ratelimit_state ns_rs;
	u64 malformed;
	u64 dropped;
	u64 lost;
	u64 over_credit;
	u64 untracked;
	u64 ns_refused;
	atomic64_t credit_waits;
	struct list_head node;
};

/**
 * struct mk_rpmsg_chan - an rpmsg device of the bus (name service, control
 *	device or channel)
 * @rpdev: the rpmsg device
 * @bus: its bus
 * @from_peer: created for the peer's announcement: bind back when probed
 * @gone: unregistered (under the bus's rm_lock)
 */
struct mk_rpmsg_chan {
	struct rpmsg_device rpdev;
	struct mk_rpmsg *bus;
	bool from_peer;
	bool gone;
};

/**
 * struct mk_rpmsg_waitq - an endpoint's wait queue
 * @head: senders and pollers of the endpoint
 * @grave: in mk_rpmsg_graves once the endpoint is gone
 * @rcu: frees it after epoll's RCU readers
 *
 * Apart from the endpoint, because a poll() or select() sleeper leaves it
 * only when it wakes up: it is freed once nobody is on it.
 */
struct mk_rpmsg_waitq {
	wait_queue_head_t head;
	struct list_head grave;
	struct rcu_head rcu;
};

/**
 * struct mk_rpmsg_ept - an endpoint of the bus
 * @ept: the rpmsg endpoint
 * @bus: its bus
 * @wq: its senders and pollers
 * @dying: being destroyed: sends fail with -EPIPE
 * @in_probe: the default endpoint of a device whose driver's probe has
 *	not returned yet (announce_create clears it)
 * @last_dst: where it last sent, for poll()
 */
struct mk_rpmsg_ept {
	struct rpmsg_endpoint ept;
	struct mk_rpmsg *bus;
	struct mk_rpmsg_waitq *wq;
	bool dying;
	bool in_probe;
	u32 last_dst;
};

/**
 * struct mk_rpmsg_bind - a BIND that found the ring full, to send again
 * @node: in mk_rpmsg.binds
 * @src: our endpoint
 * @dst: the peer's channel
 */
struct mk_rpmsg_bind {
	struct list_head node;
	u32 src;
	u32 dst;
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

/* What a message of @len bytes costs its destination's credit. */
static inline u32 mk_rpmsg_charge(u32 len)
{
	return len + MK_RPMSG_MSG_CHARGE;
}

/*
 * RPMSG_ADDR_ANY from a channel's own endpoint means its peer: rpmsg_char
 * keeps the destination it saw at probe time, before the peer bound.
 */
static inline u32 mk_rpmsg_dst(struct rpmsg_endpoint *ept, u32 dst)
{
	if (dst == RPMSG_ADDR_ANY && ept->rpdev && ept->rpdev->ept == ept)
		return READ_ONCE(ept->rpdev->dst);
	return dst;
}

/* Errors after which a control message is worth sending again. */
static inline bool mk_rpmsg_retry(int ret)
{
	return ret == -EAGAIN || ret == -ETIMEDOUT || ret == -ERESTARTSYS ||
	       ret == -ENOMEM;
}

/* credit.c */
void mk_rpmsg_credit_start(struct mk_rpmsg *bus, size_t rx_max, size_t mtu);
bool mk_rpmsg_credit_fits(struct mk_rpmsg *bus, u32 dst, u32 charge);
int mk_rpmsg_credit_take(struct mk_rpmsg *bus, u32 dst, u32 charge,
			 u32 session);
void mk_rpmsg_credit_return(struct mk_rpmsg *bus, u32 dst, u32 charge,
			    u32 session);
bool mk_rpmsg_credit_update(struct mk_rpmsg *bus, u32 addr, u32 fwd_cnt,
			    u32 buf_alloc);
int mk_rpmsg_rx_charge(struct mk_rpmsg *bus, u32 addr, u32 charge,
		       bool has_ept);
bool mk_rpmsg_rx_consume(struct mk_rpmsg *bus, u32 addr, u32 charge, bool all);
bool mk_rpmsg_report_next(struct mk_rpmsg *bus, u32 *session, u32 *addr,
			  u32 *fwd);
bool mk_rpmsg_report_done(struct mk_rpmsg *bus, u32 session, u32 addr,
			  u32 fwd, int ret);
int mk_rpmsg_bind_later(struct mk_rpmsg *bus, u32 src, u32 dst);
struct mk_rpmsg_bind *mk_rpmsg_bind_next(struct mk_rpmsg *bus, u32 *session);
void mk_rpmsg_bind_again(struct mk_rpmsg *bus, struct mk_rpmsg_bind *b,
			 u32 session);
void mk_rpmsg_credit_reset(struct mk_rpmsg *bus);
void mk_rpmsg_wake_all(struct mk_rpmsg *bus);
void mk_rpmsg_waitq_put(struct mk_rpmsg_waitq *q);

/* send.c */
int mk_rpmsg_xmit(struct mk_rpmsg *bus, struct mk_rpmsg_ept *e, u32 src,
		  u32 dst, u16 flags, const void *data, int len, long timeout);
int mk_rpmsg_ctrl_send(struct mk_rpmsg *bus, struct mk_rpmsg_ept *e,
		       u32 src, u32 dst, u32 cmd, u32 arg, long timeout);
__poll_t mk_rpmsg_poll(struct rpmsg_endpoint *ept, struct file *filp,
		       poll_table *wait);
void mk_rpmsg_bind(struct mk_rpmsg *bus, u32 src, u32 dst);
void mk_rpmsg_consumed(struct mk_rpmsg *bus, u32 addr, u32 charge, bool all);
void mk_rpmsg_ctrl_work(struct work_struct *work);

/* endpoint.c */
struct rpmsg_endpoint *mk_rpmsg_get_ept(struct mk_rpmsg *bus, u32 addr);
void mk_rpmsg_put_ept(struct rpmsg_endpoint *ept);
struct rpmsg_endpoint *mk_rpmsg_create_ept(struct rpmsg_device *rpdev,
					   rpmsg_rx_cb_t cb, void *priv,
					   struct rpmsg_channel_info chinfo);
void mk_rpmsg_unblock_dev(struct mk_rpmsg *bus, struct rpmsg_device *rpdev);

/* device.c */
struct mk_rpmsg_chan *mk_rpmsg_alloc_dev(struct mk_rpmsg *bus, u32 src, u32 dst);
struct rpmsg_device *mk_rpmsg_add_channel(struct mk_rpmsg *bus,
					  struct rpmsg_channel_info *chinfo,
					  bool from_peer);
void mk_rpmsg_unregister(struct mk_rpmsg *bus, struct device *dev);
bool mk_rpmsg_ns_admit(struct mk_rpmsg *bus, const void *data, u32 len);
struct mk_rpmsg *mk_rpmsg_of(struct rpmsg_device *rpdev);

#endif /* _MK_RPMSG_BUS_H */
