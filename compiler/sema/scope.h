/* scope.h: name tables for the checker. Names are interned, so tables hash
 * and compare pointers; a table may also be keyed by any other pointer (a
 * declaration node, cast to const char *). */
#ifndef ACT_SCOPE_H
#define ACT_SCOPE_H

#include "ast/ast.h"

typedef struct symtab {
  const char **keys;
  ast_t **vals;
  int cap, count;
} symtab_t;

void symtab_put(symtab_t *t, const char *name, ast_t *decl);
ast_t *symtab_get(const symtab_t *t, const char *name);
void symtab_free(symtab_t *t);

/* Per-module facts, hung off MODULE nodes (MODULE->info) while checking. */
typedef struct module_info {
  ast_t *mod;
  const char *path;      /* as shown in diagnostics */
  const char *key;       /* canonical path: one module per file */
  const char *dir;
  symtab_t decls;        /* top-level declarations by name */
  symtab_t aliases;      /* imported module name -> MODULE */
  symtab_t bare;         /* names imported bare -> declaration */
  symtab_t variants;     /* bare variant name -> VARIANT (or SEMA_AMBIGUOUS) */
  symtab_t cskipped;     /* `import c`: a used C name that has no Act form ->
                            STRING saying where it is declared and why */
  int state;             /* 0 new, 1 loading, 2 loaded */
} module_info_t;

/* Per-actor facts (params, fields, fns, children and events by name;
 * handlers by message; apply handlers by event). */
typedef struct actor_info {
  ast_t *decl;
  symtab_t members;
  symtab_t handlers;     /* key: MESSAGE decl -> ON */
  symtab_t applies;      /* key: EVENT decl -> APPLY */
} actor_info_t;

#endif
