#define _GNU_SOURCE
/* emit_names.c: the C name of every Act module and top-level declaration.
 *
 * Any identifier or file name that is legal in Act must give valid C that
 * cannot collide with the runtime, libc or the emitter's own names. The
 * emitter never prints an Act name bare: fields, parameters and locals get
 * a one-letter prefix (f_, p_, l_), so C keywords and the emitter's locals
 * (cx, m, a, self) are out of reach. What remains is decided here:
 *
 *  - A module's prefix is its name with characters C does not allow turned
 *    into `_`; it gets an `m_` in front when it would start with a digit
 *    (`2fast.act` -> `m_2fast`), fall into the runtime's namespace (`act`,
 *    `act_*`) or be one of the structural type prefixes (opt0, arr0, map0,
 *    reply0). A prefix used by an earlier module gets the module's index.
 *  - A declaration is `<prefix>_<Name>`. The emitter derives further names
 *    from it by appending `_<suffix>` where the suffix starts with a letter
 *    (`_new`, `_type`, `_on_Ping`, ...). So a declaration whose C name would
 *    equal another's, or begin with another's plus `_`, could meet it or a
 *    derived name; it is then written `<prefix>_0<Name>` with its own
 *    underscores as `_0` (a digit never starts a suffix or an Act name):
 *    struct `Ping_msg` beside message `Ping` is `<prefix>_0Ping_0msg`.
 *    Names ending in `_t` (POSIX's typedefs: module `int64`, function `t`)
 *    get a trailing `0`.
 *  - Whatever still coincides (in pathological programs) gets a counter.
 *
 * Everything depends only on the program's text and module order, so the
 * same program always gives the same C. */
#include <stdlib.h>
#include <string.h>

#include "emit/emit_int.h"

static int is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static char *module_prefix(const char *name) {
  char *s = strdup(name && *name ? name : "module");
  for (char *p = s; *p; p++)
    if (!is_alnum(*p)) *p = '_';
  /* opt0, arr0, map0, reply0: the structural type names of emit_type.c */
  if ((s[0] >= '0' && s[0] <= '9') || strcmp(s, "act") == 0 || strncmp(s, "act_", 4) == 0 ||
      strcmp(s, "opt0") == 0 || strcmp(s, "arr0") == 0 || strcmp(s, "map0") == 0 || strcmp(s, "reply0") == 0) {
    char *r = xprintf("m_%s", s);
    free(s);
    return r;
  }
  return s;
}

/* `a_b` -> `a_0b`: underscores that cannot be mistaken for a suffix. */
static char *escape_underscores(const char *s) {
  strbuf_t b = {0};
  strbuf_puts(&b, "");
  for (; *s; s++) strbuf_printf(&b, *s == '_' ? "_0" : "%c", *s);
  return b.p;
}

static int ends_with_t(const char *s) {
  size_t n = strlen(s);
  return n >= 2 && strcmp(s + n - 2, "_t") == 0;
}

/* A multiset of names in an open-addressing hash table, to find
 * coincidences in time linear in the program (a list scanned for each
 * name made a 100,000-line program spend seconds here). */
typedef struct names {
  const char **v;
  int *count;
  size_t n, cap;   /* cap: a power of two, kept over twice n */
} names_t;

size_t emit_hash(const char *s, size_t n) {
  size_t h = 1469598103934665603u;   /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211u;
  return h;
}

/* The slot holding the first len bytes of x, or the empty slot for them. */
static size_t names_slot(const names_t *s, const char *x, size_t len) {
  size_t i = emit_hash(x, len) & (s->cap - 1);
  while (s->v[i] && !(strlen(s->v[i]) == len && memcmp(s->v[i], x, len) == 0)) i = (i + 1) & (s->cap - 1);
  return i;
}

static int names_count(const names_t *s, const char *x, size_t len) {
  if (s->cap == 0) return 0;
  size_t i = names_slot(s, x, len);
  return s->v[i] ? s->count[i] : 0;
}

static int names_has(const names_t *s, const char *x) { return names_count(s, x, strlen(x)) > 0; }

static void names_add(names_t *s, const char *x) {
  if (2 * (s->n + 1) > s->cap) {
    names_t g = {.cap = s->cap ? s->cap * 2 : 64};
    g.v = calloc(g.cap, sizeof *g.v);
    g.count = calloc(g.cap, sizeof *g.count);
    for (size_t i = 0; i < s->cap; i++)
      if (s->v[i]) {
        size_t j = names_slot(&g, s->v[i], strlen(s->v[i]));
        g.v[j] = s->v[i];
        g.count[j] = s->count[i];
      }
    g.n = s->n;
    free(s->v);
    free(s->count);
    *s = g;
  }
  size_t i = names_slot(s, x, strlen(x));
  if (s->v[i] == NULL) {
    s->v[i] = x;
    s->n++;
  }
  s->count[i]++;
}

static void names_free(names_t *s) {
  free(s->v);
  free(s->count);
}

/* Another declaration's plain name equals x, or begins x followed by `_`
 * (x itself is in roots once, as its own entry). */
static int meets_another(const names_t *roots, const char *x) {
  size_t n = strlen(x);
  if (names_count(roots, x, n) > 1) return 1;
  for (size_t k = 1; k < n; k++)
    if (x[k] == '_' && names_count(roots, x, k) > 0) return 1;
  return 0;
}

static int named_decl(const ast_t *d) {
  return d && d->name && d->kind != AST_IMPORT && d->kind != AST_EXTERN;
}

void emit_assign_names(program_t *prog) {
  names_t prefixes = {0}, roots = {0}, used = {0};
  for (int i = 0; i < prog->nmodules; i++) {
    ast_t *mod = prog->modules[i];
    char *p = module_prefix(mod->name);
    if (names_has(&prefixes, p)) p = xprintf("%s%d", p, i);
    mod->data = p;
    names_add(&prefixes, p);
  }
  /* the plain `<prefix>_<Name>` of every declaration */
  for (int i = 0; i < prog->nmodules; i++) {
    ast_t *mod = prog->modules[i];
    for (int k = 0; k < mod->nkids; k++)
      if (named_decl(mod->kids[k])) names_add(&roots, xprintf("%s_%s", (char *)mod->data, mod->kids[k]->name));
  }
  for (int i = 0; i < prog->nmodules; i++) {
    ast_t *mod = prog->modules[i];
    for (int k = 0; k < mod->nkids; k++) {
      ast_t *d = mod->kids[k];
      if (!named_decl(d)) continue;
      char *c = xprintf("%s_%s", (char *)mod->data, d->name);
      if (meets_another(&roots, c)) c = xprintf("%s_0%s", (char *)mod->data, escape_underscores(d->name));
      if (ends_with_t(c)) c = xprintf("%s0", c);
      if (names_has(&used, c)) {
        char *base = c;
        for (int n = 1; names_has(&used, c); n++) c = xprintf("%s_%d", base, n);
      }
      names_add(&used, c);
      d->data = c;
    }
  }
  names_free(&prefixes);
  names_free(&roots);
  names_free(&used);
}
