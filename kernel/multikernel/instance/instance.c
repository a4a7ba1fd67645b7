// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel instances: kernels this kernel starts on its offlined CPUs,
 * in memory of their own.
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
 *
 * The image is loaded with kexec_file_load(KEXEC_FILE_MULTIKERNEL | the
 * instance number << KEXEC_FILE_MK_ID_SHIFT), tools/multikernel/mkload.
 * Starting copies it into the instance's RAM, so a stopped or failed
 * instance starts again without a new load.
 *
 * An instance owns its CPU from the write to "cpus" until it is removed:
 * the CPU cannot be onlined meanwhile (a CPU hotplug state that refuses).
 * Listeners on the instance notifier (the transport) carve what they share
 * with the instance from its pool at MK_INSTANCE_PREPARE, and add the boot
 * parameters that tell the instance where it is.
 */

#define pr_fmt(fmt) "mk_instance: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/kernel_read_file.h>
#include <linux/kexec.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <linux/multikernel/instance.h>
#include <linux/multikernel/pool.h>
#include <uapi/linux/multikernel/instance.h>

/* Room in an instance pool beside its RAM, for the channels and status. */
#define MK_SHARED_SIZE		SZ_16M
#define MK_MAX_INSTANCES	255
#define MK_CMDLINE_MAX		2048
#define MK_POLL_MS		100

/* Parameters every instance needs; instance_mode.c does the rest. */
#define MK_FIXED_PARAMS	"nokaslr no5lvl nosmp apic_extnmi=none " \
			"no_ipi_broadcast=1 tsc=reliable swiotlb=noforce"

enum mk_inst_state {
	MK_EMPTY,
	MK_LOADED,
	MK_STARTING,
	MK_RUNNING,
	MK_FAILED,
	MK_STOPPED,
};

static const char * const mk_state_names[] = {
	[MK_EMPTY] = "empty",
	[MK_LOADED] = "loaded",
	[MK_STARTING] = "starting",
	[MK_RUNNING] = "running",
	[MK_FAILED] = "failed",
	[MK_STOPPED] = "stopped",
};

static const char * const mk_stage_names[] = {
	[MK_STAGE_NONE] = "none",
	[MK_STAGE_TRAMPOLINE] = "trampoline",
	[MK_STAGE_KERNEL] = "kernel",
	[MK_STAGE_USERSPACE] = "userspace",
	[MK_STAGE_PANIC] = "panic",
	[MK_STAGE_HALTED] = "halted",
};

/**
 * struct mk_instance - one instance this kernel starts
 * @kobj: its sysfs directory, instances/N
 * @node: in mk_instances
 * @id: its number, 1-255 (0 is the host)
 * @lock: serialises everything below
 * @state: lifecycle state
 * @cpu: the CPU it owns, or -1
 * @pool: its pool: RAM, status page, shared regions; or NULL
 * @dedicated: @pool is a reservation of its own, not in the global pool
 * @ram_base: physical start of its RAM
 * @ram_size: size of its RAM
 * @status_phys: physical address of its status page
 * @status: the status page
 * @kernel: the loaded bzImage (vmalloc)
 * @kernel_size: its size
 * @initrd: the loaded initrd (vmalloc), or NULL
 * @initrd_size: its size
 * @user_cmdline: the command line given at load
 * @cmdline: the whole command line of the last start
 * @extra: parameters the notifier listeners add during a start
 * @extra_len: bytes used in @extra
 * @starts: how many times it was started
 * @start_time: jiffies of the last start
 * @timeout_s: seconds it has to reach userspace
 * @poll: follows the status page while it starts and runs
 */
struct mk_instance {
	struct kobject kobj;
	struct list_head node;
	int id;
	struct mutex lock;	/* everything below */
	enum mk_inst_state state;
	int cpu;
	struct mk_pool *pool;
	bool dedicated;
	phys_addr_t ram_base;
	u64 ram_size;
	phys_addr_t status_phys;
	struct mk_instance_status *status;
	void *kernel;
	size_t kernel_size;
	void *initrd;
	size_t initrd_size;
	char *user_cmdline;
	char cmdline[MK_CMDLINE_MAX];
	char extra[MK_CMDLINE_MAX / 2];
	size_t extra_len;
	unsigned int starts;
	unsigned long start_time;
	unsigned int timeout_s;
	struct delayed_work poll;
};

