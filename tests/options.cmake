# Runtime options: bad --act-* options and ACT_* variables end the program
# with status 2 before Main starts; --act-help; --act-seed.
add_test(NAME runtime_options COMMAND ${CMAKE_CURRENT_LIST_DIR}/options.sh ${CMAKE_BINARY_DIR}/bin/actorc)
