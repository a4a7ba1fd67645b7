#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mkkernel_pool=32M@0x10000000 reserves exactly that range.
n=0 fail=0
check() {
	n=$((n + 1))
	if eval "$2"; then echo "ok $n $1"; else echo "not ok $n $1"; fail=1; fi
}
grep 'Multikernel pool' /proc/iomem | sed 's/^/# /'
check pool_at_requested_range \
	"grep -q '^ *10000000-11ffffff : Multikernel pool' /proc/iomem"
check reservation_logged \
	"dmesg | grep -q 'mkkernel_pool: reserved 32 MiB at 0x0*10000000'"
echo "1..$n"
exit $fail
