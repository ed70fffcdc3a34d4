/* No include guard, on purpose: golden test cheader_twice. */
static inline long triple(long x) { return 3 * x; }
