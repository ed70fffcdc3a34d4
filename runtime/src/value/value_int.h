/* value_int.h: helpers shared by the files of runtime/src/value (not part
 * of the public API). */
#ifndef ACT_VALUE_INT_H
#define ACT_VALUE_INT_H

/* strtod in the "C" locale, whatever setlocale the program did. */
double act__strtod_c(const char *s, char **end);
float act__strtof_c(const char *s, char **end);

#endif
