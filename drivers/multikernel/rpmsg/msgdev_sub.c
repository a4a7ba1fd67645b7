// SPDX-License-Identifier: GPL-2.0-only
/*
 * The subscriptions of /dev/multikernel/msg's descriptors, and the sinks
 * that feed their queues.
 *
 * Subscriptions are kept per type (struct mk_msgdev_type): the first
 * subscription to a type registers one sink for it with the typed
 * messages (handlers.c), the last one going unregisters it. The sink runs
 * in the receive thread of the link a message came over and queues the
 * message once on every descriptor with a matching subscription
 * (mk_msgdev_deliver()). A request goes to one descriptor: the first,
 * in the order of their first subscription to its type, with a matching
 * subscription that has MK_MSG_SUB_REQUESTS; if that one cannot take it
 * the request is answered at once with -ENOBUFS. The kernel's own request
 * handler of a type, if it has one, answers before any sink is asked.
 *
 * A descriptor's subscriptions to a type sit together in the type's list,
 * so that one message is queued once per descriptor however many of its
 * subscriptions match. At most MK_MSGDEV_MAX_SUBS per descriptor.
 */

#include <linux/err.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/multikernel/msg.h>

#include "mk_rpmsg.h"
#include "msgdev.h"

/**
 * struct mk_msgdev_type - the subscriptions to one type, and its sink
 * @node: in mk_msgdev_types
 * @type: the type
 * @lock: protects @subs
 * @subs: struct mk_msgdev_sub, each descriptor's together, descriptors
 *	in the order of their first subscription to @type
 */
struct mk_msgdev_type {
	struct list_head node;
	u32 type;
	struct mutex lock;	/* subs */
	struct list_head subs;
};

/**
 * struct mk_msgdev_sub - one subscription of one descriptor
 * @tnode: in its type's @subs
 * @fnode: in its descriptor's @subs
 * @t: its type
 * @f: its descriptor
 * @subtype: the subtype; 0 with MK_MSG_SUB_ANY_SUBTYPE
 * @flags: MK_MSG_SUB_*
 */
struct mk_msgdev_sub {
	struct list_head tnode;
	struct list_head fnode;
	struct mk_msgdev_type *t;
	struct mk_msgdev_file *f;
	u32 subtype;
	u32 flags;
};

static DEFINE_MUTEX(mk_msgdev_subs_lock);
static LIST_HEAD(mk_msgdev_types);	/* under mk_msgdev_subs_lock */

/* Sinks -------------------------------------------------------------------- */

static bool mk_msgdev_matches(const struct mk_msgdev_sub *s,
			      const struct mk_msg_in *m)
{
	return (s->flags & MK_MSG_SUB_ANY_SUBTYPE) || s->subtype == m->subtype;
}

/* A message of t->type: one copy to each descriptor that wants it. */
static void mk_msgdev_sink_msg(const struct mk_msg_in *m, void *ctx)
{
	struct mk_msgdev_type *t = ctx;
	struct mk_msgdev_file *last = NULL;
	struct mk_msgdev_buf *buf = NULL;
	struct mk_msgdev_sub *s;

	mutex_lock(&t->lock);
	list_for_each_entry(s, &t->subs, tnode) {
		/* A descriptor's subscriptions are together: once each. */
		if (s->f == last || !mk_msgdev_matches(s, m))
			continue;
		last = s->f;
		mk_msgdev_deliver(s->f, m, &buf, false);
	}
	mutex_unlock(&t->lock);
	mk_msgdev_buf_put(buf);
}

/* A request of t->type that no kernel handler answers: one descriptor's. */
static int mk_msgdev_sink_request(const struct mk_msg_in *m, void *ctx)
{
	struct mk_msgdev_type *t = ctx;
	struct mk_msgdev_buf *buf = NULL;
	struct mk_msgdev_sub *s;
	int ret = -EOPNOTSUPP;

	mutex_lock(&t->lock);
	list_for_each_entry(s, &t->subs, tnode) {
		if (!(s->flags & MK_MSG_SUB_REQUESTS) || !mk_msgdev_matches(s, m))
			continue;
		/* Dropped: say so now rather than let the caller time out. */
		ret = mk_msgdev_deliver(s->f, m, &buf, true) ? MK_MSG_DEFERRED : -ENOBUFS;
		break;
	}
	mutex_unlock(&t->lock);
	mk_msgdev_buf_put(buf);
	return ret;
}

static const struct mk_msg_sink_ops mk_msgdev_sink_ops = {
	.msg = mk_msgdev_sink_msg,
	.request = mk_msgdev_sink_request,
};

/* Subscriptions ------------------------------------------------------------ */

/* The type record of @type, made and its sink registered if need be. */
static struct mk_msgdev_type *mk_msgdev_type_get(u32 type)
{
	struct mk_msgdev_type *t;
	int ret;

	lockdep_assert_held(&mk_msgdev_subs_lock);
	list_for_each_entry(t, &mk_msgdev_types, node)
		if (t->type == type)
			return t;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->type = type;
	mutex_init(&t->lock);
	INIT_LIST_HEAD(&t->subs);
	ret = mk_msg_register_sink(type, &mk_msgdev_sink_ops, t);
	if (ret) {
		mutex_destroy(&t->lock);
		kfree(t);
		return ERR_PTR(ret);
	}
	list_add_tail(&t->node, &mk_msgdev_types);
	return t;
}

