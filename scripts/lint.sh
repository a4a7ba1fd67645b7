#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# lint.sh [--ktap RUNDIR]
#
# The kernel's own checks on our code: checkpatch.pl --strict on every C
# file and header, kernel-doc warnings, and a build of our directories with
# sparse (C=2) and W=1 in a separate build directory (so the test build's
# objects keep their flags); then the kernel files the vector hook edits,
# built with FRED on and the doorbell off (build-fred-nomk: tinyconfig and
# scripts/config/fred-nomk.config); and the transport and rpmsg bus with
# the x86 doorbell off (build-noipi); calls between our files without a
# cycle (scripts/cycles.py); and make htmldocs of
# Documentation/multikernel/ (build-docs). With --ktap, results go to
# RUNDIR/ktap.log in the format of a VM boot, for ktap.py; otherwise to the
# terminal, with a non-zero exit status if anything is reported.
set -euo pipefail
. "$(dirname "$0")/common.sh"

mk_checks_begin lint "$@"

TEST_BUILD=$(mk_build_dir test)
LINT_BUILD=$(mk_build_dir lint)
[ -f "$TEST_BUILD/.config" ] || mk_die "build the test kernel first (make)"

"$MK_ROOT/scripts/prepare-tree.sh"
cd "$MK_ROOT"
mapfile -t csrc < <(find arch kernel drivers include -name '*.[ch]' | sort)
dirs=(arch/x86/multikernel/ kernel/multikernel/ drivers/multikernel/)

