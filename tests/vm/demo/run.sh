#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make demo: start a second kernel on CPU 3, bring the link up, stream
# from host userspace to the instance and back, and print tables beside
# baselines measured in the same run, in this kernel between two of its
# CPUs: the seed's one-slot protocol (it has no two-kernel transport),
# memcpy, and for round trips from userspace a pipe pair.
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
printf '# %-34s %10s %9s %13s %8s %8s\n' "two kernels (host -> instance)" \
	msgs/s MB/s doorbells/msg rx_poll% tx_poll%
# stream SIZE N CHECK: N messages of SIZE bytes to the instance, which
# checks them (CHECK all: every byte; header: order and lengths only);
# rx_poll% and tx_poll%: the share of the stream's time that the
# receiver's and the sender's receive threads spent busy-polling
stream() {
	rsh "sh -c '{ echo to=chan1 count=$2 min=$1 max=$1 check=$3 timeout=600 >&3 && cat <&3; } 3<>$S' > /tmp/rx.out 2>&1 < /dev/null &"
	wait_for 60 "rsh grep -q ^client.yes $DBG/links/chan1/stats"
	kstream "from=mk1.1 count=$2 min=$1 max=$1 check=$3 timeout=600" > /tmp/tx.out
	wait_for 600 'rsh grep -q status /tmp/rx.out'
	rsh cat /tmp/rx.out > /tmp/rx.out
	printf '# vring kernel stream %-13s %5s B %9s %9s %13s %8s %8s\n' \
		"$([ $3 = all ] && echo checked || echo unchecked)" $1 \
		"$(val /tmp/rx.out msgs_per_s)" "$(val /tmp/rx.out mb_per_s)" \
		"$(val /tmp/tx.out doorbells_per_1000_msgs | awk '{ printf "%.3f", $1 / 1000 }')" \
		"$(share /tmp/rx.out rx_poll_ns)" "$(share /tmp/tx.out tx_poll_ns)"
	[ "$(val /tmp/rx.out errors)" = 0 ] && [ "$(val /tmp/rx.out received)" = $2 ]
}
for size in 64 1024 65536; do
	n=$N; [ $size = 65536 ] && n=$((N / 10))
	stream $size $n all
	check stream_${size}B_intact "[ $? = 0 ]"
done
stream 65536 $((N / 10)) header
check stream_65536B_unchecked_in_order "[ $? = 0 ]"
raw_mb=$(val /tmp/rx.out mb_per_s)

# Round trips from userspace: /dev/rpmsgN here to the instance's echo
# server (mkrpmsg echo, on CPU 3) and back, beside a pipe pair between two
# CPUs of this kernel (mkrtt), in the same run: each size's pipes right
# before its rpmsg round trips, so that both see the machine as it is then.
# The pinger runs on the CPU that takes the instance's doorbells (cmdline:
# CPU 1), as the rpmsg endpoints of a loopback do in make bench.
dbcpu=$(awk '{ for (i = 1; i < NF; i++) if ($i == "cpu") print $(i + 1) }' $DBG/links/mk1.0/stats)
RTT_N=$((1000 * SCALE))
RTT_SIZES="16 64 256 1024 4096 16384 65536"
# pipe SIZE COLUMN: a figure of mkrtt's CSV of SIZE
pipe() {
	awk -F, -v s=$1 -v c=$2 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$2 == s { print $col[c] }' /tmp/pipe-$1.csv
}
# kv TEXT KEY: the value of KEY= in mkrpmsg's TEXT
kv() {
	echo "$1" | sed -n "s/.* $2=\([0-9.]*\).*/\1/p"
}
# ratio A B: A / B with two decimals, nothing when B is not a figure
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b }'
}
echo "# round trips, us: host /dev/rpmsgN (CPU ${dbcpu:-1}) <-> instance echo (CPU 3), $RTT_N per size;"
echo "#   pipe: a pipe pair between CPUs 1 and 2 of the host, same run"
printf '# %6s %10s %10s %10s %10s %10s %10s %9s %9s\n' size p50 p90 p99 max "pipe p50" "pipe p99" p50/pipe p99/pipe
echo "# csv rtt-2k: transport,size,p50_us,p90_us,p99_us,max_us"
rtt_ok=0 pipe_ok=0
for size in $RTT_SIZES; do
	mkrtt pipe -c 1,2 -n $RTT_N --warmup 50 -s $size --csv /tmp/pipe-$size.csv \
		>> /tmp/pipe.out 2>&1 || pipe_ok=1
	ping=$(taskset -c ${dbcpu:-1} mkrpmsg ping -n $RTT_N -s $size $ECHO_ADDR) || rtt_ok=1
	p50=$(kv "$ping" p50_us) p90=$(kv "$ping" p90_us)
	p99=$(kv "$ping" p99_us) max=$(kv "$ping" max_us)
	q50=$(pipe $size p50_us) q99=$(pipe $size p99_us)
	[ "$(kv "$ping" errors)" = 0 ] || rtt_ok=1
	printf '# %6s %10s %10s %10s %10s %10s %10s %9s %9s\n' $size "$p50" "$p90" "$p99" "$max" \
		"$q50" "$q99" "$(ratio "$p50" "$q50")" "$(ratio "$p99" "$q99")"
	echo "# csv rtt-2k: rpmsg-2k,$size,$p50,$p90,$p99,$max"
	echo "# csv rtt-2k: pipe,$size,$q50,$(pipe $size p90_us),$q99,$(pipe $size max_us)"
done
check rtt_pipe_baseline "[ $pipe_ok = 0 ]"
check rtt_every_size_echoed "[ $rtt_ok = 0 ]"
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
echo "# seed one-slot protocol (acknowledged) and memcpy, same run, two CPUs of this kernel:"
echo "run $SCALE" > $DBG/bench
awk 'NR == 1 || $1 == "slot" || $1 == "memcpy"' $DBG/bench | sed 's/^/#   /'
copy_mb=$(awk '$1 == "memcpy" && $2 == 65536 { print $5 }' $DBG/bench)
echo "# two kernels, 64 KiB unchecked stream: $raw_mb MB/s, $(awk -v a="$raw_mb" -v b="$copy_mb" 'BEGIN { if (b > 0) printf "%d%%", 100 * a / b }') of memcpy in this kernel"
finish
