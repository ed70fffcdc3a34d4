# Every example is built and run by the tests, its output compared with the
# .out file beside it.
set(ACTORC ${CMAKE_BINARY_DIR}/bin/actorc)
foreach(ex hello pingpong ring bank timers wordfreq)
  add_test(NAME example_${ex}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_example.sh ${ACTORC}
            ${CMAKE_SOURCE_DIR}/examples/${ex}/${ex}.act)
endforeach()
# three nodes on loopback (examples/cluster/run.sh)
add_test(NAME example_cluster COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/example_cluster.sh ${ACTORC})
set_tests_properties(example_cluster PROPERTIES TIMEOUT 120)
