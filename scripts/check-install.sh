#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# scripts/check-install.sh BUILD_DIR - the library as others get it:
#  1. installs BUILD_DIR into a scratch prefix and builds tests/consumer
#     against it with pkg-config and with CMake's find_package(vmmem), shared
#     and static, for libvmmem and (when built) libvmmem-vm; runs each;
#  2. a plain `cmake -S . -B b && cmake --build b && cmake --install b` from
#     this tree with the test dependencies hidden (pkg-config sees liburcu
#     only: no cmocka, no Capstone) and no -Werror: it must configure, build
#     and install without them, build no test, and the result must serve the
#     consumers; -DVMMEM_BUILD_TESTS=ON in the same state must fail, which
#     shows the dependencies really were hidden;
#  3. a tiny project that vendors the tree with add_subdirectory(): only the
#     libraries are built (no tests, benchmarks, examples, tools, fuzzers),
#     its own empty build type stays empty, and its programs run.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jobs=$(nproc 2>/dev/null || echo 2)

# consumers PREFIX: builds and runs tests/consumer against an install.
consumers() {
  local prefix=$1 libdir
  libdir=$(dirname "$(find "$prefix" -name vmmem.pc | head -n1)")/..
  echo "-- pkg-config ($prefix)"
  cc -std=c11 -Wall -Werror "$root/tests/consumer/consumer.c" \
    $(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags --libs vmmem) -o "$work/pc_consumer"
  LD_LIBRARY_PATH=$libdir "$work/pc_consumer"
  if [ -f "$libdir/pkgconfig/vmmem-vm.pc" ]; then
    echo "-- pkg-config vmmem-vm"
    cc -std=c11 -Wall -Werror "$root/tests/consumer/consumer_vm.c" \
      $(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags --libs vmmem-vm) -o "$work/pc_consumer_vm"
    LD_LIBRARY_PATH=$libdir "$work/pc_consumer_vm"
  fi
  echo "-- find_package(vmmem) ($prefix)"
  rm -rf "$work/cm"
  cmake -S "$root/tests/consumer" -B "$work/cm" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$work/cm" >/dev/null
  LD_LIBRARY_PATH=$libdir "$work/cm/consumer_shared"
  "$work/cm/consumer_static"
  if [ -x "$work/cm/consumer_vm_shared" ]; then
    LD_LIBRARY_PATH=$libdir "$work/cm/consumer_vm_shared"
    "$work/cm/consumer_vm_static"
  fi
}

echo "== 1. install of $build"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
consumers "$work/prefix"

echo "== 2. plain build without the test dependencies"
# A pkg-config search path holding liburcu's .pc files only.
mkdir -p "$work/pc"
urcu_dir=$(pkg-config --variable=pcfiledir liburcu-bp)
for pc in "$urcu_dir"/liburcu*.pc; do ln -s "$pc" "$work/pc/"; done
hidden=(env PKG_CONFIG_LIBDIR="$work/pc" PKG_CONFIG_PATH=)
if "${hidden[@]}" pkg-config --exists cmocka || "${hidden[@]}" pkg-config --exists capstone; then
  echo "check-install: cmocka or Capstone still visible" >&2
  exit 1
fi
"${hidden[@]}" cmake -S "$root" -B "$work/plain" >"$work/plain.log"
grep -q "tests not built" "$work/plain.log" || { cat "$work/plain.log"; echo "check-install: no 'tests not built' notice" >&2; exit 1; }
"${hidden[@]}" cmake --build "$work/plain" -j"$jobs" >/dev/null
if grep -q -- "-Werror" "$work/plain/CMakeFiles/vmmem_objects.dir/flags.make"; then
  echo "check-install: the plain build uses -Werror" >&2
  exit 1
fi
if [ -n "$(find "$work/plain" -name 'test_*' -type f -perm -u+x | head -n1)" ] || [ -f "$work/plain/CTestTestfile.cmake" ]; then
  echo "check-install: the plain build built tests" >&2
  exit 1
fi
"${hidden[@]}" cmake --install "$work/plain" --prefix "$work/plain-prefix" >/dev/null
[ -x "$work/plain-prefix/bin/vmmem-tune" ] || { echo "check-install: no \$PREFIX/bin/vmmem-tune" >&2; exit 1; }
consumers "$work/plain-prefix"
# The installed LD_PRELOAD drop-in serves an unmodified program's copies
# (sort, which memmoves its lines) from the engine.
preload=$(find "$work/plain-prefix" -name libvmmem-preload.so | head -n1)
[ -n "$preload" ] || { echo "check-install: no \$PREFIX/lib/libvmmem-preload.so" >&2; exit 1; }
seq 100000 >"$work/lines"
# (the counts are captured first: grep -q closing the pipe early would
# kill sort with SIGPIPE while it writes them)
counts=$(LD_PRELOAD=$preload VMMEM_PRELOAD_STATS=1 sort -r "$work/lines" 2>&1 >/dev/null)
grep -q "copies went to the engine" <<<"$counts" ||
  { echo "check-install: the installed libvmmem-preload.so did not serve sort's copies: $counts" >&2; exit 1; }
echo "-- installed libvmmem-preload.so serves an unmodified program"
if "${hidden[@]}" cmake -S "$root" -B "$work/required" -DVMMEM_BUILD_TESTS=ON >/dev/null 2>&1; then
  echo "check-install: -DVMMEM_BUILD_TESTS=ON configured without cmocka: the dependencies were not hidden" >&2
  exit 1
fi
echo "-- tests required but hidden: configure failed, as it must"

echo "== 3. vendored with add_subdirectory()"
mkdir -p "$work/vendor"
cat >"$work/vendor/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.20)
project(vendor_consumer C)
add_subdirectory("$root" vm-mem)
foreach(t test_copy_sizes test_guest_memory vmmem-bench vmmem-guest-bench vmmem-tune simd_memcpy_example
          guest_memory fuzz_copy)
  if(TARGET \${t})
    message(FATAL_ERROR "vendored vm-mem defined target \${t}")
  endif()
endforeach()
if(CMAKE_BUILD_TYPE)
  message(FATAL_ERROR "vendored vm-mem set the parent's build type to '\${CMAKE_BUILD_TYPE}'")
endif()
add_executable(app_shared "$root/tests/consumer/consumer.c")
target_link_libraries(app_shared PRIVATE vmmem::vmmem)
add_executable(app_static "$root/tests/consumer/consumer.c")
target_link_libraries(app_static PRIVATE vmmem::vmmem_static)
if(TARGET vmmem::vmmem_vm)
  add_executable(app_vm "$root/tests/consumer/consumer_vm.c")
  target_link_libraries(app_vm PRIVATE vmmem::vmmem_vm_static)
endif()
EOF
"${hidden[@]}" cmake -S "$work/vendor" -B "$work/vendor/b" >/dev/null
"${hidden[@]}" cmake --build "$work/vendor/b" -j"$jobs" >/dev/null
"$work/vendor/b/app_shared"
"$work/vendor/b/app_static"
if [ -x "$work/vendor/b/app_vm" ]; then "$work/vendor/b/app_vm"; fi
echo "install check: ok"
