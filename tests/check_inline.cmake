# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# Checks that an object built from tests/inline_probe.c references none of
# the copy functions: constant small sizes must compile to inline moves.
# Usage: cmake -DOBJ=path/to/inline_probe.o -P check_inline.cmake
find_program(NM nm REQUIRED)
execute_process(COMMAND ${NM} -u ${OBJ} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${OBJ}")
endif()
if(out MATCHES "vmmem_|memcpy|memmove")
  message(FATAL_ERROR "constant-size copies were not inlined; undefined symbols:\n${out}")
endif()
execute_process(COMMAND ${NM} --defined-only ${OBJ} OUTPUT_VARIABLE defined)
if(NOT defined MATCHES "probe_fast8")
  message(FATAL_ERROR "${OBJ} does not hold the probe functions")
endif()
message(STATUS "constant-size copies compiled inline")
