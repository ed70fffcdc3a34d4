# Every example is built and run by the tests, its output compared with the
# .out file beside it.
set(ACTORC ${CMAKE_BINARY_DIR}/bin/actorc)
foreach(ex hello pingpong ring bank timers wordfreq)
  add_test(NAME example_${ex}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_example.sh ${ACTORC}
            ${CMAKE_SOURCE_DIR}/examples/${ex}/${ex}.act)
endforeach()
