/* type.h: the types of Act (LANGUAGE.md §3), as the checker computes them.
 *
 * Types are interned: two types are equal exactly when their pointers are
 * equal, so passes compare with ==. Composite types (array, map, optional,
 * future) are built on demand by type_array() etc.; nominal types (struct,
 * enum, actor, protocol, message) point at their declaration node.
 */
#ifndef ACT_TYPE_H
#define ACT_TYPE_H

#include <stdbool.h>
#include "ast/ast.h"

typedef enum type_kind {
  TY_ERROR,      /* after a reported error; compatible with everything */
  TY_VOID,       /* statements, functions without a result */
  TY_NEVER,      /* exit(), fail(): does not return */
  TY_BOOL,
  TY_I8, TY_I16, TY_I32, TY_I64, TY_U8, TY_U16, TY_U32, TY_U64,
  TY_F32, TY_F64,
  TY_STRING, TY_DURATION, TY_TIMER,
  TY_ARRAY,      /* elem */
  TY_MAP,        /* key, elem (value) */
  TY_OPTIONAL,   /* elem */
  TY_FUTURE,     /* elem (reply type) */
  TY_STRUCT,     /* decl = STRUCT */
  TY_ENUM,       /* decl = ENUM */
  TY_ACTOR,      /* decl = ACTOR (also supervisors) */
  TY_PROTOCOL,   /* decl = PROTOCOL */
  TY_ANYREF,     /* `sender`, Down's `who`: untyped actor reference */
  TY_NONE,       /* the literal `none` before it meets an optional type */
  TY_MESSAGE,    /* a message value being built for ! or ?; decl = MESSAGE
                    (or EVENT for persist) */
  TY_NODE,       /* a cluster node, from nodes()/node() */
  TY_KIND_COUNT
} type_kind_t;

typedef struct type type_t;
struct type {
  type_kind_t kind;
  type_t *elem;     /* array/optional/future element, map value */
  type_t *key;      /* map key */
  ast_t *decl;      /* nominal types */
  int id;           /* dense, unique per interned type (for emitter tables) */
};

type_t *type_prim(type_kind_t kind);          /* scalar kinds, string, ... */
type_t *type_array(type_t *elem);
type_t *type_map(type_t *key, type_t *val);
type_t *type_optional(type_t *elem);
type_t *type_future(type_t *elem);
type_t *type_nominal(type_kind_t kind, ast_t *decl);

bool type_is_integer(const type_t *t);
bool type_is_signed(const type_t *t);
bool type_is_float(const type_t *t);
bool type_is_numeric(const type_t *t);
bool type_is_ref(const type_t *t);            /* actor, protocol, anyref */
/* Needs reference counting in generated code (string, array, map, and
 * structs/enums/optionals containing such, actor refs, futures, timers). */
bool type_is_managed(const type_t *t);
/* Human-readable, as written in Act source: "[string: int]", "Point?" */
const char *type_name(const type_t *t);
/* The part of t that cannot be journalled (a reference, future, timer or
 * node, possibly inside a container or struct), or NULL. */
const type_t *type_unpersistable(const type_t *t);
/* All interned types so far, in creation order (emitter walks these). */
type_t **type_all(int *count);
void type_reset(void);

#endif
