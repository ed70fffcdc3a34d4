#!/bin/sh
# All editor tests: Vim, Emacs, VS Code grammar.
here=$(cd "$(dirname "$0")" && pwd)
status=0
for t in vim emacs vscode; do "$here/test/$t.sh" || status=1; done
exit $status
