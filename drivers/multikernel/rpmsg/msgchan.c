// SPDX-License-Identifier: GPL-2.0-only
/*
 * The typed messages' channels and sending on them: which link's
 * "multikernel-msg" channel is bound (messages.c's driver adds and removes
 * them from probe and remove), the one that serves an instance, and
 * mk_send_message() and the module's other senders on it: requests,
 * deferred responses (mk_msg_reply()), senders that must not wait, and
 * whether any channel has room (mk_msg_poll_writable()).
 *
 * Calls only the bus (mk_rpmsg.h); messages.c calls it, never the other
 * way.
 *
 * Locking: mk_msg_chans_lock (a mutex) guards the list, and is held only
 * to count a user in or to look at each channel's room, never while
 * sending; a channel leaves the list in remove, which then waits for its
 * users. Each listed channel keeps a wait entry on its endpoint's wait
 * queue (woken when credit or ring room comes back, or the link goes)
 * that wakes mk_msg_writable_wq; it is removed in remove, before the rpmsg
 * core destroys the endpoint and its queue.
 */

#define pr_fmt(fmt) "mk_msg: " fmt

#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rpmsg.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/wait_bit.h>
#include <linux/multikernel/messages.h>
#include <linux/multikernel/rpmsg.h>
#include <linux/multikernel/transport.h>

#include "mk_rpmsg.h"

static LIST_HEAD(mk_msg_chans);
static DEFINE_MUTEX(mk_msg_chans_lock);
/* Pollers of mk_msg_poll_writable(): a channel came, went or has room. */
static DECLARE_WAIT_QUEUE_HEAD(mk_msg_writable_wq);

static unsigned int send_timeout_ms = 10000;
module_param(send_timeout_ms, uint, 0644);
MODULE_PARM_DESC(send_timeout_ms,
		 "Longest wait of mk_send_message() for a peer to take a message (default 10000)");

static bool mk_msg_match_instance(struct mk_link *link, const void *id)
{
	return mk_link_peer_instance(link) == *(const int *)id;
}

static bool mk_msg_match_name(struct mk_link *link, const void *name)
{
	return !strcmp(mk_link_name(link), name);
}

static bool mk_msg_match_receiver(struct mk_link *link, const void *unused)
{
	return mk_link_in_receiver(link);
}

static void mk_msg_wake_writers(void)
{
	wake_up_interruptible_poll(&mk_msg_writable_wq, EPOLLOUT | EPOLLWRNORM);
}

/*
 * The channel's endpoint woke its senders and pollers (credit or room came
 * back, the link went): ours look again. Called under the endpoint
 * queue's lock, which mk_msg_writable_wq's nests in.
 */
static int mk_msg_chan_woken(struct wait_queue_entry *wait, unsigned int mode,
			     int sync, void *key)
{
	mk_msg_wake_writers();
	return 0;
}

/* rpmsg_poll() names the endpoint's wait queue: stay on it. */
static void mk_msg_chan_queue(struct file *file, wait_queue_head_t *head,
			      poll_table *pt)
{
	struct mk_msg_chan *ch = container_of(pt, struct mk_msg_chan, pt);

	if (ch->wait_head)
		return;
	init_waitqueue_func_entry(&ch->wait, mk_msg_chan_woken);
	ch->wait_head = head;
	add_wait_queue(head, &ch->wait);
}

/**
 * mk_msg_chan_add() - list a channel that messages.c's driver bound
 * @ch: the channel, with @rpdev (and its endpoint) and @link set
 *
 * Context: process context (probe).
 */
void mk_msg_chan_add(struct mk_msg_chan *ch)
{
	atomic_set(&ch->users, 0);
	ch->wait_head = NULL;
	init_poll_funcptr(&ch->pt, mk_msg_chan_queue);
	rpmsg_poll(ch->rpdev->ept, NULL, &ch->pt);
	mutex_lock(&mk_msg_chans_lock);
	list_add_tail(&ch->node, &mk_msg_chans);
	mutex_unlock(&mk_msg_chans_lock);
	mk_msg_wake_writers();
}

