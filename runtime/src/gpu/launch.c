/* launch.c: k[n](...) on the device. The arrays go to the device once per
 * launch; the index range runs in chunks of at most CHUNK threads (256 a
 * block), each writing its results into one reused device buffer that is
 * copied back after the chunk, so a launch over 10^9 indices needs device
 * memory for its inputs and one chunk, not for the whole result.
 *
 * A thread whose body faults (an index out of bounds, a division by zero)
 * records its index with atomicMin and writes nothing. The launch stops
 * after the chunk where the first fault happened and hands the caller that
 * index: the CPU path then runs it and faults exactly as it would have
 * without a GPU (same reason, same place). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu/gpu_int.h"
#include "rt/rt.h"

enum { CHUNK = 1 << 24, BLOCK = 256, MAX_ARGS = 64 };

typedef struct launch {
  act_gpu_dev_t *g;
  CUdeviceptr mem[MAX_ARGS + 2];
  int nmem;
} launch_t;

static void release(launch_t *l) {
  for (int i = 0; i < l->nmem; i++) l->g->cu->MemFree(l->mem[i]);
  l->nmem = 0;
}

/* Any failure: free what this launch holds, then fault (and restart the
 * context when the error is sticky, which took the memory with it). */
ACT_NORETURN static void fail(act_ctx_t *cx, launch_t *l, CUresult r, const char *what, const act_gpu_kernel_t *k,
                              const act_loc_t *loc) {
  if (!act__cu_sticky(r)) release(l);
  char buf[200];
  snprintf(buf, sizeof buf, "kernel %s: %s", k->name, what);
  act__gpu_fail(cx, l->g, r, buf, loc);
}

static CUdeviceptr alloc(act_ctx_t *cx, launch_t *l, size_t bytes, const act_gpu_kernel_t *k, const act_loc_t *loc) {
  CUdeviceptr p = 0;
  CUresult r = l->g->cu->MemAlloc(&p, bytes ? bytes : 1);
  if (r != ACT_CU_SUCCESS) fail(cx, l, r, "cuMemAlloc", k, loc);
  l->mem[l->nmem++] = p;
  return p;
}

int64_t act_gpu_launch(act_ctx_t *cx, const act_gpu_kernel_t *k, int64_t n, void *const *args, act_array_t *out,
                       const act_loc_t *loc) {
  if (n <= 0 || k->nargs > MAX_ARGS) return 0;
  act_gpu_dev_t *g = act__gpu_lock(cx, loc);
  if (g == NULL) return 0;
  CUfunction fn = act__gpu_function(cx, g, k->module, k->entry, loc);
  if (fn == NULL) {
    act__gpu_unlock();
    return 0;
  }
  const act_cuda_t *cu = g->cu;
  launch_t l = {.g = g};
  CUdeviceptr dptr[MAX_ARGS];
  int64_t lens[MAX_ARGS];
  void *params[2 + 2 * MAX_ARGS + 2];
  int np = 0;
  int64_t base = 0, count = 0;
  params[np++] = &base;
  params[np++] = &count;
  for (uint32_t i = 0; i < k->nargs; i++) {
    if (!k->args[i].array) {
      params[np++] = args[i];
      continue;
    }
    const act_array_t *a = *(act_array_t *const *)args[i];
    lens[i] = act_array_len(a);
    size_t bytes = (size_t)lens[i] * k->args[i].size;
    dptr[i] = alloc(cx, &l, bytes, k, loc);
    if (bytes) {
      CUresult r = cu->MemcpyHtoD(dptr[i], a->data, bytes);
      if (r != ACT_CU_SUCCESS) fail(cx, &l, r, "copying an array to the device", k, loc);
    }
    params[np++] = &dptr[i];
    params[np++] = &lens[i];
  }
  int64_t chunk = n < CHUNK ? n : CHUNK;
  CUdeviceptr dout = alloc(cx, &l, (size_t)chunk * k->ret_size, k, loc);
  CUdeviceptr dfault = alloc(cx, &l, sizeof(uint64_t), k, loc);
  params[np++] = &dout;
  params[np++] = &dfault;
  int64_t done = n;
  for (base = 0; base < n; base += chunk) {
    count = n - base < chunk ? n - base : chunk;
    uint64_t first = 0;
    CUresult r = cu->MemsetD8(dfault, 0xff, sizeof first);
    if (r == ACT_CU_SUCCESS)
      r = cu->LaunchKernel(fn, (unsigned)((count + BLOCK - 1) / BLOCK), 1, 1, BLOCK, 1, 1, 0, NULL, params, NULL);
    if (r != ACT_CU_SUCCESS) fail(cx, &l, r, "launch", k, loc);
    r = cu->CtxSynchronize();
    if (r != ACT_CU_SUCCESS) fail(cx, &l, r, "running", k, loc);
    r = cu->MemcpyDtoH(&first, dfault, sizeof first);
    int64_t upto = count;
    if (r == ACT_CU_SUCCESS && first != UINT64_MAX) upto = (int64_t)first - base;
    if (r == ACT_CU_SUCCESS && upto > 0)
      r = cu->MemcpyDtoH((char *)out->data + (size_t)base * k->ret_size, dout, (size_t)upto * k->ret_size);
    if (r != ACT_CU_SUCCESS) fail(cx, &l, r, "copying the results back", k, loc);
    if (first != UINT64_MAX) {
      done = (int64_t)first;
      break;
    }
  }
  release(&l);
  act__gpu_unlock();
  out->len = done;
  return done;
}
