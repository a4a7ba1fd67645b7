/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multikernel doorbell: an interrupt that one kernel instance sends to a CPU
 * of another (or of itself, for loopback links).
 *
 * A doorbell carries no data and coalesces: several rings before the target
 * takes the interrupt may arrive as one. Whoever rings must first publish
 * what the doorbell is about in shared memory; the handler must look at all
 * of it, not count interrupts.
 *
 * A doorbell target is an opaque 32-bit value (on x86 the physical APIC ID
 * of the CPU). Only the architecture interprets it; a transport stores it in
 * shared memory and hands it back to mk_doorbell_ring().
 */
#ifndef _LINUX_MULTIKERNEL_DOORBELL_H
#define _LINUX_MULTIKERNEL_DOORBELL_H

#include <linux/errno.h>
#include <linux/list.h>
#include <linux/types.h>

/* Handler wants the doorbells taken on any CPU. */
#define MK_DOORBELL_ANY_CPU	(-1)

/**
 * struct mk_doorbell_handler - a receiver of multikernel doorbells
 * @func: called in hard-IRQ context, with interrupts off, on the CPU that
 *	took the doorbell. It must not sleep, and should only look at what is
 *	pending and wake whoever does the work (a kthread, a work item).
 * @cpu: the CPU whose doorbells go to @func, or %MK_DOORBELL_ANY_CPU.
 *
 * The caller owns the memory: embed the structure in its own, fill @func and
 * @cpu, and keep it alive until mk_doorbell_unregister() has returned.
 */
struct mk_doorbell_handler {
	void (*func)(struct mk_doorbell_handler *h);
	int cpu;
	/* private: */
	struct list_head node;
	bool registered;
};

#ifdef CONFIG_X86_MULTIKERNEL
int mk_doorbell_register(struct mk_doorbell_handler *h);
int mk_doorbell_unregister(struct mk_doorbell_handler *h);
int mk_doorbell_ring(u32 target);
int mk_doorbell_cpu_target(unsigned int cpu, u32 *target);
#else
static inline int mk_doorbell_register(struct mk_doorbell_handler *h)
{
	return -EOPNOTSUPP;
}

static inline int mk_doorbell_unregister(struct mk_doorbell_handler *h)
{
	return -EOPNOTSUPP;
}

static inline int mk_doorbell_ring(u32 target)
{
	return -EOPNOTSUPP;
}

static inline int mk_doorbell_cpu_target(unsigned int cpu, u32 *target)
{
	return -EOPNOTSUPP;
}
#endif

#endif /* _LINUX_MULTIKERNEL_DOORBELL_H */
