/* emit_decls.c: the declarations of the module headers, one by one, under
 * the C names they define, so that a part of a split module can carry the
 * few declarations it uses instead of including its module's header.
 *
 * Why: the header of a large module declares every type, message, function
 * and actor of the module (the 100,000-line program's is 5 MB), and the C
 * compiler spent about as long reading it as compiling the part's own code,
 * once per part. A part that declares only what it uses also depends only
 * on that: its text is its whole cache key (driver/compile.c), so a change
 * elsewhere in the header no longer recompiles it.
 *
 * While a header is written, each declaration is marked with its base C
 * name (emit_names.c: a declaration's derived names are the base plus
 * `_<suffix>`: big_Add0 -> big_Add0_msg, big_Add0_new, big_Add0_type). A
 * part's needs are found by scanning its text for identifiers and looking
 * each up, with its `_...` tails cut one at a time, among the bases; what a
 * chosen declaration mentions is chosen too. Declarations come out in the
 * order the headers have them (dependencies first), which C accepts.
 * A false match (an identifier in a string that equals a base) only adds a
 * declaration the part does not need; it can never leave one out. */
#include <stdlib.h>
#include <string.h>

#include "common/vec.h"
#include "common/xalloc.h"
#include "emit/emit_int.h"

typedef VEC(int) ints_t;

typedef struct decl {
  char *base;       /* the C name it defines */
  size_t blen;      /* its length */
  char *text;       /* NULL for another name of declaration `same` */
  int same;
  int next;         /* the next declaration of the same base, or -1 */
  ints_t *deps;     /* the declarations its text names (decls_used), once
                       found; NULL until then */
} decl_t;

struct decls {
  VEC(decl_t) all;          /* in header order, modules in program order */
  int *slots;               /* open addressing: index into all, or -1 */
  size_t nslots;
  long last;                /* where the header's current declaration began */
  VEC(struct { long end; char *base; }) pending;
  int deps_n;               /* all.n when the deps were found */
  int *stamp;               /* per declaration: the last one whose deps
                               listed it, + 1 (no duplicates in a list) */
  /* The first parts of the bases (`big` of big_Add0_msg), by hash: a name
   * whose first part is none of them names no declaration, whatever its
   * tails, and most names of generated code (locals, the runtime's act_
   * API, C's own) are skipped with one test. */
  unsigned char first_parts[1 << 13];
};

/* FNV-1a, one byte at a time, so that scan can hash an identifier once and
 * have the hash of each of its `_` prefixes on the way. */
#define HASH0 2166136261u
static size_t hash_byte(size_t h, char c) { return (h ^ (unsigned char)c) * 16777619u; }

static size_t hash(const char *s, size_t n) {
  size_t h = HASH0;
  for (size_t i = 0; i < n; i++) h = hash_byte(h, s[i]);
  return h;
}

/* The slot of base (s, n), whose hash is h: the one that holds it, or the
 * empty one where it would go. */
static size_t slot_at(const decls_t *ds, const char *s, size_t n, size_t h) {
  size_t i = h & (ds->nslots - 1);
  while (ds->slots[i] >= 0) {
    const decl_t *d = &ds->all.v[ds->slots[i]];
    if (d->blen == n && memcmp(d->base, s, n) == 0) break;
    i = (i + 1) & (ds->nslots - 1);
  }
  return i;
}

static size_t slot_of(const decls_t *ds, const char *s, size_t n) { return slot_at(ds, s, n, hash(s, n)); }

/* The bit of first_parts for the hash of a first part. */
#define FIRST_BYTE(h) (((h) >> 3) & ((sizeof(((decls_t *)0)->first_parts)) - 1))
#define FIRST_BIT(h) (1u << ((h) & 7))

/* Length of the first part of name s (up to a `_` after its first byte). */
static size_t first_part(const char *s) {
  size_t n = 1;
  while (s[n] && s[n] != '_') n++;
  return s[0] ? n : 0;
}

