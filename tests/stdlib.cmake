# The standard library's tests that need more than a golden program: real
# processes, concurrent output, sockets and clients (std.log, std.os,
# std.net, examples/chat).
foreach(t log chat http http_timeout)
  add_test(NAME stdlib_${t} COMMAND ${CMAKE_CURRENT_LIST_DIR}/stdlib_${t}.sh ${CMAKE_BINARY_DIR}/bin/actorc)
endforeach()
# examples/kv: curl, then kill -9 under load (acknowledged PUTs survive).
add_test(NAME example_kv COMMAND ${CMAKE_CURRENT_LIST_DIR}/example_kv.sh ${CMAKE_BINARY_DIR}/bin/actorc)
