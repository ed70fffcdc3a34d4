# Configuring with only the build's dependencies works and says what it
# leaves out (tests/fresh_configure.sh).
add_test(NAME fresh_configure COMMAND ${CMAKE_CURRENT_LIST_DIR}/fresh_configure.sh ${CMAKE_SOURCE_DIR})
set_tests_properties(fresh_configure PROPERTIES TIMEOUT 120)
