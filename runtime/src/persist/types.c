/* types.c: the journal's table of types beside the program's schema, the
 * program check and the record checksum — what every backend does the same
 * way at open and on every read (act/persist.h, "Types"; PERSIST.md,
 * "The program"). A backend reads its stored rows into an act__jtypes_t
 * (act__jtypes_add), lets act__jtypes_merge compare the program's types
 * with them, stores the new ones and numbers them, then act__jtypes_index
 * makes the by-id lookup that replays use. */
#include "persist_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *act__jkind_word(int kind) {
  return kind == ACT_JOURNAL_STATE ? "the state of" : "event";
}

uint32_t act__jrec_crc(const void *data, size_t len, int64_t seq, int64_t prev,
                       const char *pid, size_t pid_len, uint64_t tag) {
  unsigned char b[24];
  uint64_t u[3] = {(uint64_t)seq, (uint64_t)prev, tag};
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < 8; i++) b[8 * k + i] = (unsigned char)(u[k] >> (8 * i));
  uint32_t c = act_journal_crc32c(0, data, len);
  c = act_journal_crc32c(c, b, sizeof b);
  return act_journal_crc32c(c, pid, pid_len);
}

static uint64_t name_hash(int kind, const char *name) {
  uint64_t h = act_journal_fingerprint(name, strlen(name));
  return h ^ (uint64_t)kind * 0x9E3779B97F4A7C15ull;
}

static int oom(const char *path, act_journal_err_t *err) {
  return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: out of memory", path);
}

int act__jtypes_add(act__jtypes_t *t, int64_t id, int kind, const char *name, uint64_t fp,
                    const char *path, act_journal_err_t *err) {
  if (id < 1 || id > 10000000 || (kind != ACT_JOURNAL_EVENT && kind != ACT_JOURNAL_STATE))
    return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                     "journal %s is damaged: its table of types has a bad row", path);
  if (t->n == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 16;
    act__jtype_t *nv = realloc(t->v, cap * sizeof *nv);
    if (!nv) return oom(path, err);
    t->v = nv;
    t->cap = cap;
  }
  act__jtype_t *x = &t->v[t->n];
  *x = (act__jtype_t){id, kind, strdup(name ? name : ""), fp, false};
  if (!x->name) return oom(path, err);
  t->n++;
  t->njournal = t->n;
  return ACT_JOURNAL_OK;
}

act__jtype_t *act__jtypes_find(const act__jtypes_t *t, int kind, const char *name) {
  if (!name || !t->name_cap) return NULL;
  size_t m = t->name_cap - 1, i = name_hash(kind, name) & m;
  for (act__jtype_t *x; (x = t->by_name[i]); i = (i + 1) & m)
    if (x->kind == kind && (x->name == name || strcmp(x->name, name) == 0)) return x;
  return NULL;
}

static void name_index(act__jtypes_t *t, act__jtype_t *x) {
  size_t m = t->name_cap - 1, i = name_hash(x->kind, x->name) & m;
  while (t->by_name[i]) i = (i + 1) & m;
  t->by_name[i] = x;
}

int act__jtypes_merge(act__jtypes_t *t, const act_journal_config_t *cfg, const char *path,
                      act_journal_err_t *err) {
  /* room for every type of the program first: by_name points into v */
  if (t->cap < t->n + cfg->ntypes) {
    act__jtype_t *nv = realloc(t->v, (t->n + cfg->ntypes) * sizeof *nv);
    if (!nv) return oom(path, err);
    t->v = nv;
    t->cap = t->n + cfg->ntypes;
  }
  t->name_cap = 16;
  while (t->name_cap < 2 * (t->n + cfg->ntypes) + 1) t->name_cap *= 2;
  free(t->by_name);
  t->by_name = calloc(t->name_cap, sizeof *t->by_name);
  if (!t->by_name) return oom(path, err);
  for (size_t i = 0; i < t->n; i++) name_index(t, &t->v[i]);

  int code = ACT_JOURNAL_OK, changed = 0;
  for (size_t i = 0; i < cfg->ntypes; i++) {
    const act_journal_type_t *p = &cfg->types[i];
    if (!p->name || (p->kind != ACT_JOURNAL_EVENT && p->kind != ACT_JOURNAL_STATE))
      return act__jerr(err, ACT_JOURNAL_EINVAL, "journal %s: type %zu of the program's "
                       "schema has no name or a bad kind", path, i);
    act__jtype_t *x = act__jtypes_find(t, p->kind, p->name);
    if (x && x->id == 0) {      /* declared twice by the program */
      if (x->fp != p->fingerprint)
        return act__jerr(err, ACT_JOURNAL_EINVAL, "journal %s: the program declares %s `%s` twice",
                         path, act__jkind_word(p->kind), p->name);
      continue;
    }
    if (x && x->in_program) continue;
    if (x) {
      x->in_program = true;
      if (x->fp != p->fingerprint && !changed++)
        code = act__jerr(err, ACT_JOURNAL_ESCHEMA,
                         "journal %s was written with a different definition of %s "
                         "`%s` (fingerprint %016" PRIx64 " in the journal, %016" PRIx64
                         " in this program)",
                         path, act__jkind_word(p->kind), p->name, x->fp, p->fingerprint);
      continue;
    }
    x = &t->v[t->n++];
    *x = (act__jtype_t){0, p->kind, strdup(p->name), p->fingerprint, true};
    if (!x->name) return oom(path, err);
    name_index(t, x);
  }
  if (changed > 1 && err) {
    size_t l = strlen(err->msg);
    snprintf(err->msg + l, sizeof err->msg - l, "; %d more types changed", changed - 1);
  }
  return code;
}

