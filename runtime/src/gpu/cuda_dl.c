/* cuda_dl.c: the CUDA driver API and NVRTC, opened with dlopen the first
 * time a GPU path is wanted (never at start under `auto`), so programs
 * link without them and run where they are missing. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu/gpu_int.h"
#include "rt/rt.h"

/* Tries each name in turn (or only $env when set); the handle, or NULL
 * with the first failure's text in err. */
static void *open_first(const char *env, const char *const *names, char *err, size_t errlen) {
  const char *only = getenv(env);
  if (only && *only) {
    void *h = dlopen(only, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) snprintf(err, errlen, "%s", dlerror());
    return h;
  }
  err[0] = 0;
  for (int i = 0; names[i]; i++) {
    void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (h) return h;
    if (err[0] == 0) snprintf(err, errlen, "%s", dlerror());
  }
  return NULL;
}

/* Fills *slot with symbol name; 0 when it is missing (err says which). */
static int sym(void *h, void *slot, const char *name, char *err, size_t errlen) {
  void *p = dlsym(h, name);
  if (p == NULL) {
    snprintf(err, errlen, "symbol %s missing from the library", name);
    return 0;
  }
  memcpy(slot, &p, sizeof p);
  return 1;
}

static pthread_mutex_t open_mu = PTHREAD_MUTEX_INITIALIZER;

int act__cuda_open(const act_cuda_t **out, char *err, size_t errlen) {
  static act_cuda_t cu;
  static int state;            /* 0 untried, 1 open, -1 failed */
  static char why[300];
  pthread_mutex_lock(&open_mu);
  if (state == 0) {
    static const char *const names[] = {"libcuda.so.1", "libcuda.so", NULL};
    void *h = open_first("ACT_GPU_LIBCUDA", names, why, sizeof why);
    int ok = h != NULL;
    /* The _v2 names are what cuda.h maps the plain names to since CUDA
     * 3.2 (64-bit sizes and pointers). */
    ok = ok && sym(h, &cu.Init, "cuInit", why, sizeof why) &&
         sym(h, &cu.DeviceGetCount, "cuDeviceGetCount", why, sizeof why) &&
         sym(h, &cu.DeviceGet, "cuDeviceGet", why, sizeof why) &&
         sym(h, &cu.DeviceGetAttribute, "cuDeviceGetAttribute", why, sizeof why) &&
         sym(h, &cu.DeviceGetName, "cuDeviceGetName", why, sizeof why) &&
         sym(h, &cu.PrimaryCtxRetain, "cuDevicePrimaryCtxRetain", why, sizeof why) &&
         sym(h, &cu.PrimaryCtxReset, "cuDevicePrimaryCtxReset_v2", why, sizeof why) &&
         sym(h, &cu.CtxSetCurrent, "cuCtxSetCurrent", why, sizeof why) &&
         sym(h, &cu.CtxSynchronize, "cuCtxSynchronize", why, sizeof why) &&
         sym(h, &cu.ModuleLoadData, "cuModuleLoadData", why, sizeof why) &&
         sym(h, &cu.ModuleGetFunction, "cuModuleGetFunction", why, sizeof why) &&
         sym(h, &cu.MemAlloc, "cuMemAlloc_v2", why, sizeof why) &&
         sym(h, &cu.MemFree, "cuMemFree_v2", why, sizeof why) &&
         sym(h, &cu.MemcpyHtoD, "cuMemcpyHtoD_v2", why, sizeof why) &&
         sym(h, &cu.MemcpyDtoH, "cuMemcpyDtoH_v2", why, sizeof why) &&
         sym(h, &cu.MemsetD8, "cuMemsetD8_v2", why, sizeof why) &&
         sym(h, &cu.LaunchKernel, "cuLaunchKernel", why, sizeof why) &&
         sym(h, &cu.GetErrorName, "cuGetErrorName", why, sizeof why);
    state = ok ? 1 : -1;
  }
  pthread_mutex_unlock(&open_mu);
  if (state < 0) {
    snprintf(err, errlen, "cannot load the CUDA driver (libcuda): %s", why);
    return -1;
  }
  *out = &cu;
  return 0;
}

int act__nvrtc_open(const act_nvrtc_t **out, char *err, size_t errlen) {
  static act_nvrtc_t nv;
  static int state;
  static char why[300];
  pthread_mutex_lock(&open_mu);
  if (state == 0) {
    /* The versioned names first: the bare .so is a development link. */
    static const char *const names[] = {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so",
                                        NULL};
    void *h = open_first("ACT_GPU_NVRTC", names, why, sizeof why);
    int ok = h != NULL;
    ok = ok && sym(h, &nv.Version, "nvrtcVersion", why, sizeof why) &&
         sym(h, &nv.CreateProgram, "nvrtcCreateProgram", why, sizeof why) &&
         sym(h, &nv.CompileProgram, "nvrtcCompileProgram", why, sizeof why) &&
         sym(h, &nv.GetPTXSize, "nvrtcGetPTXSize", why, sizeof why) &&
         sym(h, &nv.GetPTX, "nvrtcGetPTX", why, sizeof why) &&
         sym(h, &nv.GetProgramLogSize, "nvrtcGetProgramLogSize", why, sizeof why) &&
         sym(h, &nv.GetProgramLog, "nvrtcGetProgramLog", why, sizeof why) &&
         sym(h, &nv.DestroyProgram, "nvrtcDestroyProgram", why, sizeof why);
    if (ok && nv.Version(&nv.major, &nv.minor) != 0) {
      snprintf(why, sizeof why, "nvrtcVersion failed");
      ok = 0;
    }
    state = ok ? 1 : -1;
  }
  pthread_mutex_unlock(&open_mu);
  if (state < 0) {
    snprintf(err, errlen, "cannot load NVRTC (libnvrtc): %s", why);
    return -1;
  }
  *out = &nv;
  return 0;
}

const char *act__cu_name(CUresult r, char *buf, size_t len) {
  const act_cuda_t *cu;
  char err[8];
  const char *name = NULL;
  if (act__cuda_open(&cu, err, sizeof err) == 0 && cu->GetErrorName(r, &name) == ACT_CU_SUCCESS && name) {
    snprintf(buf, len, "%s", name);
  } else {
    snprintf(buf, len, "CUDA error %d", r);
  }
  return buf;
}

/* The errors the driver documents as leaving the context unusable: the
 * process must reset it before any further call succeeds. */
int act__cu_sticky(CUresult r) {
  switch (r) {
  case 700:   /* CUDA_ERROR_ILLEGAL_ADDRESS */
  case 702:   /* CUDA_ERROR_LAUNCH_TIMEOUT */
  case 714:   /* CUDA_ERROR_HARDWARE_STACK_ERROR */
  case 715:   /* CUDA_ERROR_ILLEGAL_INSTRUCTION */
  case 716:   /* CUDA_ERROR_MISALIGNED_ADDRESS */
  case 717:   /* CUDA_ERROR_INVALID_ADDRESS_SPACE */
  case 718:   /* CUDA_ERROR_INVALID_PC */
  case 719:   /* CUDA_ERROR_LAUNCH_FAILED */
  case 999:   /* CUDA_ERROR_UNKNOWN */
    return 1;
  default:
    return 0;
  }
}
