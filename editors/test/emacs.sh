#!/bin/sh
# Emacs act-mode tests (ERT, batch).
here=$(cd "$(dirname "$0")" && pwd)
command -v emacs >/dev/null || { echo "SKIP: emacs not installed"; exit 0; }
emacs -Q --batch -L "$here/../emacs" -l "$here/emacs_test.el" -f ert-run-tests-batch-and-exit
