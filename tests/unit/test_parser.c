/* Parser: every construct parses to the AST shape of ast.h (compared as
 * ast_dump lines folded into one-line s-expressions), errors are reported
 * at the right line:col with useful messages, and recovery goes on to find
 * the next error without junk in between. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "syntax/parse.h"

static diag_t d;
static char errbuf[16384];
static FILE *errfile;

#define PARSE(lit) parse(lit, strlen(lit))

static ast_t *parse(const char *src, size_t len) {
  diag_init(&d);
  if (errfile)
    fclose(errfile);
  memset(errbuf, 0, sizeof errbuf);
  errfile = fmemopen(errbuf, sizeof errbuf - 1, "w");
  setvbuf(errfile, NULL, _IONBF, 0);
  d.out = errfile;
  src_file_t *f = src_from_string("t.act", src, len);
  return parse_module(f, &d);
}

/* ast_dump of one node without its children, as one line. */
static void sx_rec(const ast_t *n, FILE *o) {
  if (n == NULL) {
    fputs("-", o);
    return;
  }
  ast_t copy = *n;
  copy.nkids = 0;
  char *line = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&line, &len);
  ast_dump(&copy, m);
  fclose(m);
  if (len && line[len - 1] == '\n')
    line[--len] = '\0';
  if (n->nkids == 0) {
    fputs(line, o);
  } else {
    fprintf(o, "(%s", line);
    for (int i = 0; i < n->nkids; i++) {
      fputc(' ', o);
      sx_rec(n->kids[i], o);
    }
    fputc(')', o);
  }
  free(line);
}

static char *sx(const ast_t *n) {
  char *buf = NULL;
  size_t len = 0;
  FILE *o = open_memstream(&buf, &len);
  sx_rec(n, o);
  fclose(o);
  return buf;
}

/* The tree of `let x = <e>` inside a function. */
static char *expr(const char *e) {
  char src[4096];
  snprintf(src, sizeof src, "fn f() {\n    let x = %s\n}\n", e);
  ast_t *m = parse(src, strlen(src));
  if (m->nkids < 1 || m->kids[0]->nkids < 3 || m->kids[0]->kids[2] == NULL ||
      m->kids[0]->kids[2]->nkids < 1)
    return strdup("?");
  return sx(m->kids[0]->kids[2]->kids[0]->kids[1]);
}

/* The tree of the first statement of a function body. */
static char *stmt(const char *s) {
  char src[4096];
  snprintf(src, sizeof src, "fn f() {\n    %s\n}\n", s);
  ast_t *m = parse(src, strlen(src));
  if (m->nkids < 1 || m->kids[0]->nkids < 3 || m->kids[0]->kids[2] == NULL ||
      m->kids[0]->kids[2]->nkids < 1)
    return strdup("?");
  return sx(m->kids[0]->kids[2]->kids[0]);
}

/* The tree of a declaration (or of the module if there are several). */
static char *decl(const char *s) {
  ast_t *m = parse(s, strlen(s));
  return sx(m->nkids == 1 ? m->kids[0] : m);
}

#define EXPECT_EXPR(src, want) do { char *got_ = expr(src); \
    cr_expect_str_eq(got_, want, "%s\n  errors: %s", src, errbuf); \
    cr_expect_eq(d.errors, 0, "%s: %s", src, errbuf); free(got_); } while (0)
#define EXPECT_STMT(src, want) do { char *got_ = stmt(src); \
    cr_expect_str_eq(got_, want, "%s\n  errors: %s", src, errbuf); \
    cr_expect_eq(d.errors, 0, "%s: %s", src, errbuf); free(got_); } while (0)
#define EXPECT_DECL(src, want) do { char *got_ = decl(src); \
    cr_expect_str_eq(got_, want, "%s\n  errors: %s", src, errbuf); \
    cr_expect_eq(d.errors, 0, "%s: %s", src, errbuf); free(got_); } while (0)
/* Errors: the diagnostics contain each of the given fragments, in order,
 * and exactly n errors were reported. */
#define EXPECT_ERRORS(src, n, ...) do { parse(src, strlen(src)); \
    const char *frags_[] = {__VA_ARGS__}; const char *at_ = errbuf; \
    for (size_t i_ = 0; i_ < sizeof frags_ / sizeof *frags_; i_++) { \
      const char *p_ = strstr(at_, frags_[i_]); \
      cr_expect(p_ != NULL, "missing \"%s\" in:\n%s", frags_[i_], errbuf); \
      if (p_) at_ = p_; } \
    cr_expect_eq(d.errors, n, "%s", errbuf); } while (0)

/* ---- whole programs ------------------------------------------------------ */

Test(parser, first_program_of_the_reference) {
  const char *src =
      "message Ping(n: int)\n"
      "message Pong(n: int)\n"
      "\n"
      "actor Ponger {\n"
      "    on Ping(n) { sender ! Pong(n) }\n"
      "}\n"
      "\n"
      "actor Main(args: [string]) {\n"
      "    var left = 3\n"
      "    init {\n"
      "        let p = spawn Ponger()\n"
      "        p ! Ping(left)\n"
      "    }\n"
      "    on Pong(n) {\n"
      "        print(\"pong {n}\")\n"
      "        left -= 1\n"
      "        if left == 0 { exit(0) }\n"
      "        sender ! Ping(left)\n"
      "    }\n"
      "}\n";
  ast_t *m = parse(src, strlen(src));
  cr_assert_eq(d.errors, 0, "%s", errbuf);
  cr_assert_eq(m->nkids, 4);
  char *s = sx(m->kids[3]);
  cr_expect_str_eq(s,
      "(ACTOR Main (LIST (PARAM args (TARRAY TNAME string))) LIST (LIST "
      "(VAR left flags=0x100 - INT 3) "
      "(INIT (BLOCK (VAR p - (SPAWN (CALL NAME Ponger) - -)) (SEND NAME p (CALL NAME Ping NAME left)))) "
      "(ON Pong (LIST (PARAM n -)) (BLOCK "
      "(EXPR_STMT (CALL NAME print (INTERP STRING \"pong \" NAME n))) "
      "(ASSIGN op=- NAME left INT 1) "
      "(IF (BINARY op=== NAME left INT 0) (BLOCK (EXPR_STMT (CALL NAME exit INT 0))) -) "
      "(SEND SENDER (CALL NAME Ping NAME left))))))");
  free(s);
  /* locations: first token of declarations' names, operator of binaries */
  ast_t *on = m->kids[3]->kids[2]->kids[2];
  cr_expect_eq(on->loc.line, 14);
  cr_expect_eq(on->loc.col, 8);
  ast_t *iff = on->kids[1]->kids[2];
  cr_expect_eq(iff->loc.line, 17);
  cr_expect_eq(iff->loc.col, 9);
  cr_expect_eq(iff->kids[0]->loc.col, 17);   /* `==` */
}

