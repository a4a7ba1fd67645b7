// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel doorbell on x86: interrupt vector 0xea (MULTIKERNEL_VECTOR),
 * sent to a physical APIC ID, dispatched to registered handlers.
 *
 * The handler list is read under RCU from the interrupt and changed under a
 * mutex. Unregistration waits for an RCU grace period, which on this kernel
 * also waits for every hard-IRQ section (they run with preemption off), so
 * when mk_doorbell_unregister() returns no call of that handler is running
 * and none will start.
 */

#define pr_fmt(fmt) "mk_doorbell: " fmt

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/processor.h>
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/multikernel/doorbell.h>

#include <asm/apic.h>
#include <asm/idtentry.h>
#include <asm/irq_vectors.h>
#include <asm/multikernel.h>

/**
 * struct mk_doorbell_stats - per-CPU doorbell counters
 * @received: doorbell interrupts taken on this CPU
 * @unhandled: of those, the ones no registered handler was there for
 * @sent: doorbells sent from this CPU
 */
struct mk_doorbell_stats {
	unsigned long received;
	unsigned long unhandled;
	unsigned long sent;
};

static DEFINE_PER_CPU(struct mk_doorbell_stats, mk_doorbell_stats);
static LIST_HEAD(mk_doorbell_handlers);
static DEFINE_MUTEX(mk_doorbell_mutex);

static void mk_doorbell_dispatch(void)
{
	struct mk_doorbell_handler *h;
	int cpu = smp_processor_id();
	bool handled = false;

	rcu_read_lock();
	list_for_each_entry_rcu(h, &mk_doorbell_handlers, node) {
		if (h->cpu != MK_DOORBELL_ANY_CPU && h->cpu != cpu)
			continue;
		h->func(h);
		handled = true;
	}
	rcu_read_unlock();

	if (!handled)
		__this_cpu_inc(mk_doorbell_stats.unhandled);
}

DEFINE_IDTENTRY_SYSVEC(sysvec_multikernel)
{
	/*
	 * Acknowledge first: a doorbell rung while the handlers run raises
	 * the interrupt again, so state published after a handler looked is
	 * never left without an interrupt.
	 */
	apic_eoi();
	__this_cpu_inc(mk_doorbell_stats.received);
	mk_doorbell_dispatch();
}

/**
 * mk_doorbell_register() - start delivering doorbells to a handler
 * @h: the handler, with @h->func and @h->cpu set
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL for a missing function or a CPU that does not exist,
 * -EBUSY if @h is registered already.
 */
int mk_doorbell_register(struct mk_doorbell_handler *h)
{
	if (!h || !h->func)
		return -EINVAL;
	if (h->cpu != MK_DOORBELL_ANY_CPU &&
	    (h->cpu < 0 || h->cpu >= nr_cpu_ids || !cpu_possible(h->cpu)))
		return -EINVAL;

	mutex_lock(&mk_doorbell_mutex);
	if (h->registered) {
		mutex_unlock(&mk_doorbell_mutex);
		return -EBUSY;
	}
	h->registered = true;
	list_add_tail_rcu(&h->node, &mk_doorbell_handlers);
	mutex_unlock(&mk_doorbell_mutex);
	return 0;
}
EXPORT_SYMBOL_GPL(mk_doorbell_register);

/**
 * mk_doorbell_unregister() - stop delivering doorbells to a handler
 * @h: a handler passed to mk_doorbell_register()
 *
 * Returns only when no call of @h->func is running on any CPU, so the caller
 * may free @h and what it points to right after.
 *
 * Context: process context; sleeps for an RCU grace period.
 * Return: 0, or -ENOENT if @h was not registered (nothing is changed).
 */
int mk_doorbell_unregister(struct mk_doorbell_handler *h)
{
	if (!h)
		return -EINVAL;

	mutex_lock(&mk_doorbell_mutex);
	if (!h->registered) {
		mutex_unlock(&mk_doorbell_mutex);
		pr_warn_ratelimited("unregister of a handler that is not registered (%ps)\n",
				    h->func);
		return -ENOENT;
	}
	list_del_rcu(&h->node);
	h->registered = false;
	mutex_unlock(&mk_doorbell_mutex);

	/* Waits for every interrupt handler that may still see @h. */
	synchronize_rcu();
	return 0;
}
EXPORT_SYMBOL_GPL(mk_doorbell_unregister);

