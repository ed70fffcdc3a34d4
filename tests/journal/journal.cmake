# The journal TCK (tests/journal/tck.c): the journal interface
# (act/persist.h) run against the SQLite and the PostgreSQL backends — append, replay,
# snapshots, the group-commit writer, large events, schema fingerprints,
# damaged/truncated/foreign files, and 20 SIGKILLs of a persisting process.
# One job at a time: Criterion's parallel runner leaks a few bytes under ASan.
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
if(TARGET PkgConfig::CRITERION)
  add_executable(test_journal ${CMAKE_CURRENT_LIST_DIR}/tck.c)
  target_link_libraries(test_journal PRIVATE act PkgConfig::SQLITE3 PkgConfig::CRITERION
                        PkgConfig::LIBPQ Threads::Threads)
  target_include_directories(test_journal PRIVATE ${CMAKE_SOURCE_DIR}/runtime/src)
  add_test(NAME journal_tck COMMAND test_journal --jobs 1)
  set_tests_properties(journal_tck PROPERTIES LABELS runtime TIMEOUT 180)
  # The same suites (less the file-only `sqlite` one, plus `pg`) against a private
  # PostgreSQL that pg_tck.sh starts and stops (skipped without initdb).
  add_test(NAME journal_tck_pg COMMAND ${CMAKE_CURRENT_LIST_DIR}/pg_tck.sh
           $<TARGET_FILE:test_journal>)
  set_tests_properties(journal_tck_pg PROPERTIES LABELS runtime TIMEOUT 300
                       SKIP_RETURN_CODE 77)
  # The same suites against the embedded store's journal (dqlite): one store
  # node that dq_tck.sh starts and kills (skipped without libdqlite-dev).
  if(TARGET store_node)
    add_test(NAME journal_tck_dqlite COMMAND ${CMAKE_CURRENT_LIST_DIR}/dq_tck.sh
             $<TARGET_FILE:test_journal> $<TARGET_FILE:store_node>)
    set_tests_properties(journal_tck_dqlite PROPERTIES LABELS runtime TIMEOUT 600
                         SKIP_RETURN_CODE 77)
  endif()
else()
  act_test_left_out("journal_tck" "Criterion (libcriterion-dev)")
endif()

# bench/journal: events/s with 1,000 ids through the writer, and persist
# latency at a fixed rate (run by hand: build/bin/journal_bench --help).
add_executable(journal_bench ${CMAKE_SOURCE_DIR}/bench/journal/journal_bench.c)
target_link_libraries(journal_bench PRIVATE act PkgConfig::SQLITE3 Threads::Threads m)

# The commit mark and the program's identity (tests/journal/mark.c): lost
# or damaged WAL commits refused untouched, a lagging mark accepted, what a
# reboot may lose, missing/damaged/foreign marks, another program's journal.
if(TARGET PkgConfig::CRITERION)
  add_executable(test_journal_mark ${CMAKE_CURRENT_LIST_DIR}/mark.c)
  target_include_directories(test_journal_mark PRIVATE ${CMAKE_SOURCE_DIR}/runtime/src)
  target_link_libraries(test_journal_mark PRIVATE act PkgConfig::SQLITE3 PkgConfig::CRITERION
                        Threads::Threads)
  add_test(NAME journal_mark COMMAND test_journal_mark --jobs 1)
  set_tests_properties(journal_mark PROPERTIES LABELS runtime TIMEOUT 120)
else()
  act_test_left_out("journal_mark" "Criterion (libcriterion-dev)")
endif()
