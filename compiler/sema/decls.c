/* decls.c: pass 1 — the names every module declares (so declarations may
 * appear in any order and refer to each other), names imported bare,
 * variant names usable without their enum, and the member table of every
 * actor. Duplicates are reported here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sema/sema_int.h"

ast_t sema_ambiguous_node;

static symtab_t actor_infos; /* key: ACTOR decl -> actor_info_t * */
static VEC(actor_info_t *) all_infos;

void sema_actor_infos_reset(void) {
  for (int i = 0; i < all_infos.n; i++) {
    symtab_free(&all_infos.v[i]->members);
    symtab_free(&all_infos.v[i]->handlers);
    symtab_free(&all_infos.v[i]->applies);
    free(all_infos.v[i]);
  }
  VEC_FREE(&all_infos);
  symtab_free(&actor_infos);
}

actor_info_t *sema_actor_info(const ast_t *actor) {
  if (actor == NULL)
    return NULL;
  return (actor_info_t *)symtab_get(&actor_infos, (const char *)actor);
}

static const char *member_what(const ast_t *m) {
  switch (m->kind) {
  case AST_PARAM: return "parameter";
  case AST_VAR: return "field";
  case AST_FN: return "function";
  case AST_CHILD: case AST_CHILDREN: return "child";
  case AST_EVENT: return "event";
  default: return "member";
  }
}

static void member(diag_t *d, actor_info_t *ai, ast_t *m) {
  if (m == NULL || m->name == NULL)
    return;
  ast_t *prev = symtab_get(&ai->members, m->name);
  if (prev && prev->kind == AST_PARAM &&
      (m->kind == AST_VAR || m->kind == AST_CHILD || m->kind == AST_CHILDREN)) {
    /* `supervisor Bank(tellers: int) { children tellers = ... for i in
     * 0..tellers }` (LANGUAGE.md §8): the member's own initialiser still
     * sees the parameter (value_members), everything else the member. */
    symtab_put(&ai->members, m->name, m);
    return;
  }
  if (prev) {
    diag_error(d, m->loc, "`%s` is declared twice in `%s`", m->name, ai->decl->name);
    diag_note(d, prev->loc, "the %s `%s` is declared here", member_what(prev), m->name);
    return;
  }
  symtab_put(&ai->members, m->name, m);
}

static void collect_actor(diag_t *d, ast_t *a) {
  actor_info_t *ai = xcalloc(1, sizeof *ai);
  ai->decl = a;
  VEC_PUSH(&all_infos, ai);
  symtab_put(&actor_infos, (const char *)a, (ast_t *)ai);
  ast_t *ps = ast_kid(a, 0), *ms = ast_kid(a, 2);
  for (int i = 0; ps && i < ps->nkids; i++)
    if (ps->kids[i]) {
      ps->kids[i]->scope = a;
      member(d, ai, ps->kids[i]);
    }
  for (int i = 0; ms && i < ms->nkids; i++) {
    ast_t *m = ms->kids[i];
    if (m == NULL)
      continue;
    m->scope = a;
    switch (m->kind) {
    case AST_VAR: case AST_FN: case AST_CHILD: case AST_CHILDREN: case AST_EVENT:
      member(d, ai, m);
      break;
    default:
      break;
    }
  }
}

static void declare(diag_t *d, module_info_t *mi, ast_t *dcl) {
  if (dcl == NULL || dcl->name == NULL)
    return;
  if (dcl->name == sema_down_message()->name) {
    /* LANGUAGE.md §8: `Down` is reserved. Any top-level `Down` would hide
     * the built-in message from `on Down(who, reason)`, so all are refused. */
    diag_error(d, dcl->loc, "`Down` is the built-in message that `monitor` delivers; "
                            "a program cannot declare its own");
    diag_hint(d, dcl->kind == AST_MESSAGE ? "handle the built-in one with `on Down(who, reason) { ... }`, "
                                            "or give your message another name"
                                          : "give it another name");
    return;
  }
  ast_t *prev = symtab_get(&mi->decls, dcl->name);
  if (prev) {
    diag_error(d, dcl->loc, "`%s` is declared twice", dcl->name);
    diag_note(d, prev->loc, "the first declaration is here");
    return;
  }
  symtab_put(&mi->decls, dcl->name, dcl);
  dcl->scope = mi->mod;
}