Test(parser, empty_input_and_only_comments) {
  ast_t *m = PARSE("");
  cr_expect_eq(d.errors, 0);
  cr_expect_eq(m->kind, AST_MODULE);
  cr_expect_eq(m->nkids, 0);
  PARSE("// c\n/* a /* b */ c */\n/// doc\n\n;;\n");
  cr_expect_eq(d.errors, 0, "%s", errbuf);
  m = PARSE("\xEF\xBB\xBF" "const A = 1\n");   /* byte order mark */
  cr_expect_eq(d.errors, 0, "%s", errbuf);
  cr_expect_eq(m->kids[0]->loc.col, 7);
  PARSE("\r\nconst A = 1\r\nconst B = \"x\"\r\n");
  cr_expect_eq(d.errors, 0, "%s", errbuf);
}

/* ---- declarations ------------------------------------------------------ */

Test(parser, imports) {
  EXPECT_DECL("import std.time", "(IMPORT time (LIST NAME std NAME time) -)");
  EXPECT_DECL("import shop.cart (Cart, AddItem)",
              "(IMPORT cart (LIST NAME shop NAME cart) (LIST NAME Cart NAME AddItem))");
  EXPECT_DECL("import a.b.c (\n  X,\n  Y,\n)\n",
              "(IMPORT c (LIST NAME a NAME b NAME c) (LIST NAME X NAME Y))");
  EXPECT_DECL("import c \"mylib.h\"", "(IMPORT [mylib.h] flags=0x1 - -)");
  EXPECT_DECL("import c \"zlib.h\" pkg \"zlib\"", "(IMPORT [zlib.h] flags=0x1 STRING \"zlib\" -)");
}

Test(parser, extern_blocks) {
  EXPECT_DECL("extern \"C\" {\n    fn hypot(x: float, y: float) -> float\n"
              "    blocking fn sleep(s: u32) -> u32\n}\n",
              "(EXTERN (FN hypot flags=0x2 (LIST (PARAM x TNAME float) (PARAM y TNAME float)) TNAME float -) "
              "(FN sleep flags=0x6 (LIST (PARAM s TNAME u32)) TNAME u32 -))");
  EXPECT_DECL("extern \"C\" \"mylib.h\" { fn my_fn(x: int) -> int }",
              "(EXTERN [mylib.h] (FN my_fn flags=0x2 (LIST (PARAM x TNAME int)) TNAME int -))");
  EXPECT_DECL("extern \"C\" { }", "EXTERN");
  EXPECT_ERRORS("extern \"Rust\" { }", 1, "only extern \"C\"");
}

Test(parser, consts_functions_kernels) {
  EXPECT_DECL("const LIMIT = 1000", "(CONST LIMIT - INT 1000)");
  EXPECT_DECL("const L: u8 = 1", "(CONST L TNAME u8 INT 1)");
  EXPECT_DECL("fn clamp(x: int, lo: int, hi: int) -> int { return x }",
              "(FN clamp (LIST (PARAM x TNAME int) (PARAM lo TNAME int) (PARAM hi TNAME int)) TNAME int "
              "(BLOCK (RETURN NAME x)))");
  EXPECT_DECL("fn f(\n  a: int,\n  b: m.T,\n) { }",
              "(FN f (LIST (PARAM a TNAME int) (PARAM b TNAME T [m])) - BLOCK)");
  EXPECT_DECL("kernel saxpy(i: int, a: f32, x: [f32], y: [f32]) -> f32 {\n    return a * x[i] + y[i]\n}",
              "(FN saxpy flags=0x8 (LIST (PARAM i TNAME int) (PARAM a TNAME f32) (PARAM x (TARRAY TNAME f32)) "
              "(PARAM y (TARRAY TNAME f32))) TNAME f32 (BLOCK (RETURN (BINARY op=+ (BINARY op=* NAME a "
              "(INDEX NAME x NAME i)) (INDEX NAME y NAME i)))))");
}

Test(parser, types) {
  EXPECT_STMT("var a: [string: int]", "(VAR a flags=0x100 (TMAP TNAME string TNAME int) -)");
  EXPECT_STMT("let b: future<int>? = none", "(VAR b (TOPT (TFUTURE TNAME int)) NONE)");
  EXPECT_STMT("var c: [future<[string: int]>] = []",
              "(VAR c flags=0x100 (TARRAY (TFUTURE (TMAP TNAME string TNAME int))) ARRAY_LIT)");
  EXPECT_STMT("var e: future<future<int>>",
              "(VAR e flags=0x100 (TFUTURE (TFUTURE TNAME int)) -)");
  EXPECT_STMT("var g: int??", "(VAR g flags=0x100 (TOPT (TOPT TNAME int)) -)");
  /* `future` is an ordinary name outside types */
  EXPECT_EXPR("future < 3", "(BINARY op=< NAME future INT 3)");
  EXPECT_EXPR("future >> 1", "(BINARY op=>> NAME future INT 1)");
}

