/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the parts of the mk_rpmsg module offer each other: the bus (bus.h
 * holds its internals) to its client the typed messages, the typed
 * messages to the seeds' IPI API, and both to the module's init. Every
 * dependency is one way:
 *
 *   compat.c -> messages.c -> handlers.c, msgchan.c -> the bus
 *
 * (compat.c also asks the transport what memory a sender may name).
 */
#ifndef _MK_RPMSG_INTERNAL_H
#define _MK_RPMSG_INTERNAL_H

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/list.h>
#include <linux/types.h>

struct mk_link;
struct rpmsg_device;
struct rpmsg_endpoint;

/* The typed-message channel: same name and address on both sides. */
#define MK_MSG_CHANNEL	"multikernel-msg"
#define MK_MSG_ADDR	0x4d

/* The bus, for the typed messages. */
struct mk_link *mk_rpmsg_link_of(struct rpmsg_device *rpdev);
bool mk_rpmsg_from_peer(struct rpmsg_device *rpdev);
__printf(2, 3) void mk_rpmsg_dev_bad(struct rpmsg_device *rpdev,
				     const char *fmt, ...);
struct mk_link *mk_rpmsg_find_link(bool (*match)(struct mk_link *link,
						 const void *data),
				   const void *data);
int mk_rpmsg_send_timeout(struct rpmsg_endpoint *ept, void *data, int len,
			  long timeout);

/* The typed messages' wire format. */
#define MK_MSGF_REQUEST		0x1
#define MK_MSGF_RESPONSE	0x2

/**
 * struct mk_msg_wire - header of a typed message on the wire
 * @type: message type
 * @subtype: message subtype
 * @msg_id: request id, repeated by the response; 0 otherwise
 * @payload_len: bytes that follow
 * @flags: MK_MSGF_*
 * @status: a response's status (0 or -errno)
 * @reserved: zero
 */
struct mk_msg_wire {
	__le32 type;
	__le32 subtype;
	__le64 msg_id;
	__le32 payload_len;
	__le32 flags;
	__le32 status;
	__le32 reserved;
};

static_assert(sizeof(struct mk_msg_wire) == 32);

/**
 * struct mk_msg_chan - the typed-message channel of one link, while bound
 * @node: in msgchan.c's list of channels
 * @rpdev: the channel
 * @link: its link
 * @users: senders that found the channel in the list and may still send
 *	on it
 * @resp: a request's response under construction (receive thread only)
 * @resp_size: its size
 *
 * Allocated by messages.c's probe (device-managed: freed after remove,
 * once the rpmsg core has destroyed the channel's endpoint, so a callback
 * still running finds it); listed by msgchan.c from mk_msg_chan_add() to
 * mk_msg_chan_del().
 */
struct mk_msg_chan {
	struct list_head node;
	struct rpmsg_device *rpdev;
	struct mk_link *link;
	atomic_t users;
	void *resp;
	size_t resp_size;
};

/* The channels and sending on them (msgchan.c). */
void mk_msg_chan_add(struct mk_msg_chan *ch);
void mk_msg_chan_del(struct mk_msg_chan *ch);
int mk_msg_xmit(int instance_id, const struct mk_msg_wire *w,
		const void *payload, u32 len, long timeout);

/* The typed messages' handlers (handlers.c), for messages.c. */
void mk_msg_dispatch(u32 type, u32 subtype, void *payload, u32 len);
int mk_msg_dispatch_request(u32 type, u32 subtype, void *payload, u32 len,
			    void *resp, u32 *resp_len);

/* The typed messages, for the seeds' IPI API (msgchan.c). */
int mk_msg_sender_instance(void);
struct mk_link *mk_msg_link_get(int instance_id);

/* For the module's init (main.c). */
int mk_rpmsg_bus_init(void);
int mk_msg_init(void);

#endif /* _MK_RPMSG_INTERNAL_H */
