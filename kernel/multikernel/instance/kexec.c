// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel instances: loading an instance's image.
 *
 * The image is loaded with kexec_file_load(KEXEC_FILE_MULTIKERNEL | the
 * instance number << KEXEC_FILE_MK_ID_SHIFT), tools/multikernel/mkload.
 * Starting copies it into the instance's RAM, so a stopped or failed
 * instance starts again without a new load.
 */

#define pr_fmt(fmt) "mk_instance: " fmt

#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/kernel_read_file.h>
#include <linux/kexec.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/multikernel/instance.h>
#include <uapi/linux/multikernel/instance.h>

#include "instance_internal.h"

/**
 * mk_instance_free_image() - forget the image loaded for an instance
 * @inst: the instance, locked and not running
 */
void mk_instance_free_image(struct mk_instance *inst)
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
