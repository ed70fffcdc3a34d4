/* parse.c: the lexer → Lemon push-parser loop (like sqlite3RunParser), the
 * struct-literal brace rule, interpolated strings, and the helpers the
 * grammar actions call. */
#include "syntax/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act_parse.h"
#include "syntax/lex.h"
#include "syntax/parse_ctx.h"

void *act_parserAlloc(void *(*malloc_fn)(size_t), parse_ctx_t *px);
void act_parserFree(void *p, void (*free_fn)(void *));
void act_parser(void *p, int major, tok_t minor);

/* ---- diagnostics ------------------------------------------------------- */

static const char *describe(int major, const tok_t *t, char *buf, size_t n) {
  switch (major) {
  case 0: return "end of file";
  case TK_SEMI: return t->loc.col && t->len == 0 ? "end of line" : "`;`";
  case TK_IDENT: snprintf(buf, n, "`%s`", t->s); return buf;
  case TK_INT: case TK_FLOAT: return "a number";
  case TK_DURATION: return "a duration";
  case TK_STRING: return "a string";
  default: snprintf(buf, n, "`%s`", lex_token_name(major)); return buf;
  }
}

void parse_syntax_error(parse_ctx_t *px, int major, const tok_t *t) {
  char buf[96];
  if (px->aborted)
    return;
  if (major == TK_ELSE) {
    diag_error(px->diag, t->loc, "unexpected `else`");
    diag_hint(px->diag, "put `else` on the same line as the `}` before it");
    return;
  }
  diag_error(px->diag, t->loc, "unexpected %s", describe(major, t, buf, sizeof buf));
  if (major == TK_LBRACE)
    diag_hint(px->diag, "a struct literal in the head of if/while/for/match needs parentheses");
}

void parse_too_deep(parse_ctx_t *px) {
  if (!px->aborted)
    diag_error(px->diag, px->last_loc, "nesting too deep for the parser");
  px->aborted = 1;
}

void parse_expect_word(parse_ctx_t *px, const tok_t *t, const char *word) {
  if (t->s == NULL || strcmp(t->s, word) != 0)
    diag_error(px->diag, t->loc, "expected `%s` here, found `%s`", word,
               t->s ? t->s : "?");
}

const char *parse_plain_string(parse_ctx_t *px, const tok_t *t) {
  const strpart_t *p = t->parts;
  if (p == NULL)
    return "";
  if (p->is_expr || p->next) {
    diag_error(px->diag, t->loc, "interpolation is not allowed here");
    return "";
  }
  return p->s;
}

void parse_check_extern_c(parse_ctx_t *px, const tok_t *t) {
  const char *s = parse_plain_string(px, t);
  if (strcmp(s, "C") != 0)
    diag_error(px->diag, t->loc, "only extern \"C\" is supported");
}

/* ---- node builders ----------------------------------------------------- */

ast_t *parse_name(parse_ctx_t *px, const tok_t *t) {
  (void)px;
  ast_t *n = ast_new(AST_NAME, t->loc);
  n->name = t->s;
  return n;
}

ast_t *parse_literal(parse_ctx_t *px, const tok_t *t) {
  (void)px;
  ast_t *n;
  switch (t->kind) {
  case TK_FLOAT: n = ast_new(AST_FLOAT, t->loc); n->lit.f = t->f; break;
  case TK_DURATION: n = ast_new(AST_DURATION, t->loc); n->lit.i = t->i; break;
  default: n = ast_new(AST_INT, t->loc); n->lit.i = t->i; break;
  }
  return n;
}

static ast_t *parse_fragment(parse_ctx_t *px, const strpart_t *part);

ast_t *parse_string(parse_ctx_t *px, const tok_t *t) {
  const strpart_t *p = t->parts;
  if (p != NULL && p->next == NULL && !p->is_expr) {
    ast_t *s = ast_new(AST_STRING, t->loc);
    s->lit.s = p->s;
    s->lit.len = p->len;
    return s;
  }
  ast_t *n = ast_new(AST_INTERP, t->loc);
  for (; p != NULL; p = p->next) {
    if (p->is_expr) {
      ast_t *e = parse_fragment(px, p);
      if (e != NULL)
        ast_add(n, e);
    } else if (p->len > 0) {
      ast_t *s = ast_new(AST_STRING, p->loc);
      s->lit.s = p->s;
      s->lit.len = p->len;
      ast_add(n, s);
    }
  }
  return n;
}