Test(parser, structs_enums_messages_protocols) {
  EXPECT_DECL("struct Order { id: int, items: [string] }",
              "(STRUCT Order (FIELD id TNAME int) (FIELD items (TARRAY TNAME string)))");
  EXPECT_DECL("struct P {\n  x: float\n  y: float,\n}\n",
              "(STRUCT P (FIELD x TNAME float) (FIELD y TNAME float))");
  EXPECT_DECL("struct E { }", "STRUCT E");
  EXPECT_DECL("enum Shape { Circle(r: float), Rect(w: float, h: float), Empty }",
              "(ENUM Shape (VARIANT Circle (FIELD r TNAME float)) (VARIANT Rect (FIELD w TNAME float) "
              "(FIELD h TNAME float)) VARIANT Empty)");
  EXPECT_DECL("enum Shape {\n  Circle(r: float)\n  Empty,\n}",
              "(ENUM Shape (VARIANT Circle (FIELD r TNAME float)) VARIANT Empty)");
  EXPECT_DECL("message Deposit(amount: int)", "(MESSAGE Deposit (LIST (FIELD amount TNAME int)) -)");
  EXPECT_DECL("message Balance -> int", "(MESSAGE Balance LIST TNAME int)");
  EXPECT_DECL("message Tick", "(MESSAGE Tick LIST -)");
  EXPECT_DECL("message Get(k: string) -> int?",
              "(MESSAGE Get (LIST (FIELD k TNAME string)) (TOPT TNAME int))");
  EXPECT_DECL("protocol Account { Deposit, Balance }", "(PROTOCOL Account NAME Deposit NAME Balance)");
}

Test(parser, actors_and_members) {
  EXPECT_DECL("actor Counter(start: int) : Account, Other {\n"
              "    var n = start\n"
              "    let created = now()\n"
              "    mailbox 10_000\n"
              "    init { }\n"
              "    on Deposit(amount) { n += amount }\n"
              "    on Balance { return n }\n"
              "    on stop { print(\"bye\") }\n"
              "    on m.Ping(_) { }\n"
              "    on m.Tick { }\n"
              "    fn double() -> int { return n * 2 }\n"
              "}\n",
              "(ACTOR Counter (LIST (PARAM start TNAME int)) (LIST TNAME Account TNAME Other) (LIST "
              "(VAR n flags=0x100 - NAME start) (VAR created - (CALL NAME now)) (MAILBOX INT 10000) "
              "(INIT BLOCK) (ON Deposit (LIST (PARAM amount -)) (BLOCK (ASSIGN op=+ NAME n NAME amount))) "
              "(ON Balance LIST (BLOCK (RETURN NAME n))) (ON_STOP (BLOCK (EXPR_STMT (CALL NAME print "
              "STRING \"bye\")))) (ON Ping [m] (LIST (PARAM _ -)) BLOCK) (ON Tick [m] LIST BLOCK) "
              "(FN double LIST TNAME int (BLOCK (RETURN (BINARY op=* NAME n INT 2))))))");
  EXPECT_DECL("actor A { }", "(ACTOR A LIST LIST LIST)");
  EXPECT_DECL("actor A : P { }", "(ACTOR A LIST (LIST TNAME P) LIST)");
}

Test(parser, persistence_virtual_gpu) {
  EXPECT_DECL("persistent actor Wallet(id: string) {\n"
              "    var balance = 0\n"
              "    event Credited(amount: int)\n"
              "    event Reset\n"
              "    on Deposit(amount) { persist Credited(amount) }\n"
              "    apply Credited(amount) { balance += amount }\n"
              "    apply Reset { }\n"
              "    snapshot every 1000\n"
              "}\n",
              "(ACTOR Wallet flags=0x10 (LIST (PARAM id TNAME string)) LIST (LIST "
              "(VAR balance flags=0x100 - INT 0) (EVENT Credited (LIST (FIELD amount TNAME int))) "
              "(EVENT Reset LIST) (ON Deposit (LIST (PARAM amount -)) (BLOCK (PERSIST (CALL NAME Credited "
              "NAME amount)))) (APPLY Credited (LIST (PARAM amount -)) (BLOCK (ASSIGN op=+ NAME balance "
              "NAME amount))) (APPLY Reset LIST BLOCK) (SNAPSHOT INT 1000)))");
  EXPECT_DECL("virtual persistent actor Cart(id: string) { passivate after 10m }",
              "(ACTOR Cart flags=0x30 (LIST (PARAM id TNAME string)) LIST (LIST (PASSIVATE DURATION 600000000000)))");
  EXPECT_DECL("virtual actor Cart(id: string) { }", "(ACTOR Cart flags=0x20 (LIST (PARAM id TNAME string)) LIST LIST)");
  EXPECT_DECL("gpu actor Scorer(weights: [f32]) { on Score(features) { } }",
              "(ACTOR Scorer flags=0x40 (LIST (PARAM weights (TARRAY TNAME f32))) LIST (LIST "
              "(ON Score (LIST (PARAM features -)) BLOCK)))");
  EXPECT_ERRORS("actor A { snapshot often 3 }", 1, "t.act:1:20: error: expected `every` here");
  EXPECT_ERRORS("actor A { passivate before 3s }", 1, "t.act:1:21: error: expected `after` here");
}

