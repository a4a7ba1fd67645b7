// SPDX-License-Identifier: GPL-2.0-only
/*
 * mkload: load (or unload) the kernel of a multikernel instance with
 * kexec_file_load() and KEXEC_FILE_MULTIKERNEL, the instance's number in
 * the high bits of the flags. Debian's kexec-tools cannot pass a flag of
 * its own, hence this program; see Documentation/multikernel/instances.rst.
 *
 *   mkload -n ID [-i INITRD] KERNEL [CMDLINE]
 *   mkload -n ID -u
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kexec.h>
#include <linux/multikernel/instance.h>

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: mkload -n ID [-i INITRD] KERNEL [CMDLINE]\n"
		"       mkload -n ID -u\n"
		"Load the bzImage KERNEL (and INITRD) as the image of multikernel\n"
		"instance ID (1-255), with CMDLINE, or unload it (-u). The instance\n"
		"must exist (/sys/kernel/multikernel/add) and not be running.\n");
}

/*
 * Why kexec_file_load() failed, as far as can be told. Without
 * CONFIG_MULTIKERNEL_INSTANCES (which needs CONFIG_KEXEC_FILE) there is no
 * /sys/kernel/multikernel, whatever the error: the syscall is missing, or
 * it refuses the flag.
 */
static const char *load_hint(int e)
{
	if (access("/sys/kernel/multikernel", F_OK))
		return " (no /sys/kernel/multikernel: CONFIG_MULTIKERNEL_INSTANCES is not set?)";
	switch (e) {
	case ENOEXEC:
		return " (not a bzImage it can start; see dmesg)";
	case ENOENT:
		return " (no such instance: echo ID > /sys/kernel/multikernel/add)";
	case EBUSY:
		return " (the instance is running: stop it first)";
	}
	return "";
}

int main(int argc, char **argv)
{
	const char *initrd = NULL, *cmdline = "";
	unsigned long flags = KEXEC_FILE_MULTIKERNEL;
	int kfd = -1, ifd = -1, opt, unload = 0;
	long id = -1;
	char *end;

	while ((opt = getopt(argc, argv, "hi:n:u")) != -1) {
		switch (opt) {
		case 'i':
			initrd = optarg;
			break;
		case 'n':
			errno = 0;
			id = strtol(optarg, &end, 0);
			if (errno || *end || id < 1 || id > 255) {
				fprintf(stderr, "mkload: '%s' is not an instance number (1-255)\n",
					optarg);
				return 2;
			}
			break;
		case 'u':
			unload = 1;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	if (id < 0 || (!unload && optind >= argc) || argc - optind > 2 ||
	    (unload && optind != argc)) {
		print_usage(stderr);
		return 2;
	}
	flags |= (unsigned long)id << KEXEC_FILE_MK_ID_SHIFT;
	if (unload) {
		flags |= KEXEC_FILE_UNLOAD;
	} else {
		kfd = open(argv[optind], O_RDONLY | O_CLOEXEC);
		if (kfd < 0) {
			fprintf(stderr, "mkload: %s: %s\n", argv[optind], strerror(errno));
			return 1;
		}
		if (optind + 1 < argc)
			cmdline = argv[optind + 1];
		if (initrd) {
			ifd = open(initrd, O_RDONLY | O_CLOEXEC);
			if (ifd < 0) {
				fprintf(stderr, "mkload: %s: %s\n", initrd, strerror(errno));
				return 1;
			}
		} else {
			flags |= KEXEC_FILE_NO_INITRAMFS;
		}
	}
	if (syscall(SYS_kexec_file_load, kfd, ifd, unload ? 0 : strlen(cmdline) + 1,
		    unload ? NULL : cmdline, flags)) {
		int e = errno;

		fprintf(stderr, "mkload: instance %ld: %s%s\n", id, strerror(e), load_hint(e));
		return 1;
	}
	return 0;
}
