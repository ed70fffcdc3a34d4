/* cache.h: the object cache of `actorc build` (docs/actorc.md, "Build
 * cache").
 *
 * A translation unit's object is stored under a key that hashes everything
 * that can change it: the unit's text, the headers it includes with
 * `#include "..."` (generated or named by `extern "C"`), the runtime's headers, the C compiler's identity (its --version
 * text) and the full compile command. A unit whose key is present is not
 * compiled again. The cache lives in $ACT_CACHE_DIR, else
 * $XDG_CACHE_HOME/act, else $HOME/.cache/act; ACT_CACHE=0 turns it off.
 * Deleting the directory clears it; entries are written whole (a temporary
 * file renamed into place), so concurrent builds may share it.
 */
#ifndef ACT_CACHE_H
#define ACT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A 128-bit digest, built by feeding bytes in. Not cryptographic: it keys
 * a local cache, where an accidental collision (odds near 2^-64 between
 * two units) is what matters. */
typedef struct cache_hash {
  uint64_t a, b;
} cache_hash_t;

void cache_hash_init(cache_hash_t *h);
void cache_hash_bytes(cache_hash_t *h, const void *p, size_t n);
void cache_hash_str(cache_hash_t *h, const char *s);   /* with its length */
/* The contents of the file at path; false when it cannot be read. */
bool cache_hash_file(cache_hash_t *h, const char *path);
/* The file at path and, once each and recursively, the files it names
 * in `#include "name"` lines that exist where the C compiler looks first
 * (name itself when absolute, else beside the including file): names and
 * contents. False when path cannot be read. */
bool cache_hash_unit(cache_hash_t *h, const char *path);
/* Every regular file directly in dir whose name ends in suffix, in name
 * order, name and contents. */
void cache_hash_dir(cache_hash_t *h, const char *dir, const char *suffix);
/* 32 hex digits */
void cache_hash_hex(const cache_hash_t *h, char out[33]);

/* The cache directory (created), or NULL when caching is off or the
 * directory cannot be made. The result is malloc'd. */
char *cache_dir(void);

#endif
