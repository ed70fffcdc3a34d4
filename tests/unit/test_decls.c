/* emit_decls.c: which header declarations a part of a split module
 * carries. A declaration is chosen when the part names its base C name or
 * a name derived from it (base + `_suffix`), or when a chosen declaration
 * does; they come out in header order, each once. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/emit_int.h"

/* A module header of (base, text) pairs after an opening that declares
 * nothing, written and marked as emit.c does, added to ds. */
static void add_header(decls_t *ds, const char *const *pairs) {
  char *text = NULL;
  size_t len = 0;
  FILE *h = open_memstream(&text, &len);
  fputs("#ifndef GUARD\n#include <act/act.h>\n", h);
  decls_begin(ds, h);
  for (int i = 0; pairs[i]; i += 2) {
    fputs(pairs[i + 1], h);
    decls_mark(ds, h, pairs[i]);
  }
  fputs("#endif\n", h);
  fclose(h);
  decls_take(ds, text);
  free(text);
}

static decls_t *header(const char *const *pairs) {
  decls_t *ds = decls_new();
  add_header(ds, pairs);
  return ds;
}

static const char *const shop[] = {
  "shop_Point", "typedef struct shop_Point { double f_x; } shop_Point;\n",
  "opt0_shop_Point", "typedef struct opt0_shop_Point { bool has; shop_Point v; } opt0_shop_Point;\n",
  "shop_Ping", "typedef struct shop_Ping_msg { act_msg_t h; opt0_shop_Point f_p; } shop_Ping_msg;\n"
               "static inline act_msg_t *shop_Ping_new(act_ctx_t *cx);\n",
  "shop_Pong", "typedef struct shop_Pong_msg { act_msg_t h; } shop_Pong_msg;\n",
  "shop_area", "double shop_area(act_ctx_t *cx, shop_Point l_p);\n",
  "shop_area2", "double shop_area2(act_ctx_t *cx);\n",
  NULL,
};

/* What a part with this code carries, from ds. */
static void expect_used(decls_t *ds, const char *code, const char *want) {
  char *got = decls_used(ds, code);
  cr_assert_str_eq(got, want, "for: %s", code);
  free(got);
}

/* Code of a part, and the declarations of `shop` it must carry. */
static const struct {
  const char *code, *want;
} cases[] = {
  /* a derived name brings its declaration, and what that one uses */
  {"  act_send(cx, r, shop_Ping_new(cx));\n",
   "typedef struct shop_Point { double f_x; } shop_Point;\n"
   "typedef struct opt0_shop_Point { bool has; shop_Point v; } opt0_shop_Point;\n"
   "typedef struct shop_Ping_msg { act_msg_t h; opt0_shop_Point f_p; } shop_Ping_msg;\n"
   "static inline act_msg_t *shop_Ping_new(act_ctx_t *cx);\n"},
  /* names that only share a prefix are apart: shop_area2 is not shop_area
   * plus a suffix, nor is shop_Pongs shop_Pong */
  {"x = shop_area2(cx); y = shop_Pongs; z = 1shop_area;", "double shop_area2(act_ctx_t *cx);\n"},
  /* the header's order, each once */
  {"shop_area(cx, p); shop_Pong_msg *m; shop_area(cx, q); shop_Point_type",
   "typedef struct shop_Point { double f_x; } shop_Point;\n"
   "typedef struct shop_Pong_msg { act_msg_t h; } shop_Pong_msg;\n"
   "double shop_area(act_ctx_t *cx, shop_Point l_p);\n"},
  /* nothing named, nothing carried */
  {"return act_str_concat(a, b); /* shop */", ""},
};

Test(decls, what_parts_carry) {
  decls_t *ds = header(shop);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) expect_used(ds, cases[i].code, cases[i].want);
}

/* Every header repeats the program's type definitions; a second module's
 * identical copy is dropped, so a part that uses a type gets it once. */
Test(decls, a_repeated_definition_is_kept_once) {
  decls_t *ds = header(shop);
  add_header(ds, (const char *const[]){"shop_Point", shop[1], "other_f", "void other_f(act_ctx_t *cx, shop_Point l_p);\n", NULL});
  expect_used(ds, "other_f(cx, p);", "typedef struct shop_Point { double f_x; } shop_Point;\n"
                                     "void other_f(act_ctx_t *cx, shop_Point l_p);\n");
}

/* Enough declarations to grow the table several times. */
Test(decls, many_declarations) {
  enum { N = 5000 };
  static char names[N][16], texts[N][32];
  static const char *pairs[2 * N + 1];
  for (int i = 0; i < N; i++) {
    snprintf(names[i], sizeof names[i], "m_f%d", i);
    snprintf(texts[i], sizeof texts[i], "int m_f%d(void);\n", i);
    pairs[2 * i] = names[i];
    pairs[2 * i + 1] = texts[i];
  }
  expect_used(header(pairs), "m_f4999(); m_f17_x;", "int m_f17(void);\nint m_f4999(void);\n");
}

/* What a declaration names is found once and kept; a declaration added
 * after that (a later module's header) is still found through it. */
Test(decls, a_later_declaration_is_found_through_an_earlier_one) {
  decls_t *ds = header((const char *const[]){"a_f", "void a_f(b_T x);\n", NULL});
  expect_used(ds, "a_f(x);", "void a_f(b_T x);\n");
  add_header(ds, (const char *const[]){"b_T", "typedef int b_T;\n", NULL});
  expect_used(ds, "a_f(x);", "void a_f(b_T x);\ntypedef int b_T;\n");
}

/* A name of more `_` parts than scan keeps hashes for: its shorter
 * prefixes are looked up all the same. */
Test(decls, a_name_of_many_parts) {
  decls_t *ds = header((const char *const[]){"p_a_b_c_d_e_f_g_h_i_j_k_l_m_n_o_p_q", "int deep;\n",
                                             "p_a", "int shallow;\n", NULL});
  expect_used(ds, "p_a_b_c_d_e_f_g_h_i_j_k_l_m_n_o_p_q_r_s_t_u(); ", "int deep;\nint shallow;\n");
}
