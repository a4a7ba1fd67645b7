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
