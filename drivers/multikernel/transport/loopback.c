// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loopback links: both ends of a channel in this kernel.
 *
 * The region comes from an instance pool of its own. End "a" opens it as
 * side 0 through the kernel's linear mapping, end "b" as side 1 through a
 * second mapping (vmap of the same pages), so the ends share nothing but the
 * memory: different virtual addresses, private state each, doorbells on
 * different CPUs as real 0xea IPIs. It is the code path of two kernels.
 *
 * Control: /sys/kernel/debug/multikernel/loopback
 *   write "create [CPU_A CPU_B [NUM DATA_SIZE MAX_MSG]] [rpmsg]"  make one;
 *         with "rpmsg", both ends become rpmsg buses
 *   (end a is instance 1000 + 2 * ID, end b 1000 + 2 * ID + 1, for the
 *   typed messages)
 *   write "host [CPU_A [NUM DATA_SIZE MAX_MSG]] [rpmsg]"  only end a: the
 *         host side of a channel that another kernel (or
 *         debugfs "attach") opens as side 1
 *   write "destroy ID"                                    remove one made
 *         here (one that a kernel user made is its own: -EBUSY)
 *   read                                                  list them:
 *         ID END_A END_B|- PHYS SIZE
 *   loopback_quarantined (read)   regions kept for ever because the other
 *         side of a host loopback never closed
 * and, per link end, /sys/kernel/debug/multikernel/links/NAME/:
 *   stats (read), restart (write 1), pause (write 0/1), fault (write name)
 */

#define pr_fmt(fmt) "mk_loopback: " fmt

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/multikernel/channel.h>
#include <linux/multikernel/pool.h>

#include <kunit/visibility.h>
#include <linux/multikernel/loopback.h>

#include "transport.h"

/* Loopback N takes the instance pool MK_LOOPBACK_INSTANCE + N. */
#define MK_LOOPBACK_INSTANCE	0x10000
/* Its ends pretend to be instances MK_LOOPBACK_PEER + 2N and + 2N + 1. */
#define MK_LOOPBACK_PEER	1000

static unsigned int loopback_close_timeout_ms = 5000;
module_param(loopback_close_timeout_ms, uint, 0644);
MODULE_PARM_DESC(loopback_close_timeout_ms,
		 "Destroying a host loopback waits this long for the other side to close before keeping its region out of use for ever (default 5000)");

/* 64 KiB of payload plus room for a protocol header above the transport. */
static const struct mk_chan_geometry mk_loopback_default = {
	.num = 256,
	.data_size = SZ_1M,
	.max_msg = SZ_64K + SZ_4K,
};

/**
 * struct mk_loopback - a channel with both ends in this kernel
 * @id: number, in the link names "loID.a" and "loID.b"
 * @node: in mk_loopbacks
 * @pool: the instance pool the region comes from
 * @phys: physical address of the region
 * @size: bytes of the region
 * @map_a: end a's mapping (linear)
 * @map_b: end b's mapping (vmap alias)
 * @end: the two link ends
 * @dbg: debugfs directories of the ends
 * @user: made by a kernel user through mk_loopback_create(), which destroys
 *	it; debugfs cannot
 */
struct mk_loopback {
	int id;
	bool user;
	struct list_head node;
	struct mk_pool *pool;
	phys_addr_t phys;
	u64 size;
	void *map_a;
	void *map_b;
	struct mk_link *end[2];
	struct dentry *dbg[2];
};

static LIST_HEAD(mk_loopbacks);
/* Host loopbacks whose other side never closed: their memory stays out of use. */
static LIST_HEAD(mk_loopback_quarantine);
static u32 mk_loopback_nr_quarantined;
static DEFINE_MUTEX(mk_loopback_lock);	/* both lists, the count */
static DEFINE_IDA(mk_loopback_ida);

