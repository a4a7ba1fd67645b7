#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# userspace-tests.sh [--ktap RUNDIR]
#
# The userspace checks of the vring engine: make -C tools/multikernel/vring
# check (the builds, unit tests, streams between two processes, ASan+UBSan
# and TSan builds, a bounded fuzz run; see tools/multikernel/vring/README.md).
# With --ktap, the results go to RUNDIR/ktap.log in the format of a VM boot,
# for ktap.py: an empty console.log, status "ok", and the closing line
# "# mktest: boot <name of RUNDIR> done". Otherwise they go to the terminal,
# with a non-zero exit status if anything failed. Progress goes to stderr.
set -euo pipefail
. "$(dirname "$0")/common.sh"
export MK_CACHE

MAKE=(make -s --no-print-directory -C "$MK_ROOT/tools/multikernel/vring" check)

if [ "${1:-}" != --ktap ]; then
	exec "${MAKE[@]}"
fi
RUN=${2:?--ktap needs a directory}
rm -rf "$RUN"
mkdir -p "$RUN"
: > "$RUN/console.log"

set +e
"${MAKE[@]}" | tee "$RUN/ktap.log"
rc=${PIPESTATUS[0]}
set -e
# Stopped before its plan (the runner itself died): say so.
if ! grep -q '^1\.\.[0-9]' "$RUN/ktap.log"; then
	echo "not ok 1 userspace_checks_completed # make check exited $rc before its plan" \
		>> "$RUN/ktap.log"
fi
echo "# mktest: boot $(basename "$RUN") done" >> "$RUN/ktap.log"
echo ok > "$RUN/status"
