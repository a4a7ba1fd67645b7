// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IPI doorbell backend: a link end is rung with the multikernel
 * doorbell (x86 vector 0xea) at one of its kernel's CPUs, whose physical
 * APIC ID is the target it publishes.
 */

#include <linux/slab.h>
#include <linux/multikernel/doorbell.h>
#include <linux/multikernel/transport.h>

#include "doorbell.h"

struct mk_ipi_db {
	struct mk_doorbell_handler h;
	struct mk_link *link;
};

static void mk_ipi_db_fire(struct mk_doorbell_handler *h)
{
	mk_link_notify(container_of(h, struct mk_ipi_db, h)->link);
}

static int mk_ipi_db_bind(struct mk_link *link, unsigned int cpu, void **cookie)
{
	struct mk_ipi_db *d = kzalloc(sizeof(*d), GFP_KERNEL);
	int ret;

	if (!d)
		return -ENOMEM;
	d->link = link;
	d->h.func = mk_ipi_db_fire;
	d->h.cpu = cpu;
	ret = mk_doorbell_register(&d->h);
	if (ret) {
		kfree(d);
		return ret;
	}
	*cookie = d;
	return 0;
}

static void mk_ipi_db_unbind(struct mk_link *link, void *cookie)
{
	struct mk_ipi_db *d = cookie;

	/* Returns once no handler can still see it. */
	mk_doorbell_unregister(&d->h);
	kfree(d);
}

const struct mk_doorbell_ops mk_doorbell_ipi = {
	.name = "ipi",
	.target = mk_doorbell_cpu_target,
	.ring = mk_doorbell_ring,
	.bind = mk_ipi_db_bind,
	.unbind = mk_ipi_db_unbind,
};