/**
 * mk_msg_chan_del() - unlist a channel before its driver lets it go
 * @ch: the channel
 *
 * Returns once no sender uses @ch: its endpoint may go next.
 *
 * Context: process context (remove); sleeps.
 */
void mk_msg_chan_del(struct mk_msg_chan *ch)
{
	mutex_lock(&mk_msg_chans_lock);
	list_del(&ch->node);
	mutex_unlock(&mk_msg_chans_lock);
	/* The endpoint and its queue go after remove returns, not before. */
	if (ch->wait_head)
		remove_wait_queue(ch->wait_head, &ch->wait);
	ch->wait_head = NULL;
	mk_msg_wake_writers();
	wait_var_event(&ch->users, !atomic_read(&ch->users));
}

/*
 * The channel of the link that serves @instance_id (the first of the bus's
 * links to it), counted in its users; NULL if no link serves the instance
 * or that link's channel is not bound (the link is down).
 */
static struct mk_msg_chan *mk_msg_chan_get(int instance_id)
{
	struct mk_msg_chan *ch, *found = NULL;
	struct mk_link *link;

	link = mk_rpmsg_find_link(mk_msg_match_instance, &instance_id);
	if (!link)
		return NULL;
	/*
	 * Only a count under the global lock, nothing that can wait: a
	 * sender stuck on one instance never holds up the others.
	 */
	mutex_lock(&mk_msg_chans_lock);
	list_for_each_entry(ch, &mk_msg_chans, node) {
		if (ch->link == link) {
			found = ch;
			atomic_inc(&ch->users);
			break;
		}
	}
	mutex_unlock(&mk_msg_chans_lock);
	mk_link_put(link);
	return found;
}

static void mk_msg_chan_put(struct mk_msg_chan *ch)
{
	if (atomic_dec_and_test(&ch->users))
		wake_up_var(&ch->users);
}

/**
 * mk_msg_xmit() - send one typed message on the channel to an instance
 * @instance_id: the instance
 * @w: its header, in wire order
 * @payload: @len bytes that follow it, or NULL with @len 0
 * @len: bytes at @payload; @w->payload_len says the same
 * @timeout: longest wait for the peer to take it, in jiffies; 0 for none
 *	(-EAGAIN when it would wait)
 *
 * Context: process context; may sleep, interruptibly while it waits.
 * Return: 0; -ENODEV if no link to @instance_id is up; -EMSGSIZE;
 * -EAGAIN; -ETIMEDOUT; -ERESTARTSYS; -EPIPE if the link went down;
 * -ENOMEM; -EINVAL.
 */
int mk_msg_xmit(int instance_id, const struct mk_msg_wire *w,
		const void *payload, u32 len, long timeout)
{
	size_t size = sizeof(*w) + len;
	struct mk_msg_chan *ch;
	ssize_t mtu;
	void *buf;
	int ret;

	if (len && !payload)
		return -EINVAL;
	/* No link carries more; refuse before allocating. */
	if (len > SZ_16M)
		return -EMSGSIZE;
	buf = kvmalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, w, sizeof(*w));
	if (len)
		memcpy(buf + sizeof(*w), payload, len);
	ch = mk_msg_chan_get(instance_id);
	ret = -ENODEV;
	if (!ch)
		goto free;
	/* Counted while sending: remove waits, the channel cannot go. */
	mtu = rpmsg_get_mtu(ch->rpdev->ept);
	if (mtu < 0)
		ret = mtu;
	else if (size > (size_t)mtu)
		ret = -EMSGSIZE;
	else
		ret = mk_rpmsg_send_timeout(ch->rpdev->ept, buf, size, timeout);
	mk_msg_chan_put(ch);
	if (ret == -ETIMEDOUT)
		pr_warn_ratelimited("instance %d did not take a message of type %#x in %u ms: not sent\n",
				    instance_id, le32_to_cpu(w->type),
				    jiffies_to_msecs(timeout));
