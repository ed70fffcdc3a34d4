#!/bin/sh
# Installs what the build and the tests need on Debian/Ubuntu, only what is
# missing. As root it runs apt-get; otherwise it prints the one line to run.
# Usage: scripts/deps.sh [build|test|bench]
set -e
what=${1:-build}

# package:probe — a probe is a command (cmd:NAME), a pkg-config module
# (pc:NAME) or a file (file:PATH).
# `build` is all that `make run` needs; the C library's headers are named
# because gcc only recommends them and recommends are not installed.
build_pkgs="cmake:cmd:cmake gcc:cmd:gcc libc6-dev:file:/usr/include/stdio.h make:cmd:make
pkg-config:cmd:pkg-config re2c:cmd:re2c lemon:cmd:lemon libuv1-dev:pc:libuv
libsqlite3-dev:pc:sqlite3 libgc-dev:pc:bdw-gc libssl-dev:pc:openssl libpq-dev:pc:libpq libjansson-dev:pc:jansson
libhttp-parser-dev:file:/usr/include/http_parser.h libdqlite-dev:pc:dqlite"
test_pkgs="libcriterion-dev:pc:criterion clang:cmd:clang python3:cmd:python3
libclang-dev:file:/usr/lib/llvm-14/include/clang-c/Index.h zlib1g-dev:pc:zlib
libclang-rt-14-dev:file:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
vim:cmd:vim emacs-nox:cmd:emacs nodejs:cmd:node npm:cmd:npm spin:cmd:spin
postgresql-15:file:/usr/lib/postgresql/15/bin/initdb iproute2:cmd:ip
curl:cmd:curl netcat-openbsd:cmd:nc gdb:cmd:gdb"
bench_pkgs="gnuplot-nox:cmd:gnuplot time:file:/usr/bin/time bc:cmd:bc wrk:cmd:wrk golang-go:cmd:go erlang-base:cmd:erl"

case "$what" in
  build) list="$build_pkgs" ;;
  test)  list="$build_pkgs $test_pkgs" ;;
  bench) list="$build_pkgs $bench_pkgs" ;;
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

missing=""
for entry in $list; do
  pkg=${entry%%:*}; probe=${entry#*:}
  kind=${probe%%:*}; name=${probe#*:}
  case "$kind" in
    cmd)  command -v "$name" >/dev/null 2>&1 && continue ;;
    pc)   command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$name" && continue ;;
    file) [ -e "$name" ] && continue ;;
  esac
  missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  echo "missing packages:$missing" >&2
  echo "run:  sudo apt-get install -y$missing" >&2
  exit 1
fi
