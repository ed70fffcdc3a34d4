/* os.c: the C side of std.os — the environment, the process, and signals
 * delivered as messages. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act/act.h"
#include "act/sys.h"
#include "rt/rt.h"
#include "sys/io_loop.h"
#include "sys/std_msgs.h"
#include "sys/watch.h"

extern char **environ;

/* setenv and getenv are not safe against each other in glibc; the
 * environment functions of std.os take turns. (C code that calls getenv
 * on its own is not covered: set variables at start.) */
static pthread_mutex_t env_mu = PTHREAD_MUTEX_INITIALIZER;

static bool name_ok(act_str_t *name) {
  int64_t n = act_str_len(name);
  return n > 0 && memchr(act_str_data(name), '=', (size_t)n) == NULL &&
         memchr(act_str_data(name), '\0', (size_t)n) == NULL;
}

/* "=" + the value when set, "" when not: one call, so set-or-not and the
 * value are read together. */
act_str_t *act_os_getenv(act_str_t *name) {
  if (!name_ok(name))
    return NULL;
  pthread_mutex_lock(&env_mu);
  const char *v = getenv(act_str_data(name));
  act_str_t *out = NULL;
  if (v) {
    size_t n = strlen(v);
    char *tmp = malloc(n + 1);
    if (tmp) {
      tmp[0] = '=';
      memcpy(tmp + 1, v, n);
      out = act_str_new(tmp, (int64_t)n + 1);
      free(tmp);
    }
  }
  pthread_mutex_unlock(&env_mu);
  return out;
}

bool act_os_setenv(act_str_t *name, act_str_t *value) {
  if (!name_ok(name) || memchr(act_str_data(value), '\0', (size_t)act_str_len(value)))
    return false;
  pthread_mutex_lock(&env_mu);
  int rc = setenv(act_str_data(name), act_str_data(value), 1);
  pthread_mutex_unlock(&env_mu);
  return rc == 0;
}

bool act_os_unsetenv(act_str_t *name) {
  if (!name_ok(name))
    return false;
  pthread_mutex_lock(&env_mu);
  int rc = unsetenv(act_str_data(name));
  pthread_mutex_unlock(&env_mu);
  return rc == 0;
}

/* Every NAME=value, each followed by a NUL byte. */
act_str_t *act_os_environ(void) {
  act_buf_t b;
  act_buf_init(&b);
  pthread_mutex_lock(&env_mu);
  for (char **e = environ; e && *e; e++)
    act_buf_put(&b, *e, (int64_t)strlen(*e) + 1);
  pthread_mutex_unlock(&env_mu);
  return act_buf_to_str(&b);
}

int64_t act_os_pid(void) { return (int64_t)getpid(); }

act_str_t *act_os_hostname(void) {
  char buf[256];
  if (gethostname(buf, sizeof buf) != 0)
    return NULL;
  buf[sizeof buf - 1] = '\0';
  return act_str_from_cstr(buf);
}

/* ---- signals ------------------------------------------------------------
 * Each signal has at most one owner; its arrivals become Signal messages
 * to the owner. The handlers are libuv's, on the I/O thread. SIGINT and
 * SIGTERM stop the program (the runtime's own handling), and signals that
 * report faults or cannot be caught are refused. */
#define NSIG_MAX 65

/* A handle is initialised once and then only started and stopped (a
 * closed handle may not be reused before its close callback has run). */
static uv_signal_t handles[NSIG_MAX];
static bool inited[NSIG_MAX], started[NSIG_MAX];
static act_actor_t *owners[NSIG_MAX];   /* static: scanned by the collector */

static bool catchable(int64_t sig) {
  switch (sig) {
  case SIGHUP: case SIGUSR1: case SIGUSR2: case SIGWINCH: case SIGALRM: case SIGCHLD:
  case SIGCONT: case SIGTSTP: case SIGTTIN: case SIGTTOU: case SIGURG: case SIGPROF:
  case SIGVTALRM: case SIGIO: case SIGPWR: case SIGQUIT:
    return true;
  default:
    return sig >= SIGRTMIN && sig <= SIGRTMAX && sig < NSIG_MAX;
  }
}

act_str_t *act_os_signal_name(int64_t sig) {
  if (sig <= 0 || sig >= NSIG_MAX)
    return act_str_from_cstr("");
  const char *abbrev = sigabbrev_np((int)sig);
  if (abbrev == NULL) {
    char buf[32];
    snprintf(buf, sizeof buf, "SIGRTMIN+%d", (int)(sig - SIGRTMIN));
    return act_str_from_cstr(buf);
  }
  act_str_t *s = act_str_concat(act_str_from_cstr("SIG"), act_str_from_cstr(abbrev));
  return s;
}

static void on_signal(uv_signal_t *h, int sig) {
  (void)h;
  act_actor_t *to = owners[sig];
  if (to == NULL)
    return;
  act__os_signal_msg_t *m =
      (act__os_signal_msg_t *)act__io_msg(&ACT_STD_MSG(os, Signal), sizeof *m);
  m->number = sig;
  m->name = act_os_signal_name(sig);
  act_send(NULL, to, &m->h);
}

typedef struct {
  int sig;
  act_actor_t *owner;   /* NULL: stop */
} sub_t;

static void subscribe(void *arg) {
  sub_t *s = arg;
  owners[s->sig] = s->owner;
  if (s->owner && !started[s->sig]) {
    if (!inited[s->sig]) {
      uv_signal_init(act__io_loop(), &handles[s->sig]);
      uv_unref((uv_handle_t *)&handles[s->sig]);   /* not pending I/O */
      inited[s->sig] = true;
    }
    uv_signal_start(&handles[s->sig], on_signal, s->sig);
    started[s->sig] = true;
  } else if (!s->owner && started[s->sig]) {
    uv_signal_stop(&handles[s->sig]);   /* the default action is back */
    started[s->sig] = false;
  }
}

static void owner_gone_io(void *arg) {
  act_actor_t *who = arg;
  for (int s = 1; s < NSIG_MAX; s++) {
    if (owners[s] == who) {
      sub_t sub = {s, NULL};
      subscribe(&sub);
    }
  }
}

static void owner_gone(act_actor_t *who) { act__io_run(owner_gone_io, who); }

bool act_os_notify(int64_t sig, act_actor_t *owner) {
  if (!catchable(sig) || owner == NULL)
    return false;
  sub_t s = {(int)sig, owner};
  act__io_call(subscribe, &s);   /* in place before the caller goes on */
  act__watch(owner, owner_gone);
  return true;
}

bool act_os_stop_notify(int64_t sig) {
  if (!catchable(sig))
    return false;
  sub_t s = {(int)sig, NULL};
  act__io_call(subscribe, &s);
  return true;
}

bool act_os_raise(int64_t sig) {
  act__vgate_here();   /* a virtual activation's effect: under its lease (rt.h) */
  if (sig <= 0 || sig >= NSIG_MAX)
    return false;
  return kill(getpid(), (int)sig) == 0;
}