Test(parser, supervision) {
  EXPECT_DECL("supervisor Bank(tellers: int) {\n"
              "    strategy one_for_one\n"
              "    restarts 3 within 5s\n"
              "    child ledger = Ledger()\n"
              "    child audit = Audit(ledger) restart temporary\n"
              "    children tellers = Teller(ledger, i) for i in 0..tellers\n"
              "    on GetLedger { return ledger }\n"
              "}\n",
              "(ACTOR Bank flags=0x80 (LIST (PARAM tellers TNAME int)) LIST (LIST STRATEGY one_for_one "
              "(RESTARTS INT 3 DURATION 5000000000) (CHILD ledger (CALL NAME Ledger) -) "
              "(CHILD audit (CALL NAME Audit NAME ledger) NAME temporary) "
              "(CHILDREN tellers (CALL NAME Teller NAME ledger NAME i) (PARAM i -) (RANGE INT 0 NAME tellers) -) "
              "(ON GetLedger LIST (BLOCK (RETURN NAME ledger)))))");
  EXPECT_DECL("supervisor S { children ws = W(i) for i in 0..4 restart temporary }",
              "(ACTOR S flags=0x80 LIST LIST (LIST (CHILDREN ws (CALL NAME W NAME i) (PARAM i -) "
              "(RANGE INT 0 INT 4) NAME temporary)))");
  EXPECT_DECL("actor Main(args: [string]) {\n    supervise one_for_all restarts 3 within 5s\n"
              "    supervise rest_for_one\n}",
              "(ACTOR Main (LIST (PARAM args (TARRAY TNAME string))) LIST (LIST "
              "(SUPERVISE one_for_all INT 3 DURATION 5000000000) (SUPERVISE rest_for_one - -)))");
}

/* ---- statements -------------------------------------------------------- */

Test(parser, simple_statements) {
  EXPECT_STMT("let a = 1", "(VAR a - INT 1)");
  EXPECT_STMT("var y: float = 0.0", "(VAR y flags=0x100 TNAME float FLOAT 0)");
  EXPECT_STMT("x = 1", "(ASSIGN op== NAME x INT 1)");
  EXPECT_STMT("x += 1", "(ASSIGN op=+ NAME x INT 1)");
  EXPECT_STMT("x -= 1", "(ASSIGN op=- NAME x INT 1)");
  EXPECT_STMT("x *= 2", "(ASSIGN op=* NAME x INT 2)");
  EXPECT_STMT("x /= 2", "(ASSIGN op=/ NAME x INT 2)");
  EXPECT_STMT("x %= 2", "(ASSIGN op=% NAME x INT 2)");
  EXPECT_STMT("a.b[1] = 3", "(ASSIGN op== (INDEX (DOT b NAME a) INT 1) INT 3)");
  EXPECT_STMT("return", "(RETURN -)");
  EXPECT_STMT("return a + 1", "(RETURN (BINARY op=+ NAME a INT 1))");
  EXPECT_STMT("break", "BREAK");
  EXPECT_STMT("continue", "CONTINUE");
  EXPECT_STMT("stop", "(STOP -)");
  EXPECT_STMT("stop(ref)", "(STOP NAME ref)");
  EXPECT_STMT("persist Added(x)", "(PERSIST (CALL NAME Added NAME x))");
  EXPECT_STMT("persist Reset", "(PERSIST NAME Reset)");
  EXPECT_STMT("f(x)", "(EXPR_STMT (CALL NAME f NAME x))");
  EXPECT_STMT("{ let a = 1 }", "(BLOCK (VAR a - INT 1))");
  EXPECT_ERRORS("fn f() {\n    3 = x\n}\n", 1, "t.act:2:5: error: cannot assign to this expression");
}

Test(parser, tell_is_a_statement) {
  EXPECT_STMT("p ! Ping(left)", "(SEND NAME p (CALL NAME Ping NAME left))");
  EXPECT_STMT("self ! Tick", "(SEND SELF NAME Tick)");
  EXPECT_STMT("Cart[\"u42\"] ! Add(item)", "(SEND (INDEX NAME Cart STRING \"u42\") (CALL NAME Add NAME item))");
  EXPECT_STMT("Account@\"bank\" ! Deposit(1)", "(SEND (AT TNAME Account STRING \"bank\") (CALL NAME Deposit INT 1))");
  EXPECT_STMT("spawn W() ! Go", "(SEND (SPAWN (CALL NAME W) - -) NAME Go)");
  EXPECT_ERRORS("fn f() {\n    let x = a ! B\n}\n", 1, "t.act:2:15:");
}

Test(parser, control_flow) {
  EXPECT_STMT("if a { } else if b { } else { }", "(IF NAME a BLOCK (IF NAME b BLOCK BLOCK))");
  EXPECT_STMT("if let v = m.get(k) { x } else { y }",
              "(IF_LET v (CALL (DOT get NAME m) NAME k) (BLOCK (EXPR_STMT NAME x)) (BLOCK (EXPR_STMT NAME y)))");
  EXPECT_STMT("if a { } else if let v = o { }", "(IF NAME a BLOCK (IF_LET v NAME o BLOCK -))");
  EXPECT_STMT("while x < 10 { x += 1 }", "(WHILE (BINARY op=< NAME x INT 10) (BLOCK (ASSIGN op=+ NAME x INT 1)))");
  EXPECT_STMT("for i in 0..n { }", "(FOR (LIST (PARAM i -)) (RANGE INT 0 NAME n) BLOCK)");
  EXPECT_STMT("for i in a + 1..len(xs) - 1 { }",
              "(FOR (LIST (PARAM i -)) (RANGE (BINARY op=+ NAME a INT 1) (BINARY op=- (CALL NAME len NAME xs) "
              "INT 1)) BLOCK)");
  EXPECT_STMT("for x in xs { }", "(FOR (LIST (PARAM x -)) NAME xs BLOCK)");
  EXPECT_STMT("for k, v in m { }", "(FOR (LIST (PARAM k -) (PARAM v -)) NAME m BLOCK)");
  EXPECT_STMT("for f in fs { total += await f }",
              "(FOR (LIST (PARAM f -)) NAME fs (BLOCK (ASSIGN op=+ NAME total (AWAIT NAME f -))))");
}

