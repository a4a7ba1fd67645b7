// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel memory pool: the reservation made at boot, the global pool
 * and the instance pools.
 *
 * mkkernel_pool=size[@addr] reserves physically contiguous RAM once memblock
 * knows the machine's memory (setup_arch() calls mk_pool_reserve()). The
 * global pool manages it; each kernel instance gets one contiguous instance
 * pool carved from it, and the channels to that instance are allocated from
 * the instance pool. The pool and every instance pool appear in /proc/iomem.
 * The allocator itself is in pool.c.
 */

#define pr_fmt(fmt) "mkkernel_pool: " fmt

#include <linux/err.h>
#include <linux/init.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/multikernel/pool.h>

#include "pool_internal.h"

static struct mk_pool_param mk_boot_param __initdata;
static bool mk_boot_requested __initdata;
static phys_addr_t mk_reserved_base;
static size_t mk_reserved_size;

static struct mk_pool *mk_global;
static struct resource mk_global_res = {
	.name	= "Multikernel pool",
	.flags	= IORESOURCE_MEM | IORESOURCE_BUSY,
	.desc	= IORES_DESC_RESERVED,
};

static LIST_HEAD(mk_instance_pools);
static DEFINE_MUTEX(mk_instance_pools_lock);

static int __init mk_pool_early_param(char *str)
{
	const char *why;

	if (mk_pool_parse_param(str, &mk_boot_param, &why)) {
		pr_err("'%s' rejected: %s; no pool reserved\n",
		       str ?: "", why);
		/* Our message says it all; 0 avoids a second, vaguer one. */
		return 0;
	}
	mk_boot_requested = true;
	return 0;
}
early_param("mkkernel_pool", mk_pool_early_param);

/**
 * mk_pool_reserve() - reserve the memory asked for by mkkernel_pool=
 *
 * Called by the architecture's setup code once memblock knows every memory
 * region and before the page allocator takes over. A request that cannot be
 * met is logged and ignored: the kernel boots without a pool.
 */
void __init mk_pool_reserve(void)
{
	struct mk_pool_param *p = &mk_boot_param;
	phys_addr_t base;

	if (!mk_boot_requested)
		return;

	if (p->fixed) {
		base = p->addr;
		if (!memblock_is_region_memory(base, p->size)) {
			pr_err("%#llx-%#llx is not all RAM; no pool reserved\n",
			       p->addr, p->addr + p->size - 1);
			return;
		}
		if (memblock_is_region_reserved(base, p->size)) {
			pr_err("%#llx-%#llx overlaps memory in use (kernel, initrd or firmware); no pool reserved\n",
			       p->addr, p->addr + p->size - 1);
			return;
		}
		if (memblock_reserve(base, p->size)) {
			pr_err("cannot reserve %#llx-%#llx; no pool reserved\n",
			       p->addr, p->addr + p->size - 1);
			return;
		}
	} else {
		base = memblock_phys_alloc(p->size,
					   p->size >= SZ_2M ? SZ_2M : PAGE_SIZE);
		if (!base) {
			pr_err("no free range of %llu MiB; no pool reserved\n",
			       p->size >> 20);
			return;
		}
	}
	mk_reserved_base = base;
	mk_reserved_size = p->size;
	pr_info("reserved %llu MiB at %pa\n", p->size >> 20, &base);
}

static int __init mk_pool_init(void)
{
	struct mk_pool *pool;

	if (!mk_reserved_size)
		return 0;

	pool = mk_pool_create("Multikernel pool", mk_reserved_base,
			      mk_reserved_size, PAGE_SHIFT);
	if (IS_ERR(pool)) {
		pr_err("cannot manage the reserved memory (%pe)\n", pool);
		return PTR_ERR(pool);
	}
	mk_global_res.start = mk_reserved_base;
	mk_global_res.end = mk_reserved_base + mk_reserved_size - 1;
	if (insert_resource(&iomem_resource, &mk_global_res))
		pr_warn("%pR conflicts with another /proc/iomem entry\n",
			&mk_global_res);
	mk_global = pool;
	return 0;
}
core_initcall(mk_pool_init);

