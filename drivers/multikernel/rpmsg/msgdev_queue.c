// SPDX-License-Identifier: GPL-2.0-only
/*
 * A descriptor of /dev/multikernel/msg: its queue of received messages
 * and the requests it holds.
 *
 * The sinks (msgdev_sub.c) queue on it with mk_msgdev_deliver() in the
 * receive thread of the link a message came over, and never wait for a
 * reader: every descriptor that takes a message gets an entry of its own
 * pointing at one shared copy of the payload; a descriptor whose queue is
 * full drops it (counted there; the next message queued there carries
 * MK_MSG_F_LOST), and nobody else notices. Readers (msgdev.c) take whole
 * messages from the head. A request read stays held, without its
 * payload, until it is answered or the descriptor closes, which answers
 * it with -ECONNRESET.
 *
 * Bounds (module parameters of mk_rpmsg): max_queued messages and
 * max_queued_bytes bytes (headers included) per descriptor; an empty
 * queue takes a message of any size the link carries. At most
 * MK_MSGDEV_MAX_REQUESTS requests queued or held.
 */

#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/refcount.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/multikernel/msg.h>

#include "mk_rpmsg.h"
#include "msgdev.h"

static unsigned int max_queued = 256;
static unsigned int max_queued_bytes = SZ_1M;

static int mk_msgdev_set_queued(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 65536);
}

static const struct kernel_param_ops mk_msgdev_queued_ops = {
	.set = mk_msgdev_set_queued,
	.get = param_get_uint,
};

module_param_cb(max_queued, &mk_msgdev_queued_ops, &max_queued, 0644);
MODULE_PARM_DESC(max_queued,
		 "Messages queued per open file of /dev/multikernel/msg before new ones are dropped for it (1-65536, default 256)");

static int mk_msgdev_set_queued_bytes(const char *val,
				      const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, SZ_4K, SZ_64M);
}

static const struct kernel_param_ops mk_msgdev_queued_bytes_ops = {
	.set = mk_msgdev_set_queued_bytes,
	.get = param_get_uint,
};

module_param_cb(max_queued_bytes, &mk_msgdev_queued_bytes_ops,
		&max_queued_bytes, 0644);
MODULE_PARM_DESC(max_queued_bytes,
		 "Bytes queued per open file of /dev/multikernel/msg, headers included, before new messages are dropped for it (4096-67108864, default 1048576)");

/* Payloads ----------------------------------------------------------------- */

static struct mk_msgdev_buf *mk_msgdev_buf_new(const void *data, u32 len)
{
	struct mk_msgdev_buf *b;

	b = kvmalloc(struct_size(b, data, len), GFP_KERNEL | __GFP_NOWARN);
	if (!b)
		return NULL;
	refcount_set(&b->ref, 1);
	b->len = len;
	memcpy(b->data, data, len);
	return b;
}

/**
 * mk_msgdev_buf_put() - drop a reference to a shared payload
 * @b: the payload, or NULL
 */
void mk_msgdev_buf_put(struct mk_msgdev_buf *b)
{
	if (b && refcount_dec_and_test(&b->ref))
		kvfree(b);
}

/* Queueing ----------------------------------------------------------------- */

/* Whether @f must drop a message of @size bytes. Under f->lock. */
static bool mk_msgdev_full(const struct mk_msgdev_file *f, u32 size,
			   bool request)
{
	if (request && f->requests >= MK_MSGDEV_MAX_REQUESTS)
		return true;
	if (f->queued >= READ_ONCE(max_queued))
		return true;
	/* An empty queue takes any message the link carries. */
	return f->queued && f->queued_bytes + size > READ_ONCE(max_queued_bytes);
}

/**
 * mk_msgdev_deliver() - queue a received message on a descriptor
 * @f: the descriptor
 * @m: the message
 * @buf: the payload's shared copy, made here on first use (NULL before);
 *	the caller drops its reference with mk_msgdev_buf_put() when it has
 *	delivered @m everywhere
 * @request: @m is a request, which @f answers
 *
 * Never waits for a reader: a full queue drops @m for @f only, counts it
 * and marks the next message queued on @f with MK_MSG_F_LOST.
 *
 * Context: a sink, in a link's receive thread.
 * Return: true if queued, false if dropped (queue full, or no memory).
 */
