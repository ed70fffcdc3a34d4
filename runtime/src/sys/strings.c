/* strings.c: the C side of std.strings — byte slices of a string. */
#include "act/act.h"
#include "act/sys.h"

/* Bytes from..to-1 of s, both clamped to 0..len (so a range past the end
 * is shorter, never a fault; std.strings documents it). */
act_str_t *act_strings_slice(act_str_t *s, int64_t from, int64_t to) {
  int64_t n = act_str_len(s);
  if (from < 0)
    from = 0;
  if (to > n)
    to = n;
  if (from >= to)
    return act_str_new("", 0);
  return act_str_new(act_str_data(s) + from, to - from);
}
