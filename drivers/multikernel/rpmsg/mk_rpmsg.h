/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the multikernel rpmsg bus and its typed messages.
 */
#ifndef _MK_RPMSG_INTERNAL_H
#define _MK_RPMSG_INTERNAL_H

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/idr.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/rpmsg.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

struct mk_link;

/* The typed-message channel: same name and address on both sides. */
#define MK_MSG_CHANNEL	"multikernel-msg"
#define MK_MSG_ADDR	0x4d

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
 * @ctrl_work: sends credit reports and BIND retries
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

/* What the bus offers its clients in this module (the typed messages). */
struct mk_link *mk_rpmsg_link_of(struct rpmsg_device *rpdev);
bool mk_rpmsg_from_peer(struct rpmsg_device *rpdev);
__printf(2, 3) void mk_rpmsg_dev_bad(struct rpmsg_device *rpdev,
				     const char *fmt, ...);
struct mk_link *mk_rpmsg_find_link(bool (*match)(struct mk_link *link,
						 const void *data),
				   const void *data);
int mk_rpmsg_send_timeout(struct rpmsg_endpoint *ept, void *data, int len,
			  long timeout);
int mk_rpmsg_bus_init(void);

/* What the typed messages offer the rest of the module. */
int mk_msg_init(void);
int mk_msg_sender_instance(void);
struct mk_link *mk_msg_link_get(int instance_id);

#endif /* _MK_RPMSG_INTERNAL_H */
