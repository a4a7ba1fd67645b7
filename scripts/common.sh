# SPDX-License-Identifier: GPL-2.0-only
# Shared settings of the project's scripts. Sourced, never run.

MK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Everything generated lives outside the git tree, so a clean clone stays
# clean and a second clone on the same machine reuses the same build.
MK_CACHE=${MK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mkvring}
MK_TARBALL=${MK_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
MK_SRC=$MK_CACHE/linux-6.12
MK_CCACHE_DIR=${CCACHE_DIR:-$MK_CACHE/ccache}
MK_JOBS=${MK_JOBS:-$(nproc)}

mk_log() { printf '[mk] %s\n' "$*" >&2; }
mk_die() { printf '[mk] error: %s\n' "$*" >&2; exit 1; }

# mk_build_dir CONFIG: the O= directory of one configuration (test, bench)
mk_build_dir() { printf '%s/build-%s\n' "$MK_CACHE" "$1"; }

# Checks that report as a boot does (lint.sh, series-check.sh):
#   mk_checks_begin NAME "$@"   takes --ktap RUNDIR from the arguments
#   mk_check RESULT LOGFILE     one result: ok if LOGFILE is empty
#   mk_checks_end               the plan; exit status 0 with --ktap (the
#                               results decide), else 1 if anything failed
mk_checks_begin() {
	MK_CHECKS=$1 MK_CHECKS_RUN= MK_CHECKS_N=0 MK_CHECKS_FAILED=0
	if [ "${2:-}" = --ktap ]; then
		MK_CHECKS_RUN=${3:?--ktap needs a directory}
		rm -rf "$MK_CHECKS_RUN"
		mkdir -p "$MK_CHECKS_RUN"
		: > "$MK_CHECKS_RUN/console.log"
	fi
}
mk_check() {
	local run=$MK_CHECKS_RUN
	MK_CHECKS_N=$((MK_CHECKS_N + 1))
	if [ -s "$2" ]; then
		MK_CHECKS_FAILED=1
		if [ -n "$run" ]; then
			echo "not ok $MK_CHECKS_N $1" >> "$run/ktap.log"
			sed 's/^/# /' "$2" >> "$run/ktap.log"
		fi
		echo "[$MK_CHECKS] $1:" >&2
		cat "$2" >&2
	else
		if [ -n "$run" ]; then echo "ok $MK_CHECKS_N $1" >> "$run/ktap.log"; fi
		echo "[$MK_CHECKS] $1: ok" >&2
	fi
}
mk_checks_end() {
	if [ -n "$MK_CHECKS_RUN" ]; then
		echo "1..$MK_CHECKS_N" >> "$MK_CHECKS_RUN/ktap.log"
		echo "# mktest: boot $MK_CHECKS done" >> "$MK_CHECKS_RUN/ktap.log"
		echo ok > "$MK_CHECKS_RUN/status"
		exit 0
	fi
	exit "$MK_CHECKS_FAILED"
}
