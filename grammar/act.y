/* grammar/act.y: the canonical grammar of Act (LANGUAGE.md §2-§12).
** actorc's build generates build/gen/act_parse.{c,h} from it with Lemon;
** edit this file, never those. Actions build the AST of compiler/ast/ast.h. */

%include {
#include <assert.h>
#include <string.h>
#include "ast/ast.h"
#include "syntax/lex.h"
#include "syntax/parse_ctx.h"
}

%name          act_parser
%token_prefix  TK_
%token_type    {tok_t}
%extra_context {parse_ctx_t *px}
%stack_size    4000
%start_symbol  program

%syntax_error  { parse_syntax_error(px, yymajor, &yyminor, yypParser); }
%stack_overflow { parse_too_deep(px); }
%parse_failure { px->failed = 1; }

/* Tokens produced by the lexer or the glue but not named in rules below. */
%token SLBRACE TLT TGT INTERP_START UNDERSCORE MODULE.

/* Precedence, loosest first (LANGUAGE.md §4). */
%left    OROR.
%left    ANDAND.
%nonassoc EQ NE LT LE GT GE.
%left    PIPE.
%left    CARET.
%left    AMP.
%left    SHL SHR.
%left    PLUS MINUS.
%left    STAR SLASH PERCENT.
%right   BANG TILDE AWAIT UMINUS.
%nonassoc WITHIN.
%left    QUESTION.
%right   SPAWN.
%nonassoc ON RESTART.
%left    AT.
%left    DOT LPAREN LBRACKET AS SLBRACE.

%type expr {ast_t*}
%type type {ast_t*}
%type block {ast_t*}
%type stmts {ast_t*}
%type stmt {ast_t*}
%type simple_stmt {ast_t*}
%type decls {ast_t*}
%type decl {ast_t*}
%type members {ast_t*}
%type mbody {ast_t*}
%type member {ast_t*}
%type args {ast_t*}
%type args_ne {ast_t*}
%type params {ast_t*}
%type params_ne {ast_t*}
%type param {ast_t*}
%type hparams {ast_t*}
%type hparams_ne {ast_t*}
%type hparam {ast_t*}
%type fields {ast_t*}
%type fields_ne {ast_t*}
%type field {ast_t*}
%type variants {ast_t*}
%type variants_ne {ast_t*}
%type variant {ast_t*}
%type names {ast_t*}
%type names_ne {ast_t*}
%type dotted {ast_t*}
%type else_part {ast_t*}
%type arms {ast_t*}
%type arms_ne {ast_t*}
%type arm {ast_t*}
%type pattern {ast_t*}
%type pbinds {ast_t*}
%type pbind {ast_t*}
%type finits {ast_t*}
%type finits_ne {ast_t*}
%type pairs {ast_t*}
%type fn_decl {ast_t*}
%type fn_head {ast_t*}
%type ret_type {ast_t*}
%type externs {ast_t*}
%type actor_decl {ast_t*}
%type actor_mods {int}
%type protos {ast_t*}
%type proto_names {ast_t*}
%type proto_name {ast_t*}
%type restart_opt {ast_t*}
%type for_head {ast_t*}
%type iter {ast_t*}
%type local {ast_t*}
%type typed_opt {ast_t*}
%type arm_body {ast_t*}
%type sep {int}

//////////////////////////////// Program ////////////////////////////////

program ::= decls(D).                 { px->root_decls = D; px->accepted = 1; }
program ::= INTERP_START expr(E).     { px->interp_expr = E; }
program ::= INTERP_START expr(E) SEMI. { px->interp_expr = E; }

decls(A) ::= .                        { A = ast_new(AST_LIST, px->loc0); px->root_decls = A; }
decls(A) ::= decls(B) SEMI.           { A = B; }
decls(A) ::= decls(B) decl(D) SEMI.   { A = B; ast_add(A, D); }
decls(A) ::= decls(B) error SEMI.     { A = B; A->flags |= AST_SYNTAX_ERROR; }

sep(A) ::= COMMA.   { A = 0; }
sep(A) ::= SEMI.    { A = 0; }

//////////////////////////////// Declarations ////////////////////////////////

decl(A) ::= IMPORT(K) dotted(P).
  { A = ast_new(AST_IMPORT, K.loc); A->name = P->kids[P->nkids - 1]->name; ast_add(A, P); ast_add(A, NULL); }
decl(A) ::= IMPORT(K) dotted(P) LPAREN names(N) RPAREN.
  { A = ast_new(AST_IMPORT, K.loc); A->name = P->kids[P->nkids - 1]->name; ast_add(A, P); ast_add(A, N); }
decl(A) ::= IMPORT(K) IDENT(C) STRING(H).
  { A = ast_new(AST_IMPORT, K.loc); A->flags |= IMPORT_C; parse_expect_word(px, &C, "c");
    A->lit.s = parse_plain_string(px, &H); ast_add(A, NULL); ast_add(A, NULL); }
/* `import c "zlib.h" pkg "zlib"`: pkg-config packages whose flags the
 * header needs (docs/c-interop.md), kept as a STRING in child 0. */
decl(A) ::= IMPORT(K) IDENT(C) STRING(H) IDENT(P) STRING(N).
  { A = ast_new(AST_IMPORT, K.loc); A->flags |= IMPORT_C; parse_expect_word(px, &C, "c");
    parse_expect_word(px, &P, "pkg"); A->lit.s = parse_plain_string(px, &H);
    ast_t *pk = ast_new(AST_STRING, N.loc); pk->lit.s = parse_plain_string(px, &N);
    pk->lit.len = strlen(pk->lit.s); ast_add(A, pk); ast_add(A, NULL); }

