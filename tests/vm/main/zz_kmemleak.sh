#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Last test of the boot: after every KUnit suite and VM test ran, kmemleak
# finds no unreferenced object allocated by multikernel code.
f=/sys/kernel/debug/kmemleak
if [ ! -e $f ]; then
	echo "ok 1 kmemleak_clean # SKIP kmemleak not in this kernel"
	echo "1..1"
	exit 0
fi
echo scan > $f; sleep 5; echo scan > $f
leaks=$(grep -c '^unreferenced object' $f)
ours=$(grep -E -c 'mk_|multikernel' $f)
echo "# $leaks unreferenced objects in all, $ours multikernel frames"
grep -E -B12 'mk_|multikernel' $f | head -60 | sed 's/^/# /'
if [ "$ours" -eq 0 ]; then echo "ok 1 no_multikernel_leak"; else echo "not ok 1 no_multikernel_leak"; fi
echo "1..1"
[ "$ours" -eq 0 ]
