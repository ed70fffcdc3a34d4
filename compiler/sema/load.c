/* load.c: symbol tables, and loading a program's modules: the root file,
 * then every import (relative modules next to the importing file, `std.`
 * from the standard library), dependencies before dependants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sema/scope.h"
#include "sema/sema.h"
#include "sema/sema_int.h"
#include "syntax/parse.h"

/* ---- symbol tables ----------------------------------------------------- */

static unsigned phash(const void *p) {
  uintptr_t h = (uintptr_t)p;
  h ^= h >> 17;
  h *= 0x9E3779B97F4A7C15ull;
  return (unsigned)(h >> 32);
}

void symtab_put(symtab_t *t, const char *name, ast_t *decl) {
  if ((t->count + 1) * 2 > t->cap) {
    int cap = t->cap ? t->cap * 2 : 16;
    const char **k = calloc((size_t)cap, sizeof *k);
    ast_t **v = calloc((size_t)cap, sizeof *v);
    if (k == NULL || v == NULL) {
      fputs("actorc: out of memory\n", stderr);
      exit(3);
    }
    for (int i = 0; i < t->cap; i++) {
      if (t->keys[i] == NULL)
        continue;
      unsigned s = phash(t->keys[i]) & (unsigned)(cap - 1);
      while (k[s])
        s = (s + 1) & (unsigned)(cap - 1);
      k[s] = t->keys[i];
      v[s] = t->vals[i];
    }
    free(t->keys);
    free(t->vals);
    t->keys = k;
    t->vals = v;
    t->cap = cap;
  }
  unsigned s = phash(name) & (unsigned)(t->cap - 1);
  while (t->keys[s] && t->keys[s] != name)
    s = (s + 1) & (unsigned)(t->cap - 1);
  if (t->keys[s] == NULL)
    t->count++;
  t->keys[s] = name;
  t->vals[s] = decl;
}

ast_t *symtab_get(const symtab_t *t, const char *name) {
  if (t->cap == 0 || name == NULL)
    return NULL;
  unsigned s = phash(name) & (unsigned)(t->cap - 1);
  while (t->keys[s]) {
    if (t->keys[s] == name)
      return t->vals[s];
    s = (s + 1) & (unsigned)(t->cap - 1);
  }
  return NULL;
}

void symtab_free(symtab_t *t) {
  free(t->keys);
  free(t->vals);
  memset(t, 0, sizeof *t);
}

/* ---- loading ----------------------------------------------------------- */

static char *dir_of(const char *path) {
  const char *s = strrchr(path, '/');
  if (s == NULL)
    return strdup(".");
  char *d = strndup(path, (size_t)(s - path));
  return d[0] ? d : strdup("/");
}

static const char *mod_name(const char *path) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  size_t n = strlen(b);
  if (n > 4 && strcmp(b + n - 4, ".act") == 0)
    n -= 4;
  return strtab_intern(b, n);
}

static module_info_t **loaded;
static int nloaded, caploaded;

static module_info_t *find_loaded(const char *path) {
  for (int i = 0; i < nloaded; i++)
    if (strcmp(loaded[i]->path, path) == 0)
      return loaded[i];
  return NULL;
}

static module_info_t *new_module(ast_t *mod, const char *path) {
  module_info_t *mi = calloc(1, sizeof *mi);
  mi->mod = mod;
  mi->path = strdup(path);
  mi->dir = dir_of(path);
  mod->data = mi;
  mod->name = mod_name(path);
  if (nloaded == caploaded) {
    caploaded = caploaded ? caploaded * 2 : 16;
    loaded = realloc(loaded, sizeof *loaded * (size_t)caploaded);
  }
  loaded[nloaded++] = mi;
  return mi;
}

static void add_ordered(program_t *out, ast_t *mod) {
  out->modules = realloc(out->modules, sizeof(ast_t *) * (size_t)(out->nmodules + 1));
  out->modules[out->nmodules++] = mod;
}

/* Load the imports of mi (recursively), appending modules in dependency
 * order. */
static void load_imports(module_info_t *mi, const sema_opts_t *opts, diag_t *d,
                         program_t *out) {
  mi->state = 1;
  ast_t *m = mi->mod;
  for (int i = 0; i < m->nkids; i++) {
    ast_t *imp = m->kids[i];
    if (imp == NULL || imp->kind != AST_IMPORT || (imp->flags & IMPORT_C))
      continue;
    ast_t *path = imp->kids[0];
    char rel[4096];
    size_t n = 0;
    int is_std = path->nkids > 1 && strcmp(path->kids[0]->name, "std") == 0;
    const char *base = is_std ? opts->stdlib_dir : mi->dir;
    n += (size_t)snprintf(rel + n, sizeof rel - n, "%s", base ? base : ".");
    for (int k = 0; k < path->nkids && n < sizeof rel; k++)
      n += (size_t)snprintf(rel + n, sizeof rel - n, "/%s", path->kids[k]->name);
    if (n < sizeof rel)
      snprintf(rel + n, sizeof rel - n, ".act");
    module_info_t *dep = find_loaded(rel);
    if (dep == NULL) {
      src_file_t *f = src_load(rel);
      if (f == NULL) {
        diag_error(d, imp->loc, "cannot find module `%s` (looked for %s)",
                   imp->name, rel);
        if (is_std)
          diag_hint(d, "the standard library has std.io, std.strings and std.sys");
        continue;
      }
      ast_t *dm = parse_module(f, d);
      dep = new_module(dm, rel);
      load_imports(dep, opts, d, out);
    } else if (dep->state == 1) {
      diag_error(d, imp->loc, "import cycle: `%s` imports itself through `%s`",
                 m->name, imp->name);
      continue;
    }
    imp->sym = dep->mod;
    symtab_put(&mi->aliases, imp->name, dep->mod);
  }
  mi->state = 2;
  add_ordered(out, m);
}

bool sema_check_module(ast_t *root, const sema_opts_t *opts, diag_t *d,
                       program_t *out) {
  memset(out, 0, sizeof *out);
  module_info_t *mi = new_module(root, root->lit.s ? root->lit.s : "main.act");
  load_imports(mi, opts, d, out);
  out->root = root;
  if (d->errors)
    return false;
  return sema_check_program(out, opts, d);
}

bool sema_load_and_check(const char *root_path, const sema_opts_t *opts,
                         diag_t *d, program_t *out) {
  memset(out, 0, sizeof *out);
  src_file_t *f = src_load(root_path);
  if (f == NULL) {
    fprintf(stderr, "actorc: cannot read `%s`\n", root_path);
    d->errors++;
    return false;
  }
  ast_t *root = parse_module(f, d);
  if (d->errors)
    return false;
  return sema_check_module(root, opts, d, out);
}