static DEFINE_MUTEX(mk_instances_lock);
static LIST_HEAD(mk_instances);
static struct cpumask mk_owned_cpus;
static BLOCKING_NOTIFIER_HEAD(mk_instance_chain);
static struct kobject *mk_root_kobj, *mk_instances_kobj;

/**
 * mk_instance_register_notifier() - follow instances' starts and stops
 * @nb: called with an enum mk_instance_event and the struct mk_instance
 *
 * Calls are made with the instance's lock held: a listener may use the
 * mk_instance_*() accessors but must not write its sysfs files.
 *
 * Return: 0.
 */
int mk_instance_register_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&mk_instance_chain, nb);
}
EXPORT_SYMBOL_GPL(mk_instance_register_notifier);

/**
 * mk_instance_unregister_notifier() - stop following instances
 * @nb: as registered
 *
 * Return: 0, or -ENOENT if @nb was not registered.
 */
int mk_instance_unregister_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&mk_instance_chain, nb);
}
EXPORT_SYMBOL_GPL(mk_instance_unregister_notifier);

/**
 * mk_instance_id() - an instance's number
 * @inst: the instance
 *
 * Return: 1-255.
 */
int mk_instance_id(const struct mk_instance *inst)
{
	return inst->id;
}
EXPORT_SYMBOL_GPL(mk_instance_id);

/**
 * mk_instance_cpu() - the CPU an instance runs on
 * @inst: the instance, being started
 *
 * Return: a CPU number of this kernel (offline here).
 */
unsigned int mk_instance_cpu(const struct mk_instance *inst)
{
	return inst->cpu;
}
EXPORT_SYMBOL_GPL(mk_instance_cpu);

/**
 * mk_instance_shared_pool() - where to carve memory shared with an instance
 * @inst: the instance
 *
 * The pool outlives every start and stop; a listener frees what it took at
 * %MK_INSTANCE_RELEASE, after which the pool goes.
 *
 * Return: the instance's pool.
 */
struct mk_pool *mk_instance_shared_pool(const struct mk_instance *inst)
{
	return inst->pool;
}
EXPORT_SYMBOL_GPL(mk_instance_shared_pool);

/**
 * mk_instance_add_param() - add to the command line of the start under way
 * @inst: the instance, in %MK_INSTANCE_PREPARE
 * @fmt: one or more parameters, printf-style
 *
 * Return: 0, or -E2BIG if the command line would be too long.
 */
int mk_instance_add_param(struct mk_instance *inst, const char *fmt, ...)
{
	size_t room = sizeof(inst->extra) - inst->extra_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(inst->extra + inst->extra_len, room, fmt, ap);
	va_end(ap);
	if (n + 1 >= room) {
		inst->extra[inst->extra_len] = '\0';
		return -E2BIG;
	}
	inst->extra_len += n;
	inst->extra[inst->extra_len++] = ' ';
	inst->extra[inst->extra_len] = '\0';
	return 0;
}
EXPORT_SYMBOL_GPL(mk_instance_add_param);

static u32 mk_stage(struct mk_instance *inst)
{
	u32 stage = le32_to_cpu(READ_ONCE(inst->status->stage));

	return stage < ARRAY_SIZE(mk_stage_names) ? stage : MK_STAGE_NONE;
}

static void mk_notify(struct mk_instance *inst, enum mk_instance_event ev)
{
	blocking_notifier_call_chain(&mk_instance_chain, ev, inst);
}

/* Follow the status page: starting -> running, or failed. */
static void mk_instance_poll(struct work_struct *work)
{
	struct mk_instance *inst = container_of(to_delayed_work(work),
						struct mk_instance, poll);
	u32 stage;

	mutex_lock(&inst->lock);
	if (inst->state != MK_STARTING && inst->state != MK_RUNNING)
		goto out;
	stage = mk_stage(inst);
	if (stage == MK_STAGE_PANIC) {
		pr_err("instance %d panicked (CPU %d spins in its panic until stopped)\n",
		       inst->id, inst->cpu);
		inst->state = MK_FAILED;
	} else if (stage == MK_STAGE_HALTED) {
		/* Its word only: INIT makes sure the CPU is stopped. */
		pr_info("instance %d halted\n", inst->id);
		mk_arch_instance_stop(inst->cpu);
		inst->state = MK_STOPPED;
		mk_notify(inst, MK_INSTANCE_STOPPED);
	} else if (inst->state == MK_STARTING && stage == MK_STAGE_USERSPACE) {
		pr_info("instance %d running on CPU %d (%u ms to userspace)\n",
			inst->id, inst->cpu,
			jiffies_to_msecs(jiffies - inst->start_time));
		inst->state = MK_RUNNING;
	} else if (inst->state == MK_STARTING &&
		   time_after(jiffies, inst->start_time + inst->timeout_s * HZ)) {
		pr_err("instance %d did not reach userspace in %u s (stage: %s)\n",
		       inst->id, inst->timeout_s, mk_stage_names[stage]);
		inst->state = MK_FAILED;
	}
	if (inst->state == MK_STARTING || inst->state == MK_RUNNING)
		schedule_delayed_work(&inst->poll, msecs_to_jiffies(MK_POLL_MS));
out:
	mutex_unlock(&inst->lock);
}

