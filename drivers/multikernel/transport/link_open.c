// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel transport: opening and closing a link end, and its lifetime.
 */

#define pr_fmt(fmt) "mk_link: " fmt

#include <linux/kthread.h>
#include <linux/panic_notifier.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "link.h"

/* Every open link, for the panic notifier. */
static LIST_HEAD(mk_links);
static DEFINE_SPINLOCK(mk_links_lock);

/* /sys/class/mk_link/NAME: state and statistics/ (link_sysfs.c). */
static const struct class mk_link_class = {
	.name = "mk_link",
	.dev_groups = mk_link_groups,
};

static void mk_dir_from_region(struct mkv_dir *d, const struct mk_chan_dir *r)
{
	d->desc_off = le64_to_cpu(READ_ONCE(r->desc_off));
	d->avail_off = le64_to_cpu(READ_ONCE(r->avail_off));
	d->used_off = le64_to_cpu(READ_ONCE(r->used_off));
	d->data_off = le64_to_cpu(READ_ONCE(r->data_off));
	d->data_size = le64_to_cpu(READ_ONCE(r->data_size));
	d->num = le32_to_cpu(READ_ONCE(r->num));
	d->max_msg = le32_to_cpu(READ_ONCE(r->max_msg));
}

static int mk_link_check_region(struct mk_link *link, void *region, u64 size)
{
	struct mk_chan_hdr *h = region;
	u32 magic, version, hdr_size;
	struct mkv_dir d[2];
	u64 region_size;
	int i;

	if (size < sizeof(*h)) {
		pr_err("%s: region of %llu bytes cannot hold a channel\n", link->name, size);
		return -EINVAL;
	}
	/* Each field read once: what is checked is what is logged. */
	magic = le32_to_cpu(READ_ONCE(h->magic));
	version = le32_to_cpu(READ_ONCE(h->version));
	hdr_size = le32_to_cpu(READ_ONCE(h->hdr_size));
	region_size = le64_to_cpu(READ_ONCE(h->region_size));
	if (magic != MK_CHAN_MAGIC) {
		pr_err("%s: no channel in the region (magic %#x)\n", link->name, magic);
		return -ENODEV;
	}
	if (version != MK_CHAN_VERSION || hdr_size != sizeof(*h)) {
		pr_err("%s: channel version %u (header %u bytes); this kernel speaks %u\n",
		       link->name, version, hdr_size, MK_CHAN_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (region_size != size) {
		pr_err("%s: channel says %llu bytes, region has %llu\n", link->name,
		       region_size, size);
		return -EINVAL;
	}
	for (i = 0; i < 2; i++) {
		mk_dir_from_region(&d[i], &h->dir[i]);
		if (mkv_dir_check(&d[i], size, sizeof(*h)) ||
		    d[i].max_msg < MK_CHAN_MIN_MTU) {
			pr_err("%s: direction %d has an invalid geometry\n", link->name, i);
			return -EINVAL;
		}
	}
	if (mkv_dir_overlap(&d[0], &d[1])) {
		pr_err("%s: the two directions overlap\n", link->name);
		return -EINVAL;
	}
	link->dir_tx = d[link->side];
	link->dir_rx = d[!link->side];
	return 0;
}

/*
 * The last reference is gone. mk_link_close() stopped everything; the wait
 * queue lives as long as the memory, and pollers hold no reference.
 */
static void mk_link_release(struct device *dev)
{
	struct mk_link *link = to_mk_link(dev);

	wake_up_pollfree(&link->space_wq);
	if (link->thread)
		put_task_struct(link->thread);
	free_cpumask_var(link->peer_cpus);
	kfree(link->tx_ends);
	kfree_rcu(link, rcu);
}

/**
 * mk_link_open() - open our end of a channel
 * @name: for the log and debugfs; copied
 * @region: the channel region, as this kernel mapped it; formatted
 * @size: bytes of the region
 * @side: 0 for the kernel that created the channel, 1 for the other
 * @cpu: the CPU that takes our doorbells
 * @peer_doorbell: where to ring the peer, or NULL to use what the peer
 *	publishes in the region, if it names one of the CPUs given with
 *	mk_link_set_peer_cpus()
 * @db: the doorbell backend, the same as the peer's; NULL for this
 *	kernel's default (mk_doorbell_default())
 *
 * The geometry is read once and validated. The link comes up when the peer
 * is there; the client learns of it through its @up callback. The caller
 * holds the one reference to the link that mk_link_close() drops.
 *
 * Context: process context.
 * Return: the link, or an ERR_PTR: -EINVAL, -ENODEV (no channel in the
 * region), -EPROTONOSUPPORT, -ENOMEM.
 */
struct mk_link *mk_link_open(const char *name, void *region, u64 size,
			     unsigned int side, int cpu,
			     const u32 *peer_doorbell,
			     const struct mk_doorbell_ops *db)
{
	struct mk_chan_hdr *h = region;
	struct task_struct *thread;
	struct mk_link *link;
	u32 target;
	int ret;

	db = db ?: mk_doorbell_default();
	if (side > 1 || !db || cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu) ||
	    db->target(cpu, &target))
		return ERR_PTR(-EINVAL);
	link = kzalloc(sizeof(*link), GFP_KERNEL);
	if (!link)
		return ERR_PTR(-ENOMEM);
	strscpy(link->name, name, sizeof(link->name));
	link->base = region;
	link->size = size;
	link->side = side;
	spin_lock_init(&link->tx_lock);
	mutex_init(&link->client_lock);
	init_waitqueue_head(&link->space_wq);
	/* From here on the device's release frees whatever was set up. */
	device_initialize(&link->dev);
	link->dev.class = &mk_link_class;
	link->dev.release = mk_link_release;
	dev_set_drvdata(&link->dev, link);
	ret = -ENOMEM;
	if (!zalloc_cpumask_var(&link->peer_cpus, GFP_KERNEL))
		goto put;
	ret = dev_set_name(&link->dev, "%s", link->name);
	if (ret)
		goto put;
	ret = mk_link_check_region(link, region, size);
	if (ret)
		goto put;
	link->me = &h->side[side];
	link->peer = &h->side[!side];
	link->tx_ends = kcalloc(link->dir_tx.num, sizeof(u64), GFP_KERNEL);
	ret = -ENOMEM;
	if (!link->tx_ends)
		goto put;
	mkv_tx_init(&link->tx, region, &link->dir_tx, link->tx_ends);
	mkv_rx_init(&link->rx, region, &link->dir_rx);
	if (peer_doorbell) {
		link->peer_db = *peer_doorbell;
		link->peer_db_ok = true;
		link->peer_db_pinned = true;
	}
	link->peer_instance = -1;
	link->cpu = cpu;
	link->db = db;
	link->peer_hb_time = jiffies;
	/* Our own previous values, read once, so both keep counting up. */
	link->epoch = le32_to_cpu(READ_ONCE(link->me->epoch));
	link->beats = le64_to_cpu(READ_ONCE(link->me->heartbeat));

	/* Our rings stay untouched until the handshake says it is safe. */
	link->state = MK_CHAN_DOWN;
	link->db_target = target;
	WRITE_ONCE(link->me->doorbell, cpu_to_le32(target));
	WRITE_ONCE(link->me->max_msg, cpu_to_le32(link->dir_rx.max_msg));
	WRITE_ONCE(link->me->features_offered,
		   cpu_to_le64(MK_LINK_FEATURES | (db->polled ? MK_CHAN_F_POLLED : 0)));
	WRITE_ONCE(link->me->features_accepted, 0);

	thread = kthread_create(mk_link_thread, link, "mk_link/%s", link->name);
	if (IS_ERR(thread)) {
		ret = PTR_ERR(thread);
		goto put;
	}
	/* Wakers may come after the thread's exit: its task lives with us. */
	link->thread = get_task_struct(thread);
	/* Side block written before any doorbell can wake the thread. */
	mk_link_start(link);
	ret = db->bind(link, cpu, &link->db_cookie);
	if (ret)
		goto stop;
	/* Last: mk_link_find() sees only links with a thread and a doorbell. */
	ret = device_add(&link->dev);
	if (ret)
		goto unregister;
	timer_setup(&link->beat, mk_link_beat, 0);
	mod_timer(&link->beat, jiffies + msecs_to_jiffies(mk_link_heartbeat_ms));
	spin_lock(&mk_links_lock);
	list_add_tail(&link->node, &mk_links);
	spin_unlock(&mk_links_lock);
	wake_up_process(link->thread);
	return link;

unregister:
	db->unbind(link, link->db_cookie);
stop:
	kthread_stop(link->thread);
put:
	put_device(&link->dev);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(mk_link_open);

/**
 * mk_link_close() - close our end of a channel
 * @link: from mk_link_open()
 *
 * Tells the peer, takes the link down (blocked senders fail with
 * -ENOTCONN, the client's @down callback runs), stops the thread and drops
 * the reference mk_link_open() gave. When this returns nothing touches the
 * region any more, which belongs to the caller. Whoever still holds a
 * reference (mk_link_find(), mk_link_get()) may go on calling the link's
 * functions: sends fail with -ENOTCONN, nothing comes up again; the memory
 * goes with the last mk_link_put().
 *
 * Context: process context.
 */
void mk_link_close(struct mk_link *link)
{
	/* Never up again; then no thread, no doorbell, no heartbeat. */
	WRITE_ONCE(link->closing, true);
	WRITE_ONCE(link->arm_peer, NULL);
	spin_lock(&mk_links_lock);
	list_del(&link->node);
	spin_unlock(&mk_links_lock);
	/*
	 * Down first: blocked senders fail at once and the client hears
	 * "down" and lets go of whatever a sender may hold, so that the
	 * thread, which may be inside a client callback, can stop.
	 */
	mk_link_go_down(link, "closed");
	link->db->unbind(link, link->db_cookie);
	kthread_stop(link->thread);
	timer_shutdown_sync(&link->beat);
	/* In case the thread brought it up while we took it down. */
	mk_link_go_down(link, "closed");
	mk_link_unbind(link);
	/* Only the closing context writes the side block now. */
	link->state = MK_CHAN_DOWN;
	mk_link_write_side(link);
	mk_link_ring_peer(link);
	/* Out of the class: mk_link_find() no longer finds it. */
	device_del(&link->dev);
	put_device(&link->dev);
}
EXPORT_SYMBOL_GPL(mk_link_close);

/**
 * mk_link_find() - a link end of this kernel, by name
 * @name: "loN.a", "loN.b", "chanN", "mkI.C"
 *
 * The link may be closed while the caller holds it (see mk_link_close());
 * only its memory stays, until mk_link_put().
 *
 * Context: process context.
 * Return: a counted reference to the link, or NULL if no open link has
 * that name.
 */
struct mk_link *mk_link_find(const char *name)
{
	struct device *dev = class_find_device_by_name(&mk_link_class, name);

	return dev ? to_mk_link(dev) : NULL;
}
EXPORT_SYMBOL_GPL(mk_link_find);

/**
 * mk_link_get() - take another reference to a link
 * @link: a link the caller holds (open, or referenced)
 *
 * Return: @link.
 */
struct mk_link *mk_link_get(struct mk_link *link)
{
	get_device(&link->dev);
	return link;
}
EXPORT_SYMBOL_GPL(mk_link_get);

/**
 * mk_link_put() - drop a reference from mk_link_find() or mk_link_get()
 * @link: the link, or NULL
 *
 * Context: any context; the last one frees the memory.
 */
void mk_link_put(struct mk_link *link)
{
	if (link)
		put_device(&link->dev);
}
EXPORT_SYMBOL_GPL(mk_link_put);

/**
 * mk_link_closed() - whether mk_link_close() was called
 * @link: the link, referenced
 *
 * Return: true once the link is closing or closed: it never comes up again.
 */
bool mk_link_closed(struct mk_link *link)
{
	return READ_ONCE(link->closing);
}

/**
 * mk_link_set_peer_memory() - the memory the peer may name to this kernel
 * @link: the link
 * @base: physical start: the peer instance's pool, or the channel's region
 * @size: bytes, 0 for none
 *
 * Clients that take physical addresses from the peer (the seeds'
 * mk_receive_map_page()) accept only those in this range.
 *
 * Context: any context.
 */
void mk_link_set_peer_memory(struct mk_link *link, phys_addr_t base, u64 size)
{
	unsigned long flags;

	spin_lock_irqsave(&link->tx_lock, flags);
	link->peer_mem_base = base;
	link->peer_mem_size = size;
	spin_unlock_irqrestore(&link->tx_lock, flags);
}
EXPORT_SYMBOL_GPL(mk_link_set_peer_memory);

/**
 * mk_link_peer_owns() - whether the peer may name a range of memory to us
 * @link: the link
 * @addr: physical address
 * @size: bytes from @addr
 *
 * Context: any context.
 * Return: true if [@addr, @addr + @size) lies in what
 * mk_link_set_peer_memory() gave; false if nothing was given.
 */
bool mk_link_peer_owns(struct mk_link *link, phys_addr_t addr, u64 size)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&link->tx_lock, flags);
	ok = link->peer_mem_size && addr >= link->peer_mem_base &&
	     size <= link->peer_mem_size &&
	     addr - link->peer_mem_base <= link->peer_mem_size - size;
	spin_unlock_irqrestore(&link->tx_lock, flags);
	return ok;
}
EXPORT_SYMBOL_GPL(mk_link_peer_owns);

