/* clang_dl.h: libclang opened with dlopen when a program first needs it
 * (`import c`, `extern "C" "h.h"`), not linked: loading libclang and LLVM
 * costs every actorc run about 0.1 s, and most programs import no C.
 *
 * The prototypes stay those of <clang-c/Index.h>: each entry of the table
 * has the type of the function it stands for (__typeof__), so a call
 * through `act_clang.getCString(s)` is checked as `clang_getCString(s)`
 * would be. Only built with libclang's headers (ACT_HAVE_LIBCLANG). */
#ifndef ACT_CLANG_DL_H
#define ACT_CLANG_DL_H

#include <clang-c/Index.h>

/* Every libclang function actorc calls (cimport*.c, cextern.c), without
 * the `clang_` prefix. */
#define ACT_CLANG_FUNCS(X)                                                                      \
  X(Cursor_getArgument) X(Cursor_getNumArguments) X(Cursor_isAnonymous) X(Cursor_isBitField)     \
  X(Cursor_isMacroFunctionLike) X(Cursor_isNull) X(Location_isInSystemHeader) X(Type_getSizeOf)  \
  X(createIndex) X(disposeDiagnostic) X(disposeIndex) X(disposeString) X(disposeTokens)          \
  X(disposeTranslationUnit) X(equalCursors) X(getArgType) X(getCString) X(getCanonicalType)      \
  X(getCursorDefinition) X(getCursorExtent) X(getCursorLocation) X(getCursorSemanticParent)      \
  X(getCursorSpelling) X(getCursorType) X(getDiagnostic) X(getDiagnosticLocation)                \
  X(getDiagnosticSeverity) X(getDiagnosticSpelling) X(getEnumConstantDeclUnsignedValue)          \
  X(getEnumConstantDeclValue) X(getEnumDeclIntegerType) X(getFileContents) X(getFileName)        \
  X(getInclusions) X(getLocationForOffset) X(getNullCursor) X(getNumArgTypes)                    \
  X(getNumDiagnostics) X(getPointeeType) X(getResultType) X(getSpellingLocation)                 \
  X(getTokenKind) X(getTokenSpelling) X(getTranslationUnitCursor) X(getTypeDeclaration)          \
  X(getTypeSpelling) X(getTypedefDeclUnderlyingType) X(getTypedefName)                           \
  X(isConstQualifiedType) X(isCursorDefinition) X(isFunctionTypeVariadic)                        \
  X(parseTranslationUnit2) X(tokenize) X(visitChildren)

typedef struct act_clang {
#define ACT_CLANG_MEMBER(f) __typeof__(clang_##f) *f;
  ACT_CLANG_FUNCS(ACT_CLANG_MEMBER)
#undef ACT_CLANG_MEMBER
} act_clang_t;

/* Filled by act_clang_load; valid only after it returned NULL. */
extern act_clang_t act_clang;

/* Open libclang once and fill act_clang. NULL when it is usable, else why
 * not, for a diagnostic after "needs libclang: " (the same every call).
 * $ACT_LIBCLANG, when set, is the only file tried; otherwise the library
 * found when actorc was configured, then its soname and the usual names,
 * wherever the dynamic loader looks. */
const char *act_clang_load(void);

#endif
