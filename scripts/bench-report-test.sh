#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench-report-test.sh: scripts/bench-report.py on the fixture
# scripts/testdata/bench-report/ (ktap.log: a bench boot's log with every
# section it parses, small; prev/: CSVs of an earlier run). KTAP on
# stdout, exit status 1 if anything failed. The CSVs must have their rows,
# the targets their verdicts, the changes against prev/ their regressions;
# a log without the sections must still give a report. Needs no
# matplotlib: the plots are checked only when /usr/bin/python3 has it.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=$HERE/testdata/bench-report
REPORT=$HERE/bench-report.py
PY=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MK_CACHE=$tmp/cache

n=0
failed=0
check() { # name, shell condition
	n=$((n + 1))
	if eval "$2"; then
		echo "ok $n $1"
	else
		echo "not ok $n $1"
		failed=1
	fi
}
# rows FILE: data rows of a CSV (its header not counted)
rows() { [ -f "$1" ] && echo $(($(wc -l < "$1") - 1)) || echo missing; }

echo "KTAP version 1"
run=$tmp/bench
mkdir -p "$run"
cp "$FIX/ktap.log" "$run/"
: > "$run/console.log"
"$PY" "$REPORT" --no-store --no-plots --prev "$FIX/prev" "$run" > "$tmp/out" 2>&1
status=$?
sed 's/^/# /' "$tmp/out"
check bench_report_runs "[ $status = 0 ]"
R=$run/report
check stream_csv_12_rows "[ \"\$(rows $R/stream.csv)\" = 12 ]"
check rtt_kernel_csv_6_rows "[ \"\$(rows $R/rtt-kernel.csv)\" = 6 ]"
check rtt_user_csv_6_rows "[ \"\$(rows $R/rtt-user.csv)\" = 6 ]"
check rtt_user_cdf_csv_16_rows "[ \"\$(rows $R/rtt-user-cdf.csv)\" = 16 ]"
# The targets in order: user p50 and p99 at 16 B and 4 KiB (64 KiB is past
# the target's sizes), the link beside the ipi, doorbells, memcpy.
want='met|not met|not met|met|met|met|not met'
got=$(sed -n '/^targets/,/^$/s/^  \(met\|not met\|no data\) .*/\1/p' "$R/bench.txt" |
	paste -sd '|')
echo "# verdicts: $got"
check target_verdicts "[ \"$got\" = \"$want\" ]"
check user_p50_ratio_shown \
	"grep -q 'not met  rpmsg_char round trip p50, 4 KiB: at most 1.2x the pipe: 1.30x' $R/bench.txt"
check memcpy_percent_shown "grep -q 'at least 80% of memcpy MB/s: 60%' $R/bench.txt"
check stream_regression_flagged \
	"grep -q 'stream vring 1 KiB: msgs/s 165,000 -> 110,000 (-33.3%)  REGRESSION' $R/bench.txt"
check unchanged_row_not_flagged \
	"grep 'stream slot 64 B: msgs/s' $R/bench.txt | grep -qv REGRESSION"
check rtt_p99_regression_flagged \
	"grep -q 'rtt-kernel link 16 B: p99 .*(+50.0%)  REGRESSION' $R/bench.txt"
check no_store_keeps_no_history "[ ! -e $MK_CACHE/bench-history ]"

# Stored, then run again on the same log: one entry, and it is not the
# previous run of itself.
"$PY" "$REPORT" --brief --no-plots "$run" > "$tmp/out" 2>&1
"$PY" "$REPORT" --brief --no-plots "$run" >> "$tmp/out" 2>&1
sed 's/^/# /' "$tmp/out"
check history_stored_once \
	"[ \"\$(ls $MK_CACHE/bench-history/bench | wc -l)\" = 1 ] &&
	 [ \"\$(ls $MK_CACHE/bench-history/bench/*/*.csv | wc -l)\" = 4 ] &&
	 grep -q 'not stored again' $tmp/out"

# Today's stream table: the rx_poll% column and the unchecked rows, which
# the 64 KiB target is taken from.
now=$tmp/now
mkdir -p "$now"
cat > "$now/ktap.log" <<'LOG'
KTAP version 1
    # Subtest: run
    # protocol         size   messages     msgs/s     MB/s bells/msg rx_poll%   status
    # slot             1024       5000      11000       11     5.000        -        0
    # vring            1024      20000     110000      112     0.038      2.5        0
    # vring           65536       2000       9155      600     0.730      0.0        0
    # vring-nocheck   65536       2000      13732      900     0.500      1.0        0
    # memcpy          65536       2000      15258     1000     0.000        -        0
    # vring 64 KiB stream: 60% of memcpy bandwidth (batched 72%, unchecked 90%)
ok 1 run
LOG
: > "$now/console.log"
"$PY" "$REPORT" --no-store --no-plots "$now" > "$tmp/out" 2>&1
status=$?
sed 's/^/# /' "$tmp/out"
check poll_column_read "[ $status = 0 ] && [ \"\$(rows $now/report/stream.csv)\" = 5 ] &&
	head -1 $now/report/stream.csv | grep -q ',rx_poll_pct,status' &&
	grep -q '^vring,1024,20000,110000,112,0.038,2.5,0' $now/report/stream.csv"
check poll_cost_shown \
	"grep -q 'doorbells/msg: 0.038, the receiver busy-polling 2.5% of the time' $now/report/bench.txt"
check unchecked_row_is_the_target \
	"grep -q 'met      64 KiB vring-nocheck stream: at least 80% of memcpy MB/s: 90%' $now/report/bench.txt"

# Nothing to report: every section skipped, no CSV, exit status 0.
empty=$tmp/empty
mkdir -p "$empty"
printf 'KTAP version 1\n1..0\n' > "$empty/ktap.log"
"$PY" "$REPORT" --no-store "$empty" > "$tmp/out" 2>&1
status=$?
sed 's/^/# /' "$tmp/out"
check empty_log_reports "[ $status = 0 ] && [ \"\$(grep -c 'not in the log, skipped' $tmp/out)\" = 4 ] &&
	! ls $empty/report/*.csv > /dev/null 2>&1 && grep -q '^  no data' $empty/report/bench.txt"

n=$((n + 1))
if /usr/bin/python3 -c 'import matplotlib' 2> /dev/null; then
	/usr/bin/python3 "$REPORT" --no-store "$run" > "$tmp/out" 2>&1
	status=$?
	sed 's/^/# /' "$tmp/out" | tail -n 2
	missing=
	for p in throughput doorbells rtt-kernel rtt-user-cdf; do
		[ -s "$R/$p.png" ] && [ -s "$R/$p.svg" ] || missing="$missing $p"
	done
	if [ $status = 0 ] && [ -z "$missing" ]; then
		echo "ok $n plots"
	else
		echo "not ok $n plots # missing:$missing"
		failed=1
	fi
else
	echo "ok $n plots # SKIP no matplotlib in /usr/bin/python3"
fi
echo "1..$n"
exit $failed
