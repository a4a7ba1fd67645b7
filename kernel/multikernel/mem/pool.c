// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel memory pool.
 *
 * mkkernel_pool=size[@addr] reserves physically contiguous RAM once memblock
 * knows the machine's memory (setup_arch() calls mk_pool_reserve()). The
 * global pool manages it; each kernel instance gets one contiguous instance
 * pool carved from it, and the channels to that instance are allocated from
 * the instance pool. The pool and every instance pool appear in /proc/iomem.
 *
 * Allocation is a first-fit bitmap (genalloc) with an alignment. Every live
 * allocation is also recorded here, so a free with a wrong address or size,
 * or a second free, is refused with an error instead of corrupting the
 * bitmap, and destroying a pool that still has allocations is refused too.
 */

#define pr_fmt(fmt) "mkkernel_pool: " fmt

#include <linux/genalloc.h>
#include <linux/init.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/memblock.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/xarray.h>
#include <linux/multikernel/pool.h>

#define MK_POOL_MAX_ORDER	30
#define MK_POOL_USAGE	"expected size[@addr], like 64M or 64M@0x40000000"

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
 * @node: in mk_instances
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

static bool mk_pool_busy(struct mk_pool *pool)
{
	unsigned long n = mk_pool_nr_allocs(pool);

	if (n)
		pr_warn("%s: not destroyed, %lu allocations outstanding\n",
			pool->name, n);
	return n;
}

static void mk_pool_release(struct mk_pool *pool)
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

/* The reservation made at boot ------------------------------------------- */

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

static LIST_HEAD(mk_instances);
static DEFINE_MUTEX(mk_instances_lock);

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

	mutex_lock(&mk_instances_lock);
	list_for_each_entry(it, &mk_instances, node) {
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
	list_add_tail(&pool->node, &mk_instances);
	mutex_unlock(&mk_instances_lock);
	return pool;

unlock:
	mutex_unlock(&mk_instances_lock);
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

	mutex_lock(&mk_instances_lock);
	if (mk_pool_busy(pool)) {
		mutex_unlock(&mk_instances_lock);
		return -EBUSY;
	}
	base = pool->base;
	size = pool->size;
	if (pool->res.parent)
		release_resource(&pool->res);
	list_del(&pool->node);
	mk_pool_release(pool);
	ret = mk_pool_free(mk_global, base, size);
	mutex_unlock(&mk_instances_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(mk_instance_pool_destroy);