static bool mk_running(struct mk_instance *inst)
{
	return inst->state == MK_STARTING || inst->state == MK_RUNNING ||
	       inst->state == MK_FAILED;
}

/* The debug port of "earlycon=uart8250,io,PORT" in @cmdline, or 0. */
static u16 mk_debug_port(const char *cmdline)
{
	const char *p = strstr(cmdline, "earlycon=uart8250,io,");
	unsigned int port;

	if (p && sscanf(p + strlen("earlycon=uart8250,io,"), "%x", &port) == 1 &&
	    port <= U16_MAX)
		return port;
	return 0;
}

static bool mk_another_start_in_flight(struct mk_instance *inst)
{
	struct mk_instance *o;
	bool busy = false;

	mutex_lock(&mk_instances_lock);
	list_for_each_entry(o, &mk_instances, node) {
		if (o != inst && o->state == MK_STARTING && o->status &&
		    mk_stage(o) < MK_STAGE_KERNEL)
			busy = true;
	}
	mutex_unlock(&mk_instances_lock);
	return busy;
}

static int mk_instance_start(struct mk_instance *inst)
{
	struct mk_arch_start s = { };
	char handover[64];
	const char *why;
	int ret;

	if (mk_running(inst)) {
		pr_err("instance %d: start refused: already %s (stop it first)\n",
		       inst->id, mk_state_names[inst->state]);
		return -EBUSY;
	}
	if (!inst->kernel) {
		pr_err("instance %d: start refused: no kernel loaded\n", inst->id);
		return -EINVAL;
	}
	if (inst->cpu < 0 || !inst->pool) {
		pr_err("instance %d: start refused: set cpus and memory first\n",
		       inst->id);
		return -EINVAL;
	}
	if (cpu_online(inst->cpu)) {
		pr_err("instance %d: start refused: CPU %d is online\n",
		       inst->id, inst->cpu);
		return -EBUSY;
	}
	if (mk_another_start_in_flight(inst)) {
		pr_err("instance %d: start refused: another instance is in its trampoline\n",
		       inst->id);
		return -EBUSY;
	}

	inst->extra_len = 0;
	inst->extra[0] = '\0';
	ret = notifier_to_errno(blocking_notifier_call_chain(&mk_instance_chain,
							     MK_INSTANCE_PREPARE,
							     inst));
	if (ret) {
		pr_err("instance %d: start refused: preparing its channels failed (%d)\n",
		       inst->id, ret);
		return ret;
	}
	mk_arch_handover(handover, sizeof(handover));
	ret = snprintf(inst->cmdline, sizeof(inst->cmdline),
		       "%s mk_instance=%d,status=%#llx,%s %s %s",
		       inst->user_cmdline, inst->id, (u64)inst->status_phys,
		       handover, MK_FIXED_PARAMS, inst->extra);
	if (ret >= sizeof(inst->cmdline)) {
		pr_err("instance %d: start refused: command line too long\n",
		       inst->id);
		return -E2BIG;
	}
	strim(inst->cmdline);

	inst->status->magic = cpu_to_le32(MK_INSTANCE_STATUS_MAGIC);
	inst->status->instance_id = cpu_to_le32(inst->id);
	inst->status->starts = cpu_to_le32(++inst->starts);
	WRITE_ONCE(inst->status->stage, cpu_to_le32(MK_STAGE_NONE));

	s.cpu = inst->cpu;
	s.ram_base = inst->ram_base;
	s.ram_size = inst->ram_size;
	s.status = inst->status_phys;
	/* The RAM comes first in the pool: everything after it is shared. */
	s.shared_base = inst->ram_base + inst->ram_size;
	s.shared_size = mk_pool_base(inst->pool) + mk_pool_size(inst->pool) -
			s.shared_base;
	s.kernel = inst->kernel;
	s.kernel_size = inst->kernel_size;
	s.initrd = inst->initrd;
	s.initrd_size = inst->initrd_size;
	s.cmdline = inst->cmdline;
	s.debug_port = mk_debug_port(inst->cmdline);
	ret = mk_arch_instance_start(&s, &why);
	if (ret) {
		pr_err("instance %d: start failed: %s (%d)\n", inst->id, why, ret);
		return ret;
	}
	inst->state = MK_STARTING;
	inst->start_time = jiffies;
	pr_info("instance %d: starting on CPU %d, %llu MiB at %pa\n", inst->id,
		inst->cpu, inst->ram_size >> 20, &inst->ram_base);
	schedule_delayed_work(&inst->poll, msecs_to_jiffies(MK_POLL_MS));
	return 0;
}

