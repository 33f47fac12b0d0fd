#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# scripts/test-preload.sh - real programs' own tests and self-checks under
# libvmmem-preload.so, each run twice in this one session, without and with
# the preload, and required to come out exactly the same (docs/preload.md):
#  1. Python's regression tests (Debian's libpython3.11-testsuite), the
#     modules that move bytes: every test case's outcome (passed, skipped,
#     failed, error) from the JUnit report, compared case by case;
#  2. zstd, xz and gzip round trips over a large input: compress, the
#     tool's own integrity test (-t), decompress, SHA-256 against the input;
#     and the compressed files byte-identical with and without the preload.
# A third run of each compressor counts the calls (VMMEM_PRELOAD_STATS=1),
# to show they reached the engine.
# Usage: scripts/test-preload.sh [build-dir]   (make test-preload)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
preload=$(realpath "$build/src/preload/libvmmem-preload.so")
[ -f "$preload" ] || { echo "test-preload: $preload not built (make build)" >&2; exit 1; }
scripts/install-deps.sh preload

python=/usr/bin/python3.11 # Debian's, whose tests libpython3.11-testsuite installs (not a pyenv one on PATH)
input_mib=${PRELOAD_TEST_INPUT_MIB:-128}
# The Python test modules that copy, slice, pack, compress or map memory.
python_tests=(test_bytes test_memoryview test_buffer test_struct test_array test_binascii test_codecs
  test_unicode test_userstring test_slice test_list test_tuple test_deque test_collections test_re
  test_json test_pickle test_hashlib test_zlib test_bz2 test_lzma test_gzip test_zipfile test_tarfile
  test_io test_mmap test_bigmem)

