# The emitted C itself: names that are no C identifiers, #line mapping,
# and the emitted-C goldens (tests/emit/NAME.act -> NAME.c/.h.expected).
add_test(NAME emit_root_name
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/root_name.sh ${CMAKE_BINARY_DIR}/bin/actorc)
