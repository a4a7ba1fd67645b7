// SPDX-License-Identifier: GPL-2.0-only
/*
 * Instance mode: a kernel started by another kernel on one of its CPUs
 * (spawn.c on the host) stays off the hardware the host owns.
 *
 *   mk_instance=ID,status=ADDR[,tsc_khz=N][,lapic_khz=N]
 *
 * The host writes this parameter. Like arch/x86/kernel/jailhouse.c, minus
 * the hypervisor: the timer calibration comes from the host (no PIT, HPET
 * or PM timer, and no global clockevent but the LAPIC timer), no MP table
 * or ACPI, no legacy PIC or IOAPIC, LINT0 masked (QEMU and real chipsets
 * deliver the PIC's INTR to every LAPIC left in ExtINT mode), no PCI
 * configuration space, no CMOS RTC, no i8042, no real-mode trampoline
 * (one CPU has no AP to start, and the host owns the memory below 1 MiB),
 * halt instead of any reset. All of these are read after
 * parse_early_param(), where this runs.
 *
 * The kernel reports how far it got in the status page at ADDR (struct
 * mk_instance_status): kernel entered here, userspace when the initcalls
 * are done, panic from a panic notifier, halted when it stops.
 */

#define pr_fmt(fmt) "mk_instance: " fmt

#include <linux/acpi.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/string.h>
#include <linux/multikernel/instance.h>
#include <uapi/linux/multikernel/instance.h>

#include <asm/apic.h>
#include <asm/early_ioremap.h>
#include <asm/i8259.h>
#include <asm/io_apic.h>
#include <asm/mpspec.h>
#include <asm/pci_x86.h>
#include <asm/reboot.h>
#include <asm/setup.h>
#include <asm/time.h>
#include <asm/tsc.h>
#include <asm/x86_init.h>

static int mk_self_id = -1;
static phys_addr_t mk_status_phys;
static struct mk_instance_status *mk_status;
static unsigned int mk_tsc_khz;

/**
 * mk_instance_spawned() - is this kernel a spawned instance?
 *
 * Return: true if it was started with mk_instance=.
 */
bool mk_instance_spawned(void)
{
	return mk_self_id >= 0;
}
EXPORT_SYMBOL_GPL(mk_instance_spawned);

/**
 * mk_instance_self() - this kernel's instance number
 *
 * Return: the ID the host gave, or 0 for a kernel that was not spawned
 * (the host is instance 0).
 */
int mk_instance_self(void)
{
	return mk_self_id < 0 ? 0 : mk_self_id;
}
EXPORT_SYMBOL_GPL(mk_instance_self);

static void mk_set_stage(u32 stage)
{
	if (mk_status)
		WRITE_ONCE(mk_status->stage, cpu_to_le32(stage));
}

static unsigned long mk_get_tsc_khz(void)
{
	return mk_tsc_khz;
}

static void mk_no_wallclock(struct timespec64 *now)
{
	now->tv_sec = 0;
	now->tv_nsec = 0;
}

static int mk_no_set_wallclock(const struct timespec64 *now)
{
	return -ENODEV;
}

#ifdef CONFIG_PCI
static int __init mk_no_pci(void)
{
	return 0;
}
#endif

/* Never reset: the reset lines and the keyboard controller are the host's. */
static void __noreturn mk_halt_forever(void)
{
	mk_set_stage(MK_STAGE_HALTED);
	local_irq_disable();
	for (;;)
		native_halt();
}

static void mk_restart(char *cmd)
{
	mk_halt_forever();
}

static void mk_emergency_restart(void)
{
	mk_halt_forever();
}

static void mk_halt(void)
{
	mk_halt_forever();
}

/*
 * One LAPIC and no IOAPIC, but an SMP configuration "found": without one
 * the kernel picks virtual wire mode with no configuration, in which it
 * never starts the LAPIC timer, its only clockevent here.
 */
static void __init mk_parse_smp_cfg(void)
{
	register_lapic_address(APIC_DEFAULT_PHYS_BASE);
	smp_found_config = 1;
}

static void __init mk_intr_mode_init(void)
{
	apic_intr_mode_init();
	/* Without an IOAPIC the kernel left LINT0 in ExtINT: mask it. */
	apic_write(APIC_LVT0, APIC_DM_EXTINT | APIC_LVT_MASKED);
}

