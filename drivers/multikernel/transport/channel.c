// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where a spawned kernel finds its channel, and the transport's set-up.
 *
 * The host kernel creates the channel region in the new instance's pool and
 * formats it (mk_chan_format()); the spawned kernel attaches to it as side 1,
 * told where it is by either
 *
 *   the boot parameter  mk_channel=SIZE@ADDR[,db=TARGET][,cpu=N]
 *       (repeatable; numbers as for mkkernel_pool=, K/M/G/T suffixes), or
 *   a device-tree node  compatible = "multikernel,channel";
 *                       reg = <ADDR SIZE>;  (parent's #address/#size-cells)
 *                       multikernel,peer-doorbell = <TARGET>;  (optional)
 *                       multikernel,doorbell-cpu = <N>;        (optional)
 *
 * TARGET is the doorbell target of the host's CPU (on x86 its physical APIC
 * ID); given, it overrides what the host publishes in the region (the host
 * gives it to the instances it starts). Without it the link rings what the
 * region says only if that is one of this kernel's own CPUs (a channel
 * within one kernel, for tests): another kernel's CPUs cannot be told from
 * here. N is the CPU of this kernel that takes the link's doorbells
 * (default: the first online CPU).
 *
 * Both forms can also be handed over at run time by writing them to
 * /sys/kernel/debug/multikernel/attach (text for the parameter form, the
 * binary blob for the device-tree form); "detach NAME" closes such a link.
 * An attached channel's peer is instance 0 (the host), and the link becomes
 * an rpmsg bus when that driver is built in; at run time, the text form
 * takes ",raw" to keep the link bare (for transport tests).
 */

#define pr_fmt(fmt) "mk_channel: " fmt

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/multikernel/channel.h>
#include <linux/multikernel/pool.h>

#include "transport.h"
#include "vring.h"

/* The shared layout is an ABI: its sizes must never drift. */
static_assert(sizeof(struct mk_chan_dir) == 48);
static_assert(sizeof(struct mk_chan_side) == 64);
static_assert(offsetof(struct mk_chan_hdr, dir) == 64);
static_assert(offsetof(struct mk_chan_hdr, side) == 192);
static_assert(sizeof(struct mk_chan_hdr) == 320);
static_assert(MK_CHAN_ALIGN % MKV_DATA_ALIGN == 0);

/**
 * mk_chan_region_size() - bytes a channel of this geometry needs
 * @g: the geometry
 *
 * Return: the size, page aligned.
 */
u64 mk_chan_region_size(const struct mk_chan_geometry *g)
{
	struct mkv_dir d;
	u64 end;

	end = mkv_dir_place(&d, sizeof(struct mk_chan_hdr), g->num, g->data_size,
			    g->max_msg);
	end = mkv_dir_place(&d, end, g->num, g->data_size, g->max_msg);
	return PAGE_ALIGN(end);
}
EXPORT_SYMBOL_GPL(mk_chan_region_size);

/**
 * mk_chan_format() - write an empty channel into a region
 * @region: the mapped region, zeroed by this call
 * @size: its bytes, at least mk_chan_region_size(@g)
 * @g: the geometry
 *
 * Done once, by the kernel that creates the channel, before either side
 * opens it.
 *
 * Return: 0, or -EINVAL for a geometry that cannot be used.
 */
int mk_chan_format(void *region, u64 size, const struct mk_chan_geometry *g)
{
	u32 back = g->max_msg_back ?: g->max_msg;
	struct mk_chan_hdr *h = region;
	struct mkv_dir d[2];
	u64 end;
	int i;

	if (!g->num || g->num > MK_CHAN_MAX_NUM || (g->num & (g->num - 1)) ||
	    g->max_msg < MK_CHAN_MIN_MTU || g->max_msg > g->data_size ||
	    back < MK_CHAN_MIN_MTU || back > g->data_size ||
	    size < mk_chan_region_size(g))
		return -EINVAL;
	memset(region, 0, size);
	end = mkv_dir_place(&d[0], sizeof(*h), g->num, g->data_size, g->max_msg);
	mkv_dir_place(&d[1], end, g->num, g->data_size, back);
	for (i = 0; i < 2; i++) {
		h->dir[i].desc_off = cpu_to_le64(d[i].desc_off);
		h->dir[i].avail_off = cpu_to_le64(d[i].avail_off);
		h->dir[i].used_off = cpu_to_le64(d[i].used_off);
		h->dir[i].data_off = cpu_to_le64(d[i].data_off);
		h->dir[i].data_size = cpu_to_le64(d[i].data_size);
		h->dir[i].num = cpu_to_le32(d[i].num);
		h->dir[i].max_msg = cpu_to_le32(d[i].max_msg);
	}
	h->version = cpu_to_le32(MK_CHAN_VERSION);
	h->hdr_size = cpu_to_le32(sizeof(*h));
	h->region_size = cpu_to_le64(size);
	/* The geometry before the magic that says it is there. */
	smp_store_release(&h->magic, cpu_to_le32(MK_CHAN_MAGIC));
	return 0;
}
EXPORT_SYMBOL_GPL(mk_chan_format);

