/* main.c: the actorc driver — options, then parse → check → emit → cc.
 *
 * Exit codes (also in `actorc --help` and docs/actorc.md):
 *   0  success (for `run`: the program's own exit status is returned)
 *   1  the program has errors (diagnostics on stderr)
 *   2  bad command line
 *   3  a tool failed: the C compiler, a file that cannot be written
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ast/ast.h"
#include "diag/diag.h"
#include "driver/cache.h"
#include "driver/lib.h"
#include "driver/toolchain.h"
#include "emit/emit.h"
#include "sema/sema.h"
#include "syntax/parse.h"

#ifndef ACT_VERSION
#define ACT_VERSION "0.0.0"
#endif

enum { EXIT_ERRORS = 1, EXIT_USAGE = 2, EXIT_TOOL = 3 };

static const char usage[] =
    "usage: actorc <command> [options]\n"
    "\n"
    "commands:\n"
    "  check FILE                      parse and type-check FILE and its imports\n"
    "  build FILE [-o OUT]             compile FILE to the executable OUT\n"
    "                                  (default: FILE's name without .act)\n"
    "  build FILE --emit-c [DIR]       write the C (one .c and .h per module) to\n"
    "                                  DIR (or -o DIR) instead of an executable\n"
    "  build FILE --lib NAME [-o DIR]  a static library of FILE's actors and\n"
    "                                  messages for a C program: DIR/libNAME.a,\n"
    "                                  DIR/NAME.h (and DIR/NAME/), DIR/NAME.pc\n"
    "                                  (docs/embedding.md)\n"
    "  run FILE [-- ARGS...]           build into a temporary directory and run,\n"
    "                                  passing ARGS to Main (--act-... options\n"
    "                                  after FILE go to the program as well)\n"
    "\n"
    "options:\n"
    "  --no-main          with --emit-c: leave main() out (embedding in C)\n"
    "  --no-line          no #line directives back to the .act sources\n"
    "  --c-flags \"...\"    extra C compiler flags (include paths, libraries)\n"
    "  -O0 -O1 -O2 -O3 -Og -Os\n"
    "                     build/run: the C compiler's optimisation (with -g);\n"
    "                     default -O2, -O0 for very large programs;\n"
    "                     -O0 builds fastest (docs/actorc.md)\n"
    "  --dump-ast         print the AST after parsing (check only)\n"
    "  -q                 build/run: do not print the C compiler's command\n"
    "  --version, --help\n"
    "\n"
    "environment: CC (C compiler, default cc), ACT_CFLAGS (extra C flags)\n"
    "\n"
    "exit status: 0 success (run: the program's status), 1 errors in the\n"
    "program, 2 bad command line, 3 a tool failed (C compiler, file system)\n";

typedef struct opts {
  const char *cmd;
  const char *file;
  const char *out;
  const char *emit_dir;
  bool emit_c;
  bool no_main;
  bool dump_ast;
  bool no_line;
  const char *c_flags;
  const char *opt;        /* -O0 ... -Os */
  const char *lib;        /* --lib NAME */
  char **run_args;
  int nrun_args;
} opts_t;

