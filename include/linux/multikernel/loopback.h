/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loopback links: both ends of a channel in this kernel, for the tests of
 * the transport and of its clients (CONFIG_MULTIKERNEL_TRANSPORT_TEST).
 * The tools of drivers/multikernel/transport/ (the stream, the benchmark,
 * the debugfs "loopback" control) use them; other code reaches them only
 * from KUnit suites (EXPORT_SYMBOL_IF_KUNIT). Not an API for drivers.
 */
#ifndef _LINUX_MULTIKERNEL_LOOPBACK_H
#define _LINUX_MULTIKERNEL_LOOPBACK_H

#include <linux/multikernel/transport.h>

struct mk_loopback;

struct mk_loopback *mk_loopback_create(int cpu_a, int cpu_b,
				       const struct mk_chan_geometry *g);
void mk_loopback_destroy(struct mk_loopback *lo);
struct mk_link *mk_loopback_end(struct mk_loopback *lo, int i);
int mk_loopback_id(struct mk_loopback *lo);

#endif /* _LINUX_MULTIKERNEL_LOOPBACK_H */
