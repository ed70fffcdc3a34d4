/* ast.c: node allocation (arena), children, dumping, interned strings. */
#include "ast/ast.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/xalloc.h"

/* ---- arena ------------------------------------------------------------- */

typedef struct chunk {
  struct chunk *next;
  size_t used, cap;
  _Alignas(16) unsigned char mem[];
} chunk_t;

static chunk_t *arena;

/* A new chunk with room for size bytes; out of line, so that the
 * allocation itself stays a few instructions. */
static __attribute__((noinline)) void arena_grow(size_t size) {
  /* Pages fresh from the system are zero, so the nodes need no memset
   * each (a million of them for 100,000 lines); malloc, even calloc,
   * may hand back used memory and clear it. Faulting those pages in is
   * most of the cost of a large AST (a third of `actorc check` of
   * 100,000 lines, more on a virtual machine), so after a first 1 MB,
   * enough for most programs, chunks are 8 MB and ask for huge pages:
   * one fault per 2 MB instead of 512. */
  size_t want = arena == NULL ? (1u << 20) : (8u << 20);
  size_t cap = size > want - sizeof(chunk_t) ? size : want - sizeof(chunk_t);
  chunk_t *c = mmap(NULL, sizeof *c + cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (c == MAP_FAILED)
    xalloc_failed();
  if (arena != NULL)
    madvise(c, sizeof *c + cap, MADV_HUGEPAGE); /* advice: failure changes nothing */
  c->next = arena;
  c->used = 0;
  c->cap = cap;
  arena = c;
}

void *ast_alloc(size_t size) {
  size = (size + 15) & ~(size_t)15;
  if (arena == NULL || arena->used + size > arena->cap)
    arena_grow(size);
  void *p = arena->mem + arena->used;
  arena->used += size;
  return p;
}

static void arena_free(void) {
  while (arena != NULL) {
    chunk_t *n = arena->next;
    munmap(arena, sizeof *arena + arena->cap);
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
    int cap = parent->cap ? parent->cap * 2 : 2;
    ast_t **k = ast_alloc(sizeof(ast_t *) * (size_t)cap);
    if (parent->nkids)
      memcpy(k, parent->kids, sizeof(ast_t *) * (size_t)parent->nkids);
    parent->kids = k;
    parent->cap = cap;
  }
  parent->kids[parent->nkids++] = kid;
}

static const char *const kind_names[AST_KIND_COUNT] = {
#define X(k) #k,
    AST_KINDS(X)
#undef X
};

const char *ast_kind_name(ast_kind_t kind) {
  return (unsigned)kind < AST_KIND_COUNT ? kind_names[kind] : "?";
}

static const char *const op_names[OP_COUNT] = {
#define X(o, text) text,
    AST_OPS(X)
#undef X
};

const char *ast_op_name(ast_op_t op) {
  return (unsigned)op < OP_COUNT ? op_names[op] : "?";
}

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
  if (n->op != OP_NONE)   /* "neg": tells prefix minus from subtraction */
    fprintf(out, " op=%s", n->op == OP_NEG ? "neg" : ast_op_name(n->op));
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
  unsigned shown = n->flags & ~(unsigned)(AST_CHECKED | AST_CHECKING | AST_SYNTAX_ERROR);
  if (shown)
    fprintf(out, " flags=0x%x", shown);
  fputc('\n', out);
  for (int i = 0; i < n->nkids; i++)
    dump(n->kids[i], out, depth + 1);
}

void ast_dump(const ast_t *n, FILE *out) { dump(n, out, 0); }

/* ---- string table ------------------------------------------------------ */

typedef struct str_ent {
  struct str_ent *next;
  size_t len;
  int tag;              /* strtab_set_tag: e.g. the token of a keyword */
  char s[];
} str_ent_t;

/* The entry of an interned string (s points into it, as in Lua's TString). */
static str_ent_t *entry_of(const char *s) {
  return (str_ent_t *)(void *)((char *)(uintptr_t)s - offsetof(str_ent_t, s));
}

void strtab_set_tag(const char *interned, int tag) { entry_of(interned)->tag = tag; }
int strtab_tag(const char *interned) { return entry_of(interned)->tag; }

static str_ent_t **tab;
static size_t tab_cap, tab_count;
static unsigned generation = 1;

unsigned strtab_generation(void) { return generation; }

static uint64_t load8(const char *p) { uint64_t w; memcpy(&w, p, 8); return w; }
static uint64_t load4(const char *p) { uint32_t w; memcpy(&w, p, 4); return w; }

static uint64_t mix(uint64_t h, uint64_t w) {
  h = (h ^ w) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}

/* Eight bytes at a time, the tail (and keys under 8 bytes) read as
 * overlapping words inside [s, s + len): names are short, and a byte loop
 * was a tenth of `actorc check`. */
static size_t hash(const char *s, size_t len) {
  uint64_t h = 0x243F6A8885A308D3ull ^ len;
  if (len >= 8) {
    size_t i = 0;
    for (; i + 8 < len; i += 8)
      h = mix(h, load8(s + i));
    h = mix(h, load8(s + len - 8));
  } else if (len >= 4) {
    h = mix(h, load4(s) | load4(s + len - 4) << 32);
  } else if (len > 0) {
    h = mix(h, (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[len / 2] << 8 |
                   (uint64_t)(unsigned char)s[len - 1] << 16);
  }
  return (size_t)mix(h, h >> 32);
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
  e->tag = 0;
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
