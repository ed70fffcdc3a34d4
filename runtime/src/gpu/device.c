/* device.c: --act-gpu, the device and its context, the modules loaded into
 * it, and the start-time hooks (the refusal under `on`, the PTX dump).
 *
 * The device is opened the first time a GPU path is wanted (a launch or a
 * batch), not at start: under `auto` a program that never launches
 * anything never loads the CUDA libraries. A context that a sticky error
 * (an illegal address, a failed launch) left unusable is reset and
 * retained again, as a supervisor restarts a child: the failing caller
 * faults, the next one finds a fresh context, and modules and gpu actors'
 * device state are loaded again (the generation tells them). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpu/gpu_int.h"
#include "rt/rt.h"

enum { MODE_AUTO, MODE_OFF, MODE_ON };
static int mode = MODE_AUTO;

pthread_mutex_t act__gpu_mu = PTHREAD_MUTEX_INITIALIZER;

static act_gpu_module_t *modules;

void act_gpu_register(act_gpu_module_t *m) {
  m->next = modules;
  modules = m;
}

/* The options table's setter (rt/options.c). */
int act__gpu_set_mode(const char *v) {
  if (strcmp(v, "auto") == 0) mode = MODE_AUTO;
  else if (strcmp(v, "off") == 0) mode = MODE_OFF;
  else if (strcmp(v, "on") == 0) mode = MODE_ON;
  else return 0;
  return 1;
}

/* ---- the device ------------------------------------------------------- */

static act_gpu_dev_t dev;
static int dev_state;            /* 0 untried, 1 ready, -1 unavailable */
static char dev_why[400];

static int open_device(void) {
  const act_cuda_t *cu;
  const act_nvrtc_t *nv;
  char err[300];
  if (act__cuda_open(&cu, err, sizeof err) != 0 || act__nvrtc_open(&nv, err, sizeof err) != 0) {
    snprintf(dev_why, sizeof dev_why, "%s", err);
    return -1;
  }
  int n = 0, major = 0, minor = 0;
  CUresult r = cu->Init(0);
  if (r == ACT_CU_SUCCESS) r = cu->DeviceGetCount(&n);
  if (r == ACT_CU_SUCCESS && n == 0) r = ACT_CU_NO_DEVICE;
  if (r == ACT_CU_SUCCESS) r = cu->DeviceGet(&dev.dev, 0);
  if (r == ACT_CU_SUCCESS) r = cu->DeviceGetAttribute(&major, ACT_CU_ATTR_CC_MAJOR, dev.dev);
  if (r == ACT_CU_SUCCESS) r = cu->DeviceGetAttribute(&minor, ACT_CU_ATTR_CC_MINOR, dev.dev);
  if (r == ACT_CU_SUCCESS) r = cu->DeviceGetAttribute(&dev.sms, ACT_CU_ATTR_SM_COUNT, dev.dev);
  if (r == ACT_CU_SUCCESS) r = cu->PrimaryCtxRetain(&dev.ctx, dev.dev);
  if (r != ACT_CU_SUCCESS) {
    char name[64];
    snprintf(dev_why, sizeof dev_why, "no usable CUDA device (%s)", act__cu_name(r, name, sizeof name));
    return -1;
  }
  dev.cu = cu;
  dev.arch = major * 10 + minor;
  dev.generation = 1;
  return 1;
}

/* ---- device memory freed later ------------------------------------------
 * A gpu actor's device copies are owned by its state, which the collector
 * frees from whatever thread allocates at the time, perhaps one holding
 * the lock: the finaliser only pushes onto this list. */
typedef struct freed {
  struct freed *next;
  CUdeviceptr p;
  uint64_t generation;
} freed_t;
static _Atomic(freed_t *) to_free;

void act__gpu_free_later(CUdeviceptr p, uint64_t generation) {
  freed_t *f = malloc(sizeof *f);
  if (f == NULL) return;   /* leaks device memory; nothing else goes wrong */
  f->p = p;
  f->generation = generation;
  f->next = atomic_load(&to_free);
  while (!atomic_compare_exchange_weak(&to_free, &f->next, f)) {}
}

static void free_pending(void) {
  freed_t *f = atomic_exchange(&to_free, NULL);
  while (f) {
    freed_t *next = f->next;
    if (f->generation == dev.generation) dev.cu->MemFree(f->p);   /* older ones went with their context */
    free(f);
    f = next;
  }
}

act_gpu_dev_t *act__gpu_lock(act_ctx_t *cx, const act_loc_t *loc) {
  if (mode == MODE_OFF) return NULL;
  pthread_mutex_lock(&act__gpu_mu);
  if (dev_state == 0) dev_state = open_device();
  if (dev_state < 0) {
    pthread_mutex_unlock(&act__gpu_mu);
    if (mode == MODE_ON) act_faultf(cx, loc, "gpu: %s", dev_why);
    return NULL;
  }
  CUresult r = dev.cu->CtxSetCurrent(dev.ctx);
  if (r != ACT_CU_SUCCESS) act__gpu_fail(cx, &dev, r, "cuCtxSetCurrent", loc);
  free_pending();
  return &dev;
}

void act__gpu_unlock(void) { pthread_mutex_unlock(&act__gpu_mu); }

