#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The instance dies mid-stream (a deliberate panic while the host's writer
# is blocked on a full ring), ten times. Each time the host sees the link
# go down within the heartbeat timeout, the blocked writer gets EPIPE, the
# rpmsg devices go away, and the instance, started again on the same CPU
# and memory, brings the link back and traffic resumes. Kernel memory of
# the host stays bounded over the cycles.
. /tests/twokernel/lib.inc
CYCLES=10
for arg in $(cat /proc/cmdline); do
	case "$arg" in mktest.cycles=*) CYCLES=${arg#mktest.cycles=} ;; esac
done
slab() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
slab0=$(slab)
i=1
while [ $i -le $CYCLES ]; do
	rsh "(sleep 1; echo 1 > $DBG/links/chan0/pause; sleep 2; echo c > /proc/sysrq-trigger) > /dev/null 2>&1 < /dev/null &"
	mkrpmsg flood $ECHO_ADDR > /tmp/flood.out 2>&1 &
	fl=$!
	check cycle${i}_instance_panics "wait_for 60 '[ \"\$(cat $I/stage)\" = panic ]'"
	t0=$(date +%s)
	check cycle${i}_link_down_in_time "wait_for 6 '! link_up mk1.0'"
	echo "# cycle $i: link down $(( $(date +%s) - t0 )) s after the panic was seen"
	check cycle${i}_blocked_writer_gets_EPIPE "wait \$fl && grep -q EPIPE /tmp/flood.out"
	cat /tmp/flood.out | sed 's/^/# /'
	check cycle${i}_rpmsg_devices_gone "wait_for 10 '! ls /dev/rpmsg_ctrl* > /dev/null 2>&1'"
	check cycle${i}_state_failed "[ \"\$(cat $I/state)\" = failed ]"
	check cycle${i}_stopped "echo stop > $I/state && [ \"\$(cat $I/state)\" = stopped ]"
	check cycle${i}_restarted "spawn"
	check cycle${i}_traffic_resumes "mkrpmsg ping -n 50 -s 1024 $ECHO_ADDR > /dev/null"
	i=$((i + 1))
done
slab1=$(slab)
echo "# host Slab: $slab0 kB before, $slab1 kB after $CYCLES cycles"
check slab_bounded_over_cycles "[ $((slab1 - slab0)) -lt 8192 ]"
finish
