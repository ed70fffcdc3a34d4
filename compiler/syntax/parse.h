/* parse.h: source text -> AST for one module.
 *
 * The lexer (grammar/lexer.re, re2c) feeds tokens, with automatic semicolons
 * (LANGUAGE.md §2), to the Lemon push parser generated from grammar/act.y.
 * Errors are reported through diag and the parser recovers at statement and
 * declaration boundaries so that one run reports every syntax error it can.
 */
#ifndef ACT_PARSE_H
#define ACT_PARSE_H

#include "ast/ast.h"
#include "diag/diag.h"

/* Parse a whole file into an AST_MODULE (never NULL, possibly partial when
 * errors were reported; check d->errors). Never crashes or hangs on any
 * input: invalid UTF-8, NUL bytes, unterminated constructs, deep nesting
 * (rejected beyond 256 levels with a diagnostic). */
ast_t *parse_module(src_file_t *file, diag_t *d);

#endif
