/* Lexer: every token kind, literals, and the automatic-semicolon rule. */
#include <criterion/criterion.h>
#include <string.h>

#include "act_parse.h"
#include "syntax/lex.h"

static diag_t d;

/* Lex src into kinds (0-terminated); returns the count. */
static int lex_all(const char *src, int *kinds, tok_t *toks, int max) {
  diag_init(&d);
  d.out = fopen("/dev/null", "w");
  src_file_t *f = src_from_string("t.act", src, strlen(src));
  lexer_t lx;
  lex_init(&lx, f, f->text, f->text + f->len, 1, 1, &d);
  int n = 0;
  for (;;) {
    tok_t t;
    lex_next(&lx, &t);
    if (n < max) {
      kinds[n] = t.kind;
      if (toks) toks[n] = t;
    }
    n++;
    if (t.kind == 0) break;
  }
  lex_free(&lx);
  return n;
}

Test(lexer, punctuation_and_operators) {
  int k[64];
  lex_all("( ) [ ] { } , ; : . .. -> => = += -= *= /= %= == != < <= > >= + - * / % ! ~ ? & | ^ << >> && || @", k, NULL, 64);
  int want[] = {TK_LPAREN, TK_RPAREN, TK_LBRACKET, TK_RBRACKET, TK_LBRACE, TK_RBRACE, TK_COMMA, TK_SEMI,
                TK_COLON, TK_DOT, TK_DOTDOT, TK_ARROW, TK_FATARROW, TK_ASSIGN, TK_PLUSEQ, TK_MINUSEQ,
                TK_STAREQ, TK_SLASHEQ, TK_PERCENTEQ, TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE, TK_PLUS,
                TK_MINUS, TK_STAR, TK_SLASH, TK_PERCENT, TK_BANG, TK_TILDE, TK_QUESTION, TK_AMP, TK_PIPE,
                TK_CARET, TK_SHL, TK_SHR, TK_ANDAND, TK_OROR, TK_AT, 0};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) cr_expect_eq(k[i], want[i], "token %zu", i);
}

Test(lexer, keywords_and_identifiers) {
  int k[80];
  lex_all("actor supervisor message protocol struct enum event kernel fn extern import const let var init on "
          "apply persist snapshot spawn sender self await within if else while for in match return break "
          "continue stop true false none as gpu persistent virtual supervise strategy restarts child children "
          "restart mailbox passivate every after blocking future _ x_1",
          k, NULL, 80);
  int want[] = {TK_ACTOR, TK_SUPERVISOR, TK_MESSAGE, TK_PROTOCOL, TK_STRUCT, TK_ENUM, TK_EVENT, TK_KERNEL,
                TK_FN, TK_EXTERN, TK_IMPORT, TK_CONST, TK_LET, TK_VAR, TK_INIT, TK_ON, TK_APPLY, TK_PERSIST,
                TK_SNAPSHOT, TK_SPAWN, TK_SENDER, TK_SELF, TK_AWAIT, TK_WITHIN, TK_IF, TK_ELSE, TK_WHILE,
                TK_FOR, TK_IN, TK_MATCH, TK_RETURN, TK_BREAK, TK_CONTINUE, TK_STOP, TK_TRUE, TK_FALSE,
                TK_NONE, TK_AS, TK_GPU, TK_PERSISTENT, TK_VIRTUAL, TK_SUPERVISE, TK_STRATEGY, TK_RESTARTS,
                TK_CHILD, TK_CHILDREN, TK_RESTART, TK_MAILBOX, TK_PASSIVATE, TK_IDENT, TK_IDENT, TK_IDENT,
                TK_IDENT, TK_UNDERSCORE, TK_IDENT};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) cr_expect_eq(k[i], want[i], "token %zu", i);
}

