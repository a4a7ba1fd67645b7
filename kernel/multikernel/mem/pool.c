// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel memory pool: the allocator.
 *
 * A pool manages a range of physical memory it does not touch. Allocation
 * is a first-fit bitmap (genalloc) with an alignment. Every live
 * allocation is also recorded here, so a free with a wrong address or size,
 * or a second free, is refused with an error instead of corrupting the
 * bitmap, and destroying a pool that still has allocations is refused too.
 *
 * The memory reserved by mkkernel_pool=, the global pool over it and the
 * instance pools carved from it are in global.c; the parser of
 * mkkernel_pool= values is here, shared with the instances' memory files.
 */

#define pr_fmt(fmt) "mkkernel_pool: " fmt

#include <linux/genalloc.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>
#include <linux/multikernel/pool.h>

#include "pool_internal.h"

#define MK_POOL_USAGE	"expected size[@addr], like 64M or 64M@0x40000000"

/**
 * mk_pool_parse_number() - parse one number with an optional K/M/G/T suffix
 * @s: the text, not NUL-terminated
 * @len: its length
 * @val: the value
 *
 * Unlike memparse(), overflow and trailing characters are errors.
 *
 * Return: 0, -EINVAL or -ERANGE.
 */
static int mk_pool_parse_number(const char *s, size_t len, u64 *val)
{
	unsigned int shift = 0;
	char buf[32];
	int ret;

	if (!len || len >= sizeof(buf))
		return len ? -ERANGE : -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';

	switch (buf[len - 1]) {
	case 'T': case 't':
		shift += 10;
		fallthrough;
	case 'G': case 'g':
		shift += 10;
		fallthrough;
	case 'M': case 'm':
		shift += 10;
		fallthrough;
	case 'K': case 'k':
		shift += 10;
		buf[--len] = '\0';
		break;
	}
	if (!len)
		return -EINVAL;
	ret = kstrtoull(buf, 0, val);
	if (ret)
		return ret;
	if (check_shl_overflow(*val, shift, val))
		return -ERANGE;
	return 0;
}

/**
 * mk_pool_parse_param() - parse a mkkernel_pool= value
 * @str: "size" or "size@addr"; each number decimal, octal (0...) or hex
 *	(0x...), optionally followed by K, M, G or T
 * @param: the result, written only on success
 * @why: on error, set to a short explanation for the kernel log
 *
 * Return: 0; -EINVAL for malformed text, a zero size, or a size or address
 * that is not page aligned; -ERANGE for a number too large or a range that
 * wraps around the address space.
 */
int mk_pool_parse_param(const char *str, struct mk_pool_param *param,
			const char **why)
{
	struct mk_pool_param p = {};
	const char *at;
	size_t len;
	int ret;

	*why = NULL;
	if (!str || !*str) {
		*why = "no size given";
		return -EINVAL;
	}
	len = strlen(str);
	at = strchr(str, '@');

	ret = mk_pool_parse_number(str, at ? at - str : len, &p.size);
	if (ret) {
		*why = ret == -ERANGE ? "size too large" :
			"size is not a number (" MK_POOL_USAGE ")";
		return ret;
	}
	if (at) {
		ret = mk_pool_parse_number(at + 1, len - (at + 1 - str), &p.addr);
		if (ret) {
			*why = ret == -ERANGE ? "address too large" :
				"address is not a number (" MK_POOL_USAGE ")";
			return ret;
		}
		p.fixed = true;
	}
	if (!p.size) {
		*why = "size is zero";
		return -EINVAL;
	}
	if (!PAGE_ALIGNED(p.size)) {
		*why = "size is not a multiple of the page size";
		return -EINVAL;
	}
	if (p.fixed && !PAGE_ALIGNED(p.addr)) {
		*why = "address is not page aligned";
		return -EINVAL;
	}
	if (p.fixed && (p.addr + p.size < p.addr ||
			p.addr + p.size - 1 > (u64)(phys_addr_t)-1)) {
		*why = "address + size wraps around";
		return -ERANGE;
	}
	*param = p;
	return 0;
}
EXPORT_SYMBOL_GPL(mk_pool_parse_param);

