/* act/gpu.h: what actorc generates for kernels and gpu actors (LANGUAGE.md
 * §11, docs/gpu.md), on top of act.h.
 *
 * Every kernel and gpu-actor handler is emitted twice: as C (the CPU path,
 * always linked) and as CUDA C kept as a string in the program. The CUDA
 * libraries (NVRTC, the driver API) are opened with dlopen the first time
 * a GPU path is wanted, so a program built anywhere runs anywhere: without
 * them (or with --act-gpu off) everything runs on the CPU path, with the
 * same results.
 */
#ifndef ACT_GPU_H
#define ACT_GPU_H

#include "act/act.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One module's CUDA C source: its kernels (with every kernel they may
 * call) and its gpu actors' handlers. A generated constructor registers it
 * before main; `loaded` and `next` are the runtime's. */
typedef struct act_gpu_module {
  const char *name;                 /* the module's C name */
  const char *source;               /* CUDA C, NUL-terminated */
  struct act_gpu_module *next;
  void *loaded;
} act_gpu_module_t;
void act_gpu_register(act_gpu_module_t *m);

/* A value that goes to the device: a scalar of `size` bytes, or an array
 * (act_array_t *) of elements of `size` bytes. */
typedef struct act_gpu_arg {
  uint32_t size;
  uint8_t array;
} act_gpu_arg_t;

/* A __global__ function of a module. */
typedef struct act_gpu_kernel {
  act_gpu_module_t *module;
  const char *entry;                /* its extern "C" name */
  const char *name;                 /* the Act name, for fault reasons */
  uint32_t nargs;
  const act_gpu_arg_t *args;
  uint32_t ret_size;
} act_gpu_kernel_t;

/* k[n](args) (a kernel's entry takes base, count, args, out, fault).
 * args[i] points at argument i (after the index). `out` was made with
 * room for n elements. Runs indices from 0 on the GPU while the GPU path
 * is on, fills out->data and sets out->len, and returns the first index
 * the caller must still compute on the CPU path: n when the GPU did all,
 * 0 when the CPU path is in use, or the first index that faulted on the
 * GPU, where the CPU path then faults with its own reason and place. A
 * device error (launch failure, out of device memory) faults the caller. */
int64_t act_gpu_launch(act_ctx_t *cx, const act_gpu_kernel_t *k, int64_t n, void *const *args,
                       act_array_t *out, const act_loc_t *loc);

/* ---- gpu actors --------------------------------------------------------
 * One handler: its batch entry takes count, the actor's state values (as
 * kernel args), then the message fields (a scalar field as a column of
 * values; an array field as data, offsets and lengths), out and flags.
 * kernel->args lists the state, then the fields. */
typedef struct act_gpu_handler {
  const act_gpu_kernel_t *kernel;
  uint32_t nfields;
  const uint32_t *field_offsets;    /* in the message struct */
  const act_msg_type_t *reply_type;
  uint32_t reply_offset;            /* of `value` in the reply struct */
  /* The handler as C: runs one message on the CPU path (it replies). */
  act_status_t (*cpu)(act_ctx_t *cx, act_actor_t *self, act_msg_t *m);
} act_gpu_handler_t;

typedef struct act_gpu_actor {
  const char *name;
  uint32_t batch;                   /* `batch N`, default 256 */
  int64_t within_ns;                /* `within D`, default 1ms */
  uint32_t nstate;
  const uint32_t *state_offsets;    /* in the actor struct */
  uint32_t nhandlers;
  const act_gpu_handler_t *handlers;
} act_gpu_actor_t;

/* The runtime's per-actor part; the generated state struct holds a
 * pointer to it (NULL until the first message). */
typedef struct act_gpu_state act_gpu_state_t;

/* The id of the runtime's flush tick (below ACT_MSG_FIRST_USER). */
enum { ACT_MSG_GPU_FLUSH = 2 };

/* A message for handler h: queued in the batch (which runs when it holds
 * `batch` messages or `within` after its first). */
act_status_t act_gpu_enqueue(act_ctx_t *cx, act_actor_t *self, act_gpu_state_t **st,
                             const act_gpu_actor_t *d, uint32_t h, act_msg_t *m);
/* The flush tick (m->type->id == ACT_MSG_GPU_FLUSH). */
act_status_t act_gpu_flush(act_ctx_t *cx, act_actor_t *self, act_gpu_state_t **st,
                           const act_gpu_actor_t *d, act_msg_t *m);
/* At start and restart, after the fields: the state goes to the device
 * again, and messages a fault left in the batch are run. */
void act_gpu_started(act_ctx_t *cx, act_actor_t *self, act_gpu_state_t **st, const act_gpu_actor_t *d);

#ifdef __cplusplus
}
#endif
#endif
