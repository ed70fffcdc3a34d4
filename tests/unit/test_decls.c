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

/* A header of (base, text) pairs, written and marked as emit.c does. */
static decls_t *header(const char *const *pairs) {
  decls_t *ds = decls_new();
  char *text = NULL;
  size_t len = 0;
  FILE *h = open_memstream(&text, &len);
  fputs("#ifndef GUARD\n#include <act/act.h>\n", h);   /* the opening: no declaration */
  decls_begin(ds, h);
  for (int i = 0; pairs[i]; i += 2) {
    fputs(pairs[i + 1], h);
    decls_mark(ds, h, pairs[i]);
  }
  fputs("#endif\n", h);
  fclose(h);
  decls_take(ds, text);
  free(text);
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

Test(decls, a_derived_name_brings_its_declaration_and_what_that_uses) {
  decls_t *ds = header(shop);
  char *got = decls_used(ds, "  act_send(cx, r, shop_Ping_new(cx));\n");
  cr_assert_str_eq(got, "typedef struct shop_Point { double f_x; } shop_Point;\n"
                        "typedef struct opt0_shop_Point { bool has; shop_Point v; } opt0_shop_Point;\n"
                        "typedef struct shop_Ping_msg { act_msg_t h; opt0_shop_Point f_p; } shop_Ping_msg;\n"
                        "static inline act_msg_t *shop_Ping_new(act_ctx_t *cx);\n");
  free(got);
}

Test(decls, names_that_only_share_a_prefix_are_apart) {
  decls_t *ds = header(shop);
  /* shop_area2 is not shop_area plus a suffix, nor is shop_Pongs shop_Pong */
  char *got = decls_used(ds, "x = shop_area2(cx); y = shop_Pongs; z = 1shop_area;");
  cr_assert_str_eq(got, "double shop_area2(act_ctx_t *cx);\n");
  free(got);
}

Test(decls, order_is_the_headers_and_each_comes_once) {
  decls_t *ds = header(shop);
  char *got = decls_used(ds, "shop_area(cx, p); shop_Pong_msg *m; shop_area(cx, q); shop_Point_type");
  cr_assert_str_eq(got, "typedef struct shop_Point { double f_x; } shop_Point;\n"
                        "typedef struct shop_Pong_msg { act_msg_t h; } shop_Pong_msg;\n"
                        "double shop_area(act_ctx_t *cx, shop_Point l_p);\n");
  free(got);
}

Test(decls, nothing_named_nothing_carried) {
  decls_t *ds = header(shop);
  char *got = decls_used(ds, "return act_str_concat(a, b); /* shop */");
  cr_assert_str_eq(got, "");
  free(got);
}

/* Every header repeats the program's type definitions; a second module's
 * identical copy is dropped, so a part that uses a type gets it once. */
Test(decls, a_repeated_definition_is_kept_once) {
  decls_t *ds = header(shop);
  char *text = NULL;
  size_t len = 0;
  FILE *h = open_memstream(&text, &len);
  decls_begin(ds, h);
  fputs(shop[1], h);
  decls_mark(ds, h, "shop_Point");
  fputs("void other_f(act_ctx_t *cx, shop_Point l_p);\n", h);
  decls_mark(ds, h, "other_f");
  fclose(h);
  decls_take(ds, text);
  free(text);
  char *got = decls_used(ds, "other_f(cx, p);");
  cr_assert_str_eq(got, "typedef struct shop_Point { double f_x; } shop_Point;\n"
                        "void other_f(act_ctx_t *cx, shop_Point l_p);\n");
  free(got);
}

/* Enough declarations to grow the table several times. */
Test(decls, many_declarations) {
  decls_t *ds = decls_new();
  char *text = NULL;
  size_t len = 0;
  FILE *h = open_memstream(&text, &len);
  decls_begin(ds, h);
  for (int i = 0; i < 5000; i++) {
    char base[32];
    snprintf(base, sizeof base, "m_f%d", i);
    fprintf(h, "int %s(void);\n", base);
    decls_mark(ds, h, base);
  }
  fclose(h);
  decls_take(ds, text);
  free(text);
  char *got = decls_used(ds, "m_f4999(); m_f17_x;");
  cr_assert_str_eq(got, "int m_f17(void);\nint m_f4999(void);\n");
  free(got);
}