int act__jtypes_index(act__jtypes_t *t, const char *path, act_journal_err_t *err) {
  int64_t max_id = 0;
  for (size_t i = 0; i < t->n; i++)
    if (t->v[i].id > max_id) max_id = t->v[i].id;
  free(t->by_id);
  t->nby_id = (size_t)max_id + 1;
  t->by_id = calloc(t->nby_id, sizeof *t->by_id);
  if (!t->by_id) return oom(path, err);
  for (size_t i = 0; i < t->n; i++) t->by_id[t->v[i].id] = &t->v[i];
  t->njournal = t->n;
  return ACT_JOURNAL_OK;
}

static act__jtype_t *by_id(const act__jtypes_t *t, int64_t id) {
  return id > 0 && (size_t)id < t->nby_id ? t->by_id[id] : NULL;
}

int act__jtypes_event(const act__jtypes_t *t, int64_t tid, const char *path, const char *pid,
                      size_t pid_len, int64_t seq, const act__jtype_t **out,
                      act_journal_err_t *err) {
  char pb[96];
  const act__jtype_t *x = by_id(t, tid);
  *out = x;
  if (!x || x->kind != ACT_JOURNAL_EVENT)
    return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                     "journal %s is damaged: event %lld of `%s` has an unknown type (%lld)",
                     path, (long long)seq, act__jpid(pb, sizeof pb, pid, pid_len),
                     (long long)tid);
  if (!x->in_program)
    return act__jerr(err, ACT_JOURNAL_ESCHEMA,
                     "journal %s holds event %lld of `%s` of type `%s`, which this program "
                     "does not declare",
                     path, (long long)seq, act__jpid(pb, sizeof pb, pid, pid_len), x->name);
  return ACT_JOURNAL_OK;
}

int act__jtypes_state(const act__jtypes_t *t, int64_t tid, uint64_t fp, const char *path,
                      const char *pid, size_t pid_len, int64_t seq, const act__jtype_t **out,
                      act_journal_err_t *err) {
  char pb[96];
  const act__jtype_t *x = by_id(t, tid);
  *out = x;
  if (!x || x->kind != ACT_JOURNAL_STATE)
    return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                     "journal %s is damaged: the snapshot of `%s` at event %lld has an "
                     "unknown type (%lld)",
                     path, act__jpid(pb, sizeof pb, pid, pid_len), (long long)seq,
                     (long long)tid);
  if (!x->in_program || x->fp != fp)
    return act__jerr(err, ACT_JOURNAL_ESCHEMA,
                     "journal %s holds a snapshot of `%s` of type `%s` (fingerprint "
                     "%016" PRIx64 "), which this program %s",
                     path, act__jpid(pb, sizeof pb, pid, pid_len), x->name, fp,
                     x->in_program ? "defines differently" : "does not declare");
  return ACT_JOURNAL_OK;
}

void act__jtypes_free(act__jtypes_t *t) {
  for (size_t i = 0; i < t->n; i++) free(t->v[i].name);
  free(t->v);
  free(t->by_name);
  free(t->by_id);
  memset(t, 0, sizeof *t);
}

