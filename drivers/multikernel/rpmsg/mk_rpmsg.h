/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the parts of the mk_rpmsg module offer each other: the bus (bus.h
 * holds its internals) to its client the typed messages, the typed
 * messages to the seeds' IPI API and to the typed-message device (sinks,
 * deferred replies), and all of them to the module's init. Every
 * dependency is one way:
 *
 *   msgdev.c -> msgdev_sub.c -> msgdev_queue.c (msgdev.h)
 *   messages.c (the driver), compat.c, msgdev*.c -> handlers.c, msgchan.c
 *   msgchan.c -> the bus
 *
 * (messages.c, msgdev.c: also mk_msg_call_status() of messages.c; compat.c
 * also asks the transport what memory a sender may name). Calls the other
 * way go through function pointers: the sinks' ops.
 */
#ifndef _MK_RPMSG_INTERNAL_H
#define _MK_RPMSG_INTERNAL_H

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/types.h>
#include <linux/wait.h>

struct file;
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
 * @pt: registers @wait on the channel endpoint's wait queue
 * @wait: forwards the endpoint's wake-ups to the pollers of
 *	mk_msg_poll_writable()
 * @wait_head: the queue @wait is on, or NULL
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
	poll_table pt;
	struct wait_queue_entry wait;
	wait_queue_head_t *wait_head;
};

/* The channels and sending on them (msgchan.c). */
void mk_msg_chan_add(struct mk_msg_chan *ch);
void mk_msg_chan_del(struct mk_msg_chan *ch);
int mk_msg_xmit(int instance_id, const struct mk_msg_wire *w,
		const void *payload, u32 len, long timeout);
int mk_msg_send(int instance_id, u32 msg_type, u32 subtype,
		const void *payload, u32 len, long timeout);
int mk_msg_reply(int instance_id, u64 id, u32 msg_type, u32 subtype,
		 int status, const void *payload, u32 len, long timeout);
ssize_t mk_msg_max_payload(int instance_id, bool incoming);
__poll_t mk_msg_poll_writable(struct file *file, poll_table *wait);

/**
 * struct mk_msg_in - a received typed message, as the handlers see it
 * @instance: the instance that sent it
 * @type: its type
 * @subtype: its subtype
 * @id: a request's id (what its response repeats); 0 for a message
 * @payload: the bus's private copy of the payload, valid during the call
 * @len: bytes at @payload
 */
struct mk_msg_in {
	int instance;
	u32 type;
	u32 subtype;
	u64 id;
	void *payload;
	u32 len;
};

/*
 * A sink's answer to a request it took: it answers later, with
 * mk_msg_reply(). Never a kernel request handler's (handlers.c turns it
 * into -EPROTO, what the caller would have made of it).
 */
/* A response's status: 0 or a negative errno, nothing else. */
static inline bool mk_msg_status_ok(int status)
{
	return status <= 0 && status >= -MAX_ERRNO;
}

#define MK_MSG_DEFERRED		2	/* not MK_MSG_NO_REPLY: handlers.c checks */

/**
 * struct mk_msg_sink_ops - a module-internal receiver of the typed
 *	messages of a type (the typed-message device)
 * @msg: a message (not a request) of the type. In the receive thread of
 *	its link, beside the kernel's handlers of the type; may allocate and
 *	take a mutex, but must never wait for userspace.
 * @request: a request of the type that no kernel request handler took
 *	(those come first). Returns %MK_MSG_DEFERRED if the sink took it and
 *	will answer with mk_msg_reply(), -EOPNOTSUPP if it does not take it
 *	(the next sink of the type is asked), or another negative errno, sent
 *	back at once as the status. Receive thread; as @msg.
 */
struct mk_msg_sink_ops {
	void (*msg)(const struct mk_msg_in *m, void *ctx);
	int (*request)(const struct mk_msg_in *m, void *ctx);
};

/* The typed messages' handlers (handlers.c), for messages.c and sinks. */
void mk_msg_dispatch(const struct mk_msg_in *m);
int mk_msg_dispatch_request(const struct mk_msg_in *m, void *resp,
			    u32 *resp_len);
int mk_msg_register_sink(u32 msg_type, const struct mk_msg_sink_ops *ops,
			 void *ctx);
int mk_msg_unregister_sink(u32 msg_type, const struct mk_msg_sink_ops *ops,
			   void *ctx);

/* Requests with the responder's status apart (messages.c). */
int mk_msg_call_status(int instance_id, u32 msg_type, u32 subtype,
		       const void *req, u32 req_len, void *resp, u32 *resp_len,
		       long timeout, bool intr, int *status);

/* The typed messages, for the seeds' IPI API (msgchan.c). */
int mk_msg_sender_instance(void);
struct mk_link *mk_msg_link_get(int instance_id);

/* For the module's init (main.c). */
int mk_rpmsg_bus_init(void);
int mk_msg_init(void);
#ifdef CONFIG_MULTIKERNEL_MSG_DEV
void mk_msgdev_init(void);
#else
static inline void mk_msgdev_init(void)
{
}
#endif

#endif /* _MK_RPMSG_INTERNAL_H */
