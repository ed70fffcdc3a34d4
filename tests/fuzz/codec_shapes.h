/* codec_shapes.h: descriptors of every shape the codec knows, written as
 * actorc emits them (data: field and variant tables), for the codec's
 * unit tests and its fuzzer. */
#ifndef ACT_CODEC_SHAPES_H
#define ACT_CODEC_SHAPES_H

#include <stddef.h>

#include "act/act.h"

/* struct Point { x: int, name: string, ok: bool, small: u8, w: i16, f: float } */
typedef struct shape_point {
  int64_t f_x;
  act_str_t *f_name;
  bool f_ok;
  uint8_t f_small;
  int16_t f_w;
  double f_f;
} shape_point;
static const act_field_t shape_point_fields[] = {
  {.name = "x", .offset = offsetof(shape_point, f_x), .type = &act_type_i64},
  {.name = "name", .offset = offsetof(shape_point, f_name), .type = &act_type_string},
  {.name = "ok", .offset = offsetof(shape_point, f_ok), .type = &act_type_bool},
  {.name = "small", .offset = offsetof(shape_point, f_small), .type = &act_type_u8},
  {.name = "w", .offset = offsetof(shape_point, f_w), .type = &act_type_i16},
  {.name = "f", .offset = offsetof(shape_point, f_f), .type = &act_type_f64},
};
static const act_type_t shape_point_type = {
  .name = "Point", .size = sizeof(shape_point), .kind = ACT_K_STRUCT,
  .nfields = 6, .fields = shape_point_fields,
};

/* string? */
typedef struct { bool has; act_str_t *v; } shape_opt_str;
static const act_field_t shape_opt_str_fields[] = {
  {.name = "v", .offset = offsetof(shape_opt_str, v), .type = &act_type_string}};
static const act_type_t shape_opt_str_type = {
  .name = "string?", .size = sizeof(shape_opt_str), .kind = ACT_K_OPTIONAL,
  .elem = &act_type_string, .nfields = 1, .fields = shape_opt_str_fields,
};

/* [Point] */
static const act_type_t shape_arr_point_type = {
  .name = "[Point]", .size = sizeof(act_array_t *), .kind = ACT_K_ARRAY,
  .elem = &shape_point_type, .flags = ACT_TF_SHARE,
};
/* [int] and [string: [int]] */
static const act_type_t shape_arr_int_type = {
  .name = "[int]", .size = sizeof(act_array_t *), .kind = ACT_K_ARRAY,
  .elem = &act_type_i64, .flags = ACT_TF_SHARE,
};
static const act_type_t shape_map_type = {
  .name = "[string: [int]]", .size = sizeof(act_map_t *), .kind = ACT_K_MAP,
  .key = &act_type_string, .elem = &shape_arr_int_type, .flags = ACT_TF_SHARE,
};

/* enum Tree { Leaf, Node(l: Tree, v: string?, r: Tree), Many(ts: [int]) }:
 * the recursive payloads boxed */
typedef struct shape_tree {
  int32_t tag;
  union {
    char _none;
    struct { struct shape_tree *f_l; shape_opt_str f_v; struct shape_tree *f_r; } v_Node;
    struct { act_array_t *f_ts; } v_Many;
  } u;
} shape_tree;
extern const act_type_t shape_tree_type;
static const act_field_t shape_tree_node_fields[] = {
  {.name = "l", .offset = offsetof(shape_tree, u.v_Node.f_l), .boxed = 1, .type = &shape_tree_type},
  {.name = "v", .offset = offsetof(shape_tree, u.v_Node.f_v), .type = &shape_opt_str_type},
  {.name = "r", .offset = offsetof(shape_tree, u.v_Node.f_r), .boxed = 1, .type = &shape_tree_type},
};
static const act_field_t shape_tree_many_fields[] = {
  {.name = "ts", .offset = offsetof(shape_tree, u.v_Many.f_ts), .type = &shape_arr_int_type},
};
static const act_variant_t shape_tree_variants[] = {
  {.name = "Leaf"},
  {.name = "Node", .nfields = 3, .fields = shape_tree_node_fields},
  {.name = "Many", .nfields = 1, .fields = shape_tree_many_fields},
};
const act_type_t shape_tree_type = {
  .name = "Tree", .size = sizeof(shape_tree), .kind = ACT_K_ENUM,
  .nvariants = 3, .variants = shape_tree_variants, .flags = ACT_TF_SHARE,
};

/* Every shape, with a buffer size large enough for one value of it. */
static const act_type_t *const shapes[] = {
  &act_type_bool, &act_type_i8, &act_type_i16, &act_type_i32, &act_type_i64, &act_type_u8,
  &act_type_u16, &act_type_u32, &act_type_u64, &act_type_f32, &act_type_f64, &act_type_string,
  &act_type_duration, &shape_point_type, &shape_opt_str_type, &shape_arr_point_type,
  &shape_arr_int_type, &shape_map_type, &shape_tree_type,
};
enum { NSHAPES = sizeof shapes / sizeof shapes[0] };

#endif
