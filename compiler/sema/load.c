/* load.c: loading a program's modules: the root file, then every import
 * (relative modules next to the importing file, `std.` from the standard
 * library), dependencies before dependants. Import cycles and missing
 * modules are reported at the import. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sema/cimport.h"
#include "sema/sema_int.h"
#include "syntax/parse.h"

static char *dir_of(const char *path) {
  const char *s = strrchr(path, '/');
  if (s == NULL)
    return xstrdup(".");
  if (s == path)
    return xstrdup("/");
  return xstrndup(path, (size_t)(s - path));
}

static const char *mod_name(const char *path) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  size_t n = strlen(b);
  if (n > 4 && strcmp(b + n - 4, ".act") == 0)
    n -= 4;
  return strtab_intern(b, n);
}

/* Modules of the current run, by canonical path (few: a linear list). */
static VEC(module_info_t *) loaded;
/* The chain of modules being loaded, for cycle reports. */
static VEC(module_info_t *) stack;
/* Errors in finding modules (not in their text): checking goes on after a
 * syntax error, but not without a module. */
static int load_errors;

static const char *canonical(const char *path) {
  char buf[PATH_MAX];
  if (realpath(path, buf) != NULL)
    return xstrdup(buf);
  return xstrdup(path);
}

static module_info_t *find_loaded(const char *key) {
  for (int i = 0; i < loaded.n; i++)
    if (strcmp(loaded.v[i]->key, key) == 0)
      return loaded.v[i];
  return NULL;
}

static module_info_t *new_module(ast_t *mod, const char *path) {
  module_info_t *mi = xcalloc(1, sizeof *mi);
  mi->mod = mod;
  mi->path = xstrdup(path);
  mi->key = canonical(path);
  mi->dir = dir_of(path);
  mod->info = mi;
  mod->name = mod_name(path);
  VEC_PUSH(&loaded, mi);
  return mi;
}

static void add_ordered(program_t *out, ast_t *mod) {
  out->modules = xrealloc(out->modules, sizeof *out->modules * (size_t)(out->nmodules + 1));
  out->modules[out->nmodules++] = mod;
}

/* "std.io, std.strings and std.sys": the modules of the standard library. */
static void hint_std_modules(diag_t *d, const char *stdlib_dir) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/std", stdlib_dir ? stdlib_dir : ".");
  DIR *dir = opendir(path);
  if (dir == NULL)
    return;
  char *names[64];
  int n = 0;
  struct dirent *de;
  while ((de = readdir(dir)) != NULL && n < 64) {
    size_t l = strlen(de->d_name);
    if (l > 4 && strcmp(de->d_name + l - 4, ".act") == 0)
      names[n++] = xstrndup(de->d_name, l - 4);
  }
  closedir(dir);
  for (int i = 1; i < n; i++) /* insertion sort: a handful of names */
    for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
      char *t = names[j];
      names[j] = names[j - 1];
      names[j - 1] = t;
    }
  if (n > 0) {
    strbuf_t b = {0};
    for (int i = 0; i < n; i++)
      strbuf_printf(&b, "%sstd.%s", i == 0 ? "" : i == n - 1 ? " and " : ", ", names[i]);
    diag_hint(d, "the standard library has %s", strbuf_str(&b));
    strbuf_free(&b);
  }
  for (int i = 0; i < n; i++)
    free(names[i]);
}

/* Dotted name of an import: "shop.cart". */
static void dotted(const ast_t *path, strbuf_t *b) {
  for (int k = 0; path && k < path->nkids; k++)
    if (path->kids[k] && path->kids[k]->name)
      strbuf_printf(b, "%s%s", k ? "." : "", path->kids[k]->name);
}

static void report_cycle(diag_t *d, const ast_t *imp, const module_info_t *dep) {
  strbuf_t chain = {0};
  int from = 0;
  for (int i = 0; i < stack.n; i++)
    if (stack.v[i] == dep)
      from = i;
  for (int i = from; i < stack.n; i++)
    strbuf_printf(&chain, "`%s` -> ", stack.v[i]->mod->name);
  strbuf_printf(&chain, "`%s`", dep->mod->name);
  diag_error(d, imp->loc, "import cycle: %s", strbuf_str(&chain));
  diag_hint(d, "move what both modules need into a third module that imports neither");
  strbuf_free(&chain);
}

/* Load the imports of mi (recursively), appending modules in dependency
 * order. Recursion depth is the depth of the import graph. */
