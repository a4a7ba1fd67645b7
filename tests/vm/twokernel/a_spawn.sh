#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The host starts instance 1 on its offlined CPU 3: every bad request is
# refused with its error first, then the instance boots, reaches userspace
# and both links come up.
. /tests/twokernel/lib.inc

echo 0 > /sys/devices/system/cpu/cpu$ICPU/online
check add_instance "echo 1 > $SYS/add"
check add_twice_refused "! echo 1 > $SYS/add 2>/dev/null"
check boot_cpu_refused "! echo 0 > $I/cpus 2>/dev/null"
check online_cpu_refused "! echo 2 > $I/cpus 2>/dev/null"
check offline_cpu_taken "echo $ICPU > $I/cpus"
check cpu_in_use_refused "echo 2 > $SYS/add && ! echo $ICPU > $SYS/instances/2/cpus 2>/dev/null && echo 2 > $SYS/remove"
check owned_cpu_cannot_be_onlined "! echo 1 > /sys/devices/system/cpu/cpu$ICPU/online 2>/dev/null"
check host_ram_refused "! echo 64M@0x1000000 > $I/memory 2>/dev/null"
check memory_from_pool "echo $IMEM > $I/memory"
check start_without_kernel_refused "! echo start > $I/state 2>/dev/null"
check not_a_bzimage_refused "! mkload -n 1 /bin/busybox 2>/dev/null && [ \$(cat $I/state) = empty ]"
check no_such_instance_refused "! mkload -n 9 /mk/bzImage 2>/dev/null"
check load "mkload -n 1 -i /mk/instance.cpio.gz /mk/bzImage '$ICMD' && [ \$(cat $I/state) = loaded ]"
check start_timeout "echo 300 > $I/start_timeout"
t0=$(date +%s)
check start "echo start > $I/state"
check start_twice_refused "! echo start > $I/state 2>/dev/null"
check reaches_userspace "wait_for 300 '[ \"\$(cat $I/state)\" = running ]'"
echo "# instance at userspace after $(( $(date +%s) - t0 )) s; stage $(cat $I/stage)"
check rpmsg_link_up "wait_for 60 link_up mk1.0"
check raw_link_up "wait_for 60 link_up mk1.1"
check instance_shell_answers "mkrpmsg sh -w 120 -t 60 $SHELL_ADDR true"
check memory_fixed_while_running "! echo $IMEM > $I/memory 2>/dev/null"
echo "# cmdline: $(cat $I/cmdline)"
finish
