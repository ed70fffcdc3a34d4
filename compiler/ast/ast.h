/* ast.h: the abstract syntax tree shared by every pass of actorc.
 *
 * One node shape for every construct (as in ponyc): a kind, a location, an
 * optional interned name, literal data, an operator, and an ordered list of
 * children. The table below is the contract between the parser (which builds
 * the tree), the checker (which fills `type` and `sym`) and the emitter. A
 * child that is optional is stored as NULL, never omitted, so child indexes
 * are fixed per kind.
 *
 *  kind            name          children (index: meaning)
 *  ---- top level -----------------------------------------------------------
 *  MODULE          module name   decls...                    (lit.s = path)
 *  IMPORT          last segment  0: LIST of NAME (the dotted path, in order)
 *                                1: LIST of NAME (names imported bare) | NULL
 *                  flags IMPORT_C: `import c "h"`, lit.s = header
 *  CONST           name          0: type | NULL, 1: expr
 *  FN              name          0: LIST of PARAM, 1: return type | NULL,
 *                                2: BLOCK | NULL (extern)
 *                  flags FN_EXTERN, FN_BLOCKING, FN_KERNEL (kernel decl)
 *  EXTERN          -             FN... (each flagged FN_EXTERN); lit.s =
 *                                header to #include or NULL
 *  PARAM           name          0: type | NULL (handler params have none)
 *  STRUCT          name          FIELD...
 *  FIELD           name          0: type
 *  ENUM            name          VARIANT...
 *  VARIANT         name          FIELD...
 *  MESSAGE         name          0: LIST of FIELD, 1: reply type | NULL
 *  PROTOCOL        name          NAME... (message names)
 *  ACTOR           name          0: LIST of PARAM, 1: LIST of TNAME
 *                                (protocols), 2: LIST of members
 *                  flags ACTOR_PERSISTENT, ACTOR_VIRTUAL, ACTOR_GPU,
 *                        ACTOR_SUPERVISOR (a `supervisor` declaration)
 *  ---- actor members -------------------------------------------------------
 *  VAR             name          0: type | NULL, 1: expr | NULL
 *                  flags VAR_MUTABLE (`var`; otherwise `let`)
 *                  (also used for locals inside blocks)
 *  MAILBOX         -             0: expr (bound)
 *  INIT            -             0: BLOCK
 *  ON              message name  0: LIST of PARAM (untyped), 1: BLOCK
 *                  lit.s = module qualifier or NULL (`on m.Ping(x)`)
 *  ON_STOP         -             0: BLOCK
 *  EVENT           name          0: LIST of FIELD
 *  APPLY           event name    0: LIST of PARAM (untyped), 1: BLOCK
 *  SNAPSHOT        -             0: expr (every N)
 *  PASSIVATE       -             0: expr (duration)
 *  STRATEGY        strategy id   -
 *  RESTARTS        -             0: expr (count), 1: expr (window duration)
 *  SUPERVISE       strategy id   0: expr count | NULL, 1: expr window | NULL
 *  CHILD           child name    0: expr (actor construction: CALL/NAME),
 *                                1: NAME (restart kind) | NULL
 *  CHILDREN        field name    0: expr (construction), 1: PARAM (loop
 *                                variable), 2: RANGE or expr (iterable),
 *                                3: NAME (restart kind) | NULL
 *  (FN members are private helpers; flags as above)
 *  ---- types ---------------------------------------------------------------
 *  TNAME           type name     -   lit.s = module qualifier or NULL
 *  TARRAY          -             0: element type
 *  TMAP            -             0: key type, 1: value type
 *  TOPT            -             0: type
 *  TFUTURE         -             0: type
 *  ---- statements ----------------------------------------------------------
 *  BLOCK           -             statements...
 *  ASSIGN          -             0: lvalue expr, 1: expr; op = OP_ASSIGN,
 *                                OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD
 *  IF              -             0: cond, 1: BLOCK, 2: BLOCK | IF | NULL
 *  IF_LET          binding name  0: expr (optional), 1: BLOCK,
 *                                2: BLOCK | IF | NULL
 *  WHILE           -             0: cond, 1: BLOCK
 *  FOR             -             0: LIST of PARAM (1 or 2 bindings),
 *                                1: RANGE or expr, 2: BLOCK
 *  RANGE           -             0: lo, 1: hi (exclusive)
 *  MATCH           -             0: subject, 1..: ARM
 *  ARM             -             0: pattern, 1: stmt or BLOCK
 *  PWILD           -             -   (`_`)
 *  PVARIANT        variant name  PARAM or PWILD... (bindings)
 *                  lit.s = enum name when written `Shape.Circle(r)`
 *  PLIT            -             0: INT | STRING | BOOL literal (negative
 *                                ints are UNARY OP_NEG of INT)
 *  RETURN          -             0: expr | NULL
 *  BREAK, CONTINUE -             -
 *  SEND            -             0: target expr, 1: message expr (CALL/NAME)
 *  STOP            -             0: expr | NULL (NULL: stop self)
 *  PERSIST         -             0: event expr (CALL/NAME)
 *  EXPR_STMT       -             0: expr
 *  ---- expressions ---------------------------------------------------------
 *  INT             -             lit.i (uint64 value as written)
 *  FLOAT           -             lit.f
 *  DURATION        -             lit.i (nanoseconds)
 *  STRING          -             lit.s / lit.len (escapes decoded, may
 *                                contain NUL bytes)
 *  INTERP          -             STRING and expression parts in order
 *  BOOL            -             lit.i (0/1)
 *  NONE            -             -
 *  NAME            identifier    -
 *  SELF, SENDER    -             -
 *  DOT             field name    0: object expr (also `module.member`,
 *                                `Enum.Variant`)
 *  INDEX           -             0: object, 1: index
 *  CALL            -             0: callee, 1..: args (positional)
 *  STRUCT_LIT      -             0: NAME or DOT (the type), 1..: FIELD_INIT
 *  FIELD_INIT      field name    0: expr
 *  ARRAY_LIT       -             elements...
 *  MAP_LIT         -             PAIR...   (`[:]` has none)
 *  PAIR            -             0: key, 1: value
 *  BINARY          -             0: lhs, 1: rhs; op
 *  UNARY           -             0: operand; op = OP_NEG, OP_NOT, OP_BNOT
 *  AWAIT           -             0: expr, 1: within duration | NULL
 *  ASK             -             0: target, 1: message expr (CALL/NAME)
 *  CAST            -             0: expr, 1: type
 *  SPAWN           -             0: construction (CALL/NAME), 1: node expr
 *                                | NULL, 2: NAME (restart kind) | NULL
 *  AT              -             0: TNAME (actor/protocol), 1: name expr
 *  LIST            -             generic ordered list (params, fields, ...)
 */
