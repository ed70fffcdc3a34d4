# GPU paths (LANGUAGE.md §11, docs/gpu.md). Here, without a GPU: NVRTC and
# ptxas on every kernel of the suite and the PTX cache (skipped where CUDA
# is absent), and programs where the CUDA libraries are missing. On a
# machine with a GPU, tests/gpu/run.sh (not part of ctest).
set(ACTORC ${CMAKE_BINARY_DIR}/bin/actorc)
add_test(NAME gpu_ptx COMMAND ${CMAKE_CURRENT_LIST_DIR}/ptx.sh ${ACTORC} ${CMAKE_SOURCE_DIR})
set_tests_properties(gpu_ptx PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
add_test(NAME gpu_nolib COMMAND ${CMAKE_CURRENT_LIST_DIR}/nolib.sh ${ACTORC} ${CMAKE_SOURCE_DIR})
add_test(NAME example_gpu
  COMMAND ${CMAKE_SOURCE_DIR}/tests/run_example.sh ${ACTORC} ${CMAKE_SOURCE_DIR}/examples/gpu/scorer.act)
# run.sh itself, every step, with the "GPU" side on the CPU path
add_test(NAME gpu_run_dry COMMAND ${CMAKE_CURRENT_LIST_DIR}/run_dry.sh ${ACTORC} ${CMAKE_SOURCE_DIR})
set_tests_properties(gpu_run_dry PROPERTIES TIMEOUT 600)
