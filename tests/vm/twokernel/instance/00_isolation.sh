#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# What the spawned kernel sees: one CPU, its own memory, no PCI, no serial
# port of the host's, and its two channels attached.
fail=0
[ "$(cat /sys/devices/system/cpu/online)" = 0 ] || { echo "CPUs online: $(cat /sys/devices/system/cpu/online)"; fail=1; }
[ -z "$(ls /sys/bus/pci/devices 2>/dev/null)" ] || { echo "PCI devices seen"; fail=1; }
ls /dev/ttyS* >/dev/null 2>&1 && { echo "serial ports probed"; fail=1; }
kb=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
[ "$kb" -le $((448 * 1024)) ] || { echo "MemTotal $kb kB: more than its 448 MiB"; fail=1; }
i=0
while [ ! -e /sys/class/mk_link/chan1 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
[ -e /sys/class/mk_link/chan0 ] && [ -e /sys/class/mk_link/chan1 ] || { echo "channels not attached"; fail=1; }
exit $fail
