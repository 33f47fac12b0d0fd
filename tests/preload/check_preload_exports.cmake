# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# Checks that libvmmem-preload.so defines exactly memcpy, memmove, mempcpy
# and their __*_chk forms, unversioned (a versioned memcpy@@VER would not
# satisfy a program's memcpy@GLIBC_2.14), and nothing else.
# Usage: cmake -DNM=nm -DLIB=libvmmem-preload.so -P check_preload_exports.cmake
cmake_policy(SET CMP0057 NEW) # IN_LIST
if(NOT NM)
  find_program(NM nm REQUIRED)
endif()
execute_process(COMMAND ${NM} -D --defined-only ${LIB} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIB}")
endif()
set(expected __memcpy_chk __memmove_chk __mempcpy_chk memcpy memmove mempcpy)
string(REPLACE "\n" ";" lines "${out}")
set(found "")
foreach(line ${lines})
  if(line MATCHES "^[0-9a-fA-F]+ [TDBRVWi] (.+)$")
    set(sym ${CMAKE_MATCH_1})
    if(NOT sym IN_LIST expected)
      message(FATAL_ERROR "${LIB} exports ${sym}: only the unversioned ${expected} should be")
    endif()
    list(APPEND found ${sym})
  endif()
endforeach()
list(SORT found)
if(NOT found STREQUAL expected)
  message(FATAL_ERROR "${LIB} exports '${found}', expected '${expected}'")
endif()
message(STATUS "${LIB} exports exactly ${found}, unversioned")
