add_test(NAME crash_report COMMAND ${CMAKE_CURRENT_LIST_DIR}/crash_report.sh ${CMAKE_BINARY_DIR}/bin/actorc)