static void *mk_map_alias(phys_addr_t phys, u64 size)
{
	unsigned long i, n = size >> PAGE_SHIFT;
	struct page **pages;
	void *va;

	pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;
	for (i = 0; i < n; i++)
		pages[i] = pfn_to_page(PHYS_PFN(phys) + i);
	va = vmap(pages, n, VM_MAP, PAGE_KERNEL);
	kvfree(pages);
	return va;
}

/* Loopbacks ---------------------------------------------------------------- */

static struct mk_loopback *__mk_loopback_create(int cpu_a, int cpu_b,
						const struct mk_chan_geometry *g,
						bool both, bool rpmsg, bool user);
static struct mk_loopback *mk_loopback_take(int id);
static void __mk_loopback_destroy(struct mk_loopback *lo);

/**
 * mk_loopback_create() - make a channel with both ends in this kernel
 * @cpu_a: CPU taking end a's doorbells
 * @cpu_b: CPU taking end b's doorbells
 * @g: geometry, or NULL for 256 entries, 1 MiB of payload and 64 KiB
 *	messages per direction
 *
 * The caller owns the loopback and destroys it with mk_loopback_destroy();
 * it is listed in debugfs, but cannot be destroyed there.
 *
 * Context: process context.
 * Return: the loopback, or an ERR_PTR (-EINVAL, -ENODEV without a pool,
 * -ENOMEM, or an error of mk_link_open()).
 */
struct mk_loopback *mk_loopback_create(int cpu_a, int cpu_b,
				       const struct mk_chan_geometry *g)
{
	return __mk_loopback_create(cpu_a, cpu_b, g, true, false, true);
}
EXPORT_SYMBOL_IF_KUNIT(mk_loopback_create);

#if IS_ENABLED(CONFIG_MULTIKERNEL_TRANSPORT_KUNIT_TEST)
/**
 * mk_loopback_create_host() - the host side of a channel, alone
 * @cpu: CPU taking its doorbells
 * @g: geometry, or NULL for the default
 *
 * Like mk_loopback_create() without end b: the region waits for another
 * kernel, or mk_chan_attach(), to open side 1.
 *
 * Context: process context.
 * Return: the loopback, or an ERR_PTR.
 */
struct mk_loopback *mk_loopback_create_host(int cpu,
					    const struct mk_chan_geometry *g)
{
	return __mk_loopback_create(cpu, cpu, g, false, false, true);
}
EXPORT_SYMBOL_IF_KUNIT(mk_loopback_create_host);
#endif