work=$(mktemp -d /tmp/vmmem-test-preload.XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0
step() { echo "--- $1 ($(date +%T))"; }

# run <arm> <command...>: without the preload (arm "without") or with it.
run() {
  local arm=$1; shift
  if [ "$arm" = with ]; then LD_PRELOAD=$preload "$@"; else env -u LD_PRELOAD "$@"; fi
}

# ---- 1. Python's regression tests ----
# Prints "tests=N passed=N skipped=N failed=N errors=N" for a JUnit report
# and writes each case's outcome, sorted, to <report>.cases.
summarise_junit() {
  "$python" - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
cases = []
for case in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    kinds = [child.tag for child in case if child.tag in ("skipped", "failure", "error")]
    cases.append((case.get("name"), kinds[0] if kinds else "passed"))
cases.sort()
with open(sys.argv[1] + ".cases", "w") as out:
    out.writelines(f"{name} {outcome}\n" for name, outcome in cases)
count = {k: sum(1 for _, o in cases if o == k) for k in ("passed", "skipped", "failure", "error")}
print(f"tests={len(cases)} passed={count['passed']} skipped={count['skipped']} "
      f"failed={count['failure']} errors={count['error']}")
EOF
}

for arm in without with; do
  step "Python $($python -c 'import platform; print(platform.python_version())') regression tests, ${#python_tests[@]} modules, $arm the preload"
  start=$(date +%s)
  status=0
  (cd "$work" && run $arm "$python" -m test -j2 --junit-xml="$work/python-$arm.xml" "${python_tests[@]}" \
    >"$work/python-$arm.log" 2>&1) || status=$?
  sed -n '/^== Tests result/,$p' "$work/python-$arm.log" | grep -v '^$' || true
  echo "python $arm: exit $status, $(summarise_junit "$work/python-$arm.xml"), $(( $(date +%s) - start )) s"
  echo "$status" >"$work/python-$arm.status"
done
if [ "$(cat "$work/python-without.status")" != 0 ]; then
  echo "FAIL: Python's tests fail without the preload (this system, or the module list): fix that first" >&2
  tail -30 "$work/python-without.log" >&2
  failed=1
fi
if ! diff "$work/python-without.xml.cases" "$work/python-with.xml.cases" >"$work/python.diff" ||
   [ "$(cat "$work/python-without.status")" != "$(cat "$work/python-with.status")" ]; then
  echo "FAIL: Python's test outcomes differ under the preload:" >&2
  head -50 "$work/python.diff" >&2
  tail -30 "$work/python-with.log" >&2
  failed=1
else
  echo "python: every test case has the same outcome with and without the preload"
fi

# ---- 2. compressor round trips ----
step "input: ${input_mib} MiB of this system's libraries and Python's sources"
# Binaries and text, read without the preload; the same bytes for every arm.
tar -cf - /usr/lib/python3.11 /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/bin 2>/dev/null |
  head -c $((input_mib << 20)) >"$work/input" || true
want=$(sha256sum <"$work/input" | cut -d' ' -f1)
echo "input: $(stat -c %s "$work/input") bytes, sha256 $want"

# roundtrip <arm> <name> <compress...> -- <test...> -- <decompress...>
roundtrip() {
  local arm=$1 name=$2; shift 2
  local compress=() check=() decompress=()
  while [ "$1" != -- ]; do compress+=("$1"); shift; done; shift
  while [ "$1" != -- ]; do check+=("$1"); shift; done; shift
  decompress=("$@")
  local packed="$work/$name-$arm.packed" start=$(date +%s%N) got
  if ! run "$arm" "${compress[@]}" <"$work/input" >"$packed"; then
    echo "FAIL: $name $arm the preload: compression failed" >&2; return 1
  fi
  if ! run "$arm" "${check[@]}" "$packed"; then
    echo "FAIL: $name $arm the preload: the integrity test (-t) failed" >&2; return 1
  fi
  got=$(run "$arm" "${decompress[@]}" <"$packed" | sha256sum | cut -d' ' -f1)
  if [ "$got" != "$want" ]; then
    echo "FAIL: $name $arm the preload: the round trip's SHA-256 is $got" >&2; return 1
  fi
  echo "$name $arm the preload: compressed to $(stat -c %s "$packed") bytes, -t passed," \
       "round trip SHA-256 equal, $(( ($(date +%s%N) - start) / 1000000 )) ms"
}

compressors=(
  "zstd-3   zstd -q -3 -T2 -c -- zstd -q -t -- zstd -q -d -c"
  "zstd-long zstd -q -6 --long=27 -T2 -c -- zstd -q -t --long=27 -- zstd -q -d --long=27 -c"
  "xz-1     xz -q -1 -T2 -c -- xz -q -t -- xz -q -d -c"
  "gzip-6   gzip -q -6 -n -c -- gzip -q -t -- gzip -q -d -c")
for entry in "${compressors[@]}"; do
  read -r -a words <<<"$entry"
  name=${words[0]}
  step "$name round trip"
  for arm in without with; do
    roundtrip $arm "${words[@]}" || failed=1
  done
  if ! cmp -s "$work/$name-without.packed" "$work/$name-with.packed"; then
    echo "FAIL: $name writes different compressed bytes under the preload" >&2
    failed=1
  else
    echo "$name: the same compressed bytes with and without the preload"
  fi
  rm -f "$work/$name-"*.packed
done

step "the calls reached the engine (VMMEM_PRELOAD_STATS=1: a zstd -3 round trip, Python copying bytes)"
stats=$( { LD_PRELOAD=$preload VMMEM_PRELOAD_STATS=1 zstd -q -3 -T2 -c <"$work/input" |
           LD_PRELOAD=$preload VMMEM_PRELOAD_STATS=1 zstd -q -d -c >/dev/null
           LD_PRELOAD=$preload VMMEM_PRELOAD_STATS=1 "$python" -c \
             'b = bytes(range(256)) * 4096; assert bytes(bytearray(b)) == b and b[1:] + b[:1] != b'; } 2>&1 )
echo "$stats"
if [ "$(grep -c 'copies went to the engine' <<<"$stats")" != 3 ] ||
   [ "$(grep -Ec 'preload: memcpy calls [1-9]' <<<"$stats")" != 3 ]; then
  echo "FAIL: not every program's memcpy calls reached the engine" >&2
  failed=1
fi

if [ "$failed" != 0 ]; then
  echo "test-preload: FAILED" >&2
  exit 1
fi
echo "test-preload: Python's tests and the compressor round trips pass exactly as without the preload"
