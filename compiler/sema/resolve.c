/* resolve.c: what a name means where it is used — locals, then the
 * enclosing actor's members, then the module's declarations and names
 * imported bare (and the built-in `Down` message) — plus type expressions
 * and the "did you mean" hint for unknown names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sema/sema_int.h"

/* ---- names ------------------------------------------------------------- */

ast_t *sema_actor_member(const ast_t *actor, const char *name) {
  actor_info_t *ai = sema_actor_info(actor);
  return ai ? symtab_get(&ai->members, name) : NULL;
}

ast_t *sema_handler(const ast_t *actor, const ast_t *msg) {
  actor_info_t *ai = sema_actor_info(actor);
  return ai ? symtab_get(&ai->handlers, (const char *)msg) : NULL;
}

ast_t *sema_global(cx_t *c, const char *name) {
  ast_t *d = symtab_get(&c->mi->decls, name);
  if (d == NULL)
    d = symtab_get(&c->mi->bare, name);
  if (d == NULL && name == sema_down_message()->name)
    d = sema_down_message();
  return d;
}

ast_t *sema_lookup(cx_t *c, const char *name) {
  ast_t *d = scope_get(c, name);
  if (d == NULL && c->actor)
    d = sema_actor_member(c->actor, name);
  if (d == NULL)
    d = sema_global(c, name);
  return d;
}

/* `name` as an imported module, unless a local or actor member hides it. */
module_info_t *sema_alias(cx_t *c, const char *name) {
  if (name == NULL)
    return NULL;
  ast_t *m = symtab_get(&c->mi->aliases, name);
  if (m == NULL)
    return NULL;
  if (scope_get(c, name) || (c->actor && sema_actor_member(c->actor, name)))
    return NULL;
  return m->info;
}

ast_t *sema_module_member(const module_info_t *m, const char *name) {
  return m ? symtab_get(&m->decls, name) : NULL;
}

ast_t *sema_variant_of(const ast_t *en, const char *name) {
  if (en == NULL)
    return NULL;
  for (int i = 0; i < en->nkids; i++)
    if (en->kids[i] && en->kids[i]->name == name)
      return en->kids[i];
  return NULL;
}

/* A variant written without its enum: the expected enum's, else the only
 * visible enum defining it. Reports ambiguity at `at`. */
ast_t *sema_find_variant(cx_t *c, const char *name, type_t *want, loc_t at) {
  if (want && want->kind == TY_OPTIONAL)
    want = want->elem;
  if (want && want->kind == TY_ENUM) {
    ast_t *v = sema_variant_of(want->decl, name);
    if (v)
      return v;
  }
  ast_t *v = symtab_get(&c->mi->variants, name);
  if (v == SEMA_AMBIGUOUS) {
    diag_error(c->d, at, "variant `%s` is ambiguous: more than one enum defines it", name);
    diag_hint(c->d, "write the enum's name too: `Enum.%s`", name);
    return NULL;
  }
  return v;
}

/* ---- types ------------------------------------------------------------- */

static const struct {
  const char *n;
  type_kind_t k;
} prim_names[] = {
    {"bool", TY_BOOL}, {"i8", TY_I8}, {"i16", TY_I16}, {"i32", TY_I32}, {"i64", TY_I64},
    {"int", TY_I64}, {"u8", TY_U8}, {"u16", TY_U16}, {"u32", TY_U32}, {"u64", TY_U64},
    {"f32", TY_F32}, {"f64", TY_F64}, {"float", TY_F64}, {"string", TY_STRING},
    {"duration", TY_DURATION}, {"timer", TY_TIMER}, {"node", TY_NODE}};

type_t *sema_prim_named(const char *name) {
  /* Names are interned: compare with the interned spellings. */
  static const char *interned[sizeof prim_names / sizeof *prim_names];
  static unsigned generation; /* of the string table they were made in */
  if (generation != strtab_generation()) {
    for (size_t i = 0; i < sizeof prim_names / sizeof *prim_names; i++)
      interned[i] = strtab_cstr(prim_names[i].n);
    generation = strtab_generation();
  }
  for (size_t i = 0; i < sizeof prim_names / sizeof *prim_names; i++)
    if (interned[i] == name)
      return type_prim(prim_names[i].k);
  return NULL;
}

static type_t *decl_type(cx_t *c, ast_t *d, loc_t at) {
  switch (d->kind) {
  case AST_STRUCT: return type_nominal(TY_STRUCT, d);
  case AST_ENUM: return type_nominal(TY_ENUM, d);
  case AST_ACTOR: return type_nominal(TY_ACTOR, d);
  case AST_PROTOCOL: return type_nominal(TY_PROTOCOL, d);
  case AST_MESSAGE:
    diag_error(c->d, at, "`%s` is a message, not a type", d->name);
    diag_hint(c->d, "messages are sent, not stored; use a struct to keep the same data");
    return T(TY_ERROR);
  default:
    diag_error(c->d, at, "`%s` is not a type", d->name);
    return T(TY_ERROR);
  }
}