static struct mk_loopback *__mk_loopback_create(int cpu_a, int cpu_b,
						const struct mk_chan_geometry *g,
						bool both, bool rpmsg, bool user)
{
	struct mk_loopback *lo;
	char name[24];
	int ret, i;

	if (!g)
		g = &mk_loopback_default;
	if (cpu_a < 0 || cpu_a >= nr_cpu_ids || !cpu_online(cpu_a) ||
	    cpu_b < 0 || cpu_b >= nr_cpu_ids || !cpu_online(cpu_b))
		return ERR_PTR(-EINVAL);
	lo = kzalloc(sizeof(*lo), GFP_KERNEL);
	if (!lo)
		return ERR_PTR(-ENOMEM);
	lo->user = user;
	lo->id = ida_alloc(&mk_loopback_ida, GFP_KERNEL);
	if (lo->id < 0) {
		ret = lo->id;
		goto free;
	}
	lo->size = mk_chan_region_size(g);
	lo->pool = mk_instance_pool_create(MK_LOOPBACK_INSTANCE + lo->id,
					   lo->size, PAGE_SHIFT);
	if (IS_ERR(lo->pool)) {
		ret = PTR_ERR(lo->pool);
		goto free_id;
	}
	ret = mk_pool_alloc(lo->pool, lo->size, PAGE_SIZE, &lo->phys);
	if (ret)
		goto free_pool;
	ret = -ENOMEM;
	lo->map_a = memremap(lo->phys, lo->size, MEMREMAP_WB);
	if (!lo->map_a)
		goto free_region;
	lo->map_b = mk_map_alias(lo->phys, lo->size);
	if (!lo->map_b)
		goto unmap_a;
	ret = mk_chan_format(lo->map_a, lo->size, g);
	if (ret)
		goto unmap_b;
	for (i = 0; i < 1 + both; i++) {
		snprintf(name, sizeof(name), "lo%d.%c", lo->id, 'a' + i);
		lo->end[i] = mk_link_open(name, i ? lo->map_b : lo->map_a,
					  lo->size, i, i ? cpu_b : cpu_a, NULL, NULL);
		if (IS_ERR(lo->end[i])) {
			ret = PTR_ERR(lo->end[i]);
			if (i)
				mk_link_close(lo->end[0]);
			goto unmap_b;
		}
		/* Both ends are this kernel's: its CPUs are the only targets. */
		mk_link_set_peer_cpus(lo->end[i], cpu_online_mask);
		mk_link_set_peer_memory(lo->end[i], mk_pool_base(lo->pool),
					mk_pool_size(lo->pool));
	}
	for (i = 0; i < 1 + both; i++) {
		lo->dbg[i] = mk_link_debugfs_add(lo->end[i]);
		mk_link_set_peer_instance(lo->end[i], MK_LOOPBACK_PEER + 2 * lo->id + !i);
		/* Before it is listed: nobody can destroy it meanwhile. */
		if (rpmsg)
			mk_link_bind(lo->end[i]);
	}
	mutex_lock(&mk_loopback_lock);
	list_add_tail(&lo->node, &mk_loopbacks);
	mutex_unlock(&mk_loopback_lock);
	pr_info("lo%d: %llu KiB at %pa, doorbells on CPUs %d and %d\n", lo->id,
		lo->size >> 10, &lo->phys, cpu_a, cpu_b);
	return lo;

unmap_b:
	vunmap(lo->map_b);
unmap_a:
	memunmap(lo->map_a);
free_region:
	mk_pool_free(lo->pool, lo->phys, lo->size);
free_pool:
	mk_instance_pool_destroy(lo->pool);
free_id:
	ida_free(&mk_loopback_ida, lo->id);
free:
	kfree(lo);
	return ERR_PTR(ret);
}

/**
 * mk_loopback_destroy() - close both ends and give the memory back
 * @lo: from mk_loopback_create() or mk_loopback_create_host()
 *
 * A host loopback's memory goes back only once its side 1 says DOWN: this
 * waits up to loopback_close_timeout_ms for it, then keeps the region out
 * of use for ever. Links still referenced (mk_link_find()) stay closed.
 *
 * Context: process context; may sleep that long.
 */
void mk_loopback_destroy(struct mk_loopback *lo)
{
	mutex_lock(&mk_loopback_lock);
	list_del(&lo->node);
	mutex_unlock(&mk_loopback_lock);
	__mk_loopback_destroy(lo);
}
EXPORT_SYMBOL_IF_KUNIT(mk_loopback_destroy);

/* Off the list for debugfs: NULL if unknown, -EBUSY if a kernel user's. */
static struct mk_loopback *mk_loopback_take(int id)
{
	struct mk_loopback *lo, *found = NULL;

	mutex_lock(&mk_loopback_lock);
	list_for_each_entry(lo, &mk_loopbacks, node) {
		if (lo->id == id) {
			found = lo->user ? ERR_PTR(-EBUSY) : lo;
			if (!lo->user)
				list_del(&lo->node);
			break;
		}
	}
	mutex_unlock(&mk_loopback_lock);
	return found;
}

/* Whether the other side of the region has closed, or never opened. */
static bool mk_loopback_peer_down(struct mk_loopback *lo)
{
	struct mk_chan_hdr *h = lo->map_a;

	/* A closing side writes DOWN last (release): nothing comes after it. */
	return le32_to_cpu(smp_load_acquire(&h->side[1].state)) == MK_CHAN_DOWN;
}

