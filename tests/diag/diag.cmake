# Diagnostic tests: each tests/diag/NAME.act must give exactly NAME.expected.
file(GLOB ACT_DIAG CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.act)
foreach(src ${ACT_DIAG})
  get_filename_component(name ${src} NAME_WE)
  add_test(NAME diag_${name}
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/run.sh ${CMAKE_BINARY_DIR}/bin/actorc ${name})
endforeach()