/* Remove @s; with the last subscription to its type, the type's sink. */
static void mk_msgdev_sub_del(struct mk_msgdev_sub *s)
{
	struct mk_msgdev_type *t = s->t;
	bool empty;

	lockdep_assert_held(&mk_msgdev_subs_lock);
	mutex_lock(&t->lock);
	list_del(&s->tnode);
	empty = list_empty(&t->subs);
	mutex_unlock(&t->lock);
	list_del(&s->fnode);
	s->f->nr_subs--;
	kfree(s);
	if (!empty)
		return;
	list_del(&t->node);
	/* Returns once the sink runs nowhere: then nothing uses @t. */
	mk_msg_unregister_sink(t->type, &mk_msgdev_sink_ops, t);
	mutex_destroy(&t->lock);
	kfree(t);
}

/* @f's subscription to @type with the key of @sub, or NULL. */
static struct mk_msgdev_sub *mk_msgdev_sub_find(struct mk_msgdev_file *f,
						const struct mk_msg_sub *sub)
{
	u32 any = sub->flags & MK_MSG_SUB_ANY_SUBTYPE;
	struct mk_msgdev_sub *s;

	lockdep_assert_held(&mk_msgdev_subs_lock);
	list_for_each_entry(s, &f->subs, fnode)
		if (s->t->type == sub->type &&
		    (s->flags & MK_MSG_SUB_ANY_SUBTYPE) == any &&
		    (any || s->subtype == sub->subtype))
			return s;
	return NULL;
}

/**
 * mk_msgdev_subscribe() - queue on a descriptor the messages of a type
 * @f: the descriptor
 * @sub: the subscription, flags and reserved field checked by the caller
 *
 * A subscription is named by its type and its subtype, or its type and
 * MK_MSG_SUB_ANY_SUBTYPE; MK_MSG_SUB_REQUESTS is part of it, not of its
 * name.
 *
 * Context: process context.
 * Return: 0; -EEXIST if @f has that subscription already; -ENOSPC beyond
 * MK_MSGDEV_MAX_SUBS; -ENOMEM.
 */
int mk_msgdev_subscribe(struct mk_msgdev_file *f, const struct mk_msg_sub *sub)
{
	struct mk_msgdev_sub *s, *it, *after = NULL;
	struct mk_msgdev_type *t;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->f = f;
	s->flags = sub->flags;
	s->subtype = sub->flags & MK_MSG_SUB_ANY_SUBTYPE ? 0 : sub->subtype;
	mutex_lock(&mk_msgdev_subs_lock);
	ret = -EEXIST;
	if (mk_msgdev_sub_find(f, sub))
		goto fail;
	ret = -ENOSPC;
	if (f->nr_subs >= MK_MSGDEV_MAX_SUBS)
		goto fail;
	t = mk_msgdev_type_get(sub->type);
	ret = PTR_ERR_OR_ZERO(t);
	if (ret)
		goto fail;
	s->t = t;
	mutex_lock(&t->lock);
	list_for_each_entry(it, &t->subs, tnode)
		if (it->f == f)
			after = it;
	if (after)
		list_add(&s->tnode, &after->tnode);
	else
		list_add_tail(&s->tnode, &t->subs);
	mutex_unlock(&t->lock);
	list_add_tail(&s->fnode, &f->subs);
	f->nr_subs++;
	mutex_unlock(&mk_msgdev_subs_lock);
	return 0;

fail:
	mutex_unlock(&mk_msgdev_subs_lock);
	kfree(s);
	return ret;
}

/**
 * mk_msgdev_unsubscribe() - stop a subscription
 * @f: the descriptor
 * @sub: names the subscription (type, and subtype or
 *	MK_MSG_SUB_ANY_SUBTYPE); MK_MSG_SUB_REQUESTS is ignored
 *
 * What is queued stays queued, and held requests stay @f's to answer.
 *
 * Context: process context.
 * Return: 0, or -ENOENT if @f has no such subscription.
 */
int mk_msgdev_unsubscribe(struct mk_msgdev_file *f,
			  const struct mk_msg_sub *sub)
{
	struct mk_msgdev_sub *s;

	mutex_lock(&mk_msgdev_subs_lock);
	s = mk_msgdev_sub_find(f, sub);
	if (s)
		mk_msgdev_sub_del(s);
	mutex_unlock(&mk_msgdev_subs_lock);
	return s ? 0 : -ENOENT;
}

/**
 * mk_msgdev_unsubscribe_all() - stop every subscription of a descriptor
 * @f: the descriptor, being released
 *
 * When it returns no sink reaches @f any more: its queue is its own.
 *
 * Context: process context; sleeps.
 */
void mk_msgdev_unsubscribe_all(struct mk_msgdev_file *f)
{
	struct mk_msgdev_sub *s, *tmp;

	mutex_lock(&mk_msgdev_subs_lock);
	list_for_each_entry_safe(s, tmp, &f->subs, fnode)
		mk_msgdev_sub_del(s);
	mutex_unlock(&mk_msgdev_subs_lock);
}