ACT_NORETURN void act__gpu_fail(act_ctx_t *cx, act_gpu_dev_t *g, CUresult r, const char *what,
                                const act_loc_t *loc) {
  char name[64];
  act__cu_name(r, name, sizeof name);
  const char *after = "";
  if (act__cu_sticky(r)) {
    /* Everything in the old context is gone: modules and gpu actors'
     * copies are loaded again into the new one (new generation). */
    g->generation++;
    CUresult rr = g->cu->PrimaryCtxReset(g->dev);
    if (rr == ACT_CU_SUCCESS) rr = g->cu->PrimaryCtxRetain(&g->ctx, g->dev);
    if (rr == ACT_CU_SUCCESS) {
      after = "; the device context was restarted";
    } else {
      dev_state = -1;
      snprintf(dev_why, sizeof dev_why, "the device context could not be restarted after %s", name);
      after = "; the device could not be restarted, the GPU path is off from now on";
    }
    act__logf("act: gpu: %s failed with %s%s\n", what, name, after);
  }
  pthread_mutex_unlock(&act__gpu_mu);
  act_faultf(cx, loc, "gpu: %s failed: %s%s", what, name, after);
}

/* ---- modules ------------------------------------------------------------- */

typedef struct loaded {
  uint64_t generation;
  CUmodule mod;
  int failed;                     /* NVRTC or the loader refused it */
  int nfn;
  struct { const char *entry; CUfunction fn; } fns[32];
} loaded_t;

CUfunction act__gpu_function(act_ctx_t *cx, act_gpu_dev_t *g, act_gpu_module_t *m, const char *entry,
                             const act_loc_t *loc) {
  loaded_t *l = m->loaded;
  if (l == NULL) {
    l = calloc(1, sizeof *l);
    if (l == NULL) {
      act__gpu_unlock();
      act_faultf(cx, loc, "gpu: out of memory");
    }
    m->loaded = l;
  }
  if (l->failed) return NULL;
  if (l->generation != g->generation) {
    char err[400];
    const char *how = "";
    act_blocking_enter(cx);   /* NVRTC takes a while: others may run meanwhile */
    char *ptx = act__ptx_get(m->source, g->arch, &how, err, sizeof err);
    act_blocking_leave(cx);
    CUresult r = ACT_CU_SUCCESS;
    if (ptx) {
      r = g->cu->ModuleLoadData(&l->mod, ptx);
      free(ptx);
      if (r != ACT_CU_SUCCESS) {
        char name[64];
        snprintf(err, sizeof err, "the driver could not load the PTX (%s)", act__cu_name(r, name, sizeof name));
        if (act__cu_sticky(r)) act__gpu_fail(cx, g, r, "cuModuleLoadData", loc);
      }
    }
    if (ptx == NULL || r != ACT_CU_SUCCESS) {
      l->failed = 1;
      if (mode == MODE_ON) {
        act__gpu_unlock();
        act_faultf(cx, loc, "gpu: module %s: %s", m->name, err);
      }
      act__logf("act: gpu: module %s runs on the CPU path: %s\n", m->name, err);
      return NULL;
    }
    l->generation = g->generation;
    l->nfn = 0;
  }
  for (int i = 0; i < l->nfn; i++)
    if (l->fns[i].entry == entry) return l->fns[i].fn;
  CUfunction fn;
  CUresult r = g->cu->ModuleGetFunction(&fn, l->mod, entry);
  if (r != ACT_CU_SUCCESS) act__gpu_fail(cx, g, r, entry, loc);
  if (l->nfn < (int)(sizeof l->fns / sizeof l->fns[0])) {
    l->fns[l->nfn].entry = entry;
    l->fns[l->nfn++].fn = fn;
  }
  return fn;
}

/* ---- at start ------------------------------------------------------------ */

/* ACT_GPU_PTX=DIR: compile every module of the program with NVRTC
 * through the path a launch uses (cache included) for each architecture
 * of ACT_GPU_PTX_ARCHS (default "75,90"), write DIR/<module>.compute_<a>.ptx
 * (and the CUDA C itself as DIR/<module>.cu),
 * say on stdout how each was obtained, and exit. tests/gpu/ptx.sh checks
 * the files with ptxas: the CUDA C is proven valid without a GPU. */
static void dump_ptx(const char *dir) {
  const char *archs = getenv("ACT_GPU_PTX_ARCHS");
  if (archs == NULL || *archs == 0) archs = "75,90";
  int bad = 0;
  for (act_gpu_module_t *m = modules; m; m = m->next) {
    char cu[4096];
    snprintf(cu, sizeof cu, "%s/%s.cu", dir, m->name);
    FILE *f = fopen(cu, "wb");
    if (f == NULL || fputs(m->source, f) < 0 || fclose(f) != 0) {
      act__logf("act: gpu: cannot write %s\n", cu);
      bad = 1;
    }
    for (const char *a = archs; *a;) {
      int arch = atoi(a);
      char err[400], path[4096];
      const char *how = "";
      char *ptx = act__ptx_get(m->source, arch, &how, err, sizeof err);
      if (ptx == NULL) {
        act__logf("act: gpu: module %s, compute_%d: %s\n", m->name, arch, err);
        bad = 1;
      } else {
        snprintf(path, sizeof path, "%s/%s.compute_%d.ptx", dir, m->name, arch);
        FILE *f = fopen(path, "wb");
        if (f == NULL || fputs(ptx, f) < 0 || fclose(f) != 0) {
          act__logf("act: gpu: cannot write %s\n", path);
          bad = 1;
        }
        printf("gpu: %s compute_%d: %s\n", m->name, arch, how);
        free(ptx);
      }
      a += strcspn(a, ",");
      if (*a == ',') a++;
    }
  }
  fflush(stdout);
  _exit(bad);
}

void act__gpu_options(void) {
  const char *dir = getenv("ACT_GPU_PTX");
  if (dir && *dir) dump_ptx(dir);
  if (mode != MODE_ON) return;
  pthread_mutex_lock(&act__gpu_mu);
  if (dev_state == 0) dev_state = open_device();
  pthread_mutex_unlock(&act__gpu_mu);
  if (dev_state < 0) {
    act__logf("act: --act-gpu on, but there is no GPU to use: %s\n", dev_why);
    _exit(1);
  }
}
