/* std_msgs.h: the messages of std modules that the runtime's C code sends
 * to actors, laid out as actorc lays them out: the header, then each field
 * in order (int -> int64_t, string -> act_str_t *). The descriptors are the
 * ones actorc emits for the module, named `<module>_<Message>_desc`; a C
 * function of a std module is linked only into programs that import the
 * module, so they are always there. act__io_msg compares each mirror's
 * size with its descriptor before anything is sent.
 *
 * If actorc's naming of generated symbols changes, ACT_STD_MSG is the one
 * place to follow it (the std.net and std.os tests then fail to link). */
#ifndef ACT_SYS_STD_MSGS_H
#define ACT_SYS_STD_MSGS_H

#include "act/act.h"

#define ACT_STD_DESC(mod, name) mod##_##name##_desc
#define ACT_STD_MSG(mod, name) (ACT_STD_DESC(mod, name).type)

/* std.os */
extern const act_msg_desc_t ACT_STD_DESC(os, Signal);
typedef struct { act_msg_t h; int64_t number; act_str_t *name; } act__os_signal_msg_t;

/* std.net */
extern const act_msg_desc_t ACT_STD_DESC(net, Accepted);
extern const act_msg_desc_t ACT_STD_DESC(net, Connected);
extern const act_msg_desc_t ACT_STD_DESC(net, Received);
extern const act_msg_desc_t ACT_STD_DESC(net, Ended);
extern const act_msg_desc_t ACT_STD_DESC(net, Closed);
typedef struct { act_msg_t h; int64_t listener; int64_t conn; act_str_t *peer; } act__net_accepted_msg_t;
typedef struct { act_msg_t h; int64_t conn; act_str_t *peer; } act__net_connected_msg_t;
typedef struct { act_msg_t h; int64_t conn; act_str_t *data; } act__net_received_msg_t;
typedef struct { act_msg_t h; int64_t conn; } act__net_ended_msg_t;
typedef struct { act_msg_t h; int64_t conn; act_str_t *reason; } act__net_closed_msg_t;

#endif
