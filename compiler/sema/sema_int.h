/* sema_int.h: what the sema files share: the checking context and the
 * functions each file offers the others.
 *
 *   load.c        loading the root and its imports (modules in order)
 *   cimport.c     `import c`: C headers through libclang into declarations
 *   scope.c       hash tables and the block-structured local scope
 *   decls.c       pass 1: top-level names, imports, actor member tables
 *   resolve.c     name lookup, type expressions, "did you mean" hints
 *   convert.c     implicit conversions (CAST nodes) and `expect`
 *   check_expr.c  expressions
 *   check_call.c  calls: functions, messages, variants, actors, kernels
 *   builtins.c    built-in functions and methods (BUILTINS.md)
 *   check_stmt.c  statements, assignment, loops, match, return paths
 *   check_actor.c actors, handlers, supervisors, persistence, virtual
 *   check_gpu.c   the numeric subset of kernels and gpu actors
 *   check_types.c declared types: signatures, recursive values, messages
 *   check.c       the passes, constants, Main
 */
#ifndef ACT_SEMA_INT_H
#define ACT_SEMA_INT_H

#include <stdbool.h>

#include "common/strbuf.h"
#include "common/vec.h"
#include "common/xalloc.h"
#include "sema/scope.h"
#include "sema/sema.h"

/* A name that two visible enums both define as a variant. */
extern ast_t sema_ambiguous_node;
#define SEMA_AMBIGUOUS (&sema_ambiguous_node)

typedef struct undo {
  const char *name;
  ast_t *prev;           /* what name meant before, restored on leaving */
  ast_t *prev_block;     /* and the block that meant it in (see cx_t) */
} undo_t;

typedef struct cx {
  diag_t *d;
  const sema_opts_t *opts;
  program_t *prog;
  module_info_t *mi;     /* module being checked */
  ast_t *actor;          /* enclosing actor, or NULL */
  ast_t *owner;          /* FN, ON, INIT, ON_STOP, APPLY, CONST, or an actor
                            member being initialised (VAR, CHILD, ...) */
  type_t *ret;           /* result type of the body (NULL: no value) */
  bool has_await;        /* the body contains await or persist */
  bool in_fields;        /* checking actor field initialisers */
  int quiet_untyped;     /* > 0: the expected type was an error, so an
                            empty `[]`/`[:]` has no type but says nothing */
  int loops;
  /* locals: a hash table plus an undo log for leaving blocks */
  symtab_t locals;
  VEC(undo_t) undo;
  /* blocks, for "declared twice in one block": each local's block id */
  symtab_t local_block;  /* name -> 1 + id of the block of its binding */
  int block, nblocks;    /* the current block's id, ids handed out */
  bool body_block;       /* the next block is a body: it shares the id of
                            the parameters pushed before it */
} cx_t;

static inline type_t *T(type_kind_t k) { return type_prim(k); }
static inline bool is_err(const type_t *t) { return t == NULL || t->kind == TY_ERROR; }

/* load.c */
bool sema_check_program(program_t *prog, const sema_opts_t *opts, diag_t *d);

/* scope.c */
void scope_push(cx_t *c, const char *name, ast_t *decl);
int scope_mark(const cx_t *c);
void scope_pop(cx_t *c, int mark);
ast_t *scope_get(const cx_t *c, const char *name);
/* The declaration of `name` made in the current block, or NULL. */
ast_t *scope_in_block(const cx_t *c, const char *name);
void scope_free(cx_t *c);

/* decls.c */
void sema_collect(program_t *prog, diag_t *d);
actor_info_t *sema_actor_info(const ast_t *actor);
void sema_actor_infos_reset(void);

/* resolve.c */
ast_t *sema_lookup(cx_t *c, const char *name);
ast_t *sema_global(cx_t *c, const char *name);
ast_t *sema_actor_member(const ast_t *actor, const char *name);
ast_t *sema_handler(const ast_t *actor, const ast_t *msg);
module_info_t *sema_alias(cx_t *c, const char *name);
ast_t *sema_module_member(const module_info_t *m, const char *name);
/* After "module `m` has no `name`": a close name, or the enum holding it. */
void sema_hint_module_member(cx_t *c, const module_info_t *m, const char *alias, const char *name);
ast_t *sema_variant_of(const ast_t *en, const char *name);
ast_t *sema_find_variant(cx_t *c, const char *name, type_t *want, loc_t at);
type_t *sema_resolve_type(cx_t *c, ast_t *n);
type_t *sema_prim_named(const char *name);
/* What an unknown name was used as, for "did you mean": only names of
 * those kinds are suggested. */
