#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-checks.sh OUT 'BUILD COMMAND': build the userspace programs into OUT
# with BUILD COMMAND (what make check passes), then run every check. One
# KTAP stream on stdout: the build and single checks as top-level results,
# each program's own results indented under "# Subtest: NAME" followed by
# one result for the program (its exit status). Progress on stderr. Exit
# status 1 if anything failed.
#
# FUZZ_TIME: seconds of the bounded fuzz run (60).
set -u

OUT=${1:?usage: run-checks.sh OUT BUILD-COMMAND}
BUILD=${2:?usage: run-checks.sh OUT BUILD-COMMAND}
FUZZ_TIME=${FUZZ_TIME:-60}

# Sanitizers: stop at the first report, with a stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:exitcode=66}

n=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

log() { printf '[vring] %s\n' "$*" >&2; }

result() { # ok|fail, name, [comment]
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n $2"
	else
		failed=1
		echo "not ok $n $2${3:+ # $3}"
	fi
}

seconds() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(seconds)" 'BEGIN { printf "%.1f", b - a }'; }

# program NAME TIMEOUT CMD...: a program that prints its own KTAP results.
program() {
	local name=$1 limit=$2 t0 status
	shift 2
	log "$name: $*"
	echo "    # Subtest: $name"
	t0=$(seconds)
	timeout -k 5 "$limit" "$@" > "$tmp/out" 2> "$tmp/err"
	status=$?
	sed 's/^/    /' "$tmp/out"
	sed 's/^/    # /' "$tmp/err" | head -n 200
	echo "    # $name: $* ($(took "$t0") s)"
	if [ $status -eq 0 ]; then
		result ok "$name"
	elif [ $status -eq 124 ] || [ $status -eq 137 ]; then
		result fail "$name" "timed out after $limit s"
	else
		result fail "$name" "exit status $status"
	fi
	log "$name: exit status $status, $(took "$t0") s"
}

# The stream test's own stall detection works: a lost doorbell must be
# reported as a stall, never hidden by a spurious wakeup nor hang.
stall_detected() {
	local t0 status
	log "stall_detected: vring_stream loses every 500th doorbell"
	t0=$(seconds)
	timeout -k 5 60 "$OUT/vring_stream" -n 200000 -L 500 -w 300 > "$tmp/out" 2>&1
	status=$?
	sed 's/^/# /' "$tmp/out"
	echo "# stall_detected: exit status $status ($(took "$t0") s)"
	if [ $status -ne 0 ] && [ $status -ne 124 ] &&
	   grep -q '^not ok [0-9]* no_stall' "$tmp/out"; then
		result ok stall_detected
	else
		result fail stall_detected "a lost doorbell went unnoticed"
	fi
}

# Every input that once broke the engine (regress/) must pass for ever.
regress() {
	local f failed=
	for f in "$(dirname "$0")"/regress/*; do
		[ -e "$f" ] || continue
		if ! "$OUT/vring_fuzz" "$f" > "$tmp/out" 2>&1; then
			grep -v '^INFO' "$tmp/out" | head -n 20 | sed 's/^/# /'
			failed="$failed $(basename "$f")"
		fi
	done
	if [ -z "$failed" ]; then
		result ok fuzz_regressions
	else
		result fail fuzz_regressions "failing:$failed"
	fi
}

# A bounded run of the fuzzer, from the seeds and the corpus of earlier runs.
fuzz() {
	local name=fuzz_${FUZZ_TIME}s t0 status
	mkdir -p "$OUT/corpus" "$OUT/artifacts"
	log "$name: vring_fuzz -max_total_time=$FUZZ_TIME"
	t0=$(seconds)
	timeout -k 5 $((FUZZ_TIME + 120)) "$OUT/vring_fuzz" -max_total_time="$FUZZ_TIME" \
		-print_final_stats=1 -artifact_prefix="$OUT/artifacts/" \
		"$OUT/corpus" "$OUT/seeds" > "$tmp/out" 2>&1
	status=$?
	if [ $status -eq 0 ]; then
		grep -E '^(Done|stat::(number_of_executed_units|new_units_added|peak_rss_mb))' \
			"$tmp/out" | sed 's/^/# /'
		grep -E '^#[0-9]+' "$tmp/out" | tail -n 1 | sed 's/^/# /'
	else
		grep -v -E '^#[0-9]+' "$tmp/out" | tail -n 80 | sed 's/^/# /'
	fi
	echo "# $name: corpus $(ls "$OUT/corpus" | wc -l) inputs ($(took "$t0") s)"
	if [ $status -eq 0 ]; then
		result ok "$name"
	else
		result fail "$name" "exit status $status; reproducer in $OUT/artifacts/"
	fi
	log "$name: exit status $status, $(took "$t0") s"
}

T0=$(seconds)
echo "KTAP version 1"

# Every build, gcc -Werror and clang; what the compilers say as comments.
log "build: $BUILD"
if $BUILD > "$tmp/out" 2>&1; then
	echo "# build: $(took "$T0") s"
	result ok build
else
	sed 's/^/# /' "$tmp/out" | tail -n 100
	result fail build "see the compiler output above"
fi

# gcc -O2: the unit tests, and streams between two processes.
program vring_test 60 "$OUT/vring_test"
program stream_random 120 "$OUT/vring_stream" -m 4096
program stream_64B 120 "$OUT/vring_stream" -s 64
program stream_1KiB 120 "$OUT/vring_stream" -s 1024
program stream_batched 120 "$OUT/vring_stream" -m 1024 -B 16 -P 16
# Two slots and 256 bytes: the sender waits for room on every message.
program stream_tiny_ring 120 "$OUT/vring_stream" -r 2 -b 256 -m 100 -n 100000
# max_msg = data_size = 64 KiB, which mkv_dir_check() and the link allow.
program stream_max_msg_is_area 120 "$OUT/vring_stream" -b 64K -m 64K -n 20000
stall_detected

# AddressSanitizer + UndefinedBehaviorSanitizer (clang).
program asan_vring_test 120 "$OUT/asan/vring_test"
program asan_stream_random 180 "$OUT/asan/vring_stream" -n 500000
program asan_stream_tiny_ring 180 "$OUT/asan/vring_stream" -r 2 -b 256 -m 100 -n 100000

# ThreadSanitizer: the two ends as threads of one process. The region
# mapped twice (one view per end, as between processes), then mapped once:
# TSan tracks memory by address, so only with one view does it see the two
# ends share the rings and the payload.
program tsan_vring_test 120 "$OUT/tsan/vring_test"
program tsan_stream_two_views 180 "$OUT/tsan/vring_stream" -T -M 2 -n 200000
program tsan_stream_one_view 180 "$OUT/tsan/vring_stream" -T -M 1 -n 200000
program tsan_stream_tiny_ring 180 "$OUT/tsan/vring_stream" -T -M 1 -r 2 -b 256 -m 100 -n 100000

regress
fuzz

echo "1..$n"
echo "# vring checks: $(took "$T0") s"
log "done in $(took "$T0") s"
exit $failed
