/* sema.h: module loading, name resolution and type checking.
 *
 * After sema_check() returns true (no errors), the AST satisfies this
 * contract, which the C emitter relies on:
 *
 *  - Every expression node has `type` set (never NULL, never TY_ERROR).
 *    Type nodes (TNAME, TARRAY, ...) have `type` set to the type they denote;
 *    declarations (VAR, PARAM, CONST, FIELD, FN result) have `type` set to
 *    their declared or inferred type. Numeric literals carry the type their
 *    context asked for (so `let h: f32 = 0.5` gives the FLOAT node TY_F32).
 *  - Implicit conversions are explicit in the tree: the checker wraps the
 *    converted expression in a CAST node whose kids[1] is NULL and whose
 *    type is the target (T -> T?, none -> T?, actor ref -> protocol or
 *    anyref); its `conv` = SEMA_CONV_*.
 *  - NAME, DOT, TNAME: `sym` points at the declaration referred to (VAR for
 *    locals and actor fields, PARAM for function/handler/actor parameters,
 *    CONST, FN, MESSAGE, EVENT, ACTOR, STRUCT, ENUM, VARIANT, PROTOCOL, CHILD
 *    or CHILDREN for supervisor children). For a DOT that names a module
 *    member (`time.now`) `sym` is that member and `dot` = SEMA_DOT_MODULE;
 *    a struct field access has `dot` = SEMA_DOT_FIELD and sym = the FIELD;
 *    an enum variant `Shape.Empty` has `dot` = SEMA_DOT_VARIANT.
 *  - CALL: `call` is a sema_call_kind_t saying what is called; for
 *    SEMA_CALL_BUILTIN and SEMA_CALL_METHOD, `builtin` is a sema_builtin_t.
 *    For SEMA_CALL_FN sym = FN decl (top-level, module or actor-private);
 *    SEMA_CALL_MESSAGE / SEMA_CALL_EVENT: sym = MESSAGE / EVENT decl (the
 *    node's type is TY_MESSAGE); SEMA_CALL_VARIANT: sym = VARIANT, type =
 *    the enum; SEMA_CALL_ACTOR: the construction inside SPAWN or CHILD,
 *    sym = ACTOR; SEMA_CALL_KERNEL: kids[0] is INDEX(kernel name, n).
 *    A bare NAME naming a field-less message/event/variant (`Tick`,
 *    `Empty`) likewise has sym set and type TY_MESSAGE / the enum.
 *  - Handler ON nodes: sym = MESSAGE decl (or the built-in Down message,
 *    sema_down_message()); their PARAMs get the field types. APPLY: sym =
 *    EVENT. ACTOR.type = the actor's TY_ACTOR type.
 *  - INDEX: `index` = SEMA_INDEX_ARRAY, SEMA_INDEX_MAP or SEMA_INDEX_VIRTUAL.
 *  - FOR: `loop` = SEMA_FOR_RANGE, SEMA_FOR_ARRAY, SEMA_FOR_MAP; the PARAM
 *    bindings have their types.
 *  - BINARY: operands have the same type after conversions (except
 *    shifts, where rhs may be any integer type, and a duration scaled by
 *    an int, `d * n`, `n * d`, `d / n`, whose type is the duration's).
 *  - MATCH: `exhaustive` when arms cover an enum without a wildcard.
 *  - Every FN, INIT, ON, APPLY node whose body (transitively through
 *    nothing: awaits are only allowed in handlers and init) contains an
 *    AWAIT or PERSIST has `suspends` set (the emitter compiles it as a resumable
 *    frame).
 *  - These checker results are named fields of ast_t (ast.h), one union
 *    member per node kind; MODULE.info holds the checker's tables. The
 *    emitter owns `emit_id` and `data` and may overwrite them freely.
 *  - Each module's decls are in their MODULE node; program->modules lists
 *    modules in dependency order (imports first), root last.
 *  - Also (additions, backward compatible): top-level declarations have
 *    scope = their MODULE; actor parameters and members have scope = the
 *    ACTOR; enum variants scope = the ENUM. FN.type = its result type
 *    (TY_VOID without one). The callee of a CALL is not an expression: a
 *    NAME or module DOT callee has sym but may have no type; the DOT of a
 *    method call carries the receiver's type. STRUCT.type / ENUM.type /
 *    PROTOCOL.type are their nominal types. CHILD.type is the child's actor
 *    type, CHILDREN.type an array of it (CHILDREN.loop = SEMA_FOR_RANGE or
 *    SEMA_FOR_ARRAY like FOR). A kernel may call another kernel as a plain
 *    function (SEMA_CALL_FN, index argument included). Rules where
 *    LANGUAGE.md is silent: compiler/sema/BUILTINS.md.
 */
