// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel instances: their control files in sysfs.
 *
 *   /sys/kernel/multikernel/add              write N: create instance N
 *   /sys/kernel/multikernel/remove           write N: remove a stopped one
 *   /sys/kernel/multikernel/instances/N/
 *       cpus           the offlined CPU it runs on (one)
 *       memory         SIZE from the mkkernel_pool=, or SIZE@ADDR outside RAM
 *       state          empty, loaded, starting, running, failed, stopped;
 *                      write "start" or "stop"
 *       stage          how far its boot got (the status page)
 *       cmdline        the command line of the last start
 *       start_timeout  seconds to reach userspace before it counts as failed
 */

#define pr_fmt(fmt) "mk_instance: " fmt

#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>
#include <linux/multikernel/instance.h>

#include "instance_internal.h"

#define MK_MAX_INSTANCES	255

static struct kobject *mk_root_kobj, *mk_instances_kobj;

#define to_inst(k) container_of(k, struct mk_instance, kobj)

static ssize_t state_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%s\n", mk_state_names[READ_ONCE(to_inst(k)->state)]);
}

static ssize_t state_store(struct kobject *k, struct kobj_attribute *a,
			   const char *buf, size_t n)
{
	struct mk_instance *inst = to_inst(k);
	int ret;

	mutex_lock(&inst->lock);
	if (sysfs_streq(buf, "start"))
		ret = mk_instance_start(inst);
	else if (sysfs_streq(buf, "stop"))
		ret = mk_instance_stop(inst);
	else
		ret = -EINVAL;
	mutex_unlock(&inst->lock);
	return ret ?: n;
}

static ssize_t stage_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	struct mk_instance *inst = to_inst(k);
	ssize_t n;

	mutex_lock(&inst->lock);
	n = sysfs_emit(buf, "%s\n", inst->status ?
		       mk_stage_names[mk_stage(inst)] : "none");
	mutex_unlock(&inst->lock);
	return n;
}

static ssize_t cpus_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	int cpu = READ_ONCE(to_inst(k)->cpu);

	return cpu < 0 ? sysfs_emit(buf, "\n") : sysfs_emit(buf, "%d\n", cpu);
}

static ssize_t cpus_store(struct kobject *k, struct kobj_attribute *a,
			  const char *buf, size_t n)
{
	struct mk_instance *inst = to_inst(k);
	char val[16];
	int ret;

	strscpy(val, buf, sizeof(val));
	strim(val);
	mutex_lock(&inst->lock);
	ret = mk_running(inst) ? -EBUSY : mk_instance_set_cpu(inst, val);
	mutex_unlock(&inst->lock);
	return ret ?: n;
}

static ssize_t memory_show(struct kobject *k, struct kobj_attribute *a,
			   char *buf)
{
	struct mk_instance *inst = to_inst(k);
	ssize_t n;

	mutex_lock(&inst->lock);
	n = inst->pool ? sysfs_emit(buf, "%lluM@%#llx\n", inst->ram_size >> 20,
				    (u64)inst->ram_base) : sysfs_emit(buf, "\n");
	mutex_unlock(&inst->lock);
	return n;
}

static ssize_t memory_store(struct kobject *k, struct kobj_attribute *a,
			    const char *buf, size_t n)
{
	struct mk_instance *inst = to_inst(k);
	char val[64];
	int ret;

	if (strscpy(val, buf, sizeof(val)) < 0)
		return -EINVAL;
	strim(val);
	mutex_lock(&inst->lock);
	if (mk_running(inst)) {
		pr_err("instance %d: memory cannot change while it runs\n", inst->id);
		ret = -EBUSY;
	} else {
		ret = mk_instance_set_memory(inst, val);
	}
	mutex_unlock(&inst->lock);
	return ret ?: n;
}

static ssize_t cmdline_show(struct kobject *k, struct kobj_attribute *a,
			    char *buf)
{
	struct mk_instance *inst = to_inst(k);
	ssize_t n;

	mutex_lock(&inst->lock);
	n = sysfs_emit(buf, "%s\n", inst->cmdline);
	mutex_unlock(&inst->lock);
	return n;
}

static ssize_t start_timeout_show(struct kobject *k, struct kobj_attribute *a,
				  char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_inst(k)->timeout_s));
}

static ssize_t start_timeout_store(struct kobject *k, struct kobj_attribute *a,
				   const char *buf, size_t n)
{
	unsigned int v;

	if (kstrtouint(buf, 0, &v) || !v || v > 3600)
		return -EINVAL;
	WRITE_ONCE(to_inst(k)->timeout_s, v);
	return n;
}

static struct kobj_attribute mk_attr_state = __ATTR_RW_MODE(state, 0600);
static struct kobj_attribute mk_attr_stage = __ATTR_RO(stage);
static struct kobj_attribute mk_attr_cpus = __ATTR_RW_MODE(cpus, 0600);
static struct kobj_attribute mk_attr_memory = __ATTR_RW_MODE(memory, 0600);
static struct kobj_attribute mk_attr_cmdline = __ATTR_RO_MODE(cmdline, 0400);
static struct kobj_attribute mk_attr_timeout = __ATTR_RW_MODE(start_timeout, 0600);

