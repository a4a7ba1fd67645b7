// SPDX-License-Identifier: GPL-2.0-only
/*
 * The polling doorbell backend: no interrupt at all. Each link end looks at
 * shared memory every poll_us microseconds, so a message waits at most that
 * long (plus scheduling) to be seen; ringing does nothing. For machines or
 * hypervisors without a usable inter-kernel interrupt, and to prove that
 * the transport depends on no particular one.
 */

#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/multikernel/transport.h>

#include "doorbell.h"

#define MK_POLL_MIN_US	50

static unsigned int poll_us = 1000;
module_param(poll_us, uint, 0644);
MODULE_PARM_DESC(poll_us,
		 "Polling doorbell: how often a link end looks for work, in microseconds (default 1000, at least 50)");

struct mk_poll_db {
	struct hrtimer timer;
	struct mk_link *link;
};

static ktime_t mk_poll_period(void)
{
	return ns_to_ktime((u64)max(READ_ONCE(poll_us), MK_POLL_MIN_US) * NSEC_PER_USEC);
}

static enum hrtimer_restart mk_poll_db_fire(struct hrtimer *t)
{
	struct mk_poll_db *d = container_of(t, struct mk_poll_db, timer);

	mk_link_notify(d->link);
	hrtimer_forward_now(t, mk_poll_period());
	return HRTIMER_RESTART;
}

/* Nobody is rung: every target is the same. */
static int mk_poll_db_target(unsigned int cpu, u32 *target)
{
	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	*target = 0;
	return 0;
}

static int mk_poll_db_ring(u32 target)
{
	return 0;
}

static int mk_poll_db_bind(struct mk_link *link, unsigned int cpu, void **cookie)
{
	struct mk_poll_db *d = kzalloc(sizeof(*d), GFP_KERNEL);

	if (!d)
		return -ENOMEM;
	d->link = link;
	hrtimer_init(&d->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	d->timer.function = mk_poll_db_fire;
	hrtimer_start(&d->timer, mk_poll_period(), HRTIMER_MODE_REL);
	*cookie = d;
	return 0;
}

static void mk_poll_db_unbind(struct mk_link *link, void *cookie)
{
	struct mk_poll_db *d = cookie;

	hrtimer_cancel(&d->timer);
	kfree(d);
}

const struct mk_doorbell_ops mk_doorbell_poll = {
	.name = "poll",
	.polled = true,
	.target = mk_poll_db_target,
	.ring = mk_poll_db_ring,
	.bind = mk_poll_db_bind,
	.unbind = mk_poll_db_unbind,
};
