/* emit_int.h: state shared by the emitter's files. */
#ifndef ACT_EMIT_INT_H
#define ACT_EMIT_INT_H

#include <stdbool.h>
#include <stdio.h>

#include "common/strbuf.h"
#include "emit/emit.h"
#include "sema/type.h"

char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* FNV-1a of the n bytes at s: the emitter's tables and generated names
 * (emit_names.c). */
size_t emit_hash(const char *s, size_t n);

typedef struct decls decls_t;   /* emit_decls.c */

/* The string literals of the translation unit being written: each text
 * becomes one static object among the unit's locations (str_lit in
 * emit_expr.c), named act_S<id>, whatever the number of its uses. */
typedef struct strtab {
  char **keys;   /* the C literal, or NULL: a free slot */
  int *ids;
  size_t cap, n;
} strtab_t;
void strtab_clear(strtab_t *t);

typedef struct em {
  diag_t *d;
  program_t *prog;
  ast_t *mod;              /* module being emitted */
  const char *mname;       /* its C prefix */
  strbuf_t *out;               /* current function body */
  strbuf_t locs;               /* static act_loc_t definitions */
  int nlocs;
  strtab_t strs;               /* string literals among locs */
  int tmp;                 /* temporaries */
  int indent;
  /* the function being emitted */
  ast_t *actor;            /* enclosing actor or NULL */
  int coro;                /* locals live in the frame F */
  strbuf_t frame;              /* frame fields (coroutine mode) */
  int nstates;
  const char *resume_name;
  type_t *ret;             /* reply/return type */
  int is_handler;          /* `return e` replies */
  int is_ask;
  const char *reply_msg;   /* is_ask: C name of the message answered */
  int errors;
  bool line_directives;    /* opts->line_directives */
  decls_t *decls;          /* every header's declarations so far */
  int *type_owners;        /* emit_type_owners */
  /* `children xs = T(...) for i in a..b`: the C expression of the child's
   * position, taken (and cleared) by the next AST_SPAWN, so that its
   * supervision path reads `xs[2]` */
  const char *spawn_nth;
} em_t;

/* types */
const char *ctype(type_t *t);
const char *tdesc(type_t *t);          /* "&act_type_i64" / "&shop_Point_type" */
const char *type_cname(type_t *t);     /* stable: "i64", "shop_Point", "opt0_str" */
const char *reply_cname(type_t *value); /* reply message struct: "reply0_i64" */
int type_shares(type_t *t);             /* holds arrays or maps */
int field_boxed(ast_t *en, ast_t *field);   /* a recursive enum's boxed payload */
void emit_type_defs(FILE *h, decls_t *ds);   /* typedefs, extern descriptors */
/* By type id, the index of the module that defines the type's descriptor
 * (-1: none): a declared type's own module; an array's, map's or
 * optional's the owner of the declared type inside it, else the first
 * module that uses it. */
int *emit_type_owners(program_t *prog);
void emit_type_descs(strbuf_t *b, int module, const int *owners);   /* descriptors module owns */
/* `static const act_field_t table[]` of fields (FIELD nodes) at
 * offsetof(owner, prefix f_name); en: the enum when they are a variant's */
void emit_fields_table(strbuf_t *b, const char *table, const char *owner, ast_t *en, ast_t *fields, const char *prefix);
const char *msg_cname(ast_t *msg);      /* C struct name of a message */
const char *msg_id_name(ast_t *msg);    /* the enum constant of its id */
const char *decl_cname(ast_t *d);       /* module-qualified C name */
void emit_assign_names(program_t *prog); /* C names of modules and declarations (emit_names.c) */
void emit_cglue(FILE *h, ast_t *ext);   /* `import c` glue: act_c_NAME (emit_cglue.c) */

/* expressions and statements */
char *emit_expr(em_t *e, ast_t *n);
char *emit_value(em_t *e, ast_t *n);   /* for storing: marks sharing */
char *emit_place(em_t *e, ast_t *n);   /* an lvalue, made writable */
void emit_block(em_t *e, ast_t *b);
void emit_stmt(em_t *e, ast_t *s);
const char *emit_loc(em_t *e, loc_t l);
const char *local_name(em_t *e, ast_t *decl);
const char *declare_local(em_t *e, ast_t *decl, const char *ct);
const char *new_temp(em_t *e, const char *ct);
/* the C writer (emit_writer.c) */
void line(em_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void open_block(em_t *e, const char *head);     /* `head {`, one level in */
void close_block(em_t *e, const char *tail);    /* `}tail`, one level out */
void emit_source_line(em_t *e, loc_t l);        /* #line to where a statement begins */
void emit_glue(em_t *e);                        /* what follows is the .c file's own */
bool cw_write(const char *path, const char *text, bool is_c);
char *as_text(em_t *e, ast_t *n);
bool has_await(const ast_t *n);          /* n contains an await (statement-level) */

/* the header's declarations by name, for the parts of split modules
 * (emit_decls.c): after the header's opening, decls_begin; after each
 * declaration written to h, decls_mark with the C name it defines; once
 * h is flushed, decls_take with its text. decls_used: the declarations
 * (transitively) that text uses, in header order, malloc'd. */
decls_t *decls_new(void);
void decls_begin(decls_t *ds, FILE *h);
void decls_mark(decls_t *ds, FILE *h, const char *base);
void decls_take(decls_t *ds, const char *text);
/* A declaration that is not in a header's text (an extern "C" block's
 * #include, under each of its functions' names): text, or, when same_as
 * names one added before, another name for that one. */
void decls_add(decls_t *ds, const char *base, const char *text, const char *same_as);
char *decls_used(decls_t *ds, const char *text);

/* persistent actors (emit_persist.c) */
void emit_persist_actor(em_t *e, strbuf_t *out, ast_t *a, int64_t snapshot_every);
const char *emit_persist_recover(ast_t *a);
void emit_persist_stmt(em_t *e, ast_t *s);

#endif
