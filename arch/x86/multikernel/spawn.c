// SPDX-License-Identifier: GPL-2.0-only
/*
 * Starting a spawned instance on x86: check a bzImage, lay it out in the
 * instance's RAM with its boot_params, and start an offlined CPU on it
 * through INIT/SIPI and a trampoline of our own (trampoline.S).
 *
 * The trampoline needs a page below 1 MiB, and the kernel memblock-reserves
 * all of the first 1 MiB in reserve_real_mode(), so setup_arch() calls
 * mk_spawn_reserve_low() just before it (hook 0007). The same low block
 * holds the identity page tables the trampoline switches to, so %cr3 is
 * always below 4 GiB wherever the instance's RAM lies. There is one block:
 * starts are serialised by the caller (kernel/multikernel/instance/).
 *
 * Why not the kexec machinery: a kexec image is copied into place at
 * reboot time by relocate_kernel and checked by purgatory's sha256; here
 * the host copies the image into memory it owns at start time and the
 * target CPU enters it directly, so there is nothing to relocate and no
 * purgatory. kexec_file_load() is still the interface (with a flag of
 * ours, after its permission checks), and the files are read with the
 * kernel's file-reading hooks (LSMs, IMA); no image signature is checked.
 */

#define pr_fmt(fmt) "mk_spawn: " fmt

#include <linux/delay.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/memblock.h>
#include <linux/sizes.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/multikernel/instance.h>

#include <asm/apic.h>
#include <asm/boot.h>
#include <asm/bootparam.h>
#include <asm/e820/types.h>
#include <asm/msr-index.h>
#include <asm/multikernel.h>
#include <asm/setup.h>
#include <asm/tsc.h>

/* The low block: the trampoline page, then the page tables. */
#define MK_LOW_SIZE		SZ_64K
#define MK_LOW_PT_PAGES		(MK_LOW_SIZE / PAGE_SIZE - 1)
/* Where the boot data goes in the instance's RAM, before the kernel. */
#define MK_BP_OFFSET		0
#define MK_CMDLINE_OFFSET	PAGE_SIZE
#define MK_BOOT_DATA_SIZE	(2 * PAGE_SIZE)

#define MK_PTE_TABLE	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED)
#define MK_PTE_2M	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | \
			 _PAGE_DIRTY | _PAGE_PSE)

/**
 * struct mk_tramp_params - what the host tells the trampoline
 * @status: physical address of the instance's struct mk_instance_status
 * @boot_params: physical address of the instance's boot_params
 * @entry: physical address of the kernel's 64-bit entry
 * @cr3: physical address of the identity page tables (below 1 MiB)
 * @efer: value for MSR_EFER before paging is enabled
 * @jump32: far pointer to the 32-bit part of the trampoline copy
 * @jump32_sel: its code selector
 * @gdt_limit: limit of the trampoline's GDT
 * @gdt_base: physical address of the trampoline's GDT
 * @jump64: far pointer to the 64-bit part of the trampoline copy
 * @jump64_sel: its code selector (__BOOT_CS)
 * @port: I/O port for one marker byte per stage, or 0
 * @pad: zero
 *
 * Lives in the trampoline page, in host memory: the instance never reads
 * it after the jump, and the host writes it only before a start.
 */
struct mk_tramp_params {
	u64 status;
	u64 boot_params;
	u64 entry;
	u32 cr3;
	u32 efer;
	u32 jump32;
	u16 jump32_sel;
	u16 gdt_limit;
	u32 gdt_base;
	u32 jump64;
	u16 jump64_sel;
	u16 port;
	u32 pad;
} __packed;
/* The offsets trampoline.S uses (TP_*). */
static_assert(offsetof(struct mk_tramp_params, cr3) == 24);
static_assert(offsetof(struct mk_tramp_params, jump32) == 32);
static_assert(offsetof(struct mk_tramp_params, gdt_limit) == 38);
static_assert(offsetof(struct mk_tramp_params, jump64) == 44);
static_assert(offsetof(struct mk_tramp_params, port) == 50);
static_assert(sizeof(struct mk_tramp_params) <= 56);

static phys_addr_t mk_low;

