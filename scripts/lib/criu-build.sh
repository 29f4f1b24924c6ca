#!/usr/bin/env bash
# Builds CRIU from Debian's source package with thaw's patch series (criu/patches) applied. One
# recipe for both places that need it: scripts/setup on a host, and deploy/Dockerfile's criu stage
# in the image. Installs the build dependencies it lacks with apt-get.
#
#   criu-build.sh PATCH_DIR WORK_DIR OUTPUT      (CRIU_SRC_VERSION, default 4.2.1)
#
# WORK_DIR keeps the downloaded tarball (a second build does not fetch it again), patch.log and
# build.log; OUTPUT is where the built binary is installed. Exits non-zero with one line naming
# what failed and the log to read.
set -euo pipefail
CRIU_SRC_VERSION=${CRIU_SRC_VERSION:-4.2.1}
die() { printf 'criu-build: error: %s\n' "$*" >&2; exit 1; }
[ $# = 3 ] || die "usage: criu-build.sh PATCH_DIR WORK_DIR OUTPUT"
PATCHES=$(cd "$1" && pwd) WORK=$2 OUTPUT=$3
compgen -G "$PATCHES/*.patch" >/dev/null || die "no CRIU patches in $PATCHES"

deps=(build-essential pkgconf libprotobuf-c-dev protobuf-c-compiler libprotobuf-dev protobuf-compiler
  libcap-dev libnl-3-dev libnet1-dev libbsd-dev libgnutls28-dev libnftables-dev uuid-dev python3-protobuf
  python3 dpkg-dev xz-utils patch ca-certificates)
missing=()
for p in "${deps[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
# The 4.2.x sources come from sid, as a deb-src entry only, so that no sid binary package can ever be
# installed by accident.
list=/etc/apt/sources.list.d/thaw-criu-src.list
if [ ${#missing[@]} -gt 0 ] || [ ! -f "$list" ]; then
  echo "deb-src http://deb.debian.org/debian sid main" > "$list"
  apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$WORK" && cd "$WORK"
orig="criu_${CRIU_SRC_VERSION}.orig.tar.xz" src="criu-$CRIU_SRC_VERSION"
if [ ! -f "$orig" ]; then
  # The archive may answer 404 for the .debian.tar.xz, so apt-get source exits non-zero even though
  # the orig tarball (all the build needs) arrived: judge by the file, not by the exit code.
  apt-get source --download-only "criu=${CRIU_SRC_VERSION}-1" >/dev/null 2>&1 || true
  [ -f "$orig" ] || die "could not download $orig from Debian's sources (is deb.debian.org reachable?)"
fi
rm -rf "$src" && tar xf "$orig"
: > patch.log
for p in "$PATCHES"/*.patch; do
  patch -d "$src" -p1 --forward < "$p" >>patch.log 2>&1 || die "$(basename "$p") does not apply to criu $CRIU_SRC_VERSION; see $WORK/patch.log"
done
rc=0
make -C "$src" -j"$(nproc)" criu >build.log 2>&1 || rc=$?
[ $rc = 0 ] || die "criu build failed (make exited with status $rc); see $WORK/build.log"
mkdir -p "$(dirname "$OUTPUT")"
install -m 0755 "$src/criu/criu" "$OUTPUT"