#define MK_CHAN_MAX_BOOT	8
#define MK_CHAN_USAGE		"expected SIZE@ADDR[,db=TARGET][,cpu=N]"

/**
 * mk_chan_parse_param() - parse a mk_channel= value
 * @str: "SIZE@ADDR[,db=TARGET][,cpu=N]"
 * @a: the result, written only on success
 * @why: on error, a short reason for the log
 *
 * Return: 0; -EINVAL for a malformed value, a missing address, a size or
 * address that is not page aligned, a size below one page; -ERANGE for a
 * number too large.
 */
int mk_chan_parse_param(const char *str, struct mk_chan_attach *a,
			const char **why)
{
	struct mk_chan_attach r = { .cpu = -1, .bind = true };
	struct mk_pool_param p;
	char buf[96], *opts, *opt;
	unsigned int v;
	int ret;

	*why = NULL;
	if (!str || !*str || strlen(str) >= sizeof(buf)) {
		*why = str && *str ? "value too long" : "empty value (" MK_CHAN_USAGE ")";
		return -EINVAL;
	}
	strscpy(buf, str, sizeof(buf));
	opts = strchr(buf, ',');
	if (opts)
		*opts++ = '\0';
	ret = mk_pool_parse_param(buf, &p, why);
	if (ret)
		return ret;
	if (!p.fixed) {
		*why = "no address (" MK_CHAN_USAGE ")";
		return -EINVAL;
	}
	r.addr = p.addr;
	r.size = p.size;
	while ((opt = strsep(&opts, ",")) != NULL) {
		if (!strncmp(opt, "db=", 3) && !kstrtouint(opt + 3, 0, &v)) {
			r.peer_doorbell = v;
			r.has_peer_doorbell = true;
		} else if (!strncmp(opt, "cpu=", 4) && !kstrtouint(opt + 4, 0, &v) &&
			   v < INT_MAX) {
			r.cpu = v;
		} else if (!strcmp(opt, "raw")) {
			r.bind = false;
		} else {
			*why = "unknown option (" MK_CHAN_USAGE ")";
			return -EINVAL;
		}
	}
	*a = r;
	return 0;
}
EXPORT_SYMBOL_GPL(mk_chan_parse_param);

static int mk_fdt_u32(const void *fdt, int node, const char *name, u32 *val,
		      const char **why)
{
	const fdt32_t *p;
	int len;

	p = fdt_getprop(fdt, node, name, &len);
	if (!p)
		return len == -FDT_ERR_NOTFOUND ? -ENOENT : -EINVAL;
	if (len != sizeof(*p)) {
		*why = "property is not one 32-bit cell";
		return -EINVAL;
	}
	*val = fdt32_to_cpu(*p);
	return 0;
}

/**
 * mk_chan_parse_fdt() - read a channel from a flattened device tree
 * @fdt: the blob
 * @fdt_size: bytes available at @fdt
 * @index: which "multikernel,channel" node, from 0
 * @a: the result, written only on success
 * @why: on error, a short reason for the log
 *
 * Return: 0; -ENOENT if there is no such node; -EINVAL for a bad blob or
 * node (reg missing or of the wrong size, cell counts other than 1 or 2, a
 * zero or unaligned size or address, a doorbell or CPU property that is not
 * one cell).
 */
int mk_chan_parse_fdt(const void *fdt, size_t fdt_size, int index,
		      struct mk_chan_attach *a, const char **why)
{
	struct mk_chan_attach r = { .cpu = -1, .bind = true };
	int node = -1, parent, ac, sc, len, i, ret;
	const fdt32_t *reg;
	u32 v;

