/* lex.h: the tokenizer (grammar/lexer.re) as the parser glue sees it. */
#ifndef ACT_LEX_H
#define ACT_LEX_H

#include <stddef.h>
#include <stdint.h>
#include "diag/diag.h"

/* One piece of a string literal: literal text, or the source of an
 * interpolated `{expr}` to be parsed on its own. */
typedef struct strpart {
  struct strpart *next;
  int is_expr;
  const char *s;        /* decoded text, or expression source */
  size_t len;
  loc_t loc;            /* where the text/expression starts */
} strpart_t;

/* Tokens are copied at every step (lexer, glue, each Lemon shift), so
 * the kinds' values share one union and the whole is 56 bytes. */
typedef struct tok {
  int kind;             /* TK_* from act_parse.h, 0 at end of input */
  int textlen;
  loc_t loc;
  const char *s;        /* identifier text (interned) */
  union {
    uint64_t i;         /* INT value, DURATION nanoseconds */
    double f;           /* FLOAT */
    strpart_t *parts;   /* STRING */
  };
  const char *text;     /* the token's source text (NULL for an inserted SEMI) */
  int bol;              /* first token on its line */
  int errs;             /* syntax errors reported before it was parsed */
} tok_t;

typedef struct lexer {
  const src_file_t *file;
  const char *cur, *lim, *tok, *line_start;
  int line;
  int last_kind;        /* previous token, for automatic semicolons */
  int paren_depth;      /* open brackets ( [ { (all kinds) */
  int *paren_stack;     /* kind of each open bracket; newlines end nothing
                           while the innermost one is ( or [ */
  int paren_cap;
  loc_t *paren_loc;     /* where each open bracket is */
  int *paren_indent;    /* indentation of the line each bracket opens on */
  int misclosed;        /* a `}` first on its line was indented unlike the
                           line of the `{` it closed: with a brace missing
                           at the end, that `{` is the likely one */
  loc_t misclosed_open, misclosed_close;
  int too_deep;         /* the 256-level limit was exceeded */
  diag_t *diag;
  int base_line;        /* first line (sub-lexers start mid-file) */
  int base_col;         /* column offset of the first line (sub-lexers) */
  int future_depth;     /* open `future<` brackets */
  const char *last_ident;
  loc_t last_end;       /* where the previous token ended (for SEMI) */
  tok_t pending[2];     /* tokens held back (behind an inserted SEMI, or
                           the second `>` of a split `>>`) */
  int npending;
} lexer_t;

#define LEX_MAX_NEST 256

void lex_init(lexer_t *lx, const src_file_t *f, const char *start,
              const char *end, int line, int col, diag_t *d);
/* Next token, with automatic semicolons inserted. */
void lex_next(lexer_t *lx, tok_t *t);
void lex_free(lexer_t *lx);
/* The glue turned the last `{` into a struct-literal brace. */
void lex_retag_brace(lexer_t *lx, int kind);
/* The glue decided that the `<` just returned opens `future<...>`: the
 * matching `>` (or half of a `>>`) comes back as TK_TGT. */
void lex_future_open(lexer_t *lx);
/* The `{` just returned opens a block: blocks never sit inside ( or [, so
 * any ( or [ still open below it was left unclosed; forget them. */
void lex_block_brace(lexer_t *lx);
/* Error recovery: forget open ( and [ brackets above depth `keep` (a
 * missing `)` or `]`), so that newlines end statements again. */
void lex_drop_parens(lexer_t *lx, int keep);
/* True while newlines are insignificant (innermost bracket is ( or [). */
int lex_in_parens(const lexer_t *lx);
const char *lex_token_name(int kind);

#endif
