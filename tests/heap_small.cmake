# The collector's initial heap stays small (heap_small.sh).
# Not under the sanitizers: their shadow memory is what the peak would show.
if(NOT ACT_SANITIZE)
  add_test(NAME heap_small COMMAND ${CMAKE_CURRENT_LIST_DIR}/heap_small.sh ${CMAKE_BINARY_DIR}/bin/actorc)
endif()
