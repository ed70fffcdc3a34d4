/* The commit mark and the program's identity (PERSIST.md, "The commit
 * mark", "The program"), through the journal interface. A journal that is
 * still open stands for one whose process was killed: its WAL holds the
 * commits, its mark counts them; copies of its files are then damaged and
 * opened. Real processes and kill -9: tests/persist/persist.sh. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <act/persist.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "persist/mark.h"

#define OPS (&act_journal_sqlite_ops)

static char g_dir[256], g_loc[512], g_copy[512];
static act_journal_type_t TYPES[2];
static int warnings;
static char last_warning[640];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f) {
  (void)sb, (void)flag, (void)f;
  return remove(p);
}

static void setup(void) {
  snprintf(g_dir, sizeof g_dir, "/tmp/act-mark-XXXXXX");
  cr_assert(mkdtemp(g_dir), "mkdtemp: %s", strerror(errno));
  snprintf(g_loc, sizeof g_loc, "%s/bank.journal.db", g_dir);
  snprintf(g_copy, sizeof g_copy, "%s/copy.journal.db", g_dir);
  const char *ev = "event Wallet.Credited(amount: int)", *st = "state Wallet(balance: int)";
  TYPES[0] = (act_journal_type_t){ACT_JOURNAL_EVENT, "Wallet.Credited",
                                  act_journal_fingerprint(ev, strlen(ev))};
  TYPES[1] = (act_journal_type_t){ACT_JOURNAL_STATE, "Wallet",
                                  act_journal_fingerprint(st, strlen(st))};
  warnings = 0;
  last_warning[0] = 0;
}

static void teardown(void) { nftw(g_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

TestSuite(mark, .init = setup, .fini = teardown, .timeout = 60);

static void on_warning(void *arg, const char *msg) {
  (void)arg;
  warnings++;
  snprintf(last_warning, sizeof last_warning, "%s", msg);
}

static int try_open(const char *loc, const char *program, size_t ntypes, act_journal_t **j,
                    act_journal_err_t *err) {
  act_journal_config_t c = {0};
  c.location = loc;
  c.types = TYPES;
  c.ntypes = ntypes;
  c.program = program;
  return OPS->open(&c, j, err);
}

static act_journal_t *jopen(const char *loc, const char *program) {
  act_journal_t *j = NULL;
  act_journal_err_t err;
  int rc = try_open(loc, program, 2, &j, &err);
  cr_assert_eq(rc, ACT_JOURNAL_OK, "open %s: %s", loc, err.msg);
  j->warn = on_warning;
  return j;
}

/* n events of "Wallet:a", one commit each. */
static void append(act_journal_t *j, int from, int n) {
  for (int s = from; s < from + n; s++) {
    act_journal_event_t e = {"Wallet.Credited", "12345678", 8};
    act_journal_write_t w = {0};
    w.kind = ACT_JOURNAL_W_EVENTS;
    w.pid = "Wallet:a";
    w.pid_len = 8;
    w.seq = s;
    w.events = &e;
    w.nevents = 1;
    act_journal_write_t *ws[1] = {&w};
    act_journal_err_t err;
    cr_assert_eq(OPS->append(j, ws, 1, &err), ACT_JOURNAL_OK, "%s", err.msg);
    cr_assert_eq(w.status, ACT_JOURNAL_OK);
  }
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    *len = (size_t)-1;
    return NULL;
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return b;
}

static void copy_file(const char *from, const char *to) {
  size_t n;
  char *b = slurp(from, &n);
  cr_assert_not_null(b, "%s is missing", from);
  FILE *f = fopen(to, "wb");
  cr_assert_not_null(f);
  cr_assert_eq(fwrite(b, 1, n, f), n);
  fclose(f);
  free(b);
}

static void side(char *out, size_t cap, const char *loc, const char *suffix) {
  snprintf(out, cap, "%s%s", loc, suffix);
}

/* Copy the journal at g_loc to g_copy: its file, its mark, and its WAL if
 * with_wal: what a crash leaves, with or without the WAL. */
static void copy_journal(bool with_wal) {
  char a[600], b[600];
  copy_file(g_loc, g_copy);
  side(a, sizeof a, g_loc, "-mark"), side(b, sizeof b, g_copy, "-mark");
  copy_file(a, b);
  if (with_wal) {
    side(a, sizeof a, g_loc, "-wal"), side(b, sizeof b, g_copy, "-wal");
    copy_file(a, b);
  }
}

static void read_mark(const char *path, act__jmark_t *m) {
  int fd = open(path, O_RDONLY);
  cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
  cr_assert_eq(act__jmark_read(fd, m), 0, "%s is not a valid mark", path);
  close(fd);
}