static int mk_instance_stop(struct mk_instance *inst)
{
	if (!mk_running(inst)) {
		pr_err("instance %d: stop refused: it is %s\n", inst->id,
		       mk_state_names[inst->state]);
		return -EINVAL;
	}
	mk_arch_instance_stop(inst->cpu);
	inst->state = MK_STOPPED;
	pr_info("instance %d: stopped, CPU %d halted\n", inst->id, inst->cpu);
	mk_notify(inst, MK_INSTANCE_STOPPED);
	return 0;
}

/* Give the memory back; the instance is not running. */
static void mk_instance_free_memory(struct mk_instance *inst)
{
	if (!inst->pool)
		return;
	mk_notify(inst, MK_INSTANCE_RELEASE);
	memunmap(inst->status);
	inst->status = NULL;
	mk_pool_free(inst->pool, inst->status_phys, PAGE_SIZE);
	mk_pool_free(inst->pool, inst->ram_base, inst->ram_size);
	if (inst->ram_base > mk_pool_base(inst->pool))
		mk_pool_free(inst->pool, mk_pool_base(inst->pool),
			     inst->ram_base - mk_pool_base(inst->pool));
	if (inst->dedicated)
		mk_pool_destroy(inst->pool);
	else if (mk_instance_pool_destroy(inst->pool))
		pr_warn("instance %d: a listener kept memory of its pool\n",
			inst->id);
	inst->pool = NULL;
}

static int mk_instance_set_memory(struct mk_instance *inst, const char *buf)
{
	phys_addr_t ram, status, pad_addr = 0;
	struct mk_pool_param p;
	struct mk_pool *pool;
	const char *why;
	u64 size, pad;
	int ret;

	ret = mk_pool_parse_param(buf, &p, &why);
	if (ret) {
		pr_err("instance %d: memory '%s' refused: %s\n", inst->id, buf, why);
		return ret;
	}
	if (p.size < SZ_16M || !IS_ALIGNED(p.size, SZ_2M)) {
		pr_err("instance %d: memory refused: the size must be a multiple of 2 MiB, at least 16 MiB\n",
		       inst->id);
		return -EINVAL;
	}
	if (p.fixed && (!IS_ALIGNED(p.addr, SZ_2M) ||
			region_intersects(p.addr, p.size + MK_SHARED_SIZE,
					  IORESOURCE_SYSTEM_RAM,
					  IORES_DESC_NONE) != REGION_DISJOINT)) {
		pr_err("instance %d: memory %#llx-%#llx refused: not 2 MiB aligned, or overlaps this kernel's RAM\n",
		       inst->id, p.addr, p.addr + p.size + MK_SHARED_SIZE - 1);
		return -EINVAL;
	}
	mk_instance_free_memory(inst);

	size = p.size + MK_SHARED_SIZE + (p.fixed ? 0 : SZ_2M);
	if (p.fixed) {
		char name[32];

		snprintf(name, sizeof(name), "multikernel instance %d", inst->id);
		pool = mk_pool_create(name, p.addr, size, PAGE_SHIFT);
	} else {
		pool = mk_instance_pool_create(inst->id, size, PAGE_SHIFT);
	}
	if (IS_ERR(pool)) {
		pr_err("instance %d: no %llu MiB for it in the pool (%ld)\n",
		       inst->id, size >> 20, PTR_ERR(pool));
		return PTR_ERR(pool);
	}
	ret = mk_pool_alloc(pool, p.size, SZ_2M, &ram);
	if (ret)
		goto destroy;
	/* What alignment left before the RAM is never shared: keep it used. */
	pad = ram - mk_pool_base(pool);
	if (pad) {
		ret = mk_pool_alloc(pool, pad, PAGE_SIZE, &pad_addr);
		if (ret)
			goto free_ram;
	}
	ret = mk_pool_alloc(pool, PAGE_SIZE, PAGE_SIZE, &status);
	if (ret)
		goto free_pad;
	inst->status = memremap(status, PAGE_SIZE, MEMREMAP_WB);
	if (!inst->status) {
		ret = -ENOMEM;
		goto free_status;
	}
	memset(inst->status, 0, PAGE_SIZE);
	inst->pool = pool;
	inst->dedicated = p.fixed;
	inst->ram_base = ram;
	inst->ram_size = p.size;
	inst->status_phys = status;
	return 0;

free_status:
	mk_pool_free(pool, status, PAGE_SIZE);
free_pad:
	if (pad)
		mk_pool_free(pool, pad_addr, pad);
free_ram:
	mk_pool_free(pool, ram, p.size);
destroy:
	if (p.fixed)
		mk_pool_destroy(pool);
	else
		mk_instance_pool_destroy(pool);
	pr_err("instance %d: cannot set up its memory (%d)\n", inst->id, ret);
	return ret;
}

