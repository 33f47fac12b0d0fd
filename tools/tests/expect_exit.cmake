# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# tools/tests/expect_exit.cmake - runs PROG with ARGS (arguments separated
# by "|") and checks its exit status is EXPECT, that its stdout+stderr match
# the regular expression MATCH, and, if FILE is given, that the file's text
# matches FILE_MATCH. EMULATOR (words separated by "|") runs PROG when it
# is built for another architecture. Usage:
#   cmake [-DEMULATOR=qemu|-L|/sysroot] -DPROG=... "-DARGS=a|b" -DEXPECT=2 -DMATCH=regex
#         [-DFILE=f -DFILE_MATCH=regex] -P expect_exit.cmake
string(REPLACE "|" ";" args "${ARGS}")
string(REPLACE "|" ";" emulator "${EMULATOR}")
execute_process(COMMAND ${emulator} ${PROG} ${args}
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status STREQUAL "${EXPECT}")
  message(FATAL_ERROR "${PROG} ${args}: exit status ${status}, expected ${EXPECT}\n${out}${err}")
endif()
if(DEFINED MATCH AND NOT "${out}${err}" MATCHES "${MATCH}")
  message(FATAL_ERROR "${PROG} ${args}: output does not match '${MATCH}':\n${out}${err}")
endif()
if(DEFINED FILE)
  file(READ "${FILE}" text)
  if(NOT text MATCHES "${FILE_MATCH}")
    message(FATAL_ERROR "${FILE} does not match '${FILE_MATCH}':\n${text}")
  endif()
endif()