/**
 * mk_pool_create() - make an allocator over a range of physical memory
 * @name: for /proc/iomem and the log; copied
 * @base: first byte, non-zero and aligned to 1 << @min_order
 * @size: bytes, a non-zero multiple of 1 << @min_order
 * @min_order: log2 of the allocation unit, PAGE_SHIFT or less is fine, at
 *	most 30
 *
 * The memory is not touched; the caller owns it until mk_pool_destroy().
 *
 * Context: process context; may sleep.
 * Return: the pool, or ERR_PTR(-EINVAL) for bad arguments, ERR_PTR(-ENOMEM).
 */
struct mk_pool *mk_pool_create(const char *name, phys_addr_t base, size_t size,
			       unsigned int min_order)
{
	struct mk_pool *pool;

	/* genalloc returns 0 for failure, so address 0 cannot be handed out. */
	if (!name || !base || !size || min_order > MK_POOL_MAX_ORDER ||
	    !IS_ALIGNED(base, 1UL << min_order) ||
	    !IS_ALIGNED(size, 1UL << min_order) || base + size - 1 < base)
		return ERR_PTR(-EINVAL);

	pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	strscpy(pool->name, name, sizeof(pool->name));
	pool->base = base;
	pool->size = size;
	pool->min_order = min_order;
	pool->instance_id = -1;
	mutex_init(&pool->lock);
	xa_init(&pool->allocs);
	INIT_LIST_HEAD(&pool->node);

	pool->gp = gen_pool_create(min_order, NUMA_NO_NODE);
	if (!pool->gp)
		goto nomem;
	if (gen_pool_add(pool->gp, base, size, NUMA_NO_NODE)) {
		gen_pool_destroy(pool->gp);
		goto nomem;
	}
	return pool;

nomem:
	kfree(pool);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_GPL(mk_pool_create);

/**
 * mk_pool_busy() - whether a pool still has allocations, said in the log
 * @pool: the pool
 *
 * Return: true, with a warning, if any allocation is outstanding.
 */
bool mk_pool_busy(struct mk_pool *pool)
{
	unsigned long n = mk_pool_nr_allocs(pool);

	if (n)
		pr_warn("%s: not destroyed, %lu allocations outstanding\n",
			pool->name, n);
	return n;
}

/**
 * mk_pool_release() - free a pool's allocator and the pool itself
 * @pool: the pool, with no allocation outstanding (mk_pool_busy())
 *
 * The memory the pool managed is not touched.
 */
void mk_pool_release(struct mk_pool *pool)
{
	gen_pool_destroy(pool->gp);
	xa_destroy(&pool->allocs);
	kfree(pool);
}

/**
 * mk_pool_destroy() - free a pool made by mk_pool_create()
 * @pool: the pool
 *
 * Refused while any allocation is outstanding: the pool stays whole and
 * usable, and its users must free first.
 *
 * Context: process context; may sleep.
 * Return: 0, or -EBUSY with allocations outstanding.
 */
int mk_pool_destroy(struct mk_pool *pool)
{
	if (mk_pool_busy(pool))
		return -EBUSY;
	mk_pool_release(pool);
	return 0;
}
EXPORT_SYMBOL_GPL(mk_pool_destroy);

static unsigned long mk_pool_units(struct mk_pool *pool, size_t size)
{
	return DIV_ROUND_UP(size, 1UL << pool->min_order);
}

/**
 * mk_pool_alloc() - allocate a contiguous, aligned range
 * @pool: the pool
 * @size: bytes, non-zero; rounded up to the pool's allocation unit
 * @align: alignment of the physical address, a power of two, or 0 for the
 *	allocation unit
 * @addr: the start of the range, written on success
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL for a zero size or an alignment that is not a power of
 * two, -ENOMEM when no free range of that size and alignment exists.
 */
int mk_pool_alloc(struct mk_pool *pool, size_t size, size_t align,
		  phys_addr_t *addr)
{
	struct genpool_data_align data;
	unsigned long start, units;
	int ret;

	if (!size || (align && !is_power_of_2(align)))
		return -EINVAL;
	if (size > pool->size)
		return -ENOMEM;

	units = mk_pool_units(pool, size);
	data.align = max_t(size_t, align, 1UL << pool->min_order);

	mutex_lock(&pool->lock);
	start = gen_pool_alloc_algo(pool->gp, units << pool->min_order,
				    gen_pool_first_fit_align, &data);
	if (!start) {
		ret = -ENOMEM;
		goto out;
	}
	ret = xa_insert(&pool->allocs, (start - pool->base) >> pool->min_order,
			xa_mk_value(units), GFP_KERNEL);
	if (ret) {
		gen_pool_free(pool->gp, start, units << pool->min_order);
		ret = -ENOMEM;
		goto out;
	}
	pool->nr_allocs++;
	*addr = start;
out:
	mutex_unlock(&pool->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(mk_pool_alloc);

/**
 * mk_pool_free() - give back a range from mk_pool_alloc()
 * @pool: the pool it came from
 * @addr: the address mk_pool_alloc() returned
 * @size: the size passed to mk_pool_alloc()
 *
 * Anything but an exact live allocation is refused and logged, and nothing
 * is freed: a double free cannot release memory that someone else now owns.
 *
 * Context: process context; may sleep.
 * Return: 0, or -EINVAL.
 */
int mk_pool_free(struct mk_pool *pool, phys_addr_t addr, size_t size)
{
	unsigned long index;
	void *entry;

	if (addr < pool->base || addr - pool->base >= pool->size ||
	    !IS_ALIGNED(addr - pool->base, 1UL << pool->min_order))
		goto bad;
	index = (addr - pool->base) >> pool->min_order;

	mutex_lock(&pool->lock);
	entry = xa_load(&pool->allocs, index);
	if (!entry || !size || xa_to_value(entry) != mk_pool_units(pool, size)) {
		mutex_unlock(&pool->lock);
		goto bad;
	}
	xa_erase(&pool->allocs, index);
	gen_pool_free(pool->gp, addr, xa_to_value(entry) << pool->min_order);
	pool->nr_allocs--;
	mutex_unlock(&pool->lock);
	return 0;

bad:
	pr_warn_ratelimited("%s: refused free of %zu bytes at %pa: not a live allocation\n",
			    pool->name, size, &addr);
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(mk_pool_free);

/**
 * mk_pool_avail() - free bytes in a pool
 * @pool: the pool
 *
 * Return: the free bytes, not necessarily contiguous.
 */
size_t mk_pool_avail(struct mk_pool *pool)
{
	return gen_pool_avail(pool->gp);
}
EXPORT_SYMBOL_GPL(mk_pool_avail);

/**
 * mk_pool_size() - bytes managed by a pool
 * @pool: the pool
 *
 * Return: the size given at creation.
 */
size_t mk_pool_size(struct mk_pool *pool)
{
	return pool->size;
}
EXPORT_SYMBOL_GPL(mk_pool_size);

/**
 * mk_pool_base() - first physical address of a pool
 * @pool: the pool
 *
 * Return: the base given at creation.
 */
phys_addr_t mk_pool_base(struct mk_pool *pool)
{
	return pool->base;
}
EXPORT_SYMBOL_GPL(mk_pool_base);

/**
 * mk_pool_contains() - whether a physical range lies wholly inside a pool
 * @pool: the pool, or NULL
 * @addr: first byte of the range
 * @size: bytes of the range
 *
 * Computed without forming @addr + @size, so a range that would wrap
 * around the top of the address space is outside, not inside. An empty
 * range is inside when @addr is in [base, base + size of the pool].
 *
 * Context: any context.
 * Return: true if [@addr, @addr + @size) is part of @pool's memory; false
 * if not, or without a pool.
 */
bool mk_pool_contains(struct mk_pool *pool, phys_addr_t addr, u64 size)
{
	u64 off;

	if (!pool || addr < pool->base)
		return false;
	off = addr - pool->base;
	return off <= pool->size && size <= pool->size - off;
}
EXPORT_SYMBOL_GPL(mk_pool_contains);

/**
 * mk_pool_nr_allocs() - live allocations of a pool
 * @pool: the pool
 *
 * Return: how many allocations have not been freed.
 */
unsigned long mk_pool_nr_allocs(struct mk_pool *pool)
{
	unsigned long n;

	mutex_lock(&pool->lock);
	n = pool->nr_allocs;
	mutex_unlock(&pool->lock);
	return n;
}
EXPORT_SYMBOL_GPL(mk_pool_nr_allocs);
