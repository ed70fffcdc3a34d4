/* json.c: the C side of std.json. Text is parsed by jansson (Debian's
 * libjansson); std.json then reads the tree node by node, in document
 * order, through a cursor, and builds its Json value. Writing goes the
 * other way: std.json walks a value and calls the act_json_w_* functions,
 * which write the text into a buffer (our own writer, so that floats come
 * out as the shortest text that reads back the same, as print writes them).
 *
 * The cursor and the writer are per thread. That is safe because std.json
 * makes all its calls for one parse or one write from one Act function,
 * which runs start to end on one thread (a function cannot await). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act/act.h"
#include "act/sys.h"

/* ---- reading ------------------------------------------------------------ */

typedef struct node {
  json_t *v;
  const char *key;   /* its key when it is an object's member */
  size_t keylen;
} node_t;

static _Thread_local json_t *doc;
static _Thread_local node_t *nodes;
static _Thread_local size_t nnodes, capnodes, cursor;
static _Thread_local json_error_t err;

static bool push_node(json_t *v, const char *key, size_t keylen) {
  if (nnodes == capnodes) {
    size_t cap = capnodes ? capnodes * 2 : 64;
    node_t *n = realloc(nodes, cap * sizeof *n);
    if (n == NULL)
      return false;
    nodes = n;
    capnodes = cap;
  }
  nodes[nnodes++] = (node_t){v, key, keylen};
  return true;
}

/* Document order: a container, then its members, depth first. With a
 * stack of our own, so a deep document cannot overflow the C stack
 * (jansson itself refuses nesting beyond 2048). */
typedef struct frame {
  json_t *v;
  size_t i;     /* next array index */
  void *iter;   /* next object member */
} frame_t;

static bool flatten(json_t *root) {
  nnodes = cursor = 0;
  if (!push_node(root, NULL, 0))
    return false;
  frame_t *stack = NULL;
  size_t n = 0, cap = 0;
  bool ok = true;
  json_t *open = root;
  for (;;) {
    if (open && (json_array_size(open) > 0 || json_object_size(open) > 0)) {
      if (n == cap) {
        cap = cap ? cap * 2 : 32;
        frame_t *st = realloc(stack, cap * sizeof *st);
        if (st == NULL) {
          ok = false;
          break;
        }
        stack = st;
      }
      stack[n++] = (frame_t){open, 0, json_is_object(open) ? json_object_iter(open) : NULL};
    }
    open = NULL;
    if (n == 0)
      break;
    frame_t *f = &stack[n - 1];
    json_t *child;
    if (json_is_array(f->v)) {
      if (f->i == json_array_size(f->v)) {
        n--;
        continue;
      }
      child = json_array_get(f->v, f->i++);
      ok = push_node(child, NULL, 0);
    } else {
      if (f->iter == NULL) {
        n--;
        continue;
      }
      const char *key = json_object_iter_key(f->iter);
      child = json_object_iter_value(f->iter);
      ok = push_node(child, key, json_object_iter_key_len(f->iter));
      f->iter = json_object_iter_next(f->v, f->iter);
    }
    if (!ok)
      break;
    if (json_is_array(child) || json_is_object(child))
      open = child;
  }
  free(stack);
  return ok;
}

static void drop_doc(void) {
  if (doc)
    json_decref(doc);
  doc = NULL;
  nnodes = cursor = 0;
}