static void load_imports(module_info_t *mi, const sema_opts_t *opts, diag_t *d,
                         program_t *out) {
  mi->state = 1;
  VEC_PUSH(&stack, mi);
  ast_t *m = mi->mod;
  for (int i = 0; i < m->nkids; i++) {
    ast_t *imp = m->kids[i];
    if (imp == NULL || imp->kind != AST_IMPORT)
      continue;
    if (imp->flags & IMPORT_C) {
      if (!cimport_load(mi, imp, opts, d, out))
        load_errors++;
      continue;
    }
    ast_t *path = ast_kid(imp, 0);
    if (path == NULL || path->nkids == 0 || imp->name == NULL)
      continue;
    char rel[PATH_MAX];
    int is_std = path->nkids > 1 && path->kids[0] && path->kids[0]->name &&
                 strcmp(path->kids[0]->name, "std") == 0;
    const char *base = is_std ? opts->stdlib_dir : mi->dir;
    /* Beside a root file named without a folder, the path has none
     * either: diagnostics then name `shop/cart.act`, as the root file is
     * named, not `./shop/cart.act`. */
    size_t n = 0;
    if (base != NULL && strcmp(base, ".") != 0)
      n = (size_t)snprintf(rel, sizeof rel, "%s/", base);
    for (int k = 0; k < path->nkids && n < sizeof rel; k++)
      n += (size_t)snprintf(rel + n, sizeof rel - n, "%s%s", k ? "/" : "",
                            path->kids[k] && path->kids[k]->name ? path->kids[k]->name : "?");
    if (n < sizeof rel)
      snprintf(rel + n, sizeof rel - n, ".act");
    ast_t *prev = symtab_get(&mi->aliases, imp->name);
    char *key = (char *)canonical(rel);
    module_info_t *dep = find_loaded(key);
    free(key);
    if (dep == NULL) {
      src_file_t *f = src_load(rel);
      if (f == NULL) {
        load_errors++;
        strbuf_t name = {0};
        dotted(path, &name);
        diag_error(d, imp->loc, "cannot find module `%s` (looked for %s)", strbuf_str(&name), rel);
        if (is_std)
          hint_std_modules(d, opts->stdlib_dir);
        strbuf_free(&name);
        continue;
      }
      ast_t *dm = parse_module(f, d);
      dep = new_module(dm, rel);
      load_imports(dep, opts, d, out);
    } else if (dep->state == 1) {
      load_errors++;
      report_cycle(d, imp, dep);
      continue;
    }
    if (prev && prev != dep->mod) {
      load_errors++;
      diag_error(d, imp->loc, "two imports are named `%s`", imp->name);
      diag_hint(d, "modules are used by their last name; rename one of the files");
      continue;
    }
    imp->sym = dep->mod;
    symtab_put(&mi->aliases, imp->name, dep->mod);
  }
  stack.n--;
  mi->state = 2;
  add_ordered(out, m);
}

/* Everything the loader and the checker allocated outside the AST arena:
 * the module tables, the actor tables, the module list. The trees, names
 * and types are released by ast_free_all, strtab_free_all, type_reset. */
void sema_release(program_t *prog) {
  for (int i = 0; i < loaded.n; i++) {
    module_info_t *mi = loaded.v[i];
    symtab_free(&mi->decls);
    symtab_free(&mi->aliases);
    symtab_free(&mi->bare);
    symtab_free(&mi->variants);
    symtab_free(&mi->cskipped);
    free((char *)mi->path);
    free((char *)mi->key);
    free((char *)mi->dir);
    free(mi);
  }
  VEC_FREE(&loaded);
  VEC_FREE(&stack);
  sema_actor_infos_reset();
  if (prog != NULL) {
    free(prog->modules);
    free(prog->c_flags);
    memset(prog, 0, sizeof *prog);
  }
}

bool sema_check_module(ast_t *root, const sema_opts_t *opts, diag_t *d,
                       program_t *out) {
  memset(out, 0, sizeof *out);
  if (root == NULL)
    return false;
  sema_opts_t defaults = {0};
  if (opts == NULL)
    opts = &defaults;
  sema_release(NULL); /* a previous run's tables, if any */
  load_errors = 0;
  module_info_t *mi = new_module(root, root->lit.s ? root->lit.s : "main.act");
  load_imports(mi, opts, d, out);
  out->root = root;
  if (load_errors)
    return false;
  /* Syntax errors do not stop the checker: it skips what they broke
   * (AST_SYNTAX_ERROR) and reports the rest (LANGUAGE.md §14). */
  return sema_check_program(out, opts, d) && d->errors == 0;
}

bool sema_load_and_check(const char *root_path, const sema_opts_t *opts,
                         diag_t *d, program_t *out) {
  memset(out, 0, sizeof *out);
  src_file_t *f = src_load(root_path);
  if (f == NULL) {
    fprintf(d->out ? d->out : stderr, "actorc: cannot read `%s`\n", root_path);
    d->errors++;
    return false;
  }
  ast_t *root = parse_module(f, d);
  return sema_check_module(root, opts, d, out);
}