/**
 * mk_global_pool() - the pool reserved by mkkernel_pool=
 *
 * Return: the pool, or NULL when none was reserved.
 */
struct mk_pool *mk_global_pool(void)
{
	return mk_global;
}
EXPORT_SYMBOL_GPL(mk_global_pool);

/**
 * mk_instance_pool_create() - carve the pool of a kernel instance
 * @instance_id: the instance, >= 0, one pool per instance
 * @size: bytes, rounded up to a page
 * @min_order: log2 of the instance pool's allocation unit, at most 30
 *
 * The instance pool is one contiguous range of the global pool (a channel
 * region must be contiguous), listed in /proc/iomem under the global pool
 * as "multikernel instance N".
 *
 * Context: process context; may sleep.
 * Return: the pool; ERR_PTR(-EINVAL) for bad arguments, -ENODEV without a
 * global pool, -EEXIST if the instance has a pool, -ENOMEM when the global
 * pool has no contiguous range that large.
 */
struct mk_pool *mk_instance_pool_create(int instance_id, size_t size,
					unsigned int min_order)
{
	struct mk_pool *pool, *it;
	phys_addr_t base;
	char name[32];
	int ret;

	if (instance_id < 0 || !size || size > SIZE_MAX - PAGE_SIZE ||
	    min_order > MK_POOL_MAX_ORDER)
		return ERR_PTR(-EINVAL);
	size = PAGE_ALIGN(size);
	if (!mk_global) {
		pr_err("instance %d: no pool; boot with mkkernel_pool=size[@addr]\n",
		       instance_id);
		return ERR_PTR(-ENODEV);
	}

	mutex_lock(&mk_instance_pools_lock);
	list_for_each_entry(it, &mk_instance_pools, node) {
		if (it->instance_id == instance_id) {
			ret = -EEXIST;
			goto unlock;
		}
	}
	ret = mk_pool_alloc(mk_global, size,
			    max_t(size_t, PAGE_SIZE, 1UL << min_order), &base);
	if (ret) {
		pr_err("instance %d: no contiguous %zu KiB in the pool (%zu KiB free)\n",
		       instance_id, size >> 10, mk_pool_avail(mk_global) >> 10);
		goto unlock;
	}
	snprintf(name, sizeof(name), "multikernel instance %d", instance_id);
	pool = mk_pool_create(name, base, size, min_order);
	if (IS_ERR(pool)) {
		ret = PTR_ERR(pool);
		mk_pool_free(mk_global, base, size);
		goto unlock;
	}
	pool->instance_id = instance_id;
	pool->res.name = pool->name;
	pool->res.start = base;
	pool->res.end = base + size - 1;
	pool->res.flags = IORESOURCE_MEM | IORESOURCE_BUSY;
	pool->res.desc = IORES_DESC_RESERVED;
	if (mk_global_res.parent && request_resource(&mk_global_res, &pool->res))
		pr_warn("%s: %pR not shown in /proc/iomem\n", name, &pool->res);
	list_add_tail(&pool->node, &mk_instance_pools);
	mutex_unlock(&mk_instance_pools_lock);
	return pool;

unlock:
	mutex_unlock(&mk_instance_pools_lock);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(mk_instance_pool_create);

/**
 * mk_instance_pool_destroy() - give an instance pool back to the global pool
 * @pool: from mk_instance_pool_create()
 *
 * Refused while the instance pool has allocations outstanding.
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL if @pool is not an instance pool, -EBUSY.
 */
int mk_instance_pool_destroy(struct mk_pool *pool)
{
	phys_addr_t base;
	size_t size;
	int ret;

	if (!pool || pool->instance_id < 0)
		return -EINVAL;

	mutex_lock(&mk_instance_pools_lock);
	if (mk_pool_busy(pool)) {
		mutex_unlock(&mk_instance_pools_lock);
		return -EBUSY;
	}
	base = pool->base;
	size = pool->size;
	if (pool->res.parent)
		release_resource(&pool->res);
	list_del(&pool->node);
	mk_pool_release(pool);
	ret = mk_pool_free(mk_global, base, size);
	mutex_unlock(&mk_instance_pools_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(mk_instance_pool_destroy);