/**
 * mk_link_set_peer_cpus() - the CPUs the peer may own
 * @link: the link
 * @cpus: the CPUs, as this kernel numbers them, whose doorbell targets the
 *	peer may publish; copied
 *
 * Unless mk_link_open() was given the peer's doorbell target, the link
 * rings the peer where the peer's side block says, but only if that is the
 * target of one of @cpus (the backend's @target): anything else is
 * refused, logged and counted as "peer_doorbell_refused", and the link keeps
 * ringing the last target it accepted, or none. Until this is called no
 * published target is accepted. The published target is looked at while
 * the link is not up; a target no longer in @cpus is dropped at once.
 *
 * Context: any context.
 */
void mk_link_set_peer_cpus(struct mk_link *link, const struct cpumask *cpus)
{
	unsigned long flags;

	spin_lock_irqsave(&link->tx_lock, flags);
	cpumask_copy(link->peer_cpus, cpus);
	link->peer_cpus_set = true;
	link->peer_db_recheck = true;
	if (!link->peer_db_pinned && link->peer_db_ok &&
	    !mk_link_peer_target_ok(link, link->peer_db))
		WRITE_ONCE(link->peer_db_ok, false);
	spin_unlock_irqrestore(&link->tx_lock, flags);
	mk_link_kick(link);
}
EXPORT_SYMBOL_GPL(mk_link_set_peer_cpus);

