// SPDX-License-Identifier: GPL-2.0-only
/*
 * The typed messages' channels and sending on them: which link's
 * "multikernel-msg" channel is bound (messages.c's driver adds and removes
 * them from probe and remove), the one that serves an instance, and
 * mk_send_message() and the module's other senders on it.
 *
 * Calls only the bus (mk_rpmsg.h); messages.c calls it, never the other
 * way.
 */

#define pr_fmt(fmt) "mk_msg: " fmt

#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rpmsg.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait_bit.h>
#include <linux/multikernel/messages.h>
#include <linux/multikernel/transport.h>

#include "mk_rpmsg.h"

static LIST_HEAD(mk_msg_chans);
static DEFINE_MUTEX(mk_msg_chans_lock);

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

/**
 * mk_msg_chan_add() - list a channel that messages.c's driver bound
 * @ch: the channel, with @rpdev and @link set
 *
 * Context: process context (probe).
 */
void mk_msg_chan_add(struct mk_msg_chan *ch)
{
	atomic_set(&ch->users, 0);
	mutex_lock(&mk_msg_chans_lock);
	list_add_tail(&ch->node, &mk_msg_chans);
	mutex_unlock(&mk_msg_chans_lock);
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
	struct mk_msg_wire w = {
		.type = cpu_to_le32(msg_type),
		.subtype = cpu_to_le32(subtype),
		.payload_len = cpu_to_le32(payload_len),
	};

	return mk_msg_xmit(instance_id, &w, payload, payload_len,
			   msecs_to_jiffies(READ_ONCE(send_timeout_ms)));
}
EXPORT_SYMBOL_GPL(mk_send_message);

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
