/* codec_ext.h: how the codec (codec.c) encodes what only exists in a
 * running process — references, nodes, futures, timers. The journal never
 * holds them (the checker sees to it); a message crossing to another node
 * does, and cluster/remote.c sets this thread's extension while it encodes
 * or decodes one. */
#ifndef ACT_VALUE_CODEC_EXT_H
#define ACT_VALUE_CODEC_EXT_H

#include "act/act.h"

typedef struct act_codec_ext {
  void (*enc)(act_buf_t *b, const act_type_t *t, const void *v);
  bool (*dec)(act_reader_t *r, const act_type_t *t, void *v);
} act_codec_ext_t;

extern _Thread_local const act_codec_ext_t *act__codec_ext;

#endif