dotted(A) ::= IDENT(N).               { A = ast_new(AST_LIST, N.loc); ast_add(A, parse_name(px, &N)); }
dotted(A) ::= dotted(B) DOT IDENT(N). { A = B; ast_add(A, parse_name(px, &N)); }

names(A) ::= .                        { A = ast_new(AST_LIST, px->loc0); }
names(A) ::= names_ne(B).             { A = B; }
names(A) ::= names_ne(B) COMMA.       { A = B; }
names_ne(A) ::= IDENT(N).             { A = ast_new(AST_LIST, N.loc); ast_add(A, parse_name(px, &N)); }
names_ne(A) ::= names_ne(B) COMMA IDENT(N). { A = B; ast_add(A, parse_name(px, &N)); }

decl(A) ::= CONST(K) IDENT(N) typed_opt(T) ASSIGN expr(E).
  { A = ast_new(AST_CONST, K.loc); A->name = N.s; A->loc = N.loc; ast_add(A, T); ast_add(A, E); }

typed_opt(A) ::= .                    { A = NULL; }
typed_opt(A) ::= COLON type(T).       { A = T; }

decl(A) ::= fn_decl(F).               { A = F; }

fn_head(A) ::= FN IDENT(N) LPAREN params(P) RPAREN ret_type(R).
  { A = ast_new(AST_FN, N.loc); A->name = N.s; ast_add(A, P); ast_add(A, R); }
fn_head(A) ::= IDENT(B) FN IDENT(N) LPAREN params(P) RPAREN ret_type(R).
  { A = ast_new(AST_FN, N.loc); A->name = N.s; ast_add(A, P); ast_add(A, R);
    parse_expect_word(px, &B, "blocking"); A->flags |= FN_BLOCKING; }
fn_decl(A) ::= fn_head(H) block(B).   { A = H; ast_add(A, B); }
fn_decl(A) ::= KERNEL IDENT(N) LPAREN params(P) RPAREN ret_type(R) block(B).
  { A = ast_new(AST_FN, N.loc); A->name = N.s; A->flags |= FN_KERNEL; ast_add(A, P); ast_add(A, R); ast_add(A, B); }

ret_type(A) ::= .                     { A = NULL; }
ret_type(A) ::= ARROW type(T).        { A = T; }

params(A) ::= .                       { A = ast_new(AST_LIST, px->loc0); }
params(A) ::= params_ne(B).           { A = B; }
params(A) ::= params_ne(B) COMMA.     { A = B; }
params_ne(A) ::= param(P).            { A = ast_new(AST_LIST, P->loc); ast_add(A, P); }
params_ne(A) ::= params_ne(B) COMMA param(P). { A = B; ast_add(A, P); }
param(A) ::= IDENT(N) COLON type(T).  { A = ast_new(AST_PARAM, N.loc); A->name = N.s; ast_add(A, T); }

decl(A) ::= EXTERN(K) STRING(L) LBRACE externs(E) fn_head(F) RBRACE.
  { A = E; F->flags |= FN_EXTERN; ast_add(F, NULL); ast_add(A, F); A->kind = AST_EXTERN; A->loc = K.loc; parse_check_extern_c(px, &L); }
decl(A) ::= EXTERN(K) STRING(L) STRING(H) LBRACE externs(E) fn_head(F) RBRACE.
  { A = E; F->flags |= FN_EXTERN; ast_add(F, NULL); ast_add(A, F); A->kind = AST_EXTERN; A->loc = K.loc; parse_check_extern_c(px, &L);
    A->lit.s = parse_plain_string(px, &H); }
decl(A) ::= EXTERN(K) STRING(L) LBRACE externs(E) RBRACE.
  { A = E; A->kind = AST_EXTERN; A->loc = K.loc; parse_check_extern_c(px, &L); }
decl(A) ::= EXTERN(K) STRING(L) STRING(H) LBRACE externs(E) RBRACE.
  { A = E; A->kind = AST_EXTERN; A->loc = K.loc; parse_check_extern_c(px, &L);
    A->lit.s = parse_plain_string(px, &H); }
externs(A) ::= .                      { A = ast_new(AST_LIST, px->loc0); }
externs(A) ::= externs(B) SEMI.       { A = B; }
externs(A) ::= externs(B) fn_head(F) SEMI. { A = B; F->flags |= FN_EXTERN; ast_add(F, NULL); ast_add(A, F); }

decl(A) ::= STRUCT IDENT(N) LBRACE fields(F) RBRACE.
  { A = F; A->kind = AST_STRUCT; A->name = N.s; A->loc = N.loc; }
fields(A) ::= .                       { A = ast_new(AST_LIST, px->loc0); }
fields(A) ::= fields_ne(B).           { A = B; }
fields(A) ::= fields_ne(B) sep.       { A = B; }
fields(A) ::= SEMI fields_ne(B).      { A = B; }
fields(A) ::= SEMI fields_ne(B) sep.  { A = B; }
fields_ne(A) ::= field(F).            { A = ast_new(AST_LIST, F->loc); ast_add(A, F); }
fields_ne(A) ::= fields_ne(B) sep field(F). { A = B; ast_add(A, F); }
field(A) ::= IDENT(N) COLON type(T).  { A = ast_new(AST_FIELD, N.loc); A->name = N.s; ast_add(A, T); }

decl(A) ::= ENUM IDENT(N) LBRACE variants(V) RBRACE.
  { A = V; A->kind = AST_ENUM; A->name = N.s; A->loc = N.loc; }