/* Rewrite the copy's mark through f. */
static void edit_mark(void (*f)(act__jmark_t *)) {
  char p[600];
  side(p, sizeof p, g_copy, "-mark");
  int fd = open(p, O_RDWR);
  cr_assert_geq(fd, 0);
  act__jmark_t m;
  cr_assert_eq(act__jmark_read(fd, &m), 0);
  f(&m);
  cr_assert_eq(act__jmark_write(fd, &m), 0);
  close(fd);
}

/* Opening loc fails with code and a message naming loc and holding what;
 * the journal, its WAL and its mark are as they were. */
static void refused(const char *loc, const char *program, size_t ntypes, int code,
                    const char *what) {
  static const char *sfx[] = {"", "-wal", "-mark"};
  char *before[3];
  size_t blen[3];
  for (int i = 0; i < 3; i++) {
    char p[600];
    side(p, sizeof p, loc, sfx[i]);
    before[i] = slurp(p, &blen[i]);
  }
  act_journal_t *j = NULL;
  act_journal_err_t err;
  int rc = try_open(loc, program, ntypes, &j, &err);
  cr_assert_eq(rc, code, "expected %s, got %s: %s", act_journal_status_name(code),
               act_journal_status_name(rc), err.msg);
  cr_assert_null(j);
  cr_assert(strstr(err.msg, loc), "the message does not name the file: %s", err.msg);
  cr_assert(strstr(err.msg, what), "expected \"%s\" in: %s", what, err.msg);
  for (int i = 0; i < 3; i++) {
    char p[600];
    size_t alen;
    side(p, sizeof p, loc, sfx[i]);
    char *after = slurp(p, &alen);
    cr_assert(alen == blen[i] && (!after || memcmp(before[i], after, alen) == 0),
              "%s was changed by a refused open", p);
    free(before[i]);
    free(after);
  }
}

static int64_t highest(act_journal_t *j) {
  int64_t h = -1;
  act_journal_err_t err;
  cr_assert_eq(OPS->highest_seq(j, "Wallet:a", 8, &h, &err), ACT_JOURNAL_OK, "%s", err.msg);
  return h;
}

Test(mark, a_crash_with_its_wal_opens_and_without_it_is_refused) {
  act_journal_t *j = jopen(g_loc, NULL);
  append(j, 1, 50);
  copy_journal(true);
  act_journal_t *c = jopen(g_copy, NULL);
  cr_assert_eq(highest(c), 50);
  cr_assert_eq(warnings, 0);
  OPS->close(c);
  remove(g_copy);
  copy_journal(false);
  refused(g_copy, NULL, 2, ACT_JOURNAL_ECORRUPT,
          "is missing 50 acknowledged events: it holds 0 events");
  OPS->close(j);
}

static void lag_one(act__jmark_t *m) { m->acked--; }

Test(mark, a_mark_one_commit_behind_is_a_kill_between_commit_and_mark) {
  act_journal_t *j = jopen(g_loc, NULL);
  append(j, 1, 5);
  copy_journal(true);
  OPS->close(j);
  edit_mark(lag_one);
  act_journal_t *c = jopen(g_copy, NULL);
  cr_assert_eq(highest(c), 5);
  append(c, 6, 1);   /* and it goes on */
  OPS->close(c);
}

static void rebooted(act__jmark_t *m) { snprintf(m->boot, sizeof m->boot, "another-boot"); }
static void rebooted_synced(act__jmark_t *m) {
  rebooted(m);
  m->synced = m->acked;
}

Test(mark, after_a_reboot_only_what_was_on_disk_is_required) {
  act_journal_t *j = jopen(g_loc, NULL);
  append(j, 1, 20);
  copy_journal(false);   /* the 20 commits were never fsync'd: power lost */
  edit_mark(rebooted);
  act_journal_t *c = jopen(g_copy, NULL);
  cr_assert_eq(highest(c), 0);
  OPS->close(c);
  /* the loss was not silent: a warning said so (through stderr here, as the
   * journal had no warn callback yet while opening) */
  remove(g_copy);
  copy_journal(false);
  edit_mark(rebooted_synced);   /* ... but these were on disk */
  refused(g_copy, NULL, 2, ACT_JOURNAL_ECORRUPT, "counts 20 written to disk");
  OPS->close(j);
}

Test(mark, close_puts_everything_on_disk) {
  act_journal_t *j = jopen(g_loc, NULL);
  append(j, 1, 7);
  OPS->close(j);
  char p[600];
  side(p, sizeof p, g_loc, "-mark");
  act__jmark_t m;
  read_mark(p, &m);
  cr_assert_eq(m.acked, 7);
  cr_assert_eq(m.synced, 7, "close checkpoints: all is on disk");
}

