/* libFuzzer target: lexer + parser + checker on arbitrary bytes. Built by
 * `make fuzz` (clang); CI runs it for a bounded time.
 *
 * The checker runs also after syntax errors (it skips what they broke), so
 * broken trees are fuzzed too. Every input's memory is released before the
 * next (trees, names, types, checker tables, source copies), so the
 * fuzzer's memory stays flat and it can run for hours under -rss_limit_mb. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ast/ast.h"
#include "sema/sema.h"
#include "sema/type.h"
#include "syntax/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static FILE *devnull;
  if (devnull == NULL) devnull = fopen("/dev/null", "w");
  diag_t d;
  diag_init(&d);
  d.out = devnull;
  src_file_t *f = src_from_string("fuzz.act", (const char *)data, size);
  ast_t *m = parse_module(f, &d);
  program_t prog;
  sema_opts_t opts = {.stdlib_dir = "/nonexistent", .require_main = 0};
  sema_check_module(m, &opts, &d, &prog);
  sema_release(&prog);
  type_reset();
  ast_free_all();
  strtab_free_all();
  src_free_all();
  return 0;
}

