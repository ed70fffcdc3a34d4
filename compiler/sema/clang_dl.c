/* clang_dl.c: finding and opening libclang at run time (clang_dl.h). */
#ifdef ACT_HAVE_LIBCLANG
#include "sema/clang_dl.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

act_clang_t act_clang;

/* Fill the table from an opened library; the name of the first function it
 * lacks (a libclang too old for actorc), or NULL. */
static const char *resolve(void *lib) {
#define ACT_CLANG_SYM(f)                                                       \
  if ((*(void **)&act_clang.f = dlsym(lib, "clang_" #f)) == NULL) return "clang_" #f;
  ACT_CLANG_FUNCS(ACT_CLANG_SYM)
#undef ACT_CLANG_SYM
  return NULL;
}

/* Open `file` and resolve every function; on failure the reason goes to
 * why (when there is room) and the result is false. */
static int try_open(const char *file, char *why, size_t n) {
  void *lib = dlopen(file, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    if (why) snprintf(why, n, "%s", dlerror());
    return 0;
  }
  const char *missing = resolve(lib);
  if (missing == NULL) return 1;
  if (why) snprintf(why, n, "%s has no %s", file, missing);
  dlclose(lib);
  return 0;
}

const char *act_clang_load(void) {
  static int tried;
  static char why[512];
  if (tried) return why[0] ? why : NULL;
  tried = 1;
  const char *env = getenv("ACT_LIBCLANG");
  if (env && *env) {
    char reason[400];
    if (!try_open(env, reason, sizeof reason))
      snprintf(why, sizeof why, "cannot load ACT_LIBCLANG: %s", reason);
    return why[0] ? why : NULL;
  }
  /* The file found at configure time, then names the loader can find in
   * its own paths: the library's soname (the runtime package installs
   * that one, without the -dev symlinks), then the generic names. */
  static const char *const names[] = {
#ifdef ACT_LIBCLANG_PATH
    ACT_LIBCLANG_PATH,
#endif
#ifdef ACT_LIBCLANG_SONAME
    ACT_LIBCLANG_SONAME,
#endif
    "libclang.so", "libclang.so.1",
  };
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (try_open(names[i], NULL, 0)) return NULL;
  snprintf(why, sizeof why, "cannot load it (tried %s and the usual names); install libclang or set ACT_LIBCLANG to its file",
           names[0]);
  return why;
}

#endif /* ACT_HAVE_LIBCLANG */
