#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# check.sh MKRTT: what a user of mkrtt relies on, on any machine (pipe
# only: rpmsg needs the transport's kernel, the bench boot runs it). KTAP
# on stdout, exit status 1 if anything failed. No timing is asserted: the
# checks are the exit status, the rounds, every size's row and the CSVs.
set -u
MKRTT=${1:?usage: check.sh MKRTT}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

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
# run NAME ARGS...: mkrtt ARGS, its stdout in $tmp/NAME.out, stderr in
# $tmp/NAME.err, exit status in $tmp/NAME.rc
run() {
	local name=$1
	shift
	"$MKRTT" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
	echo $? > "$tmp/$name.rc"
	sed "s/^/# $name: /" "$tmp/$name.out" "$tmp/$name.err"
}
rc() { cat "$tmp/$1.rc"; }

echo "KTAP version 1"
run rtt pipe -n 40 -r 4 --warmup 5 -s 16,4K --csv "$tmp/rtt.csv" \
	--cdf "$tmp/cdf.csv"
check pipe_exits_0 "[ \$(rc rtt) = 0 ]"
check header_says_rounds \
	"grep -q '^round trips in microseconds: 40 per size in 4 rounds after 5 warm-up' $tmp/rtt.out"
check a_row_per_size \
	"[ \"\$(awk '\$2 == \"pipe\" { print \$1 }' $tmp/rtt.out | paste -sd,)\" = 16,4096 ]"
check csv_every_trip_counted \
	"[ \"\$(grep -c '^pipe,[0-9]*,ok,40,' $tmp/rtt.csv)\" = 2 ]"
# 54 quantiles per size, and the last (the maximum) is the largest.
check cdf_54_quantiles_per_size \
	"[ \"\$(grep -c '^pipe,16,' $tmp/cdf.csv)\" = 54 ] && [ \"\$(grep -c '^pipe,4096,' $tmp/cdf.csv)\" = 54 ]"
check cdf_ends_at_max \
	"awk -F, 'NR > 1 && \$2 == 16 { if (\$4 + 0 < last) bad = 1; last = \$4 + 0 } END { exit bad }' $tmp/cdf.csv"

run fewer pipe -n 3 -s 16
check default_rounds_at_most_count \
	"[ \$(rc fewer) = 0 ] && grep -q ' 3 per size in 3 rounds ' $tmp/fewer.out"
run over pipe -n 40 -r 41 -s 16
check rounds_over_count_is_usage \
	"[ \$(rc over) = 2 ] && grep -q 'bad rounds 41: at most the count, 40' $tmp/over.err"
run zero pipe -r 0 -s 16
check rounds_0_is_usage "[ \$(rc zero) = 2 ] && grep -q 'bad rounds' $tmp/zero.err"
run size pipe -n 10 -s 0
check size_0_is_usage "[ \$(rc size) = 2 ] && [ ! -s $tmp/size.out ]"

echo "1..$n"
exit $failed