static int mk_instance_set_cpu(struct mk_instance *inst, const char *buf)
{
	unsigned int cpu;
	int ret = 0;

	if (kstrtouint(buf, 0, &cpu) || cpu >= nr_cpu_ids || !cpu_present(cpu)) {
		pr_err("instance %d: cpus '%s' refused: not one present CPU\n",
		       inst->id, buf);
		return -EINVAL;
	}
	if (cpu == 0) {
		pr_err("instance %d: CPU 0 refused: it is the boot CPU\n", inst->id);
		return -EINVAL;
	}
	cpus_read_lock();
	mutex_lock(&mk_instances_lock);
	if (inst->cpu == cpu) {
		ret = 0;
	} else if (cpumask_test_cpu(cpu, &mk_owned_cpus)) {
		pr_err("instance %d: CPU %u refused: another instance has it\n",
		       inst->id, cpu);
		ret = -EBUSY;
	} else if (cpu_online(cpu)) {
		pr_err("instance %d: CPU %u refused: it is online (offline it first)\n",
		       inst->id, cpu);
		ret = -EBUSY;
	} else {
		if (inst->cpu >= 0)
			cpumask_clear_cpu(inst->cpu, &mk_owned_cpus);
		cpumask_set_cpu(cpu, &mk_owned_cpus);
		inst->cpu = cpu;
	}
	mutex_unlock(&mk_instances_lock);
	cpus_read_unlock();
	return ret;
}

/* The CPU hotplug state: an instance's CPU cannot come back online. */
static int mk_instance_cpu_prepare(unsigned int cpu)
{
	if (cpumask_test_cpu(cpu, &mk_owned_cpus)) {
		pr_warn("CPU %u belongs to an instance: not onlined\n", cpu);
		return -EBUSY;
	}
	return 0;
}

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

/* Called with mk_instances_lock held. */
static struct mk_instance *mk_instance_lookup(int id)
{
	struct mk_instance *inst;

	list_for_each_entry(inst, &mk_instances, node)
		if (inst->id == id)
			return inst;
	return NULL;
}

static struct mk_instance *mk_instance_get(int id)
{
	struct mk_instance *inst;

	mutex_lock(&mk_instances_lock);
	inst = mk_instance_lookup(id);
	if (inst)
		kobject_get(&inst->kobj);
	mutex_unlock(&mk_instances_lock);
	return inst;
}

static void mk_instance_free_image(struct mk_instance *inst)
{
	vfree(inst->kernel);
	vfree(inst->initrd);
	kfree(inst->user_cmdline);
	inst->kernel = NULL;
	inst->initrd = NULL;
	inst->user_cmdline = NULL;
	inst->kernel_size = 0;
	inst->initrd_size = 0;
}

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

