# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# Checks that the -fno-plt build of test_preload reaches memcpy through a
# GOT entry bound at start-up (a GLOB_DAT relocation) and not through a
# lazily bound PLT slot (JUMP_SLOT): otherwise that test would not test
# what it is named for.
# Usage: cmake -DREADELF=readelf -DEXE=test_preload_noplt -P check_noplt.cmake
if(NOT READELF)
  find_program(READELF readelf REQUIRED)
endif()
execute_process(COMMAND ${READELF} -rW ${EXE} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf failed on ${EXE}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(glob_dat 0)
foreach(line ${lines})
  if(line MATCHES " (memcpy|memmove|mempcpy)(@[^ ]*)? ")
    if(line MATCHES "JUMP_SLOT")
      message(FATAL_ERROR "${EXE} calls ${CMAKE_MATCH_1} through the PLT: ${line}")
    elseif(line MATCHES "GLOB_DAT")
      math(EXPR glob_dat "${glob_dat} + 1")
    endif()
  endif()
endforeach()
if(glob_dat LESS 3)
  message(FATAL_ERROR "${EXE}: ${glob_dat} GOT relocations for memcpy/memmove/mempcpy, expected 3")
endif()
message(STATUS "${EXE} reaches memcpy, memmove and mempcpy through the GOT (no PLT)")
