/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the multikernel rpmsg bus and its typed messages.
 */
#ifndef _MK_RPMSG_INTERNAL_H
#define _MK_RPMSG_INTERNAL_H

#include <linux/idr.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rpmsg.h>
#include <linux/rwsem.h>

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
 * @malformed: messages dropped for a bad header
 * @dropped: messages for an address without endpoint
 * @msg_node: in the typed messages' list of buses
 * @msg_lock: read-held while sending on @msg_rpdev, write-held to change it
 * @msg_rpdev: the typed-message channel, while bound
 * @resp: a request's response under construction (receive thread only)
 * @resp_size: its size
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
	u64 malformed;
	u64 dropped;
	struct list_head msg_node;
	struct rw_semaphore msg_lock;	/* msg_rpdev */
	struct rpmsg_device *msg_rpdev;
	void *resp;
	size_t resp_size;
};

__printf(2, 3) void mk_rpmsg_bad(struct mk_rpmsg *bus, const char *fmt, ...);
struct mk_rpmsg *mk_rpmsg_of(struct rpmsg_device *rpdev);
bool mk_rpmsg_from_peer(struct rpmsg_device *rpdev);

int mk_msg_init(void);
void mk_msg_bus_add(struct mk_rpmsg *bus);
void mk_msg_bus_remove(struct mk_rpmsg *bus);

#endif /* _MK_RPMSG_INTERNAL_H */