Test(parser, struct_literal_in_heads_needs_parentheses) {
  /* the `{` after the head is the block (Go's rule) */
  EXPECT_STMT("if x == y { }", "(IF (BINARY op=== NAME x NAME y) BLOCK -)");
  EXPECT_STMT("while ok { }", "(WHILE NAME ok BLOCK)");
  EXPECT_STMT("for p in ps { }", "(FOR (LIST (PARAM p -)) NAME ps BLOCK)");
  EXPECT_STMT("if a.b == c.d { }", "(IF (BINARY op=== (DOT b NAME a) (DOT d NAME c)) BLOCK -)");
  EXPECT_STMT("if p == (Point{x: 0, y: 0}) { }",
              "(IF (BINARY op=== NAME p (STRUCT_LIT flags=0x200 NAME Point (FIELD_INIT x INT 0) "
              "(FIELD_INIT y INT 0))) BLOCK -)");
  EXPECT_STMT("if f(P{x: 1}) { }", "(IF (CALL NAME f (STRUCT_LIT NAME P (FIELD_INIT x INT 1))) BLOCK -)");
  EXPECT_STMT("match (P{x: 1}) { _ => { } }",
              "(MATCH (STRUCT_LIT flags=0x200 NAME P (FIELD_INIT x INT 1)) (ARM PWILD BLOCK))");
  EXPECT_ERRORS("fn f() {\n    if p == Point{x: 0, y: 0} { }\n    let ok = 1\n}\n", 1,
                "t.act:2:20: error:", "hint: a struct literal in the head");
}

Test(parser, match_arms_and_patterns) {
  EXPECT_STMT("match s { Circle(r) => area = 3.14 * r * r, Rect(w, h) => { }, _ => { } }",
              "(MATCH NAME s (ARM (PVARIANT Circle (PARAM r -)) (ASSIGN op== NAME area (BINARY op=* "
              "(BINARY op=* FLOAT 3.1400000000000001 NAME r) NAME r))) (ARM (PVARIANT Rect (PARAM w -) "
              "(PARAM h -)) BLOCK) (ARM PWILD BLOCK))");
  EXPECT_STMT("match s {\n"
              "        Shape.Circle(_) => stop\n"
              "        Shape.Empty => return\n"
              "        Empty => break,\n"
              "        -1 => x\n"
              "        \"s\" => y\n"
              "        true => z\n"
              "        false => sender ! M\n"
              "        0 => { }\n"
              "    }",
              "(MATCH NAME s (ARM (PVARIANT Circle [Shape] PWILD) (STOP -)) (ARM PVARIANT Empty [Shape] (RETURN -)) "
              "(ARM PVARIANT Empty BREAK) (ARM (PLIT (UNARY op=neg INT 1)) (EXPR_STMT NAME x)) "
              "(ARM (PLIT STRING \"s\") (EXPR_STMT NAME y)) (ARM (PLIT BOOL 1) (EXPR_STMT NAME z)) "
              "(ARM (PLIT BOOL 0) (SEND SENDER NAME M)) (ARM (PLIT INT 0) BLOCK))");
  EXPECT_STMT("match n { }", "(MATCH NAME n)");
}

/* ---- expressions ------------------------------------------------------- */

Test(parser, literals) {
  EXPECT_EXPR("42", "INT 42");
  EXPECT_EXPR("0x_ff + 0b1_0 + 1_000", "(BINARY op=+ (BINARY op=+ INT 255 INT 2) INT 1000)");
  EXPECT_EXPR("18446744073709551615", "INT 18446744073709551615");
  EXPECT_EXPR("1.5e3", "FLOAT 1500");
  EXPECT_EXPR("250ms", "DURATION 250000000");
  EXPECT_EXPR("true", "BOOL 1");
  EXPECT_EXPR("false", "BOOL 0");
  EXPECT_EXPR("none", "NONE");
  EXPECT_EXPR("self", "SELF");
  EXPECT_EXPR("sender", "SENDER");
  EXPECT_EXPR("\"\\u{41}\\0\\\"\\\\\"", "STRING \"A\\x00\\\"\\\\\"");
  EXPECT_EXPR("\"\"", "STRING \"\"");
  EXPECT_EXPR("[1, 2, 3]", "(ARRAY_LIT INT 1 INT 2 INT 3)");
  EXPECT_EXPR("[\n  1,\n  2,\n]", "(ARRAY_LIT INT 1 INT 2)");
  EXPECT_EXPR("[]", "ARRAY_LIT");
  EXPECT_EXPR("[:]", "MAP_LIT");
  EXPECT_EXPR("[\"a\": 1, \"b\": 2,]", "(MAP_LIT (PAIR STRING \"a\" INT 1) (PAIR STRING \"b\" INT 2))");
  EXPECT_EXPR("Point{x: 1.0, y: 2.0}", "(STRUCT_LIT NAME Point (FIELD_INIT x FLOAT 1) (FIELD_INIT y FLOAT 2))");
  EXPECT_EXPR("Point{\n  x: 1\n  y: 2\n}", "(STRUCT_LIT NAME Point (FIELD_INIT x INT 1) (FIELD_INIT y INT 2))");
  EXPECT_EXPR("cart.Cart{id: 1}", "(STRUCT_LIT (DOT Cart NAME cart) (FIELD_INIT id INT 1))");
  EXPECT_EXPR("P{}", "(STRUCT_LIT NAME P)");
  EXPECT_EXPR("[k: P{x: 1}]", "(MAP_LIT (PAIR NAME k (STRUCT_LIT NAME P (FIELD_INIT x INT 1))))");
}

