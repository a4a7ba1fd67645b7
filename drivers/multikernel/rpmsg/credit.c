// SPDX-License-Identifier: GPL-2.0-only
/*
 * Credit of the multikernel rpmsg bus: a slow reader slows only its own
 * senders.
 *
 * Every message to an endpoint is charged its payload length plus
 * MK_RPMSG_MSG_CHARGE. A sender may have at most the destination's window
 * of charged bytes outstanding: sent, and not reported consumed. The
 * receiver reports what each of its addresses consumed (MK_RPMSG_CTRL_CREDIT)
 * and drops what a peer sends beyond its credit. The counters are absolute
 * and belong to one session (the link up once): a late report only delays
 * a sender, and a reset starts them again.
 *
 * Kept here, under the bus's credit_lock: what we may send to each of the
 * peer's endpoints, what each of our addresses owes its senders, and the
 * credit reports and BIND messages owed to the peer that send.c could not
 * send at once. Also here: the endpoints' wait queues, on which senders
 * wait for credit and room. Nothing here sends.
 */

#include <linux/hashtable.h>
#include <linux/idr.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/multikernel/rpmsg.h>

#include "bus.h"

/* Records kept for addresses without an endpoint, so that their credit returns. */
#define MK_RPMSG_MAX_ORPHANS	64
/* A receiver reports consumption after this much: well before a sender stalls. */
#define MK_RPMSG_REPORT_AFTER	(MK_RPMSG_WINDOW_MIN / 4)

static unsigned int window = MK_RPMSG_WINDOW_MIN;
module_param(window, uint, 0444);
MODULE_PARM_DESC(window,
		 "Charged bytes a sender may have unread by one of our endpoints (default 256 KiB; at least twice the largest message)");

/**
 * struct mk_rpmsg_txc - what we may send to one endpoint of the peer
 * @node: in mk_rpmsg.tx_credit
 * @addr: the peer's endpoint
 * @sent: charged bytes sent to it this session, modulo 2^32
 * @fwd_cnt: charged bytes it reported consumed
 * @buf_alloc: its window
 */
struct mk_rpmsg_txc {
	struct hlist_node node;
	u32 addr;
	u32 sent;
	u32 fwd_cnt;
	u32 buf_alloc;
};

/**
 * struct mk_rpmsg_rxc - what one of our addresses owes its senders
 * @node: in mk_rpmsg.rx_credit
 * @pending: in mk_rpmsg.credit_pending while a report is due
 * @addr: our address
 * @delivered: charged bytes accepted for it this session, modulo 2^32
 * @consumed: charged bytes of those consumed (read, or dropped)
 * @reported: @consumed as last reported to the peer
 * @orphan: made for an address without endpoint
 */
struct mk_rpmsg_rxc {
	struct hlist_node node;
	struct list_head pending;
	u32 addr;
	u32 delivered;
	u32 consumed;
	u32 reported;
	bool orphan;
};

/* Two messages of the largest size always fit: no sender can stall for good. */
static u32 mk_rpmsg_window_floor(size_t max_msg)
{
	return max_t(u32, MK_RPMSG_WINDOW_MIN, 2 * mk_rpmsg_charge(max_msg));
}

/**
 * mk_rpmsg_credit_start() - set the windows of a session
 * @bus: the bus, its link just up
 * @rx_max: largest message the peer may send us
 * @mtu: largest message we may send
 *
 * Our endpoints' window is the module parameter, raised to the floor
 * @rx_max needs; a peer endpoint's is assumed to be the floor @mtu needs
 * until it reports.
 */
void mk_rpmsg_credit_start(struct mk_rpmsg *bus, size_t rx_max, size_t mtu)
{
	spin_lock_irq(&bus->credit_lock);
	bus->window = max_t(u32, READ_ONCE(window), mk_rpmsg_window_floor(rx_max));
	bus->peer_window = mk_rpmsg_window_floor(mtu);
	spin_unlock_irq(&bus->credit_lock);
}

static struct mk_rpmsg_txc *mk_rpmsg_txc_find(struct mk_rpmsg *bus, u32 addr)
{
	struct mk_rpmsg_txc *c;

