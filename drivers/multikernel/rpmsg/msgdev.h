/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the typed-message device, /dev/multikernel/msg, shared by
 * its files, each calling only those after it:
 *
 *   msgdev.c        the misc device and its file operations
 *   msgdev_sub.c    the descriptors' subscriptions, and the sinks (one per
 *                   subscribed type) that queue messages and requests on
 *                   the descriptors
 *   msgdev_queue.c  a descriptor's queue and the requests it holds
 *
 * All three call the typed messages (mk_rpmsg.h), which call back only
 * through the sinks' ops.
 *
 * Locking, outermost first:
 *
 *   mk_msgdev_subs_lock (mutex)  every descriptor's subscriptions, the
 *                                list of subscribed types; held while a
 *                                type's sink is registered or unregistered
 *   the typed messages' handler lock (read side: the sinks run under it)
 *   mk_msgdev_type.lock (mutex)  a type's subscriptions, as its sink
 *                                walks them
 *   mk_msgdev_file.read_lock (mutex)  one reader at a time
 *   mk_msgdev_file.lock (spinlock)    a descriptor's queue, held requests
 *                                     and counters
 *
 * Nothing is sent, copied from or to userspace or allocated under a
 * spinlock; nothing is sent under any of these locks.
 */
#ifndef _MK_MSGDEV_H
#define _MK_MSGDEV_H

#include <linux/compiler_types.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/multikernel/msg.h>

/* Requests a descriptor may hold, queued or read and not answered. */
#define MK_MSGDEV_MAX_REQUESTS	64
/* Subscriptions of one descriptor. */
#define MK_MSGDEV_MAX_SUBS	64

/**
 * struct mk_msgdev_buf - a received payload, shared by the queues it is on
 * @ref: one per queued message that points here, and the sink's while it
 *	delivers
 * @len: bytes at @data
 * @data: the payload
 */
struct mk_msgdev_buf {
	refcount_t ref;
	u32 len;
	u8 data[] __counted_by(len);
};

/**
 * struct mk_msgdev_msg - a message queued on a descriptor, or a request
 *	it has read and not answered yet
 * @node: in the descriptor's @queue, or in its @held requests
 * @buf: the payload; NULL if it has none, and once a request is read
 * @instance: the instance that sent it
 * @type: its type
 * @subtype: its subtype
 * @len: its payload bytes
 * @id: a request's id; 0 for a message
 * @flags: MK_MSG_F_REQUEST, MK_MSG_F_LOST, as read() reports them
 */
struct mk_msgdev_msg {
	struct list_head node;
	struct mk_msgdev_buf *buf;
	int instance;
	u32 type;
	u32 subtype;
	u32 len;
	u64 id;
	u32 flags;
};

/**
 * struct mk_msgdev_file - one open file of the device
 * @lock: protects @queue, @held, @queued, @queued_bytes, @requests,
 *	@dropped and @lost
 * @queue: messages to read, oldest first (struct mk_msgdev_msg)
 * @held: requests read and not answered yet
 * @queued: messages in @queue
 * @queued_bytes: their bytes, struct mk_msg_hdr included
 * @requests: requests in @queue and @held, and being answered
 * @dropped: messages dropped for this file because its queue was full
 * @lost: a message was dropped since the last one queued: the next one
 *	queued carries MK_MSG_F_LOST
 * @wq: readers and pollers wait here for messages
 * @read_lock: one reader at a time: the head of @queue stays there until
 *	it has been copied out, and only its reader removes it
 * @subs: its subscriptions (under mk_msgdev_subs_lock)
 * @nr_subs: how many (under mk_msgdev_subs_lock)
 */
struct mk_msgdev_file {
	spinlock_t lock;	/* queue, held, counters */
	struct list_head queue;
	struct list_head held;
	u32 queued;
	u32 queued_bytes;
	u32 requests;
	u64 dropped;
	bool lost;
	wait_queue_head_t wq;
	struct mutex read_lock;	/* the head of queue while it is read */
	struct list_head subs;
	unsigned int nr_subs;
};

struct mk_msg_in;

/* msgdev_sub.c */
int mk_msgdev_subscribe(struct mk_msgdev_file *f, const struct mk_msg_sub *sub);
int mk_msgdev_unsubscribe(struct mk_msgdev_file *f,
			  const struct mk_msg_sub *sub);
void mk_msgdev_unsubscribe_all(struct mk_msgdev_file *f);

/* msgdev_queue.c */
bool mk_msgdev_deliver(struct mk_msgdev_file *f, const struct mk_msg_in *m,
		       struct mk_msgdev_buf **buf, bool request);
void mk_msgdev_buf_put(struct mk_msgdev_buf *b);
void mk_msgdev_file_init(struct mk_msgdev_file *f);
void mk_msgdev_file_release(struct mk_msgdev_file *f);
bool mk_msgdev_readable(struct mk_msgdev_file *f);
struct mk_msgdev_msg *mk_msgdev_peek(struct mk_msgdev_file *f);
void mk_msgdev_consume(struct mk_msgdev_file *f, struct mk_msgdev_msg *q);
u32 mk_msgdev_next_size(struct mk_msgdev_file *f);
void mk_msgdev_stats(struct mk_msgdev_file *f, struct mk_msg_stats *st);
struct mk_msgdev_msg *mk_msgdev_take_held(struct mk_msgdev_file *f,
					  const struct mk_msg_hdr *h);
void mk_msgdev_put_held(struct mk_msgdev_file *f, struct mk_msgdev_msg *q,
			bool answered);

#endif /* _MK_MSGDEV_H */