Test(lexer, numbers_and_durations) {
  int k[16];
  tok_t t[16];
  lex_all("42 0x2a 0b101010 1_000_000 3.14 1e-9 1.5e3 250ms 5s 2m 1h 10us 7ns", k, t, 16);
  cr_expect_eq(t[0].i, 42);
  cr_expect_eq(t[1].i, 42);
  cr_expect_eq(t[2].i, 42);
  cr_expect_eq(t[3].i, 1000000);
  cr_expect_eq(k[4], TK_FLOAT);
  cr_expect_float_eq(t[4].f, 3.14, 1e-12);
  cr_expect_float_eq(t[5].f, 1e-9, 1e-20);
  cr_expect_float_eq(t[6].f, 1500.0, 1e-9);
  cr_expect_eq(k[7], TK_DURATION);
  cr_expect_eq(t[7].i, 250000000ull);
  cr_expect_eq(t[8].i, 5000000000ull);
  cr_expect_eq(t[9].i, 120000000000ull);
  cr_expect_eq(t[10].i, 3600000000000ull);
  cr_expect_eq(t[11].i, 10000ull);
  cr_expect_eq(t[12].i, 7ull);
  cr_expect_eq(d.errors, 0);
}

Test(lexer, range_is_not_a_float) {
  int k[8];
  lex_all("0..n", k, NULL, 8);
  cr_expect_eq(k[0], TK_INT);
  cr_expect_eq(k[1], TK_DOTDOT);
  cr_expect_eq(k[2], TK_IDENT);
}

Test(lexer, strings_escapes_and_interpolation) {
  int k[8];
  tok_t t[8];
  lex_all("\"a\\n\\t\\\"\\u{1F600}\" \"x = {x + 1}, m = {m[\"a\"]} {{lit}}\"", k, t, 8);
  cr_assert_eq(k[0], TK_STRING);
  cr_expect_str_eq(t[0].parts->s, "a\n\t\"\xF0\x9F\x98\x80");
  strpart_t *p = t[1].parts;
  cr_assert_not_null(p);
  cr_expect_str_eq(p->s, "x = ");
  cr_expect(p->next->is_expr);
  cr_expect_str_eq(p->next->s, "x + 1");
  cr_expect_str_eq(p->next->next->s, ", m = ");
  cr_expect_str_eq(p->next->next->next->s, "m[\"a\"]");
  cr_expect_str_eq(p->next->next->next->next->s, " {lit}");
  cr_expect_eq(d.errors, 0);
}

Test(lexer, string_errors) {
  int k[8];
  lex_all("\"bad \\q\" \"lone } brace\"", k, NULL, 8);
  cr_expect_eq(d.errors, 2);
}

Test(lexer, nested_and_doc_comments) {
  int k[8];
  lex_all("a /* outer /* inner */ still */ b /// doc\nc", k, NULL, 8);
  cr_expect_eq(k[0], TK_IDENT);
  cr_expect_eq(k[1], TK_IDENT);
  cr_expect_eq(k[2], TK_SEMI);
  cr_expect_eq(k[3], TK_IDENT);
}

Test(lexer, semicolon_rule) {
  int k[32];
  /* a newline after an identifier, literal, ) ] } ? return break continue
   * stop self sender ends the statement; after an operator it does not */
  lex_all("x\n1\n)\n]\n}\n?\nreturn\nbreak\ncontinue\nstop\nself\nsender\na +\nb", k, NULL, 32);
  int want[] = {TK_IDENT, TK_SEMI, TK_INT, TK_SEMI, TK_RPAREN, TK_SEMI, TK_RBRACKET, TK_SEMI, TK_RBRACE,
                TK_SEMI, TK_QUESTION, TK_SEMI, TK_RETURN, TK_SEMI, TK_BREAK, TK_SEMI, TK_CONTINUE, TK_SEMI,
                TK_STOP, TK_SEMI, TK_SELF, TK_SEMI, TK_SENDER, TK_SEMI, TK_IDENT, TK_PLUS, TK_IDENT, TK_SEMI, 0};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) cr_expect_eq(k[i], want[i], "token %zu", i);
}

