/* toolchain.h: where the runtime, its headers and the stdlib are, and how to
 * invoke the C compiler on generated code.
 *
 * Everything is found relative to the actorc executable, so the build tree
 * (build/bin/actorc, build/include, build/lib, build/share/act/stdlib) and an
 * installed tree (PREFIX/bin, PREFIX/include, PREFIX/lib, PREFIX/share/act)
 * both work from any working directory.
 */
#ifndef ACT_TOOLCHAIN_H
#define ACT_TOOLCHAIN_H

#include <stdbool.h>

typedef struct toolchain {
  char include_dir[4096];   /* holds act.h */
  char lib_dir[4096];       /* holds libact.a */
  char stdlib_dir[4096];    /* holds std/ */
} toolchain_t;

/* argv0: actorc's argv[0], used when /proc/self/exe is unavailable.
 * Reports on stderr and returns false when the runtime cannot be found. */
bool toolchain_locate(const char *argv0, toolchain_t *tc);

/* Compile the NULL-terminated list of C files (generated into gen_dir) into
 * the executable exe: each file is one translation unit, compiled to an
 * object in parallel (ACT_JOBS, default the number of cores) through the
 * object cache (cache.h), then all are linked. c_flags (--c-flags, may be
 * NULL) and $ACT_CFLAGS go to every compile and to the link, so they may
 * name libraries too. Returns 0 or 3 (after the compiler's own messages).
 * Defined in compile.c. */
int toolchain_compile(const toolchain_t *tc, const char *const *c_files,
                      const char *gen_dir, const char *exe, const char *c_flags);

/* The same compile, then the objects into the static library lib (for
 * `actorc build --lib`) instead of a link. */
int toolchain_archive(const toolchain_t *tc, const char *const *c_files,
                      const char *gen_dir, const char *lib, const char *c_flags);

#endif
