# Peak memory of a spawning init with one worker (sched_help_memory.sh).
# Not under the sanitizers: their shadow memory is what the peak would show.
if(NOT ACT_SANITIZE)
  add_test(NAME sched_help_memory COMMAND ${CMAKE_CURRENT_LIST_DIR}/sched_help_memory.sh ${CMAKE_BINARY_DIR}/bin/actorc)
endif()
