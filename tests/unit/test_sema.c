/* Checker: one test per static rule of LANGUAGE.md §2-§13 (and the
 * decisions of BUILTINS.md and docs/decisions.md). Each test checks a
 * program and lists exactly the errors it must give, in order, as in
 * ponyc's TEST_ERRORS: an entry matches an error whose message starts with
 * it; a program that must be accepted lists none. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sema/sema.h"
#include "syntax/parse.h"

/* The messages of the errors reported for src, one per line. */
static char *check(const char *src, int *nerrors) {
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  cr_assert(f != NULL);
  diag_t d;
  diag_init(&d);
  d.out = f;
  src_file_t *file = src_from_string("t.act", src, strlen(src));
  ast_t *m = parse_module(file, &d);
  program_t prog;
  sema_opts_t opts = {.stdlib_dir = "/nonexistent", .require_main = false};
  bool ok = sema_check_module(m, &opts, &d, &prog);
  cr_assert_eq(ok, d.errors == 0, "sema_check_module's result disagrees with the error count");
  *nerrors = d.errors;
  fclose(f);
  sema_release(&prog);
  type_reset();
  ast_free_all();
  strtab_free_all();
  src_free_all();
  /* keep only "MESSAGE" of "t.act:L:C: error: MESSAGE" lines */
  char *msgs = calloc(1, len + 1), *w = msgs;
  cr_assert(msgs != NULL);
  for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
    char *e = strstr(line, ": error: ");
    if (e && strncmp(line, "t.act:", 6) == 0)
      w += sprintf(w, "%s\n", e + 9);
  }
  free(out);
  return msgs;
}

static void expect_errors(const char *src, const char *const *want) {
  int n = 0;
  char *msgs = check(src, &n);
  int nwant = 0;
  while (want[nwant])
    nwant++;
  char *line = msgs;
  for (int i = 0; i < nwant; i++) {
    char *nl = line ? strchr(line, '\n') : NULL;
    cr_assert(nl != NULL, "error %d should start `%s`, but there are only %d errors:\n%s", i + 1,
              want[i], i, msgs);
    cr_assert(strncmp(line, want[i], strlen(want[i])) == 0,
              "error %d should start `%s`; the errors are:\n%s", i + 1, want[i], msgs);
    line = nl + 1;
  }
  cr_assert_eq(n, nwant, "expected %d errors, got %d:\n%s", nwant, n, msgs);
  free(msgs);
}

#define TEST_ERRORS(src, ...) expect_errors(src, (const char *const[]){__VA_ARGS__, NULL})
#define TEST_OK(src) expect_errors(src, (const char *const[]){NULL})
/* A program whose Main's init holds the statements `body`. */
#define IN_INIT(body) "actor Main(args: [string]) {\n  init {\n" body "\n  }\n}\n"

/* ---- §2 lexical structure ------------------------------------------------ */

Test(lexical, literal_too_large_does_not_hide_later_errors) {
  TEST_ERRORS(IN_INIT("let a = 99999999999999999999999\nlet b: u8 = 300"),
              "integer literal `99999999999999999999999` is too large", "300 does not fit in `u8`");
}

Test(lexical, unknown_escape) {
  TEST_ERRORS(IN_INIT("let s = \"a\\qb\""), "unknown escape sequence `\\q`");
}

Test(lexical, underscore_binds_nothing) {
  TEST_ERRORS(IN_INIT("match 3 { _ => print(_) }"), "expected");
}

/* ---- §3 types and values --------------------------------------------------- */

Test(types, integer_literal_must_fit) {
  TEST_ERRORS(IN_INIT("let a: u8 = 255\nlet b: i8 = -129\nlet c: u8 = -1"),
              "-129 does not fit in `i8`", "-1 does not fit in `u8`");
}

Test(types, literals_take_the_type_asked_for) {
  TEST_OK("struct P { x: float, y: f32 }\n"
          "fn f(h: f32) -> f32 { return h }\n" IN_INIT("let p = P{x: 0, y: 0}\nlet h: f32 = 0.5\nprint(f(2.0))"));
}

Test(types, no_implicit_numeric_conversion) {
  TEST_ERRORS(IN_INIT("let i = 1\nlet f: float = i"), "expected `float`, found `int`");
}