static int bad_usage(const char *fmt, const char *arg) {
  fprintf(stderr, "actorc: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nrun `actorc --help` for usage\n");
  return EXIT_USAGE;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The levels gcc and clang share; anything else would reach the C
 * compiler and fail there as "a bug in actorc". */
static bool opt_level_ok(const char *a) {
  static const char *const levels[] = {"-O0", "-O1", "-O2", "-O3", "-Og", "-Os"};
  for (size_t i = 0; i < sizeof levels / sizeof *levels; i++)
    if (strcmp(a, levels[i]) == 0) return true;
  return false;
}

static int parse_args(int argc, char **argv, opts_t *o) {
  memset(o, 0, sizeof *o);
  if (argc < 2) {
    fputs(usage, stderr);
    return EXIT_USAGE;
  }
  o->cmd = argv[1];
  if (strcmp(o->cmd, "check") && strcmp(o->cmd, "build") &&
      strcmp(o->cmd, "run"))
    return bad_usage("unknown command `%s`", o->cmd);
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      o->run_args = argv + i + 1;
      o->nrun_args = argc - i - 1;
      break;
    } else if (strcmp(a, "-o") == 0) {
      if (++i >= argc)
        return bad_usage("%s needs an argument", a);
      o->out = argv[i];
    } else if (strcmp(a, "--emit-c") == 0) {
      o->emit_c = true;
      if (i + 1 < argc && argv[i + 1][0] != '-' && !ends_with(argv[i + 1], ".act"))
        o->emit_dir = argv[++i];
    } else if (strcmp(a, "--no-main") == 0) {
      o->no_main = true;
    } else if (strcmp(a, "--no-line") == 0) {
      o->no_line = true;
    } else if (strcmp(a, "--c-flags") == 0) {
      if (++i >= argc)
        return bad_usage("%s needs an argument", a);
      o->c_flags = argv[i];
    } else if (strcmp(a, "--lib") == 0) {
      if (++i >= argc)
        return bad_usage("%s needs a library name", a);
      o->lib = argv[i];
      if (!lib_name_ok(o->lib))
        return bad_usage("`%s` is not a library name (letters, digits and _)", o->lib);
    } else if (strcmp(a, "--dump-ast") == 0) {
      o->dump_ast = true;
    } else if (a[0] == '-' && a[1] == 'O') {
      if (!opt_level_ok(a))
        return bad_usage("unknown optimisation level `%s` (-O0, -O1, -O2, -O3, -Og or -Os)", a);
      o->opt = a;
    } else if (strcmp(a, "-q") == 0) {
      /* accepted for compatibility: the compiler command is never echoed */
    } else if (strncmp(a, "--act-", 6) == 0 && o->file && strcmp(o->cmd, "run") == 0) {
      /* the program's runtime options (`actorc run f.act --act-threads 1`):
       * no actorc option starts so, so they and what follows go to it */
      o->run_args = argv + i;
      o->nrun_args = argc - i;
      break;
    } else if (strncmp(a, "--act-", 6) == 0) {
      return bad_usage("`%s` is an option of the compiled program: give it after the file to `actorc run`, "
                       "or to the executable `actorc build` makes", a);
    } else if (a[0] == '-' && a[1] != '\0') {
      return bad_usage("unknown option `%s`", a);
    } else if (o->file == NULL) {
      o->file = a;
    } else if (strcmp(o->cmd, "run") == 0) {
      /* `actorc run f.act a b` without `--`: the rest goes to Main */
      o->run_args = argv + i;
      o->nrun_args = argc - i;
      break;
    } else {
      return bad_usage("unexpected argument `%s`", a);
    }
  }
  if (o->file == NULL)
    return bad_usage("`%s` needs a FILE", o->cmd);
  if (o->lib && (strcmp(o->cmd, "build") != 0 || o->emit_c))
    return bad_usage("%s", "--lib goes with `build`, without --emit-c");
  return 0;
}

/* Basename of path without the .act extension, e.g. "examples/hello.act" ->
 * "hello". */
static char *program_name(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  char *s = strdup(base);
  if (ends_with(s, ".act"))
    s[strlen(s) - 4] = '\0';
  return s;
}

static int check_file(const opts_t *o, const toolchain_t *tc, diag_t *d,
                      program_t *prog) {
  struct stat st;
  if (stat(o->file, &st) != 0) {
    fprintf(stderr, "actorc: cannot read `%s`: %s\n", o->file, strerror(errno));
    return EXIT_ERRORS;
  }
  if (!S_ISREG(st.st_mode)) {
    fprintf(stderr, "actorc: `%s` is not a regular file\n", o->file);
    return EXIT_ERRORS;
  }
  if (o->dump_ast) {
    src_file_t *f = src_load(o->file);
    if (f == NULL) {
      fprintf(stderr, "actorc: cannot read `%s`: %s\n", o->file, strerror(errno));
      return EXIT_ERRORS;
    }
    ast_t *m = parse_module(f, d);
    ast_dump(m, stdout);
    if (d->errors)
      return EXIT_ERRORS;
  }
  sema_opts_t so = {.stdlib_dir = tc->stdlib_dir,
                    .require_main = strcmp(o->cmd, "check") != 0 && !o->no_main && !o->lib,
                    .c_flags = o->c_flags,
                    .include_dir = tc->include_dir};
  if (!sema_load_and_check(o->file, &so, d, prog) || d->errors)
    return EXIT_ERRORS;
  return 0;
}

static int mkdir_p(const char *dir) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
    return -1;
  for (char *p = buf + 1; *p; p++) {
    if (*p == '/') {
      *p = '\0';
      if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -1;
      *p = '/';
    }
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST)
    return -1;
  return 0;
}

static void remove_tree(const char *dir) {
  pid_t pid = fork();
  if (pid == 0) {
    execlp("rm", "rm", "-rf", dir, (char *)NULL);
    _exit(127);
  }
  if (pid > 0)
    waitpid(pid, NULL, 0);
}

