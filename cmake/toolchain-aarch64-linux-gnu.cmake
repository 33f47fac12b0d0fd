# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# Cross-compiling for AArch64 Linux with Debian's gcc-aarch64-linux-gnu;
# tests run under qemu-aarch64 (qemu-user) via CMAKE_CROSSCOMPILING_EMULATOR,
# against Debian's multiarch arm64 libraries (libc6:arm64, libcmocka-dev:arm64
# under /lib/aarch64-linux-gnu), hence "-L /": with libc6-arm64-cross (2.36-8)
# pthread_create never returned under qemu-aarch64 7.2.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;/)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config must look at the arm64 multiarch .pc files (libcmocka-dev:arm64).
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_SYSROOT_DIR} /)