free:
	kvfree(buf);
	return ret;
}

/**
 * mk_send_message() - send a typed message to another kernel instance
 * @instance_id: the instance
 * @msg_type: MK_MSG_*
 * @subtype: the type's subtype
 * @payload: data, or NULL with @payload_len 0
 * @payload_len: bytes, up to the channel MTU less 32 bytes of header
 *
 * Waits for room if the channel is full (nothing is dropped), but not for
 * ever: a peer that stays alive and stops taking messages makes it fail
 * after the module parameter send_timeout_ms (10 s by default).
 *
 * Context: process context; may sleep.
 * Return: 0; -ENODEV if no link to @instance_id is up; -EMSGSIZE;
 * -ETIMEDOUT if the peer did not take it in time; -ERESTARTSYS if a signal
 * came while waiting for room; -EPIPE if the link went down.
 */
int mk_send_message(int instance_id, u32 msg_type, u32 subtype, void *payload,
		    u32 payload_len)
{
	return mk_msg_send(instance_id, msg_type, subtype, payload, payload_len,
			   msecs_to_jiffies(READ_ONCE(send_timeout_ms)));
}
EXPORT_SYMBOL_GPL(mk_send_message);

/**
 * mk_msg_send() - send a typed message, waiting as long as the caller says
 * @instance_id: the instance
 * @msg_type: the type
 * @subtype: the subtype
 * @payload: data, or NULL with @len 0
 * @len: bytes, up to mk_msg_max_payload()
 * @timeout: longest wait for the peer to take it, in jiffies: 0 never
 *	waits (-EAGAIN), MAX_SCHEDULE_TIMEOUT waits until there is room, a
 *	signal comes or the link goes down
 *
 * mk_send_message() with a wait of the caller's choosing, for senders
 * that must not wait (O_NONBLOCK) or may wait for ever (a user's write(),
 * interruptible).
 *
 * Context: process context; may sleep unless @timeout is 0.
 * Return: as mk_msg_xmit().
 */
int mk_msg_send(int instance_id, u32 msg_type, u32 subtype,
		const void *payload, u32 len, long timeout)
{
	struct mk_msg_wire w = {
		.type = cpu_to_le32(msg_type),
		.subtype = cpu_to_le32(subtype),
		.payload_len = cpu_to_le32(len),
	};

	return mk_msg_xmit(instance_id, &w, payload, len, timeout);
}

/**
 * mk_msg_reply() - answer a request that a sink deferred
 * @instance_id: the instance the request came from
 * @id: the request's id
 * @msg_type: the request's type
 * @subtype: the request's subtype
 * @status: what the caller's mk_msg_call() returns: 0 or -errno
 * @payload: the response, or NULL with @len 0
 * @len: its bytes, up to mk_msg_max_payload(); 0 unless @status is 0
 * @timeout: as for mk_msg_send()
 *
 * Sends what a request handler's return would have sent: the response to
 * request @id. Nothing here checks that such a request came; the sink that
 * returned %MK_MSG_DEFERRED for it must, and must answer it once.
 *
 * Context: process context; may sleep unless @timeout is 0.
 * Return: as mk_msg_xmit(), or -EINVAL for a @status that is not 0 or
 * -errno, or with a payload.
 */
int mk_msg_reply(int instance_id, u64 id, u32 msg_type, u32 subtype,
		 int status, const void *payload, u32 len, long timeout)
{
	struct mk_msg_wire w = {
		.type = cpu_to_le32(msg_type),
		.subtype = cpu_to_le32(subtype),
		.msg_id = cpu_to_le64(id),
		.payload_len = cpu_to_le32(len),
		.flags = cpu_to_le32(MK_MSGF_RESPONSE),
		.status = cpu_to_le32(status),
	};

	if (!mk_msg_status_ok(status) || (status && len))
		return -EINVAL;
	return mk_msg_xmit(instance_id, &w, payload, len, timeout);
}