Test(types, explicit_conversion_with_as) {
  TEST_OK(IN_INIT("let i = 1\nlet f = i as float\nlet b = 300 as u8\nprint(f)\nprint(b)"));
}

Test(types, as_converts_numbers_only) {
  TEST_ERRORS(IN_INIT("let s = \"1\"\nlet n = s as int"), "cannot convert `string` to `int`");
}

Test(types, mixed_operands_are_refused) {
  TEST_ERRORS(IN_INIT("let i = 1\nlet f = 2.0\nlet a = i + f\nlet b = 1 + 2.0"),
              "mismatched operand types `int` and `float` for `+`");
}

Test(types, string_concatenation_needs_strings) {
  TEST_ERRORS(IN_INIT("let s = \"n=\" + 1"), "mismatched operand types `string` and `int` for `+`");
}

Test(types, remainder_and_bits_take_integers) {
  TEST_ERRORS(IN_INIT("let a = 1.5 % 2.0\nlet b = 1.0 & 2.0"), "`%` needs integers, not `float`",
              "`&` needs integers, not `float`");
}

Test(types, duration_arithmetic) {
  TEST_OK(IN_INIT("let d = 2s + 500ms\nlet e = d * 2\nlet f = 3 * d\nlet g = d / 4\nprint(e.ms() + f.ms() + g.ms())"));
}

Test(types, duration_scales_by_int_only) {
  TEST_ERRORS(IN_INIT("let n: u8 = 2\nlet d = 2s * n\nlet e = 2s * 1.5\nlet f = 2 / 1s"),
              "a duration is scaled by an `int`, not `u8`", "mismatched operand types `duration` and `float` for `*`",
              "mismatched operand types `int` and `duration` for `/`");
}

Test(types, duration_plus_number_is_refused) {
  TEST_ERRORS(IN_INIT("let d = 2s + 1"), "mismatched operand types `duration` and `int` for `+`");
}

Test(types, map_keys) {
  TEST_ERRORS(IN_INIT("let m: [float: int] = [:]"), "map keys must be an integer type, bool or string");
}

Test(types, optional_converts_from_value_not_back) {
  TEST_ERRORS(IN_INIT("let a: int? = 3\nlet b: int? = none\nlet c: int = a"), "expected `int`, found `int?`");
}

Test(types, none_needs_an_optional) {
  TEST_ERRORS(IN_INIT("let a: int = none"), "expected `int`, found `none`");
}

Test(types, none_alone_has_no_type) {
  TEST_ERRORS(IN_INIT("var a = none"), "cannot tell the type of `a` from `none`");
}

Test(types, empty_literals_need_a_type) {
  TEST_ERRORS(IN_INIT("var a = []\nvar m = [:]"), "cannot tell the element type of `[]`",
              "cannot tell the key and value types of `[:]`");
}

Test(types, recursive_enum_with_a_base_variant) {
  TEST_OK("enum Tree { Leaf, Node(l: Tree, r: Tree) }\n"
          "fn size(t: Tree) -> int {\n  match t {\n    Leaf => { return 0 }\n"
          "    Node(l, r) => { return 1 + size(l) + size(r) }\n  }\n}\n"
          IN_INIT("print(size(Node(Leaf, Node(Leaf, Leaf))))"));
}

Test(types, recursive_enum_without_a_base_variant) {
  TEST_ERRORS("enum Inf { More(x: Inf) }\nenum A { X(b: B) }\nenum B { Y(a: A) }",
              "no value of enum `Inf` can be built", "no value of enum `A` can be built",
              "no value of enum `B` can be built");
}

Test(types, struct_holds_itself_only_in_arrays_and_maps) {
  TEST_ERRORS("struct Ok { kids: [Ok], by: [string: Ok] }\nstruct S { s: S }\nstruct O { o: O? }\n"
              "struct A { b: B }\nstruct B { a: A }",
              "struct `S` contains itself", "struct `O` contains itself", "struct `A` contains itself");
}

Test(types, struct_through_enum_with_base_variant) {
  TEST_OK("struct P { e: E }\nenum E { End, More(p: P) }");
}

/* ---- §4 statements and expressions ---------------------------------------- */

