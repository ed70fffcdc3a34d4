# Persistence with real processes: recovery, journal paths, schema and
# damaged-file refusals, and 20 kill -9s of a persisting program.
add_test(NAME persist_processes COMMAND ${CMAKE_CURRENT_LIST_DIR}/persist.sh ${CMAKE_BINARY_DIR}/bin/actorc)
set_tests_properties(persist_processes PROPERTIES TIMEOUT 300)
# The same with the journal in PostgreSQL (a private server the script
# starts): recovery, refusals, 20 kill -9s of 32 counters persisting at once.
add_test(NAME persist_pg COMMAND ${CMAKE_CURRENT_LIST_DIR}/persist_pg.sh ${CMAKE_BINARY_DIR}/bin/actorc)
set_tests_properties(persist_pg PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
