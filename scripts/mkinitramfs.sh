#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# mkinitramfs.sh CONFIG: build the test initramfs of a kernel configuration:
# static busybox, tests/vm/init as /init, the helpers of tests/vm/bin,
# mkload, mkctl and mkrtt in /bin, the tests of every boot under
# /tests/BOOT/ (C programs compiled static, shell scripts as they are), and
# the kernel's modules. Written to $MK_CACHE/initramfs-CONFIG.cpio.gz.
set -euo pipefail
. "$(dirname "$0")/common.sh"

CFG=${1:?usage: mkinitramfs.sh test|bench}
BUILD=$(mk_build_dir "$CFG")
OUT=$MK_CACHE/initramfs-$CFG.cpio.gz
STAGE=$MK_CACHE/initramfs-$CFG
BUSYBOX=${BUSYBOX:-/bin/busybox}

case $(ldd "$BUSYBOX" 2>&1 || true) in
*"not a dynamic"*) ;;
*) mk_die "$BUSYBOX is not static: install busybox-static" ;;
esac

rm -rf "$STAGE"
mkdir -p "$STAGE"/{bin,sbin,dev,proc,sys,tmp,tests}
cp "$BUSYBOX" "$STAGE/bin/busybox"
install -m 0755 "$MK_ROOT/tests/vm/init" "$STAGE/init"

CFLAGS=(-static -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE
	-I"$MK_ROOT/tests/vm" -I"$MK_ROOT/include/uapi")
# Helper programs of the tests and the instance loader, in /bin: a file each.
for src in "$MK_ROOT"/tests/vm/bin/*.c "$MK_ROOT"/tools/multikernel/mkload/mkload.c; do
	[ -e "$src" ] || continue
	gcc "${CFLAGS[@]}" -o "$STAGE/bin/$(basename "${src%.c}")" "$src" -lpthread
done
# mkctl and mkrtt, in /bin too: each one program of every C file of its
# directory (mkrtt's watchdog is a thread).
for tool in mkctl mkrtt; do
	srcs=("$MK_ROOT/tools/multikernel/$tool"/*.c)
	[ -e "${srcs[0]}" ] || continue
	gcc "${CFLAGS[@]}" -o "$STAGE/bin/$tool" "${srcs[@]}" -lpthread
done
# Each boot's tests; a boot's instance/ holds what its spawned kernel runs.
for dir in "$MK_ROOT"/tests/vm/*/ "$MK_ROOT"/tests/vm/*/instance/; do
	[ -d "$dir" ] || continue
	boot=${dir#"$MK_ROOT"/tests/vm/}
	boot=${boot%/}
	[ "$boot" = bin ] && continue
	mkdir -p "$STAGE/tests/$boot"
	for src in "$dir"*.c; do
		[ -e "$src" ] || continue
		gcc "${CFLAGS[@]}" -o "$STAGE/tests/$boot/$(basename "${src%.c}")" \
			"$src" -lpthread
	done
	for dts in "$dir"*.dts; do
		[ -e "$dts" ] || continue
		dtc -q -I dts -O dtb -o "$STAGE/tests/$boot/$(basename "${dts%.dts}").dtb" "$dts"
	done
	for inc in "$dir"*.inc; do
		[ -e "$inc" ] || continue
		install -m 0644 "$inc" "$STAGE/tests/$boot/"
	done
	for sh in "$dir"*.sh; do
		[ -e "$sh" ] || continue
		install -m 0755 "$sh" "$STAGE/tests/$boot/"
	done
done

if grep -q '^CONFIG_MODULES=y' "$BUILD/.config"; then
	make -C "$MK_SRC" O="$BUILD" -s INSTALL_MOD_PATH="$STAGE" \
		INSTALL_MOD_STRIP=1 modules_install >/dev/null
fi

(cd "$STAGE" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -1 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
