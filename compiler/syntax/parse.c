/* parse.c: the lexer → Lemon push-parser loop (like sqlite3RunParser), the
 * struct-literal brace rule, interpolated strings, and the helpers the
 * grammar actions call. */
#include "syntax/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act_parse.h"
#include "common/xalloc.h"
#include "syntax/lex.h"
#include "syntax/parse_ctx.h"

void *act_parserAlloc(void *(*malloc_fn)(size_t), parse_ctx_t *px);
void act_parserInit(void *p, parse_ctx_t *px);
void act_parserFinalize(void *p);
void act_parser(void *p, int major, tok_t minor);
/* grammar/act.y %code */
int act_parser_accepts(void *p, int token);
int act_parser_expected(void *p, int *out, int max);
int act_parser_recovery_depth(void *p);
int act_parser_open_depth(void *p, tok_t *open);

/* ---- diagnostics ------------------------------------------------------- */

/* The offending token as the user wrote it. */
static const char *describe(int major, const tok_t *t, char *buf, size_t n) {
  switch (major) {
  case 0: return "end of file";
  case TK_SEMI: return t->text == NULL ? "end of line" : "`;`";
  case TK_STRING: return "a string";
  default:
    if (t->text != NULL && t->textlen > 0) {
      int len = t->textlen > 40 ? 40 : t->textlen;
      snprintf(buf, n, "`%.*s%s`", len, t->text, t->textlen > 40 ? "..." : "");
    } else {
      snprintf(buf, n, "`%s`", lex_token_name(major));
    }
    return buf;
  }
}

/* Tokens that only continue an expression or statement already complete:
 * never worth naming in "expected ...". */
static int is_continuation(int k) {
  switch (k) {
  case TK_OROR: case TK_ANDAND: case TK_EQ: case TK_NE: case TK_LT: case TK_LE:
  case TK_GT: case TK_GE: case TK_PIPE: case TK_CARET: case TK_AMP: case TK_SHL:
  case TK_SHR: case TK_PLUS: case TK_MINUS: case TK_STAR: case TK_SLASH:
  case TK_PERCENT: case TK_QUESTION: case TK_DOT: case TK_LPAREN:
  case TK_LBRACKET: case TK_AS: case TK_SLBRACE: case TK_AT: case TK_WITHIN:
  case TK_ASSIGN: case TK_PLUSEQ: case TK_MINUSEQ: case TK_STAREQ:
  case TK_SLASHEQ: case TK_PERCENTEQ: case TK_BANG: case TK_TLT: case TK_ON:
  case TK_RESTART:
    return 1;
  default:
    return 0;
  }
}

/* Binary operators (and `.`, `as`, `within`) cannot start a statement: at
 * the start of a line one means the newline before it ended the statement
 * (LANGUAGE.md §2), where the writer meant to go on. */
static int is_infix(int k) {
  switch (k) {
  case TK_OROR: case TK_ANDAND: case TK_EQ: case TK_NE: case TK_LT: case TK_LE:
  case TK_GT: case TK_GE: case TK_PIPE: case TK_CARET: case TK_AMP: case TK_SHL:
  case TK_SHR: case TK_PLUS: case TK_STAR: case TK_SLASH: case TK_PERCENT:
  case TK_DOT: case TK_AS: case TK_WITHIN:
    return 1;
  default:
    return 0;
  }
}

static int is_expr_start(int k) {
  switch (k) {
  case TK_IDENT: case TK_INT: case TK_FLOAT: case TK_DURATION: case TK_STRING:
  case TK_TRUE: case TK_FALSE: case TK_NONE: case TK_SELF: case TK_SENDER:
  case TK_LPAREN: case TK_LBRACKET: case TK_MINUS: case TK_BANG: case TK_TILDE:
  case TK_AWAIT: case TK_SPAWN:
    return 1;
  default:
    return 0;
  }
}

static int has(const int *set, int n, int k) {
  for (int i = 0; i < n; i++)
    if (set[i] == k)
      return 1;
  return 0;
}

/* "`)`", "a name or `)`", ... for the tokens the parser could take, or NULL
 * when they are too many to be helpful. */
