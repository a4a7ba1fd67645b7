/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the multikernel memory pool, shared by pool.c (the allocator)
 * and global.c (the reservation made at boot, the global pool and the
 * instance pools carved from it). Nothing outside kernel/multikernel/mem/
 * includes it.
 */
#ifndef _MK_MEM_POOL_INTERNAL_H
#define _MK_MEM_POOL_INTERNAL_H

#include <linux/ioport.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct gen_pool;

#define MK_POOL_MAX_ORDER	30

/**
 * struct mk_pool - a range of physical memory and its allocator
 * @name: shown in /proc/iomem and in log lines
 * @gp: the bitmap allocator over [@base, @base + @size)
 * @base: first byte
 * @size: bytes
 * @min_order: log2 of the allocation unit
 * @lock: serialises allocation, free and destroy
 * @allocs: live allocations: unit index of the start -> number of units
 * @nr_allocs: number of entries in @allocs
 * @instance_id: the instance an instance pool belongs to, else -1
 * @res: the /proc/iomem entry of an instance pool
 * @node: in the list of instance pools (global.c)
 */
struct mk_pool {
	char name[32];
	struct gen_pool *gp;
	phys_addr_t base;
	size_t size;
	unsigned int min_order;
	struct mutex lock;	/* allocation, free, destroy */
	struct xarray allocs;
	unsigned long nr_allocs;
	int instance_id;
	struct resource res;
	struct list_head node;
};

bool mk_pool_busy(struct mk_pool *pool);
void mk_pool_release(struct mk_pool *pool);

#endif /* _MK_MEM_POOL_INTERNAL_H */
