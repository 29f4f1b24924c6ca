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

# No libgnutls28-dev and no libnftables-dev: CRIU is built without either (see below).
deps=(build-essential pkgconf libprotobuf-c-dev protobuf-c-compiler libprotobuf-dev protobuf-compiler
  libcap-dev libnl-3-dev libnet1-dev libbsd-dev uuid-dev python3-protobuf
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
# CRIU links libgnutls (TLS for its page server, --tls) and libnftables (--network-lock nftables)
# whenever their headers are installed. thaw uses neither, and every criu run, one per restored worker,
# pays for loading them: 22 libraries instead of 8, gnutls' and p11-kit's constructors, 2.7-3.1 ms of CPU
# for `criu --version` against 0.8-1.3 ms without them (perf stat, 100 runs each). NO_GNUTLS=1 is CRIU's
# own switch; libnftables has none, so its Makefile asks pkg-config through a wrapper that does not
# know that library.
cat > pkg-config-no-nftables <<'WRAPPER'
#!/bin/sh
for a in "$@"; do case "$a" in libnftables*) exit 1 ;; esac; done
exec pkg-config "$@"
WRAPPER
chmod +x pkg-config-no-nftables
rc=0
make -C "$src" -j"$(nproc)" NO_GNUTLS=1 PKG_CONFIG="$PWD/pkg-config-no-nftables" criu >build.log 2>&1 || rc=$?
[ $rc = 0 ] || die "criu build failed (make exited with status $rc); see $WORK/build.log"
mkdir -p "$(dirname "$OUTPUT")"
install -m 0755 "$src/criu/criu" "$OUTPUT"
