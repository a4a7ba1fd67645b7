#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run the benchmark and print its tables; check that every case and every
# round trip completed and that the transport needed far fewer doorbells
# than the baseline. No timing is asserted.
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
# The stream table: its header, then a row of 8 columns per protocol and
# size (3 sizes of slot, vring, vring-batch32, vring-nocheck, memcpy), then
# the memcpy share line, ending at the blank line before the round-trip table.
check every_case_completed "awk '
	NR == 1 { next }
	\$0 == \"\" { exit }
	NF == 8 { rows++; if (\$8 != 0) bad++ }
	END { exit !(rows == 15 && !bad) }' $f"
# The round-trip table: ipi, slot-rtt at 5 sizes, link at 7, each with
# samples and status 0.
check every_round_trip_completed "awk '
	\$1 == \"rtt\" && \$2 == \"size\" { t = 1; next }
	t && NF == 9 { rows++; n[\$1]++; if (\$9 != 0 || \$3 + 0 <= 0) bad++ }
	END { exit !(t && rows == 13 && n[\"ipi\"] == 1 && n[\"slot-rtt\"] == 5 &&
		     n[\"link\"] == 7 && !bad) }' $f"
# 1 KiB: the bound of 0.05 doorbells per message, batched stream.
check vring_batch_1k_under_0.05_doorbells \
	"awk '\$1 == \"vring-batch32\" && \$2 == 1024 { exit !(\$6 + 0 <= 0.05) }' $f"
check slot_needs_a_doorbell_per_fragment \
	"awk '\$1 == \"slot\" && \$2 == 1024 { exit !(\$6 + 0 >= 5) }' $f"
echo "1..$n"
exit $fail