#ifndef ACT_SEMA_H
#define ACT_SEMA_H

#include <stdbool.h>
#include "ast/ast.h"
#include "diag/diag.h"
#include "sema/builtins.def.h"
#include "sema/type.h"

typedef struct program {
  ast_t **modules;       /* MODULE nodes, dependencies first, root last */
  int nmodules;
  ast_t *root;           /* the root module */
  ast_t *main_actor;     /* `actor Main` of the root, or NULL */
  char *c_flags;         /* what `import c ... pkg` adds to the C compile and
                            link (pkg-config's flags), or NULL */
} program_t;

typedef struct sema_opts {
  const char *stdlib_dir; /* directory holding std/ (…/share/act/stdlib) */
  bool require_main;      /* build/run: a root without Main is an error */
  const char *c_flags;    /* --c-flags and $ACT_CFLAGS: `import c` reads
                             headers with them (-I, -D) */
  const char *include_dir; /* the runtime's headers (<act/act.h>), or NULL */
} sema_opts_t;

/* Load the root file and every module it imports (recursively, relative
 * modules next to the importing file, `std.` from opts->stdlib_dir), then
 * resolve and type-check everything. Reports through d; returns false on any
 * error. */
bool sema_load_and_check(const char *root_path, const sema_opts_t *opts,
                         diag_t *d, program_t *out);
/* Same, for an already parsed root module (tests, fuzzer): imports are
 * resolved relative to the root file's path. */
bool sema_check_module(ast_t *root, const sema_opts_t *opts, diag_t *d,
                       program_t *out);

/* Free what checking `prog` allocated besides the AST, names and types
 * (module and actor tables, the module list); prog may be NULL. A later
 * sema_check_module or sema_load_and_check also does it first. */
void sema_release(program_t *prog);

typedef enum sema_call_kind {
  SEMA_CALL_NONE,
  SEMA_CALL_FN,        /* Act function (top-level/module/actor-private/extern) */
  SEMA_CALL_BUILTIN,   /* print, len, min, ... (`builtin` = sema_builtin_t) */
  SEMA_CALL_METHOD,    /* xs.push(v), s.split(","), m.get(k), d.ms() */
  SEMA_CALL_MESSAGE,   /* Ping(n) building a message */
  SEMA_CALL_EVENT,     /* Credited(a) building an event for persist */
  SEMA_CALL_VARIANT,   /* Circle(1.0) */
  SEMA_CALL_ACTOR,     /* Counter(0) inside spawn/child */
  SEMA_CALL_KERNEL     /* saxpy[n](a, xs, ys) */
} sema_call_kind_t;

enum {
  SEMA_DOT_FIELD = 1, SEMA_DOT_MODULE, SEMA_DOT_VARIANT,
  SEMA_INDEX_ARRAY = 1, SEMA_INDEX_MAP, SEMA_INDEX_VIRTUAL,
  SEMA_FOR_RANGE = 1, SEMA_FOR_ARRAY, SEMA_FOR_MAP,
  SEMA_CONV_OPTIONAL = 1, /* T -> T? */
  SEMA_CONV_NONE,         /* none -> T? */
  SEMA_CONV_REF           /* actor ref -> protocol / anyref */
};

/* The built-ins, one per line of SEMA_BUILTINS (sema/builtins.def.h):
 * BI_PRINT, ..., BI_A_PUSH (array methods), BI_S_ (string), BI_M_ (map),
 * BI_D_ (duration). */
typedef enum sema_builtin {
  BI_NONE,
#define X(id, name, recv, nargs, mutates) BI_##id,
  SEMA_BUILTINS(X)
#undef X
  BI_COUNT,
  BI_FIRST_METHOD = BI_A_PUSH
} sema_builtin_t;

/* The built-in `message Down(who, reason: string)` (§8). */
ast_t *sema_down_message(void);

#endif
