// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mk_rpmsg module: the rpmsg bus over multikernel links and, with
 * CONFIG_MULTIKERNEL_MESSAGES, the typed messages on it.
 *
 * The typed-message driver is registered first, so that it is there when
 * the first bus creates its "multikernel-msg" channel; then the bus takes
 * the links. Both parts are told to start from here, so neither calls
 * into the other to be started.
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
	return mk_rpmsg_bus_init();
}
module_init(mk_rpmsg_init);

MODULE_DESCRIPTION("rpmsg bus over multikernel links");
MODULE_LICENSE("GPL");