/*
 * A kernel that panics says so on every link and rings each peer, so its
 * peers take the links down at once instead of after the heartbeat
 * timeout. Nothing here may sleep or wait: a lock another CPU held when
 * it stopped is skipped.
 */
static int mk_link_panic(struct notifier_block *nb, unsigned long ev, void *arg)
{
	struct mk_link *link;

	if (!spin_trylock(&mk_links_lock))
		return NOTIFY_DONE;
	list_for_each_entry(link, &mk_links, node) {
		/* Whatever we wrote before is visible before "down". */
		smp_store_release(&link->me->state, cpu_to_le32(MK_CHAN_DOWN));
		/* Pairs with mk_link_follow_peer_db(): no target, no ring. */
		if (smp_load_acquire(&link->peer_db_ok))
			link->db->ring(READ_ONCE(link->peer_db));
	}
	spin_unlock(&mk_links_lock);
	return NOTIFY_DONE;
}

static struct notifier_block mk_link_panic_nb = {
	.notifier_call = mk_link_panic,
};

/**
 * mk_link_panic_init() - tell the peers when this kernel panics
 */
void mk_link_panic_init(void)
{
	atomic_notifier_chain_register(&panic_notifier_list, &mk_link_panic_nb);
}

/**
 * mk_link_class_init() - register the mk_link class
 *
 * Return: 0 or an error of class_register().
 */
int mk_link_class_init(void)
{
	return class_register(&mk_link_class);
}