Test(statements, let_is_immutable) {
  TEST_ERRORS(IN_INIT("let x = 1\nx = 2"), "cannot assign to `x`: it is declared with `let`");
}

Test(statements, let_needs_a_value) {
  TEST_ERRORS(IN_INIT("let x: int\nvar y: int\ny = 2"), "`let x` needs a value");
}

Test(statements, var_needs_a_type_or_value) {
  TEST_ERRORS(IN_INIT("var z"), "cannot tell the type of `z`");
}

Test(statements, one_declaration_per_block) {
  TEST_ERRORS(IN_INIT("let x = 1\nlet x = 2\nvar y = 1\nlet y = 3"), "`x` is already declared in this block",
              "`y` is already declared in this block");
}

Test(statements, inner_blocks_may_hide) {
  TEST_OK("fn f(n: int) -> int {\n  var t = 0\n  for i in 0..n { let t = i; print(t) }\n"
          "  if n > 0 { let n = 1; return n }\n  return t\n}");
}

Test(statements, local_named_like_a_parameter) {
  TEST_ERRORS("fn f(n: int) -> int {\n  let n = 2\n  return n\n}", "`n` is already declared as a parameter");
}

Test(statements, compound_assignment_on_numbers_and_strings) {
  TEST_ERRORS(IN_INIT("var s = \"a\"\ns += \"b\"\nvar n = 1\nn *= 3\nvar b = true\nb += true"), "`+=`");
}

Test(statements, condition_is_bool) {
  TEST_ERRORS(IN_INIT("if 1 { }\nwhile \"x\" { }"), "expected `bool`, found `int`", "expected `bool`, found `string`");
}

Test(statements, break_outside_a_loop) {
  TEST_ERRORS(IN_INIT("break"), "`break` outside a loop");
}

Test(statements, for_over_range_array_map) {
  TEST_OK(IN_INIT("for i in 0..3 { print(i) }\nfor x in [1, 2] { print(x) }\nfor k, v in [\"a\": 1] { print(\"{k}{v}\") }"));
}

Test(statements, for_over_a_number) {
  TEST_ERRORS(IN_INIT("for x in 3 { print(x) }"), "cannot loop over `int`");
}

Test(statements, if_let_unwraps_optionals_only) {
  TEST_ERRORS(IN_INIT("let m = [\"a\": 1]\nif let v = m.get(\"a\") { print(v + 1) }\nif let w = 3 { }"),
              "`if let` unwraps an optional, not `int`");
}

Test(statements, match_on_enum_must_cover_every_variant) {
  TEST_ERRORS("enum S { A, B, C }\nfn f(s: S) -> int {\n  match s {\n    A => { return 1 }\n    B => { return 2 }\n  }\n  return 0\n}",
              "`match` on `S` does not cover `C`");
}

Test(statements, match_with_wildcard_and_on_ints) {
  TEST_OK("enum S { A, B }\nfn f(s: S, n: int) {\n  match s { A => print(1), _ => { } }\n"
          "  match n { 1 => print(1), 2 => print(2) }\n  match \"x\" { \"x\" => print(3) }\n}");
}

Test(statements, pattern_name_is_a_variant) {
  TEST_ERRORS("enum S { A, B }\nfn f(s: S) {\n  match s { A => print(1), Nope => print(2), _ => { } }\n}",
              "`Nope` is not a variant of `S`");
}

Test(statements, missing_return) {
  TEST_ERRORS("fn f(x: int) -> int {\n  if x > 0 { return 1 }\n}", "missing `return`");
}

Test(statements, comparisons_do_not_chain) {
  TEST_ERRORS(IN_INIT("let b = 1 < 2 < 3"), "comparisons cannot be chained");
}

Test(statements, struct_literal_fields) {
  TEST_ERRORS("struct P { x: int, y: int }\n" IN_INIT("let a = P{x: 1}\nlet b = P{x: 1, y: 2, z: 3}"),
              "`P` literal is missing field `y`", "struct `P` has no field `z`");
}

Test(statements, comparison_by_value) {
  TEST_OK("struct P { x: int }\nenum E { A, B(n: int) }\n"
          IN_INIT("print(P{x: 1} == P{x: 1})\nprint([1] == [1])\nprint(B(1) != A)\nprint(\"a\" < \"b\")"));
}

