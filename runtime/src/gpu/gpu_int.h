/* gpu_int.h: what the files of runtime/src/gpu share.
 *
 *   cuda_dl.c    dlopen of the driver API (libcuda) and NVRTC: our own
 *                declarations of the few entry points used, so nothing
 *                here needs the CUDA headers to build
 *   device.c     --act-gpu, the device and its context (restarted after a
 *                sticky error), modules loaded into it, the PTX dump hook
 *   ptx_cache.c  CUDA C -> PTX with NVRTC, cached on disk
 *   launch.c     k[n](...) on the device
 *   batch.c      gpu actors: batches, flush ticks, replies
 *
 * Every CUDA call is made under act__gpu_mu, with the context current on
 * the calling thread (act__gpu_lock). */
#ifndef ACT_GPU_INT_H
#define ACT_GPU_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "act/gpu.h"

/* ---- the driver API (cuda_dl.c) ----------------------------------------- */
typedef int CUresult;
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef unsigned long long CUdeviceptr;

enum {
  ACT_CU_SUCCESS = 0,
  ACT_CU_OUT_OF_MEMORY = 2,
  ACT_CU_NO_DEVICE = 100,
  ACT_CU_ATTR_SM_COUNT = 16,
  ACT_CU_ATTR_CC_MAJOR = 75,
  ACT_CU_ATTR_CC_MINOR = 76,
};

typedef struct act_cuda {
  CUresult (*Init)(unsigned);
  CUresult (*DeviceGetCount)(int *);
  CUresult (*DeviceGet)(CUdevice *, int);
  CUresult (*DeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*DeviceGetName)(char *, int, CUdevice);
  CUresult (*PrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*PrimaryCtxReset)(CUdevice);
  CUresult (*CtxSetCurrent)(CUcontext);
  CUresult (*CtxSynchronize)(void);
  CUresult (*ModuleLoadData)(CUmodule *, const void *);
  CUresult (*ModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*MemAlloc)(CUdeviceptr *, size_t);
  CUresult (*MemFree)(CUdeviceptr);
  CUresult (*MemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*MemcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*MemsetD8)(CUdeviceptr, unsigned char, size_t);
  CUresult (*LaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                           CUstream, void **, void **);
  CUresult (*GetErrorName)(CUresult, const char **);
} act_cuda_t;

/* ---- NVRTC ---------------------------------------------------------------- */
typedef struct _nvrtcProgram *nvrtcProgram;
typedef struct act_nvrtc {
  int (*Version)(int *, int *);
  int (*CreateProgram)(nvrtcProgram *, const char *, const char *, int, const char *const *,
                       const char *const *);
  int (*CompileProgram)(nvrtcProgram, int, const char *const *);
  int (*GetPTXSize)(nvrtcProgram, size_t *);
  int (*GetPTX)(nvrtcProgram, char *);
  int (*GetProgramLogSize)(nvrtcProgram, size_t *);
  int (*GetProgramLog)(nvrtcProgram, char *);
  int (*DestroyProgram)(nvrtcProgram *);
  int major, minor;
} act_nvrtc_t;

/* Opens the library once (later calls answer the same). 0 on success;
 * otherwise why (dlerror's text) in err. The file names may be replaced
 * with ACT_GPU_LIBCUDA and ACT_GPU_NVRTC (paths), e.g. to run as if the
 * libraries were missing. */
int act__cuda_open(const act_cuda_t **out, char *err, size_t errlen);
int act__nvrtc_open(const act_nvrtc_t **out, char *err, size_t errlen);
/* "CUDA_ERROR_OUT_OF_MEMORY" or "CUDA error 2". */
const char *act__cu_name(CUresult r, char *buf, size_t len);
/* An error after which the context cannot be used again. */
int act__cu_sticky(CUresult r);

/* ---- the device (device.c) ----------------------------------------------- */
typedef struct act_gpu_dev {
  const act_cuda_t *cu;
  CUdevice dev;
  CUcontext ctx;
  int arch;                /* compute capability * 10 + minor, e.g. 90 */
  int sms;                 /* multiprocessors */
  uint64_t generation;     /* bumped when the context is restarted */
} act_gpu_dev_t;

extern pthread_mutex_t act__gpu_mu;

/* The device with its context current on this thread, under act__gpu_mu;
 * NULL (and not locked) when the GPU path is off or unavailable. Under
 * `on` a device that cannot be opened faults cx (why in the reason). */
act_gpu_dev_t *act__gpu_lock(act_ctx_t *cx, const act_loc_t *loc);
void act__gpu_unlock(void);
/* The function `entry` of m loaded in the current context, or NULL (the
 * CPU path will do: why is logged once, or under `on` cx faults). Called
 * with the lock held. */
CUfunction act__gpu_function(act_ctx_t *cx, act_gpu_dev_t *g, act_gpu_module_t *m, const char *entry,
                             const act_loc_t *loc);
/* A CUDA call failed while the lock is held: unlocks, restarts the context
 * if the error is sticky, and faults cx with "gpu: WHAT: ERROR". */
ACT_NORETURN void act__gpu_fail(act_ctx_t *cx, act_gpu_dev_t *g, CUresult r, const char *what,
                                const act_loc_t *loc);
/* Device memory whose owner is gone (collected), freed at the next lock. */
void act__gpu_free_later(CUdeviceptr p, uint64_t generation);

/* --act-gpu / ACT_GPU (the options table's setter), and the start-time
 * hook: refuse to start under `on` without a GPU; the ACT_GPU_PTX dump. */
int act__gpu_set_mode(const char *v);
void act__gpu_options(void);

/* ---- PTX (ptx_cache.c) --------------------------------------------------- */
/* The PTX of source for arch (e.g. 90 -> compute_90): from the disk cache
 * when an intact entry exists, else compiled with NVRTC and stored.
 * Returns a malloc'd NUL-terminated text or NULL with why in err. *how
 * says which ("cached", "compiled", "compiled (damaged cache entry)"). */
char *act__ptx_get(const char *source, int arch, const char **how, char *err, size_t errlen);

#endif