Test(lexer, no_semicolon_inside_parens) {
  int k[16];
  lex_all("f(a,\n b\n)\n", k, NULL, 16);
  int want[] = {TK_IDENT, TK_LPAREN, TK_IDENT, TK_COMMA, TK_IDENT, TK_RPAREN, TK_SEMI, 0};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) cr_expect_eq(k[i], want[i], "token %zu", i);
}

Test(lexer, future_type_brackets) {
  /* The glue decides that `<` after `future` opens a type (it asks the
   * parser); from then on the lexer turns the matching `>` into TK_TGT,
   * which ends a statement at a line end. */
  diag_init(&d);
  d.out = fopen("/dev/null", "w");
  const char *src = "var f: future<future<int>>\nx";
  src_file_t *f = src_from_string("t.act", src, strlen(src));
  lexer_t lx;
  lex_init(&lx, f, f->text, f->text + f->len, 1, 1, &d);
  int want[] = {TK_VAR, TK_IDENT, TK_COLON, TK_IDENT, TK_LT, TK_IDENT, TK_LT, TK_IDENT,
                TK_TGT, TK_TGT, TK_SEMI, TK_IDENT, TK_SEMI, 0};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    tok_t t;
    lex_next(&lx, &t);
    cr_expect_eq(t.kind, want[i], "token %zu: %d", i, t.kind);
    if (t.kind == TK_LT)
      lex_future_open(&lx);
  }
  lex_free(&lx);
}

Test(lexer, bad_bytes_are_errors_not_crashes) {
  int k[16];
  const char src[] = {'a', (char)0xff, ' ', '$', ' ', (char)0xC3, (char)0xA9, 0};
  lex_all(src, k, NULL, 16);
  cr_expect_eq(d.errors, 3);
}

Test(lexer, bad_number_literals_are_single_errors) {
  int k[16];
  tok_t t[16];
  lex_all("12abc 5min 0x 0b102 1.5s 0xfg 7", k, t, 16);
  cr_expect_eq(d.errors, 6);
  int want[] = {TK_INT, TK_INT, TK_INT, TK_INT, TK_DURATION, TK_INT, TK_INT, TK_SEMI, 0};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) cr_expect_eq(k[i], want[i], "token %zu", i);
  cr_expect_eq(t[6].i, 7);
  lex_all("99999999999999999999 1e400 18446744073709551615", k, t, 16);
  cr_expect_eq(d.errors, 1);
  cr_expect_eq(t[2].i, UINT64_MAX);
}

Test(lexer, positions_and_text) {
  int k[16];
  tok_t t[16];
  lex_all("let x = 1\n  foo(\"s\");\n", k, t, 16);
  /* let x = 1 SEMI foo ( "s" ) ; EOF */
  cr_expect_eq(t[0].loc.line, 1);
  cr_expect_eq(t[0].loc.col, 1);
  cr_expect(t[0].bol);
  cr_expect_eq(t[3].loc.col, 9);
  cr_expect_eq(k[4], TK_SEMI);
  cr_expect_null(t[4].text, "an inserted `;` has no text");
  cr_expect_eq(t[4].loc.line, 1);
  cr_expect_eq(t[4].loc.col, 10, "it sits where the line's last token ends");
  cr_expect_eq(t[5].loc.line, 2);
  cr_expect_eq(t[5].loc.col, 3);
  cr_expect(t[5].bol);
  cr_expect(!t[6].bol);
  cr_expect_eq(t[5].textlen, 3);
  cr_expect_eq(strncmp(t[5].text, "foo", 3), 0);
  cr_expect_eq(k[9], TK_SEMI);
  cr_expect_not_null(t[9].text, "a written `;` has text");
  cr_expect_eq(k[10], 0);
}

