/* compile.c: generated C -> executable. Each .c file is compiled on its
 * own (up to ACT_JOBS at a time), its object taken from the cache when the
 * same text was compiled the same way before (cache.h), then everything is
 * linked against libact.a. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver/cache.h"
#include "driver/toolchain.h"

#ifndef ACT_SANITIZE_FLAGS
#define ACT_SANITIZE_FLAGS ""
#endif
#ifndef ACT_LINK_LIBS
#define ACT_LINK_LIBS "-luv -lsqlite3 -lssl -lcrypto -lpq -lpthread -lm -ldl"
#endif

/* A command line under construction. */
typedef struct args {
  char **v;
  int n, cap;
} args_t;

static void push(args_t *a, const char *s) {
  if (a->n + 2 > a->cap) {
    a->cap = a->cap ? a->cap * 2 : 64;
    a->v = realloc(a->v, sizeof *a->v * (size_t)a->cap);
  }
  a->v[a->n++] = strdup(s);
  a->v[a->n] = NULL;
}

/* Split a space-separated flag string into words (no quoting: flags from
 * our own configuration and ACT_CFLAGS never need it). */
static void push_words(args_t *a, const char *s) {
  if (s == NULL) return;
  char *copy = strdup(s), *save = NULL;
  for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) push(a, tok);
  free(copy);
}

static void args_free(args_t *a) {
  for (int i = 0; i < a->n; i++) free(a->v[i]);
  free(a->v);
}

static const char *cc_name(void) {
  const char *cc = getenv("CC");
  return cc && *cc ? cc : "cc";
}

static void push_sanitize(args_t *a) {
  if (ACT_SANITIZE_FLAGS[0] == '\0') return;
  char san[256];
  snprintf(san, sizeof san, "-fsanitize=%s -fno-omit-frame-pointer -fno-sanitize-recover=all", ACT_SANITIZE_FLAGS);
  push_words(a, san);
}

/* The optimisation flags: $ACT_OPT when set (`actorc build -O<level>`
 * sets it); else -O2 -g, except for a program whose generated C exceeds
 * LARGE_C bytes (some 40,000 lines of Act), which gets -O0 -g. Measured
 * with valgrind instruction counts of cc1 (the shared machine's load does
 * not disturb them) on a 1,000-line slice of bench/check's program, in
 * millions: -O2 -g about 3,000, -O1 -g -fno-var-tracking 1,772, -Og -g
 * 1,607, -Og -g -fno-var-tracking 1,388, -Og 1,305, -O0 -g 1,033, -O0
 * 988. At that size a cold build is mostly the C compiler's optimiser,
 * and the code it would optimise is mostly calls into the runtime
 * (libact.a is always optimised): sends, dispatch and collections run at
 * the same speed either way. -g stays, so a debugger sees every local. A
 * big program built for production takes -O2 explicitly; the Savina
 * benchmarks and ordinary programs stay far below the threshold and keep
 * -O2. */
enum { LARGE_C = 8 << 20 };

static const char *opt_flags(const char *const *c_files) {
  const char *o = getenv("ACT_OPT");
  if (o && *o) return o;
  long long total = 0;
  struct stat st;
  for (const char *const *f = c_files; *f; f++)
    if (stat(*f, &st) == 0) total += st.st_size;
  return total > LARGE_C ? "-O0 -g" : "-O2 -g";
}

/* cc ... -c: everything but the file names. */
static void compile_args(args_t *a, const toolchain_t *tc, const char *const *c_files, const char *gen_dir,
                         const char *c_flags) {
  push_words(a, cc_name());
  /* -ffp-contract=off: no fused multiply-add, as on the GPU path
   * (NVRTC --fmad=false), so kernels agree bit for bit (LANGUAGE.md §11) */
  push_words(a, "-std=gnu11 -pthread -ffp-contract=off");
  push_words(a, opt_flags(c_files));
  push_sanitize(a);
  char buf[PATH_MAX + 16];
  snprintf(buf, sizeof buf, "-I%s", tc->include_dir);
  push(a, buf);
  /* -iquote: a module named like a system header (strings, stdlib, ...)
   * must not shadow <strings.h> for the system's own includes. */
  snprintf(buf, sizeof buf, "-iquote%s", gen_dir);
  push(a, buf);
  push_words(a, c_flags);
  push_words(a, getenv("ACT_CFLAGS"));
  push(a, "-c");
}

static void trace(char **argv) {
  if (!getenv("ACT_VERBOSE")) return;
  for (int i = 0; argv[i]; i++) fprintf(stderr, "%s%s", argv[i], argv[i + 1] ? " " : "\n");
}

static pid_t start(char **argv) {
  trace(argv);
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[0], argv);
    fprintf(stderr, "actorc: cannot run the C compiler `%s`: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  if (pid < 0) fprintf(stderr, "actorc: fork failed: %s\n", strerror(errno));
  return pid;
}

/* 0 when the child exited with 0; 127: it could not be started. */
static int status_of(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  return 128;
}

/* Run a's command to its end (a is freed); its status as status_of says,
 * 128 when it could not be forked. */