variants(A) ::= .                     { A = ast_new(AST_LIST, px->loc0); }
variants(A) ::= variants_ne(B).       { A = B; }
variants(A) ::= variants_ne(B) sep.   { A = B; }
variants(A) ::= SEMI variants_ne(B).  { A = B; }
variants(A) ::= SEMI variants_ne(B) sep. { A = B; }
variants_ne(A) ::= variant(V).        { A = ast_new(AST_LIST, V->loc); ast_add(A, V); }
variants_ne(A) ::= variants_ne(B) sep variant(V). { A = B; ast_add(A, V); }
variant(A) ::= IDENT(N).              { A = ast_new(AST_VARIANT, N.loc); A->name = N.s; }
variant(A) ::= IDENT(N) LPAREN params(P) RPAREN.
  { A = P; A->kind = AST_VARIANT; A->name = N.s; A->loc = N.loc; parse_params_to_fields(A); }

decl(A) ::= MESSAGE IDENT(N) ret_type(R).
  { A = ast_new(AST_MESSAGE, N.loc); A->name = N.s; ast_add(A, ast_new(AST_LIST, N.loc)); ast_add(A, R); }
decl(A) ::= MESSAGE IDENT(N) LPAREN params(P) RPAREN ret_type(R).
  { A = ast_new(AST_MESSAGE, N.loc); A->name = N.s; parse_params_to_fields(P); ast_add(A, P); ast_add(A, R); }

decl(A) ::= PROTOCOL IDENT(N) LBRACE names(M) RBRACE.
  { A = M; A->kind = AST_PROTOCOL; A->name = N.s; A->loc = N.loc; }

decl(A) ::= actor_decl(D).            { A = D; }

actor_mods(A) ::= ACTOR.              { A = 0; }
actor_mods(A) ::= PERSISTENT ACTOR.   { A = ACTOR_PERSISTENT; }
actor_mods(A) ::= VIRTUAL ACTOR.      { A = ACTOR_VIRTUAL; }
actor_mods(A) ::= VIRTUAL PERSISTENT ACTOR. { A = ACTOR_VIRTUAL | ACTOR_PERSISTENT; }
actor_mods(A) ::= PERSISTENT VIRTUAL ACTOR. { A = ACTOR_VIRTUAL | ACTOR_PERSISTENT; }
actor_mods(A) ::= GPU ACTOR.          { A = ACTOR_GPU; }
actor_mods(A) ::= SUPERVISOR.         { A = ACTOR_SUPERVISOR; }

actor_decl(A) ::= actor_mods(M) IDENT(N) protos(P) LBRACE mbody(B) RBRACE.
  { A = parse_actor(px, &N, M, ast_new(AST_LIST, N.loc), P, B); parse_mark_broken(px, A, &N); }
actor_decl(A) ::= actor_mods(M) IDENT(N) LPAREN params(Q) RPAREN protos(P) LBRACE mbody(B) RBRACE.
  { A = parse_actor(px, &N, M, Q, P, B); parse_mark_broken(px, A, &N); }

mbody(A) ::= members(B).              { A = B; }
mbody(A) ::= members(B) member(M).    { A = B; ast_add(A, M); }

protos(A) ::= .                       { A = ast_new(AST_LIST, px->loc0); }
protos(A) ::= COLON proto_names(N).   { A = N; }

/* Protocols an actor implements: `Account`, or one from an imported
 * module, `pubsub.Subscriber` (LANGUAGE.md §5: imported names are used
 * qualified), read as type names. */
proto_names(A) ::= proto_name(P).     { A = ast_new(AST_LIST, P->loc); ast_add(A, P); }
proto_names(A) ::= proto_names(B) COMMA proto_name(P). { A = B; ast_add(A, P); }
proto_name(A) ::= IDENT(N).           { A = ast_new(AST_TNAME, N.loc); A->name = N.s; }
proto_name(A) ::= IDENT(Q) DOT IDENT(N). { A = ast_new(AST_TNAME, Q.loc); A->name = N.s; A->lit.s = Q.s; }

members(A) ::= .                      { A = ast_new(AST_LIST, px->loc0); }
members(A) ::= members(B) SEMI.       { A = B; }
members(A) ::= members(B) member(M) SEMI. { A = B; ast_add(A, M); }
members(A) ::= members(B) error SEMI. { A = B; }

member(A) ::= local(L).               { A = L; }
member(A) ::= fn_decl(F).             { A = F; }
member(A) ::= MAILBOX(K) expr(E).     { A = ast_new(AST_MAILBOX, K.loc); ast_add(A, E); }
member(A) ::= INIT(K) block(B).       { A = ast_new(AST_INIT, K.loc); ast_add(A, B); }
member(A) ::= ON(K) IDENT(N) block(B).
  { A = ast_new(AST_ON, N.loc); A->name = N.s; (void)K; ast_add(A, ast_new(AST_LIST, N.loc)); ast_add(A, B); }
member(A) ::= ON IDENT(N) LPAREN hparams(P) RPAREN block(B).
  { A = ast_new(AST_ON, N.loc); A->name = N.s; ast_add(A, P); ast_add(A, B); }
member(A) ::= ON IDENT(Q) DOT IDENT(N) block(B).
  { A = ast_new(AST_ON, N.loc); A->name = N.s; A->lit.s = Q.s; ast_add(A, ast_new(AST_LIST, N.loc)); ast_add(A, B); }
member(A) ::= ON IDENT(Q) DOT IDENT(N) LPAREN hparams(P) RPAREN block(B).
  { A = ast_new(AST_ON, N.loc); A->name = N.s; A->lit.s = Q.s; ast_add(A, P); ast_add(A, B); }
member(A) ::= ON STOP(K) block(B).    { A = ast_new(AST_ON_STOP, K.loc); ast_add(A, B); }
member(A) ::= EVENT IDENT(N).
  { A = ast_new(AST_EVENT, N.loc); A->name = N.s; ast_add(A, ast_new(AST_LIST, N.loc)); }
