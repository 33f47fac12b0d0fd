# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# Cross-compiling for s390x Linux (64-bit big-endian) with Debian's
# gcc-s390x-linux-gnu; tests run under qemu-s390x (qemu-user).
# The programs run against Debian's multiarch s390x libraries (libc6:s390x,
# libcmocka-dev:s390x under /lib/s390x-linux-gnu), hence "-L /": Debian 12's
# libc6-s390x-cross (2.36-8) aborts with "stack smashing detected" in every
# dynamically linked program under qemu-s390x 7.2, the multiarch libc6:s390x
# (2.36-9+deb12u*) runs.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR s390x)
set(CMAKE_C_COMPILER s390x-linux-gnu-gcc)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-s390x;-L;/)
set(CMAKE_FIND_ROOT_PATH /usr/s390x-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config must look at the s390x multiarch .pc files (libcmocka-dev:s390x).
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/s390x-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_SYSROOT_DIR} /)