	hash_for_each_possible(bus->tx_credit, c, node, addr)
		if (c->addr == addr)
			return c;
	return NULL;
}

static struct mk_rpmsg_rxc *mk_rpmsg_rxc_find(struct mk_rpmsg *bus, u32 addr)
{
	struct mk_rpmsg_rxc *r;

	hash_for_each_possible(bus->rx_credit, r, node, addr)
		if (r->addr == addr)
			return r;
	return NULL;
}

/* With credit_lock held. A peer reporting more than we sent only hurts itself. */
static bool mk_rpmsg_txc_fits(const struct mk_rpmsg_txc *c, u32 charge)
{
	s32 out = c->sent - c->fwd_cnt;

	return (u64)max(out, 0) + charge <= c->buf_alloc;
}

/**
 * mk_rpmsg_credit_fits() - whether a message would fit in a destination's credit
 * @bus: the bus
 * @dst: the peer's endpoint
 * @charge: the message's charge
 *
 * Context: any context.
 * Return: true if @charge fits now.
 */
bool mk_rpmsg_credit_fits(struct mk_rpmsg *bus, u32 dst, u32 charge)
{
	struct mk_rpmsg_txc *c;
	unsigned long flags;
	bool fits;

	spin_lock_irqsave(&bus->credit_lock, flags);
	c = mk_rpmsg_txc_find(bus, dst);
	fits = c ? mk_rpmsg_txc_fits(c, charge) : charge <= bus->peer_window;
	spin_unlock_irqrestore(&bus->credit_lock, flags);
	return fits;
}

/**
 * mk_rpmsg_credit_take() - take credit to send a message
 * @bus: the bus
 * @dst: the peer's endpoint
 * @charge: the message's charge
 * @session: the session the sender started in
 *
 * Context: any context (a trysend may be atomic).
 * Return: 0; -EAGAIN if it does not fit; -EPIPE if a new session began;
 * -ENOMEM.
 */
int mk_rpmsg_credit_take(struct mk_rpmsg *bus, u32 dst, u32 charge,
			 u32 session)
{
	struct mk_rpmsg_txc *c, *new = NULL;
	unsigned long flags;
	int ret;

	for (;;) {
		spin_lock_irqsave(&bus->credit_lock, flags);
		ret = -EPIPE;
		if (bus->session != session)
			break;
		c = mk_rpmsg_txc_find(bus, dst);
		if (!c && new) {
			c = new;
			new = NULL;
			c->addr = dst;
			c->buf_alloc = bus->peer_window;
			hash_add(bus->tx_credit, &c->node, dst);
		}
		if (c) {
			ret = -EAGAIN;
			if (mk_rpmsg_txc_fits(c, charge)) {
				c->sent += charge;
				ret = 0;
			}
			break;
		}
		spin_unlock_irqrestore(&bus->credit_lock, flags);
		/* A sender may be in atomic context (trysend). */
		new = kzalloc(sizeof(*new), GFP_ATOMIC);
		if (!new)
			return -ENOMEM;
	}
	spin_unlock_irqrestore(&bus->credit_lock, flags);
	kfree(new);
	return ret;
}

/**
 * mk_rpmsg_credit_return() - give back credit of a message that was not sent
 * @bus: the bus
 * @dst: the peer's endpoint
 * @charge: what mk_rpmsg_credit_take() took
 * @session: the session it was taken in; nothing happens in another
 *
 * Context: any context.
 */
void mk_rpmsg_credit_return(struct mk_rpmsg *bus, u32 dst, u32 charge,
			    u32 session)
{
	struct mk_rpmsg_txc *c;
	unsigned long flags;

	spin_lock_irqsave(&bus->credit_lock, flags);
	c = bus->session == session ? mk_rpmsg_txc_find(bus, dst) : NULL;
	if (c)
		c->sent -= charge;
	spin_unlock_irqrestore(&bus->credit_lock, flags);
}

/**
 * mk_rpmsg_credit_update() - the peer reported what one of its endpoints consumed
 * @bus: the bus
 * @addr: the peer's endpoint
 * @fwd_cnt: charged bytes it consumed this session
 * @buf_alloc: its window
 *
 * Only endpoints we send to have a record: the peer cannot make us
 * allocate.
 *
 * Context: the link's receive thread.
 * Return: true if a record changed (its senders should be woken).
 */