static bool key_type_ok(const type_t *k) {
  return type_is_integer(k) || k->kind == TY_BOOL || k->kind == TY_STRING;
}

type_t *sema_resolve_type(cx_t *c, ast_t *n) {
  if (n == NULL)
    return NULL;
  type_t *t = T(TY_ERROR);
  switch (n->kind) {
  case AST_TNAME: {
    if (n->name == NULL)
      break;
    if (n->lit.s) {
      const char *q = strtab_cstr(n->lit.s);
      module_info_t *m = sema_alias(c, q);
      if (m == NULL) {
        diag_error(c->d, n->loc, "unknown module `%s`", q);
        diag_hint(c->d, "import it first: `import %s`", q);
        break;
      }
      ast_t *d = sema_module_member(m, n->name);
      if (d == NULL) {
        diag_error(c->d, n->loc, "module `%s` has no type `%s`", q, n->name);
        break;
      }
      n->sym = d;
      t = decl_type(c, d, n->loc);
      break;
    }
    type_t *prim = sema_prim_named(n->name);
    if (prim) {
      t = prim;
      break;
    }
    ast_t *d = sema_global(c, n->name);
    if (d == NULL) {
      bool future = strcmp(n->name, "future") == 0;
      if (sema_unknown(c, n->loc, "type", n->name, future ? 0 : SEMA_HINT_TYPE) && future)
        diag_hint(c->d, "write the reply type too: `future<int>`");
      break;
    }
    n->sym = d;
    t = decl_type(c, d, n->loc);
    break;
  }
  case AST_TARRAY: {
    type_t *e = sema_resolve_type(c, ast_kid(n, 0));
    t = is_err(e) ? T(TY_ERROR) : type_array(e);
    break;
  }
  case AST_TMAP: {
    type_t *k = sema_resolve_type(c, ast_kid(n, 0)), *v = sema_resolve_type(c, ast_kid(n, 1));
    if (is_err(k) || is_err(v))
      break;
    if (!key_type_ok(k)) {
      diag_error(c->d, n->kids[0]->loc,
                 "map keys must be an integer type, bool or string, not `%s`", type_name(k));
      break;
    }
    t = type_map(k, v);
    break;
  }
  case AST_TOPT: {
    type_t *e = sema_resolve_type(c, ast_kid(n, 0));
    t = is_err(e) ? T(TY_ERROR) : e->kind == TY_OPTIONAL ? e : type_optional(e);
    break;
  }
  case AST_TFUTURE: {
    type_t *e = sema_resolve_type(c, ast_kid(n, 0));
    t = is_err(e) ? T(TY_ERROR) : type_future(e);
    break;
  }
  default:
    diag_error(c->d, n->loc, "expected a type");
    break;
  }
  n->type = t;
  return t;
}

/* ---- hints ------------------------------------------------------------- */

/* Edit distance (Levenshtein) for "did you mean" hints; names are short. */
int sema_edits(const char *a, const char *b) {
  int la = (int)strlen(a), lb = (int)strlen(b);
  if (la > 40 || lb > 40)
    return 99;
  int dp[41][41];
  for (int i = 0; i <= la; i++) dp[i][0] = i;
  for (int j = 0; j <= lb; j++) dp[0][j] = j;
  for (int i = 1; i <= la; i++)
    for (int j = 1; j <= lb; j++) {
      int x = dp[i - 1][j] + 1, y = dp[i][j - 1] + 1, z = dp[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      int m = x < y ? x : y;
      dp[i][j] = m < z ? m : z;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && dp[i - 2][j - 2] + 1 < dp[i][j])
        dp[i][j] = dp[i - 2][j - 2] + 1; /* transposition */
    }
  return dp[la][lb];
}

typedef struct best {
  const char *name;
  int dist, rank;
} best_t;

/* The nearest spelling wins; on a tie the nearer scope (lower rank), then
 * the alphabetically first name (hash tables have no stable order). */
static bool is_upper(char ch) { return ch >= 'A' && ch <= 'Z'; }

/* Edit distance ignoring ASCII case. */
static int edits_nocase(const char *a, const char *b) {
  char la[41], lb[41];
  size_t i;
  for (i = 0; a[i] && i < 40; i++) la[i] = is_upper(a[i]) ? (char)(a[i] - 'A' + 'a') : a[i];
  la[i] = '\0';
  for (i = 0; b[i] && i < 40; i++) lb[i] = is_upper(b[i]) ? (char)(b[i] - 'A' + 'a') : b[i];
  lb[i] = '\0';
  return sema_edits(la, lb);
}

