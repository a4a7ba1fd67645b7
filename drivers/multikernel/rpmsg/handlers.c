// SPDX-License-Identifier: GPL-2.0-only
/*
 * The typed messages' handlers: who receives the messages of a type, who
 * answers its requests, and calling them (messages.c dispatches).
 *
 * Three kinds share one list, each entry for one type: the kernel's
 * message handlers (every one gets every message of its type), its
 * request handlers (at most one per type) and the module's sinks (struct
 * mk_msg_sink_ops: the typed-message device), which get the messages of
 * their type beside the handlers, with the sender and the message id, and
 * the requests of their type that no kernel request handler answers.
 * Everything is called under a read lock that unregistering takes for
 * writing: once unregistered, nothing runs or will run.
 */

#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/multikernel/messages.h>

#include "mk_rpmsg.h"

static_assert(MK_MSG_DEFERRED != MK_MSG_NO_REPLY);

struct mk_msg_handler {
	struct list_head node;
	u32 type;
	mk_msg_handler_t fn;
	mk_msg_req_handler_t req_fn;
	const struct mk_msg_sink_ops *sink;
	void *ctx;
};

/* Whether @h is the registration that these arguments name. */
static bool mk_msg_is(const struct mk_msg_handler *h, u32 type,
		      mk_msg_handler_t fn, mk_msg_req_handler_t req_fn,
		      const struct mk_msg_sink_ops *sink, void *ctx)
{
	if (h->type != type)
		return false;
	if (fn)
		return h->fn == fn;
	if (req_fn)
		return h->req_fn == req_fn;
	return h->sink == sink && h->ctx == ctx;
}

static LIST_HEAD(mk_msg_handlers);
static DECLARE_RWSEM(mk_msg_handlers_sem);

/* Exactly one of @fn, @req_fn and @sink is set. */
static int mk_msg_add(u32 type, mk_msg_handler_t fn, mk_msg_req_handler_t req_fn,
		      const struct mk_msg_sink_ops *sink, void *ctx)
{
	struct mk_msg_handler *h, *it;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->type = type;
	h->fn = fn;
	h->req_fn = req_fn;
	h->sink = sink;
	h->ctx = ctx;
	down_write(&mk_msg_handlers_sem);
	list_for_each_entry(it, &mk_msg_handlers, node) {
		/* A type has one request handler; a handler, one registration. */
		if (mk_msg_is(it, type, fn, req_fn, sink, ctx) ||
		    (req_fn && it->type == type && it->req_fn)) {
			up_write(&mk_msg_handlers_sem);
			kfree(h);
			return -EEXIST;
		}
	}
	list_add_tail(&h->node, &mk_msg_handlers);
	up_write(&mk_msg_handlers_sem);
	return 0;
}

static int mk_msg_del(u32 type, mk_msg_handler_t fn, mk_msg_req_handler_t req_fn,
		      const struct mk_msg_sink_ops *sink, void *ctx)
{
	struct mk_msg_handler *h, *found = NULL;

	/* Waits for every running handler: none runs after we return. */
	down_write(&mk_msg_handlers_sem);
	list_for_each_entry(h, &mk_msg_handlers, node) {
		if (mk_msg_is(h, type, fn, req_fn, sink, ctx)) {
			found = h;
			list_del(&h->node);
			break;
		}
	}
	up_write(&mk_msg_handlers_sem);
	kfree(found);
	return found ? 0 : -ENOENT;
}

/**
 * mk_register_msg_handler() - receive the messages of a type
 * @msg_type: the type
 * @handler: called for each message of @msg_type, with its subtype and a
 *	private copy of its payload, in the link's receive thread
 * @ctx: passed to @handler
 *
 * Several handlers may share a type; each gets every message.
 *
 * Context: process context.
 * Return: 0, -EINVAL, -ENOMEM, or -EEXIST if @handler is registered for
 * @msg_type already.
 */
int mk_register_msg_handler(u32 msg_type, mk_msg_handler_t handler, void *ctx)
{
	return handler ? mk_msg_add(msg_type, handler, NULL, NULL, ctx) : -EINVAL;
}
EXPORT_SYMBOL_GPL(mk_register_msg_handler);

/**
 * mk_unregister_msg_handler() - stop receiving the messages of a type
 * @msg_type: the type
 * @handler: the handler
 *
 * Returns when @handler is not running on any CPU; it is not called again.
 * Must not be called from a handler.
 *
 * Context: process context.
 * Return: 0, or -ENOENT if @handler was not registered for @msg_type
 * (nothing is freed).
 */
int mk_unregister_msg_handler(u32 msg_type, mk_msg_handler_t handler)
{
	return handler ? mk_msg_del(msg_type, handler, NULL, NULL, NULL) : -EINVAL;
}
EXPORT_SYMBOL_GPL(mk_unregister_msg_handler);

/**
 * mk_register_req_handler() - answer the requests of a type
 * @msg_type: the type
 * @handler: called for each request; fills @resp (up to *@resp_len bytes)
 *	and sets *@resp_len; returns 0, a negative error sent back as the
 *	status, or %MK_MSG_NO_REPLY to send nothing
 * @ctx: passed to @handler
 *
 * Context: process context.
 * Return: 0, -EINVAL, -ENOMEM, or -EEXIST if @msg_type has one already.
 */