/**
 * mk_instance_kexec_file_load() - kexec_file_load() with KEXEC_FILE_MULTIKERNEL
 * @kernel_fd: the bzImage
 * @initrd_fd: the initrd, unless %KEXEC_FILE_NO_INITRAMFS
 * @cmdline_len: bytes at @cmdline_ptr, the NUL included
 * @cmdline_ptr: the instance's command line
 * @flags: %KEXEC_FILE_MULTIKERNEL, the instance number in
 *	%KEXEC_FILE_MK_ID_MASK, optionally %KEXEC_FILE_UNLOAD or
 *	%KEXEC_FILE_NO_INITRAMFS
 *
 * Loads the image of an instance that is not running, or unloads it.
 *
 * Return: 0; -EPERM without CAP_SYS_BOOT; -EINVAL for unknown flags or a
 * bad command line; -ENOENT for no such instance; -EBUSY while it runs;
 * -ENOEXEC if the file is not a bzImage it can start; or the error of
 * reading a file.
 */
long mk_instance_kexec_file_load(int kernel_fd, int initrd_fd,
				 unsigned long cmdline_len,
				 const char __user *cmdline_ptr,
				 unsigned long flags)
{
	const unsigned long known = KEXEC_FILE_MULTIKERNEL | KEXEC_FILE_UNLOAD |
				    KEXEC_FILE_NO_INITRAMFS | KEXEC_FILE_MK_ID_MASK;
	int id = (flags & KEXEC_FILE_MK_ID_MASK) >> KEXEC_FILE_MK_ID_SHIFT;
	void *kernel = NULL, *initrd = NULL;
	struct mk_instance *inst;
	size_t klen = 0, ilen = 0;
	char *cmdline = NULL, *trimmed;
	const char *why;
	ssize_t n;
	long ret;

	if (!capable(CAP_SYS_BOOT))
		return -EPERM;
	if (flags & ~known)
		return -EINVAL;
	inst = mk_instance_get(id);
	if (!inst) {
		pr_err("load: no instance %d (write its number to add first)\n", id);
		return -ENOENT;
	}
	if (flags & KEXEC_FILE_UNLOAD)
		goto lock;

	ret = -EINVAL;
	if (!cmdline_len || cmdline_len > MK_CMDLINE_MAX / 2) {
		pr_err("instance %d: load refused: command line of %lu bytes\n",
		       id, cmdline_len);
		goto put;
	}
	cmdline = memdup_user_nul(cmdline_ptr, cmdline_len);
	if (IS_ERR(cmdline)) {
		ret = PTR_ERR(cmdline);
		cmdline = NULL;
		goto put;
	}
	/* Trimmed in place: the pointer kept is the one to free. */
	trimmed = strim(cmdline);
	memmove(cmdline, trimmed, strlen(trimmed) + 1);
	n = kernel_read_file_from_fd(kernel_fd, 0, &kernel, INT_MAX, NULL,
				     READING_KEXEC_IMAGE);
	if (n < 0) {
		ret = n;
		pr_err("instance %d: cannot read the kernel (%ld)\n", id, ret);
		goto put;
	}
	klen = n;
	ret = mk_arch_image_check(kernel, klen, &why);
	if (ret) {
		pr_err("instance %d: load refused: %s\n", id, why);
		goto put;
	}
	if (!(flags & KEXEC_FILE_NO_INITRAMFS)) {
		n = kernel_read_file_from_fd(initrd_fd, 0, &initrd, INT_MAX,
					     NULL, READING_KEXEC_INITRAMFS);
		if (n < 0) {
			ret = n;
			pr_err("instance %d: cannot read the initrd (%ld)\n", id, ret);
			goto put;
		}
		ilen = n;
	}
lock:
	mutex_lock(&inst->lock);
	if (mk_running(inst)) {
		pr_err("instance %d: load refused: it is %s\n", id,
		       mk_state_names[inst->state]);
		ret = -EBUSY;
	} else {
		mk_instance_free_image(inst);
		if (!(flags & KEXEC_FILE_UNLOAD)) {
			inst->kernel = kernel;
			inst->kernel_size = klen;
			inst->initrd = initrd;
			inst->initrd_size = ilen;
			inst->user_cmdline = cmdline;
			kernel = NULL;
			initrd = NULL;
			cmdline = NULL;
			pr_info("instance %d: loaded a %zu KiB kernel and a %zu KiB initrd\n",
				id, klen >> 10, ilen >> 10);
		}
		inst->state = inst->kernel ? MK_LOADED : MK_EMPTY;
		ret = 0;
	}
	mutex_unlock(&inst->lock);
put:
	vfree(kernel);
	vfree(initrd);
	kfree(cmdline);
	kobject_put(&inst->kobj);
	return ret;
}

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