ast_t *parse_binary(parse_ctx_t *px, const tok_t *op, ast_op_t o, ast_t *l, ast_t *r) {
  (void)px;
  ast_t *n = ast_new(AST_BINARY, op->loc);
  n->op = o;
  ast_add(n, l);
  ast_add(n, r);
  return n;
}

ast_t *parse_unary(parse_ctx_t *px, const tok_t *op, ast_op_t o, ast_t *e) {
  (void)px;
  ast_t *n = ast_new(AST_UNARY, op->loc);
  n->op = o;
  ast_add(n, e);
  return n;
}

ast_t *parse_assign(parse_ctx_t *px, const tok_t *op, ast_op_t o, ast_t *l, ast_t *r) {
  switch (l->kind) {
  case AST_NAME: case AST_DOT: case AST_INDEX: break;
  default:
    diag_error(px->diag, l->loc, "cannot assign to this expression");
  }
  ast_t *n = ast_new(AST_ASSIGN, op->loc);
  n->op = o;
  ast_add(n, l);
  ast_add(n, r);
  return n;
}

ast_t *parse_actor(parse_ctx_t *px, const tok_t *name, int flags, ast_t *params,
                   ast_t *protos, ast_t *members) {
  (void)px;
  ast_t *a = ast_new(AST_ACTOR, name->loc);
  a->name = name->s;
  a->flags |= (unsigned)flags;
  ast_add(a, params);
  ast_add(a, protos);
  ast_add(a, members);
  return a;
}

void parse_params_to_fields(ast_t *list) {
  for (int i = 0; i < list->nkids; i++)
    if (list->kids[i] && list->kids[i]->kind == AST_PARAM)
      list->kids[i]->kind = AST_FIELD;
}

void parse_names_to_tnames(ast_t *list) {
  for (int i = 0; i < list->nkids; i++)
    if (list->kids[i])
      list->kids[i]->kind = AST_TNAME;
}

void parse_check_struct_type(parse_ctx_t *px, ast_t *t) {
  if (t->kind == AST_NAME || (t->kind == AST_DOT && t->kids[0]->kind == AST_NAME))
    return;
  diag_error(px->diag, t->loc, "expected a struct name before `{`");
}

void parse_drop_first(ast_t *list) {
  if (list->nkids > 0) {
    memmove(list->kids, list->kids + 1, sizeof(ast_t *) * (size_t)(list->nkids - 1));
    list->nkids--;
  }
}

/* ---- the token loop ----------------------------------------------------- */

/* Tokens after which an identifier starts an expression, so that `Name {`
 * opens a struct literal (not a block). */
static int expr_context(int kind) {
  switch (kind) {
  case TK_ASSIGN: case TK_PLUSEQ: case TK_MINUSEQ: case TK_STAREQ:
  case TK_SLASHEQ: case TK_PERCENTEQ: case TK_LPAREN: case TK_LBRACKET:
  case TK_COMMA: case TK_COLON: case TK_RETURN: case TK_BANG: case TK_QUESTION:
  case TK_EQ: case TK_NE: case TK_LT: case TK_LE: case TK_GT: case TK_GE:
  case TK_PLUS: case TK_MINUS: case TK_STAR: case TK_SLASH: case TK_PERCENT:
  case TK_ANDAND: case TK_OROR: case TK_AMP: case TK_PIPE: case TK_CARET:
  case TK_SHL: case TK_SHR: case TK_TILDE: case TK_AWAIT: case TK_FATARROW:
  case TK_SPAWN: case TK_PERSIST: case TK_IN: case TK_DOTDOT: case TK_WITHIN:
  case TK_SLBRACE: case TK_MATCH: case TK_IF: case TK_WHILE: case TK_INTERP_START:
    return 1;
  default:
    return 0;
  }
}

typedef struct glue {
  lexer_t lx;
  int prev;                 /* the last token handed to the parser */
  int struct_ok;            /* an identifier chain in expression context */
} glue_t;

