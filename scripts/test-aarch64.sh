#!/usr/bin/env bash
# scripts/test-aarch64.sh - cross-compiles for AArch64 with Debian's
# gcc-aarch64-linux-gnu and runs the whole test suite under qemu-aarch64
# (generic and NEON kernels, HWCAP detection). As root, installs the cross
# compiler, qemu-user, cmocka and liburcu for arm64 (multiarch) when missing.
# Copy sizes go up to 4 MiB instead of 64 MiB to keep emulation quick.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-aarch64}

have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
pkgs=()
for p in gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user libcmocka-dev:arm64 liburcu-dev:arm64; do
  have "$p" || pkgs+=("$p")
done
if [ ${#pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test-aarch64: please install: sudo dpkg --add-architecture arm64 && sudo apt-get update && sudo apt-get install ${pkgs[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64-linux-gnu.cmake \
  -DCMAKE_BUILD_TYPE=Release -DVMMEM_WERROR=ON -DVMMEM_BUILD_BENCH=OFF
cmake --build "$build" -j"$(nproc)"
cd "$build" && VMMEM_TEST_MAX_SIZE=$((4 << 20)) ctest --output-on-failure -j"$(nproc)"
