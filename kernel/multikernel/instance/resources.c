// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel instances: the CPU and the memory an instance owns, as its
 * "cpus" and "memory" files set them.
 *
 * An instance owns its CPU from the write to "cpus" until it is removed:
 * the CPU cannot be onlined meanwhile (a CPU hotplug state that refuses).
 * Its memory is one pool: its RAM first, then its status page and the
 * regions shared with it, carved from the mkkernel_pool= or reserved
 * outside this kernel's RAM.
 */

#define pr_fmt(fmt) "mk_instance: " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/multikernel/instance.h>
#include <linux/multikernel/pool.h>
#include <uapi/linux/multikernel/instance.h>

#include "instance_internal.h"

/* Room in an instance pool beside its RAM, for the channels and status. */
#define MK_SHARED_SIZE		SZ_16M

struct cpumask mk_owned_cpus;

/**
 * mk_instance_free_memory() - give an instance's memory back
 * @inst: the instance, locked and not running
 *
 * The listeners on the instance notifier drop what they took from its pool
 * first (%MK_INSTANCE_RELEASE).
 */
void mk_instance_free_memory(struct mk_instance *inst)
{
	if (!inst->pool)
		return;
	mk_notify(inst, MK_INSTANCE_RELEASE);
	memunmap(inst->status);
	inst->status = NULL;
	mk_pool_free(inst->pool, inst->status_phys, PAGE_SIZE);
	mk_pool_free(inst->pool, inst->ram_base, inst->ram_size);
	if (inst->ram_base > mk_pool_base(inst->pool))
		mk_pool_free(inst->pool, mk_pool_base(inst->pool),
			     inst->ram_base - mk_pool_base(inst->pool));
	if (inst->dedicated)
		mk_pool_destroy(inst->pool);
	else if (mk_instance_pool_destroy(inst->pool))
		pr_warn("instance %d: a listener kept memory of its pool\n",
			inst->id);
	inst->pool = NULL;
}

/**
 * mk_instance_set_memory() - give an instance the memory written to "memory"
 * @inst: the instance, locked and not running
 * @buf: SIZE, from the mkkernel_pool=, or SIZE@ADDR outside this kernel's
 *	RAM; a multiple of 2 MiB, at least 16 MiB
 *
 * Whatever memory it had is given back first.
 *
 * Return: 0, -EINVAL for a value refused, or the error of carving the pool.
 */
