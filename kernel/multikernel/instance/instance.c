// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel instances: kernels this kernel starts on its offlined CPUs,
 * in memory of their own. This file holds the instance notifier, the
 * accessors its listeners use, and the lifecycle: starting an instance,
 * stopping it, and following its status page from starting to running or
 * failed.
 *
 * Listeners on the instance notifier (the transport) carve what they share
 * with the instance from its pool at MK_INSTANCE_PREPARE, and add the boot
 * parameters that tell the instance where it is.
 *
 * The CPU and memory an instance owns are in resources.c, the loading of
 * its image in kexec.c, its control files in sysfs.c.
 */

#define pr_fmt(fmt) "mk_instance: " fmt

#include <linux/cpu.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <linux/multikernel/instance.h>
#include <linux/multikernel/pool.h>
#include <uapi/linux/multikernel/instance.h>

#include "instance_internal.h"

#define MK_POLL_MS		100

/* Parameters every instance needs; instance_mode.c does the rest. */
#define MK_FIXED_PARAMS	"nokaslr no5lvl nosmp apic_extnmi=none " \
			"no_ipi_broadcast=1 tsc=reliable swiotlb=noforce"

const char * const mk_state_names[] = {
	[MK_EMPTY] = "empty",
	[MK_LOADED] = "loaded",
	[MK_STARTING] = "starting",
	[MK_RUNNING] = "running",
	[MK_FAILED] = "failed",
	[MK_STOPPED] = "stopped",
};

const char * const mk_stage_names[] = {
	[MK_STAGE_NONE] = "none",
	[MK_STAGE_TRAMPOLINE] = "trampoline",
	[MK_STAGE_KERNEL] = "kernel",
	[MK_STAGE_USERSPACE] = "userspace",
	[MK_STAGE_PANIC] = "panic",
	[MK_STAGE_HALTED] = "halted",
};

/* Serialises mk_instances and mk_owned_cpus (resources.c). */
DEFINE_MUTEX(mk_instances_lock);
LIST_HEAD(mk_instances);
static BLOCKING_NOTIFIER_HEAD(mk_instance_chain);

/**
 * mk_instance_register_notifier() - follow instances' starts and stops
 * @nb: called with an enum mk_instance_event and the struct mk_instance
 *
 * Calls are made with the instance's lock held: a listener may use the
 * mk_instance_*() accessors but must not write its sysfs files.
 *
 * Return: 0.
 */
int mk_instance_register_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&mk_instance_chain, nb);
}
EXPORT_SYMBOL_GPL(mk_instance_register_notifier);

/**
 * mk_instance_unregister_notifier() - stop following instances
 * @nb: as registered
 *
 * Return: 0, or -ENOENT if @nb was not registered.
 */
int mk_instance_unregister_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&mk_instance_chain, nb);
}
EXPORT_SYMBOL_GPL(mk_instance_unregister_notifier);

/**
 * mk_instance_id() - an instance's number
 * @inst: the instance
 *
 * Return: 1-255.
 */
int mk_instance_id(const struct mk_instance *inst)
{
	return inst->id;
}
EXPORT_SYMBOL_GPL(mk_instance_id);

/**
 * mk_instance_cpu() - the CPU an instance runs on
 * @inst: the instance, being started
 *
 * Return: a CPU number of this kernel (offline here).
 */
unsigned int mk_instance_cpu(const struct mk_instance *inst)
{
	return inst->cpu;
}
EXPORT_SYMBOL_GPL(mk_instance_cpu);

/**
 * mk_instance_shared_pool() - where to carve memory shared with an instance
 * @inst: the instance
 *
 * The pool outlives every start and stop; a listener frees what it took at
 * %MK_INSTANCE_RELEASE, after which the pool goes.
 *
 * Return: the instance's pool.
 */
struct mk_pool *mk_instance_shared_pool(const struct mk_instance *inst)
{
	return inst->pool;
}
EXPORT_SYMBOL_GPL(mk_instance_shared_pool);

/**
 * mk_instance_add_param() - add to the command line of the start under way
 * @inst: the instance, in %MK_INSTANCE_PREPARE
 * @fmt: one or more parameters, printf-style
 *
 * Return: 0, or -E2BIG if the command line would be too long.
 */
int mk_instance_add_param(struct mk_instance *inst, const char *fmt, ...)
{
	size_t room = sizeof(inst->extra) - inst->extra_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(inst->extra + inst->extra_len, room, fmt, ap);
	va_end(ap);
	if (n + 1 >= room) {
		inst->extra[inst->extra_len] = '\0';
		return -E2BIG;
	}
	inst->extra_len += n;
	inst->extra[inst->extra_len++] = ' ';
	inst->extra[inst->extra_len] = '\0';
	return 0;
}
EXPORT_SYMBOL_GPL(mk_instance_add_param);

