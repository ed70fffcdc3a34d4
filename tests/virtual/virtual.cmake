# Virtual actors on one node with real processes: the bank workload under
# passivation churn, restarts on one journal, and the activation-log
# checker (which must also catch overlaps it is shown).
add_test(NAME virtual_bank COMMAND ${CMAKE_CURRENT_LIST_DIR}/virtual.sh ${CMAKE_BINARY_DIR}/bin/actorc)
set_tests_properties(virtual_bank PROPERTIES TIMEOUT 300)
