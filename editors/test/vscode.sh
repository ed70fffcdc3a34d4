#!/bin/sh
# TextMate grammar tests with vscode-tmgrammar-test (installed from npm into
# editors/vscode/node_modules on first use).
dir=$(cd "$(dirname "$0")/../vscode" && pwd)
cd "$dir" || exit 1
command -v npm >/dev/null || { echo "SKIP: npm not installed"; exit 77; }
if [ ! -x node_modules/.bin/vscode-tmgrammar-test ]; then
  npm install --no-audit --no-fund --silent >/dev/null 2>&1 || { echo "SKIP: cannot install vscode-tmgrammar-test"; exit 77; }
fi
node_modules/.bin/vscode-tmgrammar-test -g syntaxes/act.tmLanguage.json 'test/*.act'