bool mk_rpmsg_credit_update(struct mk_rpmsg *bus, u32 addr, u32 fwd_cnt,
			    u32 buf_alloc)
{
	struct mk_rpmsg_txc *c;
	unsigned long flags;

	spin_lock_irqsave(&bus->credit_lock, flags);
	c = mk_rpmsg_txc_find(bus, addr);
	if (c) {
		c->fwd_cnt = fwd_cnt;
		c->buf_alloc = buf_alloc;
	}
	spin_unlock_irqrestore(&bus->credit_lock, flags);
	return c;
}

/**
 * mk_rpmsg_rx_charge() - account a message that arrived for one of our addresses
 * @bus: the bus
 * @addr: our address
 * @charge: the message's charge
 * @has_ept: an endpoint is at @addr
 *
 * Context: the link's receive thread; may sleep.
 * Return: 0; -EDQUOT if the peer sent beyond its credit; -ENOENT if no
 * record can be kept for the address (its credit is lost).
 */
int mk_rpmsg_rx_charge(struct mk_rpmsg *bus, u32 addr, u32 charge,
		       bool has_ept)
{
	struct mk_rpmsg_rxc *r, *new = NULL;
	int ret;

	for (;;) {
		spin_lock_irq(&bus->credit_lock);
		r = mk_rpmsg_rxc_find(bus, addr);
		if (!r && new && (has_ept || bus->orphans < MK_RPMSG_MAX_ORPHANS)) {
			r = new;
			new = NULL;
			r->addr = addr;
			r->orphan = !has_ept;
			bus->orphans += r->orphan;
			INIT_LIST_HEAD(&r->pending);
			hash_add(bus->rx_credit, &r->node, addr);
		}
		if (r || new || (!has_ept && bus->orphans >= MK_RPMSG_MAX_ORPHANS))
			break;
		spin_unlock_irq(&bus->credit_lock);
		new = kzalloc(sizeof(*new), GFP_KERNEL);
		if (!new)
			return -ENOENT;
	}
	ret = -ENOENT;
	if (r) {
		ret = -EDQUOT;
		if ((u64)(u32)(r->delivered - r->consumed) + charge <= bus->window) {
			r->delivered += charge;
			ret = 0;
		}
	}
	spin_unlock_irq(&bus->credit_lock);
	kfree(new);
	return ret;
}

/**
 * mk_rpmsg_rx_consume() - messages for one of our addresses were consumed
 * @bus: the bus
 * @addr: our address
 * @charge: their charge (read, or dropped)
 * @all: everything outstanding at @addr instead (its endpoint goes)
 *
 * Once enough is consumed since the last report, a report is due: it is
 * queued for mk_rpmsg_report_next(), and the caller sends it (send.c's
 * mk_rpmsg_consumed() does both).
 *
 * Context: any context.
 * Return: true if a report became due.
 */
bool mk_rpmsg_rx_consume(struct mk_rpmsg *bus, u32 addr, u32 charge, bool all)
{
	struct mk_rpmsg_rxc *r;
	unsigned long flags;
	bool due = false;

	spin_lock_irqsave(&bus->credit_lock, flags);
	r = mk_rpmsg_rxc_find(bus, addr);
	if (r) {
		u32 out = r->delivered - r->consumed;

		r->consumed += all ? out : min(charge, out);
		if (r->consumed - r->reported >= MK_RPMSG_REPORT_AFTER &&
		    list_empty(&r->pending)) {
			list_add_tail(&r->pending, &bus->credit_pending);
			due = true;
		}
	}
	spin_unlock_irqrestore(&bus->credit_lock, flags);
	return due;
}

/**
 * mk_rpmsg_report_next() - take the next credit report due
 * @bus: the bus
 * @session: the session it belongs to
 * @addr: our address it is about
 * @fwd: what to report consumed
 *
 * Context: any context.
 * Return: false if none is due.
 */