static int run_to_end(args_t *a) {
  pid_t pid = start(a->v);
  args_free(a);
  if (pid < 0) return 128;
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return status_of(st);
}

/* What every unit's key shares: the compiler's identity, the compile
 * command and the runtime's headers. The generated headers are in the
 * key of the units that include them (plan_unit): a part of a split
 * module includes none, so a change to its module's header that does not
 * change the declarations the part carries leaves its object valid. */
static void common_key(cache_hash_t *h, const args_t *cmd, const toolchain_t *tc) {
  cache_hash_init(h);
  char *probe = NULL;
  if (asprintf(&probe, "%s --version 2>/dev/null", cc_name()) >= 0) {
    FILE *p = popen(probe, "r");
    if (p) {
      char buf[4096];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, p)) > 0) cache_hash_bytes(h, buf, n);
      pclose(p);
    }
    free(probe);
  }
  for (int i = 0; i < cmd->n; i++) cache_hash_str(h, cmd->v[i]);
  char dir[PATH_MAX + 8];
  snprintf(dir, sizeof dir, "%s/act", tc->include_dir);
  cache_hash_dir(h, dir, ".h");
}

typedef struct unit {
  const char *src;
  char *obj;     /* where the object is (cached or not) */
  char *tmp;     /* compiled here first, then renamed to obj; NULL: no cache */
  pid_t pid;
} unit_t;

static char *base_o(const char *gen_dir, const char *src) {
  const char *b = strrchr(src, '/');
  char *o = NULL;
  if (asprintf(&o, "%s/%s.o", gen_dir, b ? b + 1 : src) < 0) return NULL;
  return o;
}

/* Decide where each unit's object comes from; true when it must be
 * compiled. */
static bool plan_unit(unit_t *u, const cache_hash_t *common, const char *cache, const char *gen_dir) {
  if (cache == NULL) {
    u->obj = base_o(gen_dir, u->src);
    return true;
  }
  cache_hash_t h = *common;
  cache_hash_str(&h, "unit");
  if (!cache_hash_unit(&h, u->src)) {
    u->obj = base_o(gen_dir, u->src);
    return true;
  }
  char hex[33];
  cache_hash_hex(&h, hex);
  char sub[PATH_MAX];
  snprintf(sub, sizeof sub, "%s/obj", cache);
  mkdir(sub, 0777);
  snprintf(sub, sizeof sub, "%s/obj/%.2s", cache, hex);
  mkdir(sub, 0777);
  if (asprintf(&u->obj, "%s/%s.o", sub, hex + 2) < 0) return false;
  struct stat st;
  if (stat(u->obj, &st) == 0 && S_ISREG(st.st_mode)) return false;
  if (asprintf(&u->tmp, "%s.tmp%ld", u->obj, (long)getpid()) < 0) u->tmp = NULL;
  return true;
}

static int jobs(void) {
  const char *j = getenv("ACT_JOBS");
  long n = j && *j ? strtol(j, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

/* Compile the units in todo, at most jobs() at a time. Returns 0, or the
 * status of the first failure (127: the compiler could not be started). */
static int compile_all(unit_t **todo, int n, const args_t *cmd) {
  int running = 0, next = 0, failed = 0, maxj = jobs();
  while (next < n || running > 0) {
    while (!failed && next < n && running < maxj) {
      unit_t *u = todo[next++];
      args_t a = {0};
      for (int i = 0; i < cmd->n; i++) push(&a, cmd->v[i]);
      push(&a, u->src);
      push(&a, "-o");
      push(&a, u->tmp ? u->tmp : u->obj);
      u->pid = start(a.v);
      args_free(&a);
      if (u->pid < 0) {
        failed = 128;
        break;
      }
      running++;
    }
    if (running == 0) break;
    int st;
    pid_t pid = wait(&st);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < next; i++) {
      unit_t *u = todo[i];
      if (u->pid != pid) continue;
      u->pid = 0;
      running--;
      int rc = status_of(st);
      if (rc == 0 && u->tmp && rename(u->tmp, u->obj) != 0) {
        fprintf(stderr, "actorc: cannot store %s in the cache: %s\n", u->obj, strerror(errno));
        rc = 128;
      }
      if (rc != 0) {
        if (u->tmp) unlink(u->tmp);
        if (!failed) failed = rc;
      }
    }
  }
  return failed;
}

/* Whether an executable named name is on $PATH. */
static bool on_path(const char *name) {
  const char *path = getenv("PATH");
  if (path == NULL) return false;
  char buf[PATH_MAX];
  for (const char *p = path; *p;) {
    size_t n = strcspn(p, ":");
    if (n > 0 && snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, name) < (int)sizeof buf && access(buf, X_OK) == 0)
      return true;
    p += n;
    if (*p == ':') p++;
  }
  return false;
}

/* The linker: $ACT_LD when set (a name for -fuse-ld=, or empty for the C
 * compiler's own), else gold when it is installed. Every build links, even
 * one that compiles nothing, and gold takes about a third of the CPU time
 * of the default GNU ld (0.17 against 0.5 s for a 10,000-line program's
 * objects; docs/actorc.md). */