member(A) ::= EVENT IDENT(N) LPAREN params(P) RPAREN.
  { A = ast_new(AST_EVENT, N.loc); A->name = N.s; parse_params_to_fields(P); ast_add(A, P); }
member(A) ::= APPLY IDENT(N) block(B).
  { A = ast_new(AST_APPLY, N.loc); A->name = N.s; ast_add(A, ast_new(AST_LIST, N.loc)); ast_add(A, B); }
member(A) ::= APPLY IDENT(N) LPAREN hparams(P) RPAREN block(B).
  { A = ast_new(AST_APPLY, N.loc); A->name = N.s; ast_add(A, P); ast_add(A, B); }
member(A) ::= SNAPSHOT(K) IDENT(W) expr(E).
  { A = ast_new(AST_SNAPSHOT, K.loc); parse_expect_word(px, &W, "every"); ast_add(A, E); }
member(A) ::= IDENT(K) expr(E).
  { A = ast_new(AST_BATCH, K.loc); parse_expect_word(px, &K, "batch"); ast_add(A, E); ast_add(A, NULL); }
member(A) ::= IDENT(K) expr(E) WITHIN expr(W).
  { A = ast_new(AST_BATCH, K.loc); parse_expect_word(px, &K, "batch"); ast_add(A, E); ast_add(A, W); }
member(A) ::= PASSIVATE(K) IDENT(W) expr(E).
  { A = ast_new(AST_PASSIVATE, K.loc); parse_expect_word(px, &W, "after"); ast_add(A, E); }
member(A) ::= STRATEGY(K) IDENT(N).   { A = ast_new(AST_STRATEGY, K.loc); A->name = N.s; A->loc = N.loc; }
member(A) ::= RESTARTS(K) expr(C) WITHIN expr(W).
  { A = ast_new(AST_RESTARTS, K.loc); ast_add(A, C); ast_add(A, W); }
member(A) ::= SUPERVISE(K) IDENT(N).
  { A = ast_new(AST_SUPERVISE, K.loc); A->name = N.s; ast_add(A, NULL); ast_add(A, NULL); }
member(A) ::= SUPERVISE(K) IDENT(N) RESTARTS expr(C) WITHIN expr(W).
  { A = ast_new(AST_SUPERVISE, K.loc); A->name = N.s; ast_add(A, C); ast_add(A, W); }
member(A) ::= CHILD IDENT(N) ASSIGN expr(E) restart_opt(R).
  { A = ast_new(AST_CHILD, N.loc); A->name = N.s; ast_add(A, E); ast_add(A, R); }
member(A) ::= CHILDREN IDENT(N) ASSIGN expr(E) FOR IDENT(V) IN iter(I) restart_opt(R).
  { A = ast_new(AST_CHILDREN, N.loc); A->name = N.s; ast_add(A, E);
    ast_t *p = ast_new(AST_PARAM, V.loc); p->name = V.s; ast_add(p, NULL); ast_add(A, p); ast_add(A, I); ast_add(A, R); }

restart_opt(A) ::= .                  { A = NULL; }
restart_opt(A) ::= RESTART IDENT(N).  { A = parse_name(px, &N); }

hparams(A) ::= .                      { A = ast_new(AST_LIST, px->loc0); }
hparams(A) ::= hparams_ne(B).         { A = B; }
hparams(A) ::= hparams_ne(B) COMMA.   { A = B; }
hparams_ne(A) ::= hparam(P).          { A = ast_new(AST_LIST, P->loc); ast_add(A, P); }
hparams_ne(A) ::= hparams_ne(B) COMMA hparam(P). { A = B; ast_add(A, P); }
hparam(A) ::= IDENT(N).               { A = ast_new(AST_PARAM, N.loc); A->name = N.s; ast_add(A, NULL); }
hparam(A) ::= UNDERSCORE(U).          { A = ast_new(AST_PARAM, U.loc); A->name = strtab_cstr("_"); ast_add(A, NULL); }

//////////////////////////////// Types ////////////////////////////////

type(A) ::= IDENT(N). [QUESTION]      { A = ast_new(AST_TNAME, N.loc); A->name = N.s; }
type(A) ::= IDENT(Q) DOT IDENT(N).    { A = ast_new(AST_TNAME, Q.loc); A->name = N.s; A->lit.s = Q.s; }
type(A) ::= LBRACKET(L) type(T) RBRACKET. { A = ast_new(AST_TARRAY, L.loc); ast_add(A, T); }
type(A) ::= LBRACKET(L) type(K) COLON type(V) RBRACKET.
  { A = ast_new(AST_TMAP, L.loc); ast_add(A, K); ast_add(A, V); }
type(A) ::= type(T) QUESTION.         { A = ast_new(AST_TOPT, T->loc); ast_add(A, T); }
type(A) ::= IDENT(F) TLT type(T) TGT.
  { A = ast_new(AST_TFUTURE, F.loc); parse_expect_word(px, &F, "future"); ast_add(A, T); }

//////////////////////////////// Statements ////////////////////////////////

block(A) ::= LBRACE(L) stmts(S) RBRACE.
  { A = S; A->loc = L.loc; parse_mark_broken(px, A, &L); }
block(A) ::= LBRACE(L) stmts(S) stmt(T) RBRACE.
  { A = S; A->loc = L.loc; ast_add(A, T); parse_mark_broken(px, A, &L); }

stmts(A) ::= .                        { A = ast_new(AST_BLOCK, px->loc0); }
stmts(A) ::= stmts(B) SEMI.           { A = B; }
stmts(A) ::= stmts(B) stmt(S) SEMI.   { A = B; ast_add(A, S); }
stmts(A) ::= stmts(B) error SEMI.     { A = B; }