/*
 * A host loopback's side 1 is another kernel's (or an attached channel's):
 * until its side block says DOWN it may still write its heartbeat and used
 * ring into the region, so the memory cannot go back to the pool before.
 * Wait loopback_close_timeout_ms for that; a peer that stays silent keeps
 * the region for ever, out of use.
 */
static bool mk_loopback_wait_peer(struct mk_loopback *lo)
{
	unsigned long end = jiffies + msecs_to_jiffies(READ_ONCE(loopback_close_timeout_ms));

	while (!mk_loopback_peer_down(lo)) {
		if (time_after(jiffies, end))
			return false;
		msleep(20);
	}
	return true;
}

static void mk_loopback_free(struct mk_loopback *lo)
{
	memunmap(lo->map_a);
	mk_pool_free(lo->pool, lo->phys, lo->size);
	mk_instance_pool_destroy(lo->pool);
	ida_free(&mk_loopback_ida, lo->id);
	kfree(lo);
}

/* Off the list already. */
static void __mk_loopback_destroy(struct mk_loopback *lo)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (!lo->end[i])
			continue;
		debugfs_remove(lo->dbg[i]);
		mk_link_close(lo->end[i]);
	}
	vunmap(lo->map_b);
	lo->map_b = NULL;
	if (!lo->end[1] && !mk_loopback_wait_peer(lo)) {
		/* Its pool and number stay taken too: nothing reuses them. */
		pr_warn("lo%d: the other side never closed: %llu KiB at %pa stay out of use\n",
			lo->id, lo->size >> 10, &lo->phys);
		mutex_lock(&mk_loopback_lock);
		list_add_tail(&lo->node, &mk_loopback_quarantine);
		mk_loopback_nr_quarantined++;
		mutex_unlock(&mk_loopback_lock);
		return;
	}
	mk_loopback_free(lo);
}

#if IS_ENABLED(CONFIG_MULTIKERNEL_TRANSPORT_KUNIT_TEST)
/* Hooks only the KUnit suite uses. */

/**
 * mk_loopback_region() - test hook: the region, as end a maps it
 * @lo: the loopback
 *
 * Return: the mapping; valid until the loopback is destroyed.
 */
void *mk_loopback_region(struct mk_loopback *lo)
{
	return lo->map_a;
}
EXPORT_SYMBOL_IF_KUNIT(mk_loopback_region);

/**
 * mk_loopback_set_close_timeout() - test hook: loopback_close_timeout_ms
 * @ms: the new value
 *
 * Return: the old value.
 */
unsigned int mk_loopback_set_close_timeout(unsigned int ms)
{
	return xchg(&loopback_close_timeout_ms, ms);
}
EXPORT_SYMBOL_IF_KUNIT(mk_loopback_set_close_timeout);

/**
 * mk_loopback_quarantined() - regions kept out of use so far
 *
 * Return: how many host loopbacks were destroyed while their other side
 * was still open.
 */
unsigned int mk_loopback_quarantined(void)
{
	return READ_ONCE(mk_loopback_nr_quarantined);
}
EXPORT_SYMBOL_IF_KUNIT(mk_loopback_quarantined);

/**
 * mk_loopback_reap_quarantine() - test hook: free quarantined regions
 *	whose other side says DOWN by now
 *
 * Only for the tests that quarantine a region on purpose, so that the
 * tests after them find the pool whole.
 *
 * Return: how many were freed.
 */