static void push_linker(args_t *a) {
  const char *ld = getenv("ACT_LD");
  if (ld == NULL) ld = on_path("ld.gold") ? "gold" : "";
  if (*ld == '\0') return;
  char buf[128];
  snprintf(buf, sizeof buf, "-fuse-ld=%s", ld);
  push(a, buf);
}

static int link_exe(unit_t *units, int n, const toolchain_t *tc, const char *exe, const char *c_flags) {
  args_t a = {0};
  push_words(&a, cc_name());
  push(&a, "-pthread");
  push_linker(&a);
  push_sanitize(&a);
  for (int i = 0; i < n; i++) push(&a, units[i].obj);
  push_words(&a, c_flags);
  push_words(&a, getenv("ACT_CFLAGS"));
  push(&a, "-o");
  push(&a, exe);
  char lib[PATH_MAX + 4];
  snprintf(lib, sizeof lib, "-L%s", tc->lib_dir);
  push(&a, lib);
  push(&a, "-lact");
  push_words(&a, ACT_LINK_LIBS);
  return run_to_end(&a);
}

/* `actorc build --lib`: the objects into a static library, replacing any
 * old one (ar would add to it). */
static int archive(unit_t *units, int n, const char *lib) {
  if (unlink(lib) != 0 && errno != ENOENT) {
    fprintf(stderr, "actorc: cannot replace %s: %s\n", lib, strerror(errno));
    return 128;
  }
  args_t a = {0};
  const char *ar = getenv("AR");
  push_words(&a, ar && *ar ? ar : "ar");
  push(&a, "rcs");
  push(&a, lib);
  for (int i = 0; i < n; i++) push(&a, units[i].obj);
  return run_to_end(&a);
}

/* The output goes into a folder that exists and that we may write: else
 * the linker (or ar) fails after every unit is compiled, and its failure
 * reads like one of the generated code. */
static bool out_dir_ok(const char *out) {
  char dir[PATH_MAX];
  const char *slash = strrchr(out, '/');
  if (slash == NULL) snprintf(dir, sizeof dir, ".");
  else if (slash == out) snprintf(dir, sizeof dir, "/");
  else snprintf(dir, sizeof dir, "%.*s", (int)(slash - out), out);
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) != 0) {
    fprintf(stderr, "actorc: cannot write %s: %s\n", out,
            stat(dir, &st) != 0 ? strerror(errno) : !S_ISDIR(st.st_mode) ? "not in a directory" : strerror(errno));
    return false;
  }
  return true;
}

static int build(const toolchain_t *tc, const char *const *c_files, const char *gen_dir, const char *out,
                 const char *c_flags, bool lib) {
  if (!out_dir_ok(out)) return 3;
  int n = 0;
  while (c_files[n]) n++;
  args_t cmd = {0};
  compile_args(&cmd, tc, c_files, gen_dir, c_flags);
  char *cache = cache_dir();
  cache_hash_t common;
  if (cache) common_key(&common, &cmd, tc);
  unit_t *units = calloc((size_t)n + 1, sizeof *units);
  unit_t **todo = calloc((size_t)n + 1, sizeof *todo);
  int ntodo = 0;
  for (int i = 0; i < n; i++) {
    units[i].src = c_files[i];
    if (plan_unit(&units[i], &common, cache, gen_dir)) todo[ntodo++] = &units[i];
  }
  if (getenv("ACT_VERBOSE"))
    fprintf(stderr, "actorc: %d of %d C units to compile (cache: %s)\n", ntodo, n, cache ? cache : "off");
  int rc = compile_all(todo, ntodo, &cmd);
  if (rc != 0 && rc != 127)
    fprintf(stderr, "actorc: the C compiler failed on generated code (this is a bug in actorc; please report it)\n");
  if (rc == 0) {
    rc = lib ? archive(units, n, out) : link_exe(units, n, tc, out, c_flags);
    /* What fails here is most often the program's: a function of an
     * `extern "C"` block that no library defines, a library --c-flags
     * names that is not installed. */
    if (rc != 0 && rc != 127 && !lib)
      fprintf(stderr, "actorc: linking %s failed (the linker says why above): each function of an "
                      "`extern \"C\"` block must be defined in the C library or in one that --c-flags "
                      "(or ACT_CFLAGS) links, and each library named there must be installed\n", out);
    else if (rc != 0 && rc != 127)
      fprintf(stderr, "actorc: writing the library %s failed (ar says why above)\n", out);
  }
  for (int i = 0; i < n; i++) {
    free(units[i].obj);
    free(units[i].tmp);
  }
  free(units);
  free(todo);
  free(cache);
  args_free(&cmd);
  return rc == 0 ? 0 : 3;
}

int toolchain_compile(const toolchain_t *tc, const char *const *c_files, const char *gen_dir, const char *exe,
                      const char *c_flags) {
  return build(tc, c_files, gen_dir, exe, c_flags, false);
}

int toolchain_archive(const toolchain_t *tc, const char *const *c_files, const char *gen_dir, const char *lib,
                      const char *c_flags) {
  return build(tc, c_files, gen_dir, lib, c_flags, true);
}
