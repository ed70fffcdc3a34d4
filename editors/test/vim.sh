#!/bin/sh
# Vim highlighting and indentation tests (headless).
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v vim >/dev/null || { echo "SKIP: vim not installed"; exit 0; }
vim -Nu NONE -i NONE -es --cmd "let g:root='$root'" -S "$root/editors/test/vim_test.vim" </dev/null
status=$?
[ $status = 0 ] && echo "ok vim"
exit $status
