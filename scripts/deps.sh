#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install everything the project needs, from Debian's archive only.
# Idempotent and quiet when all is there already; must run as root (or
# through sudo) the first time.
set -euo pipefail
. "$(dirname "$0")/common.sh"

PKGS=(
	build-essential bc bison flex libelf-dev libssl-dev dwarves
	ccache cpio xz-utils rsync kmod python3 perl
	sparse device-tree-compiler
	qemu-system-x86 busybox-static
	linux-source-6.12
	clang libclang-rt-14-dev llvm
	python3-sphinx python3-yaml graphviz
	python3-matplotlib
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

mk_log "installing: ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# linux-source-6.12 is published for bookworm in the security archive and
# in bookworm-backports; add backports so that either source provides it.
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	mk_log "adding bookworm-backports to apt sources"
	$SUDO tee /etc/apt/sources.list.d/mkvring-bookworm-backports.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

$SUDO apt-get update -q
# Prefer the newest 6.12 of whichever suite has it; never pin a version
# that the archive may have dropped.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
	--no-install-recommends "${missing[@]}"