stmt(A) ::= simple_stmt(S).           { A = S; }
stmt(A) ::= local(L).                 { A = L; }
stmt(A) ::= IF(K) expr(C) block(T) else_part(E).
  { A = ast_new(AST_IF, K.loc); ast_add(A, C); ast_add(A, T); ast_add(A, E); }
stmt(A) ::= IF(K) LET IDENT(N) ASSIGN expr(C) block(T) else_part(E).
  { A = ast_new(AST_IF_LET, K.loc); A->name = N.s; ast_add(A, C); ast_add(A, T); ast_add(A, E); }
stmt(A) ::= WHILE(K) expr(C) block(B). { A = ast_new(AST_WHILE, K.loc); ast_add(A, C); ast_add(A, B); }
stmt(A) ::= FOR(K) for_head(H) IN iter(I) block(B).
  { A = ast_new(AST_FOR, K.loc); ast_add(A, H); ast_add(A, I); ast_add(A, B); }
stmt(A) ::= MATCH(K) expr(E) LBRACE arms(R) RBRACE.
  { A = R; A->kind = AST_MATCH; A->loc = K.loc; A->kids[0] = E; }
stmt(A) ::= block(B).                 { A = B; }

else_part(A) ::= .                    { A = NULL; }
else_part(A) ::= ELSE block(B).       { A = B; }
else_part(A) ::= ELSE IF(K) expr(C) block(T) else_part(E).
  { A = ast_new(AST_IF, K.loc); ast_add(A, C); ast_add(A, T); ast_add(A, E); }
else_part(A) ::= ELSE IF(K) LET IDENT(N) ASSIGN expr(C) block(T) else_part(E).
  { A = ast_new(AST_IF_LET, K.loc); A->name = N.s; ast_add(A, C); ast_add(A, T); ast_add(A, E); }

for_head(A) ::= hparam(P).            { A = ast_new(AST_LIST, P->loc); ast_add(A, P); }
for_head(A) ::= hparam(P) COMMA hparam(Q). { A = ast_new(AST_LIST, P->loc); ast_add(A, P); ast_add(A, Q); }
iter(A) ::= expr(E).                  { A = E; }
iter(A) ::= expr(L) DOTDOT expr(H).   { A = ast_new(AST_RANGE, L->loc); ast_add(A, L); ast_add(A, H); }

local(A) ::= LET IDENT(N) typed_opt(T) ASSIGN expr(E).
  { A = ast_new(AST_VAR, N.loc); A->name = N.s; ast_add(A, T); ast_add(A, E); }
local(A) ::= VAR IDENT(N) typed_opt(T) ASSIGN expr(E).
  { A = ast_new(AST_VAR, N.loc); A->name = N.s; A->flags |= VAR_MUTABLE; ast_add(A, T); ast_add(A, E); }
local(A) ::= VAR IDENT(N) COLON type(T).
  { A = ast_new(AST_VAR, N.loc); A->name = N.s; A->flags |= VAR_MUTABLE; ast_add(A, T); ast_add(A, NULL); }
/* Not valid (a `let` needs its value), but parsed so that the checker can
 * say so and suggest the fix instead of "unexpected end of line". */
local(A) ::= LET IDENT(N) COLON type(T).
  { A = ast_new(AST_VAR, N.loc); A->name = N.s; ast_add(A, T); ast_add(A, NULL); }
local(A) ::= LET IDENT(N).
  { A = ast_new(AST_VAR, N.loc); A->name = N.s; ast_add(A, NULL); ast_add(A, NULL); }
local(A) ::= VAR IDENT(N).
  { A = ast_new(AST_VAR, N.loc); A->name = N.s; A->flags |= VAR_MUTABLE; ast_add(A, NULL); ast_add(A, NULL); }

simple_stmt(A) ::= expr(E).           { A = ast_new(AST_EXPR_STMT, E->loc); ast_add(A, E); }
simple_stmt(A) ::= expr(L) ASSIGN(K) expr(R).    { A = parse_assign(px, &K, OP_ASSIGN, L, R); }
simple_stmt(A) ::= expr(L) PLUSEQ(K) expr(R).    { A = parse_assign(px, &K, OP_ADD, L, R); }
simple_stmt(A) ::= expr(L) MINUSEQ(K) expr(R).   { A = parse_assign(px, &K, OP_SUB, L, R); }
simple_stmt(A) ::= expr(L) STAREQ(K) expr(R).    { A = parse_assign(px, &K, OP_MUL, L, R); }
simple_stmt(A) ::= expr(L) SLASHEQ(K) expr(R).   { A = parse_assign(px, &K, OP_DIV, L, R); }
simple_stmt(A) ::= expr(L) PERCENTEQ(K) expr(R). { A = parse_assign(px, &K, OP_MOD, L, R); }
simple_stmt(A) ::= expr(T) BANG(K) expr(M).
  { A = ast_new(AST_SEND, K.loc); ast_add(A, T); ast_add(A, M); }
simple_stmt(A) ::= RETURN(K).         { A = ast_new(AST_RETURN, K.loc); ast_add(A, NULL); }
simple_stmt(A) ::= RETURN(K) expr(E). { A = ast_new(AST_RETURN, K.loc); ast_add(A, E); }
simple_stmt(A) ::= BREAK(K).          { A = ast_new(AST_BREAK, K.loc); }
simple_stmt(A) ::= CONTINUE(K).       { A = ast_new(AST_CONTINUE, K.loc); }
simple_stmt(A) ::= STOP(K).           { A = ast_new(AST_STOP, K.loc); ast_add(A, NULL); }
simple_stmt(A) ::= STOP(K) LPAREN expr(E) RPAREN. { A = ast_new(AST_STOP, K.loc); ast_add(A, E); }
simple_stmt(A) ::= PERSIST(K) expr(E). { A = ast_new(AST_PERSIST, K.loc); ast_add(A, E); }

