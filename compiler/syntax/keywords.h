/* keywords.h: the keywords of LANGUAGE.md §2, once (an X-macro list, as
 * Lua's llex.h): X(TOKEN, "spelling") gives TK_TOKEN. The lexer reads
 * identifiers with one rule and turns those spelled like a keyword into
 * its token (lex_keywords_init); lex_token_name spells them back. Words
 * that are keywords only in places (`every`, `after`, `blocking`, `batch`,
 * `future`) are not here: the grammar takes them as identifiers. Include
 * after act_parse.h, which defines the TK_ numbers. */
#ifndef ACT_KEYWORDS_H
#define ACT_KEYWORDS_H

#define ACT_KEYWORDS(X)                                                       \
  X(ACTOR, "actor") X(SUPERVISOR, "supervisor") X(MESSAGE, "message")         \
  X(PROTOCOL, "protocol") X(STRUCT, "struct") X(ENUM, "enum")                 \
  X(EVENT, "event") X(KERNEL, "kernel") X(FN, "fn") X(EXTERN, "extern")       \
  X(IMPORT, "import") X(MODULE, "module") X(CONST, "const") X(LET, "let")     \
  X(VAR, "var") X(INIT, "init") X(ON, "on") X(APPLY, "apply")                 \
  X(PERSIST, "persist") X(SNAPSHOT, "snapshot") X(SPAWN, "spawn")             \
  X(SENDER, "sender") X(SELF, "self") X(AWAIT, "await") X(WITHIN, "within")   \
  X(IF, "if") X(ELSE, "else") X(WHILE, "while") X(FOR, "for") X(IN, "in")     \
  X(MATCH, "match") X(RETURN, "return") X(BREAK, "break")                     \
  X(CONTINUE, "continue") X(STOP, "stop") X(TRUE, "true") X(FALSE, "false")   \
  X(NONE, "none") X(AS, "as") X(GPU, "gpu") X(PERSISTENT, "persistent")       \
  X(VIRTUAL, "virtual") X(SUPERVISE, "supervise") X(STRATEGY, "strategy")     \
  X(RESTARTS, "restarts") X(CHILD, "child") X(CHILDREN, "children")           \
  X(RESTART, "restart") X(MAILBOX, "mailbox") X(PASSIVATE, "passivate")

#endif
