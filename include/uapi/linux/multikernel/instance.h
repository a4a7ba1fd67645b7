/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * Multikernel instances: the status page a spawned kernel shares with the
 * host that started it, and the kexec_file_load() flags that load it.
 *
 * The status page lies in the instance's pool, outside the instance's RAM.
 * The host writes the magic and clears the stage before every start; the
 * host's trampoline, then the instance, advance the stage. The host reads
 * the stage to know how far a start got without parsing any console.
 */
#ifndef _UAPI_LINUX_MULTIKERNEL_INSTANCE_H
#define _UAPI_LINUX_MULTIKERNEL_INSTANCE_H

/* Stages of an instance's boot (mk_instance_status.stage). */
#define MK_STAGE_NONE		0	/* set by the host before the start */
#define MK_STAGE_TRAMPOLINE	1	/* the CPU reached 64-bit mode */
#define MK_STAGE_KERNEL		2	/* the kernel parsed mk_instance= */
#define MK_STAGE_USERSPACE	3	/* initcalls done, init about to run */
#define MK_STAGE_PANIC		4	/* the instance panicked */
#define MK_STAGE_HALTED		5	/* the instance halted or powered off */

/*
 * kexec_file_load() flags of a multikernel image: KEXEC_FILE_MULTIKERNEL
 * loads (or, with KEXEC_FILE_UNLOAD, unloads) the image of the instance
 * whose number is in bits 16-23, as kexec_load() keeps its architecture
 * in the high bits of its flags.
 */
#define KEXEC_FILE_MULTIKERNEL	0x00000100
#define KEXEC_FILE_MK_ID_SHIFT	16
#define KEXEC_FILE_MK_ID_MASK	0x00ff0000

#define MK_INSTANCE_STATUS_MAGIC	0x534b4d53	/* "SMKS" */

#ifndef __ASSEMBLY__
#include <linux/types.h>

/**
 * struct mk_instance_status - boot progress of a spawned instance
 * @magic: %MK_INSTANCE_STATUS_MAGIC, written by the host
 * @stage: one of the MK_STAGE_* values, advanced by the trampoline and the
 *	instance; the host only resets it to %MK_STAGE_NONE before a start
 * @starts: how many times the host started this instance (host-written)
 * @instance_id: the instance's number (host-written)
 */
struct mk_instance_status {
	__le32 magic;
	__le32 stage;
	__le32 starts;
	__le32 instance_id;
};
#endif

#endif /* _UAPI_LINUX_MULTIKERNEL_INSTANCE_H */
