#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Stopping and removing the instance: its links go down, its memory goes
# back to the pool, and its CPU can be onlined again.
. /tests/twokernel/lib.inc
avail() { awk '/multikernel pool/ { print }' /proc/iomem | head -1; }
check stop "echo stop > $I/state && [ \"\$(cat $I/state)\" = stopped ]"
check stop_twice_refused "! echo stop > $I/state 2>/dev/null"
check links_down "wait_for 10 '! link_up mk1.0'"
check remove "echo 1 > $SYS/remove && [ ! -e $I ]"
check links_gone "[ ! -e $DBG/links/mk1.0 ] && [ ! -e /sys/class/mk_link/mk1.0 ]"
check cpu_onlined_again "echo 1 > /sys/devices/system/cpu/cpu$ICPU/online && [ \"\$(cat /sys/devices/system/cpu/cpu$ICPU/online)\" = 1 ]"
finish
