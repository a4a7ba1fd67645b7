#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kbuild.sh CONFIG [make targets...]
#
# Build the kernel with this tree overlaid, in configuration CONFIG (test or
# bench). Steps, each done only when its input changed:
#   1-3. scripts/prepare-tree.sh: unpack, hook edits, overlay;
#   4. configure: tinyconfig + scripts/config/base.config + CONFIG.config,
#      checked symbol by symbol;
#   5. make bzImage modules (or the targets given) with ccache.
set -euo pipefail
. "$(dirname "$0")/common.sh"

CFG=${1:?usage: kbuild.sh test|bench [make targets...]}
shift
[ -f "$MK_ROOT/scripts/config/$CFG.config" ] || mk_die "no configuration '$CFG'"
BUILD=$(mk_build_dir "$CFG")
mkdir -p "$MK_CACHE" "$BUILD"

"$MK_ROOT/scripts/prepare-tree.sh"

# 4. Configuration ------------------------------------------------------------
# A fragment may start from another: a line "# include: NAME" merges
# NAME.config before it.
frags=("$MK_ROOT/scripts/config/base.config")
inc=$(sed -n 's/^# include: *//p' "$MK_ROOT/scripts/config/$CFG.config")
[ -z "$inc" ] || frags+=("$MK_ROOT/scripts/config/$inc.config")
frags+=("$MK_ROOT/scripts/config/$CFG.config")
cfg_sum=$(cat "${frags[@]}" "$MK_SRC/.mk-hooks" | sha256sum | cut -d' ' -f1)
MAKE=(make -C "$MK_SRC" O="$BUILD" -j"$MK_JOBS" -s
      CC="ccache gcc" HOSTCC="ccache gcc"
      KBUILD_BUILD_USER=mk KBUILD_BUILD_HOST=mkvring
      KBUILD_BUILD_TIMESTAMP="2025-01-01 00:00:00 UTC")
export CCACHE_DIR=$MK_CCACHE_DIR CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# Kconfig and Makefile edits reconfigure by themselves; a changed fragment
# needs a fresh merge.
if [ "$(cat "$BUILD/.mk-config" 2>/dev/null)" != "$cfg_sum" ] || [ ! -f "$BUILD/.config" ]; then
	mk_log "configuring $CFG"
	"${MAKE[@]}" tinyconfig >/dev/null
	KCONFIG_CONFIG="$BUILD/.config" "$MK_SRC/scripts/kconfig/merge_config.sh" \
		-m -O "$BUILD" "$BUILD/.config" "${frags[@]}" >/dev/null
	"${MAKE[@]}" olddefconfig >/dev/null
	# Every symbol the fragments ask for must have taken: a dependency
	# that silently dropped KASAN or lockdep would make tests meaningless.
	bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) want=$line ;;
		"# CONFIG_"*" is not set") want=$line ;;
		*) continue ;;
		esac
		sym=${want#\# }; sym=${sym%%[= ]*}
		got=$(grep -E "^($sym=|# $sym is not set)" "$BUILD/.config" || echo "# $sym is not set")
		if [ "$got" != "$want" ]; then
			mk_log "config: asked '$want', got '$got'"
			bad=1
		fi
	done < <(cat "${frags[@]}")
	[ $bad -eq 0 ] || mk_die "configuration $CFG does not match its fragments"
	echo "$cfg_sum" > "$BUILD/.mk-config"
fi

# 5. Build ---------------------------------------------------------------------
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(bzImage modules)
mk_log "building $CFG: ${targets[*]}"
"${MAKE[@]}" "${targets[@]}"