Test(parser, interpolation) {
  EXPECT_EXPR("\"x = {x + 1}\"", "(INTERP STRING \"x = \" (BINARY op=+ NAME x INT 1))");
  EXPECT_EXPR("\"a{x}b{{c}}d\"", "(INTERP STRING \"a\" NAME x STRING \"b{c}d\")");
  EXPECT_EXPR("\"{m[\"a\"]}\"", "(INTERP (INDEX NAME m STRING \"a\"))");
  EXPECT_EXPR("\"{\"in{y}ner\"}\"", "(INTERP (INTERP STRING \"in\" NAME y STRING \"ner\"))");
  EXPECT_EXPR("\"{P{x: 1}.x}!\"", "(INTERP (DOT x (STRUCT_LIT NAME P (FIELD_INIT x INT 1))) STRING \"!\")");
  EXPECT_EXPR("\"{{}}\"", "STRING \"{}\"");
  /* positions inside an interpolation are those of the file */
  ast_t *m = PARSE("fn f() {\n  let s = \"ab {x + }\"\n}\n");
  (void)m;
  cr_expect_eq(d.errors, 1, "%s", errbuf);
  cr_expect(strstr(errbuf, "t.act:2:20: error: expected an expression before `}`"), "%s", errbuf);
}

Test(parser, precedence_of_the_reference) {
  /* loosest first: || && comparisons | ^ & << >> + - * / % prefix ? postfix */
  EXPECT_EXPR("a || b && c == d | e ^ f & g << h + i * -j",
              "(BINARY op=|| NAME a (BINARY op=&& NAME b (BINARY op=== NAME c (BINARY op=| NAME d "
              "(BINARY op=^ NAME e (BINARY op=& NAME f (BINARY op=<< NAME g (BINARY op=+ NAME h "
              "(BINARY op=* NAME i (UNARY op=neg NAME j))))))))))");
  EXPECT_EXPR("a * b + c", "(BINARY op=+ (BINARY op=* NAME a NAME b) NAME c)");
  EXPECT_EXPR("a - b - c", "(BINARY op=- (BINARY op=- NAME a NAME b) NAME c)");
  EXPECT_EXPR("a >> 2 << 1", "(BINARY op=<< (BINARY op=>> NAME a INT 2) INT 1)");
  EXPECT_EXPR("~x % 3", "(BINARY op=% (UNARY op=~ NAME x) INT 3)");
  EXPECT_EXPR("!a && b", "(BINARY op=&& (UNARY op=! NAME a) NAME b)");
  EXPECT_EXPR("(a + b) * c", "(BINARY op=* (BINARY op=+ flags=0x200 NAME a NAME b) NAME c)");
  /* ask binds tighter than prefix operators, postfix tighter than ask */
  EXPECT_EXPR("await a[i] ? Get within 2s",
              "(AWAIT (ASK (INDEX NAME a NAME i) NAME Get) DURATION 2000000000)");
  EXPECT_EXPR("await ref ? Quote(x)", "(AWAIT (ASK NAME ref (CALL NAME Quote NAME x)) -)");
  EXPECT_EXPR("-a ? b", "(UNARY op=neg (ASK NAME a NAME b))");
  EXPECT_EXPR("a ? B + 1", "(BINARY op=+ (ASK NAME a NAME B) INT 1)");
  EXPECT_EXPR("await f + 1", "(BINARY op=+ (AWAIT NAME f -) INT 1)");
  EXPECT_EXPR("[a ? Quote(x), b ? Quote(x)]",
              "(ARRAY_LIT (ASK NAME a (CALL NAME Quote NAME x)) (ASK NAME b (CALL NAME Quote NAME x)))");
  EXPECT_EXPR("!a.b(c)[d] as T",
              "(UNARY op=! (CAST (INDEX (CALL (DOT b NAME a) NAME c) NAME d) TNAME T))");
  EXPECT_EXPR("x as float + 1", "(BINARY op=+ (CAST NAME x TNAME float) INT 1)");
  EXPECT_EXPR("n as m.T", "(CAST NAME n TNAME T [m])");
  EXPECT_EXPR("Shape.Circle(1.0)", "(CALL (DOT Circle NAME Shape) FLOAT 1)");
  EXPECT_EXPR("saxpy[n](2.0, xs, ys)", "(CALL (INDEX NAME saxpy NAME n) FLOAT 2 NAME xs NAME ys)");
  EXPECT_EXPR("f(\n  a,\n  b\n)", "(CALL NAME f NAME a NAME b)");
  EXPECT_EXPR("Account@\"name\"", "(AT TNAME Account STRING \"name\")");
  /* comparisons do not chain */
  EXPECT_ERRORS("fn f() {\n    let x = a < b == c\n}\n", 1, "t.act:2:19: error: comparisons cannot be chained");
  EXPECT_EXPR("(a < b) == c", "(BINARY op=== (BINARY op=< flags=0x200 NAME a NAME b) NAME c)");
}

Test(parser, spawn_forms) {
  EXPECT_EXPR("spawn Counter(0)", "(SPAWN (CALL NAME Counter INT 0) - -)");
  EXPECT_EXPR("spawn Ponger", "(SPAWN NAME Ponger - -)");
  EXPECT_EXPR("spawn Worker(1) on n", "(SPAWN (CALL NAME Worker INT 1) NAME n -)");
  EXPECT_EXPR("spawn Job(x) restart temporary", "(SPAWN (CALL NAME Job NAME x) - NAME temporary)");
  EXPECT_EXPR("spawn Worker(1) on nodes()[0] restart temporary",
              "(SPAWN (CALL NAME Worker INT 1) (INDEX (CALL NAME nodes) INT 0) NAME temporary)");
  EXPECT_EXPR("spawn W(1) ? Get", "(ASK (SPAWN (CALL NAME W INT 1) - -) NAME Get)");
}

/* ---- automatic semicolons in context ------------------------------------ */