static void add_variants(diag_t *d, module_info_t *mi, ast_t *en) {
  for (int k = 0; k < en->nkids; k++) {
    ast_t *v = en->kids[k];
    if (v == NULL || v->name == NULL)
      continue;
    ast_t *prev = symtab_get(&mi->variants, v->name);
    if (prev == NULL)
      symtab_put(&mi->variants, v->name, v);
    else if (prev != v && prev->scope != en)
      symtab_put(&mi->variants, v->name, SEMA_AMBIGUOUS);
  }
}

static void collect_module(diag_t *d, ast_t *mod) {
  module_info_t *mi = mod->info;
  for (int i = 0; i < mod->nkids; i++) {
    ast_t *dcl = mod->kids[i];
    if (dcl == NULL)
      continue;
    switch (dcl->kind) {
    case AST_IMPORT:
      break;
    case AST_EXTERN:
      for (int k = 0; k < dcl->nkids; k++)
        declare(d, mi, dcl->kids[k]);
      break;
    case AST_ENUM:
      declare(d, mi, dcl);
      for (int k = 0; k < dcl->nkids; k++) {
        ast_t *v = dcl->kids[k];
        if (v == NULL)
          continue;
        v->scope = dcl;
        for (int j = 0; j < k; j++)
          if (dcl->kids[j] && dcl->kids[j]->name == v->name) {
            diag_error(d, v->loc, "enum `%s` has two variants named `%s`", dcl->name, v->name);
            break;
          }
      }
      break;
    case AST_ACTOR:
      declare(d, mi, dcl);
      collect_actor(d, dcl);
      break;
    default:
      declare(d, mi, dcl);
      break;
    }
  }
}

static void bare_imports(diag_t *d, ast_t *mod) {
  module_info_t *mi = mod->info;
  for (int i = 0; i < mod->nkids; i++) {
    ast_t *imp = mod->kids[i];
    if (imp == NULL || imp->kind != AST_IMPORT || imp->sym == NULL)
      continue;
    if (symtab_get(&mi->decls, imp->name)) {
      diag_error(d, imp->loc, "`%s` is both an imported module and a declaration of this module",
                 imp->name);
      diag_note(d, symtab_get(&mi->decls, imp->name)->loc, "the declaration is here");
    }
    ast_t *names = ast_kid(imp, 1);
    if (names == NULL)
      continue;
    module_info_t *dep = imp->sym->info;
    for (int k = 0; k < names->nkids; k++) {
      ast_t *n = names->kids[k];
      if (n == NULL || n->name == NULL)
        continue;
      ast_t *dd = symtab_get(&dep->decls, n->name);
      if (dd == NULL) {
        diag_error(d, n->loc, "module `%s` has no `%s`", imp->name, n->name);
        const char *best = NULL;
        int bd = 3;
        for (int j = 0; j < dep->decls.cap; j++)
          if (dep->decls.keys[j]) {
            int e = sema_edits(n->name, dep->decls.keys[j]);
            if (e < bd) {
              bd = e;
              best = dep->decls.keys[j];
            }
          }
        if (best)
          diag_hint(d, "did you mean `%s`?", best);
        continue;
      }
      n->sym = dd;
      ast_t *own = symtab_get(&mi->decls, n->name);
      if (own) {
        diag_error(d, n->loc, "`%s` is imported bare but this module declares it too", n->name);
        diag_note(d, own->loc, "the declaration is here");
        continue;
      }
      ast_t *other = symtab_get(&mi->bare, n->name);
      if (other && other != dd) {
        diag_error(d, n->loc, "`%s` is imported bare from two modules", n->name);
        continue;
      }
      symtab_put(&mi->bare, n->name, dd);
    }
  }
}

static void variant_table(diag_t *d, ast_t *mod) {
  module_info_t *mi = mod->info;
  for (int i = 0; i < mod->nkids; i++) {
    ast_t *en = mod->kids[i];
    if (en && en->kind == AST_ENUM && symtab_get(&mi->decls, en->name) == en)
      add_variants(d, mi, en);
  }
  for (int i = 0; i < mi->bare.cap; i++) {
    ast_t *en = mi->bare.vals[i];
    if (mi->bare.keys[i] && en && en->kind == AST_ENUM)
      add_variants(d, mi, en);
  }
}

void sema_collect(program_t *prog, diag_t *d) {
  for (int i = 0; i < prog->nmodules; i++)
    collect_module(d, prog->modules[i]);
  for (int i = 0; i < prog->nmodules; i++)
    bare_imports(d, prog->modules[i]);
  for (int i = 0; i < prog->nmodules; i++)
    variant_table(d, prog->modules[i]);
}
