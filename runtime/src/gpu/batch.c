/* batch.c: gpu actors (LANGUAGE.md §11). The messages of one handler are
 * gathered into a batch, run when it holds `batch` messages or `within`
 * after its first message (a timer tick, ACT_MSG_GPU_FLUSH): on the GPU
 * one thread per message, then a reply to each; on the CPU path, the
 * handler's C function once per message.
 *
 * A batch holds copies of its messages (the originals go back to their
 * pool as for any handled message); a copy keeps the asker's future and is
 * what cx->msg points at while its reply is sent, so act_reply and the
 * fault path treat it as the message being handled.
 *
 * Faults keep the CPU path's meaning: every message is answered or faults
 * the actor once. A message whose thread faulted on the GPU stays at the
 * front of the batch, marked for the CPU path, where it faults with its
 * own reason and place; the actor restarts (its supervisor decides) and
 * act_gpu_started runs what the fault left in the batch. A device error
 * faults the actor without dropping any message: after the restart the
 * batch runs again, in a fresh context if the error was sticky.
 *
 * The actor's state values (parameters and fields, which no handler of a
 * gpu actor may change) are copied to the device at the first batch after
 * each start and stay there. Each batch's inputs, outputs and flags share
 * one device buffer, grown as needed and kept. */
#define GC_THREADS
#include <gc/gc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu/gpu_int.h"
#include "rt/rt.h"

enum { BLOCK = 256, ALIGN = 16 };

/* The device's verdict on one message (flags written by the entry). */
enum { RAN = 0, FAULTED = 1, NO_REPLY = 2 };

typedef struct queue {
  act_msg_t **q;           /* copies; q[head..n) are waiting */
  uint32_t head, n, cap;
  uint32_t ncpu;           /* the first ncpu waiting ones go to the CPU path */
  uint64_t seq;            /* a tick for an older batch is ignored */
  act_timer_t *timer;
} queue_t;

struct act_gpu_state {
  const act_gpu_actor_t *d;
  queue_t *qs;
  /* the state on the device: allocated in context generation dgen (0:
   * nothing there), current for this start when fresh */
  uint64_t dgen;
  int fresh;
  CUdeviceptr *dstate;
  int64_t *lens;
  /* the per-batch buffers */
  CUdeviceptr scratch;
  size_t scratch_size;
  uint64_t scratch_gen;
  unsigned char *host;
  size_t host_size;
};

typedef struct tick {
  act_msg_t h;
  uint32_t handler;
  uint64_t seq;
} tick_t;

static void tick_print(act_buf_t *b, const act_msg_t *m) {
  (void)m;
  act_buf_cstr(b, "<gpu batch flush>");
}

static const act_msg_type_t tick_type = {"<gpu batch flush>", ACT_MSG_GPU_FLUSH, sizeof(tick_t), tick_print, NULL, 0};

/* The collector found the state unreachable: its device memory goes back
 * at the next lock (never here: this thread may hold the lock). */
static void finalize(void *obj, void *unused) {
  (void)unused;
  act_gpu_state_t *st = obj;
  for (uint32_t i = 0; st->dstate && i < st->d->nstate; i++)
    if (st->dstate[i]) act__gpu_free_later(st->dstate[i], st->dgen);
  if (st->scratch) act__gpu_free_later(st->scratch, st->scratch_gen);
}

static act_gpu_state_t *state(act_gpu_state_t **stp, const act_gpu_actor_t *d) {
  if (*stp) return *stp;
  act_gpu_state_t *st = act_alloc(sizeof *st);
  st->d = d;
  st->qs = act_alloc(sizeof *st->qs * (d->nhandlers ? d->nhandlers : 1));
  GC_register_finalizer_no_order(st, finalize, NULL, NULL, NULL);
  *stp = st;
  return st;
}

static void arm(act_ctx_t *cx, act_actor_t *self, queue_t *q, uint32_t h, int64_t ns) {
  tick_t *t = (tick_t *)act_msg_new(cx, &tick_type);
  t->handler = h;
  t->seq = q->seq;
  q->timer = act_after(cx, ns, self, &t->h);
}

/* The handler's C function on the next n waiting messages, each popped
 * before it runs: a fault unwinds from here, leaving the rest queued. */
