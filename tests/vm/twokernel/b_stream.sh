#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A transport stream each way at once on the raw channel (mk1.1 here,
# chan1 in the instance): random sizes 1 B-64 KiB, log-uniform, every
# message sequence-numbered and checksummed and every byte checked by the
# other kernel. Nothing lost, duplicated or reordered; figures printed.
. /tests/twokernel/lib.inc
N=100000
for arg in $(cat /proc/cmdline); do
	case "$arg" in mktest.stream_count=*) N=${arg#mktest.stream_count=} ;; esac
done
check both_ways_done "stream_both_ways $N"
check host_to_instance_sent "[ \"\$(val /tmp/host_tx.out status)\" = 0 ] && [ \"\$(val /tmp/host_tx.out sent)\" = $N ]"
check host_to_instance_all_arrived_intact "[ \"\$(val /tmp/inst_rx.out status)\" = 0 ] && [ \"\$(val /tmp/inst_rx.out received)\" = $N ] && [ \"\$(val /tmp/inst_rx.out errors)\" = 0 ]"
check instance_to_host_sent "[ \"\$(val /tmp/inst_tx.out status)\" = 0 ] && [ \"\$(val /tmp/inst_tx.out sent)\" = $N ]"
check instance_to_host_all_arrived_intact "[ \"\$(val /tmp/host_rx.out status)\" = 0 ] && [ \"\$(val /tmp/host_rx.out received)\" = $N ] && [ \"\$(val /tmp/host_rx.out errors)\" = 0 ]"
for d in host_tx:inst_rx inst_tx:host_rx; do
	tx=/tmp/${d%%:*}.out rx=/tmp/${d##*:}.out
	echo "# ${d%%:*} -> ${d##*:}: $N msgs in $(( $(val $tx ns) / 1000000 )) ms sent, received at $(val $rx msgs_per_s) msgs/s $(val $rx mb_per_s) MB/s, $(val $tx doorbells_per_1000_msgs) doorbells per 1000 msgs"
done
grep -q . /tmp/host_tx.out || cat /tmp/host_tx.out /tmp/inst_rx.out
finish
