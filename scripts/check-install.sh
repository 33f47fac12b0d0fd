#!/usr/bin/env bash
# scripts/check-install.sh BUILD_DIR - installs the build into a scratch
# prefix and builds tests/consumer against it twice: with pkg-config and
# with CMake's find_package(vmmem), shared and static; runs each. The same
# for libvmmem-vm (tests/consumer/consumer_vm.c) when it was built.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(dirname "$(find "$prefix" -name vmmem.pc | head -n1)")/..

echo "-- pkg-config"
export PKG_CONFIG_PATH=$libdir/pkgconfig
cc -std=c11 -Wall -Werror "$root/tests/consumer/consumer.c" $(pkg-config --cflags --libs vmmem) -o "$work/pc_consumer"
LD_LIBRARY_PATH=$libdir "$work/pc_consumer"

if [ -f "$libdir/pkgconfig/vmmem-vm.pc" ]; then
  echo "-- pkg-config vmmem-vm"
  cc -std=c11 -Wall -Werror "$root/tests/consumer/consumer_vm.c" $(pkg-config --cflags --libs vmmem-vm) -o "$work/pc_consumer_vm"
  LD_LIBRARY_PATH=$libdir "$work/pc_consumer_vm"
fi

echo "-- find_package(vmmem)"
cmake -S "$root/tests/consumer" -B "$work/cm" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cm" >/dev/null
LD_LIBRARY_PATH=$libdir "$work/cm/consumer_shared"
"$work/cm/consumer_static"
if [ -x "$work/cm/consumer_vm_shared" ]; then
  LD_LIBRARY_PATH=$libdir "$work/cm/consumer_vm_shared"
  "$work/cm/consumer_vm_static"
fi
echo "install check: ok"