#ifndef ACT_AST_H
#define ACT_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag/diag.h"

typedef enum ast_kind {
  AST_MODULE, AST_IMPORT, AST_CONST, AST_FN, AST_EXTERN, AST_PARAM,
  AST_STRUCT, AST_FIELD, AST_ENUM, AST_VARIANT, AST_MESSAGE, AST_PROTOCOL,
  AST_ACTOR,
  AST_VAR, AST_MAILBOX, AST_INIT, AST_ON, AST_ON_STOP, AST_EVENT, AST_APPLY,
  AST_SNAPSHOT, AST_PASSIVATE, AST_STRATEGY, AST_RESTARTS, AST_SUPERVISE,
  AST_CHILD, AST_CHILDREN,
  AST_TNAME, AST_TARRAY, AST_TMAP, AST_TOPT, AST_TFUTURE,
  AST_BLOCK, AST_ASSIGN, AST_IF, AST_IF_LET, AST_WHILE, AST_FOR, AST_RANGE,
  AST_MATCH, AST_ARM, AST_PWILD, AST_PVARIANT, AST_PLIT, AST_RETURN,
  AST_BREAK, AST_CONTINUE, AST_SEND, AST_STOP, AST_PERSIST, AST_EXPR_STMT,
  AST_INT, AST_FLOAT, AST_DURATION, AST_STRING, AST_INTERP, AST_BOOL,
  AST_NONE, AST_NAME, AST_SELF, AST_SENDER, AST_DOT, AST_INDEX, AST_CALL,
  AST_STRUCT_LIT, AST_FIELD_INIT, AST_ARRAY_LIT, AST_MAP_LIT, AST_PAIR,
  AST_BINARY, AST_UNARY, AST_AWAIT, AST_ASK, AST_CAST, AST_SPAWN, AST_AT,
  AST_LIST,
  AST_KIND_COUNT
} ast_kind_t;