static const char *expected_text(void *parser, char *buf, size_t n) {
  int set[160];
  int ns = act_parser_expected(parser, set, (int)(sizeof set / sizeof *set));
  if (ns <= 0 || ns > (int)(sizeof set / sizeof *set))
    return NULL;
  const char *words[8];
  char quoted[8][24];
  int nw = 0;
  int expr = has(set, ns, TK_IDENT) && has(set, ns, TK_INT) && has(set, ns, TK_STRING);
  int stmt = has(set, ns, TK_LET) && has(set, ns, TK_IF);
  if (stmt)
    return NULL;
  if (expr)
    words[nw++] = "an expression";
  else if (has(set, ns, TK_IDENT))
    words[nw++] = "a name";
  int semi = has(set, ns, TK_SEMI);
  for (int i = 0; i < ns; i++) {
    int k = set[i];
    if (k == TK_IDENT || (expr && is_expr_start(k)) || is_continuation(k))
      continue;
    if (k == 0 && ns > 1)
      continue;
    if (semi && k == TK_RBRACE)
      continue;     /* "a newline or `;`" covers the end of a block too */
    if (nw == 4)
      return NULL;
    if (k == TK_SEMI) {
      continue;     /* named last */
    } else if (k == 0) {
      words[nw++] = "end of file";
    } else {
      snprintf(quoted[nw], sizeof quoted[nw], "`%s`", lex_token_name(k));
      words[nw] = quoted[nw];
      nw++;
    }
  }
  if (semi && nw < 4) {
    words[nw] = nw == 0 ? "a newline or `;`" : "a newline";
    nw++;
  }
  if (nw == 0 || nw > 3)
    return NULL;
  size_t len = 0;
  buf[0] = '\0';
  for (int i = 0; i < nw && len < n; i++) {
    const char *sep = i == 0 ? "" : i == nw - 1 ? " or " : ", ";
    len += (size_t)snprintf(buf + len, n - len, "%s%s", sep, words[i]);
  }
  return buf;
}

void parse_syntax_error(parse_ctx_t *px, int major, const tok_t *t, void *parser) {
  char buf[96], ebuf[160];
  if (px->aborted)
    return;
  px->errors++;
  if (major == TK_ELSE) {
    diag_error(px->diag, t->loc, "unexpected `else`");
    diag_hint(px->diag, "put `else` on the same line as the `}` before it");
    return;
  }
  if (major == TK_MODULE) {
    /* reserved, with no declaration of its own: a user from Go or Erlang
     * writes one at the top of a file */
    diag_error(px->diag, t->loc, "unexpected `module`: a file's module name comes from its path");
    diag_hint(px->diag, "remove this line; `import shop.cart` finds shop/cart.act next to the "
                        "importing file");
    return;
  }
  /* A lexical error just before already explains the problem (a bad
   * character, an unterminated string swallowing a `)`). */
  if (px->lex_err_tokno > 0 && px->tokno - px->lex_err_tokno <= 2)
    return;
  if (major == 0 && px->depth > 0) {
    diag_error(px->diag, t->loc, "expected an expression before `}`");
    return;
  }
  if (major == 0 && px->lx != NULL && px->lx->paren_depth > 0) {
    int top = px->lx->paren_depth - 1;
    int k = px->lx->paren_stack[top];
    loc_t open = px->lx->paren_loc[top];
    const char *closer = k == TK_LPAREN ? ")" : k == TK_LBRACKET ? "]" : "}";
    diag_error(px->diag, t->loc, "expected `%s` before end of file", closer);
    if (k == TK_LBRACE && px->lx->misclosed) {
      /* The innermost open brace is only where counting ends; the one a
       * user forgot is usually where indentation and braces part. */
      diag_note(px->diag, px->lx->misclosed_open,
                "this `{` is probably the one never closed: the `}` at line %d that "
                "closes it is indented differently", px->lx->misclosed_close.line);
      return;
    }
    diag_note(px->diag, open, "the `%s` opened here is never closed", lex_token_name(k));
    return;
  }
  const char *what = describe(major, t, buf, sizeof buf);
  const char *exp = expected_text(parser, ebuf, sizeof ebuf);
  if (exp != NULL && strcmp(exp, "`fn`") == 0 && px->prev.kind == TK_IDENT) {
    /* a name where a declaration starts (only `blocking fn` may) */
    diag_error(px->diag, px->prev.loc, "expected a declaration, found `%s`",
               px->prev.s ? px->prev.s : "?");
    return;
  }
  if (exp != NULL)
    diag_error(px->diag, t->loc, "expected %s before %s", exp, what);
  else
    diag_error(px->diag, t->loc, "unexpected %s", what);
  if (major == TK_WITHIN && !t->bol) {
    diag_hint(px->diag, "`within` sets the time-out of an `await`: `let v = await ref ? Msg within 2s`");
    return;
  }
  if (t->bol && is_infix(major)) {
    diag_hint(px->diag, "the newline before it ended the statement; to go on, end the line before with the `%s` "
                        "instead of starting this one with it", lex_token_name(major));
    return;
  }
  if (px->tokno - px->head_brace_tokno <= 3 && px->head_brace_tokno > 0 &&
      (major == TK_COLON || major == TK_LBRACE))
    diag_hint(px->diag, "a struct literal in the head of `if`, `while`, `for` or `match` "
                        "must be in parentheses: `if p == (Point{x: 0, y: 0}) {`");
}