static void run_cpu(act_ctx_t *cx, act_actor_t *self, act_gpu_state_t *st, uint32_t h, uint32_t n) {
  queue_t *q = &st->qs[h];
  for (uint32_t i = 0; i < n && q->head < q->n; i++) {
    act_msg_t *m = q->q[q->head];
    q->q[q->head++] = NULL;
    if (q->ncpu) q->ncpu--;
    cx->msg = m;
    st->d->handlers[h].cpu(cx, self, m);
  }
  if (q->head == q->n) q->head = q->n = 0;
}

static size_t up(size_t n) { return (n + ALIGN - 1) / ALIGN * ALIGN; }

/* The actor's state values on the device, once per start and context. */
static void upload_state(act_ctx_t *cx, act_gpu_dev_t *g, act_actor_t *self, act_gpu_state_t *st,
                         const act_gpu_kernel_t *k) {
  const act_gpu_actor_t *d = st->d;
  if (st->dgen == g->generation && st->fresh) return;
  if (st->dstate == NULL) {
    st->dstate = act_alloc_atomic(sizeof *st->dstate * (d->nstate ? d->nstate : 1));
    st->lens = act_alloc_atomic(sizeof *st->lens * (d->nstate ? d->nstate : 1));
  } else if (st->dgen == g->generation) {   /* an earlier start's copies */
    for (uint32_t i = 0; i < d->nstate; i++)
      if (st->dstate[i]) g->cu->MemFree(st->dstate[i]);
  }
  st->dgen = 0;
  for (uint32_t i = 0; i < d->nstate; i++) {
    st->dstate[i] = 0;
    if (!k->args[i].array) continue;
    const act_array_t *a = *(act_array_t **)((char *)self + d->state_offsets[i]);
    st->lens[i] = act_array_len(a);
    size_t bytes = (size_t)st->lens[i] * k->args[i].size;
    CUresult r = g->cu->MemAlloc(&st->dstate[i], bytes ? bytes : 1);
    if (r == ACT_CU_SUCCESS && bytes) r = g->cu->MemcpyHtoD(st->dstate[i], a->data, bytes);
    if (r != ACT_CU_SUCCESS) {
      for (uint32_t j = 0; j <= i; j++) {
        if (st->dstate[j] && !act__cu_sticky(r)) g->cu->MemFree(st->dstate[j]);
        st->dstate[j] = 0;
      }
      act__gpu_fail(cx, g, r, "copying a gpu actor's parameters to the device", cx->where);
    }
  }
  st->dgen = g->generation;
  st->fresh = 1;
}

/* Where each part of a batch goes in the scratch buffer. */
typedef struct layout {
  size_t field[64][3];     /* scalar: column; array: data, offsets, lengths */
  size_t out, flags, in_size, total;
} layout_t;

static int plan(act_gpu_state_t *st, const act_gpu_handler_t *hd, act_msg_t **ms, uint32_t n, layout_t *lo) {
  const act_gpu_kernel_t *k = hd->kernel;
  size_t at = 0;
  if (hd->nfields > 64) return 0;
  for (uint32_t f = 0; f < hd->nfields; f++) {
    const act_gpu_arg_t *a = &k->args[st->d->nstate + f];
    if (!a->array) {
      lo->field[f][0] = at;
      at += up((size_t)n * a->size);
      continue;
    }
    size_t bytes = 0;
    for (uint32_t j = 0; j < n; j++)
      bytes += (size_t)act_array_len(*(act_array_t **)((char *)ms[j] + hd->field_offsets[f])) * a->size;
    lo->field[f][0] = at;
    at += up(bytes);
    lo->field[f][1] = at;
    at += up((size_t)n * 8);
    lo->field[f][2] = at;
    at += up((size_t)n * 8);
  }
  lo->in_size = at;
  lo->out = at;
  at += up((size_t)n * k->ret_size);
  lo->flags = at;
  at += up((size_t)n * sizeof(int32_t));
  lo->total = at;
  return 1;
}

/* The inputs of n messages, packed as the entry reads them. */
static void pack(act_gpu_state_t *st, const act_gpu_handler_t *hd, act_msg_t **ms, uint32_t n, const layout_t *lo) {
  const act_gpu_kernel_t *k = hd->kernel;
  for (uint32_t f = 0; f < hd->nfields; f++) {
    const act_gpu_arg_t *a = &k->args[st->d->nstate + f];
    if (!a->array) {
      for (uint32_t j = 0; j < n; j++)
        memcpy(st->host + lo->field[f][0] + (size_t)j * a->size, (char *)ms[j] + hd->field_offsets[f], a->size);
      continue;
    }
    int64_t off = 0;
    for (uint32_t j = 0; j < n; j++) {
      const act_array_t *arr = *(act_array_t **)((char *)ms[j] + hd->field_offsets[f]);
      int64_t len = act_array_len(arr);
      if (len) memcpy(st->host + lo->field[f][0] + (size_t)off * a->size, arr->data, (size_t)len * a->size);
      memcpy(st->host + lo->field[f][1] + (size_t)j * 8, &off, 8);
      memcpy(st->host + lo->field[f][2] + (size_t)j * 8, &len, 8);
      off += len;
    }
  }
}

