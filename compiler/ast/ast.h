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
 *                  flags IMPORT_C: `import c "h" [pkg "p"]`, lit.s =
 *                  header, 0: STRING (pkg-config names) | NULL, 1: NULL
 *  CONST           name          0: type | NULL, 1: expr
 *  FN              name          0: LIST of PARAM, 1: return type | NULL,
 *                                2: BLOCK | NULL (extern)
 *                  flags FN_EXTERN, FN_BLOCKING, FN_KERNEL (kernel decl)
 *  EXTERN          -             FN... (each flagged FN_EXTERN); lit.s =
 *                                header to #include or NULL; flags
 *                                IMPORT_C: made by `import c` (cimport.c),
 *                                lit.len = digest of the headers read. An
 *                                imported FN flagged IMPORT_C is called
 *                                through glue (act_c_NAME, emit_cglue.c);
 *                                its lit.s and its PARAMs' lit.s hold the
 *                                C types of the result and parameters
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
 *  BATCH           -             0: expr (count), 1: expr (duration) | NULL
 *                                (`batch N within D` of a gpu actor)
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

/* Every node kind once, in the order of the table above (X-macro): the
 * enum and the names ast_dump prints both come from it. */
#define AST_KINDS(X) \
  X(MODULE) X(IMPORT) X(CONST) X(FN) X(EXTERN) X(PARAM) X(STRUCT) X(FIELD) \
  X(ENUM) X(VARIANT) X(MESSAGE) X(PROTOCOL) X(ACTOR) \
  X(VAR) X(MAILBOX) X(INIT) X(ON) X(ON_STOP) X(EVENT) X(APPLY) X(SNAPSHOT) X(BATCH) \
  X(PASSIVATE) X(STRATEGY) X(RESTARTS) X(SUPERVISE) X(CHILD) X(CHILDREN) \
  X(TNAME) X(TARRAY) X(TMAP) X(TOPT) X(TFUTURE) \
  X(BLOCK) X(ASSIGN) X(IF) X(IF_LET) X(WHILE) X(FOR) X(RANGE) X(MATCH) \
  X(ARM) X(PWILD) X(PVARIANT) X(PLIT) X(RETURN) X(BREAK) X(CONTINUE) \
  X(SEND) X(STOP) X(PERSIST) X(EXPR_STMT) \
  X(INT) X(FLOAT) X(DURATION) X(STRING) X(INTERP) X(BOOL) X(NONE) X(NAME) \
  X(SELF) X(SENDER) X(DOT) X(INDEX) X(CALL) X(STRUCT_LIT) X(FIELD_INIT) \
  X(ARRAY_LIT) X(MAP_LIT) X(PAIR) X(BINARY) X(UNARY) X(AWAIT) X(ASK) \
  X(CAST) X(SPAWN) X(AT) \
  X(LIST)

typedef enum ast_kind {
#define X(k) AST_##k,
  AST_KINDS(X)
#undef X
  AST_KIND_COUNT
} ast_kind_t;

/* Operators once (X-macro): the enum and the source spelling. */
#define AST_OPS(X)                                                        \
  X(NONE, "")                                                             \
  X(ASSIGN, "=")                              /* = (ASSIGN only) */       \
  X(ADD, "+") X(SUB, "-") X(MUL, "*") X(DIV, "/") X(MOD, "%")             \
  X(OR, "||") X(AND, "&&")                                                \
  X(EQ, "==") X(NE, "!=") X(LT, "<") X(LE, "<=") X(GT, ">") X(GE, ">=")   \
  X(BOR, "|") X(BXOR, "^") X(BAND, "&") X(SHL, "<<") X(SHR, ">>")         \
  X(NEG, "-") X(NOT, "!") X(BNOT, "~")        /* prefix - ! ~ */

typedef enum ast_op {
#define X(o, text) OP_##o,
  AST_OPS(X)
#undef X
  OP_COUNT
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
  AST_CHECKING = 1 << 11,   /* checker: in progress (cycle detection) */
  AST_SYNTAX_ERROR = 1 << 12, /* parser: a syntax error inside (BLOCK, ACTOR)
                                or a declaration lost (MODULE); the checker
                                skips the part and its cascades */
  ACTOR_READS_SENDER = 1 << 13, /* checker: `sender` appears in the actor */
  MSG_SENDER_READ = 1 << 14  /* checker: some actor handling this MESSAGE
                                reads `sender` (else tells of it carry none) */
};

struct type;
struct module_info;

typedef struct ast ast_t;
struct ast {
  ast_kind_t kind;
  ast_op_t op;
  unsigned flags;
  int emit_id;          /* the emitter's: a MESSAGE's number in the C (here,
                           where it fills what would be padding) */
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
  /* Filled by the checker (sema.h says what each kind carries). */
  struct type *type;    /* type of an expression, of a declaration's value,
                           or the declared type a type node denotes */
  ast_t *sym;           /* for NAME/DOT/TNAME/ON/...: the declaration
                           referred to (a VAR, PARAM, FN, MESSAGE, ...) */
  ast_t *scope;         /* the enclosing declaration (ACTOR, FN, ...) */
  union {               /* by node kind, so they share the space (the AST
                           of a large program is most of actorc's memory) */
    struct {
      int call;         /* CALL: sema_call_kind_t, what is called */
      int builtin;      /* CALL of a built-in or method: sema_builtin_t */
    };
    int dot;            /* DOT: SEMA_DOT_FIELD, _MODULE or _VARIANT */
    int index;          /* INDEX: SEMA_INDEX_ARRAY, _MAP or _VIRTUAL */
    int loop;           /* FOR, CHILDREN: SEMA_FOR_RANGE, _ARRAY or _MAP */
    int conv;           /* CAST: SEMA_CONV_* when the checker made it */
    bool exhaustive;    /* MATCH: the arms cover every variant, no `_` */
    bool suspends;      /* FN, INIT, ON, APPLY: the body awaits or persists */
    struct module_info *info; /* MODULE: the checker's tables (scope.h) */
  };
  void *data;           /* the emitter's own annotations (C names, ...) */
};

/* Nodes are allocated from an arena owned by the whole compilation and are
 * never freed one by one. */
ast_t *ast_new(ast_kind_t kind, loc_t loc);
void ast_add(ast_t *parent, ast_t *kid);       /* append; kid may be NULL */
/* NULL if out of range; inline, as every pass calls it for every node */
static inline ast_t *ast_kid(const ast_t *n, int i) {
  return n == NULL || i < 0 || i >= n->nkids ? NULL : n->kids[i];
}
const char *ast_kind_name(ast_kind_t kind);
/* An operator as written in source ("+", "<<", "-" for OP_NEG). */
const char *ast_op_name(ast_op_t op);
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
/* A small integer kept with an interned string (0 until set), so a lookup
 * that already interned a name gets its meaning for free: the lexer tags
 * keywords with their token. `interned` must come from strtab_intern. */
void strtab_set_tag(const char *interned, int tag);
int strtab_tag(const char *interned);

/* Arena allocation for passes that need memory living as long as the AST. */
void *ast_alloc(size_t size);

#endif
