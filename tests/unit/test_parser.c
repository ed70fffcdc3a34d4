/* Parser: constructs parse to the AST shapes of ast.h, and errors are
 * reported with positions and recovered from. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syntax/parse.h"

static diag_t d;
static char errbuf[8192];

static char *dump(const char *src) {
  diag_init(&d);
  memset(errbuf, 0, sizeof errbuf);
  d.out = fmemopen(errbuf, sizeof errbuf - 1, "w");
  src_file_t *f = src_from_string("t.act", src, strlen(src));
  ast_t *m = parse_module(f, &d);
  fflush(d.out);
  char *buf = NULL;
  size_t n = 0;
  FILE *o = open_memstream(&buf, &n);
  ast_dump(m, o);
  fclose(o);
  return buf;
}

Test(parser, message_and_actor) {
  char *s = dump("message Ping(n: int)\nactor P { on Ping(n) { sender ! Ping(n) } }\n");
  cr_expect_eq(d.errors, 0);
  cr_expect(strstr(s, "MESSAGE Ping") != NULL);
  cr_expect(strstr(s, "ON Ping") != NULL);
  cr_expect(strstr(s, "SEND\n") != NULL);
  cr_expect(strstr(s, "SENDER") != NULL);
}

Test(parser, precedence) {
  char *s = dump("fn f() { let x = await a ? B within 2s\n let y = 1 + 2 * 3 }\n");
  cr_expect_eq(d.errors, 0);
  /* await (a ? B) within 2s */
  cr_expect(strstr(s, "AWAIT\n          ASK\n            NAME a\n            NAME B\n          DURATION 2000000000") != NULL, "%s", s);
  cr_expect(strstr(s, "BINARY op=+\n          INT 1\n          BINARY op=*") != NULL, "%s", s);
}

Test(parser, struct_literal_and_blocks) {
  char *s = dump("fn f() { let p = Point{x: 1, y: 2}\n if p == (Point{x: 0, y: 0}) { print(p) } }\n");
  cr_expect_eq(d.errors, 0, "%s", errbuf);
  cr_expect(strstr(s, "STRUCT_LIT") != NULL);
  cr_expect(strstr(s, "IF\n") != NULL);
}

Test(parser, supervisor_and_persistence) {
  char *s = dump("supervisor Bank(n: int) {\n strategy one_for_all\n restarts 3 within 5s\n"
                 " child ledger = Ledger()\n child audit = Audit(ledger) restart temporary\n"
                 " children tellers = Teller(ledger, i) for i in 0..n\n}\n"
                 "persistent actor W(id: string) {\n var b = 0\n event C(a: int)\n on D(a) { persist C(a) }\n"
                 " apply C(a) { b += a }\n snapshot every 1000\n}\n");
  cr_expect_eq(d.errors, 0, "%s", errbuf);
  cr_expect(strstr(s, "STRATEGY one_for_all") && strstr(s, "RESTARTS") && strstr(s, "CHILD ledger") &&
            strstr(s, "CHILDREN tellers") && strstr(s, "PERSIST") && strstr(s, "APPLY C") && strstr(s, "SNAPSHOT"));
}

Test(parser, match_arms) {
  char *s = dump("fn f(s: Shape) { match s {\n Circle(r) => a = r,\n Shape.Rect(w, _) => { }\n 3 => print(3)\n _ => { }\n } }\n");
  cr_expect_eq(d.errors, 0, "%s", errbuf);
  cr_expect(strstr(s, "PVARIANT Circle") && strstr(s, "PVARIANT Rect [Shape]") && strstr(s, "PLIT") && strstr(s, "PWILD"));
}

Test(parser, imports_extern_kernel_spawn) {
  char *s = dump("import std.time\nimport shop.cart (Cart, Add)\nextern \"C\" {\n fn hypot(x: float, y: float) -> float\n"
                 " blocking fn sleep(s: u32) -> u32\n}\nkernel k(i: int, x: [f32]) -> f32 { return x[i] }\n"
                 "fn g() { let r = spawn W(1) on n restart temporary\n let o = k[10](xs)\n Cart[\"u\"] ! Add(1)\n let a = Acc@\"n\" }\n");
  cr_expect_eq(d.errors, 0, "%s", errbuf);
  cr_expect(strstr(s, "IMPORT time") && strstr(s, "EXTERN") && strstr(s, "SPAWN") && strstr(s, "AT\n"));
}

Test(parser, errors_are_located_and_recovered) {
  dump("fn f() {\n let x = )\n}\nfn g() {\n let = 3\n}\n");
  cr_expect_eq(d.errors, 2, "%s", errbuf);
  cr_expect(strstr(errbuf, "t.act:2:10:") != NULL, "%s", errbuf);
  cr_expect(strstr(errbuf, "t.act:5:6:") != NULL, "%s", errbuf);
}

Test(parser, deep_nesting_is_rejected_not_crashing) {
  size_t n = 100000;
  char *src = malloc(n * 2 + 32);
  strcpy(src, "fn f() { let x = ");
  size_t k = strlen(src);
  for (size_t i = 0; i < n; i++) src[k++] = '(';
  src[k++] = '1';
  for (size_t i = 0; i < n; i++) src[k++] = ')';
  strcpy(src + k, " }\n");
  dump(src);
  cr_expect_geq(d.errors, 1);
  cr_expect(strstr(errbuf, "nesting deeper than 256 levels") != NULL, "%s", errbuf);
  free(src);
}

Test(parser, empty_and_garbage_input) {
  dump("");
  cr_expect_eq(d.errors, 0);
  dump("\x01\x02}}}{{{((((]]]\xff\xfe");
  cr_expect_geq(d.errors, 1);
}
