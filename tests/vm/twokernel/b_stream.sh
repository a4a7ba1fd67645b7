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
S=$DBG/stream
# In a shell of its own, with no children whose exit could interrupt the
# write (a signal ends a stream early).
run_stream() {
	sh -c '{ echo "$1" >&3 && cat <&3; } 3<>"$2"' sh "$1" "$S"
}
client_on() {
	grep -q '^client yes' "$DBG/links/$1/stats"
}

rsh "sh -c '{ echo to=chan1 count=$N timeout=900 >&3 && cat <&3; } 3<>$S' > /tmp/rx.out 2>&1 < /dev/null &"
run_stream "to=mk1.1 count=$N timeout=900" > /tmp/host_rx.out 2>&1 &
rx=$!
check receivers_attached "wait_for 60 'rsh grep -q ^client.yes $DBG/links/chan1/stats' && wait_for 60 client_on mk1.1"
rsh "sh -c '{ echo from=chan1 count=$N timeout=900 >&3 && cat <&3; } 3<>$S' > /tmp/tx.out 2>&1 < /dev/null &"
run_stream "from=mk1.1 count=$N timeout=900" > /tmp/host_tx.out 2>&1
wait $rx
wait_for 900 'rsh grep -q status /tmp/rx.out && rsh grep -q status /tmp/tx.out'
rsh cat /tmp/rx.out > /tmp/inst_rx.out
rsh cat /tmp/tx.out > /tmp/inst_tx.out

val() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
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