int mk_register_req_handler(u32 msg_type, mk_msg_req_handler_t handler,
			    void *ctx)
{
	return handler ? mk_msg_add(msg_type, NULL, handler, NULL, ctx) : -EINVAL;
}
EXPORT_SYMBOL_GPL(mk_register_req_handler);

/**
 * mk_unregister_req_handler() - stop answering the requests of a type
 * @msg_type: the type
 * @handler: the handler
 *
 * Context: process context.
 * Return: 0 or -ENOENT.
 */
int mk_unregister_req_handler(u32 msg_type, mk_msg_req_handler_t handler)
{
	return handler ? mk_msg_del(msg_type, NULL, handler, NULL, NULL) : -EINVAL;
}
EXPORT_SYMBOL_GPL(mk_unregister_req_handler);

/**
 * mk_msg_register_sink() - receive the messages and requests of a type, for
 *	the module's own users
 * @msg_type: the type
 * @ops: what is called, in the link's receive thread (struct mk_msg_sink_ops)
 * @ctx: passed to @ops; @ops and @ctx name the registration
 *
 * Messages go to every handler and sink of their type. A request goes to
 * the kernel's request handler of its type if there is one; else to the
 * sinks of the type, in the order they registered, until one takes it;
 * else it is answered with -EOPNOTSUPP.
 *
 * Context: process context; not from a handler or a sink.
 * Return: 0, -EINVAL, -ENOMEM, or -EEXIST if @ops and @ctx are registered
 * for @msg_type already.
 */
int mk_msg_register_sink(u32 msg_type, const struct mk_msg_sink_ops *ops,
			 void *ctx)
{
	if (!ops || (!ops->msg && !ops->request))
		return -EINVAL;
	return mk_msg_add(msg_type, NULL, NULL, ops, ctx);
}

/**
 * mk_msg_unregister_sink() - stop a sink's registration
 * @msg_type: the type
 * @ops: as registered
 * @ctx: as registered
 *
 * Returns when @ops is not running for this registration on any CPU; it
 * is not called for it again. A request the sink took stays its to answer.
 *
 * Context: process context; not from a handler or a sink.
 * Return: 0, or -ENOENT if nothing was registered so.
 */
int mk_msg_unregister_sink(u32 msg_type, const struct mk_msg_sink_ops *ops,
			   void *ctx)
{
	return ops ? mk_msg_del(msg_type, NULL, NULL, ops, ctx) : -EINVAL;
}

/**
 * mk_msg_dispatch() - give a message to every handler and sink of its type
 * @m: the message
 *
 * Context: the receive thread of the message's link.
 */
void mk_msg_dispatch(const struct mk_msg_in *m)
{
	struct mk_msg_handler *h;

	down_read(&mk_msg_handlers_sem);
	list_for_each_entry(h, &mk_msg_handlers, node) {
		if (h->type != m->type)
			continue;
		if (h->fn)
			h->fn(m->type, m->subtype, m->payload, m->len, h->ctx);
		else if (h->sink && h->sink->msg)
			h->sink->msg(m, h->ctx);
	}
	up_read(&mk_msg_handlers_sem);
}

/**
 * mk_msg_dispatch_request() - have a request of a type answered
 * @m: the request
 * @resp: where the response goes
 * @resp_len: in: room at @resp; out: bytes of the response
 *
 * The kernel's request handler of the type answers if there is one;
 * otherwise its sinks are asked in turn (mk_msg_register_sink()).
 *
 * Context: the receive thread of the request's link.
 * Return: the handler's status (0, -errno or %MK_MSG_NO_REPLY), a sink's
 * (%MK_MSG_DEFERRED: it answers later with mk_msg_reply()), or
 * -EOPNOTSUPP if nobody takes requests of the type.
 */
int mk_msg_dispatch_request(const struct mk_msg_in *m, void *resp,
			    u32 *resp_len)
{
	struct mk_msg_handler *h;
	int status = -EOPNOTSUPP;
	bool answered = false;

	down_read(&mk_msg_handlers_sem);
	list_for_each_entry(h, &mk_msg_handlers, node) {
		if (h->type == m->type && h->req_fn) {
			/* One that overstates its length must not send stale memory. */
			memset(resp, 0, *resp_len);
			status = h->req_fn(m->type, m->subtype, m->payload, m->len,
					   resp, resp_len, h->ctx);
			answered = true;
			break;
		}
	}
	if (answered) {
		/* Only sinks defer; the caller would have made -EPROTO of it. */
		if (status == MK_MSG_DEFERRED)
			status = -EPROTO;
		goto out;
	}
	list_for_each_entry(h, &mk_msg_handlers, node) {
		if (h->type != m->type || !h->sink || !h->sink->request)
			continue;
		status = h->sink->request(m, h->ctx);
		if (status != -EOPNOTSUPP)
			break;
	}
out:
	up_read(&mk_msg_handlers_sem);
	return status;
}