bool mk_rpmsg_report_next(struct mk_rpmsg *bus, u32 *session, u32 *addr,
			  u32 *fwd)
{
	struct mk_rpmsg_rxc *r;
	unsigned long flags;

	spin_lock_irqsave(&bus->credit_lock, flags);
	*session = bus->session;
	r = list_first_entry_or_null(&bus->credit_pending, struct mk_rpmsg_rxc,
				     pending);
	if (r) {
		list_del_init(&r->pending);
		*addr = r->addr;
		*fwd = r->consumed;
	}
	spin_unlock_irqrestore(&bus->credit_lock, flags);
	return r;
}

/**
 * mk_rpmsg_report_done() - what became of a report from mk_rpmsg_report_next()
 * @bus: the bus
 * @session: its session
 * @addr: its address
 * @fwd: what it reported
 * @ret: the result of sending it
 *
 * A report sent is remembered; one worth sending again (mk_rpmsg_retry())
 * is due again, first. Nothing is kept for a session that is over.
 *
 * Context: any context.
 * Return: true if the report is due again: try later, not now.
 */
bool mk_rpmsg_report_done(struct mk_rpmsg *bus, u32 session, u32 addr,
			  u32 fwd, int ret)
{
	struct mk_rpmsg_rxc *r;
	unsigned long flags;

	spin_lock_irqsave(&bus->credit_lock, flags);
	r = bus->session == session ? mk_rpmsg_rxc_find(bus, addr) : NULL;
	if (r && !ret)
		r->reported = fwd;
	else if (r && mk_rpmsg_retry(ret) && list_empty(&r->pending))
		list_add(&r->pending, &bus->credit_pending);
	spin_unlock_irqrestore(&bus->credit_lock, flags);
	return r && ret && mk_rpmsg_retry(ret);
}

/**
 * mk_rpmsg_bind_later() - keep a BIND that found the ring full
 * @bus: the bus
 * @src: our endpoint
 * @dst: the peer's channel
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int mk_rpmsg_bind_later(struct mk_rpmsg *bus, u32 src, u32 dst)
{
	struct mk_rpmsg_bind *b = kzalloc(sizeof(*b), GFP_KERNEL);

	if (!b)
		return -ENOMEM;
	b->src = src;
	b->dst = dst;
	spin_lock_irq(&bus->credit_lock);
	list_add_tail(&b->node, &bus->binds);
	spin_unlock_irq(&bus->credit_lock);
	return 0;
}

/**
 * mk_rpmsg_bind_next() - take the first BIND kept by mk_rpmsg_bind_later()
 * @bus: the bus
 * @session: the session now
 *
 * Context: process context.
 * Return: the BIND, the caller's to free or to give back with
 * mk_rpmsg_bind_again(); NULL if none is kept.
 */
struct mk_rpmsg_bind *mk_rpmsg_bind_next(struct mk_rpmsg *bus, u32 *session)
{
	struct mk_rpmsg_bind *b;

	spin_lock_irq(&bus->credit_lock);
	*session = bus->session;
	b = list_first_entry_or_null(&bus->binds, struct mk_rpmsg_bind, node);
	if (b)
		list_del(&b->node);
	spin_unlock_irq(&bus->credit_lock);
	return b;
}

/**
 * mk_rpmsg_bind_again() - give back a BIND that still could not be sent
 * @bus: the bus
 * @b: from mk_rpmsg_bind_next()
 * @session: the session it was taken in
 *
 * It is the first to go next time; freed if a new session began.
 *
 * Context: process context.
 */
void mk_rpmsg_bind_again(struct mk_rpmsg *bus, struct mk_rpmsg_bind *b,
			 u32 session)
{
	spin_lock_irq(&bus->credit_lock);
	if (bus->session == session) {
		list_add(&b->node, &bus->binds);
		b = NULL;
	}
	spin_unlock_irq(&bus->credit_lock);
	kfree(b);
}

/**
 * mk_rpmsg_credit_reset() - begin a new session
 * @bus: the bus, its link down
 *
 * Every record goes, and every report and BIND owed: the rings went with
 * the link, and both sides start again from zero.
 *
 * Context: process context.
 */