/**
 * mk_stage() - how far an instance's boot got, from its status page
 * @inst: the instance, with a status page
 *
 * Return: a %MK_STAGE_* value; %MK_STAGE_NONE for one it does not know.
 */
u32 mk_stage(struct mk_instance *inst)
{
	u32 stage = le32_to_cpu(READ_ONCE(inst->status->stage));

	return stage < ARRAY_SIZE(mk_stage_names) ? stage : MK_STAGE_NONE;
}

/**
 * mk_notify() - tell the listeners on the instance notifier of an event
 * @inst: the instance, locked
 * @ev: what happened
 */
void mk_notify(struct mk_instance *inst, enum mk_instance_event ev)
{
	blocking_notifier_call_chain(&mk_instance_chain, ev, inst);
}

/**
 * mk_instance_poll() - follow the status page: starting -> running, or failed
 * @work: the @poll of an instance
 *
 * Runs again every %MK_POLL_MS while the instance starts or runs.
 *
 * Context: process context; takes the instance's lock.
 */
void mk_instance_poll(struct work_struct *work)
{
	struct mk_instance *inst = container_of(to_delayed_work(work),
						struct mk_instance, poll);
	u32 stage;

	mutex_lock(&inst->lock);
	if (inst->state != MK_STARTING && inst->state != MK_RUNNING)
		goto out;
	stage = mk_stage(inst);
	if (stage == MK_STAGE_PANIC) {
		pr_err("instance %d panicked (CPU %d spins in its panic until stopped)\n",
		       inst->id, inst->cpu);
		inst->state = MK_FAILED;
	} else if (stage == MK_STAGE_HALTED) {
		/* Its word only: INIT makes sure the CPU is stopped. */
		pr_info("instance %d halted\n", inst->id);
		mk_arch_instance_stop(inst->cpu);
		inst->state = MK_STOPPED;
		mk_notify(inst, MK_INSTANCE_STOPPED);
	} else if (inst->state == MK_STARTING && stage == MK_STAGE_USERSPACE) {
		pr_info("instance %d running on CPU %d (%u ms to userspace)\n",
			inst->id, inst->cpu,
			jiffies_to_msecs(jiffies - inst->start_time));
		inst->state = MK_RUNNING;
	} else if (inst->state == MK_STARTING &&
		   time_after(jiffies, inst->start_time + inst->timeout_s * HZ)) {
		pr_err("instance %d did not reach userspace in %u s (stage: %s)\n",
		       inst->id, inst->timeout_s, mk_stage_names[stage]);
		inst->state = MK_FAILED;
	}
	if (inst->state == MK_STARTING || inst->state == MK_RUNNING)
		schedule_delayed_work(&inst->poll, msecs_to_jiffies(MK_POLL_MS));
out:
	mutex_unlock(&inst->lock);
}

/**
 * mk_running() - whether an instance may be executing on its CPU
 * @inst: the instance, locked
 *
 * A failed instance counts: it still spins on its CPU until stopped.
 *
 * Return: true if it is starting, running or failed: stop it first.
 */
bool mk_running(struct mk_instance *inst)
{
	return inst->state == MK_STARTING || inst->state == MK_RUNNING ||
	       inst->state == MK_FAILED;
}

/* The debug port of "earlycon=uart8250,io,PORT" in @cmdline, or 0. */
static u16 mk_debug_port(const char *cmdline)
{
	const char *p = strstr(cmdline, "earlycon=uart8250,io,");
	unsigned int port;

	if (p && sscanf(p + strlen("earlycon=uart8250,io,"), "%x", &port) == 1 &&
	    port <= U16_MAX)
		return port;
	return 0;
}

static bool mk_another_start_in_flight(struct mk_instance *inst)
{
	struct mk_instance *o;
	bool busy = false;

	mutex_lock(&mk_instances_lock);
	list_for_each_entry(o, &mk_instances, node) {
		if (o != inst && o->state == MK_STARTING && o->status &&
		    mk_stage(o) < MK_STAGE_KERNEL)
			busy = true;
	}
	mutex_unlock(&mk_instances_lock);
	return busy;
}

/**
 * mk_instance_start() - start an instance's loaded image on its CPU
 * @inst: the instance, locked
 *
 * The listeners on the instance notifier prepare its channels first
 * (%MK_INSTANCE_PREPARE) and add their boot parameters.
 *
 * Return: 0; -EBUSY if it runs, its CPU is online or another instance is
 * in its trampoline; -EINVAL without an image, a CPU or memory; -E2BIG
 * for a command line too long; or the error of a listener or of the
 * architecture's start.
 */
