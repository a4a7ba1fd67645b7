#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vm-run.sh [-c CONFIG] [-f GLOB] [-t SECONDS] BOOT
#
# Boot the kernel of CONFIG (default test) under QEMU/TCG with 4 vCPUs and
# the test initramfs, run the tests of tests/vm/BOOT/ (and, in the boot
# named main, the KUnit suites), and leave in $MK_CACHE/runs/BOOT/:
#   console.log  the kernel console (ttyS0)
#   ktap.log     the KTAP results (ttyS1)
#   status       "ok", "timeout" or "qemu-exit N"
#   instance.log the console of a spawned instance (third serial port)
# The kernel command line of each boot is in tests/vm/BOOT/cmdline;
# MK_VM_APPEND adds to it (e.g. transport_kunit.stream_count=10000).
# tests/vm/BOOT/vm.conf may set MEM (guest memory), VM_TIMEOUT (seconds,
# when neither -t nor MK_VM_TIMEOUT says) and INSTANCE=1: the
# initramfs then also holds /mk/bzImage and /mk/instance.cpio.gz (the test
# initramfs itself), for the host to start a second kernel with.
set -euo pipefail
. "$(dirname "$0")/common.sh"

CFG=test
FILTER='*'
TIMEOUT=
while getopts c:f:t: opt; do
	case $opt in
	c) CFG=$OPTARG ;;
	f) FILTER=$OPTARG ;;
	t) TIMEOUT=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
BOOT=${1:?usage: vm-run.sh [-c CONFIG] [-f GLOB] [-t SECONDS] BOOT}
[ -d "$MK_ROOT/tests/vm/$BOOT" ] || mk_die "no boot '$BOOT' in tests/vm/"

BUILD=$(mk_build_dir "$CFG")
KERNEL=$BUILD/arch/x86/boot/bzImage
INITRD=$MK_CACHE/initramfs-$CFG.cpio.gz
[ -f "$KERNEL" ] || mk_die "$KERNEL missing: build first (make)"
[ -f "$INITRD" ] || mk_die "$INITRD missing: run scripts/mkinitramfs.sh $CFG"

RUN=$MK_CACHE/runs/$BOOT
rm -rf "$RUN"
mkdir -p "$RUN"

MEM=1G
INSTANCE=0
VM_TIMEOUT=900
# shellcheck source=/dev/null
[ -f "$MK_ROOT/tests/vm/$BOOT/vm.conf" ] && . "$MK_ROOT/tests/vm/$BOOT/vm.conf"
TIMEOUT=${TIMEOUT:-${MK_VM_TIMEOUT:-$VM_TIMEOUT}}
if [ "$INSTANCE" = 1 ]; then
	# Concatenated cpio archives: the kernel unpacks them in turn.
	mkdir -p "$RUN/extra/mk"
	cp "$KERNEL" "$RUN/extra/mk/bzImage"
	cp "$INITRD" "$RUN/extra/mk/instance.cpio.gz"
	(cd "$RUN/extra" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -1 > "$RUN/extra.cpio.gz"
	cat "$INITRD" "$RUN/extra.cpio.gz" > "$RUN/initrd"
	rm -rf "$RUN/extra" "$RUN/extra.cpio.gz"
	INITRD=$RUN/initrd
fi

extra=$(grep -v '^#' "$MK_ROOT/tests/vm/$BOOT/cmdline" 2>/dev/null | tr '\n' ' ' || true)
# nokaslr: the kernel became relocatable for spawned instances, and with
# KASLR the KASAN test kernel sometimes reports a wild access in an early
# interrupt (handle_edge_irq during identify_cpu); the boots keep the
# fixed placement they always had until that is understood.
append="console=ttyS0 panic=-1 nokaslr mktest.boot=$BOOT $extra ${MK_VM_APPEND:-}"
if [ "$FILTER" != '*' ]; then
	append="$append mktest.filter=$FILTER kunit.filter_glob=$FILTER"
fi

mk_log "boot $BOOT: $append"
set +e
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max -smp 4 -m "$MEM" \
	-display none -monitor none -no-reboot \
	-kernel "$KERNEL" -initrd "$INITRD" -append "$append" \
	-serial file:"$RUN/console.log" -serial file:"$RUN/ktap.log" \
	-serial file:"$RUN/instance.log" \
	</dev/null
rc=$?
set -e
rm -f "$RUN/initrd"
case $rc in
0) echo ok > "$RUN/status" ;;
124|137) echo timeout > "$RUN/status" ;;
*) echo "qemu-exit $rc" > "$RUN/status" ;;
esac
mk_log "boot $BOOT: $(cat "$RUN/status")"
