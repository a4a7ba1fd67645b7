// SPDX-License-Identifier: GPL-2.0-only
/*
 * Typed messages between kernel instances, on the "multikernel-msg" rpmsg
 * channel that every link's bus creates at address 0x4d on both sides.
 *
 * An rpmsg client like any other: its driver binds that channel and keeps
 * a record of it (struct mk_msg_chan) from probe to remove, listed by
 * msgchan.c, which finds the channel to an instance and sends on it. From
 * the bus this file asks only which link a device is on and whether the
 * peer announced it, and it counts the malformed messages it drops with
 * the bus's; the bus never calls it.
 *
 * Wire: struct mk_msg_wire, then the payload. A message names its type and
 * subtype; a request carries an id that its response repeats. Handlers are
 * kept per type; they run in the link's receive thread, under a read lock
 * that unregistration takes for writing, so when
 * mk_unregister_msg_handler() returns the handler is not running anywhere
 * and will not be called again.
 *
 * Instances: a link's peer has an instance id (mk_link_peer_instance()):
 * 0 for the host as seen from a spawned kernel, the instance's id as seen
 * from the host, and for loopback N, 1000 + 2N for end a and 1000 + 2N + 1
 * for end b.
 */

#define pr_fmt(fmt) "mk_msg: " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/rpmsg.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/multikernel/messages.h>
#include <linux/multikernel/transport.h>

#include "mk_rpmsg.h"

/*
 * A call waiting for its response: @resp_len is the response's length,
 * copied to @resp unless @too_big; @answered once a response came (set
 * under mk_msg_waiters_lock: a second one with the same id is ignored).
 */
struct mk_msg_waiter {
	struct list_head node;
	int instance;
	u64 id;
	void *resp;
	u32 resp_max;
	u32 resp_len;
	int status;
	bool too_big;
	bool answered;
	struct completion done;
};

static LIST_HEAD(mk_msg_waiters);
static DEFINE_SPINLOCK(mk_msg_waiters_lock);
static atomic64_t mk_msg_next_id = ATOMIC64_INIT(1);

/**
 * mk_msg_call_status() - send a request and wait for its response, the
 *	responder's status apart
 * @instance_id: the instance
 * @msg_type: the type
 * @subtype: the subtype
 * @req: request payload, or NULL
 * @req_len: its length
 * @resp: where the response payload goes, or NULL
 * @resp_len: in: room at @resp; out: bytes of the response (with
 *	-EMSGSIZE: the bytes it had)
 * @timeout: for sending and the response together, in jiffies
 * @intr: a signal ends the wait for the response (-EINTR)
 * @status: out, when it returns 0: the responder's status, 0 or -errno
 *	(-EOPNOTSUPP if the peer has nobody to answer @msg_type)
 *
 * Context: process context; sleeps. Not from a message handler.
 * Return: 0 if a response came; -ETIMEDOUT if none came in time;
 * -EMSGSIZE if it did not fit at @resp; -EINTR if @intr and a signal came
 * after the request went; the errors of mk_msg_xmit() otherwise.
 */
int mk_msg_call_status(int instance_id, u32 msg_type, u32 subtype,
		       const void *req, u32 req_len, void *resp, u32 *resp_len,
		       long timeout, bool intr, int *status)
{
	struct mk_msg_waiter *w = kzalloc(sizeof(*w), GFP_KERNEL);
	struct mk_msg_wire hdr = {
		.type = cpu_to_le32(msg_type),
		.subtype = cpu_to_le32(subtype),
		.payload_len = cpu_to_le32(req_len),
		.flags = cpu_to_le32(MK_MSGF_REQUEST),
	};
	unsigned long deadline = jiffies + timeout;
	long left = 0;
	bool done;
	int ret;

	if (!w)
		return -ENOMEM;
	w->id = atomic64_inc_return(&mk_msg_next_id);
	w->instance = instance_id;
	w->resp = resp;
	w->resp_max = resp && resp_len ? *resp_len : 0;
	init_completion(&w->done);
	hdr.msg_id = cpu_to_le64(w->id);
	spin_lock(&mk_msg_waiters_lock);
	list_add_tail(&w->node, &mk_msg_waiters);
	spin_unlock(&mk_msg_waiters_lock);

	/* Sending and the answer share the one timeout. */
	ret = mk_msg_xmit(instance_id, &hdr, req, req_len, timeout);
	if (!ret && (long)(deadline - jiffies) > 0) {
		left = (long)(deadline - jiffies);
		if (intr)
			left = wait_for_completion_interruptible_timeout(&w->done, left);
		else
			left = wait_for_completion_timeout(&w->done, left);
	}
	spin_lock(&mk_msg_waiters_lock);
	list_del(&w->node);
	/* Responses are taken under this lock: none can come any more. */
	done = w->answered;
	spin_unlock(&mk_msg_waiters_lock);
	if (!ret && !done)
		ret = left < 0 ? -EINTR : -ETIMEDOUT;
	if (!ret) {
		if (w->too_big)
			ret = -EMSGSIZE;
		else
			*status = w->status;
		if (resp_len)
			*resp_len = w->resp_len;
	}
	kfree(w);
	return ret;
}

