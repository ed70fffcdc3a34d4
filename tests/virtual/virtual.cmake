# Virtual actors on one node with real processes: the bank workload under
# passivation churn, restarts on one journal, and the activation-log
# checker (which must also catch overlaps it is shown).
add_test(NAME virtual_bank COMMAND ${CMAKE_CURRENT_LIST_DIR}/virtual.sh ${CMAKE_BINARY_DIR}/bin/actorc)
set_tests_properties(virtual_bank PROPERTIES TIMEOUT 300)
# Across nodes: three nodes in network namespaces, PostgreSQL as the store
# and journal, kill -9 and SIGTERM of owners under the bank workload
# (cluster.sh; skipped without root or PostgreSQL). Timing-bound like the
# cluster tests: serial, retried once loudly, left out of ASan builds (under
# TSan `make tsan` runs virtual_stop). `make cluster-soak` runs it longer.
if(NOT ACT_SANITIZE OR ACT_SANITIZE STREQUAL "thread")
  add_test(NAME virtual_cluster COMMAND ${CMAKE_CURRENT_LIST_DIR}/../cluster/cluster_retry.sh
           ${CMAKE_CURRENT_LIST_DIR}/cluster.sh ${CMAKE_BINARY_DIR}/bin/actorc)
  set_tests_properties(virtual_cluster PROPERTIES TIMEOUT 200 SKIP_RETURN_CODE 77 LABELS cluster
                       RUN_SERIAL TRUE)
  # A third node joins two that run the bank: shards are handed off to it
  # while the tellers send (join.sh).
  add_test(NAME virtual_join COMMAND ${CMAKE_CURRENT_LIST_DIR}/../cluster/cluster_retry.sh
           ${CMAKE_CURRENT_LIST_DIR}/join.sh ${CMAKE_BINARY_DIR}/bin/actorc)
  set_tests_properties(virtual_join PROPERTIES TIMEOUT 200 SKIP_RETURN_CODE 77 LABELS cluster
                       RUN_SERIAL TRUE)
  # A handoff finds handlers awaiting a 15 s reply: it deactivates them
  # after its grace and moves their queued tells in order (handoff.sh).
  add_test(NAME virtual_handoff COMMAND ${CMAKE_CURRENT_LIST_DIR}/../cluster/cluster_retry.sh
           ${CMAKE_CURRENT_LIST_DIR}/handoff.sh ${CMAKE_BINARY_DIR}/bin/actorc)
  set_tests_properties(virtual_handoff PROPERTIES TIMEOUT 200 SKIP_RETURN_CODE 77 LABELS cluster
                       RUN_SERIAL TRUE)
  # n2 tells keys of n1 while n3 joins: every tell counted once and in
  # order at the new owner, and mail that waited for a key's next
  # activation follows its shard (move.sh).
  add_test(NAME virtual_move COMMAND ${CMAKE_CURRENT_LIST_DIR}/../cluster/cluster_retry.sh
           ${CMAKE_CURRENT_LIST_DIR}/move.sh ${CMAKE_BINARY_DIR}/bin/actorc)
  set_tests_properties(virtual_move PROPERTIES TIMEOUT 200 SKIP_RETURN_CODE 77 LABELS cluster
                       RUN_SERIAL TRUE)
  # The same with n1's way out slowed (tc tbf): what n1 refuses comes back
  # to n2 after n2 has learnt the new owner; still in order (the probe,
  # vcluster.c).
  add_test(NAME virtual_move_slow COMMAND ${CMAKE_CURRENT_LIST_DIR}/../cluster/cluster_retry.sh
           ${CMAKE_CURRENT_LIST_DIR}/move.sh ${CMAKE_BINARY_DIR}/bin/actorc slow)
  set_tests_properties(virtual_move_slow PROPERTIES TIMEOUT 200 SKIP_RETURN_CODE 77 LABELS cluster
                       RUN_SERIAL TRUE)
  # A node SIGTERMed with transfers in flight leaves at once, not after its
  # 5 s stop grace (leave.sh).
  add_test(NAME virtual_leave COMMAND ${CMAKE_CURRENT_LIST_DIR}/../cluster/cluster_retry.sh
           ${CMAKE_CURRENT_LIST_DIR}/leave.sh ${CMAKE_BINARY_DIR}/bin/actorc)
  set_tests_properties(virtual_leave PROPERTIES TIMEOUT 200 SKIP_RETURN_CODE 77 LABELS cluster
                       RUN_SERIAL TRUE)
  # An owner SIGSTOPped past its lease runs none of its queued mail when
  # continued (pause.sh).
  add_test(NAME virtual_pause COMMAND ${CMAKE_CURRENT_LIST_DIR}/../cluster/cluster_retry.sh
           ${CMAKE_CURRENT_LIST_DIR}/pause.sh ${CMAKE_BINARY_DIR}/bin/actorc)
  set_tests_properties(virtual_pause PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77 LABELS cluster
                       RUN_SERIAL TRUE)
  # An owner paused past its lease (midrun.sh): a handler caught mid-run
  # makes nothing seen after the guard and its stop line is the guard's;
  # `stop(Cart[k])` does not run `on stop` past the lease; mail read on the
  # loop for an exported reference does not wait there (stop and vref stop
  # n2 with gdb, and are skipped without it).
  foreach(mode busy stop vref)
    add_test(NAME virtual_midrun_${mode} COMMAND ${CMAKE_CURRENT_LIST_DIR}/../cluster/cluster_retry.sh
             ${CMAKE_CURRENT_LIST_DIR}/midrun.sh ${CMAKE_BINARY_DIR}/bin/actorc ${mode})
    set_tests_properties(virtual_midrun_${mode} PROPERTIES TIMEOUT 150 SKIP_RETURN_CODE 77 LABELS cluster
                         RUN_SERIAL TRUE)
  endforeach()
  # Two nodes whose seeds name only themselves find each other through the
  # store's membership rows (found.sh).
  add_test(NAME virtual_found COMMAND ${CMAKE_CURRENT_LIST_DIR}/../cluster/cluster_retry.sh
           ${CMAKE_CURRENT_LIST_DIR}/found.sh ${CMAKE_BINARY_DIR}/bin/actorc)
  set_tests_properties(virtual_found PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77 LABELS cluster
                       RUN_SERIAL TRUE)
  # stop(Cart[k]) from one node stops the activation on the other (stop.sh).
  add_test(NAME virtual_stop COMMAND ${CMAKE_CURRENT_LIST_DIR}/../cluster/cluster_retry.sh
           ${CMAKE_CURRENT_LIST_DIR}/stop.sh ${CMAKE_BINARY_DIR}/bin/actorc)
  set_tests_properties(virtual_stop PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77 LABELS cluster
                       RUN_SERIAL TRUE)
endif()