	*why = NULL;
	if (fdt_size < sizeof(struct fdt_header) || fdt_check_header(fdt) ||
	    fdt_totalsize(fdt) > fdt_size) {
		*why = "not a device-tree blob, or truncated";
		return -EINVAL;
	}
	for (i = 0; i <= index; i++) {
		node = fdt_node_offset_by_compatible(fdt, node, "multikernel,channel");
		if (node < 0) {
			*why = "no multikernel,channel node";
			return node == -FDT_ERR_NOTFOUND ? -ENOENT : -EINVAL;
		}
	}
	parent = fdt_parent_offset(fdt, node);
	ac = parent < 0 ? parent : fdt_address_cells(fdt, parent);
	sc = parent < 0 ? parent : fdt_size_cells(fdt, parent);
	if (ac < 1 || ac > 2 || sc < 1 || sc > 2) {
		*why = "#address-cells and #size-cells must be 1 or 2";
		return -EINVAL;
	}
	reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg || len != (ac + sc) * (int)sizeof(*reg)) {
		*why = "reg missing, or not one address and one size";
		return -EINVAL;
	}
	r.addr = fdt32_to_cpu(reg[0]);
	if (ac == 2)
		r.addr = (r.addr << 32) | fdt32_to_cpu(reg[1]);
	r.size = fdt32_to_cpu(reg[ac]);
	if (sc == 2)
		r.size = (r.size << 32) | fdt32_to_cpu(reg[ac + 1]);
	if (!r.size || !PAGE_ALIGNED(r.size) || !PAGE_ALIGNED(r.addr) ||
	    r.addr + r.size < r.addr) {
		*why = "reg is empty, not page aligned, or wraps";
		return -EINVAL;
	}
	ret = mk_fdt_u32(fdt, node, "multikernel,peer-doorbell", &v, why);
	if (!ret) {
		r.peer_doorbell = v;
		r.has_peer_doorbell = true;
	} else if (ret != -ENOENT) {
		*why = *why ?: "bad multikernel,peer-doorbell";
		return -EINVAL;
	}
	ret = mk_fdt_u32(fdt, node, "multikernel,doorbell-cpu", &v, why);
	if (!ret && v < INT_MAX) {
		r.cpu = v;
	} else if (ret != -ENOENT) {
		*why = *why ?: "bad multikernel,doorbell-cpu";
		return -EINVAL;
	}
	*a = r;
	return 0;
}
EXPORT_SYMBOL_GPL(mk_chan_parse_fdt);

/* Attached channels ----------------------------------------------------------- */

/**
 * struct mk_chan - a channel this kernel attached to as side 1
 * @node: in mk_chans
 * @link: our end
 * @map: our mapping of the region
 * @size: bytes of the region
 * @dbg: the link's debugfs directory, removed before the link is closed
 */
struct mk_chan {
	struct list_head node;
	struct mk_link *link;
	void *map;
	u64 size;
	struct dentry *dbg;
};

static LIST_HEAD(mk_chans);
static DEFINE_MUTEX(mk_chans_lock);
static int mk_chan_next_id;

/* A region must be our pool's memory, or not this kernel's RAM at all. */
static bool mk_chan_region_ok(u64 addr, u64 size)
{
	if (mk_pool_contains(mk_global_pool(), addr, size))
		return true;
	return region_intersects(addr, size, IORESOURCE_SYSTEM_RAM,
				 IORES_DESC_NONE) == REGION_DISJOINT;
}

/**
 * mk_chan_attach() - open side 1 of a channel described by @a
 * @a: where the channel is, from mk_chan_parse_param() or mk_chan_parse_fdt()
 *
 * Context: process context.
 * Return: the link, or an ERR_PTR: -EINVAL (a CPU that is not online, a
 * region that overlaps RAM this kernel uses), -ENOMEM, -ENODEV (no channel
 * formatted in the region), or another error of mk_link_open().
 */
struct mk_link *mk_chan_attach(const struct mk_chan_attach *a)
{
	int cpu = a->cpu < 0 ? cpumask_first(cpu_online_mask) : a->cpu;
	struct mk_chan *c;
	char name[24];
	int ret;

	if (cpu >= nr_cpu_ids || !cpu_online(cpu)) {
		pr_err("%#llx: CPU %d is not online\n", a->addr, a->cpu);
		return ERR_PTR(-EINVAL);
	}
	if (!mk_chan_region_ok(a->addr, a->size)) {
		pr_err("%#llx-%#llx overlaps memory this kernel uses\n",
		       a->addr, a->addr + a->size - 1);
		return ERR_PTR(-EINVAL);
	}
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->size = a->size;
	c->map = memremap(a->addr, a->size, MEMREMAP_WB);
	if (!c->map) {
		pr_err("%#llx: cannot map %llu bytes\n", a->addr, a->size);
		kfree(c);
		return ERR_PTR(-ENOMEM);
	}
	mutex_lock(&mk_chans_lock);
	snprintf(name, sizeof(name), "chan%d", mk_chan_next_id++);
	c->link = mk_link_open(name, c->map, a->size, 1, cpu,
			       a->has_peer_doorbell ? &a->peer_doorbell : NULL, NULL);
	if (IS_ERR(c->link)) {
		ret = PTR_ERR(c->link);
		mutex_unlock(&mk_chans_lock);
		pr_err("%s: cannot attach to %#llx (%d)\n", name, a->addr, ret);
		memunmap(c->map);
		kfree(c);
		return ERR_PTR(ret);
	}
	if (!a->has_peer_doorbell)
		mk_link_set_peer_cpus(c->link, cpu_online_mask);
	/* The host may name pages of the channel's region to us, no others. */
	mk_link_set_peer_memory(c->link, a->addr, a->size);
	c->dbg = mk_link_debugfs_add(c->link);
	list_add_tail(&c->node, &mk_chans);
	mutex_unlock(&mk_chans_lock);
	pr_info("%s: attached to %#llx (%llu KiB), doorbells on CPU %d\n", name,
		a->addr, a->size >> 10, cpu);
	mk_link_set_peer_instance(c->link, 0);
	if (a->bind && IS_ENABLED(CONFIG_MULTIKERNEL_RPMSG))
		mk_link_bind(c->link);
	return c->link;
}
EXPORT_SYMBOL_GPL(mk_chan_attach);

