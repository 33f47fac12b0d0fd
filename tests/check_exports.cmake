# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# Checks that the shared library exports only vmmem_-prefixed symbols.
# Usage: cmake -DLIB=path/to/libvmmem.so -P check_exports.cmake
find_program(NM nm REQUIRED)
execute_process(COMMAND ${NM} -D --defined-only ${LIB} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIB}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(count 0)
foreach(line ${lines})
  if(line MATCHES "^[0-9a-fA-F]+ [TDBRVWiu] (.+)$") # i: GNU indirect functions (the copy entries); W, V, u: weak and unique
    set(sym ${CMAKE_MATCH_1})
    if(NOT sym MATCHES "^vmmem_")
      message(FATAL_ERROR "exported symbol without the vmmem_ prefix: ${sym}")
    endif()
    math(EXPR count "${count} + 1")
  endif()
endforeach()
if(count LESS 10)
  message(FATAL_ERROR "only ${count} vmmem_ symbols exported; the public API is missing")
endif()
message(STATUS "${count} exported symbols, all vmmem_-prefixed")
