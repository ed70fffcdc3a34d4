# The collector's heap in 2 MB pages (heap_hugepage.sh).
# Not under the sanitizers: they map memory of their own.
if(NOT ACT_SANITIZE)
  add_test(NAME heap_hugepage COMMAND ${CMAKE_CURRENT_LIST_DIR}/heap_hugepage.sh ${CMAKE_BINARY_DIR}/bin/actorc)
endif()