static int mk_chan_detach(const char *name)
{
	struct mk_chan *c, *found = NULL;

	mutex_lock(&mk_chans_lock);
	list_for_each_entry(c, &mk_chans, node) {
		if (!strcmp(mk_link_name(c->link), name)) {
			found = c;
			list_del(&c->node);
			break;
		}
	}
	mutex_unlock(&mk_chans_lock);
	if (!found)
		return -ENOENT;
	/* Nobody may reach the link through its files once it is closed. */
	debugfs_remove(found->dbg);
	mk_link_close(found->link);
	memunmap(found->map);
	kfree(found);
	return 0;
}

static ssize_t mk_attach_write(struct file *f, const char __user *ubuf,
			       size_t n, loff_t *pos)
{
	struct mk_chan_attach a;
	struct mk_link *link;
	const char *why;
	char *buf;
	int ret;

	if (!n || n > SZ_64K)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, n);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	if (!strncmp(buf, "detach ", 7)) {
		ret = mk_chan_detach(strim(buf + 7));
		kfree(buf);
		return ret ?: n;
	}
	if (n >= sizeof(struct fdt_header) && fdt_magic(buf) == FDT_MAGIC)
		ret = mk_chan_parse_fdt(buf, n, 0, &a, &why);
	else
		ret = mk_chan_parse_param(strim(buf), &a, &why);
	kfree(buf);
	if (ret) {
		pr_err("attach rejected: %s\n", why ?: "invalid");
		return ret;
	}
	link = mk_chan_attach(&a);
	return IS_ERR(link) ? PTR_ERR(link) : n;
}

static int mk_attach_show(struct seq_file *m, void *v)
{
	struct mk_chan *c;

	mutex_lock(&mk_chans_lock);
	list_for_each_entry(c, &mk_chans, node)
		seq_printf(m, "%s %llu\n", mk_link_name(c->link), c->size);
	mutex_unlock(&mk_chans_lock);
	return 0;
}

static int mk_attach_open(struct inode *inode, struct file *f)
{
	return single_open(f, mk_attach_show, NULL);
}

static const struct file_operations mk_attach_fops = {
	.open = mk_attach_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = mk_attach_write,
};

/* Boot parameters -------------------------------------------------------------- */

static char *mk_chan_boot[MK_CHAN_MAX_BOOT] __initdata;
static int mk_chan_nr_boot __initdata;

static int __init mk_chan_setup(char *str)
{
	if (mk_chan_nr_boot == MK_CHAN_MAX_BOOT) {
		pr_err("more than %d mk_channel= parameters; '%s' ignored\n",
		       MK_CHAN_MAX_BOOT, str);
		return 1;
	}
	mk_chan_boot[mk_chan_nr_boot++] = str;
	return 1;
}
__setup("mk_channel=", mk_chan_setup);

static int __init mk_transport_init(void)
{
	struct mk_chan_attach a;
	const char *why;
	int i;

	i = mk_link_class_init();
	if (i) {
		pr_err("cannot register the mk_link class (%d): no links\n", i);
		return i;
	}
	debugfs_create_file("attach", 0600, mk_transport_debugfs(), NULL, &mk_attach_fops);
	mk_link_panic_init();

	for (i = 0; i < mk_chan_nr_boot; i++) {
		if (mk_chan_parse_param(mk_chan_boot[i], &a, &why)) {
			pr_err("mk_channel=%s rejected: %s\n", mk_chan_boot[i], why);
			continue;
		}
		mk_chan_attach(&a);
	}
	return 0;
}
late_initcall(mk_transport_init);
