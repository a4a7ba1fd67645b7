#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# prepare-tree.sh: make $MK_SRC the kernel source with this tree in it.
# Each step runs only when its input changed:
#   1. unpack linux-source-6.12 into $MK_SRC (once);
#   2. apply scripts/hooks/*.patch to pristine copies of the files they touch
#      and write a file back only if its content changed;
#   3. copy our directories in (content compared, so untouched files keep
#      their timestamps and make rebuilds nothing), removing files that left
#      the repository.
set -euo pipefail
. "$(dirname "$0")/common.sh"

mkdir -p "$MK_CACHE"

# 1. Source tree -------------------------------------------------------------
[ -f "$MK_TARBALL" ] || mk_die "$MK_TARBALL missing: run scripts/deps.sh"
tar_id=$(stat -c '%s-%Y' "$MK_TARBALL")
if [ "$(cat "$MK_SRC/.mk-tarball" 2>/dev/null)" != "$tar_id" ]; then
	mk_log "unpacking $MK_TARBALL into $MK_SRC"
	rm -rf "$MK_SRC" "$MK_SRC.tmp"
	mkdir -p "$MK_SRC.tmp"
	tar -xJf "$MK_TARBALL" -C "$MK_SRC.tmp" --strip-components=1
	mkdir -p "$MK_SRC.tmp/.mk-orig"
	echo "$tar_id" > "$MK_SRC.tmp/.mk-tarball"
	mv "$MK_SRC.tmp" "$MK_SRC"
fi

# install_if_changed SRC DST: copy SRC to DST unless DST has the same bytes
install_if_changed() {
	if ! cmp -s "$1" "$2"; then
		mkdir -p "$(dirname "$2")"
		cp "$1" "$2"
		return 0
	fi
	return 1
}

# 2. Hook edits --------------------------------------------------------------
hooks=("$MK_ROOT"/scripts/hooks/*.patch)
hook_sum=$(cat "${hooks[@]}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$MK_SRC/.mk-hooks" 2>/dev/null)" != "$hook_sum" ]; then
	stage=$(mktemp -d)
	trap 'rm -rf "$stage"' EXIT
	# Every file any hook touches, now or in an earlier run.
	files=$( (sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "${hooks[@]}"
		  cat "$MK_SRC/.mk-hooked-files" 2>/dev/null || true) | sort -u)
	for f in $files; do
		if [ ! -f "$MK_SRC/.mk-orig/$f" ] && [ -f "$MK_SRC/$f" ]; then
			mkdir -p "$(dirname "$MK_SRC/.mk-orig/$f")"
			cp -p "$MK_SRC/$f" "$MK_SRC/.mk-orig/$f"
		fi
		if [ -f "$MK_SRC/.mk-orig/$f" ]; then
			mkdir -p "$(dirname "$stage/$f")"
			cp "$MK_SRC/.mk-orig/$f" "$stage/$f"
		fi
	done
	for h in "${hooks[@]}"; do
		patch -d "$stage" -p1 -s --no-backup-if-mismatch -i "$h" ||
			mk_die "hook $(basename "$h") does not apply to $(basename "$MK_TARBALL")"
	done
	for f in $files; do
		if install_if_changed "$stage/$f" "$MK_SRC/$f"; then
			mk_log "hook: updated $f"
		fi
	done
	echo "$files" > "$MK_SRC/.mk-hooked-files"
	echo "$hook_sum" > "$MK_SRC/.mk-hooks"
	rm -rf "$stage"
	trap - EXIT
fi

# 3. Overlay -----------------------------------------------------------------
# Our directories, at the place they would have upstream; the top-level
# Kconfig becomes Kconfig.multikernel, which the drivers/Kconfig hook sources.
overlay_list() {
	(cd "$MK_ROOT" && find arch kernel drivers include Documentation \
		-type f ! -name '*.o' ! -name '.*' 2>/dev/null | sort)
}
new_manifest=$(mktemp)
overlay_list > "$new_manifest"
while read -r f; do
	install_if_changed "$MK_ROOT/$f" "$MK_SRC/$f" || true
done < "$new_manifest"
install_if_changed "$MK_ROOT/Kconfig" "$MK_SRC/Kconfig.multikernel" || true
if [ -f "$MK_SRC/.mk-manifest" ]; then
	# Files that left the repository leave the kernel tree too.
	comm -23 "$MK_SRC/.mk-manifest" "$new_manifest" | while read -r f; do
		mk_log "overlay: removing $f"
		rm -f "$MK_SRC/$f"
	done
fi
mv "$new_manifest" "$MK_SRC/.mk-manifest"

