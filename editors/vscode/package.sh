#!/bin/sh
# Packages the extension as a .vsix when the packaging tool can be had.
cd "$(dirname "$0")" || exit 1
if npx --yes @vscode/vsce --version >/dev/null 2>&1; then
  npx --yes @vscode/vsce package --allow-missing-repository --skip-license -o act-language.vsix
else
  echo "SKIP: @vscode/vsce is not available; no .vsix built"
fi
