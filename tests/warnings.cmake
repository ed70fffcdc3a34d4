add_test(NAME generated_c_warnings COMMAND ${CMAKE_CURRENT_LIST_DIR}/warnings.sh ${CMAKE_BINARY_DIR}/bin/actorc)
