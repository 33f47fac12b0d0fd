#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# scripts/run-bench.sh - runs the neutral vmmem-bench suite (every calling
# mode, every mix; about 3 minutes, progress on stderr) and writes
# results/bench.{txt,csv,json,dat,gp,png,svg}, results/bench-summary.csv and
# results/bench-summary.md (the per-class tables docs embed), with the
# current commit in titles and headers. `make bench` calls it.
#
# As root, installs gnuplot-nox (for the plot) and dpdk-dev (for the
# rte_memcpy peer) when missing; otherwise goes on without them. Builds
# build/ when vmmem-bench is missing there, and rebuilds it when DPDK headers
# appeared after it was configured. Extra arguments go to vmmem-bench, e.g.
#   scripts/run-bench.sh --quick
#   scripts/run-bench.sh --mode call --impl vmmem-fast,rte_memcpy-avx512 --sizes 64,1K,64K
# Environment: BUILD_DIR (default build), RESULTS_DIR (default results).
set -euo pipefail

cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
results_dir=${RESULTS_DIR:-results}
bench="$build_dir/bench/vmmem-bench"

have_rte_memcpy() {
  [ -e /usr/include/x86_64-linux-gnu/dpdk/rte_memcpy.h ] || [ -e /usr/include/dpdk/rte_memcpy.h ]
}

# Optional packages: only as root with apt; failures are not fatal.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  pkgs=()
  command -v gnuplot >/dev/null 2>&1 || pkgs+=(gnuplot-nox)
  if [ "$(uname -m)" = x86_64 ] && ! have_rte_memcpy; then
    pkgs+=(dpdk-dev)
  fi
  if [ ${#pkgs[@]} -gt 0 ]; then
    echo "run-bench: installing ${pkgs[*]}" >&2
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
           DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}"; } \
         >/dev/null 2>&1; then
      echo "run-bench: could not install ${pkgs[*]}; going on without" >&2
    fi
  fi
fi

if [ ! -x "$bench" ]; then
  echo "run-bench: $bench missing; building $build_dir" >&2
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
  cmake --build "$build_dir" -j2
elif have_rte_memcpy && [ -f "$build_dir/CMakeCache.txt" ] &&
     grep -q '^VMMEM_BENCH_RTE_MEMCPY_DIR:PATH=.*NOTFOUND' "$build_dir/CMakeCache.txt"; then
  echo "run-bench: DPDK headers are new; reconfiguring $build_dir for the rte_memcpy peer" >&2
  cmake -S . -B "$build_dir" >/dev/null
  cmake --build "$build_dir" -j2
fi

commit=unknown
if command -v git >/dev/null 2>&1 && git rev-parse --git-dir >/dev/null 2>&1; then
  commit=$(git rev-parse --short HEAD)
  git diff --quiet HEAD -- 2>/dev/null || commit="$commit-dirty"
fi

mkdir -p "$results_dir"
"$bench" --commit "$commit" --csv "$results_dir/bench.csv" \
  --summary-csv "$results_dir/bench-summary.csv" --json "$results_dir/bench.json" \
  --markdown "$results_dir/bench-summary.md" --plot "$results_dir/bench" "$@" |
  tee "$results_dir/bench.txt"
