// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host side of the channels to the instances this kernel starts.
 *
 * When an instance is about to start (MK_INSTANCE_PREPARE), every channel
 * it is to have is carved from its pool, formatted and opened as side 0,
 * and its "mk_channel=SIZE@ADDR,db=TARGET" joins the instance's command
 * line; the instance attaches side 1 at boot and rings TARGET, our doorbell
 * CPU, whatever the region says; we ring the instance only on its own CPU.
 * Channel 0 carries the rpmsg bus; with mk_transport.instance_raw_channels=N,
 * N more channels stay raw (no rpmsg, for transport streams). Links are
 * named mkI.C (instance I, channel C).
 *
 * A channel lives as long as the instance's memory: it survives stops and
 * restarts (the restarted kernel attaches again and the handshake starts a
 * new epoch), and goes at MK_INSTANCE_RELEASE, when the instance's CPU is
 * halted, so no peer can still write into a freed region.
 */

#define pr_fmt(fmt) "mk_host: " fmt

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/multikernel/instance.h>
#include <linux/multikernel/pool.h>

#include "transport.h"

static unsigned int instance_raw_channels;
module_param(instance_raw_channels, uint, 0644);
MODULE_PARM_DESC(instance_raw_channels,
		 "Raw channels (no rpmsg) each started instance gets beside channel 0");

static int instance_doorbell_cpu = -1;
module_param(instance_doorbell_cpu, int, 0644);
MODULE_PARM_DESC(instance_doorbell_cpu,
		 "CPU taking the instances' doorbells (default: the first online)");

#define MK_HOST_MAX_CHANNELS	4

static const struct mk_chan_geometry mk_host_geometry = {
	.num = 256,
	.data_size = SZ_1M,
	.max_msg = SZ_64K + SZ_4K,
};

/**
 * struct mk_host_chan - one channel to an instance
 * @node: in mk_host_chans
 * @instance: the instance's number
 * @index: the channel's number for that instance
 * @pool: the instance's pool, where the region lies
 * @phys: the region
 * @size: its size
 * @map: our mapping of it
 * @link: side 0
 * @dbg: its debugfs directory
 */
struct mk_host_chan {
	struct list_head node;
	int instance;
	unsigned int index;
	struct mk_pool *pool;
	phys_addr_t phys;
	u64 size;
	void *map;
	struct mk_link *link;
	struct dentry *dbg;
};

static LIST_HEAD(mk_host_chans);
static DEFINE_MUTEX(mk_host_lock);

/* Called with mk_host_lock held. */
static struct mk_host_chan *mk_host_lookup(int instance, unsigned int index)
{
	struct mk_host_chan *c;

	list_for_each_entry(c, &mk_host_chans, node)
		if (c->instance == instance && c->index == index)
			return c;
	return NULL;
}

static struct mk_host_chan *mk_host_create(struct mk_instance *inst,
					   unsigned int index)
{
	int cpu = READ_ONCE(instance_doorbell_cpu);
	struct mk_host_chan *c;
	char name[24];
	int ret;

	if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu))
		cpu = cpumask_first(cpu_online_mask);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->instance = mk_instance_id(inst);
	c->index = index;
	c->pool = mk_instance_shared_pool(inst);
	c->size = mk_chan_region_size(&mk_host_geometry);
	ret = mk_pool_alloc(c->pool, c->size, PAGE_SIZE, &c->phys);
	if (ret)
		goto free;
	ret = -ENOMEM;
	c->map = memremap(c->phys, c->size, MEMREMAP_WB);
	if (!c->map)
		goto free_region;
	ret = mk_chan_format(c->map, c->size, &mk_host_geometry);
	if (ret)
		goto unmap;
	snprintf(name, sizeof(name), "mk%d.%u", c->instance, index);
	c->link = mk_link_open(name, c->map, c->size, 0, cpu, NULL, NULL);
	if (IS_ERR(c->link)) {
		ret = PTR_ERR(c->link);
		goto unmap;
	}
	mk_link_set_peer_instance(c->link, c->instance);
	c->dbg = mk_link_debugfs_add(c->link);
	if (index == 0 && IS_ENABLED(CONFIG_MULTIKERNEL_RPMSG))
		mk_link_bind(c->link);
	pr_info("%s: %llu KiB at %pa for instance %d, doorbells on CPU %d\n",
		name, c->size >> 10, &c->phys, c->instance, cpu);
	return c;

