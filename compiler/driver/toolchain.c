/* toolchain.c: locating the runtime next to actorc and running the C
 * compiler on generated code. */
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

#ifndef ACT_SANITIZE_FLAGS
#define ACT_SANITIZE_FLAGS ""
#endif
#ifndef ACT_LINK_LIBS
#define ACT_LINK_LIBS "-luv -lsqlite3 -lssl -lcrypto -lpq -lpthread -lm -ldl"
#endif

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

/* Split a space-separated flag string into argv entries (no quoting: flags
 * from our own configuration and ACT_CFLAGS never need it). */
static void push_words(char **argv, int *argc, int max, const char *s) {
  if (s == NULL)
    return;
  char *copy = strdup(s);
  for (char *tok = strtok(copy, " \t"); tok && *argc < max - 1;
       tok = strtok(NULL, " \t"))
    argv[(*argc)++] = strdup(tok);
  free(copy);
}

int toolchain_compile(const toolchain_t *tc, const char *const *c_files,
                      const char *gen_dir, const char *exe, const char *c_flags) {
  enum { MAX = 512 };
  char *argv[MAX];
  int argc = 0;
  const char *cc = getenv("CC");
  push_words(argv, &argc, MAX, cc && *cc ? cc : "cc");
  push_words(argv, &argc, MAX, "-std=gnu11 -O2 -g -pthread");
  if (ACT_SANITIZE_FLAGS[0] != '\0') {
    char san[256];
    snprintf(san, sizeof san, "-fsanitize=%s -fno-omit-frame-pointer "
             "-fno-sanitize-recover=all", ACT_SANITIZE_FLAGS);
    push_words(argv, &argc, MAX, san);
  }
  char inc[PATH_MAX + 4], gen[PATH_MAX + 4], lib[PATH_MAX + 4];
  snprintf(inc, sizeof inc, "-I%s", tc->include_dir);
  /* -iquote: a module named like a system header (strings, stdlib, ...)
   * must not shadow <strings.h> for the system's own includes. */
  snprintf(gen, sizeof gen, "-iquote%s", gen_dir);
  snprintf(lib, sizeof lib, "-L%s", tc->lib_dir);
  argv[argc++] = strdup(inc);
  argv[argc++] = strdup(gen);
  for (const char *const *f = c_files; *f && argc < MAX - 40; f++)
    argv[argc++] = strdup(*f);
  push_words(argv, &argc, MAX, c_flags);
  push_words(argv, &argc, MAX, getenv("ACT_CFLAGS"));
  argv[argc++] = strdup("-o");
  argv[argc++] = strdup(exe);
  argv[argc++] = strdup(lib);
  argv[argc++] = strdup("-lact");
  push_words(argv, &argc, MAX, ACT_LINK_LIBS);
  argv[argc] = NULL;

  if (getenv("ACT_VERBOSE")) {
    for (int i = 0; i < argc; i++)
      fprintf(stderr, "%s%s", argv[i], i + 1 < argc ? " " : "\n");
  }
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[0], argv);
    fprintf(stderr, "actorc: cannot run the C compiler `%s`: %s\n", argv[0],
            strerror(errno));
    _exit(127);
  }
  int st = 0;
  int rc = 3;
  if (pid > 0) {
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
      rc = 0;
    else if (!(WIFEXITED(st) && WEXITSTATUS(st) == 127))
      fprintf(stderr, "actorc: the C compiler failed on generated code "
                      "(this is a bug in actorc; please report it)\n");
  } else {
    fprintf(stderr, "actorc: fork failed: %s\n", strerror(errno));
  }
  for (int i = 0; i < argc; i++)
    free(argv[i]);
  return rc;
}