Test(mark, a_missing_damaged_or_foreign_mark_is_refused) {
  act_journal_t *j = jopen(g_loc, NULL);
  append(j, 1, 3);
  OPS->close(j);
  char p[600], q[600];
  side(p, sizeof p, g_loc, "-mark");
  side(q, sizeof q, g_dir, "/saved-mark");
  copy_file(p, q);
  remove(p);
  refused(g_loc, NULL, 2, ACT_JOURNAL_ECORRUPT, "-mark is missing");
  /* both copies damaged */
  size_t n;
  char *b = slurp(q, &n);
  b[40] ^= 1;
  b[ACT_JMARK_SLOT + 40] ^= 1;
  FILE *f = fopen(p, "wb");
  fwrite(b, 1, n, f);
  fclose(f);
  free(b);
  refused(g_loc, NULL, 2, ACT_JOURNAL_ECORRUPT, "-mark is damaged");
  /* another journal's */
  act_journal_t *o = jopen(g_copy, NULL);
  OPS->close(o);
  side(q, sizeof q, g_copy, "-mark");
  copy_file(q, p);
  refused(g_loc, NULL, 2, ACT_JOURNAL_ECORRUPT, "belongs to another journal");
}

static void sql(const char *loc, const char *q) {
  sqlite3 *db;
  cr_assert_eq(sqlite3_open_v2(loc, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  cr_assert_eq(sqlite3_exec(db, q, 0, 0, 0), SQLITE_OK, "%s", sqlite3_errmsg(db));
  sqlite3_close(db);
}

static int64_t meta_id(const char *loc) {
  sqlite3 *db;
  sqlite3_stmt *st;
  cr_assert_eq(sqlite3_open_v2(loc, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  cr_assert_eq(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='journal_id'", -1, &st,
                                  NULL),
               SQLITE_OK);
  int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

Test(mark, an_interrupted_first_open_and_an_older_journal_get_their_mark) {
  act_journal_t *j = jopen(g_loc, NULL);
  append(j, 1, 4);
  OPS->close(j);
  char p[600];
  side(p, sizeof p, g_loc, "-mark");
  act__jmark_t m;
  read_mark(p, &m);
  /* the first open stopped after making the mark, before recording the id */
  sql(g_loc, "DELETE FROM meta WHERE key='journal_id'");
  j = jopen(g_loc, NULL);
  cr_assert_eq(highest(j), 4);
  OPS->close(j);
  cr_assert_eq((uint64_t)meta_id(g_loc), m.journal, "the mark's id is adopted");
  /* a journal from before marks: no id, no mark */
  sql(g_loc, "DELETE FROM meta WHERE key='journal_id'");
  remove(p);
  j = jopen(g_loc, NULL);
  cr_assert_eq(highest(j), 4);
  OPS->close(j);
  cr_assert_neq(meta_id(g_loc), 0);
  read_mark(p, &m);
  cr_assert_eq(m.acked, 4);
  cr_assert_eq((uint64_t)meta_id(g_loc), m.journal);
}

Test(mark, a_mark_without_its_journal) {
  act_journal_t *j = jopen(g_loc, NULL);
  append(j, 1, 2);
  OPS->close(j);
  remove(g_loc);
  act_journal_t *x = NULL;
  act_journal_err_t err;
  cr_assert_eq(try_open(g_loc, NULL, 2, &x, &err), ACT_JOURNAL_ECORRUPT);
  cr_assert(strstr(err.msg, "does not exist but its mark") && strstr(err.msg, "counts 2"), "%s",
            err.msg);
  struct stat st;
  cr_assert_neq(stat(g_loc, &st), 0, "a journal was created");
  /* a mark that never counted an event is a leftover: a new journal starts */
  char p[600];
  side(p, sizeof p, g_loc, "-mark");
  remove(p);
  j = jopen(g_loc, NULL);
  OPS->close(j);
  remove(g_loc);
  j = jopen(g_loc, NULL);
  cr_assert_eq(highest(j), 0);
  OPS->close(j);
}

Test(mark, another_programs_journal_is_refused_a_renamed_one_taken_over) {
  act_journal_t *j = jopen(g_loc, "bank");
  append(j, 1, 3);
  OPS->close(j);
  /* a program that declares none of its persistent actors */
  refused(g_loc, "store", 1, ACT_JOURNAL_EFOREIGN, "belongs to program `bank`, not to `store`");
  /* one that declares Wallet: bank, renamed */
  act_journal_t *c = NULL;
  act_journal_err_t err;
  act_journal_config_t cfg = {0};
  cfg.location = g_loc;
  cfg.types = TYPES;
  cfg.ntypes = 2;
  cfg.program = "bank2";
  /* warnings during open go to stderr (no callback yet): check the result */
  cr_assert_eq(OPS->open(&cfg, &c, &err), ACT_JOURNAL_OK, "%s", err.msg);
  cr_assert_eq(highest(c), 3);
  OPS->close(c);
  refused(g_loc, "store", 1, ACT_JOURNAL_EFOREIGN, "belongs to program `bank2`");
  /* without a program name nothing is checked */
  c = jopen(g_loc, NULL);
  OPS->close(c);
}
