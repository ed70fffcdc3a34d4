add_test(NAME link_errors COMMAND ${CMAKE_CURRENT_LIST_DIR}/link_errors.sh ${CMAKE_BINARY_DIR}/bin/actorc)
