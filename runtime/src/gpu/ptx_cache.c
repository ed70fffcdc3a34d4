/* ptx_cache.c: CUDA C to PTX with NVRTC, and the disk cache that makes a
 * second start compile nothing.
 *
 * An entry is named by what decides its text: the SHA-256 of the source,
 * the target architecture and NVRTC's version
 * (<dir>/<sha256>-compute_90-nvrtc13.0.ptx). Its first line is
 * "act-ptx 1 <sha256 of the rest>", checked on every read: an entry that
 * was cut short, damaged or edited is compiled again and replaced, never
 * loaded. Entries are written to a temporary file and renamed into place,
 * so concurrent programs see a whole entry or none.
 *
 * The directory: $ACT_GPU_CACHE, else $XDG_CACHE_HOME/act/gpu, else
 * $HOME/.cache/act/gpu, else /tmp/act-gpu-<uid>. A cache that cannot be
 * written only costs the compile. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpu/gpu_int.h"
#include "rt/rt.h"

static void sha256_hex(const void *p, size_t n, char out[65]) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
  for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* mkdir -p; 0 on success. */
static int make_dirs(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    int r = mkdir(path, 0700);
    *p = '/';
    if (r != 0 && errno != EEXIST) return -1;
  }
  return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

static int cache_dir(char *out, size_t len) {
  const char *d = getenv("ACT_GPU_CACHE"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
  if (d && *d) snprintf(out, len, "%s", d);
  else if (x && *x) snprintf(out, len, "%s/act/gpu", x);
  else if (h && *h) snprintf(out, len, "%s/.cache/act/gpu", h);
  else snprintf(out, len, "/tmp/act-gpu-%u", (unsigned)getuid());
  return make_dirs(out);
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *b = malloc(cap + 1);
  for (size_t got; b && (got = fread(b + n, 1, cap - n, f)) > 0;) {
    n += got;
    if (n == cap) {
      char *nb = realloc(b, 2 * cap + 1);
      if (nb == NULL) { free(b); b = NULL; break; }
      b = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (b) b[n] = 0;
  *len = n;
  return b;
}

#define MAGIC "act-ptx 1 "

/* The PTX of an intact entry (malloc'd), or NULL: absent (*damaged 0) or
 * not intact (*damaged 1). */
static char *entry_read(const char *path, int *damaged) {
  size_t n;
  char *b = read_file(path, &n);
  *damaged = 0;
  if (b == NULL) return NULL;
  size_t head = strlen(MAGIC) + 64 + 1;
  char want[65];
  if (n > head && memcmp(b, MAGIC, strlen(MAGIC)) == 0 && b[head - 1] == '\n') {
    sha256_hex(b + head, n - head, want);
    if (memcmp(b + strlen(MAGIC), want, 64) == 0 && strlen(b + head) == n - head) {
      memmove(b, b + head, n - head + 1);
      return b;
    }
  }
  free(b);
  *damaged = 1;
  return NULL;
}

static void entry_write(const char *path, const char *ptx) {
  char tmp[4200], sum[65];
  snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
  FILE *f = fopen(tmp, "wb");
  if (f == NULL) return;
  sha256_hex(ptx, strlen(ptx), sum);
  int ok = fprintf(f, "%s%s\n%s", MAGIC, sum, ptx) > 0;
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) unlink(tmp);
}

/* NVRTC: the module's source to PTX for compute_<arch>. --fmad=false
 * keeps a * b + c two roundings, as the CPU path compiled with
 * -ffp-contract=off does (LANGUAGE.md §11); sqrt and division are IEEE by
 * NVRTC's default (--prec-sqrt=true, --prec-div=true). */
static char *compile(const act_nvrtc_t *nv, const char *source, int arch, char *err, size_t errlen) {
  nvrtcProgram prog;
  if (nv->CreateProgram(&prog, source, "act_gpu.cu", 0, NULL, NULL) != 0) {
    snprintf(err, errlen, "nvrtcCreateProgram failed");
    return NULL;
  }
  char archopt[64];
  snprintf(archopt, sizeof archopt, "--gpu-architecture=compute_%d", arch);
  const char *opts[] = {archopt, "--fmad=false", "--prec-div=true", "--prec-sqrt=true"};
  int rc = nv->CompileProgram(prog, 4, opts);
  char *ptx = NULL;
  if (rc != 0) {
    size_t n = 0;
    nv->GetProgramLogSize(prog, &n);
    char *log = malloc(n + 1);
    if (log && nv->GetProgramLog(prog, log) == 0) {
      log[n] = 0;
      /* the first error line (with its place) is what a reader needs */
      char *line = strstr(log, "error");
      while (line && line > log && line[-1] != '\n') line--;
      snprintf(err, errlen, "NVRTC could not compile the CUDA C: %.200s", line ? line : log);
      char *nl = strchr(err, '\n');
      if (nl) *nl = 0;
    } else {
      snprintf(err, errlen, "NVRTC could not compile the CUDA C (error %d)", rc);
    }
    free(log);
  } else {
    size_t n = 0;
    nv->GetPTXSize(prog, &n);
    ptx = malloc(n + 1);
    if (ptx && nv->GetPTX(prog, ptx) == 0) ptx[n] = 0;
    else { free(ptx); ptx = NULL; snprintf(err, errlen, "nvrtcGetPTX failed"); }
  }
  nv->DestroyProgram(&prog);
  return ptx;
}

char *act__ptx_get(const char *source, int arch, const char **how, char *err, size_t errlen) {
  const act_nvrtc_t *nv;
  if (act__nvrtc_open(&nv, err, errlen) != 0) return NULL;
  char dir[4000], path[4096], sum[65];
  sha256_hex(source, strlen(source), sum);
  int have_dir = cache_dir(dir, sizeof dir) == 0;
  snprintf(path, sizeof path, "%s/%s-compute_%d-nvrtc%d.%d.ptx", dir, sum, arch, nv->major, nv->minor);
  int damaged = 0;
  if (have_dir) {
    char *ptx = entry_read(path, &damaged);
    if (ptx) {
      *how = "cached";
      return ptx;
    }
    if (damaged) act__logf("act: gpu: cache entry %s is damaged; compiling again\n", path);
  }
  char *ptx = compile(nv, source, arch, err, errlen);
  if (ptx == NULL) return NULL;
  if (have_dir) entry_write(path, ptx);
  *how = damaged ? "compiled (damaged cache entry)" : "compiled";
  return ptx;
}