static bool mk_doorbell_target_valid(u32 target)
{
	/* Never the broadcast ID: one ring must reach one CPU. */
	if (x2apic_enabled())
		return target != U32_MAX;
	return target < 0xff;
}

/**
 * mk_doorbell_ring() - send the doorbell to a CPU
 * @target: the doorbell target of that CPU (its physical APIC ID), as
 *	published by the receiving kernel
 *
 * Every store made before the call is visible to the target's handler.
 *
 * Context: any, including hard-IRQ context.
 * Return: 0, or -EINVAL for a target that cannot name a single CPU.
 */
int mk_doorbell_ring(u32 target)
{
	unsigned long flags;

	if (!mk_doorbell_target_valid(target))
		return -EINVAL;

	local_irq_save(flags);
	apic_wait_icr_idle();
	/*
	 * An x2APIC ICR write is not serializing: without the fence the
	 * interrupt could overtake the shared-memory stores it announces.
	 */
	weak_wrmsr_fence();
	apic_icr_write(APIC_DM_FIXED | APIC_DEST_PHYSICAL | MULTIKERNEL_VECTOR,
		       target);
	__this_cpu_inc(mk_doorbell_stats.sent);
	local_irq_restore(flags);
	return 0;
}
EXPORT_SYMBOL_GPL(mk_doorbell_ring);

/**
 * mk_doorbell_cpu_target() - the doorbell target of a CPU of this kernel
 * @cpu: a possible CPU
 * @target: where the target is stored
 *
 * A kernel publishes this value so that its peer can ring @cpu.
 *
 * Return: 0, or -EINVAL if @cpu does not exist.
 */
int mk_doorbell_cpu_target(unsigned int cpu, u32 *target)
{
	if (cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return -EINVAL;
	*target = cpu_physical_id(cpu);
	return 0;
}
EXPORT_SYMBOL_GPL(mk_doorbell_cpu_target);

/**
 * mk_doorbell_show_interrupts() - the MKD line of /proc/interrupts
 * @p: the seq_file of /proc/interrupts
 * @prec: width of the first column
 */
void mk_doorbell_show_interrupts(struct seq_file *p, int prec)
{
	int cpu;

	seq_printf(p, "%*s: ", prec, "MKD");
	for_each_online_cpu(cpu)
		seq_printf(p, "%10lu ", per_cpu(mk_doorbell_stats, cpu).received);
	seq_puts(p, "  Multikernel doorbell interrupts\n");
}

/**
 * mk_doorbell_irq_count() - doorbell interrupts taken by a CPU, for /proc/stat
 * @cpu: the CPU
 *
 * Return: the count.
 */
u64 mk_doorbell_irq_count(unsigned int cpu)
{
	return per_cpu(mk_doorbell_stats, cpu).received;
}

static int mk_doorbell_stats_show(struct seq_file *m, void *v)
{
	struct mk_doorbell_handler *h;
	int cpu, n = 0;

	seq_puts(m, "cpu target received unhandled sent\n");
	for_each_online_cpu(cpu) {
		struct mk_doorbell_stats *s = per_cpu_ptr(&mk_doorbell_stats, cpu);

		seq_printf(m, "%d %u %lu %lu %lu\n", cpu, cpu_physical_id(cpu),
			   READ_ONCE(s->received), READ_ONCE(s->unhandled),
			   READ_ONCE(s->sent));
	}
	mutex_lock(&mk_doorbell_mutex);
	list_for_each_entry(h, &mk_doorbell_handlers, node)
		n++;
	mutex_unlock(&mk_doorbell_mutex);
	seq_printf(m, "handlers %d\n", n);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mk_doorbell_stats);

static int __init mk_doorbell_init(void)
{
	struct dentry *dir = debugfs_lookup("multikernel", NULL);

	/* The lookup takes a reference and the creation does not. */
	if (dir) {
		debugfs_create_file("doorbell", 0444, dir, NULL,
				    &mk_doorbell_stats_fops);
		dput(dir);
	} else {
		dir = debugfs_create_dir("multikernel", NULL);
		debugfs_create_file("doorbell", 0444, dir, NULL,
				    &mk_doorbell_stats_fops);
	}
	pr_info("vector 0x%x ready (%s)\n", MULTIKERNEL_VECTOR,
		x2apic_enabled() ? "x2APIC" : "xAPIC");
	return 0;
}
late_initcall(mk_doorbell_init);
