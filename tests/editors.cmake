# Editor support: highlighting and indentation tests for Vim, Emacs and the
# VS Code TextMate grammar, each registered only where its tool is installed.
# The VS Code test also fetches its test runner from npm on first use; with
# no registry to reach it reports itself skipped (status 77), not passed.
find_program(ACT_VIM vim)
find_program(ACT_EMACS emacs)
find_program(ACT_NPM npm)
if(ACT_VIM)
  add_test(NAME editors_vim COMMAND ${CMAKE_SOURCE_DIR}/editors/test/vim.sh)
else()
  act_test_left_out("editors_vim" "vim")
endif()
if(ACT_EMACS)
  add_test(NAME editors_emacs COMMAND ${CMAKE_SOURCE_DIR}/editors/test/emacs.sh)
else()
  act_test_left_out("editors_emacs" "emacs")
endif()
if(ACT_NPM)
  add_test(NAME editors_vscode COMMAND ${CMAKE_SOURCE_DIR}/editors/test/vscode.sh)
  set_tests_properties(editors_vscode PROPERTIES SKIP_RETURN_CODE 77)
else()
  act_test_left_out("editors_vscode" "npm (node)")
endif()