int mk_instance_start(struct mk_instance *inst)
{
	struct mk_arch_start s = { };
	char handover[64];
	const char *why;
	int ret;

	if (mk_running(inst)) {
		pr_err("instance %d: start refused: already %s (stop it first)\n",
		       inst->id, mk_state_names[inst->state]);
		return -EBUSY;
	}
	if (!inst->kernel) {
		pr_err("instance %d: start refused: no kernel loaded\n", inst->id);
		return -EINVAL;
	}
	if (inst->cpu < 0 || !inst->pool) {
		pr_err("instance %d: start refused: set cpus and memory first\n",
		       inst->id);
		return -EINVAL;
	}
	if (cpu_online(inst->cpu)) {
		pr_err("instance %d: start refused: CPU %d is online\n",
		       inst->id, inst->cpu);
		return -EBUSY;
	}
	if (mk_another_start_in_flight(inst)) {
		pr_err("instance %d: start refused: another instance is in its trampoline\n",
		       inst->id);
		return -EBUSY;
	}

	inst->extra_len = 0;
	inst->extra[0] = '\0';
	ret = notifier_to_errno(blocking_notifier_call_chain(&mk_instance_chain,
							     MK_INSTANCE_PREPARE,
							     inst));
	if (ret) {
		pr_err("instance %d: start refused: preparing its channels failed (%d)\n",
		       inst->id, ret);
		return ret;
	}
	mk_arch_handover(handover, sizeof(handover));
	ret = snprintf(inst->cmdline, sizeof(inst->cmdline),
		       "%s mk_instance=%d,status=%#llx,%s %s %s",
		       inst->user_cmdline, inst->id, (u64)inst->status_phys,
		       handover, MK_FIXED_PARAMS, inst->extra);
	if (ret >= sizeof(inst->cmdline)) {
		pr_err("instance %d: start refused: command line too long\n",
		       inst->id);
		return -E2BIG;
	}
	strim(inst->cmdline);

	inst->status->magic = cpu_to_le32(MK_INSTANCE_STATUS_MAGIC);
	inst->status->instance_id = cpu_to_le32(inst->id);
	inst->status->starts = cpu_to_le32(++inst->starts);
	WRITE_ONCE(inst->status->stage, cpu_to_le32(MK_STAGE_NONE));

	s.cpu = inst->cpu;
	s.ram_base = inst->ram_base;
	s.ram_size = inst->ram_size;
	s.status = inst->status_phys;
	/* The RAM comes first in the pool: everything after it is shared. */
	s.shared_base = inst->ram_base + inst->ram_size;
	s.shared_size = mk_pool_base(inst->pool) + mk_pool_size(inst->pool) -
			s.shared_base;
	s.kernel = inst->kernel;
	s.kernel_size = inst->kernel_size;
	s.initrd = inst->initrd;
	s.initrd_size = inst->initrd_size;
	s.cmdline = inst->cmdline;
	s.debug_port = mk_debug_port(inst->cmdline);
	ret = mk_arch_instance_start(&s, &why);
	if (ret) {
		pr_err("instance %d: start failed: %s (%d)\n", inst->id, why, ret);
		return ret;
	}
	inst->state = MK_STARTING;
	inst->start_time = jiffies;
	pr_info("instance %d: starting on CPU %d, %llu MiB at %pa\n", inst->id,
		inst->cpu, inst->ram_size >> 20, &inst->ram_base);
	schedule_delayed_work(&inst->poll, msecs_to_jiffies(MK_POLL_MS));
	return 0;
}

/**
 * mk_instance_stop() - halt the CPU of an instance that was started
 * @inst: the instance, locked
 *
 * Return: 0, or -EINVAL if it is not starting, running or failed.
 */
int mk_instance_stop(struct mk_instance *inst)
{
	if (!mk_running(inst)) {
		pr_err("instance %d: stop refused: it is %s\n", inst->id,
		       mk_state_names[inst->state]);
		return -EINVAL;
	}
	mk_arch_instance_stop(inst->cpu);
	inst->state = MK_STOPPED;
	pr_info("instance %d: stopped, CPU %d halted\n", inst->id, inst->cpu);
	mk_notify(inst, MK_INSTANCE_STOPPED);
	return 0;
}

/**
 * mk_instance_lookup() - find an instance by its number
 * @id: the number
 *
 * Context: with mk_instances_lock held.
 * Return: the instance, or NULL.
 */
struct mk_instance *mk_instance_lookup(int id)
{
	struct mk_instance *inst;

	list_for_each_entry(inst, &mk_instances, node)
		if (inst->id == id)
			return inst;
	return NULL;
}

/**
 * mk_instance_get() - find an instance by its number and hold it
 * @id: the number
 *
 * Return: the instance, with a reference to drop with kobject_put(), or
 * NULL.
 */
struct mk_instance *mk_instance_get(int id)
{
	struct mk_instance *inst;

	mutex_lock(&mk_instances_lock);
	inst = mk_instance_lookup(id);
	if (inst)
		kobject_get(&inst->kobj);
	mutex_unlock(&mk_instances_lock);
	return inst;
}
