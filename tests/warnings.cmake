# The generated C must compile without warnings under every C compiler we
# have: gcc always (a build dependency), clang where it is installed.
find_program(ACT_CLANG clang)
set(_warn_ccs gcc)
if(ACT_CLANG)
  list(APPEND _warn_ccs clang)
else()
  act_test_left_out("generated_c_warnings under clang" "clang")
endif()
add_test(NAME generated_c_warnings
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/warnings.sh ${CMAKE_BINARY_DIR}/bin/actorc ${_warn_ccs})
