/* grammar/lexer.re: the Act tokenizer (LANGUAGE.md §2). re2c generates
 * build/gen/act_lex.c from this file; edit this one, never that.
 *
 * Automatic semicolons: a newline ends a statement when the line's last
 * token is an identifier, a literal, `)`, `]`, `}`, `?`, `return`, `break`,
 * `continue`, `stop`, `self` or `sender` — except inside ( ) and [ ], where
 * newlines never end anything. A SEMI is also inserted at end of input. */
#include <stdlib.h>
#include <string.h>

#include "act_parse.h"
#include "common/utf8.h"
#include "ast/ast.h"
#include "syntax/keywords.h"
#include "syntax/lex.h"

#define MAX_NEST 256

static loc_t here(lexer_t *lx, const char *p) {
  loc_t l = {lx->file, lx->line, (int)(p - lx->line_start) + 1};
  if (lx->line == lx->base_line)
    l.col += lx->base_col;
  return l;
}

/* Tag each keyword's interned spelling with its token, once per string
 * table (a reset table forgets the tags). */
static void keywords_init(void) {
  static unsigned generation;
  if (generation == strtab_generation())
    return;
#define X(tok, word) strtab_set_tag(strtab_cstr(word), TK_##tok);
  ACT_KEYWORDS(X)
#undef X
  generation = strtab_generation();
}

void lex_init(lexer_t *lx, const src_file_t *f, const char *start,
              const char *end, int line, int col, diag_t *d) {
  keywords_init();
  memset(lx, 0, sizeof *lx);
  lx->file = f;
  lx->cur = lx->tok = lx->line_start = start;
  lx->lim = end;
  lx->line = line;
  lx->base_line = line;
  lx->base_col = col - 1;
  lx->diag = d;
  /* a UTF-8 byte order mark at the start of a file is ignored */
  if (line == 1 && col == 1 && end - start >= 3 && (unsigned char)start[0] == 0xEF &&
      (unsigned char)start[1] == 0xBB && (unsigned char)start[2] == 0xBF) {
    lx->cur = lx->tok = start + 3;
    lx->base_col = -3;
  }
}

void lex_free(lexer_t *lx) {
  free(lx->paren_stack);
  free(lx->paren_loc);
  free(lx->paren_indent);
  lx->paren_stack = NULL;
  lx->paren_loc = NULL;
  lx->paren_indent = NULL;
}

/* The indentation (in bytes of blanks) of the line holding TEXT, or -1
 * for a token without text in this file. */
static int line_indent(const lexer_t *lx, const char *text) {
  const char *base = lx->file ? lx->file->text : NULL;
  if (text == NULL || base == NULL || text < base || text >= base + lx->file->len)
    return -1;
  const char *p = text;
  /* the line being scanned starts at line_start, unless that is where a
   * sub-lexer (an interpolation) began mid-line */
  if (text >= lx->line_start && (lx->line != lx->base_line || lx->base_col == 0))
    p = lx->line_start;
  else
    while (p > base && p[-1] != '\n')
      p--;
  int n = 0;
  while (p + n < text && (p[n] == ' ' || p[n] == '\t'))
    n++;
  return n;
}

static void push_paren(lexer_t *lx, int kind, const tok_t *t) {
  if (lx->paren_depth == lx->paren_cap) {
    lx->paren_cap = lx->paren_cap ? lx->paren_cap * 2 : 32;
    lx->paren_stack = realloc(lx->paren_stack, sizeof(int) * (size_t)lx->paren_cap);
    lx->paren_loc = realloc(lx->paren_loc, sizeof(loc_t) * (size_t)lx->paren_cap);
    lx->paren_indent = realloc(lx->paren_indent, sizeof(int) * (size_t)lx->paren_cap);
    if (lx->paren_stack == NULL || lx->paren_loc == NULL || lx->paren_indent == NULL) {
      fputs("actorc: out of memory\n", stderr);
      exit(3);
    }
  }
  lx->paren_loc[lx->paren_depth] = t->loc;
  lx->paren_indent[lx->paren_depth] = kind == TK_LBRACE ? line_indent(lx, t->text) : -1;
  lx->paren_stack[lx->paren_depth++] = kind;
}

