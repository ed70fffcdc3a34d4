/* libFuzzer target: lexer + parser + checker on arbitrary bytes. Built by
 * `make fuzz` (clang); CI runs it for a bounded time. */
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
  if (f == NULL) return 0;
  ast_t *m = parse_module(f, &d);
  if (d.errors == 0) {
    program_t prog;
    sema_opts_t opts = {.stdlib_dir = "/nonexistent", .require_main = 0};
    sema_check_module(m, &opts, &d, &prog);
  }
  return 0;
}

/* The front end keeps its names and trees until exit (see driver/main.c);
 * only memory errors count here. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "detect_leaks=0"; }
