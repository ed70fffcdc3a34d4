/* tsan_criterion.h: the part of Criterion's API our runtime tests use,
 * for builds where Criterion cannot run. Criterion aborts at start under
 * ThreadSanitizer ("Could not initialize inheritable arena", upstream
 * issue Snaipe/Criterion#274), so `make tsan` compiles the same test files
 * against this header instead: each Test becomes a function registered at
 * load time, and main() runs every test in a child process of its own (as
 * Criterion does, so each may start the runtime once), reporting the same
 * way: a failed check prints file:line and fails the test. */
#ifndef TSAN_CRITERION_H
#define TSAN_CRITERION_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct shim_test {
  const char *suite, *name;
  void (*fn)(void);
} shim_test_t;

static shim_test_t shim_tests[64];
static int shim_ntests;
static int shim_failed;

#define Test(suite, name)                                                        \
  static void suite##_##name(void);                                              \
  __attribute__((constructor)) static void suite##_##name##_register(void) {    \
    if (shim_ntests < 64)                                                        \
      shim_tests[shim_ntests++] = (shim_test_t){#suite, #name, suite##_##name};  \
  }                                                                              \
  static void suite##_##name(void)

#define SHIM_CHECK(cond, fatal, text)                                            \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, text);    \
      shim_failed = 1;                                                           \
      if (fatal) _exit(1);                                                       \
    }                                                                            \
  } while (0)

#define cr_assert(cond, ...) SHIM_CHECK((cond), 1, #cond)
#define cr_expect(cond, ...) SHIM_CHECK((cond), 0, #cond)
#define cr_assert_not_null(p, ...) SHIM_CHECK((p) != NULL, 1, #p " is not null")
#define cr_assert_eq(a, b, ...) SHIM_CHECK((a) == (b), 1, #a " == " #b)
#define cr_expect_eq(a, b, ...) SHIM_CHECK((a) == (b), 0, #a " == " #b)
#define cr_expect_geq(a, b, ...) SHIM_CHECK((a) >= (b), 0, #a " >= " #b)
#define cr_expect_leq(a, b, ...) SHIM_CHECK((a) <= (b), 0, #a " <= " #b)

int main(void) {
  int bad = 0;
  for (int i = 0; i < shim_ntests; i++) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      shim_tests[i].fn();
      _exit(shim_failed);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    printf("[%s] %s::%s\n", ok ? "PASS" : "FAIL", shim_tests[i].suite, shim_tests[i].name);
    bad += !ok;
  }
  printf("%d of %d tests passed\n", shim_ntests - bad, shim_ntests);
  return bad != 0;
}

#endif