static void pop_paren(lexer_t *lx) {
  if (lx->paren_depth > 0)
    lx->paren_depth--;
}

static int in_parens(const lexer_t *lx);

/* Inside ( or [ (innermost), newlines are insignificant. */
static int in_parens(const lexer_t *lx) {
  return lx->paren_depth > 0 &&
         lx->paren_stack[lx->paren_depth - 1] != TK_LBRACE &&
         lx->paren_stack[lx->paren_depth - 1] != TK_SLBRACE;
}

static int ends_statement(int kind) {
  switch (kind) {
  case TK_IDENT: case TK_INT: case TK_FLOAT: case TK_DURATION: case TK_STRING:
  case TK_TRUE: case TK_FALSE: case TK_NONE: case TK_RPAREN: case TK_RBRACKET:
  case TK_RBRACE: case TK_QUESTION: case TK_RETURN: case TK_BREAK:
  case TK_CONTINUE: case TK_STOP: case TK_SELF: case TK_SENDER: case TK_TGT:
    return 1;
  default:
    return 0;
  }
}

/* ---- numbers ----------------------------------------------------------- */

static int digit_val(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

/* Parse [p, e) as an integer in base (skipping '_'); 0 on overflow. */
static int parse_uint(const char *p, const char *e, int base, uint64_t *out) {
  uint64_t v = 0;
  for (; p < e; p++) {
    if (*p == '_')
      continue;
    int d = digit_val((unsigned char)*p);
    if (d >= base)
      return 0;
    if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
      return 0;
    v = v * (uint64_t)base + (uint64_t)d;
  }
  *out = v;
  return 1;
}

/* `1_000` groups digits, and `0x_ff` may set the digits off from their
 * prefix; an underscore anywhere else (`1_`, `1__0`, `0xf_`, `1_.5`,
 * `1_ms`) is most likely a typo, so it is an error, as in Go, rather than
 * silently ignored. Checks [p, e), the literal's digits (after a prefix). */
static void check_underscores(lexer_t *lx, const tok_t *t, const char *p, const char *e,
                              int base) {
  for (const char *u = p; u < e; u++) {
    if (*u != '_')
      continue;
    int after = u > p ? digit_val((unsigned char)u[-1]) < base : base != 10;
    if (after && u + 1 < e && digit_val((unsigned char)u[1]) < base)
      continue;
    diag_error(lx->diag, t->loc, "misplaced `_` in the number `%.*s`",
               (int)(lx->cur - lx->tok), lx->tok);
    diag_hint(lx->diag, "an underscore goes between two digits, as in 1_000_000");
    return;
  }
}

static void lex_int(lexer_t *lx, tok_t *t, int base) {
  t->loc = here(lx, lx->tok);
  const char *p = lx->tok, *e = lx->cur;
  if (base != 10)
    p += 2;
  t->kind = TK_INT;
  check_underscores(lx, t, p, e, base);
  if (!parse_uint(p, e, base, &t->i)) {
    diag_error(lx->diag, t->loc, "integer literal `%.*s` is too large",
               (int)(e - lx->tok), lx->tok);
    t->i = 0;
  }
}

static void lex_float(lexer_t *lx, tok_t *t) {
  t->loc = here(lx, lx->tok);
  char buf[128];
  size_t n = 0;
  for (const char *p = lx->tok; p < lx->cur && n < sizeof buf - 1; p++)
    if (*p != '_')
      buf[n++] = *p;
  buf[n] = '\0';
  t->kind = TK_FLOAT;
  check_underscores(lx, t, lx->tok, lx->cur, 10);
  t->f = strtod(buf, NULL);
}

static void lex_duration(lexer_t *lx, tok_t *t) {
  t->loc = here(lx, lx->tok);
  const char *p = lx->tok, *e = lx->cur, *u = p;
  while (u < e && ((*u >= '0' && *u <= '9') || *u == '_'))
    u++;
  uint64_t v = 0, mul = 1;
  size_t ul = (size_t)(e - u);
  if (ul == 2 && u[0] == 'n') mul = 1;
  else if (ul == 2 && u[0] == 'u') mul = 1000;
  else if (ul == 2 && u[0] == 'm') mul = 1000000;
  else if (ul == 1 && u[0] == 's') mul = 1000000000ull;
  else if (ul == 1 && u[0] == 'm') mul = 60ull * 1000000000ull;
  else if (ul == 1 && u[0] == 'h') mul = 3600ull * 1000000000ull;
  t->kind = TK_DURATION;
  check_underscores(lx, t, p, u, 10);
  if (!parse_uint(p, u, 10, &v) || (v != 0 && mul > INT64_MAX / v)) {
    diag_error(lx->diag, t->loc, "duration `%.*s` is too large",
               (int)(e - p), p);
    v = 0;
  }
  t->i = v * mul;
}

/* A digit run with letters that make no literal (`12abc`, `0x`, `5min`,
 * `1.5s`): one error, and a harmless token so parsing goes on. */
static void lex_bad_number(lexer_t *lx, tok_t *t) {
  t->loc = here(lx, lx->tok);
  const char *p = lx->tok, *e = lx->cur;
  int len = (int)(e - p);
  const char *dot = memchr(p, '.', (size_t)len);
  const char *u = e;
  while (u > p && ((u[-1] >= 'a' && u[-1] <= 'z') || (u[-1] >= 'A' && u[-1] <= 'Z')))
    u--;
  size_t ul = (size_t)(e - u);
  int unit = (ul == 2 && (memcmp(u, "ns", 2) == 0 || memcmp(u, "us", 2) == 0 ||
                          memcmp(u, "ms", 2) == 0)) ||
             (ul == 1 && (*u == 's' || *u == 'm' || *u == 'h'));
  t->kind = TK_INT;
  t->i = 0;
  if (dot != NULL && unit && u > dot + 1) {
    t->kind = TK_DURATION;
    diag_error(lx->diag, t->loc, "a duration needs a whole number, not `%.*s`", len, p);
    diag_hint(lx->diag, "use a smaller unit, e.g. `1500ms` for 1.5s");
  } else if (len >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'b')) {
    diag_error(lx->diag, t->loc, "invalid %s literal `%.*s`",
               p[1] == 'x' ? "hexadecimal" : "binary", len, p);
  } else {
    diag_error(lx->diag, t->loc, "invalid number `%.*s`", len, p);
    diag_hint(lx->diag, "durations take one of the units ns us ms s m h; names cannot start with a digit");
  }
}

