# A short round of the runtime torture programs (tests/stress/run.sh): each
# program 10 times with 2, 3 and 4 worker threads (`make stress` runs the
# full round). Under a sanitizer every run is several times slower, so
# those trees run fewer; in the TSan tree a ThreadSanitizer report fails
# the run.
set(ACT_STRESS_ARGS --runs 10)
if(ACT_SANITIZE MATCHES "thread")
  set(ACT_STRESS_ARGS --tsan --runs 1)
elseif(ACT_SANITIZE)
  set(ACT_STRESS_ARGS --runs 2)
endif()
add_test(NAME stress_short
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/run.sh ${ACT_STRESS_ARGS}
          --build ${CMAKE_BINARY_DIR} --keep ${CMAKE_BINARY_DIR}/stress-failures)
set_tests_properties(stress_short PROPERTIES TIMEOUT 1200 LABELS stress)