arms(A) ::= .                         { A = ast_new(AST_LIST, px->loc0); ast_add(A, NULL); }
arms(A) ::= arms_ne(B).               { A = B; }
arms(A) ::= arms_ne(B) sep.           { A = B; }
arms(A) ::= SEMI arms_ne(B).          { A = B; }
arms(A) ::= SEMI arms_ne(B) sep.      { A = B; }
arms_ne(A) ::= arm(R).                { A = ast_new(AST_LIST, px->loc0); ast_add(A, NULL); if (R) ast_add(A, R); }
arms_ne(A) ::= arms_ne(B) sep arm(R). { A = B; if (R) ast_add(A, R); }
arm(A) ::= error.                     { A = NULL; }
arm(A) ::= pattern(P) FATARROW arm_body(B). { A = ast_new(AST_ARM, P->loc); ast_add(A, P); ast_add(A, B); }
arm_body(A) ::= simple_stmt(S).       { A = S; }
arm_body(A) ::= block(B).             { A = B; }

pattern(A) ::= UNDERSCORE(U).         { A = ast_new(AST_PWILD, U.loc); }
pattern(A) ::= IDENT(N).              { A = ast_new(AST_PVARIANT, N.loc); A->name = N.s; }
pattern(A) ::= IDENT(N) LPAREN pbinds(B) RPAREN. { A = B; A->kind = AST_PVARIANT; A->name = N.s; A->loc = N.loc; }
pattern(A) ::= IDENT(E) DOT IDENT(N). { A = ast_new(AST_PVARIANT, N.loc); A->name = N.s; A->lit.s = E.s; }
pattern(A) ::= IDENT(E) DOT IDENT(N) LPAREN pbinds(B) RPAREN.
  { A = B; A->kind = AST_PVARIANT; A->name = N.s; A->loc = N.loc; A->lit.s = E.s; }
pattern(A) ::= INT(I).                { A = ast_new(AST_PLIT, I.loc); ast_add(A, parse_literal(px, &I)); }
pattern(A) ::= MINUS(M) INT(I).
  { A = ast_new(AST_PLIT, M.loc); ast_t *u = ast_new(AST_UNARY, M.loc); u->op = OP_NEG; ast_add(u, parse_literal(px, &I)); ast_add(A, u); }
pattern(A) ::= STRING(S).             { A = ast_new(AST_PLIT, S.loc); ast_add(A, parse_string(px, &S)); }
pattern(A) ::= TRUE(T).               { A = ast_new(AST_PLIT, T.loc); ast_t *b = ast_new(AST_BOOL, T.loc); b->lit.i = 1; ast_add(A, b); }
pattern(A) ::= FALSE(T).              { A = ast_new(AST_PLIT, T.loc); ast_add(A, ast_new(AST_BOOL, T.loc)); }
pbinds(A) ::= .                       { A = ast_new(AST_LIST, px->loc0); }
pbinds(A) ::= pbind(P).               { A = ast_new(AST_LIST, P->loc); ast_add(A, P); }
pbinds(A) ::= pbinds(B) COMMA pbind(P). { A = B; ast_add(A, P); }
pbind(A) ::= IDENT(N).                { A = ast_new(AST_PARAM, N.loc); A->name = N.s; ast_add(A, NULL); }
pbind(A) ::= UNDERSCORE(U).           { A = ast_new(AST_PWILD, U.loc); }

//////////////////////////////// Expressions ////////////////////////////////

expr(A) ::= INT(T).                   { A = parse_literal(px, &T); }
expr(A) ::= FLOAT(T).                 { A = parse_literal(px, &T); }
expr(A) ::= DURATION(T).              { A = parse_literal(px, &T); }
expr(A) ::= STRING(T).                { A = parse_string(px, &T); }
expr(A) ::= TRUE(T).                  { A = ast_new(AST_BOOL, T.loc); A->lit.i = 1; }
expr(A) ::= FALSE(T).                 { A = ast_new(AST_BOOL, T.loc); }
expr(A) ::= NONE(T).                  { A = ast_new(AST_NONE, T.loc); }
expr(A) ::= SELF(T).                  { A = ast_new(AST_SELF, T.loc); }
expr(A) ::= SENDER(T).                { A = ast_new(AST_SENDER, T.loc); }
expr(A) ::= IDENT(N).                 { A = parse_name(px, &N); }
expr(A) ::= LPAREN expr(E) RPAREN.    { A = E; A->flags |= AST_PARENS; }

expr(A) ::= expr(O) DOT IDENT(N).     { A = ast_new(AST_DOT, N.loc); A->name = N.s; ast_add(A, O); }
expr(A) ::= expr(O) LBRACKET(L) expr(I) RBRACKET.
  { A = ast_new(AST_INDEX, L.loc); ast_add(A, O); ast_add(A, I); }
expr(A) ::= expr(F) LPAREN(L) args(G) RPAREN.
  { A = G; A->kind = AST_CALL; A->loc = F->loc; (void)L; A->kids[0] = F; }
expr(A) ::= expr(E) AS(K) type(T).    { A = ast_new(AST_CAST, K.loc); ast_add(A, E); ast_add(A, T); }
expr(A) ::= IDENT(N) AT(K) expr(E).
  { A = ast_new(AST_AT, K.loc); ast_t *t = ast_new(AST_TNAME, N.loc); t->name = N.s; ast_add(A, t); ast_add(A, E); }

