#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Round trips from userspace (mkrtt, tools/multikernel/mkrtt): /dev/rpmsgN
# to /dev/rpmsgN over a loopback link with rpmsg, beside a pipe pair
# between the same two CPUs, measured in the same run, size after size.
# Prints mkrtt's table as comments, then its CSVs (--csv, --cdf) as lines
# "# csv rtt-user: ROW" and "# csv rtt-user-cdf: ROW", header included.
# Timing is never asserted: the checks are that every round trip of every
# size came back intact, each way.
# mktest.scale=N: N * 200 round trips per size (make check runs scale 1
# on the test kernel). POSIX sh: busybox ash runs it.
DBG=/sys/kernel/debug/multikernel
SIZES=16,64,256,1024,4096,16384,65536
NSIZES=7
scale=1
for arg in $(cat /proc/cmdline); do
	case "$arg" in mktest.scale=*) scale=${arg#mktest.scale=} ;; esac
done
count=$((200 * scale))
warmup=$((20 * scale))
[ $warmup -gt 100 ] && warmup=100
# Two CPUs other than CPU 0 (which takes the console's interrupts) when
# there are three; the loopback rings each end's doorbell on its CPU.
cpu_a=1 cpu_b=2
if [ "$(cat /sys/devices/system/cpu/cpu2/online 2>/dev/null)" != 1 ]; then
	cpu_a=0 cpu_b=1
fi
T=$(mktemp -d /tmp/rtt.XXXXXX) || exit 1

n=0
fail=0
check() {
	n=$((n + 1))
	if eval "$2"; then echo "ok $n $1"; else echo "not ok $n $1"; fail=1; fi
}
# wait_for SECS CMD...: until CMD succeeds, at most SECS seconds
wait_for() {
	w_end=$(( $(date +%s) + $1 ))
	shift
	while ! eval "$*"; do
		[ "$(date +%s)" -ge "$w_end" ] && return 1
		sleep 0.2
	done
}
# ctrl_ready END: link end END has its /dev/rpmsg_ctrlK (the rpmsg bus is up)
ctrl_ready() {
	for c in /sys/class/rpmsg/rpmsg_ctrl*; do
		[ -e "$c" ] || continue
		case "$(readlink -f "$c")" in
		*/"$1"/*) [ -e "/dev/${c##*/}" ] && return 0 ;;
		esac
	done
	return 1
}
# every_size TRANSPORT: a CSV row per size, each ok with all its round trips
every_size() {
	awk -F, -v t="$1" -v want="$count" -v sizes="$NSIZES" '
		$1 == t { rows++; if ($3 != "ok" || $4 != want) bad++ }
		END { exit !(rows == sizes && !bad) }' "$T"/rtt.csv 2>/dev/null
}

# The loopback: the one whose ID was not listed before.
old=" $(awk '{ print $1 }' $DBG/loopback 2>/dev/null | tr '\n' ' ') "
id=
if (echo "create $cpu_a $cpu_b rpmsg" > $DBG/loopback) 2> "$T"/err; then
	id=$(awk -v old="$old" 'index(old, " " $1 " ") == 0 { print $1; exit }' $DBG/loopback)
else
	sed 's/^/# /' "$T"/err
fi
check rtt_rpmsg_loopback_up \
	"[ -n \"$id\" ] && wait_for 10 'ctrl_ready lo$id.a && ctrl_ready lo$id.b'"

mkrtt all ${id:+-l $id} -c $cpu_a,$cpu_b -n $count --warmup $warmup -s $SIZES -t 30 \
	--csv "$T"/rtt.csv --cdf "$T"/cdf.csv > "$T"/out 2>&1
rc=$?
sed 's/^/# /' "$T"/out
[ $rc = 0 ] || echo "# mkrtt: exit status $rc"
# Where the rpmsg round trips' deliveries came from, per link end: after a
# doorbell (rx_kicked) or not (rx_unkicked: the periodic timeout), found
# while busy-polling (rx_polled), and how long the receive thread took
# from the doorbell to running (rx_wake_us, by bucket).
if [ -n "$id" ]; then
	echo "# deliveries of the rpmsg round trips (debugfs links/loN.X/stats):"
	for e in a b; do
		echo "#   lo$id.$e: $(grep -E '^(irqs|rx_batches|rx_kicked|rx_unkicked|rx_polled|rx_poll_ns|tx_waits|rx_wake_us) ' \
			$DBG/links/lo$id.$e/stats | tr '\n' ' ')"
	done
fi
# Both CSVs into the log, for scripts/bench-report.py (make bench).
[ -f "$T"/rtt.csv ] && sed 's/^/# csv rtt-user: /' "$T"/rtt.csv
[ -f "$T"/cdf.csv ] && sed 's/^/# csv rtt-user-cdf: /' "$T"/cdf.csv
check rtt_rpmsg_all_sizes_echoed "every_size rpmsg"
check rtt_pipe_all_sizes_echoed "every_size pipe"

[ -n "$id" ] && check rtt_loopback_destroyed "echo 'destroy $id' > $DBG/loopback"
rm -rf "$T"
echo "1..$n"
exit $fail
