# fuzz/vm.cmake - libFuzzer targets of libvmmem-vm (clang only), included by
# the top level when VMMEM_FUZZ is on. scripts/fuzz-vm.sh configures the
# build (clang, ASan + UBSan, the library instrumented for coverage with
# -fsanitize=fuzzer-no-link) and runs the target for a bounded time.
#   fuzz_virtqueue  hostile descriptor tables and rings for the virtio block
#                   device; seeds in fuzz/corpus/virtqueue/
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "VMMEM_FUZZ needs clang (libFuzzer): configure with CC=clang")
endif()
add_executable(fuzz_virtqueue ${CMAKE_CURRENT_LIST_DIR}/fuzz_virtqueue.c)
target_compile_options(fuzz_virtqueue PRIVATE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all)
target_link_options(fuzz_virtqueue PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_libraries(fuzz_virtqueue PRIVATE vmmem_vm_static)
