/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 internals of the multikernel doorbell (what arch/x86/kernel needs to
 * show and count it) and of the instance start. Users of the doorbell include
 * <linux/multikernel/doorbell.h> instead.
 */
#ifndef _ASM_X86_MULTIKERNEL_H
#define _ASM_X86_MULTIKERNEL_H

#include <linux/types.h>

struct seq_file;

#ifdef CONFIG_X86_MULTIKERNEL
void mk_doorbell_show_interrupts(struct seq_file *p, int prec);
u64 mk_doorbell_irq_count(unsigned int cpu);
#else
static inline void mk_doorbell_show_interrupts(struct seq_file *p, int prec)
{
}

static inline u64 mk_doorbell_irq_count(unsigned int cpu)
{
	return 0;
}
#endif

/* The start trampoline of spawned instances (trampoline.S), for spawn.c. */
extern const u8 mk_tramp_start[], mk_tramp_end[], mk_tramp_pm32[],
	mk_tramp_lm64[], mk_tramp_gdt[], mk_tramp_gdt_end[], mk_tramp_params[];

#endif /* _ASM_X86_MULTIKERNEL_H */
