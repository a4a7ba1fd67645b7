/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of multikernel instances, shared by the files of this
 * directory: instance.c (the notifier, the accessors and the lifecycle:
 * start, stop, following the status page), resources.c (the CPU and the
 * memory an instance owns), kexec.c (loading its image) and sysfs.c
 * (/sys/kernel/multikernel/). Nothing outside kernel/multikernel/instance/
 * includes it.
 */
#ifndef _MK_INSTANCE_INTERNAL_H
#define _MK_INSTANCE_INTERNAL_H

#include <linux/cpumask.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/multikernel/instance.h>

struct mk_instance_status;

#define MK_CMDLINE_MAX		2048

/**
 * enum mk_inst_state - where an instance is in its life
 * @MK_EMPTY: no image loaded
 * @MK_LOADED: an image is loaded, it has not been started
 * @MK_STARTING: started, not yet in userspace
 * @MK_RUNNING: reached userspace
 * @MK_FAILED: panicked, or did not reach userspace in time
 * @MK_STOPPED: stopped, or halted by itself
 */
enum mk_inst_state {
	MK_EMPTY,
	MK_LOADED,
	MK_STARTING,
	MK_RUNNING,
	MK_FAILED,
	MK_STOPPED,
};

/**
 * struct mk_instance - one instance this kernel starts
 * @kobj: its sysfs directory, instances/N
 * @node: in mk_instances
 * @id: its number, 1-255 (0 is the host)
 * @lock: serialises everything below
 * @state: lifecycle state
 * @cpu: the CPU it owns, or -1
 * @pool: its pool: RAM, status page, shared regions; or NULL
 * @dedicated: @pool is a reservation of its own, not in the global pool
 * @ram_base: physical start of its RAM
 * @ram_size: size of its RAM
 * @status_phys: physical address of its status page
 * @status: the status page
 * @kernel: the loaded bzImage (vmalloc)
 * @kernel_size: its size
 * @initrd: the loaded initrd (vmalloc), or NULL
 * @initrd_size: its size
 * @user_cmdline: the command line given at load
 * @cmdline: the whole command line of the last start
 * @extra: parameters the notifier listeners add during a start
 * @extra_len: bytes used in @extra
 * @starts: how many times it was started
 * @start_time: jiffies of the last start
 * @timeout_s: seconds it has to reach userspace
 * @poll: follows the status page while it starts and runs
 */
struct mk_instance {
	struct kobject kobj;
	struct list_head node;
	int id;
	struct mutex lock;	/* everything below */
	enum mk_inst_state state;
	int cpu;
	struct mk_pool *pool;
	bool dedicated;
	phys_addr_t ram_base;
	u64 ram_size;
	phys_addr_t status_phys;
	struct mk_instance_status *status;
	void *kernel;
	size_t kernel_size;
	void *initrd;
	size_t initrd_size;
	char *user_cmdline;
	char cmdline[MK_CMDLINE_MAX];
	char extra[MK_CMDLINE_MAX / 2];
	size_t extra_len;
	unsigned int starts;
	unsigned long start_time;
	unsigned int timeout_s;
	struct delayed_work poll;
};

/* Lock order: an instance's lock, then mk_instances_lock. */
extern struct mutex mk_instances_lock;
extern struct list_head mk_instances;	/* every instance, under the lock */
extern struct cpumask mk_owned_cpus;	/* their CPUs, under the lock */

extern const char * const mk_state_names[];
extern const char * const mk_stage_names[];

/* instance.c */
u32 mk_stage(struct mk_instance *inst);
void mk_notify(struct mk_instance *inst, enum mk_instance_event ev);
bool mk_running(struct mk_instance *inst);
void mk_instance_poll(struct work_struct *work);
int mk_instance_start(struct mk_instance *inst);
int mk_instance_stop(struct mk_instance *inst);
struct mk_instance *mk_instance_lookup(int id);
struct mk_instance *mk_instance_get(int id);

/* resources.c */
void mk_instance_free_memory(struct mk_instance *inst);
int mk_instance_set_memory(struct mk_instance *inst, const char *buf);
int mk_instance_set_cpu(struct mk_instance *inst, const char *buf);
int mk_instance_cpu_prepare(unsigned int cpu);

/* kexec.c */
void mk_instance_free_image(struct mk_instance *inst);

#endif /* _MK_INSTANCE_INTERNAL_H */
