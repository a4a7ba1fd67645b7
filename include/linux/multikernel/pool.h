/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multikernel memory pool: physically contiguous memory reserved at boot
 * with mkkernel_pool=size[@addr], from which each kernel instance gets its
 * own contiguous pool (the memory shared with that instance).
 *
 * A pool only hands out physical address ranges: it never maps or touches
 * the memory, so its users decide how to map it (memremap()).
 */
#ifndef _LINUX_MULTIKERNEL_POOL_H
#define _LINUX_MULTIKERNEL_POOL_H

#include <linux/types.h>

struct mk_pool;

/**
 * struct mk_pool_param - a parsed mkkernel_pool= value
 * @size: bytes to reserve, a non-zero multiple of PAGE_SIZE
 * @addr: physical start, page aligned; meaningful only if @fixed
 * @fixed: true for size@addr, false for size alone (the kernel chooses)
 */
struct mk_pool_param {
	u64 size;
	u64 addr;
	bool fixed;
};

int mk_pool_parse_param(const char *str, struct mk_pool_param *param,
			const char **why);

struct mk_pool *mk_pool_create(const char *name, phys_addr_t base, size_t size,
			       unsigned int min_order);
int mk_pool_destroy(struct mk_pool *pool);
int mk_pool_alloc(struct mk_pool *pool, size_t size, size_t align,
		  phys_addr_t *addr);
int mk_pool_free(struct mk_pool *pool, phys_addr_t addr, size_t size);
size_t mk_pool_avail(struct mk_pool *pool);
size_t mk_pool_size(struct mk_pool *pool);
phys_addr_t mk_pool_base(struct mk_pool *pool);
bool mk_pool_contains(struct mk_pool *pool, phys_addr_t addr, u64 size);
unsigned long mk_pool_nr_allocs(struct mk_pool *pool);

struct mk_pool *mk_global_pool(void);
struct mk_pool *mk_instance_pool_create(int instance_id, size_t size,
					unsigned int min_order);
int mk_instance_pool_destroy(struct mk_pool *pool);

#ifdef CONFIG_MULTIKERNEL_POOL
void mk_pool_reserve(void);
#else
static inline void mk_pool_reserve(void)
{
}
#endif

#endif /* _LINUX_MULTIKERNEL_POOL_H */