expr(A) ::= expr(T) SLBRACE finits(F) RBRACE.
  { A = F; A->kind = AST_STRUCT_LIT; A->loc = T->loc; A->kids[0] = T; parse_check_struct_type(px, T); }
finits(A) ::= .                       { A = ast_new(AST_LIST, px->loc0); ast_add(A, NULL); }
finits(A) ::= finits_ne(B).           { A = B; }
finits(A) ::= finits_ne(B) sep.       { A = B; }
finits(A) ::= SEMI finits_ne(B).      { A = B; }
finits(A) ::= SEMI finits_ne(B) sep.  { A = B; }
finits_ne(A) ::= IDENT(N) COLON expr(E).
  { A = ast_new(AST_LIST, N.loc); ast_add(A, NULL); ast_t *f = ast_new(AST_FIELD_INIT, N.loc); f->name = N.s; ast_add(f, E); ast_add(A, f); }
finits_ne(A) ::= finits_ne(B) sep IDENT(N) COLON expr(E).
  { A = B; ast_t *f = ast_new(AST_FIELD_INIT, N.loc); f->name = N.s; ast_add(f, E); ast_add(A, f); }

expr(A) ::= LBRACKET(L) RBRACKET.     { A = ast_new(AST_ARRAY_LIT, L.loc); }
expr(A) ::= LBRACKET(L) args_ne(E) RBRACKET. { A = E; A->kind = AST_ARRAY_LIT; A->loc = L.loc; parse_drop_first(A); }
expr(A) ::= LBRACKET(L) args_ne(E) COMMA RBRACKET. { A = E; A->kind = AST_ARRAY_LIT; A->loc = L.loc; parse_drop_first(A); }
expr(A) ::= LBRACKET(L) COLON RBRACKET. { A = ast_new(AST_MAP_LIT, L.loc); }
expr(A) ::= LBRACKET(L) pairs(P) RBRACKET. { A = P; A->kind = AST_MAP_LIT; A->loc = L.loc; }
expr(A) ::= LBRACKET(L) pairs(P) COMMA RBRACKET. { A = P; A->kind = AST_MAP_LIT; A->loc = L.loc; }
pairs(A) ::= expr(K) COLON expr(V).
  { A = ast_new(AST_LIST, K->loc); ast_t *p = ast_new(AST_PAIR, K->loc); ast_add(p, K); ast_add(p, V); ast_add(A, p); }
pairs(A) ::= pairs(B) COMMA expr(K) COLON expr(V).
  { A = B; ast_t *p = ast_new(AST_PAIR, K->loc); ast_add(p, K); ast_add(p, V); ast_add(A, p); }

/* Argument lists keep a NULL in slot 0 for the callee. */
args(A) ::= .                         { A = ast_new(AST_LIST, px->loc0); ast_add(A, NULL); }
args(A) ::= args_ne(B).               { A = B; }
args(A) ::= args_ne(B) COMMA.         { A = B; }
args_ne(A) ::= expr(E).               { A = ast_new(AST_LIST, E->loc); ast_add(A, NULL); ast_add(A, E); }
args_ne(A) ::= args_ne(B) COMMA expr(E). { A = B; ast_add(A, E); }

expr(A) ::= expr(L) OROR(K) expr(R).    { A = parse_binary(px, &K, OP_OR, L, R); }
expr(A) ::= expr(L) ANDAND(K) expr(R).  { A = parse_binary(px, &K, OP_AND, L, R); }
expr(A) ::= expr(L) EQ(K) expr(R).      { A = parse_binary(px, &K, OP_EQ, L, R); }
expr(A) ::= expr(L) NE(K) expr(R).      { A = parse_binary(px, &K, OP_NE, L, R); }
expr(A) ::= expr(L) LT(K) expr(R).      { A = parse_binary(px, &K, OP_LT, L, R); }
expr(A) ::= expr(L) LE(K) expr(R).      { A = parse_binary(px, &K, OP_LE, L, R); }
expr(A) ::= expr(L) GT(K) expr(R).      { A = parse_binary(px, &K, OP_GT, L, R); }
expr(A) ::= expr(L) GE(K) expr(R).      { A = parse_binary(px, &K, OP_GE, L, R); }
expr(A) ::= expr(L) PIPE(K) expr(R).    { A = parse_binary(px, &K, OP_BOR, L, R); }
expr(A) ::= expr(L) CARET(K) expr(R).   { A = parse_binary(px, &K, OP_BXOR, L, R); }
expr(A) ::= expr(L) AMP(K) expr(R).     { A = parse_binary(px, &K, OP_BAND, L, R); }
expr(A) ::= expr(L) SHL(K) expr(R).     { A = parse_binary(px, &K, OP_SHL, L, R); }
expr(A) ::= expr(L) SHR(K) expr(R).     { A = parse_binary(px, &K, OP_SHR, L, R); }
expr(A) ::= expr(L) PLUS(K) expr(R).    { A = parse_binary(px, &K, OP_ADD, L, R); }
expr(A) ::= expr(L) MINUS(K) expr(R).   { A = parse_binary(px, &K, OP_SUB, L, R); }
expr(A) ::= expr(L) STAR(K) expr(R).    { A = parse_binary(px, &K, OP_MUL, L, R); }
expr(A) ::= expr(L) SLASH(K) expr(R).   { A = parse_binary(px, &K, OP_DIV, L, R); }
expr(A) ::= expr(L) PERCENT(K) expr(R). { A = parse_binary(px, &K, OP_MOD, L, R); }
expr(A) ::= MINUS(K) expr(E). [UMINUS]  { A = parse_unary(px, &K, OP_NEG, E); }
expr(A) ::= BANG(K) expr(E).            { A = parse_unary(px, &K, OP_NOT, E); }
expr(A) ::= TILDE(K) expr(E).           { A = parse_unary(px, &K, OP_BNOT, E); }
expr(A) ::= AWAIT(K) expr(E).           { A = ast_new(AST_AWAIT, K.loc); ast_add(A, E); ast_add(A, NULL); }
expr(A) ::= AWAIT(K) expr(E) WITHIN expr(D).
  { A = ast_new(AST_AWAIT, K.loc); ast_add(A, E); ast_add(A, D); }
