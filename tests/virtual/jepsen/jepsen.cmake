# Issue 14's fault scenarios (jepsen.sh; docs/testing.md, "Fault scenarios
# for virtual actors"): three nodes in network namespaces under the bank
# workload, one fault each, check.py's verdict. Two entries of about a
# minute or two each, bounded by a short run (100 transfers per teller);
# `make cluster-soak` runs them longer. Timing-bound like the cluster
# tests: serial, retried once loudly, skipped without root, `ip netns` or
# PostgreSQL, left out of the ASan build; under TSan three of them are
# virtual_jepsen_tsan, and ring, rolling and joinleave an entry each.
# virtual_jepsen_check proves
# the checker refuses each violation it names.
add_test(NAME virtual_jepsen_check COMMAND ${CMAKE_CURRENT_LIST_DIR}/check_selftest.sh)
if(NOT ACT_SANITIZE)
  add_test(NAME virtual_jepsen_net COMMAND ${CMAKE_CURRENT_LIST_DIR}/../../cluster/cluster_retry.sh
           ${CMAKE_CURRENT_LIST_DIR}/jepsen.sh ${CMAKE_BINARY_DIR}/bin/actorc partition ring pause)
  add_test(NAME virtual_jepsen_nodes COMMAND ${CMAKE_CURRENT_LIST_DIR}/../../cluster/cluster_retry.sh
           ${CMAKE_CURRENT_LIST_DIR}/jepsen.sh ${CMAKE_BINARY_DIR}/bin/actorc pgkill pgblip pghang estore rolling joinleave)
  # The embedded store's leader stopped for 300 ms eight times stays the
  # leader and nobody is fenced (its election timeout outlasts such stalls).
  add_test(NAME virtual_jepsen_stall COMMAND ${CMAKE_CURRENT_LIST_DIR}/../../cluster/cluster_retry.sh
           ${CMAKE_CURRENT_LIST_DIR}/jepsen.sh ${CMAKE_BINARY_DIR}/bin/actorc estall)
  set_tests_properties(virtual_jepsen_net virtual_jepsen_nodes virtual_jepsen_stall PROPERTIES TIMEOUT 400
                       SKIP_RETURN_CODE 77 LABELS cluster RUN_SERIAL TRUE)
elseif(ACT_SANITIZE STREQUAL "thread")
  # Under TSan (ACT_TEST_SCALE=3) `make tsan` runs these three: 72-98 s
  # (docs/testing.md, "The cluster under ThreadSanitizer").
  add_test(NAME virtual_jepsen_tsan COMMAND ${CMAKE_CURRENT_LIST_DIR}/../../cluster/cluster_retry.sh
           ${CMAKE_CURRENT_LIST_DIR}/jepsen.sh ${CMAKE_BINARY_DIR}/bin/actorc partition pause pgkill)
  set_tests_properties(virtual_jepsen_tsan PROPERTIES TIMEOUT 900 SKIP_RETURN_CODE 77
                       LABELS cluster RUN_SERIAL TRUE)
  # One scenario each, under 60 s each there (33-58 s, 2 runs each at load
  # 10-12; session 10): `make tsan` runs them too (TSAN_CLUSTER's
  # virtual_jepsen_tsan matches). ejournal (115 s) stays out.
  foreach(sc ring rolling joinleave)
    add_test(NAME virtual_jepsen_tsan_${sc} COMMAND ${CMAKE_CURRENT_LIST_DIR}/../../cluster/cluster_retry.sh
             ${CMAKE_CURRENT_LIST_DIR}/jepsen.sh ${CMAKE_BINARY_DIR}/bin/actorc ${sc})
    set_tests_properties(virtual_jepsen_tsan_${sc} PROPERTIES TIMEOUT 400 SKIP_RETURN_CODE 77
                         LABELS cluster RUN_SERIAL TRUE)
  endforeach()
endif()
