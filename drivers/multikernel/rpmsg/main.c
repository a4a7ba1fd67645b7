// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mk_rpmsg module: the rpmsg bus over multikernel links and, with
 * CONFIG_MULTIKERNEL_MESSAGES, the typed messages on it and their device
 * for userspace (CONFIG_MULTIKERNEL_MSG_DEV).
 *
 * The typed-message driver is registered first, so that it is there when
 * the first bus creates its "multikernel-msg" channel; then the device
 * (without it the kernel's own users still work); then the bus takes the
 * links. Every part is told to start from here, so none calls into
 * another to be started.
 */

#include <linux/init.h>
#include <linux/module.h>

#include "mk_rpmsg.h"

static int __init mk_rpmsg_init(void)
{
	int ret;

	if (IS_ENABLED(CONFIG_MULTIKERNEL_MESSAGES)) {
		ret = mk_msg_init();
		if (ret)
			return ret;
	}
	/* Logged; the kernel's users of the typed messages do without it. */
	mk_msgdev_init();
	return mk_rpmsg_bus_init();
}
module_init(mk_rpmsg_init);

MODULE_DESCRIPTION("rpmsg bus over multikernel links");
MODULE_LICENSE("GPL");
