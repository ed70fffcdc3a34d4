" Vim compiler file: `:make` runs `actorc check` on the current file and
" fills the quickfix list from its file:line:col diagnostics.
if exists("current_compiler")
  finish
endif
let current_compiler = "actorc"
CompilerSet makeprg=actorc\ check\ %
CompilerSet errorformat=%f:%l:%c:\ %trror:\ %m,%f:%l:%c:\ %tarning:\ %m,%f:%l:%c:\ %tote:\ %m,%-G%.%#
