# The emitted C itself: names that are no C identifiers, #line mapping,
# and the emitted-C goldens (tests/emit/NAME.act -> NAME.c/.h.expected).
add_test(NAME emit_root_name
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/root_name.sh ${CMAKE_BINARY_DIR}/bin/actorc)
add_test(NAME emit_extern_header
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/extern_header.sh ${CMAKE_BINARY_DIR}/bin/actorc)
add_test(NAME emit_lines
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/lines.sh ${CMAKE_BINARY_DIR}/bin/actorc
          ${CMAKE_SOURCE_DIR}/examples/pingpong/pingpong.act)
set_tests_properties(emit_lines PROPERTIES SKIP_RETURN_CODE 77)
# Emitted-C goldens (UPDATE=1 tests/emit/golden.sh ACTORC NAME.act rewrites one)
file(GLOB ACT_EMIT_GOLDEN CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.act)
foreach(src ${ACT_EMIT_GOLDEN})
  get_filename_component(name ${src} NAME_WE)
  add_test(NAME emit_golden_${name}
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/golden.sh ${CMAKE_BINARY_DIR}/bin/actorc ${src})
endforeach()
