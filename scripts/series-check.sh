#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# series-check.sh [--ktap RUNDIR]
#
# The upstream series as a maintainer receives it: write it
# (scripts/patches.py), run checkpatch --strict on every patch, apply it
# with git am to a pristine v6.12 tree (a git repository of the unpacked
# linux-source tarball, made once and kept in $MK_CACHE/pristine), then
# check out each step and build it with the test kernel's configuration
# (build-series): the multikernel directories that exist at that step and
# every kernel file the series edits. With --ktap, results go to
# RUNDIR/ktap.log as a boot's do, for ktap.py.
set -euo pipefail
. "$(dirname "$0")/common.sh"

mk_checks_begin series "$@"

TEST_BUILD=$(mk_build_dir test)
BUILD=$(mk_build_dir series)
PRISTINE=$MK_CACHE/pristine
OUT=$MK_CACHE/patches
[ -f "$TEST_BUILD/.config" ] || mk_die "build the test kernel first (make)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
result() { mk_check "$@"; }
finish() { mk_checks_end; }

"$MK_ROOT/scripts/prepare-tree.sh"
if ! MK_SRC=$MK_SRC python3 "$MK_ROOT/scripts/patches.py" "$OUT" > /dev/null 2> "$tmp/gen"; then
	result series_written "$tmp/gen"
	finish
fi
result series_written /dev/null
mapfile -t patches < <(ls "$OUT"/0*.patch | grep -v 0000-cover-letter)

# checkpatch in patch mode: commit messages, sign-off, MAINTAINERS, and the
# checks -f mode cannot make (Kconfig help, added files).
(cd "$MK_SRC" && ./scripts/checkpatch.pl --strict --quiet --show-types \
	--ignore UNDOCUMENTED_SETUP "${patches[@]}") > "$tmp/cp" 2>&1 || true
result series_checkpatch_strict "$tmp/cp"

# The pristine tree, once per tarball.
tar_id=$(stat -c '%s-%Y' "$MK_TARBALL")
if [ "$(cat "$PRISTINE/.git/mk-tarball" 2>/dev/null)" != "$tar_id" ]; then
	mk_log "making a git repository of the pristine source in $PRISTINE"
	rm -rf "$PRISTINE" "$PRISTINE.tmp"
	mkdir -p "$PRISTINE.tmp"
	tar -xJf "$MK_TARBALL" -C "$PRISTINE.tmp" --strip-components=1
	git -C "$PRISTINE.tmp" init -q
	# -f: Debian's .gitignore ignores the top level of its own tarball.
	git -C "$PRISTINE.tmp" add -A -f
	git -C "$PRISTINE.tmp" -c user.name=mk -c user.email=mk@localhost \
		commit -q -m "linux-source-6.12 as unpacked"
	git -C "$PRISTINE.tmp" tag base
	echo "$tar_id" > "$PRISTINE.tmp/.git/mk-tarball"
	mv "$PRISTINE.tmp" "$PRISTINE"
fi
g() { git -C "$PRISTINE" -c user.name=mk -c user.email=mk@localhost "$@"; }
g am --abort > /dev/null 2>&1 || true
g checkout -q -f --detach base
g clean -q -fdx
if ! g am -q --whitespace=error-all "${patches[@]}" > "$tmp/am" 2>&1; then
	g am --abort > /dev/null 2>&1 || true
	result series_git_am "$tmp/am"
	finish
fi
result series_git_am /dev/null
g branch -q -f series HEAD

# What every step builds: the multikernel directories it has, and the
# object of every kernel file the series edits that the test kernel builds.
mapfile -t steps < <(g rev-list --reverse base..HEAD)
mapfile -t edited < <(g diff --name-only --diff-filter=M base HEAD -- '*.c')
# enabled OBJ: whether this step's configuration builds OBJ (its
# Makefile's obj-y, or obj-$(CONFIG_X) with X set).
enabled() {
	python3 - "$PRISTINE/${1%/*}/Makefile" "${1##*/}" "$BUILD/.config" <<'PY'
import re, sys
mk, obj, cfg = sys.argv[1:]
text = open(mk).read().replace('\\\n', ' ')
conf = open(cfg).read()
for m in re.finditer(r'^obj-(?:\$\(CONFIG_(\w+)\)|(y))\s*[+:]?=(.*)$', text, re.M):
    if obj in m.group(3).split():
        if m.group(2) or re.search(r'^CONFIG_%s=[ym]$' % m.group(1), conf, re.M):
            sys.exit(0)
sys.exit(1)
PY
}
LOGS=$MK_CACHE/series-logs
rm -rf "$LOGS"
mkdir -p "$LOGS"
export CCACHE_DIR=$MK_CCACHE_DIR
MAKE=(make -C "$PRISTINE" O="$BUILD" -j"$MK_JOBS" -s CC="ccache gcc" HOSTCC="ccache gcc")
mkdir -p "$BUILD"
k=0
for c in "${steps[@]}"; do
	k=$((k + 1))
	name=$(printf 'series_step_%02d_builds' "$k")
	g checkout -q -f --detach "$c"
	cp "$TEST_BUILD/.config" "$BUILD/.config"
	"${MAKE[@]}" olddefconfig > "$tmp/build" 2>&1 || echo "olddefconfig failed" >> "$tmp/build"
	targets=()
	for f in "${edited[@]}"; do
		enabled "${f%.c}.o" && targets+=("${f%.c}.o")
	done
	for d in arch/x86/multikernel kernel/multikernel drivers/multikernel; do
		[ -d "$PRISTINE/$d" ] && targets+=("$d/")
	done
	echo "targets: ${targets[*]}" >> "$tmp/build"
	"${MAKE[@]}" "${targets[@]}" >> "$tmp/build" 2>&1 || echo "build failed" >> "$tmp/build"
	cp "$tmp/build" "$LOGS/step-$k.log"
	# The kernel's own files warn about frame sizes under KASAN; what
	# counts is an error anywhere and a warning in what the series adds.
	grep -E 'error|failed|multikernel.*warning|warning:.*multikernel' "$tmp/build" \
		> "$tmp/step" || true
	if [ -s "$tmp/step" ]; then
		echo "step $k: $(g log -1 --format=%s "$c") (log: $LOGS/step-$k.log)" |
			cat - "$tmp/step" > "$tmp/step2"
		mv "$tmp/step2" "$tmp/step"
	fi
	result "$name" "$tmp/step"
done
g checkout -q -f --detach base
finish
