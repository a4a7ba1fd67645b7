/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The start trampoline of a spawned instance. The host copies this blob
 * to a page below 1 MiB that it reserved at boot, fills its parameter
 * block (struct mk_tramp_params, spawn.c) and sends INIT/SIPI to an
 * offlined CPU. The CPU goes real mode -> protected mode -> long mode on
 * the host-built identity page tables and enters the instance's kernel at
 * its 64-bit entry with %rsi = boot_params, as the x86 64-bit boot
 * protocol asks (Documentation/arch/x86/boot.rst).
 *
 * Everything here runs from the copy, so it addresses the parameter block
 * relative to the page: %ds = %cs in real mode, %ebx = page address after.
 * When a debug port is set, it writes one byte on it per stage ('R', 'P',
 * 'L'), readable before any console exists.
 */
#include <linux/linkage.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <uapi/linux/multikernel/instance.h>

#define P(field)	(mk_tramp_params - mk_tramp_start + (field))
/* Offsets in struct mk_tramp_params; spawn.c asserts them. */
#define TP_STATUS	0
#define TP_BOOT_PARAMS	8
#define TP_ENTRY	16
#define TP_CR3		24
#define TP_EFER		28
#define TP_JUMP32	32
#define TP_GDT_DESC	38
#define TP_JUMP64	44
#define TP_PORT		50

/* Write byte \c on the debug port, if any; clobbers %al, %dx. */
.macro MARK c
	movw	P(TP_PORT)(%ebx), %dx
	testw	%dx, %dx
	jz	.Lno\@
	movb	$\c, %al
	outb	%al, %dx
.Lno\@:
.endm

	.section .rodata, "a"
	.balign	16
SYM_DATA_START(mk_tramp_start)
	.code16
	cli
	cld
	movw	%cs, %bx
	movw	%bx, %ds
	movzwl	%bx, %ebx
	shll	$4, %ebx
	movw	P(TP_PORT), %dx
	testw	%dx, %dx
	jz	1f
	movb	$'R', %al
	outb	%al, %dx
1:
	lgdtl	P(TP_GDT_DESC)
	movl	%cr0, %eax
	orl	$X86_CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	*P(TP_JUMP32)

	.code32
SYM_INNER_LABEL(mk_tramp_pm32, SYM_L_GLOBAL)
	movl	$__BOOT_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	MARK	'P'
	movl	$X86_CR4_PAE, %eax
	movl	%eax, %cr4
	movl	P(TP_CR3)(%ebx), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	movl	P(TP_EFER)(%ebx), %eax
	xorl	%edx, %edx
	wrmsr
	movl	$CR0_STATE, %eax
	movl	%eax, %cr0
	ljmpl	*P(TP_JUMP64)(%ebx)

	.code64
SYM_INNER_LABEL(mk_tramp_lm64, SYM_L_GLOBAL)
	movl	%ebx, %ebx
	MARK	'L'
	movq	P(TP_STATUS)(%rbx), %rax
	movl	$MK_STAGE_TRAMPOLINE, 4(%rax)
	movq	P(TP_BOOT_PARAMS)(%rbx), %rsi
	movq	P(TP_ENTRY)(%rbx), %rax
	xorl	%ebx, %ebx
	xorl	%ebp, %ebp
	xorl	%edi, %edi
	jmpq	*%rax

	.balign	8
SYM_INNER_LABEL(mk_tramp_gdt, SYM_L_GLOBAL)
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08: flat 32-bit code */
	.quad	0x00af9b000000ffff	/* 0x10: __BOOT_CS, 64-bit code */
	.quad	0x00cf93000000ffff	/* 0x18: __BOOT_DS, flat data */
SYM_INNER_LABEL(mk_tramp_gdt_end, SYM_L_GLOBAL)

	.balign	8
SYM_INNER_LABEL(mk_tramp_params, SYM_L_GLOBAL)
	.fill	56, 1, 0
SYM_DATA_END_LABEL(mk_tramp_start, SYM_L_GLOBAL, mk_tramp_end)
