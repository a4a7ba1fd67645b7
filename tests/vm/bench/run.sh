#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run the benchmark and print its table; check that every case completed
# and that the transport needed far fewer doorbells than the baseline.
scale=1
for arg in $(cat /proc/cmdline); do
	case "$arg" in mktest.scale=*) scale=${arg#mktest.scale=} ;; esac
done
f=/sys/kernel/debug/multikernel/bench
n=0 fail=0
check() {
	n=$((n + 1))
	if eval "$2"; then echo "ok $n $1"; else echo "not ok $n $1"; fail=1; fi
}
check bench_runs "echo run $scale > $f"
cat $f | sed 's/^/# /'
check every_case_completed "! awk 'NR > 1 && \$7 != 0' $f | grep -q ."
# 1 KiB: the bound of 0.05 doorbells per message, batched stream.
check vring_batch_1k_under_0.05_doorbells \
	"awk '\$1 == \"vring-batch32\" && \$2 == 1024 { exit !(\$6 + 0 <= 0.05) }' $f"
check slot_needs_a_doorbell_per_fragment \
	"awk '\$1 == \"slot\" && \$2 == 1024 { exit !(\$6 + 0 >= 5) }' $f"
echo "1..$n"
exit $fail
