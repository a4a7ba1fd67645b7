#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# userspace-tests.sh [--ktap RUNDIR]
#
# The userspace checks of the vring engine: make -C tools/multikernel/vring
# check (the builds, unit tests, streams between two processes, ASan+UBSan
# and TSan builds, a bounded fuzz run; see tools/multikernel/vring/README.md);
# then scripts/bench-report-test.sh (make bench's report on a fixture log)
# and make -C tools/multikernel/mkrtt check (mkrtt over pipes, its usage
# errors), their results under "# Subtest: bench_report" and "mkrtt".
# With --ktap, the results go to RUNDIR/ktap.log in the format of a VM boot,
# for ktap.py: an empty console.log, status "ok", and the closing line
# "# mktest: boot <name of RUNDIR> done". Otherwise they go to the terminal,
# with a non-zero exit status if anything failed. Progress goes to stderr.
set -euo pipefail
. "$(dirname "$0")/common.sh"
export MK_CACHE

MAKE=(make -s --no-print-directory -C "$MK_ROOT/tools/multikernel/vring" check)

REPORT_TEST=$MK_ROOT/scripts/bench-report-test.sh
MKRTT_TEST=(make -s --no-print-directory -C "$MK_ROOT/tools/multikernel/mkrtt" check)

if [ "${1:-}" != --ktap ]; then
	rc=0
	"${MAKE[@]}" || rc=1
	"$REPORT_TEST" || rc=1
	"${MKRTT_TEST[@]}" || rc=1
	exit $rc
fi
RUN=${2:?--ktap needs a directory}
rm -rf "$RUN"
mkdir -p "$RUN"
: > "$RUN/console.log"

set +e
"${MAKE[@]}" | tee "$RUN/vring.log"
rc=${PIPESTATUS[0]}
set -e
# Stopped before its plan (the runner itself died): say so.
if ! grep -q '^1\.\.[0-9]' "$RUN/vring.log"; then
	echo "not ok 1 userspace_checks_completed # make check exited $rc before its plan" \
		>> "$RUN/vring.log"
fi
# One KTAP stream: the vring checks' results, each further test as one
# more, then the plan of all.
grep -v '^1\.\.[0-9]*$' "$RUN/vring.log" > "$RUN/ktap.log"
n=$(grep -c '^\(not \)\?ok [0-9]' "$RUN/ktap.log" || true)
# subtest NAME CMD...: CMD's KTAP indented under "# Subtest: NAME", then
# the result of NAME from CMD's exit status
subtest() {
	local name=$1 rc
	shift
	n=$((n + 1))
	echo "    # Subtest: $name" >> "$RUN/ktap.log"
	set +e
	"$@" 2>&1 | sed 's/^/    /' | tee -a "$RUN/ktap.log"
	rc=${PIPESTATUS[0]}
	set -e
	if [ "$rc" = 0 ]; then
		echo "ok $n $name" >> "$RUN/ktap.log"
	else
		echo "not ok $n $name # exit status $rc" >> "$RUN/ktap.log"
	fi
}
subtest bench_report "$REPORT_TEST"
subtest mkrtt "${MKRTT_TEST[@]}"
echo "1..$n" >> "$RUN/ktap.log"
rm -f "$RUN/vring.log"
echo "# mktest: boot $(basename "$RUN") done" >> "$RUN/ktap.log"
echo ok > "$RUN/status"
