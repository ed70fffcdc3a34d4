/* xalloc.h: allocation for the compiler. actorc is a short-lived
 * executable: running out of memory ends it with a message and exit
 * status 3 ("a tool failed", driver/main.c), so callers never test for
 * NULL. */
#ifndef ACT_XALLOC_H
#define ACT_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Ends the process: "actorc: out of memory", status 3. */
_Noreturn void xalloc_failed(void);

#endif