unmap:
	memunmap(c->map);
free_region:
	mk_pool_free(c->pool, c->phys, c->size);
free:
	kfree(c);
	return ERR_PTR(ret);
}

static void mk_host_destroy(struct mk_host_chan *c)
{
	debugfs_remove(c->dbg);
	mk_link_close(c->link);
	memunmap(c->map);
	mk_pool_free(c->pool, c->phys, c->size);
	kfree(c);
}

static int mk_host_prepare(struct mk_instance *inst)
{
	unsigned int n = 1 + min(instance_raw_channels, MK_HOST_MAX_CHANNELS - 1);
	int id = mk_instance_id(inst);
	struct mk_host_chan *c;
	unsigned int i;
	int ret = 0;

	mutex_lock(&mk_host_lock);
	for (i = 0; i < n && !ret; i++) {
		c = mk_host_lookup(id, i);
		if (!c) {
			c = mk_host_create(inst, i);
			if (IS_ERR(c)) {
				ret = PTR_ERR(c);
				pr_err("instance %d: cannot create channel %u (%d)\n",
				       id, i, ret);
				break;
			}
			list_add_tail(&c->node, &mk_host_chans);
		}
		/*
		 * The instance may only have us ring its own CPU, which can
		 * change between two starts; and it rings where we say.
		 */
		mk_link_set_peer_cpus(c->link, cpumask_of(mk_instance_cpu(inst)));
		/* What it may name to us: its shared memory, nothing of ours. */
		mk_link_set_peer_memory(c->link, mk_pool_base(c->pool),
					mk_pool_size(c->pool));
		ret = mk_instance_add_param(inst, "mk_channel=%llu@%#llx,db=%#x%s",
					    c->size, (u64)c->phys,
					    mk_link_doorbell_target(c->link),
					    i ? ",raw" : "");
	}
	/* Both ends of a channel ring the same way. */
	if (!ret)
		ret = mk_instance_add_param(inst, "mk_transport.doorbell=%s",
					    mk_doorbell_default()->name);
	mutex_unlock(&mk_host_lock);
	return ret;
}

static void mk_host_stopped(struct mk_instance *inst)
{
	int id = mk_instance_id(inst);
	struct mk_host_chan *c;

	/* Its kernel is gone: down now, not at the heartbeat timeout. */
	mutex_lock(&mk_host_lock);
	list_for_each_entry(c, &mk_host_chans, node)
		if (c->instance == id)
			mk_link_restart(c->link);
	mutex_unlock(&mk_host_lock);
}

static void mk_host_release(struct mk_instance *inst)
{
	int id = mk_instance_id(inst);
	struct mk_host_chan *c, *tmp;

	mutex_lock(&mk_host_lock);
	list_for_each_entry_safe(c, tmp, &mk_host_chans, node) {
		if (c->instance != id)
			continue;
		list_del(&c->node);
		mk_host_destroy(c);
	}
	mutex_unlock(&mk_host_lock);
}

static int mk_host_event(struct notifier_block *nb, unsigned long ev, void *data)
{
	struct mk_instance *inst = data;

	switch (ev) {
	case MK_INSTANCE_PREPARE:
		return notifier_from_errno(mk_host_prepare(inst));
	case MK_INSTANCE_STOPPED:
		mk_host_stopped(inst);
		break;
	case MK_INSTANCE_RELEASE:
		mk_host_release(inst);
		break;
	}
	return NOTIFY_OK;
}

static struct notifier_block mk_host_nb = {
	.notifier_call = mk_host_event,
};

/* Follow the instances this kernel starts. */
static int __init mk_host_init(void)
{
	mk_instance_register_notifier(&mk_host_nb);
	return 0;
}
late_initcall(mk_host_init);
