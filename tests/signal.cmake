add_test(NAME signal_shutdown COMMAND ${CMAKE_CURRENT_LIST_DIR}/signal.sh ${CMAKE_BINARY_DIR}/bin/actorc)
