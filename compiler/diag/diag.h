/* diag.h: collected compiler diagnostics.
 *
 * Every pass reports through here. A diagnostic names file:line:col, quotes
 * the source line with a caret under the column, says what is wrong in one
 * sentence and optionally how to fix it (the hint). Diagnostics are printed
 * as they are reported, so a crash later still leaves the earlier ones on
 * stderr; the driver checks diag_errors() between passes and stops there.
 */
#ifndef ACT_DIAG_H
#define ACT_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* A source file loaded into memory. Files live until src_free_all (never
 * during a compilation), so locations may point at them freely. */
typedef struct src_file {
  const char *path;   /* as given on the command line or resolved import */
  const char *text;   /* NUL-terminated contents */
  size_t len;         /* bytes, excluding the terminating NUL */
} src_file_t;

/* A position in a source file; line and col are 1-based, col counts bytes. */
typedef struct loc {
  const src_file_t *file;
  int line;
  int col;
} loc_t;

typedef enum diag_level { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } diag_level_t;

typedef struct diag {
  int errors;
  int warnings;
  int max_errors;     /* stop reporting (but keep counting) beyond this; 0 = 100 */
  FILE *out;          /* stderr unless a test redirects it */
} diag_t;

void diag_init(diag_t *d);

/* Report at loc. fmt is printf-style; the message is one sentence without a
 * trailing period. Returns nothing; the count is in d->errors. */
void diag_error(diag_t *d, loc_t loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_warning(diag_t *d, loc_t loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A note attached to the previous diagnostic, e.g. "declared here". */
void diag_note(diag_t *d, loc_t loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A fix hint printed after the caret line of the previous diagnostic:
 * "  hint: ...". */
void diag_hint(diag_t *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void diag_vreport(diag_t *d, diag_level_t lvl, loc_t loc, const char *fmt,
                  va_list ap);

/* Load a file; returns NULL (and reports nothing) if it cannot be read. */
src_file_t *src_load(const char *path);
/* Wrap an in-memory buffer (used by tests and the fuzzer); copies text. */
src_file_t *src_from_string(const char *path, const char *text, size_t len);
/* Release every file loaded or wrapped so far (end of a fuzz iteration or
 * a test); locations into them must not be used afterwards. */
void src_free_all(void);

#endif