static int __init mk_instance_parse(char *s, unsigned int *id, u64 *status,
				    unsigned int *tsc, unsigned int *lapic)
{
	char *opt;

	opt = strsep(&s, ",");
	if (!opt || kstrtouint(opt, 0, id) || !*id)
		return -EINVAL;
	while ((opt = strsep(&s, ",")) != NULL) {
		if (!strncmp(opt, "status=", 7)) {
			if (kstrtou64(opt + 7, 0, status))
				return -EINVAL;
		} else if (!strncmp(opt, "tsc_khz=", 8)) {
			if (kstrtouint(opt + 8, 0, tsc))
				return -EINVAL;
		} else if (!strncmp(opt, "lapic_khz=", 10)) {
			if (kstrtouint(opt + 10, 0, lapic))
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	return *status && IS_ALIGNED(*status, sizeof(u64)) ? 0 : -EINVAL;
}

static int __init mk_instance_setup(char *arg)
{
	unsigned int id = 0, tsc = 0, lapic = 0;
	struct mk_instance_status *st;
	char buf[128];
	u64 status = 0;

	if (!arg || strscpy(buf, arg, sizeof(buf)) < 0 ||
	    mk_instance_parse(buf, &id, &status, &tsc, &lapic)) {
		pr_err("mk_instance=%s: malformed, running as an ordinary kernel\n",
		       arg ?: "");
		return 0;
	}
	mk_self_id = id;
	mk_status_phys = status;
	st = early_memremap(status, sizeof(*st));
	if (st) {
		WRITE_ONCE(st->stage, cpu_to_le32(MK_STAGE_KERNEL));
		early_memunmap(st, sizeof(*st));
	}

	/* Timer: the host's calibration, the LAPIC timer as the only clockevent. */
	if (tsc) {
		mk_tsc_khz = tsc;
		x86_platform.calibrate_tsc = mk_get_tsc_khz;
		x86_platform.calibrate_cpu = mk_get_tsc_khz;
		setup_force_cpu_cap(X86_FEATURE_TSC_KNOWN_FREQ);
	}
	if (lapic)
		lapic_timer_period = lapic * 1000 / HZ;
	x86_init.timers.timer_init = x86_init_noop;
	x86_platform.get_wallclock = mk_no_wallclock;
	x86_platform.set_wallclock = mk_no_set_wallclock;

	/* Interrupts and enumeration: one LAPIC, nothing else. */
	x86_init.irqs.pre_vector_init = x86_init_noop;
	x86_init.irqs.intr_mode_init = mk_intr_mode_init;
	x86_init.mpparse.find_mptable = x86_init_noop;
	x86_init.mpparse.early_parse_smp_cfg = x86_init_noop;
	x86_init.mpparse.parse_smp_cfg = mk_parse_smp_cfg;
	legacy_pic = &null_legacy_pic;
	disable_ioapic_support();
	disable_acpi();

	/* Devices and firmware that belong to the host. */
#ifdef CONFIG_PCI
	x86_init.pci.arch_init = mk_no_pci;
	pci_probe = 0;
#endif
	x86_init.resources.probe_roms = x86_init_noop;
	x86_platform.legacy.rtc = 0;
	x86_platform.legacy.warm_reset = 0;
	x86_platform.legacy.i8042 = X86_LEGACY_I8042_PLATFORM_ABSENT;
	x86_platform.realmode_reserve = x86_init_noop;
	x86_platform.realmode_init = x86_init_noop;
	memset(&boot_params.screen_info, 0, sizeof(boot_params.screen_info));

	machine_ops.restart = mk_restart;
	machine_ops.emergency_restart = mk_emergency_restart;
	machine_ops.halt = mk_halt;
	machine_ops.power_off = mk_halt;

	pr_info("instance %u: TSC %u kHz, LAPIC timer %u kHz from the host%s\n",
		id, tsc, lapic, lapic ? "" : " (none: calibrated against the TSC)");
	return 0;
}
early_param("mk_instance", mk_instance_setup);

static int mk_instance_panic(struct notifier_block *nb, unsigned long ev,
			     void *arg)
{
	mk_set_stage(MK_STAGE_PANIC);
	return NOTIFY_DONE;
}

static struct notifier_block mk_instance_panic_nb = {
	.notifier_call = mk_instance_panic,
	/* Before anything that might not return. */
	.priority = INT_MAX,
};

static int __init mk_instance_map_status(void)
{
	if (!mk_instance_spawned())
		return 0;
	mk_status = memremap(mk_status_phys, sizeof(*mk_status), MEMREMAP_WB);
	if (!mk_status) {
		pr_err("cannot map the status page at %pa\n", &mk_status_phys);
		return -ENOMEM;
	}
	atomic_notifier_chain_register(&panic_notifier_list,
				       &mk_instance_panic_nb);
	return 0;
}
core_initcall(mk_instance_map_status);

static int __init mk_instance_initcalls_done(void)
{
	mk_set_stage(MK_STAGE_USERSPACE);
	return 0;
}
late_initcall_sync(mk_instance_initcalls_done);
