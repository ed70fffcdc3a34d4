/* broken.h: a header with a syntax error, for bad_header.act */
int broken(int x
struct;
