#!/bin/sh
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# check_call_linkage.sh OBJDUMP VMMEM_BENCH NOPLT_LIB - reads the machine
# code of vmmem-bench and of its -fno-plt loops (libvmmem-bench-noplt.so)
# and checks that its call-mode loops call as programs do: each loop
# exists twice (the PLT build and the -fno-plt build); one copy calls its
# function through the PLT (call sym@plt), the other through the GOT
# (call *sym@GOTPCREL(%rip), or, as clang hoists it, a load of sym's GOT
# entry into a register and call *%reg); and the pointer-mode loops call
# through the pointer (a register or its stack slot). A compiler that expanded memcpy inline, or a build
# that lost -fno-plt, fails here. x86_64, GNU objdump syntax.
set -eu
objdump=$1
bin=$2
noplt_lib=$3
dis=$(mktemp)
trap 'rm -f "$dis"' EXIT
"$objdump" -d --no-show-raw-insn "$bin" "$noplt_lib" >"$dis"

# The program's own calls of the copy functions bind lazily: no GOT slot is
# filled for them when it loads (the -fno-plt loops, which need one, live in
# the library).
if "$objdump" -R "$bin" | grep -E 'GLOB_DAT +(memcpy|memmove|vmmem_memcpy_fast|vmmem_memcpy_adaptive|vmmem_memmove)(@|$)'; then
  echo "check_call_linkage: $bin binds a copy function when it loads (see above)" >&2
  exit 1
fi
# nor does it bind every call table slot at load time (-z now: DF_BIND_NOW,
# 0x8, in FLAGS or DF_1_NOW, 0x1, in FLAGS_1)
"$objdump" -p "$bin" | awk '$1 == "FLAGS" || $1 == "FLAGS_1" { print $1, $2 }' | while read -r tag value; do
  if { [ "$tag" = FLAGS ] && [ $((value & 8)) -ne 0 ]; } || { [ "$tag" = FLAGS_1 ] && [ $((value & 1)) -ne 0 ]; }; then
    echo "check_call_linkage: $bin is linked to bind every call when it loads ($tag $value)" >&2
    exit 1
  fi
done

# The instructions of every function named $1, one "@@ N" line before each.
bodies() {
  awk -v fn="<$1>:" '$2 == fn { n++; print "@@ " n; p = 1; next } /^[0-9a-f]+ <.*>:$/ { p = 0 } p' "$dis"
}

fail=0
for pair in "glibc_memcpy memcpy" "glibc_memcpy_aa memcpy" "glibc_memmove memmove" \
            "vmmem_fast vmmem_memcpy_fast" "vmmem_adaptive vmmem_memcpy_adaptive" \
            "vmmem_memmove_ vmmem_memmove" "vmmem_parallel vmmem_memcpy_parallel" \
            "empty_call bench_empty_call"; do
  set -- $pair
  for kind in fixed cold evict ops; do
    fn=${1}_$kind
    b=$(bodies "$fn")
    copies=$(printf '%s\n' "$b" | grep -c '^@@ ' || true)
    plt=$(printf '%s\n' "$b" | grep -c "call .*<$2@plt>" || true)
    # copies that call through the GOT, directly or through a register loaded from it
    got=$(printf '%s\n' "$b" | awk -v sym="<$2@" '
      /^@@ / { if (seen) n++; seen = 0; load = 0; reg = 0; next }
      /call +\*0x[0-9a-f]+\(%rip\)/ && index($0, sym) { seen = 1 }
      /mov +0x[0-9a-f]+\(%rip\),%r/ && index($0, sym) { load = 1 }
      /call +\*%r/ { reg = 1 }
      { if (load && reg) seen = 1 }
      END { if (seen) n++; print n + 0 }')
    if [ "$copies" != 2 ] || [ "$plt" != 1 ] || [ "$got" != 1 ]; then
      echo "check_call_linkage: $fn: $copies copies, $plt PLT calls, $got GOT calls of $2 (want 2, 1, 1)" >&2
      fail=1
    fi
  done
done
for kind in fixed cold evict ops; do
  # through a register, or a stack slot where clang spills the pointer
  through_reg=$(bodies "pointer_$kind" | grep -cE 'call +\*(%r|(0x[0-9a-f]+)?\(%rsp\))' || true)
  if [ "$through_reg" -lt 1 ]; then
    echo "check_call_linkage: pointer_$kind does not call through the pointer" >&2
    fail=1
  fi
done
[ "$fail" = 0 ] && echo "check_call_linkage: call mode through the PLT and the GOT, pointer mode through the pointer"
exit "$fail"