Test(parser, newlines) {
  /* an operator at the end of a line continues the statement */
  EXPECT_STMT("let a = 1 +\n        2", "(VAR a - (BINARY op=+ INT 1 INT 2))");
  EXPECT_STMT("let a = x &&\n        y", "(VAR a - (BINARY op=&& NAME x NAME y))");
  /* `else` on the line of the `}` */
  EXPECT_STMT("if a {\n    } else {\n    }", "(IF NAME a BLOCK BLOCK)");
  /* several statements on a line with `;` */
  ast_t *m = PARSE("fn f() { a = 1; b = 2; }");
  cr_expect_eq(d.errors, 0, "%s", errbuf);
  cr_expect_eq(m->kids[0]->kids[2]->nkids, 2);
}

/* ---- errors and recovery ----------------------------------------------- */

Test(parser, errors_name_what_was_expected) {
  EXPECT_ERRORS("fn f(x int) { }", 1, "t.act:1:8: error: expected `:` before `int`");
  EXPECT_ERRORS("fn f() {\n    let = 1\n}\n", 1, "t.act:2:9: error: expected a name before `=`");
  EXPECT_ERRORS("fn f() {\n    x = )\n}\n", 1, "t.act:2:9: error: expected an expression before `)`");
  EXPECT_ERRORS("fn f() {\n    foo(a b)\n}\n", 1, "t.act:2:11: error: expected `,` or `)` before `b`");
  EXPECT_ERRORS("fn f() {\n    let z = 1 2\n}\n", 1, "t.act:2:15: error: expected a newline or `;` before `2`");
  EXPECT_ERRORS("struct S { a: int b: int }", 1, "t.act:1:19: error: expected `,` or a newline before `b`");
  EXPECT_ERRORS("fn f() {\n", 1, "t.act:2:1: error: expected `}` before end of file");
  EXPECT_ERRORS("fn f() {\n    let x = (1 + 2\n    print(x)\n}\n", 1,
                "t.act:3:5: error: expected `)` before `print`");
  EXPECT_ERRORS("MODULE [x]\n", 1, "t.act:1:1: error: expected a declaration, found `MODULE`");
  EXPECT_ERRORS("fn f() {\n    x = a.\n}\n", 1, "t.act:3:1: error: expected a name before `}`");
}

Test(parser, else_on_a_new_line) {
  EXPECT_ERRORS("fn f() {\n    if true {\n        print(1)\n    }\n    else {\n        print(2)\n    }\n}\n", 1,
                "t.act:5:5: error: unexpected `else`",
                "hint: put `else` on the same line as the `}` before it");
}

Test(parser, recovery_reports_every_error_once) {
  /* one error per broken statement or declaration, nothing in between */
  EXPECT_ERRORS("fn f() {\n"
                "    let x = )\n"
                "    let y = 2\n"
                "    if y { z = } \n"
                "    let w = 3\n"
                "}\n"
                "fn g() {\n"
                "    let = 3\n"
                "}\n"
                "struct S { a int }\n"
                "actor A {\n"
                "    on Q(a b) { }\n"
                "    var ok = 1\n"
                "    on R { print(\"hi\" }\n"
                "    fn h() -> int { return }\n"
                "}\n"
                "const C = 1\n"
                "const D = \n",
                7,
                "t.act:2:13:", "t.act:4:16:", "t.act:8:9:", "t.act:10:14:", "t.act:12:12:",
                "t.act:14:23:", "t.act:19:1:");
}

Test(parser, recovery_keeps_the_good_parts) {
  ast_t *m = PARSE("fn f() {\n    let x = )\n    let y = 2\n}\nfn g() { }\n");
  cr_expect_eq(d.errors, 1, "%s", errbuf);
  cr_assert_eq(m->nkids, 2);
  char *s = sx(m);
  cr_expect_str_eq(s, "(MODULE [t.act] (FN f LIST - (BLOCK (VAR y - INT 2))) (FN g LIST - BLOCK))");
  free(s);
}

Test(parser, unclosed_paren_does_not_swallow_the_file) {
  EXPECT_ERRORS("actor A {\n"
                "    init {\n"
                "        let x = (1 + 2\n"
                "        print(x)\n"
                "    }\n"
                "    on Foo( { }\n"
                "}\n"
                "fn g() { let = 1 }\n",
                3, "t.act:4:9: error: expected `)` before `print`", "t.act:6:13:", "t.act:8:14:");
}

Test(parser, lexical_errors) {
  EXPECT_ERRORS("fn f() { let s = \"abc\n}\n", 1, "t.act:1:18: error: unterminated string literal");
  EXPECT_ERRORS("fn f() { let s = \"a\\qb\" }\n", 1, "t.act:1:20: error: unknown escape sequence `\\q`");
  EXPECT_ERRORS("fn f() { let s = \"a\\u{D800}\" }\n", 1, "invalid unicode escape");
  EXPECT_ERRORS("fn f() { let s = \"a}b\" }\n", 1, "t.act:1:20: error: a lone `}` in a string");
  EXPECT_ERRORS("fn f() { let s = \"a{\" }\n", 1, "unterminated `{` in string interpolation");
  EXPECT_ERRORS("fn f() { let s = \"{}\" }\n", 1, "empty `{}` in string");
  EXPECT_ERRORS("fn f() { } /* never /* closed */\n", 1, "t.act:1:12: error: unterminated block comment");
  EXPECT_ERRORS("fn f() { let x = 1 $ 2 }\n", 1, "t.act:1:20: error: unexpected character `$`");
  EXPECT_ERRORS("fn f() { let x = 5min }\n", 1, "t.act:1:18: error: invalid number `5min`");
  EXPECT_ERRORS("fn f() { let x = 1.5s }\n", 1, "a duration needs a whole number");
  EXPECT_ERRORS("fn f() { let x = 99999999999999999999 }\n", 1, "too large");
  EXPECT_ERRORS("fn f() { let x = 99999999999h }\n", 1, "too large");
  const char bad[] = "fn f() {\n    let x = \xff\n}\n";
  parse(bad, sizeof bad - 1);
  cr_expect_eq(d.errors, 1, "%s", errbuf);
  cr_expect(strstr(errbuf, "t.act:2:13: error: invalid UTF-8 byte 0xff") != NULL, "%s", errbuf);
  const char nul[] = "fn f() {\n    let x = 1\0\n}\n";
  parse(nul, sizeof nul - 1);
  cr_expect_eq(d.errors, 1, "%s", errbuf);
  cr_expect(strstr(errbuf, "t.act:2:14: error: NUL byte in source") != NULL, "%s", errbuf);
  /* UTF-8 inside strings and comments is fine */
  PARSE("// héllo\nfn f() { let s = \"😀 {x} é\" }\n");
  cr_expect_eq(d.errors, 0, "%s", errbuf);
}