result() { mk_check "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# checkpatch runs inside the kernel tree, where our files are overlaid, so
# that it knows the tree (spelling list, includes, Kconfig checks).
# UNDOCUMENTED_SETUP only credits documentation added by the same patch,
# which -f mode never has; scripts/hooks/0005 documents our parameters.
(cd "$MK_SRC" && ./scripts/checkpatch.pl --strict --quiet --no-summary \
	--show-types --ignore UNDOCUMENTED_SETUP -f "${csrc[@]}") \
	> "$tmp/checkpatch" 2>&1 || true
result checkpatch_strict "$tmp/checkpatch"

(cd "$MK_SRC" && ./scripts/kernel-doc -none -Wall "${csrc[@]}") \
	> "$tmp/kerneldoc" 2>&1 || true
result kernel_doc "$tmp/kerneldoc"

# sparse and W=1: a build of our directories only, in its own directory.
mkdir -p "$LINT_BUILD"
if ! cmp -s "$TEST_BUILD/.config" "$LINT_BUILD/.config"; then
	cp "$TEST_BUILD/.config" "$LINT_BUILD/.config"
fi
export CCACHE_DIR=$MK_CCACHE_DIR
MAKE=(make -C "$MK_SRC" O="$LINT_BUILD" -j"$MK_JOBS" -s CC="ccache gcc" HOSTCC="ccache gcc")
"${MAKE[@]}" olddefconfig >/dev/null
"${MAKE[@]}" prepare >/dev/null 2>&1
# Forget our objects so that every file is checked, not just changed ones.
for d in "${dirs[@]}"; do
	find "$LINT_BUILD/$d" -name '*.o' -delete 2>/dev/null || true
done
"${MAKE[@]}" C=2 W=1 "${dirs[@]}" > "$tmp/build" 2>&1 || echo "build failed" >> "$tmp/build"
grep -E 'warning|error|failed' "$tmp/build" > "$tmp/sparse" || true
result sparse_and_w1 "$tmp/sparse"

# The vector hook with FRED on and CONFIG_X86_MULTIKERNEL off: 0xea is then
# below FIRST_SYSTEM_VECTOR, and no entry of FRED's system-vector table may
# name it. None of our configurations has FRED, so only this builds it.
fred_check() {
	local build frag sum
	build=$(mk_build_dir fred-nomk)
	frag=$MK_ROOT/scripts/config/fred-nomk.config
	local make=(make -C "$MK_SRC" O="$build" -j"$MK_JOBS" -s CC="ccache gcc" HOSTCC="ccache gcc")

	mkdir -p "$build"
	sum=$(cat "$frag" "$MK_SRC/.mk-hooks" | sha256sum | cut -d' ' -f1)
	if [ "$(cat "$build/.mk-config" 2>/dev/null)" != "$sum" ] || [ ! -f "$build/.config" ]; then
		"${make[@]}" tinyconfig >/dev/null || return 1
		KCONFIG_CONFIG="$build/.config" "$MK_SRC/scripts/kconfig/merge_config.sh" \
			-m -O "$build" "$build/.config" "$frag" >/dev/null || return 1
		"${make[@]}" olddefconfig >/dev/null || return 1
		echo "$sum" > "$build/.mk-config"
	fi
	if ! grep -qx 'CONFIG_X86_FRED=y' "$build/.config" ||
	   grep -q '^CONFIG_X86_MULTIKERNEL=y' "$build/.config"; then
		echo "configuration failed: FRED must be on, X86_MULTIKERNEL off"
		return 1
	fi
	"${make[@]}" arch/x86/entry/entry_fred.o arch/x86/kernel/idt.o arch/x86/kernel/irq.o
}
fred_check > "$tmp/fred_build" 2>&1 || echo "build failed" >> "$tmp/fred_build"
grep -E 'warning|error|failed' "$tmp/fred_build" > "$tmp/fred" || true
result fred_without_multikernel "$tmp/fred"

# The doorbell seam: the transport and the rpmsg bus with no x86 doorbell
# at all (CONFIG_X86_MULTIKERNEL off, so no IPI backend and no instances;
# only the polling backend), from the test configuration.
noipi_check() {
	local build
	build=$(mk_build_dir noipi)
	local make=(make -C "$MK_SRC" O="$build" -j"$MK_JOBS" -s CC="ccache gcc" HOSTCC="ccache gcc")

	mkdir -p "$build"
	cp "$TEST_BUILD/.config" "$build/.config"
	"$MK_SRC/scripts/config" --file "$build/.config" -d X86_MULTIKERNEL
	"${make[@]}" olddefconfig >/dev/null || return 1
	if grep -q '^CONFIG_X86_MULTIKERNEL=y\|^CONFIG_MULTIKERNEL_DOORBELL_IPI=y' "$build/.config" ||
	   ! grep -q '^CONFIG_MULTIKERNEL_RPMSG=y' "$build/.config"; then
		echo "configuration failed: the transport and rpmsg without X86_MULTIKERNEL"
		return 1
	fi
	"${make[@]}" kernel/multikernel/ drivers/multikernel/
}
noipi_check > "$tmp/noipi_build" 2>&1 || echo "build failed" >> "$tmp/noipi_build"
grep -E 'warning|error|failed' "$tmp/noipi_build" > "$tmp/noipi" || true
result transport_without_x86_doorbell "$tmp/noipi"

# No two files of ours call each other in a loop (scripts/cycles.py, from
# the symbols the test build's objects define and use).
(cd "$MK_CACHE" && python3 "$MK_ROOT/scripts/cycles.py" "$TEST_BUILD" "${dirs[@]%/}") \
	> "$tmp/cycles" 2>&1 || true
result no_call_cycles_between_files "$tmp/cycles"

# The kernel's own documentation build of Documentation/multikernel/
# (Sphinx, with the kernel-doc comments it pulls in from the code).
htmldocs_check() {
	local build
	build=$(mk_build_dir docs)
	mkdir -p "$build"
	# -E: read every file again, so that a warning is never hidden by
	# an earlier run's saved environment.
	make -C "$MK_SRC" O="$build" SPHINXDIRS=multikernel SPHINXOPTS=-E htmldocs
}
htmldocs_check > "$tmp/htmldocs_build" 2>&1 || echo "htmldocs failed" >> "$tmp/htmldocs_build"
grep -iE 'warning|error|failed' "$tmp/htmldocs_build" > "$tmp/htmldocs" || true
result htmldocs "$tmp/htmldocs"

mk_checks_end