/**
 * mk_msg_max_payload() - the largest payload a typed message between this
 *	kernel and an instance may carry now
 * @instance_id: the instance
 * @incoming: of a message from @instance_id (a response to a call), rather
 *	than to it
 *
 * The channel's MTU that way less the typed message's header: 69,584
 * bytes each way on a default loopback. It may change when the link goes
 * down and up again.
 *
 * Context: process context.
 * Return: the bytes, or -ENODEV if no link to @instance_id is up.
 */
ssize_t mk_msg_max_payload(int instance_id, bool incoming)
{
	const size_t hdrs = sizeof(struct mk_rpmsg_hdr) + sizeof(struct mk_msg_wire);
	struct mk_msg_chan *ch = mk_msg_chan_get(instance_id);
	ssize_t max = -ENODEV;
	size_t mtu;

	if (!ch)
		return -ENODEV;
	/* 0 once the link is going down. */
	mtu = mk_link_mtu(ch->link);
	if (mtu > hdrs)
		max = (incoming ? mk_link_rx_max(ch->link) : mtu) - hdrs;
	mk_msg_chan_put(ch);
	return max;
}

/**
 * mk_msg_poll_writable() - whether a typed message of the MTU would go
 *	now on some channel
 * @file: the file polled
 * @wait: its poll table
 *
 * Writable when at least one bound channel has room for a message of its
 * MTU, both in its link's ring and in the credit its peer gave (what
 * rpmsg_poll() says of the channel's endpoint): a send to that channel's
 * instance would not wait. Says nothing of the other instances. The
 * poller is woken when a channel comes or goes and whenever a channel's
 * endpoint wakes its own senders.
 *
 * Context: process context.
 * Return: EPOLLOUT | EPOLLWRNORM, or 0.
 */
__poll_t mk_msg_poll_writable(struct file *file, poll_table *wait)
{
	struct mk_msg_chan *ch;
	__poll_t mask = 0;

	poll_wait(file, &mk_msg_writable_wq, wait);
	mutex_lock(&mk_msg_chans_lock);
	list_for_each_entry(ch, &mk_msg_chans, node) {
		/* Listed: remove has not run, the endpoint is there. */
		if (rpmsg_poll(ch->rpdev->ept, file, NULL) & EPOLLOUT) {
			mask = EPOLLOUT | EPOLLWRNORM;
			break;
		}
	}
	mutex_unlock(&mk_msg_chans_lock);
	return mask;
}

/**
 * mk_msg_instance_of() - the instance at the other end of a link
 * @link_name: the link's name ("lo0.a", "chan0")
 *
 * Return: the instance id, or -ENODEV.
 */
int mk_msg_instance_of(const char *link_name)
{
	struct mk_link *link = mk_rpmsg_find_link(mk_msg_match_name, link_name);
	int id = link ? mk_link_peer_instance(link) : -ENODEV;

	mk_link_put(link);
	return id;
}
EXPORT_SYMBOL_GPL(mk_msg_instance_of);

/**
 * mk_msg_sender_instance() - the instance whose message a handler handles
 *
 * Handlers run in the receive thread of the link the message came over.
 *
 * Return: that link's peer instance, or -ENODEV outside a handler.
 */
int mk_msg_sender_instance(void)
{
	struct mk_link *link = mk_rpmsg_find_link(mk_msg_match_receiver, NULL);
	int id = link ? mk_link_peer_instance(link) : -ENODEV;

	mk_link_put(link);
	return id;
}

/**
 * mk_msg_link_get() - the link to an instance, referenced
 * @instance_id: the instance
 *
 * Return: the link (drop it with mk_link_put()), or NULL.
 */
struct mk_link *mk_msg_link_get(int instance_id)
{
	return mk_rpmsg_find_link(mk_msg_match_instance, &instance_id);
}