/* ---- §5 declarations ------------------------------------------------------- */

Test(declarations, declared_twice) {
  TEST_ERRORS("fn f() { }\nstruct f { x: int }", "`f` is declared twice");
}

Test(declarations, any_order) {
  TEST_OK("fn a() -> int { return b() + LIMIT }\nconst LIMIT = B_LIMIT * 2\nconst B_LIMIT = 10\nfn b() -> int { return 1 }");
}

Test(declarations, constant_cycle) {
  TEST_ERRORS("const A = B + 1\nconst B = A + 1", "constant `A` is defined in terms of itself");
}

Test(declarations, unknown_type_suggests_a_type) {
  TEST_ERRORS("struct Point { x: int }\nfn node() -> int { return 1 }\nfn f(a: Piont, b: Nope) { }",
              "unknown type `Piont`", "unknown type `Nope`");
}

Test(declarations, message_is_not_a_type) {
  TEST_ERRORS("message M(n: int)\nfn f(m: M) { }", "`M` is a message, not a type");
}

Test(declarations, field_less_message_without_parentheses) {
  TEST_ERRORS("message Tick\nactor A { on Tick { } }\n" IN_INIT("let a = spawn A()\na ! Tick()\na ! Tick"),
              "message `Tick` has no fields");
}

Test(declarations, message_cannot_carry_future_or_timer) {
  TEST_ERRORS("message Get -> int\nmessage Bad(f: future<int>)\nmessage Worse(ts: [timer])",
              "a message cannot carry a `future`", "a message cannot carry a `timer`");
}

Test(declarations, reply_cannot_be_future) {
  TEST_ERRORS("message Get -> future<int>", "a reply cannot be a `future<int>`");
}

Test(declarations, wrong_argument_count) {
  TEST_ERRORS("fn f(a: int, b: int) -> int { return a + b }\n" IN_INIT("print(f(1))"),
              "function `f` takes 2 arguments, but 1 was given");
}

Test(declarations, handler_params_bind_by_position) {
  TEST_ERRORS("message Start(count: int, peer: string)\n"
              "actor A {\n  on Start(n, p) { print(n + 1)\nprint(p) }\n}\n"
              "actor B {\n  on Start(n) { }\n}",
              "message `Start` has 2 fields, the handler binds 1");
}

Test(declarations, tell_handler_may_return_without_value) {
  TEST_OK("message M(n: int)\nactor A {\n  on M(n) {\n    if n > 0 { return }\n    print(n)\n  }\n}");
}

Test(declarations, imported_module_missing) {
  TEST_ERRORS("import shop.nothing_here\n", "cannot find module `shop.nothing_here`");
}

/* ---- §6 actors -------------------------------------------------------------- */

Test(actors, send_needs_a_handler) {
  TEST_ERRORS("message Ping(n: int)\nmessage Other\nactor P {\n  on Ping(n) { }\n}\n"
              IN_INIT("let p = spawn P()\np ! Ping(1)\np ! Other"),
              "actor `P` does not handle message `Other`");
}

Test(actors, protocol_reference_takes_its_messages) {
  TEST_ERRORS("message A\nmessage B\nprotocol P { A }\nactor X : P {\n  on A { }\n  on B { }\n}\n"
              "fn f(p: P) {\n  p ! A\n  p ! B\n}",
              "protocol `P` does not include message `B`");
}

Test(actors, protocol_must_be_handled) {
  TEST_ERRORS("message A\nmessage B\nprotocol P { A, B }\nactor X : P {\n  on A { }\n}",
              "actor `X` declares protocol `P` but does not handle `B`");
}

Test(actors, reference_converts_to_its_protocols) {
  TEST_ERRORS("message A\nprotocol P { A }\nactor X : P {\n  on A { }\n}\nactor Y {\n  on A { }\n}\n"
              "fn f(p: P) { }\n" IN_INIT("f(spawn X())\nf(spawn Y())"),
              "expected `P`, found `Y`");
}

Test(actors, parameters_are_immutable) {
  TEST_ERRORS("message M\nactor A(n: int) {\n  on M { n = 2 }\n}", "cannot assign to `n`: it is a parameter of actor `A`");
}