/* ---- strings ----------------------------------------------------------- */

typedef struct sbuf {
  char *p;
  size_t len, cap;
} sbuf_t;

static void sb_put(sbuf_t *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *np = ast_alloc(cap);
    if (b->len)
      memcpy(np, b->p, b->len);
    b->p = np;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void sb_utf8(sbuf_t *b, uint32_t cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) { u[0] = (char)cp; n = 1; }
  else if (cp < 0x800) { u[0] = (char)(0xC0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
  else if (cp < 0x10000) { u[0] = (char)(0xE0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[2] = (char)(0x80 | (cp & 0x3F)); n = 3; }
  else { u[0] = (char)(0xF0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)); u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4; }
  sb_put(b, u, n);
}

static void newline_at(lexer_t *lx, const char *nl) {
  lx->line++;
  lx->line_start = nl + 1;
}

static strpart_t *add_part(strpart_t ***tail, int is_expr, sbuf_t *b, loc_t loc) {
  strpart_t *sp = ast_alloc(sizeof *sp);
  sp->is_expr = is_expr;
  sp->s = b->p ? b->p : "";
  sp->len = b->len;
  sp->loc = loc;
  **tail = sp;
  *tail = &sp->next;
  memset(b, 0, sizeof *b);
  return sp;
}

/* Scan a string literal; lx->cur is just past the opening quote. Produces
 * literal and expression parts. Errors are reported and scanning goes on. */
static void lex_string(lexer_t *lx, tok_t *t) {
  t->loc = here(lx, lx->tok);
  const char *p = lx->cur, *lim = lx->lim;
  sbuf_t b = {0};
  strpart_t *head = NULL, **tail = &head;
  loc_t part_loc = here(lx, p);
  t->kind = TK_STRING;
  for (;;) {
    if (p >= lim) {
      diag_error(lx->diag, t->loc, "unterminated string literal");
      break;
    }
    char c = *p;
    if (c == '"') {
      p++;
      break;
    }
    if (c == '\n') {
      diag_error(lx->diag, t->loc, "unterminated string literal");
      diag_hint(lx->diag, "strings end on the line they start; use \\n for a newline");
      break;
    }
    if (c == '\\') {
      loc_t el = here(lx, p);
      char e = p + 1 < lim ? p[1] : '\0';
      p += 2;
      switch (e) {
      case 'n': sb_put(&b, "\n", 1); break;
      case 't': sb_put(&b, "\t", 1); break;
      case 'r': sb_put(&b, "\r", 1); break;
      case '\\': sb_put(&b, "\\", 1); break;
      case '"': sb_put(&b, "\"", 1); break;
      case '0': sb_put(&b, "\0", 1); break;
      case 'u': {
        uint32_t cp = 0;
        int ok = p < lim && *p == '{', nd = 0;
        if (ok) {
          p++;
          while (p < lim && *p != '}' && digit_val((unsigned char)*p) < 16 && nd < 7) {
            cp = cp * 16 + (uint32_t)digit_val((unsigned char)*p);
            p++;
            nd++;
          }
          ok = p < lim && *p == '}' && nd > 0 && cp <= 0x10FFFF &&
               !(cp >= 0xD800 && cp <= 0xDFFF);
          if (p < lim && *p == '}')
            p++;
        }
        if (ok)
          sb_utf8(&b, cp);
        else
          diag_error(lx->diag, el, "invalid unicode escape; write \\u{1F600} with 1 to 6 hex digits");
        break;
      }
      default:
        if (e == '\n' || e == '\0')
          p--;
        diag_error(lx->diag, el, "unknown escape sequence `\\%c`", e >= 0x20 && e < 0x7f ? e : '?');
        diag_hint(lx->diag, "the escapes are \\n \\t \\r \\\\ \\\" \\0 \\u{...}");
      }
      continue;
    }
    if (c == '{' && p + 1 < lim && p[1] == '{') {
      sb_put(&b, "{", 1);
      p += 2;
      continue;
    }
    if (c == '}') {
      if (p + 1 < lim && p[1] == '}') {
        sb_put(&b, "}", 1);
        p += 2;
        continue;
      }
      diag_error(lx->diag, here(lx, p), "a lone `}` in a string; write `}}` for a literal brace");
      p++;
      continue;
    }
    if (c == '{') {
      /* Interpolation: find the matching `}`, skipping nested strings. */
      if (b.len || head == NULL)
        add_part(&tail, 0, &b, part_loc);
      const char *start = ++p;
      loc_t eloc = here(lx, start);
      int depth = 1;
      int in_str = 0;
      while (p < lim && *p != '\n') {
        if (in_str) {
          if (*p == '\\' && p + 1 < lim) { p += 2; continue; }
          if (*p == '"') in_str--;
          p++;
          continue;
        }
        if (*p == '"') { in_str = 1; p++; continue; }
        if (*p == '{') depth++;
        else if (*p == '}' && --depth == 0) break;
        p++;
      }
      if (p >= lim || *p != '}') {
        diag_error(lx->diag, eloc, "unterminated `{` in string interpolation");
        diag_hint(lx->diag, "close it with `}`, or write `{{` for a literal brace");
        /* end the string at the last quote on this line, if any */
        const char *q = p;
        while (q > start && q[-1] != '"')
          q--;
        if (q > start)
          p = q;
        break;
      }
      sbuf_t eb = {0};
      sb_put(&eb, start, (size_t)(p - start));
      if (eb.len == 0)
        diag_error(lx->diag, eloc, "empty `{}` in string; write `{{}}` for literal braces");
      else
        add_part(&tail, 1, &eb, eloc);
      p++;
      part_loc = here(lx, p);
      continue;
    }
    if (c == '\0') {
      diag_error(lx->diag, here(lx, p), "a NUL byte in a string literal; write \\0");
      p++;
      continue;
    }
    size_t n = (unsigned char)c < 0x80 ? 1 : utf8_seq(p, lim);
    if (n == 0) {
      diag_error(lx->diag, here(lx, p), "invalid UTF-8 in a string literal (byte 0x%02x)",
                 (unsigned char)c);
      diag_hint(lx->diag, "source files are UTF-8; write other bytes as escapes such as \\u{e9}");
      while (p < lim && (unsigned char)*p >= 0x80 && utf8_seq(p, lim) == 0)
        p++;   /* one error per run of bad bytes */
      continue;
    }
    sb_put(&b, p, n);
    p += n;
  }
  if (b.len || head == NULL)
    add_part(&tail, 0, &b, part_loc);
  t->parts = head;
  lx->cur = p;
}

/* Skip a block comment (nesting allowed); lx->cur is past the opening. */
static void skip_block_comment(lexer_t *lx, loc_t start) {
  const char *p = lx->cur, *lim = lx->lim;
  int depth = 1;
  while (p < lim) {
    if (p[0] == '/' && p + 1 < lim && p[1] == '*') { depth++; p += 2; continue; }
    if (p[0] == '*' && p + 1 < lim && p[1] == '/') {
      p += 2;
      if (--depth == 0) { lx->cur = p; return; }
      continue;
    }
    if (*p == '\n')
      newline_at(lx, p);
    p++;
  }
  lx->cur = p;
  diag_error(lx->diag, start, "unterminated block comment");
}

/* Decode one UTF-8 sequence at p; returns its length or 0 if invalid. */
static int utf8_len(const unsigned char *p, const unsigned char *lim) {
  int n = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
  if (n == 0 || p + n > lim || p[0] > 0xF4)
    return 0;
  for (int i = 1; i < n; i++)
    if ((p[i] & 0xC0) != 0x80)
      return 0;
  return n;
}

/* ---- the scanner ------------------------------------------------------- */


/* The raw token at lx->cur; returns 1 if a newline was crossed before it. */
static int raw_token(lexer_t *lx, tok_t *t) {
  int crossed = 0;
  const unsigned char *cur, *mar, *lim = (const unsigned char *)lx->lim;
  memset(t, 0, sizeof *t);
again:   /* after blanks, newlines and comments: the token's location is
          * set by lex_next, or first thing by an action that reports */
  cur = (const unsigned char *)lx->cur;
  lx->tok = lx->cur;
#define TOK(k) do { lx->cur = (const char *)cur; t->kind = (k); return crossed; } while (0)
  /*!re2c
  re2c:define:YYCTYPE = "unsigned char";
  re2c:define:YYCURSOR = "cur";
  re2c:define:YYMARKER = "mar";
  re2c:yyfill:enable = 0;
  re2c:eof = 0;
  re2c:define:YYLIMIT = "lim";
    $ { lx->cur = (const char *)cur; t->kind = 0; return crossed; }
    * {
        lx->cur = (const char *)cur;
        t->loc = here(lx, lx->tok);
        unsigned char c = *(const unsigned char *)lx->tok;
        if (c >= 0x80) {
          int n = utf8_len((const unsigned char *)lx->tok, lim);
          if (n) { lx->cur = lx->tok + n; diag_error(lx->diag, t->loc, "unexpected character outside a string or comment"); }
          else diag_error(lx->diag, t->loc, "invalid UTF-8 byte 0x%02x", c);
        } else if (c == 0) {
          diag_error(lx->diag, t->loc, "NUL byte in source");
        } else if (c == '`') {
          diag_error(lx->diag, t->loc, "unexpected character: a backquote");
        } else {
          diag_error(lx->diag, t->loc, "unexpected character `%c`", c >= 0x20 && c < 0x7f ? c : '?');
          if (c == '\'')
            diag_hint(lx->diag, "strings are written in double quotes, \"x\"; there is no character type");
        }
        goto again;
      }
    [ \t\r\f\v]+ { lx->cur = (const char *)cur; goto again; }
    "\n" { lx->cur = (const char *)cur; newline_at(lx, lx->cur - 1); crossed = 1; goto again; }
    "//" [^\n\x00]* { lx->cur = (const char *)cur; goto again; }
    "/*" { lx->cur = (const char *)cur; skip_block_comment(lx, here(lx, lx->tok)); goto again; }

    dec = [0-9] [0-9_]*;
    dec "." [0-9] [0-9_]* ([eE] [+-]? [0-9]+)? { lx->cur = (const char *)cur; lex_float(lx, t); return crossed; }
    dec [eE] [+-]? [0-9]+ { lx->cur = (const char *)cur; lex_float(lx, t); return crossed; }
    "0x" [0-9a-fA-F_]+ { lx->cur = (const char *)cur; lex_int(lx, t, 16); return crossed; }
    "0b" [01_]+ { lx->cur = (const char *)cur; lex_int(lx, t, 2); return crossed; }
    dec ("ns" | "us" | "ms" | "s" | "m" | "h") { lx->cur = (const char *)cur; lex_duration(lx, t); return crossed; }
    dec { lx->cur = (const char *)cur; lex_int(lx, t, 10); return crossed; }
    [0-9] [A-Za-z0-9_]* ("." [0-9] [A-Za-z0-9_]*)? {
        lx->cur = (const char *)cur; lex_bad_number(lx, t); return crossed; }
    ["] { lx->cur = (const char *)cur; lex_string(lx, t); return crossed; }

    "_" { TOK(TK_UNDERSCORE); }
    [A-Za-z_][A-Za-z0-9_]* {
        lx->cur = (const char *)cur;
        const char *s = strtab_intern(lx->tok, (size_t)(lx->cur - lx->tok));
        int kw = strtab_tag(s);   /* a keyword's token (keywords.h), else 0 */
        if (kw != 0) {
          t->kind = kw;
          return crossed;
        }
        t->kind = TK_IDENT;
        t->s = s;
        return crossed;
      }

    "(" { TOK(TK_LPAREN); }
    ")" { TOK(TK_RPAREN); }
    "[" { TOK(TK_LBRACKET); }
    "]" { TOK(TK_RBRACKET); }
    "{" { TOK(TK_LBRACE); }
    "}" { TOK(TK_RBRACE); }
    "," { TOK(TK_COMMA); }
    ";" { TOK(TK_SEMI); }
    ":" { TOK(TK_COLON); }
    "." { TOK(TK_DOT); }
    ".." { TOK(TK_DOTDOT); }
    "->" { TOK(TK_ARROW); }
    "=>" { TOK(TK_FATARROW); }
    "=" { TOK(TK_ASSIGN); }
    "+=" { TOK(TK_PLUSEQ); }
    "-=" { TOK(TK_MINUSEQ); }
    "*=" { TOK(TK_STAREQ); }
    "/=" { TOK(TK_SLASHEQ); }
    "%=" { TOK(TK_PERCENTEQ); }
    "==" { TOK(TK_EQ); }
    "!=" { TOK(TK_NE); }
    "<" { TOK(TK_LT); }
    "<=" { TOK(TK_LE); }
    ">" { TOK(TK_GT); }
    ">=" { TOK(TK_GE); }
    "+" { TOK(TK_PLUS); }
    "-" { TOK(TK_MINUS); }
    "*" { TOK(TK_STAR); }
    "/" { TOK(TK_SLASH); }
    "%" { TOK(TK_PERCENT); }
    "!" { TOK(TK_BANG); }
    "~" { TOK(TK_TILDE); }
    "?" { TOK(TK_QUESTION); }
    "&" { TOK(TK_AMP); }
    "|" { TOK(TK_PIPE); }
    "^" { TOK(TK_CARET); }
    "<<" { TOK(TK_SHL); }
    ">>" { TOK(TK_SHR); }
    "&&" { TOK(TK_ANDAND); }
    "||" { TOK(TK_OROR); }
    "@" { TOK(TK_AT); }
  */
#undef TOK
}

/* Brackets: `(` `[` `{` push; `)` and `]` pop only their own opener (a stray
 * one changes nothing); `}` pops back to its `{`, forgetting any unclosed
 * `(` or `[` inside it, so one missing `)` cannot make the rest of the file
 * newline-insensitive. */
static void track_brackets(lexer_t *lx, tok_t *t) {
  switch (t->kind) {
  case TK_LPAREN: case TK_LBRACKET: case TK_LBRACE: case TK_SLBRACE:
    push_paren(lx, t->kind, t);
    if (lx->paren_depth == MAX_NEST + 1 && !lx->too_deep) {
      lx->too_deep = 1;
      diag_error(lx->diag, t->loc, "nesting deeper than %d levels", MAX_NEST);
      diag_hint(lx->diag, "split the expression or block into functions");
    }
    break;
  case TK_RPAREN:
    if (lx->paren_depth > 0 && lx->paren_stack[lx->paren_depth - 1] == TK_LPAREN)
      pop_paren(lx);
    break;
  case TK_RBRACKET:
    if (lx->paren_depth > 0 && lx->paren_stack[lx->paren_depth - 1] == TK_LBRACKET)
      pop_paren(lx);
    break;
  case TK_RBRACE: {
    int i = lx->paren_depth;
    while (i > 0 && lx->paren_stack[i - 1] != TK_LBRACE &&
           lx->paren_stack[i - 1] != TK_SLBRACE)
      i--;
    if (i > 0) {
      int want = lx->paren_indent[i - 1];
      if (!lx->misclosed && t->bol && want >= 0 && want != line_indent(lx, t->text)) {
        lx->misclosed = 1;
        lx->misclosed_open = lx->paren_loc[i - 1];
        lx->misclosed_close = t->loc;
      }
      lx->paren_depth = i - 1;
    }
    break;
  }
  default:
    break;
  }
}

void lex_next(lexer_t *lx, tok_t *t) {
  if (lx->npending > 0) {
    *t = lx->pending[0];
    lx->pending[0] = lx->pending[1];
    lx->npending--;
  } else {
    int crossed = raw_token(lx, t);
    t->loc = here(lx, lx->tok);
    t->text = lx->tok;
    t->textlen = (int)(lx->cur - lx->tok);
    t->bol = crossed || lx->last_kind == 0;
    /* `future<T>`: once the glue has marked the `<` as a type bracket, the
     * closing `>` ends a statement at a line end like `]` does. */
    if (t->kind == TK_GT && lx->future_depth > 0) {
      t->kind = TK_TGT;
      lx->future_depth--;
    } else if (t->kind == TK_SHR && lx->future_depth > 0) {
      t->kind = TK_TGT;
      t->textlen = 1;
      lx->future_depth--;
      tok_t second = *t;
      second.loc.col++;
      second.text++;
      second.bol = 0;
      if (lx->future_depth == 0)
        second.kind = TK_GT;
      else
        lx->future_depth--;
      lx->pending[lx->npending++] = second;
    }
    int at_end = t->kind == 0;
    if ((crossed || at_end) && !lex_in_parens(lx) && ends_statement(lx->last_kind)) {
      /* Hold t back (before any token already pending) behind a SEMI. */
      if (lx->npending > 0)
        lx->pending[1] = lx->pending[0];
      lx->pending[0] = *t;
      lx->npending++;
      tok_t semi;
      memset(&semi, 0, sizeof semi);
      semi.kind = TK_SEMI;
      semi.loc = lx->last_end;
      *t = semi;
    }
  }
  track_brackets(lx, t);
  lx->last_kind = t->kind;
  if (t->kind != TK_SEMI || t->text != NULL)
    lx->last_end = here(lx, lx->cur);
}

/* The parser glue retags `{` as a struct-literal brace after lexing; the
 * paren stack must agree, so it calls this. */
void lex_retag_brace(lexer_t *lx, int kind) {
  if (lx->paren_depth > 0)
    lx->paren_stack[lx->paren_depth - 1] = kind;
}

void lex_future_open(lexer_t *lx) {
  lx->future_depth++;
}

void lex_block_brace(lexer_t *lx) {
  int top = lx->paren_depth - 1;
  if (top < 1)
    return;
  int i = top;
  while (i > 0 && (lx->paren_stack[i - 1] == TK_LPAREN || lx->paren_stack[i - 1] == TK_LBRACKET))
    i--;
  if (i < top) {
    lx->paren_stack[i] = lx->paren_stack[top];
    lx->paren_loc[i] = lx->paren_loc[top];
    lx->paren_depth = i + 1;
  }
}

void lex_drop_parens(lexer_t *lx, int keep) {
  while (lx->paren_depth > keep &&
         (lx->paren_stack[lx->paren_depth - 1] == TK_LPAREN ||
          lx->paren_stack[lx->paren_depth - 1] == TK_LBRACKET))
    lx->paren_depth--;
}

int lex_in_parens(const lexer_t *lx) {
  return in_parens(lx);
}

const char *lex_token_name(int kind) {
  switch (kind) {
  case 0: return "end of file";
  case TK_LPAREN: return "("; case TK_RPAREN: return ")";
  case TK_LBRACKET: return "["; case TK_RBRACKET: return "]";
  case TK_LBRACE: case TK_SLBRACE: return "{"; case TK_RBRACE: return "}";
  case TK_COMMA: return ","; case TK_SEMI: return ";"; case TK_COLON: return ":";
  case TK_DOT: return "."; case TK_DOTDOT: return ".."; case TK_ARROW: return "->";
  case TK_FATARROW: return "=>"; case TK_ASSIGN: return "=";
  case TK_PLUSEQ: return "+="; case TK_MINUSEQ: return "-="; case TK_STAREQ: return "*=";
  case TK_SLASHEQ: return "/="; case TK_PERCENTEQ: return "%=";
  case TK_EQ: return "=="; case TK_NE: return "!="; case TK_LT: case TK_TLT: return "<";
  case TK_LE: return "<="; case TK_GT: case TK_TGT: return ">"; case TK_GE: return ">=";
  case TK_PLUS: return "+"; case TK_MINUS: return "-"; case TK_STAR: return "*";
  case TK_SLASH: return "/"; case TK_PERCENT: return "%"; case TK_BANG: return "!";
  case TK_TILDE: return "~"; case TK_QUESTION: return "?"; case TK_AMP: return "&";
  case TK_PIPE: return "|"; case TK_CARET: return "^"; case TK_SHL: return "<<";
  case TK_SHR: return ">>"; case TK_ANDAND: return "&&"; case TK_OROR: return "||";
  case TK_AT: return "@"; case TK_UNDERSCORE: return "_";
#define X(tok, word) case TK_##tok: return word;
  ACT_KEYWORDS(X)
#undef X
  default: return "token";
  }
}
