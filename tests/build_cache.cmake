add_test(NAME build_cache COMMAND ${CMAKE_CURRENT_LIST_DIR}/build_cache.sh
         ${CMAKE_BINARY_DIR}/bin/actorc ${CMAKE_SOURCE_DIR}/bench/check/gen.sh)
add_test(NAME build_parts COMMAND ${CMAKE_CURRENT_LIST_DIR}/build_parts.sh
         ${CMAKE_BINARY_DIR}/bin/actorc ${CMAKE_SOURCE_DIR}/bench/check/gen.sh)
