/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What code written for the multikernel series includes: the typed
 * messages and the IPI API, now carried by the vring transport.
 */
#ifndef _LINUX_MULTIKERNEL_H
#define _LINUX_MULTIKERNEL_H

#include <linux/multikernel/ipi.h>
#include <linux/multikernel/messages.h>

#endif /* _LINUX_MULTIKERNEL_H */