typedef enum ast_op {
  OP_NONE,
  OP_ASSIGN,                                  /* = (ASSIGN only) */
  OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,     /* also compound assignment */
  OP_OR, OP_AND,                              /* || && */
  OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
  OP_BOR, OP_BXOR, OP_BAND, OP_SHL, OP_SHR,   /* | ^ & << >> */
  OP_NEG, OP_NOT, OP_BNOT                     /* prefix - ! ~ */
} ast_op_t;

enum ast_flags {
  IMPORT_C = 1 << 0,
  FN_EXTERN = 1 << 1,
  FN_BLOCKING = 1 << 2,
  FN_KERNEL = 1 << 3,
  ACTOR_PERSISTENT = 1 << 4,
  ACTOR_VIRTUAL = 1 << 5,
  ACTOR_GPU = 1 << 6,
  ACTOR_SUPERVISOR = 1 << 7,
  VAR_MUTABLE = 1 << 8,
  AST_PARENS = 1 << 9,      /* expression was written in parentheses */
  AST_CHECKED = 1 << 10,    /* checker: declaration already checked */
  AST_CHECKING = 1 << 11    /* checker: in progress (cycle detection) */
};

struct type;

typedef struct ast ast_t;
struct ast {
  ast_kind_t kind;
  ast_op_t op;
  unsigned flags;
  loc_t loc;
  const char *name;     /* interned (strtab_intern), compare by pointer */
  union {
    uint64_t i;
    double f;
    struct { const char *s; size_t len; };
  } lit;
  ast_t **kids;
  int nkids;
  int cap;
  /* Filled by the checker. */
  struct type *type;    /* type of an expression, of a declaration's value,
                           or the declared type a type node denotes */
  ast_t *sym;           /* for NAME/DOT/TNAME/ON/...: the declaration
                           referred to (a VAR, PARAM, FN, MESSAGE, ...) */
  ast_t *scope;         /* the enclosing declaration (ACTOR, FN, ...) */
  int aux;              /* checker: what a CALL/DOT/INDEX/CAST resolved to
                           (sema.h: sema_call_kind_t, builtin ids) */
  int aux2;             /* checker: secondary annotation (sema.h) */
  void *data;           /* free for the pass that owns it (emitter) */
};

/* Nodes are allocated from an arena owned by the whole compilation and are
 * never freed one by one. */
ast_t *ast_new(ast_kind_t kind, loc_t loc);
void ast_add(ast_t *parent, ast_t *kid);       /* append; kid may be NULL */
ast_t *ast_kid(const ast_t *n, int i);          /* NULL if out of range */
const char *ast_kind_name(ast_kind_t kind);
/* Print the tree (for --dump-ast and golden tests). */
void ast_dump(const ast_t *n, FILE *out);
/* Release every node allocated so far (end of compilation / fuzz iteration). */
void ast_free_all(void);

/* Interned strings: equal contents give the same pointer. */
const char *strtab_intern(const char *s, size_t len);
const char *strtab_cstr(const char *s);
void strtab_free_all(void);
/* Changes at every strtab_free_all: tables keyed by interned names compare
 * it to know they must be rebuilt (a pointer could be reused by malloc). */
unsigned strtab_generation(void);

/* Arena allocation for passes that need memory living as long as the AST. */
void *ast_alloc(size_t size);

#endif