Test(actors, member_declared_twice) {
  TEST_ERRORS("actor A {\n  var x = 1\n  var x = 2\n}", "`x` is declared twice in `A`");
}

Test(actors, main_signature) {
  TEST_ERRORS("actor Main(n: int) { }", "`Main` takes exactly one parameter");
}

Test(actors, spawn_needs_an_actor) {
  TEST_ERRORS("struct S { x: int }\n" IN_INIT("let s = spawn S()"), "`spawn` needs an actor");
}

Test(actors, private_functions_see_state) {
  TEST_OK("message M\nactor A {\n  var n = 1\n  on M { print(twice()) }\n  fn twice() -> int { return n * 2 }\n}");
}

/* ---- §7 messaging ----------------------------------------------------------- */

Test(messaging, ask_needs_a_reply_type) {
  TEST_ERRORS("message Note(s: string)\nactor A {\n  on Note(s) { }\n}\n" IN_INIT("let a = spawn A()\nlet f = a ? Note(\"x\")"),
              "message `Note` has no reply type, so it cannot be asked");
}

Test(messaging, ask_message_may_be_told) {
  TEST_OK("message Get -> int\nactor A {\n  on Get { return 1 }\n}\n" IN_INIT("let a = spawn A()\na ! Get\nlet n = await a ? Get\nprint(n)"));
}

Test(messaging, reply_type) {
  TEST_ERRORS("message Get -> int\nactor A {\n  on Get { return \"x\" }\n}", "`Get` replies with `int`, not `string`");
}

Test(messaging, tell_handler_returns_no_value) {
  TEST_ERRORS("message M\nactor A {\n  on M { return 1 }\n}", "this handler's message has no reply type");
}

Test(messaging, await_only_in_handlers_and_init) {
  TEST_ERRORS("message Get -> int\nactor A {\n  on Get { return 1 }\n}\n"
              "fn f(a: A) -> int { return await a ? Get }",
              "`await` is only allowed in `on` handlers and `init`");
}

Test(messaging, future_not_in_a_field) {
  TEST_ERRORS("message Get -> int\nactor A {\n  on Get { return 1 }\n}\n"
              "actor B(a: A) {\n  var f = a ? Get\n}",
              "a future cannot be kept in a field");
}

Test(messaging, timers_need_a_handler) {
  TEST_ERRORS("message Tick\nmessage Tock\nactor A {\n  on Tick { }\n  init {\n    let t = every(1s, self, Tick)\n"
              "    after(1s, self, Tock)\n    cancel(t)\n  }\n}",
              "actor `A` does not handle message `Tock`");
}

/* ---- §8 failure and supervision --------------------------------------------- */

Test(supervision, down_is_built_in) {
  TEST_OK("actor W { }\nactor Main(args: [string]) {\n  init { monitor(spawn W()) }\n"
          "  on Down(who, reason) { print(reason) }\n}");
}

Test(supervision, down_is_reserved) {
  TEST_ERRORS("message Down(who: int)", "`Down` is the built-in message");
}

Test(supervision, supervisor_children_are_fixed) {
  TEST_ERRORS("message Reset\nactor L { }\nsupervisor S {\n  child l = L()\n  on Reset { l = spawn L() }\n}",
              "cannot assign to `l`: a supervisor's children are fixed");
}

Test(supervision, restart_kind) {
  TEST_ERRORS("actor L { }\nsupervisor S {\n  child l = L() restart sometimes\n}", "unknown restart");
}

Test(supervision, strategy) {
  TEST_ERRORS("actor L { }\nsupervisor S {\n  strategy all_at_once\n  child l = L()\n}", "unknown strategy");
}

/* ---- §9 persistence ------------------------------------------------------------ */

Test(persistence, persist_only_in_persistent_actors) {
  TEST_ERRORS("message M\nactor A {\n  event E\n  on M { persist E }\n  apply E { }\n}",
              "events belong in a `persistent actor`", "`apply` handlers belong in a `persistent actor`",
              "`persist` is only allowed in a persistent actor");
}

Test(persistence, every_event_needs_apply) {
  TEST_ERRORS("message M\npersistent actor A(id: string) {\n  event E(n: int)\n  on M { persist E(1) }\n}",
              "event `E` has no `apply` handler");
}

