/* scope.h: name tables for the checker. Names are interned, so tables hash
 * and compare pointers. */
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

/* Per-module facts, hung off MODULE nodes while checking. */
typedef struct module_info {
  ast_t *mod;
  const char *path;
  const char *dir;
  symtab_t decls;        /* top-level declarations by name */
  symtab_t aliases;      /* imported module name -> MODULE */
  symtab_t bare;         /* names imported bare -> declaration */
  int state;             /* 0 new, 1 loading, 2 loaded */
} module_info_t;

#endif
