/* parse_ctx.h: state shared by the Lemon actions and the parser glue. */
#ifndef ACT_PARSE_CTX_H
#define ACT_PARSE_CTX_H

#include "ast/ast.h"
#include "diag/diag.h"
#include "syntax/lex.h"

typedef struct parse_ctx {
  diag_t *diag;
  const src_file_t *file;
  loc_t loc0;               /* location for empty lists */
  ast_t *root_decls;        /* program ::= decls */
  int accepted;             /* program ::= decls was reduced: the input ended well */
  ast_t *interp_expr;       /* program ::= INTERP_START expr */
  int failed;
  int aborted;              /* nesting limit: stop feeding tokens */
  int depth;                /* sub-parse depth (interpolation in interpolation) */
  loc_t last_loc;
  int errors;               /* syntax errors reported by this parse */
  long tokno;               /* tokens fed so far */
  long head_brace_tokno;
  struct {                  /* the token fed before the current one */
    int kind;
    loc_t loc;
    const char *s;
  } prev;
  const lexer_t *lx;        /* for "expected `}`" at end of file */
  long lex_err_tokno;       /* token during whose scan a lexical error came */
} parse_ctx_t;

void parse_syntax_error(parse_ctx_t *px, int major, const tok_t *t, void *parser);
void parse_too_deep(parse_ctx_t *px);
void parse_expect_word(parse_ctx_t *px, const tok_t *t, const char *word);
const char *parse_plain_string(parse_ctx_t *px, const tok_t *t);
void parse_check_extern_c(parse_ctx_t *px, const tok_t *t);
ast_t *parse_name(parse_ctx_t *px, const tok_t *t);
ast_t *parse_literal(parse_ctx_t *px, const tok_t *t);
ast_t *parse_string(parse_ctx_t *px, const tok_t *t);
ast_t *parse_binary(parse_ctx_t *px, const tok_t *op, ast_op_t o, ast_t *l, ast_t *r);
ast_t *parse_unary(parse_ctx_t *px, const tok_t *op, ast_op_t o, ast_t *e);
ast_t *parse_assign(parse_ctx_t *px, const tok_t *op, ast_op_t o, ast_t *l, ast_t *r);
ast_t *parse_actor(parse_ctx_t *px, const tok_t *name, int flags, ast_t *params,
                   ast_t *protos, ast_t *members);
void parse_params_to_fields(ast_t *list);
void parse_drop_first(ast_t *list);
void parse_check_struct_type(parse_ctx_t *px, ast_t *t);
/* Flag n AST_SYNTAX_ERROR when a syntax error was reported since `first`
 * (its first token) was read: the checker then leaves it alone. */
void parse_mark_broken(parse_ctx_t *px, ast_t *n, const tok_t *first);

#endif
