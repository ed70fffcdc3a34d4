/* cache.c: content hashing and the place of the object cache (cache.h). */
#define _GNU_SOURCE
#include "driver/cache.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Two 64-bit lanes, each a multiply-xorshift over 8-byte words with its
 * own constants; the length goes in at the end, so "ab"+"c" and "a"+"bc"
 * fed as separate calls still differ only through cache_hash_str. */
static uint64_t mix(uint64_t h, uint64_t w, uint64_t k) {
  h ^= w * k;
  h = (h << 29) | (h >> 35);
  return h * 0x9E3779B97F4A7C15u + k;
}

void cache_hash_init(cache_hash_t *h) {
  h->a = 0x243F6A8885A308D3u;
  h->b = 0x13198A2E03707344u;
}

void cache_hash_bytes(cache_hash_t *h, const void *p, size_t n) {
  const unsigned char *s = p;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    h->a = mix(h->a, w, 0xC2B2AE3D27D4EB4Fu);
    h->b = mix(h->b, w, 0x165667B19E3779F9u);
  }
  uint64_t tail = 0;
  memcpy(&tail, s + i, n - i);
  tail ^= (uint64_t)(n - i) << 56;
  h->a = mix(h->a, tail, 0xC2B2AE3D27D4EB4Fu);
  h->b = mix(h->b, tail, 0x165667B19E3779F9u);
}

void cache_hash_str(cache_hash_t *h, const char *s) {
  size_t n = s ? strlen(s) : 0;
  cache_hash_bytes(h, &n, sizeof n);
  cache_hash_bytes(h, s ? s : "", n);
}

bool cache_hash_file(cache_hash_t *h, const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return false;
  char buf[1 << 16];
  size_t n, total = 0;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    cache_hash_bytes(h, buf, n);
    total += n;
  }
  bool ok = !ferror(f);
  fclose(f);
  cache_hash_bytes(h, &total, sizeof total);
  return ok;
}

/* The paths hashed so far by one cache_hash_unit. */
typedef struct seen {
  char **v;
  size_t n, cap;
} seen_t;

static bool seen_add(seen_t *s, const char *path) {
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->v[i], path) == 0) return false;
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 16;
    s->v = realloc(s->v, s->cap * sizeof *s->v);
  }
  s->v[s->n++] = strdup(path);
  return true;
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  char *text = NULL;
  size_t cap = 0, n = 0, got;
  do {
    if (n + 65536 + 1 > cap) {
      cap = cap ? cap * 2 : 65536 * 2;
      text = realloc(text, cap);
    }
    got = fread(text + n, 1, 65536, f);
    n += got;
  } while (got > 0);
  bool ok = !ferror(f);
  fclose(f);
  if (!ok) {
    free(text);
    return NULL;
  }
  text[n] = '\0';
  *len = n;
  return text;
}

static bool hash_unit(cache_hash_t *h, const char *path, seen_t *seen, int depth) {
  size_t n;
  char *text = read_all(path, &n);
  if (text == NULL) return false;
  cache_hash_bytes(h, text, n);
  cache_hash_bytes(h, &n, sizeof n);
  const char *slash = strrchr(path, '/');
  int dirlen = slash ? (int)(slash - path) : 1;
  const char *dir = slash ? path : ".";
  for (char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
    if (strncmp(p, "#include \"", 10) != 0) continue;
    char *name = p + 10, *end = strchr(name, '"');
    char *nl = strchr(name, '\n');
    if (end == NULL || (nl && end > nl) || depth > 64) continue;
    char *inc = NULL;
    int r = name[0] == '/' ? asprintf(&inc, "%.*s", (int)(end - name), name)
                           : asprintf(&inc, "%.*s/%.*s", dirlen, dir, (int)(end - name), name);
    struct stat st;
    if (r >= 0 && stat(inc, &st) == 0 && S_ISREG(st.st_mode) && seen_add(seen, inc)) {
      cache_hash_bytes(h, name, (size_t)(end - name));
      hash_unit(h, inc, seen, depth + 1);
    }
    free(inc);
  }
  free(text);
  return true;
}

bool cache_hash_unit(cache_hash_t *h, const char *path) {
  seen_t seen = {0};
  seen_add(&seen, path);
  bool ok = hash_unit(h, path, &seen, 0);
  for (size_t i = 0; i < seen.n; i++) free(seen.v[i]);
  free(seen.v);
  return ok;
}

static int by_name(const void *x, const void *y) {
  return strcmp(*(char *const *)x, *(char *const *)y);
}

void cache_hash_dir(cache_hash_t *h, const char *dir, const char *suffix) {
  DIR *d = opendir(dir);
  if (d == NULL) return;
  char **names = NULL;
  size_t n = 0, cap = 0, sl = strlen(suffix);
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    size_t l = strlen(de->d_name);
    if (l < sl || strcmp(de->d_name + l - sl, suffix) != 0) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      names = realloc(names, cap * sizeof *names);
    }
    names[n++] = strdup(de->d_name);
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, by_name);
  for (size_t i = 0; i < n; i++) {
    char *path;
    if (asprintf(&path, "%s/%s", dir, names[i]) >= 0) {
      struct stat st;
      if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        cache_hash_str(h, names[i]);
        cache_hash_file(h, path);
      }
      free(path);
    }
    free(names[i]);
  }
  free(names);
}

void cache_hash_hex(const cache_hash_t *h, char out[33]) {
  snprintf(out, 33, "%016llx%016llx", (unsigned long long)h->a, (unsigned long long)h->b);
}

static bool make_dirs(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    bool ok = mkdir(path, 0777) == 0 || errno == EEXIST;
    *p = '/';
    if (!ok) return false;
  }
  return mkdir(path, 0777) == 0 || errno == EEXIST;
}

char *cache_dir(void) {
  const char *off = getenv("ACT_CACHE");
  if (off && strcmp(off, "0") == 0) return NULL;
  const char *env = getenv("ACT_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  char *dir = NULL;
  int r = -1;
  if (env && *env) r = asprintf(&dir, "%s", env);
  else if (xdg && *xdg == '/') r = asprintf(&dir, "%s/act", xdg);
  else if (home && *home) r = asprintf(&dir, "%s/.cache/act", home);
  if (r < 0) return NULL;
  if (!make_dirs(dir)) {
    free(dir);
    return NULL;
  }
  return dir;
}
