# Editor support: highlighting and indentation tests for Vim, Emacs and the
# VS Code TextMate grammar (each skips with a message if its tool is absent).
add_test(NAME editors_vim COMMAND ${CMAKE_SOURCE_DIR}/editors/test/vim.sh)
add_test(NAME editors_emacs COMMAND ${CMAKE_SOURCE_DIR}/editors/test/emacs.sh)
add_test(NAME editors_vscode COMMAND ${CMAKE_SOURCE_DIR}/editors/test/vscode.sh)