static void grow_slots(decls_t *ds) {
  size_t n = ds->nslots ? ds->nslots * 2 : 1024;
  int *old = ds->slots;
  size_t oldn = ds->nslots;
  ds->slots = xmalloc(n * sizeof *ds->slots);
  ds->nslots = n;
  for (size_t i = 0; i < n; i++) ds->slots[i] = -1;
  for (size_t i = 0; i < oldn; i++)
    if (old[i] >= 0) {
      const char *b = ds->all.v[old[i]].base;
      ds->slots[slot_of(ds, b, strlen(b))] = old[i];
    }
  free(old);
}

decls_t *decls_new(void) {
  decls_t *ds = xcalloc(1, sizeof *ds);
  grow_slots(ds);
  return ds;
}

void decls_begin(decls_t *ds, FILE *h) {
  ds->last = ftell(h);
  ds->pending.n = 0;
}

void decls_mark(decls_t *ds, FILE *h, const char *base) {
  VEC_RESERVE(&ds->pending, ds->pending.n + 1);
  ds->pending.v[ds->pending.n].end = ftell(h);
  ds->pending.v[ds->pending.n].base = xstrdup(base);
  ds->pending.n++;
}

/* Add a declaration (text) or another name for declaration same (text
 * NULL); one equal to an earlier one of the same base (the type
 * definitions every header repeats) is dropped. */
static void add(decls_t *ds, char *base, char *text, int same) {
  if ((size_t)ds->all.n * 2 >= ds->nslots) grow_slots(ds);
  size_t i = slot_of(ds, base, strlen(base));
  int first = ds->slots[i];
  for (int k = first; k >= 0; k = ds->all.v[k].next)
    if (text && ds->all.v[k].text && strcmp(ds->all.v[k].text, text) == 0) {
      free(base);
      free(text);
      return;
    }
  size_t fh = hash(base, first_part(base));
  ds->first_parts[FIRST_BYTE(fh)] |= (unsigned char)FIRST_BIT(fh);
  /* chained from the first of its base, which keeps the slot */
  decl_t d = {base, strlen(base), text, text ? ds->all.n : same, -1, NULL};
  VEC_PUSH(&ds->all, d);
  if (first < 0) {
    ds->slots[i] = ds->all.n - 1;
    return;
  }
  int k = first;
  while (ds->all.v[k].next >= 0) k = ds->all.v[k].next;
  ds->all.v[k].next = ds->all.n - 1;
}

void decls_take(decls_t *ds, const char *text) {
  long from = ds->last;
  for (int i = 0; i < ds->pending.n; i++) {
    long end = ds->pending.v[i].end;
    add(ds, ds->pending.v[i].base, xstrndup(text + from, (size_t)(end - from)), 0);
    from = end;
  }
  ds->last = from;
  ds->pending.n = 0;
}

void decls_add(decls_t *ds, const char *base, const char *text, const char *same_as) {
  int same = -1;
  if (same_as) {
    size_t i = slot_of(ds, same_as, strlen(same_as));
    for (int k = ds->slots[i]; k >= 0; k = ds->all.v[k].next) same = ds->all.v[k].same;
  }
  if (same >= 0) add(ds, xstrdup(base), NULL, same);
  else add(ds, xstrdup(base), xstrdup(text), 0);
}

static int ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

/* Where scan puts what it finds: chosen and work (a part's text), or, once
 * per declaration, its list of deps. */
typedef struct sink {
  char *chosen;
  ints_t *work;
  ints_t *deps;
  int *stamp, tag;
} sink_t;

static void choose(char *chosen, ints_t *work, int d) {
  if (!chosen[d]) {
    chosen[d] = 1;
    VEC_PUSH(work, d);
  }
}