expr(A) ::= expr(T) QUESTION(K) expr(M). { A = ast_new(AST_ASK, K.loc); ast_add(A, T); ast_add(A, M); }

expr(A) ::= SPAWN(K) expr(C).
  { A = ast_new(AST_SPAWN, K.loc); ast_add(A, C); ast_add(A, NULL); ast_add(A, NULL); }
expr(A) ::= SPAWN(K) expr(C) ON expr(N).
  { A = ast_new(AST_SPAWN, K.loc); ast_add(A, C); ast_add(A, N); ast_add(A, NULL); }
expr(A) ::= SPAWN(K) expr(C) RESTART IDENT(R).
  { A = ast_new(AST_SPAWN, K.loc); ast_add(A, C); ast_add(A, NULL); ast_add(A, parse_name(px, &R)); }
expr(A) ::= SPAWN(K) expr(C) ON expr(N) RESTART IDENT(R).
  { A = ast_new(AST_SPAWN, K.loc); ast_add(A, C); ast_add(A, N); ast_add(A, parse_name(px, &R)); }

%code {
/* ---- helpers for the parser glue (compiler/syntax/parse.c) ------------- */

/* Would the parser in its current state accept `token` (after any
 * reductions)? Simulated on the state numbers only; nothing changes. */
static int act_sim_accepts(yyParser *p, int token) {
  YYACTIONTYPE over[128];
  int nover = 0;
  yyStackEntry *base = p->yytos;
  YYACTIONTYPE state = base->stateno;
  for (int guard = 0; guard < 10000; guard++) {
    YYACTIONTYPE act = yy_find_shift_action((YYCODETYPE)token, state);
    if (act >= YY_MIN_REDUCE) {
      unsigned rule = act - YY_MIN_REDUCE;
      int pop = -yyRuleInfoNRhs[rule];
      while (pop > 0 && nover > 0) { nover--; pop--; }
      base -= pop;
      if (base < p->yystack)
        return 0;
      YYACTIONTYPE below = nover > 0 ? over[nover - 1] : base->stateno;
      state = yy_find_reduce_action(below, (YYCODETYPE)yyRuleInfoLhs[rule]);
      if (nover == (int)(sizeof over / sizeof *over))
        return 1;
      over[nover++] = state;
    } else if (act == YY_ERROR_ACTION) {
      return 0;
    } else {
      return 1;
    }
  }
  return 0;
}

int act_parser_accepts(void *vp, int token) {
  return act_sim_accepts((yyParser *)vp, token);
}

/* The terminals acceptable now, in token-number order; returns the count. */
int act_parser_expected(void *vp, int *out, int max) {
  yyParser *p = (yyParser *)vp;
  int n = 0;
  for (int t = 0; t < YYNTOKEN; t++) {
#ifdef YYERRORSYMBOL
    if (t == YYERRORSYMBOL)
      continue;
#endif
    if (act_sim_accepts(p, t)) {
      if (n < max)
        out[n] = t;
      n++;
    }
  }
  return n;
}

/* Brackets still open on the parser's stack below `end`: a rule keeps its
 * brackets there until it is reduced (`fn f ( params ) ... {`), so count
 * openers minus closers. The innermost open one goes to *open. */
static int open_brackets(yyParser *p, yyStackEntry *end, tok_t *open) {
  yyStackEntry *stack[64];
  int depth = 0;
  for (yyStackEntry *e = p->yystack + 1; e < end; e++)
    if (e->major == TK_LBRACE || e->major == TK_SLBRACE ||
        e->major == TK_LPAREN || e->major == TK_LBRACKET) {
      if (depth < 64)
        stack[depth] = e;
      depth++;
    } else if (e->major == TK_RBRACE || e->major == TK_RPAREN || e->major == TK_RBRACKET) {
      depth--;
    }
  if (open != NULL) {
    memset(open, 0, sizeof *open);
    if (depth > 0 && depth <= 64) {
      *open = stack[depth - 1]->minor.yy0;
      open->kind = stack[depth - 1]->major;
    }
  }
  return depth < 0 ? 0 : depth;
}

/* After a syntax error the parser shifts `error` where it can resume (a
 * list of declarations, members, statements or match arms). Returns -1 when
 * it is not in that state, else the number of brackets still open below it
 * (the nesting at which the glue must resynchronise). */
int act_parser_recovery_depth(void *vp) {
  yyParser *p = (yyParser *)vp;
#ifdef YYERRORSYMBOL
  if (p->yytos <= p->yystack || p->yytos->major != YYERRORSYMBOL)
    return -1;
  return open_brackets(p, p->yytos, NULL);
#else
  (void)p;
  return -1;
#endif
}

/* Brackets open on the whole stack, and in *open the innermost (its kind
 * and where it is; kind 0 when none): the glue closes again what the
 * parser reopened by resuming inside a block the lexer had closed. */
int act_parser_open_depth(void *vp, tok_t *open) {
  yyParser *p = (yyParser *)vp;
  return open_brackets(p, p->yytos + 1, open);
}
}