int mk_instance_set_memory(struct mk_instance *inst, const char *buf)
{
	phys_addr_t ram, status, pad_addr = 0;
	struct mk_pool_param p;
	struct mk_pool *pool;
	const char *why;
	u64 size, pad;
	int ret;

	ret = mk_pool_parse_param(buf, &p, &why);
	if (ret) {
		pr_err("instance %d: memory '%s' refused: %s\n", inst->id, buf, why);
		return ret;
	}
	if (p.size < SZ_16M || !IS_ALIGNED(p.size, SZ_2M)) {
		pr_err("instance %d: memory refused: the size must be a multiple of 2 MiB, at least 16 MiB\n",
		       inst->id);
		return -EINVAL;
	}
	if (p.fixed && (!IS_ALIGNED(p.addr, SZ_2M) ||
			region_intersects(p.addr, p.size + MK_SHARED_SIZE,
					  IORESOURCE_SYSTEM_RAM,
					  IORES_DESC_NONE) != REGION_DISJOINT)) {
		pr_err("instance %d: memory %#llx-%#llx refused: not 2 MiB aligned, or overlaps this kernel's RAM\n",
		       inst->id, p.addr, p.addr + p.size + MK_SHARED_SIZE - 1);
		return -EINVAL;
	}
	mk_instance_free_memory(inst);

	size = p.size + MK_SHARED_SIZE + (p.fixed ? 0 : SZ_2M);
	if (p.fixed) {
		char name[32];

		snprintf(name, sizeof(name), "multikernel instance %d", inst->id);
		pool = mk_pool_create(name, p.addr, size, PAGE_SHIFT);
	} else {
		pool = mk_instance_pool_create(inst->id, size, PAGE_SHIFT);
	}
	if (IS_ERR(pool)) {
		pr_err("instance %d: no %llu MiB for it in the pool (%ld)\n",
		       inst->id, size >> 20, PTR_ERR(pool));
		return PTR_ERR(pool);
	}
	ret = mk_pool_alloc(pool, p.size, SZ_2M, &ram);
	if (ret)
		goto destroy;
	/* What alignment left before the RAM is never shared: keep it used. */
	pad = ram - mk_pool_base(pool);
	if (pad) {
		ret = mk_pool_alloc(pool, pad, PAGE_SIZE, &pad_addr);
		if (ret)
			goto free_ram;
	}
	ret = mk_pool_alloc(pool, PAGE_SIZE, PAGE_SIZE, &status);
	if (ret)
		goto free_pad;
	inst->status = memremap(status, PAGE_SIZE, MEMREMAP_WB);
	if (!inst->status) {
		ret = -ENOMEM;
		goto free_status;
	}
	memset(inst->status, 0, PAGE_SIZE);
	inst->pool = pool;
	inst->dedicated = p.fixed;
	inst->ram_base = ram;
	inst->ram_size = p.size;
	inst->status_phys = status;
	return 0;

free_status:
	mk_pool_free(pool, status, PAGE_SIZE);
free_pad:
	if (pad)
		mk_pool_free(pool, pad_addr, pad);
free_ram:
	mk_pool_free(pool, ram, p.size);
destroy:
	if (p.fixed)
		mk_pool_destroy(pool);
	else
		mk_instance_pool_destroy(pool);
	pr_err("instance %d: cannot set up its memory (%d)\n", inst->id, ret);
	return ret;
}

/**
 * mk_instance_set_cpu() - give an instance the CPU written to "cpus"
 * @inst: the instance, locked and not running
 * @buf: the number of one present CPU, not CPU 0, offline
 *
 * Return: 0, -EINVAL for a CPU that cannot be an instance's, -EBUSY if it
 * is online or another instance has it.
 */
int mk_instance_set_cpu(struct mk_instance *inst, const char *buf)
{
	unsigned int cpu;
	int ret = 0;

	if (kstrtouint(buf, 0, &cpu) || cpu >= nr_cpu_ids || !cpu_present(cpu)) {
		pr_err("instance %d: cpus '%s' refused: not one present CPU\n",
		       inst->id, buf);
		return -EINVAL;
	}
	if (cpu == 0) {
		pr_err("instance %d: CPU 0 refused: it is the boot CPU\n", inst->id);
		return -EINVAL;
	}
	cpus_read_lock();
	mutex_lock(&mk_instances_lock);
	if (inst->cpu == cpu) {
		ret = 0;
	} else if (cpumask_test_cpu(cpu, &mk_owned_cpus)) {
		pr_err("instance %d: CPU %u refused: another instance has it\n",
		       inst->id, cpu);
		ret = -EBUSY;
	} else if (cpu_online(cpu)) {
		pr_err("instance %d: CPU %u refused: it is online (offline it first)\n",
		       inst->id, cpu);
		ret = -EBUSY;
	} else {
		if (inst->cpu >= 0)
			cpumask_clear_cpu(inst->cpu, &mk_owned_cpus);
		cpumask_set_cpu(cpu, &mk_owned_cpus);
		inst->cpu = cpu;
	}
	mutex_unlock(&mk_instances_lock);
	cpus_read_unlock();
	return ret;
}

/**
 * mk_instance_cpu_prepare() - refuse to online a CPU an instance owns
 * @cpu: the CPU about to be onlined
 *
 * The callback of a CPU hotplug state: an instance's CPU cannot come back
 * online.
 *
 * Return: 0, or -EBUSY if an instance owns @cpu.
 */
int mk_instance_cpu_prepare(unsigned int cpu)
{
	if (cpumask_test_cpu(cpu, &mk_owned_cpus)) {
		pr_warn("CPU %u belongs to an instance: not onlined\n", cpu);
		return -EBUSY;
	}
	return 0;
}