Test(lexer, brackets_recover_from_a_missing_closer) {
  int k[32];
  /* the `}` closes back to its `{`, forgetting the unclosed `(`, so the
   * following newlines end statements again */
  lex_all("{ f(a\n}\nx\ny", k, NULL, 32);
  int want[] = {TK_LBRACE, TK_IDENT, TK_LPAREN, TK_IDENT, TK_RBRACE, TK_SEMI, TK_IDENT, TK_SEMI,
                TK_IDENT, TK_SEMI, 0};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) cr_expect_eq(k[i], want[i], "token %zu", i);
  /* a stray `)` does not close the `{` */
  lex_all("{ )\nx\n}\n", k, NULL, 32);
  int want2[] = {TK_LBRACE, TK_RPAREN, TK_SEMI, TK_IDENT, TK_SEMI, TK_RBRACE, TK_SEMI, 0};
  for (size_t i = 0; i < sizeof want2 / sizeof *want2; i++) cr_expect_eq(k[i], want2[i], "token %zu", i);
  /* brackets: newlines inside [ ] end nothing either */
  lex_all("[1,\n2\n]\n", k, NULL, 32);
  int want3[] = {TK_LBRACKET, TK_INT, TK_COMMA, TK_INT, TK_RBRACKET, TK_SEMI, 0};
  for (size_t i = 0; i < sizeof want3 / sizeof *want3; i++) cr_expect_eq(k[i], want3[i], "token %zu", i);
}

Test(lexer, semicolon_rule_more) {
  int k[32];
  /* true false none and strings, durations, floats end statements; keywords
   * like `else`, operators and `,` do not */
  lex_all("true\nfalse\nnone\n\"s\"\n5s\n1.5\nx =\n1\nelse\n{\n", k, NULL, 32);
  int want[] = {TK_TRUE, TK_SEMI, TK_FALSE, TK_SEMI, TK_NONE, TK_SEMI, TK_STRING, TK_SEMI,
                TK_DURATION, TK_SEMI, TK_FLOAT, TK_SEMI, TK_IDENT, TK_ASSIGN, TK_INT, TK_SEMI,
                TK_ELSE, TK_LBRACE, 0};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) cr_expect_eq(k[i], want[i], "token %zu", i);
  /* end of input ends the last statement; blank lines and comments add nothing */
  lex_all("x // c\n\n/* a\n b */\n\ny", k, NULL, 32);
  int want2[] = {TK_IDENT, TK_SEMI, TK_IDENT, TK_SEMI, 0};
  for (size_t i = 0; i < sizeof want2 / sizeof *want2; i++) cr_expect_eq(k[i], want2[i], "token %zu", i);
}

Test(lexer, lexical_errors) {
  int k[16];
  lex_all("\"abc", k, NULL, 16);
  cr_expect_eq(d.errors, 1);
  lex_all("/* /* */", k, NULL, 16);
  cr_expect_eq(d.errors, 1);
  lex_all("\"\\u{110000}\" \"\\u{}\" \"\\u{D800}\" \"\\u41\"", k, NULL, 16);
  cr_expect_eq(d.errors, 4);
  lex_all("\"{x\"", k, NULL, 16);
  cr_expect_eq(d.errors, 1);
  const char nul[] = {'a', 0, 'b', 0};
  diag_init(&d);
  d.out = fopen("/dev/null", "w");
  src_file_t *f = src_from_string("t.act", nul, 3);
  lexer_t lx;
  lex_init(&lx, f, f->text, f->text + f->len, 1, 1, &d);
  tok_t t;
  int kinds[4], n = 0;
  do {
    lex_next(&lx, &t);
    kinds[n++] = t.kind;
  } while (t.kind != 0 && n < 4);
  lex_free(&lx);
  cr_expect_eq(d.errors, 1);
  cr_expect_eq(kinds[0], TK_IDENT);
  cr_expect_eq(kinds[1], TK_IDENT);
}