enum {
  SEMA_HINT_VALUE = 1 << 0,    /* locals, fields, constants, functions, ... */
  SEMA_HINT_TYPE = 1 << 1,     /* built-in types, structs, enums, actors, protocols */
  SEMA_HINT_STRUCT = 1 << 2,
  SEMA_HINT_ACTOR = 1 << 3,
  SEMA_HINT_MESSAGE = 1 << 4,  /* messages (and an actor's events) */
  SEMA_HINT_FN = 1 << 5        /* functions, built-in ones included */
};
void sema_hint_name(cx_t *c, const char *name, unsigned kinds);
/* Report "unknown WHAT `name`" with a hint of those kinds (0: none);
 * reports nothing and returns false when a syntax error dropped a
 * declaration of this module (the name may be that one). */
bool sema_unknown(cx_t *c, loc_t at, const char *what, const char *name, unsigned kinds);
int sema_edits(const char *a, const char *b);

/* convert.c */
ast_t *sema_wrap(ast_t *e, type_t *to, int conv);
bool sema_implements(const ast_t *actor, const ast_t *proto);
bool sema_convert(cx_t *c, ast_t **slot, type_t *have, type_t *want, bool report);
type_t *sema_expect(cx_t *c, ast_t **slot, type_t *want);
bool sema_handles(const type_t *target, const ast_t *msg);

/* check_expr.c */
type_t *sema_expr(cx_t *c, ast_t **slot, type_t *want);
bool sema_is_literal(const ast_t *e);
void sema_operands(cx_t *c, ast_t **a, ast_t **b, type_t *hint, type_t **ta, type_t **tb);
type_t *sema_arith(cx_t *c, ast_t *at, ast_op_t op, type_t *l, type_t *r);
ast_t *sema_enum_named(cx_t *c, ast_t *o);
ast_t *sema_actor_named(cx_t *c, ast_t *n);

/* check_call.c */
type_t *sema_call(cx_t *c, ast_t *e, type_t *want);
ast_t *sema_message(cx_t *c, ast_t **slot, bool event);
void sema_args(cx_t *c, ast_t *call, int first, ast_t *params, const char *what,
               const char *name);
void sema_send_target(cx_t *c, ast_t **tslot, ast_t **mslot);
type_t *sema_construct(cx_t *c, ast_t *k, const char *what);

/* builtins.c */
void sema_builtins_init(void);
int sema_builtin_id(const char *name);
type_t *sema_builtin_call(cx_t *c, ast_t *e, int bi, type_t *want);
type_t *sema_method_call(cx_t *c, ast_t *e, type_t *recv);
const char *sema_builtin_name(int bi);

/* check_stmt.c */
void sema_block(cx_t *c, ast_t *b);
void sema_stmt(cx_t *c, ast_t *s);
void sema_local(cx_t *c, ast_t *var);
bool sema_mutable_place(cx_t *c, ast_t *e, const char *verb);
bool sema_block_returns(const ast_t *b);
void sema_body(cx_t *c, ast_t *owner, ast_t *blk, type_t *ret);

/* check_actor.c */
void sema_actor_signatures(cx_t *c, ast_t *a);
void sema_actor_bodies(cx_t *c, ast_t *a);
void sema_check_fn(cx_t *c, ast_t *fn);

/* check_gpu.c */
void sema_gpu_body(cx_t *c, ast_t *owner, const char *where);
void sema_gpu_signature(cx_t *c, ast_t *fn);
void sema_gpu_actor(cx_t *c, ast_t *a);
void sema_gpu_batch(cx_t *c, ast_t *m);

/* check_types.c */
void sema_fields(cx_t *c, ast_t *list, const char *what);
void sema_signature(cx_t *c, ast_t *fn);
void sema_message_fields(cx_t *c, ast_t *list, const char *what);
void sema_recursive_values(cx_t *c, program_t *prog);

/* check.c */
type_t *sema_const_type(cx_t *c, ast_t *k, loc_t at);
void sema_cx_init(cx_t *c, diag_t *d, const sema_opts_t *opts, program_t *prog);

#endif
