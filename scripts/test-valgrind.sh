#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# scripts/test-valgrind.sh - the whole test suite under Valgrind memcheck:
# any invalid read or write, use of uninitialised memory or definite leak
# fails the test (--error-exitcode). Copy sizes go up to 1 MiB (Valgrind
# runs code ~50x slower). Valgrind 3.19 has no AVX-512: its CPUID hides it,
# so the AVX-512 kernels run natively and under ASan only. Each test program runs under valgrind via CMake's
# CMAKE_CROSSCOMPILING_EMULATOR, which CMake up to 3.27 also applies to
# native builds; the script checks that the test commands really start
# valgrind, so a CMake that ignores it fails instead of testing nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-valgrind}
scripts/install-deps.sh test valgrind

valgrind_cmd="valgrind;--error-exitcode=99;--leak-check=full;--errors-for-leak-kinds=definite;--show-leak-kinds=definite;--track-origins=yes;--quiet"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVMMEM_WERROR=ON -DVMMEM_BUILD_BENCH=OFF \
  -DCMAKE_CROSSCOMPILING_EMULATOR="$valgrind_cmd"
cmake --build "$build" -j"$(nproc)"
cd "$build"
if ! ctest -N -V -R '^test_copy_sizes$' | grep -c 'Test command: .*valgrind' >/dev/null; then
  echo "test-valgrind: this CMake does not run tests through CMAKE_CROSSCOMPILING_EMULATOR" >&2
  exit 1
fi
# Every kernel still runs: the default variant of each kernel test loops
# over every kernel the (Valgrind-reported) CPU has. The per-ISA repeats,
# which only re-check the dispatcher's routing, and the tool and build
# checks that run no library code are left to the native runs, and so is
# the example (a timing demo over 64 MiB buffers).
export VMMEM_TEST_MAX_SIZE=$((1 << 20))
export VMMEM_TEST_SYNTHETIC_CPUID=1 # Valgrind's CPUID is not this machine's caches
ctest --output-on-failure -j"$(nproc)" -E '\.isa_|^tune_|^inline_small|^exported_symbols|^example$'