/**
 * mk_spawn_reserve_low() - reserve the trampoline block below 1 MiB
 *
 * Called by setup_arch() before reserve_real_mode(), which takes all of
 * the first 1 MiB. Without it this kernel can still run instances' peers
 * (loopbacks, attach) but cannot start an instance.
 */
void __init mk_spawn_reserve_low(void)
{
	if (mk_instance_spawned())
		return;
	mk_low = memblock_phys_alloc_range(MK_LOW_SIZE, PAGE_SIZE, 0, SZ_1M);
	if (!mk_low)
		pr_warn("no 64 KiB below 1 MiB: instances cannot be started\n");
}

/* Bytes of the real-mode part of a bzImage, before the kernel proper. */
static size_t mk_setup_size(const struct setup_header *h)
{
	return ((h->setup_sects ?: 4) + 1) * 512;
}

/**
 * mk_arch_image_check() - is @buf a bzImage this code can start?
 * @buf: the file
 * @len: its size
 * @why: on error, the reason, for the log
 *
 * Return: 0, or -ENOEXEC with @why set.
 */
int mk_arch_image_check(const void *buf, size_t len, const char **why)
{
	const struct setup_header *h = buf + offsetof(struct boot_params, hdr);
	size_t setup;

	*why = NULL;
	if (len < sizeof(struct boot_params) ||
	    h->boot_flag != 0xaa55 ||
	    h->header != 0x53726448) {
		*why = "not a bzImage (no boot sector or 'HdrS' header)";
		return -ENOEXEC;
	}
	if (h->version < 0x020c) {
		*why = "boot protocol older than 2.12";
		return -ENOEXEC;
	}
	if (!(h->xloadflags & XLF_KERNEL_64) ||
	    !h->relocatable_kernel) {
		*why = "not a relocatable kernel with a 64-bit entry";
		return -ENOEXEC;
	}
	setup = mk_setup_size(h);
	if (setup >= len || len - setup > h->init_size ||
	    !is_power_of_2(h->kernel_alignment)) {
		*why = "truncated or inconsistent setup header";
		return -ENOEXEC;
	}
	return 0;
}

/* Identity-map the 1 GiB chunk @gb with 2 MiB pages. */
static int mk_map_gb(u64 *pml4, phys_addr_t tables, unsigned int *used,
		     u64 gb)
{
	u64 *pdpt, *pd, e;
	int i;

	e = pml4[gb >> 9];
	if (!e) {
		if (*used >= MK_LOW_PT_PAGES)
			return -E2BIG;
		e = (tables + (*used)++ * PAGE_SIZE) | MK_PTE_TABLE;
		pml4[gb >> 9] = e;
	}
	pdpt = __va(e & PAGE_MASK);
	if (pdpt[gb & 511])
		return 0;
	if (*used >= MK_LOW_PT_PAGES)
		return -E2BIG;
	e = (tables + (*used)++ * PAGE_SIZE) | MK_PTE_TABLE;
	pdpt[gb & 511] = e;
	pd = __va(e & PAGE_MASK);
	for (i = 0; i < 512; i++)
		pd[i] = ((gb << 30) + ((u64)i << 21)) | MK_PTE_2M;
	return 0;
}

/* Page tables mapping the first 4 GiB and every chunk of @s one to one. */
static int mk_build_tables(const struct mk_arch_start *s, u32 *cr3)
{
	phys_addr_t pml4_phys = mk_low + PAGE_SIZE;
	unsigned int used = 1;
	u64 *pml4 = __va(pml4_phys);
	u64 gb, last;
	int ret = 0;

	memset(pml4, 0, MK_LOW_SIZE - PAGE_SIZE);
	for (gb = 0; gb < 4 && !ret; gb++)
		ret = mk_map_gb(pml4, pml4_phys, &used, gb);
	last = (s->ram_base + s->ram_size - 1) >> 30;
	for (gb = s->ram_base >> 30; gb <= last && !ret; gb++)
		ret = mk_map_gb(pml4, pml4_phys, &used, gb);
	last = (s->shared_base + s->shared_size - 1) >> 30;
	for (gb = s->shared_base >> 30; gb <= last && !ret; gb++)
		ret = mk_map_gb(pml4, pml4_phys, &used, gb);
	*cr3 = pml4_phys;
	return ret;
}

