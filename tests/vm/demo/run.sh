#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make demo: start a second kernel on CPU 3, bring the link up, stream
# from host userspace to the instance and back, and print a table beside
# the seed's one-slot protocol measured in the same run (in this kernel,
# between two of its CPUs: the seed protocol has no two-kernel transport).
. /tests/demo/lib.inc
SCALE=1
for arg in $(cat /proc/cmdline); do
	case "$arg" in mktest.scale=*) SCALE=${arg#mktest.scale=} ;; esac
done
t0=$(date +%s)
echo 0 > /sys/devices/system/cpu/cpu$ICPU/online
echo 1 > $SYS/add && echo $ICPU > $I/cpus && echo $IMEM > $I/memory &&
	echo 300 > $I/start_timeout &&
	mkload -n 1 -i /mk/instance.cpio.gz /mk/bzImage "$ICMD"
check instance_started "spawn"
echo "# instance 1 up on CPU $ICPU after $(( $(date +%s) - t0 )) s: $(cat $I/memory | tr -d '\n') of RAM"

S=$DBG/stream
N=$((20000 * SCALE))
printf '# %-34s %10s %9s %10s %11s %11s\n' "two kernels (host -> instance)" msgs/s MB/s "p50 us" "p99 us" doorbells/msg
for size in 64 1024 65536; do
	n=$N; [ $size = 65536 ] && n=$((N / 10))
	rsh "sh -c '{ echo to=chan1 count=$n min=$size max=$size timeout=600 >&3 && cat <&3; } 3<>$S' > /tmp/rx.out 2>&1 < /dev/null &"
	wait_for 60 "rsh grep -q ^client.yes $DBG/links/chan1/stats"
	kstream "from=mk1.1 count=$n min=$size max=$size timeout=600" > /tmp/tx.out
	wait_for 600 'rsh grep -q status /tmp/rx.out'
	rsh cat /tmp/rx.out > /tmp/rx.out
	ping=$(mkrpmsg ping -n $((200 * SCALE)) -s $size $ECHO_ADDR)
	p50=$(echo "$ping" | sed -n 's/.*p50_us=\([0-9.]*\).*/\1/p')
	p99=$(echo "$ping" | sed -n 's/.*p99_us=\([0-9.]*\).*/\1/p')
	db=$(val /tmp/tx.out doorbells_per_1000_msgs)
	printf '# vring kernel stream + rpmsg ping %5s B %9s %9s %10s %11s %11s\n' $size \
		"$(val /tmp/rx.out msgs_per_s)" "$(val /tmp/rx.out mb_per_s)" "$p50" "$p99" \
		"$(echo $db | awk '{ printf "%.3f", $1 / 1000 }')"
	[ "$(val /tmp/rx.out errors)" = 0 ] && [ "$(val /tmp/rx.out received)" = $n ]
	check stream_${size}B_intact "[ $? = 0 ]"
done
M=$((1000000 * SCALE))
stream_both_ways $M
for d in host_tx:inst_rx inst_tx:host_rx; do
	tx=/tmp/${d%%:*}.out rx=/tmp/${d##*:}.out
	echo "# random 1 B-64 KiB, both ways at once, ${d%%:*} -> ${d##*:}: $(val $rx received) of $M intact, $(val $rx msgs_per_s) msgs/s, $(val $rx mb_per_s) MB/s, $(val $tx doorbells_per_1000_msgs | awk '{ printf "%.3f", $1 / 1000 }') doorbells/msg"
	check million_${d%%:*}_intact "[ \"\$(val $rx errors)\" = 0 ] && [ \"\$(val $rx received)\" = $M ]"
done
out=$(mkrpmsg stream -n $((2000 * SCALE)) -m 65536 $ECHO_ADDR)
check userspace_stream_echoed "[ $? = 0 ]"
echo "# userspace /dev/rpmsgN round trip through the instance, random 16 B-64 KiB: $out"
echo "# seed one-slot protocol (acknowledged), same run, two CPUs of this kernel:"
echo "run $SCALE" > $DBG/bench
awk 'NR == 1 || $1 == "slot"' $DBG/bench | sed 's/^/#   /'
finish
