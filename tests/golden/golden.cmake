# Golden programs: each tests/golden/NAME.act runs with `actorc run` and its
# stdout must equal NAME.out (and its status NAME.status, default 0).
file(GLOB ACT_GOLDEN CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.act)
foreach(src ${ACT_GOLDEN})
  get_filename_component(name ${src} NAME_WE)
  add_test(NAME golden_${name}
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/../run_example.sh ${CMAKE_BINARY_DIR}/bin/actorc ${src})
endforeach()
