#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# scripts/test-cross.sh aarch64|s390x - cross-compiles with Debian's cross
# compiler and runs the whole test suite under qemu-user:
#   aarch64: little-endian ARM64, generic and NEON kernels, HWCAP detection;
#   s390x:   big-endian 64-bit, the portable kernels (where byte-order
#            mistakes show).
# As root, installs the cross compiler, qemu-user and the test libraries of
# that architecture (Debian multiarch) when missing. Copy sizes go up to
# 4 MiB instead of 64 MiB to keep emulation quick.
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:?usage: test-cross.sh aarch64|s390x}
case "$arch" in
  aarch64) deb=arm64 ;;
  s390x) deb=s390x ;;
  *) echo "test-cross: unknown architecture '$arch'" >&2; exit 2 ;;
esac
build=${BUILD_DIR:-build-$arch}

have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
pkgs=()
# The libraries the tests link, in the target's multiarch flavour.
test_libs=(libc6 libcmocka-dev liburcu-dev)
for p in "gcc-$arch-linux-gnu" "libc6-dev-$deb-cross" qemu-user "${test_libs[@]/%/:$deb}"; do
  have "$p" || pkgs+=("$p")
done
if [ ${#pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test-cross: please install: sudo dpkg --add-architecture $deb && sudo apt-get update && sudo apt-get install ${pkgs[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  dpkg --print-foreign-architectures | grep -qx "$deb" || dpkg --add-architecture "$deb"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE="cmake/toolchain-$arch-linux-gnu.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DVMMEM_WERROR=ON -DVMMEM_BUILD_BENCH=OFF
cmake --build "$build" -j"$(nproc)"
cd "$build" && VMMEM_TEST_MAX_SIZE=$((4 << 20)) ctest --output-on-failure -j"$(nproc)"