static void consider(best_t *b, const char *want, const char *cand, int rank) {
  if (cand == NULL || cand == want || (cand[0] == '_' && cand[1] == '\0'))
    return;
  /* `Nope` is not a misspelt `node`: names whose first letters differ in
   * case (types are UpperCamelCase, the rest snake_case) are suggested
   * only when they differ in case alone (`String` for `string`). */
  if (is_upper(want[0]) != is_upper(cand[0]) && edits_nocase(want, cand) > 0)
    return;
  int e = sema_edits(want, cand);
  if (e > b->dist)
    return;
  if (b->name && e == b->dist &&
      (rank > b->rank || (rank == b->rank && strcmp(cand, b->name) >= 0)))
    return;
  if (b->name == NULL && e == b->dist)
    return; /* the initial distance is a bound, not a candidate */
  b->dist = e;
  b->rank = rank;
  b->name = cand;
}

/* Whether decl is something the unknown name could have meant: a hint
 * must name a thing of the kind that was asked for (a type for a type). */
static bool hint_kind_ok(const ast_t *decl, unsigned kinds) {
  if (decl == NULL || decl == SEMA_AMBIGUOUS)
    return false;
  switch (decl->kind) {
  case AST_STRUCT: return kinds & (SEMA_HINT_TYPE | SEMA_HINT_STRUCT);
  case AST_ENUM: case AST_PROTOCOL: return kinds & SEMA_HINT_TYPE;
  case AST_ACTOR: return kinds & (SEMA_HINT_TYPE | SEMA_HINT_ACTOR);
  case AST_MESSAGE: return kinds & (SEMA_HINT_MESSAGE | SEMA_HINT_VALUE);
  case AST_EVENT: return kinds & SEMA_HINT_MESSAGE;
  case AST_FN: return kinds & (SEMA_HINT_FN | SEMA_HINT_VALUE);
  case AST_VAR: case AST_PARAM: case AST_CONST: case AST_CHILD: case AST_CHILDREN:
  case AST_IF_LET: case AST_VARIANT:
    return kinds & SEMA_HINT_VALUE;
  default:
    return false;
  }
}

static void consider_table(best_t *b, const char *want, const symtab_t *t, int rank,
                           unsigned kinds) {
  for (int i = 0; i < t->cap; i++)
    if (t->keys[i] && hint_kind_ok(t->vals[i], kinds))
      consider(b, want, t->keys[i], rank);
}

bool sema_unknown(cx_t *c, loc_t at, const char *what, const char *name, unsigned kinds) {
  /* A declaration dropped by syntax error recovery may be what it names. */
  if (c->mi && c->mi->mod && (c->mi->mod->flags & AST_SYNTAX_ERROR))
    return false;
  ast_t *skipped = name ? symtab_get(&c->mi->cskipped, name) : NULL;
  if (skipped) { /* `import c` saw it and could not map it */
    diag_error(c->d, at, "`%s` cannot be used from Act: %s", name, skipped->lit.s);
    diag_hint(c->d, "docs/c-interop.md lists what `import c` maps; wrap the C in a function that it does");
    return true;
  }
  diag_error(c->d, at, "unknown %s `%s`", what, name);
  if (kinds)
    sema_hint_name(c, name, kinds);
  return true;
}

void sema_hint_name(cx_t *c, const char *name, unsigned kinds) {
  if (name == NULL)
    return;
  int len = (int)strlen(name);
  best_t b = {NULL, len <= 3 ? 2 : 3, 0};
  for (int i = c->undo.n - 1; i >= 0; i--) {
    ast_t *d = symtab_get(&c->locals, c->undo.v[i].name);
    if (hint_kind_ok(d, kinds))
      consider(&b, name, c->undo.v[i].name, 0);
  }
  if (c->actor) {
    actor_info_t *ai = sema_actor_info(c->actor);
    if (ai)
      consider_table(&b, name, &ai->members, 1, kinds);
  }
  consider_table(&b, name, &c->mi->decls, 2, kinds);
  consider_table(&b, name, &c->mi->bare, 2, kinds);
  if (kinds & SEMA_HINT_VALUE)
    consider_table(&b, name, &c->mi->variants, 2, kinds);
  if (kinds & SEMA_HINT_FN)
    for (int bi = 1; bi < BI_FIRST_METHOD; bi++) /* functions */
      consider(&b, name, strtab_cstr(sema_builtin_name(bi)), 3);
  if (kinds & SEMA_HINT_TYPE)
    for (size_t i = 0; i < sizeof prim_names / sizeof *prim_names; i++)
      consider(&b, name, strtab_cstr(prim_names[i].n), 3);
  if (b.name && b.dist > 0 && b.dist < len)
    diag_hint(c->d, "did you mean `%s`?", b.name);
}
