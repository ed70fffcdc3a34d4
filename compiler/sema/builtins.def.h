/* builtins.def.h: every built-in function and method, once (an X-macro
 * list, as Lua's lopcodes.h). Each line is
 *
 *   X(ID, "name", RECEIVER, NARGS, MUTATES)
 *
 * ID gives sema_builtin_t's BI_ID; RECEIVER is FN for a function (§13) or
 * the type whose method it is (ARRAY, STRING, MAP, DURATION); NARGS is a
 * method's argument count (functions check theirs in builtins.c, some
 * taking several forms: -1); MUTATES marks methods that change their
 * receiver, which must then be a mutable place. Signatures: BUILTINS.md.
 * Functions come first: the checker relies on BI_FIRST_METHOD. */
#ifndef ACT_BUILTINS_DEF_H
#define ACT_BUILTINS_DEF_H

#define SEMA_BUILTINS(X)                          \
  X(PRINT, "print", FN, -1, 0)                    \
  X(EPRINT, "eprint", FN, -1, 0)                  \
  X(EXIT, "exit", FN, -1, 0)                      \
  X(FAIL, "fail", FN, -1, 0)                      \
  X(ASSERT, "assert", FN, -1, 0)                  \
  X(NOW, "now", FN, -1, 0)                        \
  X(RAND, "rand", FN, -1, 0)                      \
  X(LEN, "len", FN, -1, 0)                        \
  X(MIN, "min", FN, -1, 0)                        \
  X(MAX, "max", FN, -1, 0)                        \
  X(ABS, "abs", FN, -1, 0)                        \
  X(SQRT, "sqrt", FN, -1, 0)                      \
  X(SIN, "sin", FN, -1, 0)                        \
  X(COS, "cos", FN, -1, 0)                        \
  X(EXP, "exp", FN, -1, 0)                        \
  X(LOG, "log", FN, -1, 0)                        \
  X(POW, "pow", FN, -1, 0)                        \
  X(FLOOR, "floor", FN, -1, 0)                    \
  X(CEIL, "ceil", FN, -1, 0)                      \
  X(STR, "str", FN, -1, 0)                        \
  X(PARSE_INT, "parse_int", FN, -1, 0)            \
  X(PARSE_FLOAT, "parse_float", FN, -1, 0)        \
  X(AFTER, "after", FN, -1, 0)                    \
  X(EVERY, "every", FN, -1, 0)                    \
  X(CANCEL, "cancel", FN, -1, 0)                  \
  X(MONITOR, "monitor", FN, -1, 0)                \
  X(REGISTER, "register", FN, -1, 0)              \
  X(NODES, "nodes", FN, -1, 0)                    \
  X(NODE, "node", FN, -1, 0)                      \
  X(A_PUSH, "push", ARRAY, 1, 1)                  \
  X(A_POP, "pop", ARRAY, 0, 1)                    \
  X(A_LEN, "len", ARRAY, 0, 0)                    \
  X(A_INSERT, "insert", ARRAY, 2, 1)              \
  X(A_REMOVE, "remove", ARRAY, 1, 1)              \
  X(A_SLICE, "slice", ARRAY, 2, 0)                \
  X(A_SORT, "sort", ARRAY, 0, 1)                  \
  X(A_CONTAINS, "contains", ARRAY, 1, 0)          \
  X(S_LEN, "len", STRING, 0, 0)                   \
  X(S_SPLIT, "split", STRING, 1, 0)               \
  X(S_CONTAINS, "contains", STRING, 1, 0)         \
  X(S_STARTS_WITH, "starts_with", STRING, 1, 0)   \
  X(S_ENDS_WITH, "ends_with", STRING, 1, 0)       \
  X(S_FIND, "find", STRING, 1, 0)                 \
  X(S_TRIM, "trim", STRING, 0, 0)                 \
  X(S_LOWER, "lower", STRING, 0, 0)               \
  X(S_UPPER, "upper", STRING, 0, 0)               \
  X(S_BYTES, "bytes", STRING, 0, 0)               \
  X(M_GET, "get", MAP, 1, 0)                      \
  X(M_HAS, "has", MAP, 1, 0)                      \
  X(M_REMOVE, "remove", MAP, 1, 1)                \
  X(M_LEN, "len", MAP, 0, 0)                      \
  X(M_KEYS, "keys", MAP, 0, 0)                    \
  X(M_VALUES, "values", MAP, 0, 0)                \
  X(D_MS, "ms", DURATION, 0, 0)                   \
  X(D_NS, "ns", DURATION, 0, 0)

#endif
