#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# scripts/install-deps.sh - installs the Debian packages a make target needs.
# Usage: scripts/install-deps.sh build|test|bench|sanitize|clang|valgrind|fuzz|docs|rust|preload|guest ...
# As root, missing packages are installed (after apt-get update); otherwise
# the script lists them and fails for the test set, warns for optional ones.
set -euo pipefail

required=()
optional=()
for group in "$@"; do
  case "$group" in
    build) required+=(cmake make gcc pkg-config liburcu-dev) ;; # the libraries alone (make install)
    test) required+=(cmake make gcc pkg-config libcmocka-dev binutils liburcu-dev)
      if [ "$(uname -m)" = x86_64 ]; then required+=(libcapstone-dev); fi ;; # test_jit_disasm
    sanitize) required+=(gcc) ;;
    clang) required+=(clang) ;;
    valgrind) required+=(valgrind) ;;
    fuzz) required+=(clang libclang-rt-14-dev) ;; # libFuzzer (a Recommends of clang-14)
    bench) optional+=(gnuplot-nox dpdk-dev) ;;
    docs) required+=(doxygen) ;; # make docs: the API reference
    # make test-guest / bench-vhost: QEMU (TCG), busybox for the initramfs, a static libc for the guest program
    guest) required+=(qemu-system-x86 qemu-utils busybox-static cpio libc6-dev gcc) ;;
    # Rust: the crates in bindings/rust and the vm-memory peer of
    # vmmem-guest-bench. Debian's cargo only when no cargo is on PATH (a
    # rustup toolchain is fine); crate sources for the offline builds.
    rust) command -v cargo >/dev/null || required+=(cargo)
      required+=(librust-vm-memory-dev) ;;
    # make test-preload: real programs' own tests under libvmmem-preload.so
    # (Python's regression tests, compressor round trips; docs/preload.md).
    preload) required+=(libpython3.11-testsuite zstd xz-utils gzip) ;;
    *) echo "install-deps: unknown group '$group'" >&2; exit 2 ;;
  esac
done

missing() {
  local pkg out=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || out+=("$pkg")
  done
  echo "${out[@]:-}"
}

need_req=$(missing "${required[@]:-}")
need_opt=$(missing "${optional[@]:-}")
[ -z "$need_req$need_opt" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  echo "install-deps: installing $need_req $need_opt" >&2
  apt-get update -qq
  # shellcheck disable=SC2086
  [ -z "$need_req" ] || apt-get install -y -qq --no-install-recommends $need_req >/dev/null
  # shellcheck disable=SC2086
  [ -z "$need_opt" ] || apt-get install -y -qq --no-install-recommends $need_opt >/dev/null ||
    echo "install-deps: optional packages not installed: $need_opt" >&2
  exit 0
fi

if [ -n "$need_req" ]; then
  echo "install-deps: please install: sudo apt-get install $need_req" >&2
  exit 1
fi
echo "install-deps: optional packages missing (features skipped): $need_opt" >&2
