#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# scripts/test-rust.sh [BUILD_DIR] - the Rust crates in bindings/rust (vmmem-sys,
# vm-mem): cargo test (the report's three tests, sizes, offsets, overlap, error
# paths, GuestMemory) and both examples, first on the library that vmmem-sys's
# build.rs builds from this tree with CMake (also without the guest-memory
# feature), then on a copy of BUILD_DIR installed into a scratch prefix and
# found through pkg-config (shared libraries). CARGO picks the cargo (default:
# the first on PATH; CI has Debian's 1.65).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-build}" && pwd)
cargo=${CARGO:-cargo}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root/bindings/rust"
echo "-- $($cargo --version), $(rustc --version 2>/dev/null || echo 'rustc ?')"

echo "-- the tree, built by vmmem-sys with CMake"
export VMMEM_SYS_BUILD=cmake
$cargo test
$cargo run --example simd_memcpy_example
$cargo run --example memcpy_compare -- --quick
echo "-- without the guest-memory feature (libvmmem alone)"
$cargo test -p vm-mem --no-default-features

echo "-- an installed libvmmem, through pkg-config"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
libdir=$(dirname "$(find "$work/prefix" -name vmmem.pc | head -n1)")/..
export VMMEM_SYS_BUILD=pkg-config PKG_CONFIG_PATH=$libdir/pkgconfig LD_LIBRARY_PATH=$libdir
export CARGO_TARGET_DIR=$root/bindings/rust/target/pkg-config
$cargo test
$cargo run --example simd_memcpy_example | tee "$work/example.txt"
grep -q "libvmmem (pkg-config" "$work/example.txt" || { echo "test-rust: not linked through pkg-config" >&2; exit 1; }
echo "test-rust: ok"
