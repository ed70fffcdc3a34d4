# Criterion unit tests of the front end and the runtime.
if(TARGET PkgConfig::CRITERION)
  foreach(t lexer parser sema)
    add_executable(test_${t} ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c)
    target_link_libraries(test_${t} PRIVATE actorc_lib PkgConfig::CRITERION)
    add_test(NAME unit_${t} COMMAND test_${t})
  endforeach()
  foreach(t values sched)
    add_executable(test_${t} ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c)
    target_link_libraries(test_${t} PRIVATE act PkgConfig::CRITERION)
    add_test(NAME unit_${t} COMMAND test_${t})
    set_tests_properties(unit_${t} PROPERTIES LABELS runtime)
  endforeach()
else()
  act_test_left_out("unit_lexer, unit_parser, unit_sema, unit_values, unit_sched" "Criterion (libcriterion-dev)")
endif()
# The scheduler, mailbox and timer tests again without Criterion's runner,
# which cannot start under ThreadSanitizer (see tsan_criterion.h); `make
# tsan` runs this one. It needs no Criterion at all, so it is always built.
add_executable(test_sched_shim ${CMAKE_CURRENT_LIST_DIR}/test_sched.c)
target_compile_definitions(test_sched_shim PRIVATE ACT_TSAN_SHIM)
target_link_libraries(test_sched_shim PRIVATE act)
add_test(NAME unit_sched_shim COMMAND test_sched_shim)
set_tests_properties(unit_sched_shim PROPERTIES LABELS runtime TIMEOUT 300)