/* Feed every token of lx to the parser; returns after end of input. */
static void run(parse_ctx_t *px, glue_t *g, void *parser, int start_token) {
  tok_t t;
  if (start_token) {
    memset(&t, 0, sizeof t);
    act_parser(parser, start_token, t);
    g->prev = start_token;
  }
  int in_head = 0, head_depth = 0;
  for (;;) {
    lex_next(&g->lx, &t);
    if (g->lx.nest > 256) {
      px->aborted = 1;
      break;
    }
    if (t.kind == TK_IF || t.kind == TK_WHILE || t.kind == TK_FOR || t.kind == TK_MATCH) {
      in_head = 1;
      head_depth = g->lx.paren_depth;
    }
    if (t.kind == TK_LBRACE) {
      int top_level_head = in_head && g->lx.paren_depth - 1 == head_depth;
      if (!top_level_head && g->prev == TK_IDENT && g->struct_ok) {
        t.kind = TK_SLBRACE;
        lex_retag_brace(&g->lx, TK_SLBRACE);
      } else if (top_level_head) {
        in_head = 0;
      }
    }
    /* Track whether the identifier chain in progress started in an
     * expression context (`x = a.b.C {` is a struct literal). */
    if (t.kind == TK_IDENT) {
      if (g->prev != TK_DOT) {
        g->struct_ok = expr_context(g->prev);
        /* After `:` a name starts a struct literal only inside ( [ or a
         * struct literal (`[k: P{...}]`, `Q{p: P{...}}`); elsewhere it is a
         * type (`actor A : Proto {`, `let x: T`). */
        if (g->prev == TK_COLON) {
          int top = g->lx.paren_depth ? g->lx.paren_stack[g->lx.paren_depth - 1] : 0;
          g->struct_ok = top == TK_LPAREN || top == TK_LBRACKET || top == TK_SLBRACE;
        }
      }
    } else if (t.kind != TK_DOT) {
      g->struct_ok = 0;
    }
    g->prev = t.kind;
    px->last_loc = t.loc;
    act_parser(parser, t.kind, t);
    if (t.kind == 0 || px->aborted)
      break;
  }
}

static ast_t *parse_range(parse_ctx_t *outer, const src_file_t *f,
                          const char *start, const char *end, int line, int col,
                          int start_token) {
  parse_ctx_t px;
  memset(&px, 0, sizeof px);
  px.diag = outer ? outer->diag : NULL;
  px.file = f;
  px.depth = outer ? outer->depth + 1 : 0;
  px.loc0.file = f;
  px.loc0.line = line;
  px.loc0.col = col;
  glue_t g;
  memset(&g, 0, sizeof g);
  lex_init(&g.lx, f, start, end, line, col, px.diag);
  void *parser = act_parserAlloc(malloc, &px);
  if (parser == NULL) {
    fputs("actorc: out of memory\n", stderr);
    exit(3);
  }
  run(&px, &g, parser, start_token);
  act_parserFree(parser, free);
  lex_free(&g.lx);
  if (outer && px.aborted)
    outer->aborted = 1;
  return start_token ? px.interp_expr : px.root_decls;
}

/* Parse the source of an interpolated `{expr}` on its own. */
static ast_t *parse_fragment(parse_ctx_t *px, const strpart_t *part) {
  if (px->depth > 8) {
    diag_error(px->diag, part->loc, "string interpolation nested too deeply");
    return NULL;
  }
  int errors = px->diag->errors;
  ast_t *e = parse_range(px, px->file, part->s, part->s + part->len,
                         part->loc.line, part->loc.col, TK_INTERP_START);
  if (e == NULL && px->diag->errors == errors)
    diag_error(px->diag, part->loc, "expected an expression inside `{...}`");
  return e;
}

ast_t *parse_module(src_file_t *file, diag_t *d) {
  parse_ctx_t outer;
  memset(&outer, 0, sizeof outer);
  outer.diag = d;
  outer.file = file;
  outer.depth = -1;
  loc_t l0 = {file, 1, 1};
  ast_t *decls = parse_range(&outer, file, file->text, file->text + file->len,
                             1, 1, 0);
  ast_t *m = ast_new(AST_MODULE, l0);
  m->lit.s = file->path;
  if (decls != NULL)
    for (int i = 0; i < decls->nkids; i++)
      ast_add(m, decls->kids[i]);
  return m;
}