/* Parse text; true when it is one JSON value (any kind at the top). */
bool act_json_parse(act_str_t *text) {
  drop_doc();
  memset(&err, 0, sizeof err);
  doc = json_loadb(act_str_data(text), (size_t)act_str_len(text),
                   JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
  if (doc == NULL)
    return false;
  if (!flatten(doc)) {
    drop_doc();
    snprintf(err.text, sizeof err.text, "out of memory");
    return false;
  }
  return true;
}

/* jansson says line 1 column 0 for an empty text: we count from 1. */
int64_t act_json_error_line(void) { return err.line < 1 ? 1 : err.line; }
int64_t act_json_error_column(void) { return err.column < 1 ? 1 : err.column; }
int64_t act_json_error_position(void) { return err.position; }
act_str_t *act_json_error_text(void) { return act_str_from_cstr(err.text); }

/* The next node's kind: 0 null, 1 false, 2 true, 3 integer, 4 real,
 * 5 string, 6 array, 7 object; -1 past the end. act_json_* below read
 * the node just taken. */
int64_t act_json_next(void) {
  if (cursor >= nnodes) {
    drop_doc();
    return -1;
  }
  json_t *v = nodes[cursor++].v;
  switch (json_typeof(v)) {
  case JSON_NULL: return 0;
  case JSON_FALSE: return 1;
  case JSON_TRUE: return 2;
  case JSON_INTEGER: return 3;
  case JSON_REAL: return 4;
  case JSON_STRING: return 5;
  case JSON_ARRAY: return 6;
  case JSON_OBJECT: return 7;
  }
  return 0;
}

static json_t *cur(void) { return cursor > 0 && cursor <= nnodes ? nodes[cursor - 1].v : NULL; }

int64_t act_json_int(void) { return (int64_t)json_integer_value(cur()); }
double act_json_real(void) { return json_real_value(cur()); }
int64_t act_json_len(void) {
  json_t *v = cur();
  return json_is_array(v) ? (int64_t)json_array_size(v) : (int64_t)json_object_size(v);
}

act_str_t *act_json_str(void) {
  json_t *v = cur();
  return act_str_new(json_string_value(v), (int64_t)json_string_length(v));
}

/* The key of the node that comes next (an object's member). */
act_str_t *act_json_key(void) {
  if (cursor >= nnodes || nodes[cursor].key == NULL)
    return act_str_from_cstr("");
  return act_str_new(nodes[cursor].key, (int64_t)nodes[cursor].keylen);
}

/* ---- writing ------------------------------------------------------------ */

static _Thread_local act_buf_t out;
static _Thread_local int64_t indent, depth;
static _Thread_local bool first;       /* nothing yet in the open container */
static _Thread_local bool after_key;   /* the next value is a member's */

void act_json_w_start(int64_t ind) {
  act_buf_init(&out);
  indent = ind < 0 ? 0 : ind > 16 ? 16 : ind;
  depth = 0;
  first = true;
  after_key = false;
}

static void newline(void) {
  if (indent == 0)
    return;
  act_buf_put(&out, "\n", 1);
  for (int64_t i = 0; i < depth * indent; i++)
    act_buf_put(&out, " ", 1);
}

/* Before a value that is not an object's member (those come after their key). */
static void sep(void) {
  if (after_key) {
    after_key = false;
    return;
  }
  if (depth == 0)
    return;
  if (!first)
    act_buf_put(&out, ",", 1);
  newline();
  first = false;
}

static void put_string(const act_str_t *s) {
  static const char hex[] = "0123456789abcdef";
  act_buf_put(&out, "\"", 1);
  const unsigned char *p = (const unsigned char *)act_str_data(s);
  for (int64_t i = 0; i < act_str_len(s); i++) {
    unsigned char c = p[i];
    switch (c) {
    case '"': act_buf_put(&out, "\\\"", 2); break;
    case '\\': act_buf_put(&out, "\\\\", 2); break;
    case '\n': act_buf_put(&out, "\\n", 2); break;
    case '\r': act_buf_put(&out, "\\r", 2); break;
    case '\t': act_buf_put(&out, "\\t", 2); break;
    case '\b': act_buf_put(&out, "\\b", 2); break;
    case '\f': act_buf_put(&out, "\\f", 2); break;
    default:
      if (c < 0x20) {
        char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        act_buf_put(&out, u, 6);
      } else {
        act_buf_put(&out, (const char *)&p[i], 1);
      }
    }
  }
  act_buf_put(&out, "\"", 1);
}

void act_json_w_null(void) { sep(); act_buf_cstr(&out, "null"); }
void act_json_w_bool(bool v) { sep(); act_buf_cstr(&out, v ? "true" : "false"); }
void act_json_w_int(int64_t v) { sep(); act_buf_i64(&out, v); }
void act_json_w_str(act_str_t *s) { sep(); put_string(s); }

/* NaN and the infinities have no JSON text: they are written as null, as
 * JavaScript's JSON.stringify does. */
void act_json_w_real(double v) {
  sep();
  if (!isfinite(v))
    act_buf_cstr(&out, "null");
  else
    act_buf_f64(&out, v);
}

void act_json_w_open(bool object) {
  sep();
  act_buf_put(&out, object ? "{" : "[", 1);
  depth++;
  first = true;
}

void act_json_w_close(bool object) {
  depth--;
  if (!first)
    newline();
  act_buf_put(&out, object ? "}" : "]", 1);
  first = false;
}

/* An object member's key; its value follows right after the colon. */
void act_json_w_key(act_str_t *k) {
  sep();
  put_string(k);
  act_buf_put(&out, indent ? ": " : ":", indent ? 2 : 1);
  after_key = true;
}

act_str_t *act_json_w_end(void) { return act_buf_to_str(&out); }