/* The declarations of base (s, n), hash h, to the sink. */
static void lookup(const decls_t *ds, const char *s, size_t n, size_t h, sink_t *to) {
  for (int k = ds->slots[slot_at(ds, s, n, h)]; k >= 0; k = ds->all.v[k].next) {
    int d = ds->all.v[k].same;
    if (to->deps == NULL) {
      choose(to->chosen, to->work, d);
    } else if (to->stamp[d] != to->tag) {
      to->stamp[d] = to->tag;
      VEC_PUSH(to->deps, d);
    }
  }
}

/* Choose every declaration an identifier of text names; newly chosen ones
 * go on the work list. */
static void scan(const decls_t *ds, const char *text, sink_t *to) {
  for (const char *p = text; *p;) {
    if (!ident_start(*p) || (p > text && ident_char(p[-1]))) {
      p++;
      continue;
    }
    /* the whole name, then without its last `_...`, and so on: the
     * hashes of those prefixes are taken while reading it */
    enum { MAXCUT = 16 };
    size_t cut_len[MAXCUT + 1], cut_hash[MAXCUT + 1];
    int ncut = 0, more = 0;   /* more: cuts past MAXCUT, hashed afresh */
    size_t h = HASH0;
    const char *q = p;
    for (; ident_char(*q); q++) {
      if (*q == '_' && q > p) {
        if (ncut < MAXCUT) {
          cut_len[ncut] = (size_t)(q - p);
          cut_hash[ncut++] = h;
        } else {
          more = 1;
        }
      }
      h = hash_byte(h, *q);
    }
    size_t fh = ncut ? cut_hash[0] : h; /* of the first part: to the first cut, or all */
    if (!(ds->first_parts[FIRST_BYTE(fh)] & FIRST_BIT(fh))) {
      p = q;
      continue;
    }
    if (more) { /* a name of many parts: every cut after the first MAXCUT */
      for (const char *u = q - 1; u > p + cut_len[MAXCUT - 1]; u--)
        if (*u == '_') lookup(ds, p, (size_t)(u - p), hash(p, (size_t)(u - p)), to);
    }
    cut_len[ncut] = (size_t)(q - p);
    cut_hash[ncut] = h;
    for (int c = ncut; c >= 0; c--) lookup(ds, p, cut_len[c], cut_hash[c], to);
    p = q;
  }
}

/* The declarations the text of declaration k names, found once: every
 * part that uses a declaration needs what it names, and scanning its text
 * again for each part was most of writing a large program's parts. Found
 * again when declarations were added since (a name may now match). */
static const ints_t *deps_of(decls_t *ds, int k) {
  if (ds->deps_n != ds->all.n) {
    for (int i = 0; i < ds->all.n; i++)
      if (ds->all.v[i].deps) {
        VEC_FREE(ds->all.v[i].deps);
        free(ds->all.v[i].deps);
        ds->all.v[i].deps = NULL;
      }
    free(ds->stamp);
    ds->stamp = xcalloc((size_t)ds->all.n + 1, sizeof *ds->stamp);
    ds->deps_n = ds->all.n;
  }
  decl_t *d = &ds->all.v[k];
  if (d->deps == NULL) {
    d->deps = xcalloc(1, sizeof *d->deps);
    sink_t to = {.deps = d->deps, .stamp = ds->stamp, .tag = k + 1};
    scan(ds, d->text, &to);
  }
  return d->deps;
}

char *decls_used(decls_t *ds, const char *text) {
  char *chosen = xcalloc((size_t)ds->all.n + 1, 1);
  ints_t work = {0};
  sink_t to = {.chosen = chosen, .work = &work};
  scan(ds, text, &to);
  while (work.n > 0) {
    const ints_t *deps = deps_of(ds, work.v[--work.n]);
    for (int i = 0; i < deps->n; i++) choose(chosen, &work, deps->v[i]);
  }
  strbuf_t b = {0};
  strbuf_puts(&b, "");
  for (int k = 0; k < ds->all.n; k++)
    if (chosen[k]) strbuf_puts(&b, ds->all.v[k].text);
  VEC_FREE(&work);
  free(chosen);
  return b.p;
}