/* ---- limits -------------------------------------------------------------- */

static char *repeat(const char *pre, const char *a, size_t n, const char *mid, const char *b,
                    size_t m, const char *post) {
  size_t la = strlen(a), lb = strlen(b);
  char *s = malloc(strlen(pre) + la * n + strlen(mid) + lb * m + strlen(post) + 1);
  char *p = s;
  p = stpcpy(p, pre);
  for (size_t i = 0; i < n; i++) p = stpcpy(p, a);
  p = stpcpy(p, mid);
  for (size_t i = 0; i < m; i++) p = stpcpy(p, b);
  stpcpy(p, post);
  return s;
}

Test(parser, nesting_limit_is_256_levels) {
  /* 255 parentheses inside the function's braces: 256 levels, fine */
  char *ok = repeat("fn f() { let x = ", "(", 255, "1", ")", 255, " }\n");
  parse(ok, strlen(ok));
  cr_expect_eq(d.errors, 0, "%s", errbuf);
  free(ok);
  const char *open[] = {"(", "[", "{"};
  const char *close[] = {")", "]", "}"};
  for (int k = 0; k < 3; k++) {
    char *s = repeat(k == 2 ? "fn f() " : "fn f() { let x = ", open[k], 100000, "1", close[k], 100000,
                     k == 2 ? "\n" : " }\n");
    parse(s, strlen(s));
    cr_expect_eq(d.errors, 1, "%s", errbuf);
    cr_expect(strstr(errbuf, "nesting deeper than 256 levels") != NULL, "%s", errbuf);
    free(s);
  }
}

Test(parser, deep_chains_are_rejected_not_crashing) {
  const char *chains[] = {"-", "!", "await ", "spawn "};
  for (int k = 0; k < 4; k++) {
    char *s = repeat("fn f() { let x = ", chains[k], 100000, "x", "", 0, " }\n");
    parse(s, strlen(s));
    cr_expect_geq(d.errors, 1, "%s", chains[k]);
    cr_expect(strstr(errbuf, "deeper than") != NULL, "%s", errbuf);
    free(s);
  }
  const char *tails[] = {" + a", ".b", "()", "[0]", " as T", " ? M"};
  for (int k = 0; k < 6; k++) {
    char *s = repeat("fn f() { let x = a", tails[k], 100000, "", "", 0, " }\n");
    ast_t *m = parse(s, strlen(s));
    cr_expect_eq(d.errors, 1, "%s", tails[k]);
    cr_expect(strstr(errbuf, "nested deeper than 1000 levels") != NULL, "%s", errbuf);
    /* the tree that is left is shallow enough to walk */
    FILE *null = fopen("/dev/null", "w");
    ast_dump(m, null);
    fclose(null);
    free(s);
  }
  char *s = repeat("fn f() { if a { }", " else if a { }", 100000, "", "", 0, " }\n");
  parse(s, strlen(s));
  cr_expect_geq(d.errors, 1);
  free(s);
}

Test(parser, garbage_never_crashes) {
  PARSE("\x01\x02}}}{{{((((]]]\xff\xfe");
  cr_expect_geq(d.errors, 1);
  unsigned seed = 12345;
  char buf[4096];
  for (int round = 0; round < 300; round++) {
    size_t n = (size_t)(round * 13 % 4000);
    for (size_t i = 0; i < n; i++) {
      seed = seed * 1103515245u + 12345u;
      /* mostly source-like bytes */
      const char *alphabet = "fn actor on {}()[]<>\"\\ \n\t;:,.=+-*/!?@_0123456789abxyzs\x00\xff";
      buf[i] = alphabet[(seed >> 16) % 52];
    }
    parse(buf, n);
  }
}

Test(parser, big_program_parses_fast) {
  const char *unit =
      "actor A(start: int) {\n"
      "    var n = start\n"
      "    on Ping(k) {\n"
      "        let s = \"value {k} is {k * 2 + n}\"\n"
      "        if k > 10 && n < 100 || k == 3 {\n"
      "            n += k * (k - 1) / 2\n"
      "        } else {\n"
      "            m[\"a\"] = n\n"
      "        }\n"
      "        match k {\n"
      "            0 => print(\"zero\"),\n"
      "            _ => print(s)\n"
      "        }\n"
      "        let q = Point{x: 1.0, y: 2.5e3}\n"
      "        sender ! Pong(await sender ? Get(k) within 2s)\n"
      "    }\n"
      "}\n";
  size_t ul = strlen(unit), reps = 100000 / 17 + 1;
  char *src = malloc(ul * reps + 1);
  for (size_t i = 0; i < reps; i++)
    memcpy(src + i * ul, unit, ul);
  src[ul * reps] = '\0';
  clock_t t0 = clock();
  ast_t *m = parse(src, ul * reps);
  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  cr_expect_eq(d.errors, 0, "%s", errbuf);
  cr_expect_eq((size_t)m->nkids, reps);
  /* generous: sanitizer and debug builds run this too */
  cr_expect_lt(secs, 5.0, "%.3f s for 100,000 lines", secs);
  free(src);
}
