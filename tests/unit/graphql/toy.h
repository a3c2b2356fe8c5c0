/* A small schema for the engine's unit tests: an interface, a union, an enum, an input object,
 * lists and non-null fields, with resolvers that count their calls (to see batching). */
#ifndef PHEME_TEST_GRAPHQL_TOY_H
#define PHEME_TEST_GRAPHQL_TOY_H

#include <stddef.h>
#include <string.h>

#include "graphql/exec.h"
#include "graphql/graphql.h"

typedef struct {
  int64_t id;
  const char *name;
  int barks;
} toy_dog;

static toy_dog toy_dogs[] = {{1, "Rex", 1}, {2, "Fido", 0}, {3, "Laika", 1}, {4, "Bolt", 0}};
static int toy_calls_friends, toy_calls_dogs;

static int toy_hello(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_str(&c->out[i], arena_printf(c->a, "hello %s", gql_arg_str(c, "name")));
  return 0;
}
static int toy_dog_one(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], &toy_dogs[0], NULL);
  return 0;
}
static int toy_dogs_list(gql_call *c) {
  toy_calls_dogs++;
  int64_t first = gql_arg_int(c, "first", 4);
  if (first > 4) first = 4;
  for (int i = 0; i < c->n; i++) {
    gql_rv *items = gql_set_list(c->a, &c->out[i], (int)first);
    for (int k = 0; k < first; k++) gql_set_obj(&items[k], &toy_dogs[k], NULL);
  }
  return 0;
}
/* every dog's friends are the two dogs after it; one call for all the dogs of a level */
static int toy_friends(gql_call *c) {
  toy_calls_friends++;
  int64_t first = gql_arg_int(c, "first", 2);
  for (int i = 0; i < c->n; i++) {
    const toy_dog *d = c->parents[i];
    gql_rv *items = gql_set_list(c->a, &c->out[i], (int)first);
    for (int k = 0; k < first; k++) gql_set_obj(&items[k], &toy_dogs[(d->id + k) % 4], NULL);
  }
  return 0;
}
static int toy_fail(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_fail_row(&c->out[i], PHEME_DATA_NOT_FOUND, "no such thing");
  return 0;
}
static int toy_null(gql_call *c) {
  (void)c;
  return 0;
}
static int toy_n(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_int(&c->out[i], gql_arg_int(c, "x", 0) * 2);
  return 0;
}
static int toy_echo(gql_call *c) {
  const gql_rv *f = gql_arg_get(c, "filter");
  json_t *j = f ? gql_rv_to_json(f) : json_null();
  char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
  for (int i = 0; i < c->n; i++) gql_set_str(&c->out[i], arena_strdup(c->a, s));
  free(s);
  json_decref(j);
  return 0;
}
static int toy_pet(gql_call *c) {
  for (int i = 0; i < c->n; i++) gql_set_obj(&c->out[i], &toy_dogs[1], gql_call_type(c, "Dog"));
  return 0;
}

static const gql_input_def toy_hello_args[] = {{"name", "String", "\"world\"", NULL}};
static const gql_input_def toy_first_args[] = {{"first", "Int", "2", NULL}};
static const gql_input_def toy_n_args[] = {{"x", "Int!", NULL, NULL}};
static const gql_input_def toy_echo_args[] = {{"filter", "Filter", NULL, NULL}, {"colors", "[Color!]", NULL, NULL}};

static const gql_field_def toy_query_fields[] = {
    {"hello", "String!", toy_hello_args, 1, toy_hello},
    {"dog", "Dog", NULL, 0, toy_dog_one},
    {"dogs", "[Dog!]!", toy_first_args, 1, toy_dogs_list},
    {"n", "Int", toy_n_args, 1, toy_n},
    {"echo", "String", toy_echo_args, 2, toy_echo},
    {"fails", "String", NULL, 0, toy_fail},
    {"mustNot", "Dog!", NULL, 0, toy_null},
    {"pet", "Pet", NULL, 0, toy_pet},
};
static const gql_field_def toy_dog_fields[] = {
    {"name", "String!", NULL, 0, gql_res_str, offsetof(toy_dog, name)},
    {"id", "ID!", NULL, 0, gql_res_id, offsetof(toy_dog, id)},
    {"barks", "Boolean", NULL, 0, gql_res_bool, offsetof(toy_dog, barks)},
    {"friends", "[Dog!]!", toy_first_args, 1, toy_friends},
    {"broken", "String!", NULL, 0, toy_fail},
};
static const gql_field_def toy_cat_fields[] = {
    {"name", "String!", NULL, 0, gql_res_str, offsetof(toy_dog, name)},
    {"meows", "Boolean", NULL, 0, gql_res_bool, offsetof(toy_dog, barks)},
};
static const gql_field_def toy_pet_fields[] = {{"name", "String!"}};
static const gql_field_def toy_mutation_fields[] = {{"bark", "String", toy_hello_args, 1, toy_hello}};
static const gql_enum_def toy_colors[] = {{"RED"}, {"GREEN"}, {"BLUE", NULL, "use RED"}};
static const gql_input_def toy_filter_fields[] = {
    {"color", "Color!", NULL, NULL}, {"min", "Int", "0", NULL}, {"names", "[String!]", NULL, NULL}};
static const char *const toy_pet_impl[] = {"Pet", NULL};
static const char *const toy_union_members[] = {"Dog", "Cat", NULL};

#define TOY_N(a) (int)(sizeof(a) / sizeof((a)[0]))
static const gql_type_def toy_types[] = {
    {GQL_OBJECT, "Query", NULL, toy_query_fields, TOY_N(toy_query_fields)},
    {GQL_OBJECT, "Mutation", NULL, toy_mutation_fields, TOY_N(toy_mutation_fields)},
    {GQL_OBJECT, "Dog", "A good dog", toy_dog_fields, TOY_N(toy_dog_fields), NULL, 0, NULL, 0, toy_pet_impl},
    {GQL_OBJECT, "Cat", NULL, toy_cat_fields, TOY_N(toy_cat_fields), NULL, 0, NULL, 0, toy_pet_impl},
    {GQL_INTERFACE, "Pet", NULL, toy_pet_fields, TOY_N(toy_pet_fields)},
    {GQL_UNION, "CatOrDog", NULL, NULL, 0, NULL, 0, NULL, 0, toy_union_members},
    {GQL_ENUM, "Color", NULL, NULL, 0, NULL, 0, toy_colors, TOY_N(toy_colors)},
    {GQL_INPUT_OBJECT, "Filter", NULL, NULL, 0, toy_filter_fields, TOY_N(toy_filter_fields)},
};

#endif