/* Runs the next n waiting messages on the GPU and answers them; 0 when
 * the GPU path is not in use (nothing was taken). */
static int run_gpu(act_ctx_t *cx, act_actor_t *self, act_gpu_state_t *st, uint32_t h, uint32_t n) {
  const act_gpu_handler_t *hd = &st->d->handlers[h];
  const act_gpu_kernel_t *k = hd->kernel;
  queue_t *q = &st->qs[h];
  act_msg_t **ms = q->q + q->head;
  layout_t lo;
  if (!plan(st, hd, ms, n, &lo)) return 0;
  act_gpu_dev_t *g = act__gpu_lock(cx, cx->where);
  if (g == NULL) return 0;
  CUfunction fn = act__gpu_function(cx, g, k->module, k->entry, cx->where);
  if (fn == NULL) {
    act__gpu_unlock();
    return 0;
  }
  upload_state(cx, g, self, st, k);
  const act_cuda_t *cu = g->cu;
  CUresult r = ACT_CU_SUCCESS;
  if (st->scratch_size < lo.total || st->scratch_gen != g->generation) {
    if (st->scratch && st->scratch_gen == g->generation) cu->MemFree(st->scratch);
    st->scratch = 0;
    st->scratch_size = 0;
    size_t want = lo.total * 2;
    r = cu->MemAlloc(&st->scratch, want);
    if (r != ACT_CU_SUCCESS) act__gpu_fail(cx, g, r, "allocating a batch on the device", cx->where);
    st->scratch_size = want;
    st->scratch_gen = g->generation;
  }
  if (st->host_size < lo.total) {
    st->host = act_alloc_atomic(lo.total * 2);
    st->host_size = lo.total * 2;
  }
  pack(st, hd, ms, n, &lo);
  /* the parameters of the entry: count, state, fields, out, flags */
  const act_gpu_actor_t *d = st->d;
  void *params[4 + 2 * 64 + 3 * 64];
  CUdeviceptr ptrs[3 * 64 + 2];
  int np = 0, nptr = 0;
  int64_t count = n;
  params[np++] = &count;
  if (d->nstate > 64) {
    act__gpu_unlock();
    return 0;
  }
  for (uint32_t i = 0; i < d->nstate; i++) {
    if (!k->args[i].array) {
      params[np++] = (char *)self + d->state_offsets[i];
    } else {
      params[np++] = &st->dstate[i];
      params[np++] = &st->lens[i];
    }
  }
  for (uint32_t f = 0; f < hd->nfields; f++) {
    int parts = k->args[d->nstate + f].array ? 3 : 1;
    for (int p = 0; p < parts; p++) {
      ptrs[nptr] = st->scratch + lo.field[f][p];
      params[np++] = &ptrs[nptr++];
    }
  }
  ptrs[nptr] = st->scratch + lo.out;
  params[np++] = &ptrs[nptr++];
  ptrs[nptr] = st->scratch + lo.flags;
  params[np++] = &ptrs[nptr++];
  if (lo.in_size) r = cu->MemcpyHtoD(st->scratch, st->host, lo.in_size);
  if (r != ACT_CU_SUCCESS) act__gpu_fail(cx, g, r, "copying a batch to the device", cx->where);
  r = cu->LaunchKernel(fn, (n + BLOCK - 1) / BLOCK, 1, 1, BLOCK, 1, 1, 0, NULL, params, NULL);
  if (r != ACT_CU_SUCCESS) act__gpu_fail(cx, g, r, "launching a batch", cx->where);
  r = cu->CtxSynchronize();
  if (r != ACT_CU_SUCCESS) act__gpu_fail(cx, g, r, "running a batch", cx->where);
  r = cu->MemcpyDtoH(st->host + lo.out, st->scratch + lo.out, lo.total - lo.out);
  if (r != ACT_CU_SUCCESS) act__gpu_fail(cx, g, r, "copying a batch's replies back", cx->where);
  act__gpu_unlock();

  /* The faulted ones stay waiting, in their order, marked for the CPU
   * path; the others are answered. */
  const unsigned char *out = st->host + lo.out;
  const int32_t *flags = (const int32_t *)(st->host + lo.flags);
  act_msg_t **batch = act_alloc(sizeof *batch * n);
  memcpy(batch, ms, sizeof *batch * n);
  uint32_t nf = 0;
  for (uint32_t j = 0; j < n; j++)
    if (flags[j] == FAULTED) nf++;
  q->head += n - nf;
  for (uint32_t j = 0, w = q->head; j < n; j++)
    if (flags[j] == FAULTED) q->q[w++] = batch[j];
  q->ncpu = nf;
  if (q->head == q->n) q->head = q->n = 0;
  for (uint32_t j = 0; j < n; j++) {
    if (flags[j] != RAN) continue;   /* NO_REPLY: the handler ended without `return` */
    act_msg_t *r = act_msg_new(cx, hd->reply_type);
    memcpy((char *)r + hd->reply_offset, out + (size_t)j * k->ret_size, k->ret_size);
    cx->msg = batch[j];
    act_reply(cx, r);
  }
  cx->msg = NULL;
  return 1;
}