bool mk_msgdev_deliver(struct mk_msgdev_file *f, const struct mk_msg_in *m,
		       struct mk_msgdev_buf **buf, bool request)
{
	u32 size = sizeof(struct mk_msg_hdr) + m->len;
	struct mk_msgdev_msg *q = NULL;
	bool full;

	/* Readers only make room: a queue full now gets no allocation. */
	spin_lock(&f->lock);
	full = mk_msgdev_full(f, size, request);
	spin_unlock(&f->lock);
	if (!full) {
		q = kmalloc(sizeof(*q), GFP_KERNEL | __GFP_NOWARN);
		if (q && m->len && !*buf)
			*buf = mk_msgdev_buf_new(m->payload, m->len);
	}
	spin_lock(&f->lock);
	/* Other types' sinks may have filled it meanwhile. */
	if (!q || (m->len && !*buf) || mk_msgdev_full(f, size, request)) {
		f->dropped++;
		f->lost = true;
		spin_unlock(&f->lock);
		kfree(q);
		return false;
	}
	*q = (struct mk_msgdev_msg) {
		.instance = m->instance,
		.type = m->type,
		.subtype = m->subtype,
		.len = m->len,
		.id = m->id,
		.flags = (request ? MK_MSG_F_REQUEST : 0) | (f->lost ? MK_MSG_F_LOST : 0),
	};
	if (m->len) {
		refcount_inc(&(*buf)->ref);
		q->buf = *buf;
	}
	f->lost = false;
	list_add_tail(&q->node, &f->queue);
	f->queued++;
	f->queued_bytes += size;
	if (request)
		f->requests++;
	spin_unlock(&f->lock);
	wake_up_interruptible_poll(&f->wq, EPOLLIN | EPOLLRDNORM);
	return true;
}

/* Reading and answering ---------------------------------------------------- */

/**
 * mk_msgdev_file_init() - set up a new descriptor's state
 * @f: zeroed memory for it
 */
void mk_msgdev_file_init(struct mk_msgdev_file *f)
{
	spin_lock_init(&f->lock);
	INIT_LIST_HEAD(&f->queue);
	INIT_LIST_HEAD(&f->held);
	init_waitqueue_head(&f->wq);
	mutex_init(&f->read_lock);
	INIT_LIST_HEAD(&f->subs);
}

/**
 * mk_msgdev_file_release() - empty a descriptor that nothing reaches any
 *	more
 * @f: the descriptor, unsubscribed from everything
 *	(mk_msgdev_unsubscribe_all()); freed by the caller afterwards
 *
 * Answers every request @f holds or has queued with -ECONNRESET, without
 * waiting (one that meets a full link is not sent: its caller times out),
 * and frees the queue.
 *
 * Context: process context, the file's release.
 */
void mk_msgdev_file_release(struct mk_msgdev_file *f)
{
	struct mk_msgdev_msg *q, *qtmp;
	LIST_HEAD(gone);

	spin_lock(&f->lock);
	list_splice_init(&f->held, &gone);
	list_splice_tail_init(&f->queue, &gone);
	f->queued = 0;
	f->queued_bytes = 0;
	f->requests = 0;
	spin_unlock(&f->lock);
	list_for_each_entry_safe(q, qtmp, &gone, node) {
		if (q->flags & MK_MSG_F_REQUEST)
			mk_msg_reply(q->instance, q->id, q->type, q->subtype,
				     -ECONNRESET, NULL, 0, 0);
		list_del(&q->node);
		mk_msgdev_buf_put(q->buf);
		kfree(q);
	}
	mutex_destroy(&f->read_lock);
}

/**
 * mk_msgdev_readable() - whether a message is queued on a descriptor
 * @f: the descriptor
 *
 * Return: true if read() would not wait.
 */
bool mk_msgdev_readable(struct mk_msgdev_file *f)
{
	bool ret;

	spin_lock(&f->lock);
	ret = !list_empty(&f->queue);
	spin_unlock(&f->lock);
	return ret;
}

