/* toolchain.c: locating the runtime next to actorc (compile.c runs the C
 * compiler). */
#define _GNU_SOURCE
#include "driver/toolchain.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>


static bool is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool toolchain_locate(const char *argv0, toolchain_t *tc) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
  } else if (realpath(argv0, exe) == NULL) {
    fprintf(stderr, "actorc: cannot find my own executable\n");
    return false;
  }
  char *bin = dirname(exe);               /* .../bin */
  char prefix[PATH_MAX - 64];
  snprintf(prefix, sizeof prefix, "%s/..", bin);

  /* ACT_HOME overrides the prefix (tests of an installed copy use it). */
  const char *home = getenv("ACT_HOME");
  if (home != NULL && *home != '\0')
    snprintf(prefix, sizeof prefix, "%s", home);

  snprintf(tc->include_dir, sizeof tc->include_dir, "%s/include", prefix);
  snprintf(tc->lib_dir, sizeof tc->lib_dir, "%s/lib", prefix);
  snprintf(tc->stdlib_dir, sizeof tc->stdlib_dir, "%s/share/act/stdlib", prefix);

  char probe[PATH_MAX + 32];
  snprintf(probe, sizeof probe, "%s/act/act.h", tc->include_dir);
  if (!is_file(probe)) {
    fprintf(stderr,
            "actorc: the Act runtime headers are not at %s\n"
            "  hint: run actorc from its build or install tree (bin/actorc)\n",
            tc->include_dir);
    return false;
  }
  if (!is_dir(tc->stdlib_dir))
    fprintf(stderr, "actorc: warning: no standard library at %s\n",
            tc->stdlib_dir);
  return true;
}

