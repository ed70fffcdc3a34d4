/* ast.c: node allocation (arena), children, dumping, interned strings. */
#include "ast/ast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

/* ---- arena ------------------------------------------------------------- */

typedef struct chunk {
  struct chunk *next;
  size_t used, cap;
  _Alignas(16) unsigned char mem[];
} chunk_t;

static chunk_t *arena;

void *ast_alloc(size_t size) {
  size = (size + 15) & ~(size_t)15;
  if (arena == NULL || arena->used + size > arena->cap) {
    size_t cap = size > (1u << 20) ? size : (1u << 20);
    chunk_t *c = xmalloc(sizeof *c + cap);
    c->next = arena;
    c->used = 0;
    c->cap = cap;
    arena = c;
  }
  void *p = arena->mem + arena->used;
  arena->used += size;
  memset(p, 0, size);
  return p;
}

static void arena_free(void) {
  while (arena != NULL) {
    chunk_t *n = arena->next;
    free(arena);
    arena = n;
  }
}

ast_t *ast_new(ast_kind_t kind, loc_t loc) {
  ast_t *n = ast_alloc(sizeof *n);
  n->kind = kind;
  n->loc = loc;
  return n;
}

void ast_add(ast_t *parent, ast_t *kid) {
  if (parent->nkids == parent->cap) {
    int cap = parent->cap ? parent->cap * 2 : 4;
    ast_t **k = ast_alloc(sizeof(ast_t *) * (size_t)cap);
    if (parent->nkids)
      memcpy(k, parent->kids, sizeof(ast_t *) * (size_t)parent->nkids);
    parent->kids = k;
    parent->cap = cap;
  }
  parent->kids[parent->nkids++] = kid;
}

ast_t *ast_kid(const ast_t *n, int i) {
  if (n == NULL || i < 0 || i >= n->nkids)
    return NULL;
  return n->kids[i];
}

static const char *const kind_names[AST_KIND_COUNT] = {
    "MODULE", "IMPORT", "CONST", "FN", "EXTERN", "PARAM", "STRUCT", "FIELD",
    "ENUM", "VARIANT", "MESSAGE", "PROTOCOL", "ACTOR", "VAR", "MAILBOX",
    "INIT", "ON", "ON_STOP", "EVENT", "APPLY", "SNAPSHOT", "PASSIVATE",
    "STRATEGY", "RESTARTS", "SUPERVISE", "CHILD", "CHILDREN", "TNAME",
    "TARRAY", "TMAP", "TOPT", "TFUTURE", "BLOCK", "ASSIGN", "IF", "IF_LET",
    "WHILE", "FOR", "RANGE", "MATCH", "ARM", "PWILD", "PVARIANT", "PLIT",
    "RETURN", "BREAK", "CONTINUE", "SEND", "STOP", "PERSIST", "EXPR_STMT",
    "INT", "FLOAT", "DURATION", "STRING", "INTERP", "BOOL", "NONE", "NAME",
    "SELF", "SENDER", "DOT", "INDEX", "CALL", "STRUCT_LIT", "FIELD_INIT",
    "ARRAY_LIT", "MAP_LIT", "PAIR", "BINARY", "UNARY", "AWAIT", "ASK", "CAST",
    "SPAWN", "AT", "LIST"};

const char *ast_kind_name(ast_kind_t kind) {
  return (unsigned)kind < AST_KIND_COUNT ? kind_names[kind] : "?";
}

static const char *const op_names[] = {
    "", "=", "+", "-", "*", "/", "%", "||", "&&", "==", "!=", "<", "<=",
    ">", ">=", "|", "^", "&", "<<", ">>", "neg", "!", "~"};

/* Iterative over depth would be nicer, but the parser already bounds nesting
 * at 256 levels (LANGUAGE.md §4), so recursion depth is bounded too. */
static void dump(const ast_t *n, FILE *out, int depth) {
  fprintf(out, "%*s", depth * 2, "");
  if (n == NULL) {
    fputs("-\n", out);
    return;
  }
  fputs(ast_kind_name(n->kind), out);
  if (n->name)
    fprintf(out, " %s", n->name);
  if (n->op != OP_NONE && (size_t)n->op < sizeof op_names / sizeof *op_names)
    fprintf(out, " op=%s", op_names[n->op]);
  switch (n->kind) {
  case AST_INT:
  case AST_DURATION:
  case AST_BOOL:
    fprintf(out, " %llu", (unsigned long long)n->lit.i);
    break;
  case AST_FLOAT:
    fprintf(out, " %.17g", n->lit.f);
    break;
  case AST_STRING:
    fputs(" \"", out);
    for (size_t i = 0; i < n->lit.len; i++) {
      unsigned char c = (unsigned char)n->lit.s[i];
      if (c == '"' || c == '\\')
        fprintf(out, "\\%c", c);
      else if (c < 0x20 || c == 0x7f)
        fprintf(out, "\\x%02x", c);
      else
        fputc(c, out);
    }
    fputc('"', out);
    break;
  default:
    if (n->lit.s && n->kind != AST_FLOAT)
      fprintf(out, " [%s]", n->lit.s);
  }
  if (n->flags & ~(unsigned)(AST_CHECKED | AST_CHECKING))
    fprintf(out, " flags=0x%x", n->flags & ~(unsigned)(AST_CHECKED | AST_CHECKING));
  fputc('\n', out);
  for (int i = 0; i < n->nkids; i++)
    dump(n->kids[i], out, depth + 1);
}

void ast_dump(const ast_t *n, FILE *out) { dump(n, out, 0); }

/* ---- string table ------------------------------------------------------ */

typedef struct str_ent {
  struct str_ent *next;
  size_t len;
  char s[];
} str_ent_t;

static str_ent_t **tab;
static size_t tab_cap, tab_count;
static unsigned generation = 1;

unsigned strtab_generation(void) { return generation; }

static size_t hash(const char *s, size_t len) {
  size_t h = 1469598103934665603ull;
  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

static void grow(void) {
  size_t cap = tab_cap ? tab_cap * 2 : 1024;
  str_ent_t **nt = xcalloc(cap, sizeof *nt);
  for (size_t i = 0; i < tab_cap; i++) {
    for (str_ent_t *e = tab[i], *next; e; e = next) {
      next = e->next;
      size_t b = hash(e->s, e->len) & (cap - 1);
      e->next = nt[b];
      nt[b] = e;
    }
  }
  free(tab);
  tab = nt;
  tab_cap = cap;
}

const char *strtab_intern(const char *s, size_t len) {
  if (tab_count * 2 >= tab_cap)
    grow();
  size_t b = hash(s, len) & (tab_cap - 1);
  for (str_ent_t *e = tab[b]; e; e = e->next)
    if (e->len == len && memcmp(e->s, s, len) == 0)
      return e->s;
  str_ent_t *e = xmalloc(sizeof *e + len + 1);
  e->len = len;
  memcpy(e->s, s, len);
  e->s[len] = '\0';
  e->next = tab[b];
  tab[b] = e;
  tab_count++;
  return e->s;
}

const char *strtab_cstr(const char *s) { return strtab_intern(s, strlen(s)); }

void strtab_free_all(void) {
  for (size_t i = 0; i < tab_cap; i++) {
    for (str_ent_t *e = tab[i], *next; e; e = next) {
      next = e->next;
      free(e);
    }
  }
  free(tab);
  tab = NULL;
  tab_cap = tab_count = 0;
  generation++;
}

void ast_free_all(void) { arena_free(); }
