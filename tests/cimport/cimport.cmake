# `import c` (sema/cimport.c), only when actorc was built with libclang:
# NAME.act + NAME.out run like golden programs, NAME.act + NAME.expected
# are diagnostic tests (tests/diag/run.sh).
if(NOT ACT_HAVE_LIBCLANG)
  act_test_left_out("import c tests" "libclang (libclang-dev)")
  return()
endif()
pkg_check_modules(ACT_TEST_ZLIB QUIET zlib)
file(GLOB ACT_CIMPORT CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.act)
foreach(src ${ACT_CIMPORT})
  get_filename_component(name ${src} NAME_WE)
  if(name STREQUAL "zlib" AND NOT ACT_TEST_ZLIB_FOUND)
    act_test_left_out("cimport_zlib" "zlib (zlib1g-dev)")
  elseif(EXISTS ${CMAKE_CURRENT_LIST_DIR}/${name}.out)
    add_test(NAME cimport_${name}
      COMMAND ${CMAKE_CURRENT_LIST_DIR}/../run_example.sh ${CMAKE_BINARY_DIR}/bin/actorc ${src})
  else()
    add_test(NAME cimport_${name}
      COMMAND ${CMAKE_CURRENT_LIST_DIR}/../diag/run.sh ${CMAKE_BINARY_DIR}/bin/actorc ${name})
    set_tests_properties(cimport_${name} PROPERTIES ENVIRONMENT ACT_DIAG_DIR=${CMAKE_CURRENT_LIST_DIR})
  endif()
endforeach()
# nolib/: the same actorc as if libclang were missing (ACT_LIBCLANG names a
# file that is not there, and then nothing else is tried): `import c` is an
# error at the import, an extern block's header is still looked for, and a
# program with one builds and runs.
set(_nolib ${CMAKE_CURRENT_LIST_DIR}/nolib)
add_test(NAME cimport_nolib_diag
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/../diag/run.sh ${CMAKE_BINARY_DIR}/bin/actorc no_libclang extern_header)
add_test(NAME cimport_nolib_extern_run
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/../run_example.sh ${CMAKE_BINARY_DIR}/bin/actorc ${_nolib}/extern_run.act)
set_tests_properties(cimport_nolib_diag PROPERTIES
  ENVIRONMENT "ACT_DIAG_DIR=${_nolib};ACT_LIBCLANG=/nonexistent/libclang.so")
set_tests_properties(cimport_nolib_extern_run PROPERTIES ENVIRONMENT "ACT_LIBCLANG=/nonexistent/libclang.so")