void mk_rpmsg_credit_reset(struct mk_rpmsg *bus)
{
	struct mk_rpmsg_bind *b, *btmp;
	struct mk_rpmsg_txc *c;
	struct mk_rpmsg_rxc *r;
	struct hlist_node *tmp;
	LIST_HEAD(binds);
	int i;

	spin_lock_irq(&bus->credit_lock);
	bus->session++;
	hash_for_each_safe(bus->tx_credit, i, tmp, c, node) {
		hash_del(&c->node);
		kfree(c);
	}
	hash_for_each_safe(bus->rx_credit, i, tmp, r, node) {
		hash_del(&r->node);
		kfree(r);
	}
	INIT_LIST_HEAD(&bus->credit_pending);
	bus->orphans = 0;
	list_splice_init(&bus->binds, &binds);
	spin_unlock_irq(&bus->credit_lock);
	list_for_each_entry_safe(b, btmp, &binds, node)
		kfree(b);
}

/* Wait queues ------------------------------------------------------------- */

/**
 * mk_rpmsg_wake_all() - wake every sender and poller of a bus
 * @bus: the bus
 *
 * For credit or room that came, or a reset.
 *
 * Context: process context.
 */
void mk_rpmsg_wake_all(struct mk_rpmsg *bus)
{
	struct rpmsg_endpoint *ept;
	int id;

	wake_up_all(&bus->wq);
	mutex_lock(&bus->lock);
	idr_for_each_entry(&bus->epts, ept, id)
		if (wq_has_sleeper(&to_mept(ept)->wq->head))
			wake_up_all(&to_mept(ept)->wq->head);
	mutex_unlock(&bus->lock);
}

/* Wait queues of gone endpoints that a poll() or select() sleeper is still on. */
static LIST_HEAD(mk_rpmsg_graves);
static DEFINE_SPINLOCK(mk_rpmsg_graves_lock);
static void mk_rpmsg_reap(struct work_struct *work);
static DECLARE_DELAYED_WORK(mk_rpmsg_reaper, mk_rpmsg_reap);

static bool mk_rpmsg_waitq_empty(struct mk_rpmsg_waitq *q)
{
	unsigned long flags;
	bool empty;

	/* Under its lock: a sleeper leaving holds it while unlinking itself. */
	spin_lock_irqsave(&q->head.lock, flags);
	empty = list_empty(&q->head.head);
	spin_unlock_irqrestore(&q->head.lock, flags);
	return empty;
}

static void mk_rpmsg_reap(struct work_struct *work)
{
	struct mk_rpmsg_waitq *q, *tmp;
	bool more = false;

	spin_lock(&mk_rpmsg_graves_lock);
	list_for_each_entry_safe(q, tmp, &mk_rpmsg_graves, grave) {
		if (!mk_rpmsg_waitq_empty(q)) {
			more = true;
			continue;
		}
		list_del(&q->grave);
		kfree_rcu(q, rcu);
	}
	spin_unlock(&mk_rpmsg_graves_lock);
	if (more)
		schedule_delayed_work(&mk_rpmsg_reaper, HZ);
}

/**
 * mk_rpmsg_waitq_put() - let go of a gone endpoint's wait queue
 * @q: the queue
 *
 * Everyone on it is told (POLLFREE); it is freed once nobody is left.
 *
 * Context: process context.
 */
void mk_rpmsg_waitq_put(struct mk_rpmsg_waitq *q)
{
	/*
	 * epoll and aio let go on POLLFREE (after an RCU grace period, hence
	 * kfree_rcu); a poll() or select() sleeper only when it wakes up, so
	 * the queue waits in the graveyard until it is empty.
	 */
	__wake_up(&q->head, TASK_NORMAL, 0, poll_to_key(EPOLLHUP | POLLFREE));
	if (mk_rpmsg_waitq_empty(q)) {
		kfree_rcu(q, rcu);
		return;
	}
	spin_lock(&mk_rpmsg_graves_lock);
	list_add_tail(&q->grave, &mk_rpmsg_graves);
	spin_unlock(&mk_rpmsg_graves_lock);
	schedule_delayed_work(&mk_rpmsg_reaper, HZ / 10);
}