/**
 * mk_msg_call() - send a request and wait for its response
 * @instance_id: the instance
 * @msg_type: the type; the peer must have a request handler for it
 * @subtype: the subtype
 * @req: request payload, or NULL
 * @req_len: its length
 * @resp: where the response payload goes, or NULL
 * @resp_len: in: room at @resp; out: bytes of the response
 * @timeout: in jiffies
 *
 * Context: process context; sleeps. Not from a message handler.
 * Return: the status the peer's handler returned (0 or -errno);
 * -EOPNOTSUPP if the peer has no handler for @msg_type; -ETIMEDOUT if no
 * response came (the handler chose not to reply, or the link is gone);
 * -EMSGSIZE if the response did not fit; the errors of mk_send_message().
 */
int mk_msg_call(int instance_id, u32 msg_type, u32 subtype, const void *req,
		u32 req_len, void *resp, u32 *resp_len, long timeout)
{
	int status, ret;

	ret = mk_msg_call_status(instance_id, msg_type, subtype, req, req_len,
				 resp, resp_len, timeout, false, &status);
	/* A response that did not fit gives nothing back. */
	if (ret == -EMSGSIZE && resp_len)
		*resp_len = 0;
	return ret ?: status;
}
EXPORT_SYMBOL_GPL(mk_msg_call);

static void mk_msg_response(int instance, u64 id, int status, const void *payload,
			    u32 len)
{
	struct mk_msg_waiter *w;

	/* A status is 0 or an errno: anything else from the peer is bogus. */
	if (!mk_msg_status_ok(status))
		status = -EPROTO;
	spin_lock(&mk_msg_waiters_lock);
	list_for_each_entry(w, &mk_msg_waiters, node) {
		/* Only the instance the request went to may answer it. */
		if (w->id != id || w->instance != instance || w->answered)
			continue;
		w->answered = true;
		w->resp_len = len;
		w->status = status;
		if (len > w->resp_max)
			w->too_big = true;
		else if (len)
			memcpy(w->resp, payload, len);
		complete(&w->done);
		break;
	}
	spin_unlock(&mk_msg_waiters_lock);
}

static void mk_msg_request(struct mk_msg_chan *ch, struct rpmsg_device *rpdev,
			   const struct mk_msg_in *m)
{
	ssize_t mtu = rpmsg_get_mtu(rpdev->ept);
	struct mk_msg_wire *out;
	u32 resp_len;
	int status;
	size_t room;
	int ret;

	/* Negative once the link is going: then there is nobody to answer. */
	if (mtu < 0 || (size_t)mtu < sizeof(*out))
		return;
	room = mtu - sizeof(*out);
	/* One buffer per channel, reused: only its receive thread gets here. */
	if (ch->resp_size < sizeof(*out) + room) {
		kvfree(ch->resp);
		ch->resp = kvmalloc(sizeof(*out) + room, GFP_KERNEL);
		ch->resp_size = ch->resp ? sizeof(*out) + room : 0;
		if (!ch->resp)
			return;
	}
	out = ch->resp;
	memset(out, 0, sizeof(*out));
	resp_len = room;
	status = mk_msg_dispatch_request(m, out + 1, &resp_len);
	/* Deferred: a sink took it and answers with mk_msg_reply(). */
	if (status == MK_MSG_NO_REPLY || status == MK_MSG_DEFERRED)
		return;
	if (status || resp_len > room)
		resp_len = 0;
	out->type = cpu_to_le32(m->type);
	out->subtype = cpu_to_le32(m->subtype);
	out->msg_id = cpu_to_le64(m->id);
	out->payload_len = cpu_to_le32(resp_len);
	out->flags = cpu_to_le32(MK_MSGF_RESPONSE);
	out->status = cpu_to_le32(status);
	/* From the receive thread: never waits; the caller times out instead. */
	ret = rpmsg_send(rpdev->ept, out, sizeof(*out) + resp_len);
	if (ret)
		dev_warn_ratelimited(&rpdev->dev, "response to request %llu not sent (%d)\n",
				     m->id, ret);
}

