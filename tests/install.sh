#!/bin/sh
# `make install` into a temporary prefix, then, against that tree only:
# the installed actorc runs a program that imports the standard library,
# an out-of-tree CMake project (find_package(Act), act_add_sources) and a
# plain Makefile project (pkg-config act, actorc build --lib) build and
# run; the Makefile one is a C program with its own libuv loop exchanging
# messages with Act actors.
# Usage: install.sh BUILD_DIR
set -eu
build=$1
src=$(cd "$(dirname "$0")/install" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/actorc lib/libact.a include/act/act.h share/act/stdlib/std/strings.act \
         lib/pkgconfig/act.pc lib/cmake/Act/ActConfig.cmake; do
  [ -e "$prefix/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
# a cache of its own, and pkg-config sees the installed act.pc
export ACT_CACHE_DIR="$tmp/cache" PKG_CONFIG_PATH="$prefix/lib/pkgconfig"

printf 'import std.strings\nactor Main(args: [string]) {\n    init { print(strings.join(["a", "b"], "+")) }\n}\n' >"$tmp/hello.act"
out=$("$prefix/bin/actorc" run "$tmp/hello.act")
[ "$out" = "a+b" ] || { echo "FAIL installed actorc: $out"; exit 1; }

cp -r "$src/cmake_app" "$tmp/cmake_app"
cmake -S "$tmp/cmake_app" -B "$tmp/cmake_app/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/cmake_app/build" >/dev/null
out=$("$tmp/cmake_app/build/app")
[ "$out" = "5 words, the longest messages" ] || { echo "FAIL cmake_app: $out"; exit 1; }

cp -r "$src/make_app" "$tmp/make_app"
make -s -C "$tmp/make_app" >/dev/null
out=$("$tmp/make_app/host")
expected="2 pong 1
4 pong 2
6 pong 3
8 pong 4
10 pong 5
loop done, runtime stopped: yes"
[ "$out" = "$expected" ] || { echo "FAIL make_app:"; echo "$out"; exit 1; }
echo "ok install"