int act__jcheck_program(const char *path, const char *owner, const act__jtypes_t *t,
                        const act_journal_config_t *cfg, bool *record, char *takeover,
                        size_t cap, act_journal_err_t *err) {
  *record = false;
  takeover[0] = 0;
  if (!cfg->program) return ACT_JOURNAL_OK;
  if (owner && strcmp(owner, cfg->program) == 0) return ACT_JOURNAL_OK;
  *record = true;
  if (!owner) return ACT_JOURNAL_OK;   /* made before programs were recorded */
  const char *shared = NULL;
  for (size_t k = 0; k < t->njournal && !shared; k++) {
    if (t->v[k].kind != ACT_JOURNAL_STATE) continue;
    for (size_t i = 0; i < cfg->ntypes && !shared; i++)
      if (cfg->types[i].kind == ACT_JOURNAL_STATE && cfg->types[i].name &&
          strcmp(cfg->types[i].name, t->v[k].name) == 0)
        shared = cfg->types[i].name;
  }
  char pb[96], ob[96];
  act__jpid(ob, sizeof ob, owner, strlen(owner));
  act__jpid(pb, sizeof pb, cfg->program, strlen(cfg->program));
  if (!shared)
    return act__jerr(err, ACT_JOURNAL_EFOREIGN,
                     "journal %s belongs to program `%s`, not to `%s` (none of its "
                     "persistent actors is declared here); give each program its own "
                     "journal (--act-journal PATH)",
                     path, ob, pb);
  snprintf(takeover, cap,
           "journal %s was written by program `%s`; `%s` declares its persistent "
           "actor `%s` and takes it over",
           path, ob, pb, shared);
  return ACT_JOURNAL_OK;
}

int act__jsave_snapshot(act_journal_t *j, const act__jtypes_t *t, const char *pid,
                        size_t pid_len, int64_t seq, const char *type, const void *data,
                        size_t len, act_journal_err_t *err) {
  act_journal_write_t w = {0};
  w.kind = ACT_JOURNAL_W_SNAPSHOT;
  w.pid = pid;
  w.pid_len = pid_len;
  w.seq = seq;
  w.type = type;
  w.data = data;
  w.len = len;
  act_journal_write_t *ws[1] = {&w};
  int code = j->ops->append(j, ws, 1, err);
  if (code != ACT_JOURNAL_OK) return code;
  if (w.status != ACT_JOURNAL_OK) {
    char pb[96];
    return act__jerr(err, w.status,
                     "journal %s: cannot save a snapshot of `%s` at event %lld: %s",
                     j->location, act__jpid(pb, sizeof pb, pid, pid_len), (long long)seq,
                     w.status == ACT_JOURNAL_EFENCED ? "its key is fenced"
                     : act__jtypes_find(t, ACT_JOURNAL_STATE, type)
                         ? "there is no such event"
                         : "its type is not declared as a state type");
  }
  return ACT_JOURNAL_OK;
}

int act__jsnap_try(act_journal_t *j, const act__jtypes_t *t, const char *pid, size_t pid_len,
                   int row, const act__jsnap_t *x, act_journal_snapshot_fn fn, void *arg,
                   int *damaged, act_journal_err_t *err) {
  char pb[96];
  if (act__jrec_crc(x->data, x->len, x->seq, 0, pid, pid_len, x->fp ^ (uint64_t)x->tid) !=
      x->crc) {
    (*damaged)++;
    act__jwarn(j, "journal %s: the snapshot of `%s` at event %lld is damaged (checksum); "
               "recovering from %s",
               j->location, act__jpid(pb, sizeof pb, pid, pid_len), (long long)x->seq,
               row == 0 ? "the snapshot before it" : "the events");
    return ACT_JOURNAL_NOTFOUND;
  }
  const act__jtype_t *ty;
  int code = act__jtypes_state(t, x->tid, x->fp, j->location, pid, pid_len, x->seq, &ty, err);
  return code ? code : fn(arg, x->seq, ty->name, x->fp, x->data ? x->data : "", x->len);
}

int act__jsnap_none(act_journal_t *j, const char *pid, size_t pid_len, int damaged,
                    act_journal_err_t *err) {
  char pb[96];
  if (!damaged) return ACT_JOURNAL_NOTFOUND;
  return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                   "journal %s is damaged: every snapshot of `%s` fails its checksum",
                   j->location, act__jpid(pb, sizeof pb, pid, pid_len));
}

bool act__jwrite_ok(const act__jtypes_t *t, act_journal_write_t *w) {
  bool ok = (w->pid || !w->pid_len) && w->seq >= (w->kind == ACT_JOURNAL_W_EVENTS ? 1 : 0);
  if (w->kind == ACT_JOURNAL_W_EVENTS) {
    ok = ok && w->nevents > 0 && w->events;
    for (size_t i = 0; ok && i < w->nevents; i++) {
      const act__jtype_t *x = act__jtypes_find(t, ACT_JOURNAL_EVENT, w->events[i].type);
      ok = x && x->in_program && (!w->events[i].len || w->events[i].data);
    }
  } else {
    const act__jtype_t *x = act__jtypes_find(t, ACT_JOURNAL_STATE, w->type);
    ok = ok && x && x->in_program && (!w->len || w->data);
  }
  if (!ok) w->status = ACT_JOURNAL_EINVAL;
  return ok;
}
