/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multikernel instances: kernels this kernel starts on its offlined CPUs
 * (kernel/multikernel/instance/), the x86 primitives that start them
 * (arch/x86/multikernel/spawn.c), and what a spawned kernel knows of
 * itself (arch/x86/multikernel/instance_mode.c).
 */
#ifndef _LINUX_MULTIKERNEL_INSTANCE_H
#define _LINUX_MULTIKERNEL_INSTANCE_H

#include <linux/init.h>
#include <linux/notifier.h>
#include <linux/types.h>

struct mk_pool;
struct mk_instance;

/* A spawned kernel about itself (always false/0 on a host). */
#ifdef CONFIG_X86_MULTIKERNEL
bool mk_instance_spawned(void);
int mk_instance_self(void);
#else
static inline bool mk_instance_spawned(void)
{
	return false;
}

static inline int mk_instance_self(void)
{
	return 0;
}
#endif

/**
 * struct mk_arch_start - what mk_arch_instance_start() starts, and where
 * @cpu: the offlined CPU
 * @ram_base: physical start of the instance's RAM
 * @ram_size: its size
 * @status: physical address of the instance's struct mk_instance_status
 * @shared_base: start of the memory it shares with the host (status page
 *	and channels), outside its RAM
 * @shared_size: its size
 * @kernel: the bzImage
 * @kernel_size: its size
 * @initrd: the initrd, or NULL
 * @initrd_size: its size
 * @cmdline: the instance's whole command line
 * @debug_port: an I/O port for the trampoline's stage markers, or 0
 */
struct mk_arch_start {
	unsigned int cpu;
	phys_addr_t ram_base;
	u64 ram_size;
	phys_addr_t status;
	phys_addr_t shared_base;
	u64 shared_size;
	const void *kernel;
	size_t kernel_size;
	const void *initrd;
	size_t initrd_size;
	const char *cmdline;
	u16 debug_port;
};

void __init mk_spawn_reserve_low(void);
int mk_arch_image_check(const void *buf, size_t len, const char **why);
int mk_arch_instance_start(const struct mk_arch_start *s, const char **why);
void mk_arch_instance_stop(unsigned int cpu);
int mk_arch_handover(char *buf, size_t len);

/* Events of the instance notifier chain; the data is a struct mk_instance. */
enum mk_instance_event {
	MK_INSTANCE_PREPARE,	/* about to start: add shared regions and parameters */
	MK_INSTANCE_STOPPED,	/* its CPU is halted */
	MK_INSTANCE_RELEASE,	/* its memory is about to go: drop every use of it */
};

int mk_instance_register_notifier(struct notifier_block *nb);
int mk_instance_unregister_notifier(struct notifier_block *nb);
int mk_instance_id(const struct mk_instance *inst);
unsigned int mk_instance_cpu(const struct mk_instance *inst);
struct mk_pool *mk_instance_shared_pool(const struct mk_instance *inst);
int mk_instance_add_param(struct mk_instance *inst, const char *fmt, ...)
	__printf(2, 3);

long mk_instance_kexec_file_load(int kernel_fd, int initrd_fd,
				 unsigned long cmdline_len,
				 const char __user *cmdline_ptr,
				 unsigned long flags);

#endif /* _LINUX_MULTIKERNEL_INSTANCE_H */
