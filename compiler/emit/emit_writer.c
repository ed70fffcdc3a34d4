#define _GNU_SOURCE
/* emit_writer.c: the one place that shapes the C text — indentation and
 * braces of function bodies, `#line` directives, and writing the files.
 *
 * `#line` goes where an `.act` statement begins (emit_source_line). Code
 * the emitter adds around statements (prologues, epilogues, descriptors,
 * main) belongs to the generated file itself, so a debugger or addr2line
 * shows it in the .c: the emitter marks where such glue follows statements
 * (emit_glue), and cw_finish, which sees the whole file, turns each mark
 * into `#line N "x.c"` with N the real next line (details at cw_finish). With --no-line (opts->line_directives
 * false) directives and marks are dropped. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "emit/emit_int.h"

/* A line of its own that cw_finish replaces; no C text can contain it. */
#define GLUE_MARK "#line \001glue"

void line(em_t *e, const char *fmt, ...) {
  static const char blanks[] = "                                                                ";
  for (int n = e->indent * 2; n > 0; n -= (int)sizeof blanks - 1)
    strbuf_put(e->out, blanks, n < (int)sizeof blanks - 1 ? (size_t)n : sizeof blanks - 1);
  va_list ap;
  va_start(ap, fmt);
  strbuf_vprintf(e->out, fmt, ap);
  va_end(ap);
  strbuf_put(e->out, "\n", 1);
}

void open_block(em_t *e, const char *head) {
  line(e, "%s {", head);
  e->indent++;
}

void close_block(em_t *e, const char *tail) {
  e->indent--;
  line(e, "}%s", tail ? tail : "");
}

void emit_source_line(em_t *e, loc_t l) {
  if (!e->line_directives || l.file == NULL || l.line <= 0) return;
  strbuf_printf(e->out, "#line %d \"%s\"\n", l.line, l.file->path);
}

void emit_glue(em_t *e) {
  if (e->line_directives) strbuf_printf(e->out, GLUE_MARK "\n");
}

static int starts_with(const char *s, size_t n, const char *p) {
  size_t k = strlen(p);
  return n >= k && memcmp(s, p, k) == 0;
}

/* Resolve the glue marks of text (a whole .c file named cname) into
 * `#line` directives back to the file itself. Returns a malloc'd string.
 *
 * A `#line L` only names the line right after it; the lines after that
 * would count on (L+1, ...) past the statement, even past the end of the
 * .act file. So each further line of a statement gets the directive again,
 * and a closing brace, a declaration at column 0 or a glue mark switches
 * back to the .c file. */
static char *cw_finish(const char *text, const char *cname) {
  strbuf_t o = {0};
  strbuf_puts(&o, "");
  int out_line = 1;         /* the line of o that the next line will be */
  const char *act = NULL;   /* the current .act directive, or NULL */
  size_t act_n = 0;
  int fresh = 0;            /* that directive is the line just written */
  for (const char *p = text; *p;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    size_t ws = 0;
    while (ws < n && p[ws] == ' ') ws++;
    int glue = starts_with(p, n, GLUE_MARK);
    int directive = !glue && starts_with(p, n, "#line ");
    if (act && !directive && (glue || (n > 0 && p[0] != ' ' && p[0] != '#') || (ws < n && p[ws] == '}'))) {
      strbuf_printf(&o, "#line %d \"%s\"\n", out_line + 1, cname);
      out_line++;
      act = NULL;
    } else if (act && !directive && !fresh && n > 0) {
      strbuf_put(&o, act, act_n);
      strbuf_put(&o, "\n", 1);
      out_line++;
    }
    if (!glue) {
      strbuf_put(&o, p, n);   /* put, not printf: this is every line of the file */
      strbuf_put(&o, "\n", 1);
      out_line++;
      fresh = directive;
      if (directive) {
        act = p;
        act_n = n;
      }
    }
    p = nl ? nl + 1 : p + n;
  }
  return o.p;
}

/* Write text to path unless the file already holds exactly that text, so
 * that rebuilding an unchanged program leaves timestamps alone. */
static bool write_if_changed(const char *path, const char *text) {
  size_t n = strlen(text);
  FILE *f = fopen(path, "rb");
  if (f) {
    char *old = malloc(n + 1);
    size_t got = old ? fread(old, 1, n + 1, f) : 0;
    int same = old && got == n && memcmp(old, text, n) == 0;
    free(old);
    fclose(f);
    if (same) return true;
  }
  f = fopen(path, "wb");
  if (f == NULL || fwrite(text, 1, n, f) != n || fclose(f) != 0) {
    fprintf(stderr, "actorc: cannot write %s: %s\n", path, strerror(errno));
    return false;
  }
  return true;
}

bool cw_write(const char *path, const char *text, bool is_c) {
  if (!is_c) return write_if_changed(path, text);
  /* the path the C compiler is given, so debuggers find the file */
  char *resolved = cw_finish(text, path);
  bool ok = write_if_changed(path, resolved);
  free(resolved);
  return ok;
}
