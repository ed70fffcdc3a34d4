/* diag.c: printing diagnostics in the file:line:col + source line + caret
 * format of LANGUAGE.md §14. */
#include "diag/diag.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/utf8.h"
#include "common/xalloc.h"

void diag_init(diag_t *d) {
  memset(d, 0, sizeof *d);
  d->max_errors = 100;
  d->out = stderr;
}

static const char *level_name(diag_level_t lvl) {
  switch (lvl) {
  case DIAG_ERROR: return "error";
  case DIAG_WARNING: return "warning";
  default: return "note";
  }
}

/* Print the source line holding loc and a caret under its column. Tabs are
 * kept in the caret line so the caret lines up in any terminal. Non-printable
 * bytes (invalid input) are shown as '?', so the line never garbles a tty. */
static void print_excerpt(FILE *out, loc_t loc) {
  const src_file_t *f = loc.file;
  if (f == NULL || f->text == NULL || loc.line < 1)
    return;
  const char *p = f->text, *end = f->text + f->len;
  for (int l = 1; l < loc.line && p < end; l++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL)
      return;
    p = nl + 1;
  }
  const char *eol = memchr(p, '\n', (size_t)(end - p));
  if (eol == NULL)
    eol = end;
  size_t n = (size_t)(eol - p);
  if (n > 400)
    n = 400; /* a 10 MB one-line file must not flood the terminal */
  fputs("    ", out);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c >= 0x80) {
      /* Copy a valid UTF-8 sequence; show anything else as '?'. */
      size_t len = utf8_seq(p + i, p + n);
      if (len) {
        fwrite(p + i, 1, len, out);
        i += len - 1;
      } else {
        fputc('?', out);
      }
      continue;
    }
    fputc(c == '\t' || (c >= 0x20 && c != 0x7f) ? c : '?', out);
  }
  fputs("\n    ", out);
  for (int i = 1; i < loc.col && (size_t)(i - 1) < n; i++)
    fputc(p[i - 1] == '\t' ? '\t' : ' ', out);
  fputs("^\n", out);
}

void diag_vreport(diag_t *d, diag_level_t lvl, loc_t loc, const char *fmt,
                  va_list ap) {
  if (lvl == DIAG_ERROR) {
    d->errors++;
    if (d->errors > d->max_errors) {
      if (d->errors == d->max_errors + 1)
        fprintf(d->out, "too many errors; stopping here\n");
      return;
    }
  } else if (lvl == DIAG_WARNING) {
    d->warnings++;
  } else if (d->errors > d->max_errors) {
    return;
  }
  if (loc.file != NULL)
    fprintf(d->out, "%s:%d:%d: ", loc.file->path, loc.line, loc.col);
  fprintf(d->out, "%s: ", level_name(lvl));
  vfprintf(d->out, fmt, ap);
  fputc('\n', d->out);
  print_excerpt(d->out, loc);
}

#define DEFINE_REPORT(fn, lvl)                                                 \
  void fn(diag_t *d, loc_t loc, const char *fmt, ...) {                        \
    va_list ap;                                                                \
    va_start(ap, fmt);                                                         \
    diag_vreport(d, lvl, loc, fmt, ap);                                        \
    va_end(ap);                                                                \
  }
DEFINE_REPORT(diag_error, DIAG_ERROR)
DEFINE_REPORT(diag_warning, DIAG_WARNING)
DEFINE_REPORT(diag_note, DIAG_NOTE)

void diag_hint(diag_t *d, const char *fmt, ...) {
  if (d->errors > d->max_errors)
    return;
  va_list ap;
  va_start(ap, fmt);
  fputs("  hint: ", d->out);
  vfprintf(d->out, fmt, ap);
  fputc('\n', d->out);
  va_end(ap);
}

/* Every file of the run, so that src_free_all can release them. */
typedef struct src_node {
  src_file_t f;
  struct src_node *next;
} src_node_t;

static src_node_t *files;

/* Registers buf (malloc'd, len bytes and a NUL after them) as a file. */
static src_file_t *src_adopt(const char *path, char *buf, size_t len) {
  src_node_t *n = xcalloc(1, sizeof *n);
  n->f.path = xstrdup(path);
  n->f.text = buf;
  n->f.len = len;
  n->next = files;
  files = n;
  return &n->f;
}

src_file_t *src_from_string(const char *path, const char *text, size_t len) {
  char *buf = xmalloc(len + 1);
  memcpy(buf, text, len);
  buf[len] = '\0';
  return src_adopt(path, buf, len);
}

/* Read into one buffer of the file's size (growing only if the file grows
 * meanwhile): a 100,000-line program is megabytes, and every copy of it is
 * memory first touched, which is what costs on a large check. */
src_file_t *src_load(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (fp == NULL)
    return NULL;
  struct stat st;
  size_t cap = fstat(fileno(fp), &st) == 0 && st.st_size > 0 ? (size_t)st.st_size + 1 : 1 << 16, len = 0;
  char *buf = xmalloc(cap);
  for (;;) {
    size_t n = fread(buf + len, 1, cap - 1 - len, fp);
    len += n;
    if (len < cap - 1)
      break;
    int c = fgetc(fp);  /* at the size fstat gave: the end, or more */
    if (c == EOF)
      break;
    buf = xrealloc(buf, cap * 2);
    cap *= 2;
    buf[len++] = (char)c;
  }
  int err = ferror(fp);
  fclose(fp);
  if (err) {
    free(buf);
    return NULL;
  }
  buf[len] = '\0';
  return src_adopt(path, buf, len);
}

void src_free_all(void) {
  while (files != NULL) {
    src_node_t *n = files->next;
    free((char *)files->f.path);
    free((char *)files->f.text);
    free(files);
    files = n;
  }
}