/**
 * mk_msgdev_peek() - the next message to read
 * @f: the descriptor
 *
 * Context: under @f->read_lock, which keeps the message queued (only its
 * holder removes messages) until mk_msgdev_consume() or the unlock.
 * Return: the message, or NULL if none is queued.
 */
struct mk_msgdev_msg *mk_msgdev_peek(struct mk_msgdev_file *f)
{
	struct mk_msgdev_msg *q;

	lockdep_assert_held(&f->read_lock);
	spin_lock(&f->lock);
	q = list_first_entry_or_null(&f->queue, struct mk_msgdev_msg, node);
	spin_unlock(&f->lock);
	return q;
}

/**
 * mk_msgdev_consume() - a message was read: unqueue it
 * @f: the descriptor
 * @q: what mk_msgdev_peek() returned
 *
 * A message is freed; a request, held until it is answered (its payload
 * goes now).
 *
 * Context: under @f->read_lock.
 */
void mk_msgdev_consume(struct mk_msgdev_file *f, struct mk_msgdev_msg *q)
{
	bool request = q->flags & MK_MSG_F_REQUEST;
	struct mk_msgdev_buf *buf;

	lockdep_assert_held(&f->read_lock);
	spin_lock(&f->lock);
	list_del(&q->node);
	f->queued--;
	f->queued_bytes -= sizeof(struct mk_msg_hdr) + q->len;
	buf = q->buf;
	q->buf = NULL;
	/* Held, it may be answered, and freed, as soon as we unlock. */
	if (request)
		list_add_tail(&q->node, &f->held);
	spin_unlock(&f->lock);
	mk_msgdev_buf_put(buf);
	if (!request)
		kfree(q);
}

/**
 * mk_msgdev_next_size() - what read() of the next message returns
 * @f: the descriptor
 *
 * Return: its header and payload bytes, or 0 if nothing is queued.
 */
u32 mk_msgdev_next_size(struct mk_msgdev_file *f)
{
	struct mk_msgdev_msg *q;
	u32 size = 0;

	spin_lock(&f->lock);
	q = list_first_entry_or_null(&f->queue, struct mk_msgdev_msg, node);
	if (q)
		size = sizeof(struct mk_msg_hdr) + q->len;
	spin_unlock(&f->lock);
	return size;
}

/**
 * mk_msgdev_stats() - a descriptor's counters
 * @f: the descriptor
 * @st: filled in
 */
void mk_msgdev_stats(struct mk_msgdev_file *f, struct mk_msg_stats *st)
{
	memset(st, 0, sizeof(*st));
	spin_lock(&f->lock);
	st->queued = f->queued;
	st->queued_bytes = f->queued_bytes;
	st->dropped = f->dropped;
	spin_unlock(&f->lock);
}

/**
 * mk_msgdev_take_held() - take a read request to answer it
 * @f: the descriptor
 * @h: the response's header: @instance, @id, @type and @subtype must be
 *	the request's
 *
 * The request leaves @f's held requests, so that only one writer answers
 * it; mk_msgdev_put_held() says how that went.
 *
 * Return: the request, or NULL if @f holds none that matches.
 */
struct mk_msgdev_msg *mk_msgdev_take_held(struct mk_msgdev_file *f,
					  const struct mk_msg_hdr *h)
{
	struct mk_msgdev_msg *q, *found = NULL;

	spin_lock(&f->lock);
	list_for_each_entry(q, &f->held, node) {
		if (q->instance == h->instance && q->id == h->id &&
		    q->type == h->type && q->subtype == h->subtype) {
			list_del(&q->node);
			found = q;
			break;
		}
	}
	spin_unlock(&f->lock);
	return found;
}

/**
 * mk_msgdev_put_held() - done with a request from mk_msgdev_take_held()
 * @f: the descriptor
 * @q: the request
 * @answered: it is answered (or can never be): forget it; otherwise
 *	@f holds it again, to be answered later
 */
void mk_msgdev_put_held(struct mk_msgdev_file *f, struct mk_msgdev_msg *q,
			bool answered)
{
	spin_lock(&f->lock);
	if (answered)
		f->requests--;
	else
		list_add(&q->node, &f->held);
	spin_unlock(&f->lock);
	if (answered)
		kfree(q);
}
