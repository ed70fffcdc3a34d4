/* For extern_mismatch.act: functions declared by hand in Act, some with
 * the header's types and some not. */
#include <act/act.h>
static inline long twice(long x) { return 2 * x; }
int half(int x);
double scale(double x, int by);
void shout(act_str_t *s);
long total(const double *xs, long n);