/* Where `build` and `run` write the C. With the object cache on, the C of
 * one program and output goes to the same directory every time,
 * <cache>/build/<hash>, so its text (which names its own path in #line
 * directives) is the same from build to build and unchanged units are
 * found in the cache; a lock on <dir>.lock keeps two builds of the same
 * output apart. Otherwise a fresh temporary directory, removed afterwards.
 * Returns the directory (malloc'd), or NULL after a message; *lock_fd is
 * the open lock or -1, *temporary says whether to remove the directory. */
static char *gen_dir_for(const char *cmd, const char *src, const char *out, int *lock_fd, bool *temporary) {
  *lock_fd = -1;
  *temporary = false;
  char *cache = cache_dir();
  if (cache != NULL) {
    /* the output's path as written, made absolute (it need not exist) */
    char abs_src[PATH_MAX], cwd[PATH_MAX];
    if (realpath(src, abs_src) == NULL) snprintf(abs_src, sizeof abs_src, "%s", src);
    if (getcwd(cwd, sizeof cwd) == NULL) snprintf(cwd, sizeof cwd, ".");
    const char *abs_out = out && out[0] == '/' ? out : cwd;
    const char *rel_out = out && out[0] != '/' ? out : "";
    cache_hash_t h;
    cache_hash_init(&h);
    cache_hash_str(&h, cmd);
    cache_hash_str(&h, abs_src);
    cache_hash_str(&h, abs_out);
    cache_hash_str(&h, rel_out);
    char hex[33];
    cache_hash_hex(&h, hex);
    char *dir = NULL, *lock = NULL;
    if (asprintf(&dir, "%s/build/%s", cache, hex) >= 0 && asprintf(&lock, "%s.lock", dir) >= 0 &&
        mkdir_p(dir) == 0) {
      *lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
      if (*lock_fd >= 0 && flock(*lock_fd, LOCK_EX) == 0) {
        free(lock);
        free(cache);
        return dir;
      }
      if (*lock_fd >= 0) close(*lock_fd);
      *lock_fd = -1;
    }
    free(dir);
    free(lock);
    free(cache);
  }
  char tmpl[] = "/tmp/actorc-build-XXXXXX";
  if (mkdtemp(tmpl) == NULL) {
    fprintf(stderr, "actorc: cannot create a temporary directory: %s\n", strerror(errno));
    return NULL;
  }
  *temporary = true;
  return strdup(tmpl);
}

static void gen_dir_done(char *dir, int lock_fd, bool temporary) {
  if (getenv("ACT_KEEP_C") != NULL)
    fprintf(stderr, "actorc: generated C kept in %s\n", dir);
  else if (temporary)
    remove_tree(dir);
  if (lock_fd >= 0) close(lock_fd);
  free(dir);
}

/* Emit C for prog into dir; compile to exe, or archive into lib, unless
 * both are NULL. */
static int build_program(const opts_t *o, const toolchain_t *tc, diag_t *d,
                         program_t *prog, const char *dir, const char *exe, const char *lib) {
  if (mkdir_p(dir) != 0) {
    fprintf(stderr, "actorc: cannot create directory `%s`: %s\n", dir,
            strerror(errno));
    return EXIT_TOOL;
  }
  emit_opts_t eo = {.out_dir = dir, .line_directives = !o->no_line,
                    .no_main = o->no_main || lib != NULL};
  char **c_files = NULL;
  if (!emit_program(prog, &eo, d, &c_files) || d->errors)
    return EXIT_ERRORS;
  int rc = 0;
  /* --c-flags, then what `import c ... pkg` asked pkg-config for */
  char *flags = NULL;
  if (asprintf(&flags, "%s %s", o->c_flags ? o->c_flags : "", prog->c_flags ? prog->c_flags : "") < 0)
    flags = NULL;
  if (exe != NULL)
    rc = toolchain_compile(tc, (const char *const *)c_files, dir, exe, flags);
  else if (lib != NULL)
    rc = toolchain_archive(tc, (const char *const *)c_files, dir, lib, flags);
  free(flags);
  for (char **p = c_files; p && *p; p++)
    free(*p);
  free(c_files);
  return rc;
}