/*
 * Lay the image out in the instance's RAM: boot_params and the command
 * line in its first pages, the kernel at the first aligned address after
 * them with init_size of room, the initrd at the top.
 */
static int mk_layout(const struct mk_arch_start *s, u64 *entry, u64 *bp_phys,
		     const char **why)
{
	const struct setup_header *h = s->kernel + offsetof(struct boot_params, hdr);
	size_t setup = mk_setup_size(h);
	u64 align = h->kernel_alignment;
	u64 end = s->ram_base + s->ram_size;
	u64 load, initrd = 0, cmd;
	size_t hdr_len, cmdlen = strlen(s->cmdline) + 1;
	struct boot_params *bp;
	void *ram;

	load = ALIGN(s->ram_base + MK_BOOT_DATA_SIZE, align);
	if (load < LOAD_PHYSICAL_ADDR)
		load = LOAD_PHYSICAL_ADDR;
	if (s->initrd_size >= s->ram_size) {
		*why = "initrd larger than the instance's memory";
		return -E2BIG;
	}
	if (s->initrd_size)
		initrd = ALIGN_DOWN(end - s->initrd_size, PAGE_SIZE);
	if (load + h->init_size > (initrd ?: end)) {
		*why = "memory too small for this kernel and initrd";
		return -E2BIG;
	}
	if (cmdlen > min_t(u32, h->cmdline_size + 1, PAGE_SIZE)) {
		*why = "command line longer than the kernel accepts";
		return -E2BIG;
	}
	ram = memremap(s->ram_base, s->ram_size, MEMREMAP_WB);
	if (!ram) {
		*why = "cannot map the instance's memory";
		return -ENOMEM;
	}
	memset(ram, 0, MK_BOOT_DATA_SIZE);
	memcpy(ram + (load - s->ram_base), s->kernel + setup,
	       s->kernel_size - setup);
	if (s->initrd_size)
		memcpy(ram + (initrd - s->ram_base), s->initrd, s->initrd_size);

	bp = ram + MK_BP_OFFSET;
	/* The setup header ends where the jump at 0x200 lands. */
	hdr_len = min_t(size_t, 0x202 + *(u8 *)(s->kernel + 0x201),
			offsetof(struct boot_params, hdr) + sizeof(bp->hdr)) -
		  offsetof(struct boot_params, hdr);
	memcpy(&bp->hdr, h, hdr_len);
	bp->hdr.type_of_loader = 0xff;
	bp->hdr.code32_start = load;
	cmd = s->ram_base + MK_CMDLINE_OFFSET;
	memcpy(ram + MK_CMDLINE_OFFSET, s->cmdline, cmdlen);
	bp->hdr.cmd_line_ptr = lower_32_bits(cmd);
	bp->ext_cmd_line_ptr = upper_32_bits(cmd);
	bp->hdr.ramdisk_image = lower_32_bits(initrd);
	bp->ext_ramdisk_image = upper_32_bits(initrd);
	bp->hdr.ramdisk_size = lower_32_bits(s->initrd_size);
	bp->ext_ramdisk_size = upper_32_bits(s->initrd_size);
	/*
	 * Its own RAM only: nothing of the host's, no low memory. The shared
	 * pages (status, channels) are listed reserved: outside its RAM, and
	 * a second entry, without which the kernel ignores the table.
	 */
	bp->e820_table[0].addr = s->ram_base;
	bp->e820_table[0].size = s->ram_size;
	bp->e820_table[0].type = E820_TYPE_RAM;
	bp->e820_table[1].addr = s->shared_base;
	bp->e820_table[1].size = s->shared_size;
	bp->e820_table[1].type = E820_TYPE_RESERVED;
	bp->e820_entries = 2;
	memunmap(ram);

	*entry = load + 0x200;
	*bp_phys = s->ram_base + MK_BP_OFFSET;
	return 0;
}

static void mk_init_ipi(u32 apicid, bool assert)
{
	unsigned long flags;

	local_irq_save(flags);
	apic_icr_write(APIC_INT_LEVELTRIG | APIC_DM_INIT |
		       (assert ? APIC_INT_ASSERT : 0), apicid);
	safe_apic_wait_icr_idle();
	local_irq_restore(flags);
}