Test(persistence, events_hold_journal_values) {
  TEST_ERRORS("message M\nactor Other { }\npersistent actor A(id: string) {\n  event E(who: Other)\n"
              "  on M { }\n  apply E(w) { }\n}",
              "event field `who` cannot be persisted");
}

Test(persistence, recursive_enum_in_an_event) {
  /* each type is looked into once: a binary tree is not walked per path */
  TEST_ERRORS("actor W { }\nenum Tree { Leaf, Node(l: Tree, r: Tree) }\n"
              "enum Bad { End, Hold(l: Bad, r: Bad, t: Tree, w: [W?]) }\n"
              "persistent actor S(id: string) {\n  event Saved(t: Tree)\n  event Lost(b: Bad)\n"
              "  apply Saved(t) { }\n  apply Lost(b) { }\n}",
              "event field `b` cannot be persisted: `W` only means something in this process");
}

Test(persistence, wallet) {
  TEST_OK("message Deposit(amount: int)\nmessage Withdraw(amount: int) -> bool\n"
          "persistent actor Wallet(id: string) {\n  var balance = 0\n  event Credited(amount: int)\n"
          "  event Debited(amount: int)\n  on Deposit(amount) { persist Credited(amount) }\n"
          "  on Withdraw(amount) {\n    if amount > balance { return false }\n    persist Debited(amount)\n"
          "    return true\n  }\n  apply Credited(amount) { balance += amount }\n"
          "  apply Debited(amount) { balance -= amount }\n  snapshot every 1000\n}");
}

/* ---- §10 distribution ----------------------------------------------------------- */

Test(distribution, virtual_actor_has_one_key) {
  TEST_ERRORS("virtual actor Cart(id: string, n: int) { }", "a virtual actor");
}

Test(distribution, virtual_actor_is_not_spawned) {
  TEST_ERRORS("message Add(n: int)\nvirtual actor Cart(id: string) {\n  on Add(n) { }\n}\n"
              IN_INIT("Cart[\"u42\"] ! Add(1)\nlet c = spawn Cart(\"x\")"),
              "a virtual actor");
}

/* ---- §11 GPU -------------------------------------------------------------------- */

Test(gpu, kernel_signature) {
  TEST_ERRORS("kernel k(i: int, s: string) -> f32 { return 1.0 }", "a kernel");
}

Test(gpu, kernel_numeric_subset) {
  TEST_ERRORS("kernel k(i: int, x: [f32]) -> f32 {\n  print(\"no\")\n  return x[i]\n}", "`print` cannot be called in a kernel");
}

Test(gpu, saxpy) {
  TEST_OK("kernel saxpy(i: int, a: f32, x: [f32], y: [f32]) -> f32 {\n  return a * x[i] + y[i]\n}\n"
          IN_INIT("let xs: [f32] = [1.0, 2.0]\nlet out: [f32] = saxpy[2](2.0, xs, xs)\nprint(out)"));
}

/* ---- §12 C interop -------------------------------------------------------------- */

Test(c_interop, extern_types) {
  TEST_ERRORS("extern \"C\" {\n  fn hypot(x: float, y: float) -> float\n  fn bad(m: [string: int]) -> int\n}",
              "a C function takes numbers, bools, strings, arrays of numbers and actor references");
}

/* ---- §13 built-ins -------------------------------------------------------------- */

Test(builtins, unknown_function_suggests_a_function) {
  TEST_ERRORS(IN_INIT("prnt(1)"), "unknown function `prnt`");
}

Test(builtins, methods_by_receiver) {
  TEST_ERRORS(IN_INIT("let s = \"a,b\"\nprint(s.split(\",\").len())\nprint(s.push(\"c\"))"), "`string` has no method `push`");
}

Test(builtins, mutating_methods_need_a_var) {
  TEST_ERRORS(IN_INIT("let xs = [1]\nxs.push(2)\nvar ys = [1]\nys.push(2)"), "cannot modify `xs`");
}

Test(builtins, hidden_by_a_function) {
  TEST_OK("fn len(x: int) -> int { return x }\n" IN_INIT("print(len(3))"));
}
