// SPDX-License-Identifier: GPL-2.0-only
/*
 * The typed messages' handlers: who receives the messages of a type, who
 * answers its requests, and calling them (messages.c dispatches).
 */

#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/multikernel/messages.h>

#include "mk_rpmsg.h"

struct mk_msg_handler {
	struct list_head node;
	u32 type;
	mk_msg_handler_t fn;
	mk_msg_req_handler_t req_fn;
	void *ctx;
};

static LIST_HEAD(mk_msg_handlers);
static DECLARE_RWSEM(mk_msg_handlers_sem);

static int mk_msg_add(u32 type, mk_msg_handler_t fn, mk_msg_req_handler_t req_fn,
		      void *ctx)
{
	struct mk_msg_handler *h, *it;

	if (!fn && !req_fn)
		return -EINVAL;
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->type = type;
	h->fn = fn;
	h->req_fn = req_fn;
	h->ctx = ctx;
	down_write(&mk_msg_handlers_sem);
	list_for_each_entry(it, &mk_msg_handlers, node) {
		/* A type has one request handler; a handler, one registration. */
		if (it->type == type && ((fn && it->fn == fn) || (req_fn && it->req_fn))) {
			up_write(&mk_msg_handlers_sem);
			kfree(h);
			return -EEXIST;
		}
	}
	list_add_tail(&h->node, &mk_msg_handlers);
	up_write(&mk_msg_handlers_sem);
	return 0;
}

static int mk_msg_del(u32 type, mk_msg_handler_t fn, mk_msg_req_handler_t req_fn)
{
	struct mk_msg_handler *h, *found = NULL;

	/* Waits for every running handler: none runs after we return. */
	down_write(&mk_msg_handlers_sem);
	list_for_each_entry(h, &mk_msg_handlers, node) {
		if (h->type == type && ((fn && h->fn == fn) ||
					(req_fn && h->req_fn == req_fn))) {
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
	return handler ? mk_msg_add(msg_type, handler, NULL, ctx) : -EINVAL;
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
	return handler ? mk_msg_del(msg_type, handler, NULL) : -EINVAL;
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
	return handler ? mk_msg_add(msg_type, NULL, handler, ctx) : -EINVAL;
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
	return handler ? mk_msg_del(msg_type, NULL, handler) : -EINVAL;
}
EXPORT_SYMBOL_GPL(mk_unregister_req_handler);

/**
 * mk_msg_dispatch() - give a message to every handler of its type
 * @type: its type
 * @subtype: its subtype
 * @payload: its payload, a private copy
 * @len: bytes of @payload
 *
 * Context: the receive thread of the message's link.
 */
void mk_msg_dispatch(u32 type, u32 subtype, void *payload, u32 len)
{
	struct mk_msg_handler *h;

	down_read(&mk_msg_handlers_sem);
	list_for_each_entry(h, &mk_msg_handlers, node)
		if (h->type == type && h->fn)
			h->fn(type, subtype, payload, len, h->ctx);
	up_read(&mk_msg_handlers_sem);
}

/**
 * mk_msg_dispatch_request() - have the request handler of a type answer
 * @type: the request's type
 * @subtype: its subtype
 * @payload: its payload, a private copy
 * @len: bytes of @payload
 * @resp: where the response goes
 * @resp_len: in: room at @resp; out: bytes of the response
 *
 * Context: the receive thread of the request's link.
 * Return: the handler's status, or -EOPNOTSUPP if @type has none.
 */
int mk_msg_dispatch_request(u32 type, u32 subtype, void *payload, u32 len,
			    void *resp, u32 *resp_len)
{
	struct mk_msg_handler *h;
	int status = -EOPNOTSUPP;

	down_read(&mk_msg_handlers_sem);
	list_for_each_entry(h, &mk_msg_handlers, node) {
		if (h->type == type && h->req_fn) {
			status = h->req_fn(type, subtype, payload, len, resp, resp_len,
					   h->ctx);
			break;
		}
	}
	up_read(&mk_msg_handlers_sem);
	return status;
}