static int run_program(const char *exe, const opts_t *o) {
  char **argv = calloc((size_t)o->nrun_args + 2, sizeof *argv);
  argv[0] = (char *)exe;
  for (int i = 0; i < o->nrun_args; i++)
    argv[i + 1] = o->run_args[i];
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "actorc: fork failed: %s\n", strerror(errno));
    return EXIT_TOOL;
  }
  if (pid == 0) {
    execv(exe, argv);
    fprintf(stderr, "actorc: cannot run `%s`: %s\n", exe, strerror(errno));
    _exit(127);
  }
  free(argv);
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(st))
    return WEXITSTATUS(st);
  if (WIFSIGNALED(st))
    return 128 + WTERMSIG(st);
  return EXIT_TOOL;
}

int main(int argc, char **argv) {
  if (argc >= 2 && (strcmp(argv[1], "--version") == 0 ||
                    strcmp(argv[1], "version") == 0)) {
    printf("actorc %s\n", ACT_VERSION);
    return 0;
  }
  if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
                    strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)) {
    fputs(usage, stdout);
    return 0;
  }
  opts_t o;
  int rc = parse_args(argc, argv, &o);
  if (rc != 0)
    return rc;
  /* -O<level> is the command-line spelling of ACT_OPT (compile.c reads it,
   * and it is part of every cached object's key); -g keeps the #line
   * mapping useful in a debugger at any level. */
  if (o.opt) {
    char flags[16];
    snprintf(flags, sizeof flags, "%s -g", o.opt);
    setenv("ACT_OPT", flags, 1);
  }

  toolchain_t tc;
  if (!toolchain_locate(argv[0], &tc))
    return EXIT_TOOL;

  diag_t d;
  diag_init(&d);
  program_t prog;
  memset(&prog, 0, sizeof prog);
  rc = check_file(&o, &tc, &d, &prog);
  if (rc != 0 || strcmp(o.cmd, "check") == 0)
    return rc;

  char *name = program_name(o.file);
  if (strcmp(o.cmd, "build") == 0) {
    if (o.emit_c) {
      const char *dir = o.emit_dir ? o.emit_dir : o.out ? o.out : ".";
      rc = build_program(&o, &tc, &d, &prog, dir, NULL, NULL);
    } else if (o.lib) {
      const char *outdir = o.out ? o.out : ".";
      char *lib = NULL;
      int lock_fd;
      bool temporary;
      char *dir = mkdir_p(outdir) == 0 ? gen_dir_for("lib", o.file, outdir, &lock_fd, &temporary) : NULL;
      if (dir == NULL || asprintf(&lib, "%s/lib%s.a", outdir, o.lib) < 0) {
        fprintf(stderr, "actorc: cannot write the library into `%s`\n", outdir);
        free(dir);
        free(name);
        return EXIT_TOOL;
      }
      rc = build_program(&o, &tc, &d, &prog, dir, NULL, lib);
      if (rc == 0) rc = lib_write_headers(&prog, dir, outdir, o.lib) ? 0 : EXIT_TOOL;
      gen_dir_done(dir, lock_fd, temporary);
      free(lib);
    } else {
      const char *exe = o.out ? o.out : name;
      int lock_fd;
      bool temporary;
      char *dir = gen_dir_for("build", o.file, exe, &lock_fd, &temporary);
      if (dir == NULL) return EXIT_TOOL;
      rc = build_program(&o, &tc, &d, &prog, dir, exe, NULL);
      gen_dir_done(dir, lock_fd, temporary);
    }
    free(name);
    return rc;
  }

  /* run: the executable in a fresh temporary directory, the C where
   * `build` would put it */
  char tmpl[] = "/tmp/actorc-run-XXXXXX";
  if (mkdtemp(tmpl) == NULL) {
    fprintf(stderr, "actorc: cannot create a temporary directory: %s\n",
            strerror(errno));
    return EXIT_TOOL;
  }
  char exe[PATH_MAX];
  snprintf(exe, sizeof exe, "%s/%s", tmpl, name);
  int lock_fd;
  bool temporary;
  char *dir = gen_dir_for("run", o.file, NULL, &lock_fd, &temporary);
  if (dir == NULL) {
    remove_tree(tmpl);
    return EXIT_TOOL;
  }
  rc = build_program(&o, &tc, &d, &prog, dir, exe, NULL);
  /* the lock is only for the C: the program may run for long */
  gen_dir_done(dir, lock_fd, temporary);
  if (rc == 0)
    rc = run_program(exe, &o);
  remove_tree(tmpl);
  free(name);
  return rc;
}

/* actorc is a batch process: names, types and generated text live until it
 * exits, the way most compilers treat them, so the leak checker of a
 * sanitizer build would only list those. Memory errors are still fatal. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "detect_leaks=0"; }