void parse_too_deep(parse_ctx_t *px) {
  if (!px->aborted) {
    diag_error(px->diag, px->last_loc, "nesting deeper than %d levels", LEX_MAX_NEST);
    diag_hint(px->diag, "split the expression or block into smaller pieces");
  }
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

static int is_comparison(const ast_t *e) {
  return e != NULL && e->kind == AST_BINARY && !(e->flags & AST_PARENS) &&
         e->op >= OP_EQ && e->op <= OP_GE;
}

ast_t *parse_binary(parse_ctx_t *px, const tok_t *op, ast_op_t o, ast_t *l, ast_t *r) {
  /* Comparisons do not associate (LANGUAGE.md §4); Lemon's %nonassoc
   * still reduces `a < b` before `==`, so the check is here. */
  if (o >= OP_EQ && o <= OP_GE && (is_comparison(l) || is_comparison(r))) {
    px->errors++; /* the checker leaves the enclosing body alone */
    diag_error(px->diag, op->loc, "comparisons cannot be chained");
    diag_hint(px->diag, "combine them with `&&`, or add parentheses");
  }
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
    px->errors++;
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

void parse_check_struct_type(parse_ctx_t *px, ast_t *t) {
  if (t->kind == AST_NAME || (t->kind == AST_DOT && t->kids[0]->kind == AST_NAME))
    return;
  diag_error(px->diag, t->loc, "expected a struct name before `{`");
}

void parse_mark_broken(parse_ctx_t *px, ast_t *n, const tok_t *first) {
  if (n != NULL && px->errors > first->errs)
    n->flags |= AST_SYNTAX_ERROR;
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
  void *parser;
  int prev;                 /* the last token kind seen */
  const char *prev_ident;   /* its text when it was an identifier */
  int struct_ok;            /* an identifier chain in expression context */
  int in_head;              /* inside the head of if/while/for/match */
  int head_depth;           /* bracket depth of that head */
  int in_actor_head;        /* `actor A(p: T) : P, Q {`: no struct literal */
  int skipping;             /* error recovery: dropping tokens */
  int sync_depth;           /* ... up to a `;` at this bracket depth */
  loc_t error_at;           /* the token of the last syntax error */
} glue_t;

static const char *word_future;

static void feed(parse_ctx_t *px, glue_t *g, int kind, tok_t *t) {
  px->last_loc = t->loc;
  px->tokno++;
  t->errs = px->errors;
  act_parser(g->parser, kind, *t);
  px->prev.kind = kind;
  px->prev.loc = t->loc;
  px->prev.s = t->s;
}

static void feed_semi(parse_ctx_t *px, glue_t *g, const tok_t *at) {
  tok_t semi;
  memset(&semi, 0, sizeof semi);
  semi.kind = TK_SEMI;
  semi.loc = at->loc;
  feed(px, g, TK_SEMI, &semi);
}

/* Decide what `{` means, `<` after `future`, and track the context the
 * struct-literal rule needs. Called for every token, fed or skipped. */
static void classify(parse_ctx_t *px, glue_t *g, tok_t *t) {
  if (t->kind == TK_IF || t->kind == TK_WHILE || t->kind == TK_FOR || t->kind == TK_MATCH) {
    g->in_head = 1;
    g->head_depth = g->lx.paren_depth;
  } else if (t->kind == TK_SEMI) {
    g->in_head = 0;
  }
  if (t->kind == TK_ACTOR || t->kind == TK_SUPERVISOR)
    g->in_actor_head = 1;
  else if (t->kind == TK_SEMI)
    g->in_actor_head = 0;
  if (t->kind == TK_LBRACE && g->in_actor_head) {
    g->in_actor_head = 0;
  } else if (t->kind == TK_LBRACE) {
    /* the lexer already pushed this brace */
    int top_level_head = g->in_head && g->lx.paren_depth - 1 == g->head_depth;
    if (!top_level_head && g->prev == TK_IDENT && g->struct_ok) {
      t->kind = TK_SLBRACE;
      lex_retag_brace(&g->lx, TK_SLBRACE);
    } else {
      lex_block_brace(&g->lx);
    }
    if (t->kind == TK_LBRACE && top_level_head) {
      g->in_head = 0;
      if (g->prev == TK_IDENT && g->struct_ok)
        px->head_brace_tokno = px->tokno + 1;   /* `if p == Point{` ? */
    }
  }
  /* `future<T>` in a type; `future < x` elsewhere (future is a keyword
   * only in types, so ask the parser which one it can take). */
  if (t->kind == TK_LT && g->prev == TK_IDENT && g->prev_ident == word_future &&
      !g->skipping && act_parser_accepts(g->parser, TK_TLT)) {
    t->kind = TK_TLT;
    lex_future_open(&g->lx);
  }
  /* Track whether the identifier chain in progress started in an
   * expression context (`x = a.b.C {` is a struct literal). */
  if (t->kind == TK_IDENT) {
    if (g->prev != TK_DOT) {
      g->struct_ok = expr_context(g->prev);
      /* After `:` a name starts a struct literal only inside ( [ or a
       * struct literal (`[k: P{...}]`, `Q{p: P{...}}`); elsewhere it is a
       * type (`let x: T`). */
      if (g->prev == TK_COLON) {
        int top = g->lx.paren_depth ? g->lx.paren_stack[g->lx.paren_depth - 1] : 0;
        g->struct_ok = top == TK_LPAREN || top == TK_LBRACKET || top == TK_SLBRACE;
      }
    }
  } else if (t->kind != TK_DOT) {
    g->struct_ok = 0;
  }
  g->prev = t->kind;
  g->prev_ident = t->kind == TK_IDENT ? t->s : NULL;
}

static int is_closer(int k) {
  return k == TK_RBRACE || k == TK_RPAREN || k == TK_RBRACKET;
}

static int is_opener(int k) {
  return k == TK_LBRACE || k == TK_SLBRACE || k == TK_LPAREN || k == TK_LBRACKET;
}

/* The column of the first non-blank character of a line. */
static int indent_of(const src_file_t *f, int line) {
  const char *p = f->text, *end = f->text + f->len;
  for (int l = 1; l < line && p < end; p++)
    if (*p == '\n')
      l++;
  const char *start = p;
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  return (int)(p - start) + 1;
}

/* Lemon resumes at the innermost state that can shift `error`, which may be
 * inside a block the lexer has already closed: in `if c { a } b` the error
 * is at `b`, and the parser pops the `}` to resume in `{ a`. When that `}`
 * looks like the block's own (on the line of its `{`, or lined up with the
 * start of that line), end the broken item there and close the block
 * again, so the parser is back at the lexer's `depth` and the skipping
 * stops at the end of the error's line, not at a later `}`. A `}` that does
 * not line up is taken for a stray one: the parser stays in the block and
 * the skipping goes on to the lexer's next `}`, as for any error.
 * Returns the depth at which to resynchronise. */
static int close_reopened(parse_ctx_t *px, glue_t *g, const tok_t *at,
                          int closer_kind, loc_t closer_loc, loc_t error_at, int depth) {
  int r = act_parser_recovery_depth(g->parser);
  if (r <= depth)
    return r;
  tok_t open;
  act_parser_open_depth(g->parser, &open);
  /* a `}` that was itself a syntax error is no evidence */
  int was_error = closer_loc.line == error_at.line && closer_loc.col == error_at.col;
  if (closer_kind != TK_RBRACE || was_error || open.kind != TK_LBRACE || open.loc.file == NULL ||
      (open.loc.line != closer_loc.line &&
       closer_loc.col != indent_of(open.loc.file, open.loc.line)))
    return r;
  feed_semi(px, g, at);
  while (!px->aborted && act_parser_open_depth(g->parser, &open) > depth && open.kind) {
    tok_t c;
    memset(&c, 0, sizeof c);
    c.kind = open.kind == TK_LPAREN ? TK_RPAREN : open.kind == TK_LBRACKET ? TK_RBRACKET : TK_RBRACE;
    c.loc = at->loc;
    feed(px, g, c.kind, &c);
  }
  return depth;
}

/* Feed every token of lx to the parser; returns after end of input.
 *
 * Error recovery: after a syntax error Lemon pops its stack to the nearest
 * list that has an `error` rule (declarations, actor members, statements,
 * match arms) and shifts `error`. The glue then drops tokens up to the `;`
 * (or newline) that ends the broken item at that list's bracket depth, so
 * braces inside the broken item are skipped whole; if the enclosing block
 * closes first, a `;` is fed before its `}`. */
static void run(parse_ctx_t *px, glue_t *g, int start_token) {
  tok_t t;
  if (start_token) {
    memset(&t, 0, sizeof t);
    feed(px, g, start_token, &t);
    g->prev = start_token;
  }
  px->lx = &g->lx;
  for (;;) {
    int errs = px->diag->errors;
    lex_next(&g->lx, &t);
    if (px->diag->errors != errs)
      px->lex_err_tokno = px->tokno + 1;
    if (g->lx.too_deep) {
      px->aborted = 1;
      break;
    }
    classify(px, g, &t);
    if (g->skipping) {
      int depth = g->lx.paren_depth;
      if (t.kind == 0) {
        g->skipping = 0;
        feed_semi(px, g, &t);
      } else if (t.kind == TK_SEMI && depth == g->sync_depth) {
        g->skipping = 0;
        feed(px, g, TK_SEMI, &t);
        continue;
      } else if (is_closer(t.kind) && depth < g->sync_depth) {
        g->skipping = 0;
        feed_semi(px, g, &t);
      } else {
        continue;
      }
      if (px->aborted)
        break;
    }
    int last_kind = px->prev.kind;  /* the token before t */
    loc_t last_loc = px->prev.loc;
    feed(px, g, t.kind, &t);
    if (t.kind == 0 || px->aborted)
      break;
    int r = act_parser_recovery_depth(g->parser);
    if (r >= 0) {
      if (start_token) {        /* an interpolated expression: give up */
        px->aborted = 1;
        break;
      }
      /* A statement that starts a line after an unclosed ( or [ most
       * likely means the bracket was never closed. */
      if (t.bol && !is_closer(t.kind) && t.kind != TK_LPAREN &&
          t.kind != TK_LBRACKET && t.kind != TK_LBRACE && t.kind != TK_SLBRACE)
        lex_drop_parens(&g->lx, r);
      int depth = g->lx.paren_depth;
      loc_t error_at = g->error_at;
      g->error_at = t.loc;
      if (is_closer(t.kind) && depth < r) {
        /* the error token closed the enclosing block: end the broken item
         * and give the closer back to the parser */
        feed_semi(px, g, &t);
        feed(px, g, t.kind, &t);
      } else {
        /* an opening error token's brackets are skipped whole */
        int before = depth - (is_opener(t.kind) ? 1 : 0);
        g->skipping = 1;
        g->sync_depth = close_reopened(px, g, &t, last_kind, last_loc, error_at, before);
      }
    }
  }
}

/* Parsers are reused (one is needed per interpolation depth): Lemon's
 * fixed stack makes each a few hundred kilobytes. */
static void *parser_pool[16];
static int parser_npool;

static void *parser_get(parse_ctx_t *px) {
  if (parser_npool > 0) {
    void *p = parser_pool[--parser_npool];
    act_parserInit(p, px);
    return p;
  }
  return act_parserAlloc(xmalloc, px);
}

static void parser_put(void *p) {
  act_parserFinalize(p);
  if (parser_npool < (int)(sizeof parser_pool / sizeof *parser_pool))
    parser_pool[parser_npool++] = p;
  else
    free(p);
}

static ast_t *parse_range(parse_ctx_t *outer, const src_file_t *f,
                          const char *start, const char *end, int line, int col,
                          int start_token) {
  parse_ctx_t px;
  memset(&px, 0, sizeof px);
  px.diag = outer->diag;
  px.file = f;
  px.depth = outer->depth + 1;
  px.loc0.file = f;
  px.loc0.line = line;
  px.loc0.col = col;
  glue_t g;
  memset(&g, 0, sizeof g);
  static unsigned generation; /* of the string table word_future is in */
  if (generation != strtab_generation()) {
    word_future = strtab_cstr("future");
    generation = strtab_generation();
  }
  lex_init(&g.lx, f, start, end, line, col, px.diag);
  g.parser = parser_get(&px);
  run(&px, &g, start_token);
  parser_put(g.parser);
  lex_free(&g.lx);
  if (px.aborted && !start_token)
    outer->aborted = 1;
  if (start_token)
    return px.aborted ? NULL : px.interp_expr;
  /* Parsing stopped (nesting too deep) or the end of the file came inside
   * a declaration (a string or brace left open): what follows the error,
   * and the declaration it is in, are missing, so names may be missing
   * (parse_module), and "no `actor Main`" or "unknown name" would blame
   * the file for what the syntax error hid. */
  if (!px.accepted && px.root_decls != NULL)
    px.root_decls->flags |= AST_SYNTAX_ERROR;
  return px.root_decls;
}

static int ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

/* `{name}` and `{p.field.field}`, most interpolations, as the grammar
 * would build them (a NAME, then a DOT per field, each at its name) but
 * without starting a lexer and a parser for them; NULL for anything else
 * (spaces, calls, keywords, `_`), which the parser takes. */
static ast_t *simple_fragment(const strpart_t *part) {
  const char *s = part->s, *end = s + part->len;
  const char *names[8];
  int cols[8], n = 0;
  for (const char *p = s;;) { /* check it all before building anything */
    const char *w = p;
    if (p == end || !ident_start(*p) || n == 8)
      return NULL;
    while (p < end && ident_char(*p))
      p++;
    names[n] = strtab_intern(w, (size_t)(p - w));
    cols[n++] = (int)(w - s);
    if (strtab_tag(names[n - 1]) != 0 || (p - w == 1 && *w == '_'))
      return NULL; /* a keyword (`self`, `true`, ...) or `_` */
    if (p == end)
      break;
    if (*p++ != '.')
      return NULL;
  }
  ast_t *e = NULL;
  for (int i = 0; i < n; i++) {
    loc_t at = part->loc;
    at.col += cols[i];
    ast_t *k = ast_new(e ? AST_DOT : AST_NAME, at);
    k->name = names[i];
    if (e)
      ast_add(k, e);
    e = k;
  }
  return e;
}

/* Parse the source of an interpolated `{expr}` on its own. */
static ast_t *parse_fragment(parse_ctx_t *px, const strpart_t *part) {
  ast_t *simple = simple_fragment(part);
  if (simple != NULL)
    return simple;
  if (px->depth >= 8) {
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

/* ---- depth limit ---------------------------------------------------------- */

/* Later passes recurse over the tree, so its depth must stay bounded even
 * where no bracket nests (`a + b + ... + z`, `x.f.f.f...`, long `else if`
 * chains). Walks the tree without recursion; a subtree that goes deeper
 * than AST_MAX_DEPTH is reported once per declaration and cut off. */
#define AST_MAX_DEPTH 1000

typedef struct walk {
  ast_t *node;
  int depth;
} walk_t;

typedef struct walk_stack {  /* one for all the declarations of a module */
  walk_t *v;
  size_t cap;
} walk_stack_t;

static void limit_depth(ast_t *decl, diag_t *d, walk_stack_t *ws) {
  size_t cap = ws->cap, n = 0;
  walk_t *stack = ws->v;
  int reported = 0;
  stack[n++] = (walk_t){decl, 1};
  while (n > 0) {
    walk_t w = stack[--n];
    for (int i = 0; i < w.node->nkids; i++) {
      ast_t *k = w.node->kids[i];
      if (k == NULL)
        continue;
      if (w.depth + 1 > AST_MAX_DEPTH) {
        if (!reported) {
          diag_error(d, k->loc, "expression or block nested deeper than %d levels",
                     AST_MAX_DEPTH);
          diag_hint(d, "split it into smaller expressions or functions");
          reported = 1;
        }
        w.node->kids[i] = NULL;
        continue;
      }
      if (k->nkids == 0)
        continue;   /* a leaf: nothing below it to cut */
      if (n == cap) {
        cap *= 2;
        stack = xrealloc(stack, cap * sizeof *stack);
      }
      stack[n++] = (walk_t){k, w.depth + 1};
    }
  }
  ws->v = stack;
  ws->cap = cap;
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
  /* a declaration was dropped by error recovery: names may be missing */
  if (decls != NULL && (decls->flags & AST_SYNTAX_ERROR))
    m->flags |= AST_SYNTAX_ERROR;
  walk_stack_t ws = {xmalloc(256 * sizeof(walk_t)), 256};
  if (decls != NULL)
    for (int i = 0; i < decls->nkids; i++)
      if (decls->kids[i] != NULL) {
        limit_depth(decls->kids[i], d, &ws);
        ast_add(m, decls->kids[i]);
      }
  free(ws.v);
  return m;
}
