add_test(NAME example_embed COMMAND ${CMAKE_CURRENT_LIST_DIR}/embed.sh ${CMAKE_BINARY_DIR})
