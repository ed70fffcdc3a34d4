/* mark.c: the commit mark's file format (mark.h). Only bytes here; what a
 * mark means for a journal is decided in sqlite.c. */
#include "mark.h"

#include "persist_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Record layout (little endian):
 *   0 "ActJmark"  8 version  12 zero  16 journal  24 gen  32 acked
 *  40 synced  48 boot (40 bytes, NUL padded)  88..123 zero  124 CRC-32C */
static const char MAGIC[8] = {'A', 'c', 't', 'J', 'm', 'a', 'r', 'k'};
#define VERSION 1

static void put64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static void put32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Decode one slot; false if it is not a valid record. */
static bool decode(const unsigned char *b, act__jmark_t *m) {
  if (memcmp(b, MAGIC, 8) != 0 || get32(b + 8) != VERSION) return false;
  if (act_journal_crc32c(0, b, ACT_JMARK_REC - 4) != get32(b + ACT_JMARK_REC - 4)) return false;
  m->journal = get64(b + 16);
  m->gen = get64(b + 24);
  m->acked = (int64_t)get64(b + 32);
  m->synced = (int64_t)get64(b + 40);
  memcpy(m->boot, b + 48, sizeof m->boot);
  m->boot[sizeof m->boot - 1] = 0;
  return m->acked >= 0 && m->synced >= 0;
}

int act__jmark_read(int fd, act__jmark_t *out) {
  unsigned char b[2][ACT_JMARK_REC];
  act__jmark_t m[2];
  bool ok[2];
  ssize_t got0 = pread(fd, b[0], ACT_JMARK_REC, 0);
  ssize_t got1 = pread(fd, b[1], ACT_JMARK_REC, ACT_JMARK_SLOT);
  ok[0] = got0 == ACT_JMARK_REC && decode(b[0], &m[0]);
  ok[1] = got1 == ACT_JMARK_REC && decode(b[1], &m[1]);
  if (!ok[0] && !ok[1]) {
    off_t end = lseek(fd, 0, SEEK_END);
    memset(out, 0, sizeof *out);
    out->gen = end > 0 ? (uint64_t)end : 0;
    return -1;
  }
  /* Both valid: the newer. A slot's generation has its parity (gen % 2),
   * so a valid slot in the wrong place is damage too. */
  int pick = !ok[0] ? 1 : !ok[1] ? 0 : m[1].gen > m[0].gen;
  if (m[pick].gen % 2 != (uint64_t)pick) {
    memset(out, 0, sizeof *out);
    return -1;
  }
  *out = m[pick];
  return 0;
}

int act__jmark_write(int fd, act__jmark_t *m) {
  unsigned char b[ACT_JMARK_REC];
  memset(b, 0, sizeof b);
  m->gen++;
  memcpy(b, MAGIC, 8);
  put32(b + 8, VERSION);
  put64(b + 16, m->journal);
  put64(b + 24, m->gen);
  put64(b + 32, (uint64_t)m->acked);
  put64(b + 40, (uint64_t)m->synced);
  memcpy(b + 48, m->boot, strnlen(m->boot, sizeof m->boot - 1));
  put32(b + ACT_JMARK_REC - 4, act_journal_crc32c(0, b, ACT_JMARK_REC - 4));
  off_t at = (off_t)(m->gen % 2) * ACT_JMARK_SLOT;
  ssize_t n = pwrite(fd, b, sizeof b, at);
  if (n == (ssize_t)sizeof b) return 0;
  return n < 0 ? errno : EIO;
}

void act__jmark_boot_id(char out[40]) {
  out[0] = 0;
  FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
  if (!f) return;
  if (!fgets(out, 40, f)) out[0] = 0;
  fclose(f);
  out[strcspn(out, "\n")] = 0;
}

int64_t act__jmark_needed(const act__jmark_t *m, const char *boot, bool *same_boot) {
  bool same = boot[0] && strcmp(boot, m->boot) == 0;
  if (same_boot) *same_boot = same;
  return same ? m->acked : m->synced;
}
