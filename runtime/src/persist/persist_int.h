/* persist_int.h: shared by the journal's sources (runtime/src/persist). */
#ifndef ACT_PERSIST_INT_H
#define ACT_PERSIST_INT_H

#include "act/persist.h"

/* Fill err (if not NULL) with code and a formatted message; returns code. */
int act__jerr(act_journal_err_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Clear err to OK. */
void act__jerr_ok(act_journal_err_t *err);
/* Report a warning through j->warn (stderr if unset). */
void act__jwarn(act_journal_t *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Print at most max bytes of a pid for a message: into buf (cap >= 80). */
const char *act__jpid(char *buf, size_t cap, const char *pid, size_t len);

/* fsync the directory that holds path (after creating or renaming a file
 * there); 0 or -1 with errno. */
int act__jfsync_dir(const char *path);

#endif