int mk_loopback_reap_quarantine(void)
{
	struct mk_loopback *lo, *tmp;
	LIST_HEAD(reap);
	int n = 0;

	mutex_lock(&mk_loopback_lock);
	list_for_each_entry_safe(lo, tmp, &mk_loopback_quarantine, node)
		if (mk_loopback_peer_down(lo))
			list_move_tail(&lo->node, &reap);
	mutex_unlock(&mk_loopback_lock);
	list_for_each_entry_safe(lo, tmp, &reap, node) {
		list_del(&lo->node);
		mk_loopback_free(lo);
		n++;
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(mk_loopback_reap_quarantine);
#endif

/**
 * mk_loopback_end() - one end of a loopback
 * @lo: the loopback
 * @i: 0 for end a, 1 for end b
 *
 * Return: the link.
 */
struct mk_link *mk_loopback_end(struct mk_loopback *lo, int i)
{
	return lo->end[!!i];
}
EXPORT_SYMBOL_IF_KUNIT(mk_loopback_end);

/**
 * mk_loopback_id() - the number of a loopback
 * @lo: the loopback
 *
 * Return: the id.
 */
int mk_loopback_id(struct mk_loopback *lo)
{
	return lo->id;
}
EXPORT_SYMBOL_IF_KUNIT(mk_loopback_id);

static int mk_lo_ctl_show(struct seq_file *m, void *v)
{
	struct mk_loopback *lo;

	mutex_lock(&mk_loopback_lock);
	list_for_each_entry(lo, &mk_loopbacks, node)
		seq_printf(m, "%d %s %s %pa %llu\n", lo->id,
			   mk_link_name(lo->end[0]),
			   lo->end[1] ? mk_link_name(lo->end[1]) : "-",
			   &lo->phys, lo->size);
	mutex_unlock(&mk_loopback_lock);
	return 0;
}

static int mk_lo_ctl_open(struct inode *inode, struct file *f)
{
	return single_open(f, mk_lo_ctl_show, NULL);
}

static ssize_t mk_lo_ctl_write(struct file *f, const char __user *ubuf,
			       size_t n, loff_t *pos)
{
	struct mk_chan_geometry g = mk_loopback_default;
	int cpu_a = cpumask_first(cpu_online_mask);
	int cpu_b = cpumask_next(cpu_a, cpu_online_mask);
	struct mk_loopback *lo;
	char buf[96], *kw;
	bool rpmsg = false;
	int id, got;

	if (n >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, n))
		return -EFAULT;
	buf[n] = '\0';
	if (cpu_b >= nr_cpu_ids)
		cpu_b = cpu_a;
	kw = strstr(buf, " rpmsg");
	if (kw) {
		rpmsg = true;
		*kw = '\0';
	}
	if (sscanf(buf, "destroy %d", &id) == 1) {
		/* Found and taken off the list at once: one destroyer wins. */
		lo = mk_loopback_take(id);
		if (IS_ERR_OR_NULL(lo))
			return lo ? PTR_ERR(lo) : -ENOENT;
		__mk_loopback_destroy(lo);
		return n;
	}
	if (!strncmp(buf, "host", 4)) {
		got = sscanf(buf + 4, "%d %u %u %u", &cpu_a, &g.num, &g.data_size,
			     &g.max_msg);
		if (got != -1 && got != 0 && got != 1 && got != 4)
			return -EINVAL;
		lo = __mk_loopback_create(cpu_a, cpu_a, &g, false, rpmsg, false);
		return IS_ERR(lo) ? PTR_ERR(lo) : n;
	}
	if (strncmp(buf, "create", 6))
		return -EINVAL;
	got = sscanf(buf + 6, "%d %d %u %u %u", &cpu_a, &cpu_b, &g.num,
		     &g.data_size, &g.max_msg);
	if (got != -1 && got != 0 && got != 2 && got != 5)
		return -EINVAL;
	lo = __mk_loopback_create(cpu_a, cpu_b, &g, true, rpmsg, false);
	return IS_ERR(lo) ? PTR_ERR(lo) : n;
}

static const struct file_operations mk_lo_ctl_fops = {
	.open = mk_lo_ctl_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = mk_lo_ctl_write,
};

static int __init mk_loopback_init(void)
{
	struct dentry *root = mk_transport_debugfs();

	debugfs_create_file("loopback", 0600, root, NULL, &mk_lo_ctl_fops);
	debugfs_create_u32("loopback_quarantined", 0444, root, &mk_loopback_nr_quarantined);
	return 0;
}
late_initcall(mk_loopback_init);