static struct attribute *mk_instance_attrs[] = {
	&mk_attr_state.attr,
	&mk_attr_stage.attr,
	&mk_attr_cpus.attr,
	&mk_attr_memory.attr,
	&mk_attr_cmdline.attr,
	&mk_attr_timeout.attr,
	NULL,
};
ATTRIBUTE_GROUPS(mk_instance);

static void mk_instance_release(struct kobject *kobj)
{
	kfree(to_inst(kobj));
}

static const struct kobj_type mk_instance_ktype = {
	.release = mk_instance_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = mk_instance_groups,
};

static ssize_t add_store(struct kobject *k, struct kobj_attribute *a,
			 const char *buf, size_t n)
{
	struct mk_instance *inst;
	unsigned int id;
	int ret;

	if (kstrtouint(buf, 0, &id) || !id || id > MK_MAX_INSTANCES) {
		pr_err("add: '%.*s' is not an instance number from 1 to %d\n",
		       (int)min_t(size_t, n, 16), buf, MK_MAX_INSTANCES);
		return -EINVAL;
	}
	inst = kzalloc(sizeof(*inst), GFP_KERNEL);
	if (!inst)
		return -ENOMEM;
	inst->id = id;
	inst->cpu = -1;
	inst->timeout_s = 120;
	mutex_init(&inst->lock);
	INIT_DELAYED_WORK(&inst->poll, mk_instance_poll);
	INIT_LIST_HEAD(&inst->node);
	kobject_init(&inst->kobj, &mk_instance_ktype);

	mutex_lock(&mk_instances_lock);
	if (mk_instance_lookup(id)) {
		mutex_unlock(&mk_instances_lock);
		kobject_put(&inst->kobj);
		pr_err("add: instance %u exists\n", id);
		return -EEXIST;
	}
	ret = kobject_add(&inst->kobj, mk_instances_kobj, "%u", id);
	if (ret) {
		mutex_unlock(&mk_instances_lock);
		kobject_put(&inst->kobj);
		return ret;
	}
	list_add_tail(&inst->node, &mk_instances);
	mutex_unlock(&mk_instances_lock);
	return n;
}

static ssize_t remove_store(struct kobject *k, struct kobj_attribute *a,
			    const char *buf, size_t n)
{
	struct mk_instance *inst;
	unsigned int id;
	int ret = 0;

	if (kstrtouint(buf, 0, &id))
		return -EINVAL;
	inst = mk_instance_get(id);
	if (!inst)
		return -ENOENT;
	/* Lock order: an instance's lock, then mk_instances_lock. */
	mutex_lock(&inst->lock);
	if (mk_running(inst)) {
		pr_err("remove: instance %u is %s: stop it first\n", id,
		       mk_state_names[inst->state]);
		ret = -EBUSY;
	} else {
		mutex_lock(&mk_instances_lock);
		if (list_empty(&inst->node)) {
			ret = -ENOENT;
		} else {
			list_del_init(&inst->node);
			if (inst->cpu >= 0)
				cpumask_clear_cpu(inst->cpu, &mk_owned_cpus);
		}
		mutex_unlock(&mk_instances_lock);
	}
	mutex_unlock(&inst->lock);
	if (ret) {
		kobject_put(&inst->kobj);
		return ret;
	}

	cancel_delayed_work_sync(&inst->poll);
	mutex_lock(&inst->lock);
	mk_instance_free_memory(inst);
	mk_instance_free_image(inst);
	mutex_unlock(&inst->lock);
	kobject_del(&inst->kobj);
	kobject_put(&inst->kobj);
	kobject_put(&inst->kobj);
	return n;
}

static struct kobj_attribute mk_attr_add = __ATTR_WO(add);
static struct kobj_attribute mk_attr_remove = __ATTR_WO(remove);

static struct attribute *mk_root_attrs[] = {
	&mk_attr_add.attr,
	&mk_attr_remove.attr,
	NULL,
};

static const struct attribute_group mk_root_group = {
	.attrs = mk_root_attrs,
};

static int __init mk_instance_init(void)
{
	int ret;

	if (mk_instance_spawned())
		return 0;
	mk_root_kobj = kobject_create_and_add("multikernel", kernel_kobj);
	if (!mk_root_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(mk_root_kobj, &mk_root_group);
	if (ret)
		goto put;
	mk_instances_kobj = kobject_create_and_add("instances", mk_root_kobj);
	if (!mk_instances_kobj) {
		ret = -ENOMEM;
		goto put;
	}
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					"multikernel/instance:prepare",
					mk_instance_cpu_prepare, NULL);
	if (ret < 0)
		goto put_instances;
	return 0;

put_instances:
	kobject_put(mk_instances_kobj);
put:
	kobject_put(mk_root_kobj);
	pr_err("cannot set up /sys/kernel/multikernel (%d)\n", ret);
	return ret;
}
subsys_initcall(mk_instance_init);
