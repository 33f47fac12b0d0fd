# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# Fails when a shared library calls the C library's copy functions: every
# undefined dynamic symbol named memcpy, memmove, mempcpy or their _chk
# forms (libvmmem must never call them: an LD_PRELOAD that routes them to
# the engine would loop forever).
# Usage: cmake -DNM=nm -DLIB=path/to/libvmmem.so -P check_no_libc_copies.cmake
if(NOT NM)
  find_program(NM nm REQUIRED)
endif()
execute_process(COMMAND ${NM} -D --undefined-only ${LIB} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIB}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(undefined 0)
set(calls "")
foreach(line ${lines})
  if(line MATCHES "^ +[Uw] ([^@ ]+)")
    set(sym ${CMAKE_MATCH_1})
    math(EXPR undefined "${undefined} + 1")
    if(sym MATCHES "^(__)?(memcpy|memmove|mempcpy|bcopy)(_chk)?$")
      list(APPEND calls ${sym})
    endif()
  endif()
endforeach()
if(undefined EQUAL 0)
  message(FATAL_ERROR "nm listed no undefined symbols in ${LIB}: the check cannot see anything")
endif()
if(calls)
  message(FATAL_ERROR "${LIB} calls the C library's ${calls} (see objdump -d for the callers)")
endif()
message(STATUS "${undefined} undefined symbols in ${LIB}, no C library copy function among them")
