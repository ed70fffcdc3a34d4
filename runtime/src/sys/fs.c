/* fs.c: the C side of std.fs — appending, directories, metadata and
 * removal. Every function here may wait on the disk, so std.fs declares
 * them `blocking fn`s. A failure returns a neutral value and leaves its
 * reason for act_io_error(). */
#include "act/act.h"
#include "act/sys.h"
#include "sys/sys_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One write with O_APPEND: appends from several writers never overlap. */
bool act_fs_append(act_str_t *path, act_str_t *data) {
  return act__sys_write_path(path, O_APPEND, data);
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted bytewise, without "." and "..", each
 * followed by a NUL byte (which no file name contains); "" and an error
 * when it cannot be read. */
act_str_t *act_fs_list(act_str_t *path) {
  if (!act__sys_path_ok("cannot list", path))
    return NULL;
  DIR *d = opendir(act_str_data(path));
  if (d == NULL) {
    act__sys_error_path("cannot list", path);
    return NULL;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  bool oom = false;
  struct dirent *e;
  errno = 0;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      char **nn = realloc(names, cap * sizeof *nn);
      if (nn == NULL) {
        oom = true;
        break;
      }
      names = nn;
    }
    if ((names[n] = strdup(e->d_name)) == NULL) {
      oom = true;
      break;
    }
    n++;
  }
  int err = oom ? ENOMEM : errno;
  closedir(d);
  act_str_t *out = NULL;
  if (err != 0) {
    errno = err;
    act__sys_error_path("cannot list", path);
  } else {
    if (n > 1) qsort(names, n, sizeof *names, by_name);   /* names is NULL for an empty folder */
    act_buf_t b;
    act_buf_init(&b);
    for (size_t i = 0; i < n; i++)
      act_buf_put(&b, names[i], (int64_t)strlen(names[i]) + 1);
    out = act_buf_to_str(&b);
  }
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
  return out;
}

/* [kind, size, permission bits, modified (ns since the epoch)]; kind 1 a
 * file, 2 a directory, 3 a symbolic link (only with follow = false), 4
 * anything else. Empty when it cannot be read. */
act_array_t *act_fs_stat(act_str_t *path, bool follow) {
  act_array_t *out = act_array_new(&act_type_i64, 4);
  if (!act__sys_path_ok("cannot stat", path))
    return out;
  struct stat st;
  int rc = follow ? stat(act_str_data(path), &st) : lstat(act_str_data(path), &st);
  if (rc != 0) {
    act__sys_error_path("cannot stat", path);
    return out;
  }
  int64_t kind = S_ISREG(st.st_mode) ? 1 : S_ISDIR(st.st_mode) ? 2 : S_ISLNK(st.st_mode) ? 3 : 4;
  int64_t f[4] = {kind, (int64_t)st.st_size, (int64_t)(st.st_mode & 07777),
                  (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec};
  for (int i = 0; i < 4; i++)
    act_array_push(&out, &act_type_i64, &f[i]);
  return out;
}

/* mkdir, and with parents its missing parents too (an existing directory
 * is then no error, as with mkdir -p). */
bool act_fs_mkdir(act_str_t *path, bool parents) {
  if (!act__sys_path_ok("cannot create directory", path))
    return false;
  const char *p = act_str_data(path);
  if (!parents) {
    if (mkdir(p, 0777) == 0)
      return true;
    act__sys_error_path("cannot create directory", path);
    return false;
  }
  char *tmp = strdup(p);
  if (tmp == NULL) {
    errno = ENOMEM;
    act__sys_error_path("cannot create directory", path);
    return false;
  }
  size_t len = strlen(tmp);
  bool ok = len > 0;
  for (size_t i = 1; ok && i <= len; i++) {
    if (tmp[i] != '/' && tmp[i] != '\0')
      continue;
    char c = tmp[i];
    tmp[i] = '\0';
    struct stat st;
    if (mkdir(tmp, 0777) != 0 && !(errno == EEXIST && stat(tmp, &st) == 0 && S_ISDIR(st.st_mode))) {
      if (errno == EEXIST)
        errno = ENOTDIR;
      ok = false;
    }
    tmp[i] = c;
  }
  if (len == 0)
    errno = ENOENT;
  if (!ok)
    act__sys_error_path("cannot create directory", path);
  free(tmp);
  return ok;
}

/* A file, a link or an empty directory. */
bool act_fs_remove(act_str_t *path) {
  if (!act__sys_path_ok("cannot remove", path))
    return false;
  const char *p = act_str_data(path);
  struct stat st;
  if (lstat(p, &st) != 0) {
    act__sys_error_path("cannot remove", path);
    return false;
  }
  if ((S_ISDIR(st.st_mode) ? rmdir(p) : unlink(p)) != 0) {
    act__sys_error_path("cannot remove", path);
    return false;
  }
  return true;
}

bool act_fs_rename(act_str_t *from, act_str_t *to) {
  if (!act__sys_path_ok("cannot rename", from) || !act__sys_path_ok("cannot rename", to))
    return false;
  if (rename(act_str_data(from), act_str_data(to)) != 0) {
    act__sys_error_path("cannot rename", from);
    return false;
  }
  return true;
}