static void mk_sipi(u32 apicid, phys_addr_t start)
{
	unsigned long flags;
	int i;

	for (i = 0; i < 2; i++) {
		local_irq_save(flags);
		apic_icr_write(APIC_DM_STARTUP | (start >> PAGE_SHIFT), apicid);
		safe_apic_wait_icr_idle();
		local_irq_restore(flags);
		usleep_range(200, 300);
	}
}

/**
 * mk_arch_instance_start() - lay out an image and start a CPU on it
 * @s: what to start where
 * @why: on error, the reason, for the log
 *
 * The CPU must be offline and owned by the caller; the image must have
 * passed mk_arch_image_check(). Returns once the start-up IPIs are sent:
 * the caller follows the boot through the status page.
 *
 * Return: 0, or a negative errno with @why set.
 */
int mk_arch_instance_start(const struct mk_arch_start *s, const char **why)
{
	struct mk_tramp_params p = { };
	u8 *low;
	u64 efer = EFER_LME;
	u32 apicid;
	int ret;

	*why = NULL;
	if (!mk_low) {
		*why = "no trampoline page below 1 MiB was reserved at boot";
		return -ENODEV;
	}
	if (!s->shared_size || s->status < s->shared_base ||
	    s->status >= s->shared_base + s->shared_size) {
		*why = "the status page is not in the shared area";
		return -EINVAL;
	}
	if (s->cpu >= nr_cpu_ids || !cpu_present(s->cpu)) {
		*why = "no such CPU";
		return -EINVAL;
	}
	apicid = cpu_physical_id(s->cpu);
	ret = mk_layout(s, &p.entry, &p.boot_params, why);
	if (ret)
		return ret;
	ret = mk_build_tables(s, &p.cr3);
	if (ret) {
		*why = "memory too scattered for the trampoline's page tables";
		return ret;
	}
	if (boot_cpu_has(X86_FEATURE_NX))
		efer |= EFER_NX;
	low = __va(mk_low);
	memcpy(low, mk_tramp_start, mk_tramp_end - mk_tramp_start);
	p.status = s->status;
	p.efer = efer;
	p.jump32 = mk_low + (mk_tramp_pm32 - mk_tramp_start);
	p.jump32_sel = 0x08;
	p.gdt_limit = mk_tramp_gdt_end - mk_tramp_gdt - 1;
	p.gdt_base = mk_low + (mk_tramp_gdt - mk_tramp_start);
	p.jump64 = mk_low + (mk_tramp_lm64 - mk_tramp_start);
	p.jump64_sel = __BOOT_CS;
	p.port = s->debug_port;
	memcpy(low + (mk_tramp_params - mk_tramp_start), &p, sizeof(p));
	/* Everything above is in memory before the CPU can fetch it. */
	wmb();

	pr_info("CPU %u (APIC %#x): kernel entry %#llx, boot_params %#llx\n",
		s->cpu, apicid, p.entry, p.boot_params);
	mk_init_ipi(apicid, true);
	usleep_range(10000, 11000);
	mk_init_ipi(apicid, false);
	mk_sipi(apicid, mk_low);
	return 0;
}

/**
 * mk_arch_instance_stop() - halt an instance's CPU
 * @cpu: the CPU (offline, owned by the caller)
 *
 * INIT puts the CPU in wait-for-SIPI, whatever it was doing: running,
 * halted with interrupts off, or spinning in a panic.
 */
void mk_arch_instance_stop(unsigned int cpu)
{
	u32 apicid = cpu_physical_id(cpu);

	mk_init_ipi(apicid, true);
	usleep_range(100, 200);
	mk_init_ipi(apicid, false);
}

/**
 * mk_arch_handover() - the timer calibration the instance takes over
 * @buf: where the boot-parameter options go
 * @len: size of @buf
 *
 * The instance must not calibrate against the PIT or HPET, which belong to
 * the host: it gets this kernel's TSC frequency and LAPIC timer frequency
 * (in kHz: the instance may run at another HZ).
 *
 * Return: the length written, as snprintf().
 */
int mk_arch_handover(char *buf, size_t len)
{
	return snprintf(buf, len, "tsc_khz=%u,lapic_khz=%u", tsc_khz,
			lapic_timer_period * HZ / 1000);
}