static int mk_msg_cb(struct rpmsg_device *rpdev, void *data, int len, void *priv,
		     u32 src)
{
	struct mk_msg_chan *ch = dev_get_drvdata(&rpdev->dev);
	struct mk_msg_wire w;
	struct mk_msg_in m;
	u32 plen, flags;

	/* Only on the channel probe accepted as ours; the bus counts it lost. */
	if (!ch)
		return -ENODEV;
	/* @data is the bus's private copy: safe to validate and use. */
	if (len < sizeof(w)) {
		mk_rpmsg_dev_bad(rpdev, "typed message of %d bytes", len);
		return 0;
	}
	memcpy(&w, data, sizeof(w));
	plen = le32_to_cpu(w.payload_len);
	flags = le32_to_cpu(w.flags);
	if (plen != len - sizeof(w) || flags > MK_MSGF_RESPONSE || w.reserved) {
		mk_rpmsg_dev_bad(rpdev, "typed message with length %u in %d bytes, flags %#x",
				 plen, len, flags);
		return 0;
	}
	m = (struct mk_msg_in) {
		.instance = mk_link_peer_instance(ch->link),
		.type = le32_to_cpu(w.type),
		.subtype = le32_to_cpu(w.subtype),
		.id = le64_to_cpu(w.msg_id),
		.payload = data + sizeof(w),
		.len = plen,
	};
	if (flags & MK_MSGF_RESPONSE) {
		mk_msg_response(m.instance, m.id, (int)le32_to_cpu(w.status), m.payload,
				m.len);
		return 0;
	}
	if (flags & MK_MSGF_REQUEST) {
		mk_msg_request(ch, rpdev, &m);
		return 0;
	}
	/* A message's id means nothing; sinks see 0. */
	m.id = 0;
	mk_msg_dispatch(&m);
	return 0;
}

static void mk_msg_free_resp(void *data)
{
	struct mk_msg_chan *ch = data;

	kvfree(ch->resp);
}

static int mk_msg_probe(struct rpmsg_device *rpdev)
{
	struct mk_link *link = mk_rpmsg_link_of(rpdev);
	struct mk_msg_chan *ch;
	int ret;

	/*
	 * Only the channel our own bus made at the fixed address: the name
	 * alone proves nothing, and a peer could announce one.
	 */
	if (!link || mk_rpmsg_from_peer(rpdev) || rpdev->src != MK_MSG_ADDR)
		return -ENODEV;
	ch = devm_kzalloc(&rpdev->dev, sizeof(*ch), GFP_KERNEL);
	if (!ch)
		return -ENOMEM;
	ret = devm_add_action_or_reset(&rpdev->dev, mk_msg_free_resp, ch);
	if (ret)
		return ret;
	ch->rpdev = rpdev;
	ch->link = link;
	dev_set_drvdata(&rpdev->dev, ch);
	mk_msg_chan_add(ch);
	return 0;
}

static void mk_msg_remove(struct rpmsg_device *rpdev)
{
	/* Senders on this channel finish first: its endpoint goes next. */
	mk_msg_chan_del(dev_get_drvdata(&rpdev->dev));
}

static struct rpmsg_device_id mk_msg_id[] = {
	{ .name = MK_MSG_CHANNEL },
	{},
};

static struct rpmsg_driver mk_msg_driver = {
	.drv.name = "mk_msg",
	.id_table = mk_msg_id,
	.probe = mk_msg_probe,
	.remove = mk_msg_remove,
	.callback = mk_msg_cb,
};

/**
 * mk_msg_init() - register the typed-message channel driver
 *
 * Return: 0 or an error of register_rpmsg_driver().
 */
int mk_msg_init(void)
{
	return register_rpmsg_driver(&mk_msg_driver);
}