/* The waiting messages of handler h: the CPU path's first, then batches
 * for the GPU (or the CPU path when the GPU is not in use). */
static void flush(act_ctx_t *cx, act_actor_t *self, act_gpu_state_t *st, uint32_t h) {
  queue_t *q = &st->qs[h];
  q->seq++;
  if (q->timer) {
    act_cancel(cx, q->timer);
    q->timer = NULL;
  }
  act_msg_t *saved = cx->msg;
  /* A device error while the batch runs faults the actor without failing
   * any ask: every message is still queued and runs after the restart. */
  cx->msg = NULL;
  run_cpu(cx, self, st, h, q->ncpu);
  while (q->n > q->head) {
    uint32_t n = q->n - q->head;
    if (n > st->d->batch) n = st->d->batch;
    if (!run_gpu(cx, self, st, h, n)) run_cpu(cx, self, st, h, n);
    else if (q->ncpu) run_cpu(cx, self, st, h, q->ncpu);
  }
  cx->msg = saved;
}

act_status_t act_gpu_enqueue(act_ctx_t *cx, act_actor_t *self, act_gpu_state_t **stp, const act_gpu_actor_t *d,
                             uint32_t h, act_msg_t *m) {
  act_gpu_state_t *st = state(stp, d);
  queue_t *q = &st->qs[h];
  if (q->n == q->cap) {
    uint32_t cap = q->cap ? q->cap * 2 : (d->batch < 1024 ? d->batch : 1024);
    if (cap < 4) cap = 4;
    act_msg_t **nq = act_alloc(sizeof *nq * cap);
    if (q->n > q->head) memcpy(nq, q->q + q->head, sizeof *nq * (q->n - q->head));
    q->n -= q->head;
    q->head = 0;
    q->q = nq;
    q->cap = cap;
  }
  act_msg_t *c = act_alloc(m->type->size);
  memcpy(c, m, m->type->size);
  c->next = NULL;
  c->flags &= ~(uint32_t)MF_POOLED;   /* a copy is never returned to a pool */
  q->q[q->n++] = c;
  if (q->n - q->head - q->ncpu >= d->batch) flush(cx, self, st, h);
  else if (q->timer == NULL) arm(cx, self, q, h, d->within_ns);
  return ACT_DONE;
}

act_status_t act_gpu_flush(act_ctx_t *cx, act_actor_t *self, act_gpu_state_t **stp, const act_gpu_actor_t *d,
                           act_msg_t *m) {
  tick_t *t = (tick_t *)m;
  act_gpu_state_t *st = *stp;
  if (st == NULL || t->handler >= d->nhandlers || t->seq != st->qs[t->handler].seq) return ACT_DONE;
  st->qs[t->handler].timer = NULL;
  flush(cx, self, st, t->handler);
  return ACT_DONE;
}

void act_gpu_started(act_ctx_t *cx, act_actor_t *self, act_gpu_state_t **stp, const act_gpu_actor_t *d) {
  act_gpu_state_t *st = *stp;
  if (st == NULL) return;
  st->fresh = 0;   /* the fields may differ now: copy them again */
  for (uint32_t h = 0; h < d->nhandlers; h++) {
    queue_t *q = &st->qs[h];
    if (q->n > q->head) {
      q->seq++;
      arm(cx, self, q, h, 0);
    }
  }
}
