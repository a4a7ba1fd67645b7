/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The doorbell backends built into the transport (struct mk_doorbell_ops).
 */
#ifndef _MK_TRANSPORT_DOORBELL_H
#define _MK_TRANSPORT_DOORBELL_H

#include <linux/multikernel/transport.h>

extern const struct mk_doorbell_ops mk_doorbell_poll;
#ifdef CONFIG_MULTIKERNEL_DOORBELL_IPI
extern const struct mk_doorbell_ops mk_doorbell_ipi;
#endif

#endif /* _MK_TRANSPORT_DOORBELL_H */
