#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Impossible mkkernel_pool= values are refused with a reason, and the
# kernel boots without a pool.
n=0 fail=0
check() {
	n=$((n + 1))
	if eval "$2"; then echo "ok $n $1"; else echo "not ok $n $1"; fail=1; fi
}
dmesg | grep mkkernel_pool | sed 's/^/# /'
check malformed_value_explained \
	"dmesg | grep -qF \"mkkernel_pool: '64Q' rejected: size is not a number\""
check non_ram_range_explained \
	"dmesg | grep -q 'mkkernel_pool: 0x100000000000-0x100003ffffff is not all RAM; no pool reserved'"
check no_pool_in_iomem "! grep -q 'Multikernel pool' /proc/iomem"
check no_malformed_option_noise "! dmesg | grep -q 'Malformed early option'"
dmesg | grep mk_channel | sed 's/^/# /'
check channel_without_address_explained \
	"dmesg | grep -q 'mk_channel: mk_channel=2M rejected: no address'"
check channel_in_kernel_ram_refused \
	"dmesg | grep -q 'mk_channel: 0x1000000-0x11fffff overlaps memory this kernel uses'"
check channel_not_formatted_explained \
	"dmesg | grep -q 'mk_link: chan0: no channel in the region'"
check no_channel_attached "! grep -q chan /sys/kernel/debug/multikernel/attach"
echo "1..$n"
exit $fail
