# Two workers: fine-grained work stays on one, coarse work uses both
# (sched_spread.sh). Not under the sanitizers: they change what a run costs.
if(NOT ACT_SANITIZE)
  add_test(NAME sched_spread COMMAND ${CMAKE_CURRENT_LIST_DIR}/sched_spread.sh ${CMAKE_BINARY_DIR}/bin/actorc)
endif()
