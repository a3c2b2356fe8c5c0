/* The GraphQL lexer and parser (src/graphql/parse.c). */
#include "graphql/parse.h"

#include "test.h"

static int parses(const char *src) {
  arena a;
  arena_init(&a, 1 << 20);
  gql_document d;
  gql_parse_error e;
  int r = gql_parse(&a, src, strlen(src), NULL, &d, &e);
  arena_release(&a);
  return r == 0;
}

static const char *parse_error(arena *a, const char *src, gql_loc *loc) {
  gql_document d;
  gql_parse_error e;
  if (gql_parse(a, src, strlen(src), NULL, &d, &e) == 0) return "(parsed)";
  *loc = gql_loc_of(src, strlen(src), e.at);
  return arena_strdup(a, e.message);
}

TEST(parses_the_whole_query_language) {
  CHECK(parses("{ a }"));
  CHECK(parses("query Q($a: Int = 1, $b: [String!]! @dir) @x { a: b(c: $a, d: [1, 2.5e3, \"s\", true, null, ENUM, {k: $b}]) @skip(if: false) { ...F ... on T { x } ... @include(if: true) { y } } }"));
  CHECK(parses("mutation { m } subscription S { s } fragment F on T @d { x }"));
  CHECK(parses("\xef\xbb\xbf# comment\n{ a, b, , c }"));
  CHECK(parses("{ a(s: \"\"\"block \\\"\"\" string\"\"\") }"));
  CHECK(parses("{ a(s: \"\\u00e9\\uD83D\\uDE00\\u{1F600}\") }"));
  CHECK(parses("{ on: a fragment: b query: c }"));
  /* type-system definitions parse (validation refuses them) */
  CHECK(parses("{ a } type T implements I & J @d { a(x: Int = 1): [Int!]! } \"d\" scalar S union U = A | B "
               "directive @x(a: Int) repeatable on FIELD | QUERY extend schema { query: Q } enum E { A B } input I { a: Int }"));
  CHECK(!parses("{ a } type"));
  CHECK(!parses("{ a } type T { a: Int"));
}

TEST(refuses_what_the_grammar_does_not_allow) {
  CHECK(!parses(""));
  CHECK(!parses("{}"));
  CHECK(!parses("{ a"));
  CHECK(!parses("query ($a: Int = $b) { a }"));
  CHECK(!parses("fragment on on T { a }"));
  CHECK(!parses("{ a(x: 01) }"));
  CHECK(!parses("{ a(x: 1.) }"));
  CHECK(!parses("{ a(x: 1x) }"));
  CHECK(!parses("{ a(x: \"unterminated) }"));
  CHECK(!parses("{ a(x: \"\\q\") }"));
  CHECK(!parses("{ a(x: \"\\uD83D\") }"));
  CHECK(!parses("{ a(x: \"tab\x01\") }"));
  CHECK(!parses("{ a ... }"));
  CHECK(!parses("{ a(x:) }"));
  CHECK(!parses("{ a() }"));
  CHECK(!parses("{ . }"));
  CHECK(!parses("{ a %}"));
}

TEST(errors_say_what_was_found_where) {
  arena a;
  arena_init(&a, 1 << 20);
  gql_loc l;
  CHECK_STR(parse_error(&a, "{ a", &l), "Syntax Error: Expected Name, found <EOF>.");
  CHECK_INT(l.line, 1);
  CHECK_INT(l.column, 4);
  CHECK_STR(parse_error(&a, "{\n  a(x: 01)\n}", &l), "Syntax Error: Invalid number, unexpected digit after 0: \"1\".");
  CHECK_INT(l.line, 2);
  CHECK_INT(l.column, 9);
  CHECK_STR(parse_error(&a, "query { a } }", &l), "Syntax Error: Unexpected \"}\".");
  CHECK_STR(parse_error(&a, "{ a(x: $) }", &l), "Syntax Error: Expected Name, found \")\".");
  CHECK_STR(parse_error(&a, "query Q($v: Int = $w) { a }", &l), "Syntax Error: Unexpected variable \"$w\" in constant value.");
  CHECK_STR(parse_error(&a, "{ a ?", &l), "Syntax Error: Unexpected character: \"?\".");
  CHECK_STR(parse_error(&a, "fragment F { a }", &l), "Syntax Error: Expected \"on\", found \"{\".");
  CHECK_STR(parse_error(&a, "{ a(s: \"x) }", &l), "Syntax Error: Unterminated string.");
  arena_release(&a);
}

TEST(builds_the_tree_with_offsets) {
  arena a;
  arena_init(&a, 1 << 20);
  const char *src = "query Q($id: ID!) {\n  user(id: $id) { n: name ... on User @skip(if: true) { age } }\n}";
  gql_document d;
  gql_parse_error e;
  REQUIRE(gql_parse(&a, src, strlen(src), NULL, &d, &e) == 0);
  CHECK_INT(d.ndefs, 1);
  CHECK_STR(d.defs[0].name, "Q");
  CHECK_INT(d.defs[0].nvars, 1);
  CHECK_INT(d.defs[0].vars[0].type->kind, GQL_T_NONNULL);
  CHECK_STR(d.defs[0].vars[0].type->of->name, "ID");
  const gql_selection *user = d.defs[0].set->items[0];
  CHECK_STR(user->name, "user");
  gql_loc l = gql_loc_of(src, strlen(src), user->at);
  CHECK_INT(l.line, 2);
  CHECK_INT(l.column, 3);
  CHECK_INT(user->nargs, 1);
  CHECK_INT(user->args[0].value->kind, GQL_V_VARIABLE);
  CHECK_STR(user->set->items[0]->alias, "n");
  CHECK_INT(user->set->items[1]->kind, GQL_SEL_INLINE);
  CHECK_STR(user->set->items[1]->type_cond, "User");
  CHECK_STR(user->set->items[1]->dirs[0].name, "skip");
  arena_release(&a);
}

TEST(decodes_strings_and_block_strings) {
  arena a;
  arena_init(&a, 1 << 20);
  gql_value *v;
  gql_parse_error e;
  const char *s1 = "\"a\\n\\u00e9\\uD83D\\uDE00\\\"\"";
  REQUIRE(gql_parse_value(&a, s1, strlen(s1), &v, &e) == 0);
  CHECK_STR(v->text, "a\n\xc3\xa9\xf0\x9f\x98\x80\"");
  const char *s2 = "\"\"\"\n    first\n      indented\n    last \\\"\"\"\n  \"\"\"";
  REQUIRE(gql_parse_value(&a, s2, strlen(s2), &v, &e) == 0);
  CHECK_STR(v->text, "first\n  indented\nlast \"\"\"");
  CHECK_STR(gql_print_value(&a, v), "\"first\\n  indented\\nlast \\\"\\\"\\\"\"");
  const char *s3 = "{a: [1, -2.5e-3, ENUM, null], b: \"x\"}";
  REQUIRE(gql_parse_value(&a, s3, strlen(s3), &v, &e) == 0);
  CHECK_STR(gql_print_value(&a, v), "{a: [1, -2.5e-3, ENUM, null], b: \"x\"}");
  arena_release(&a);
}

TEST(limits_stop_hostile_documents) {
  arena a;
  arena_init(&a, 1 << 22);
  gql_document d;
  gql_parse_error e;
  gql_parse_limits lim = {100, 16};
  char deep[4096] = "";
  for (int i = 0; i < 20; i++) strcat(deep, "{ a ");
  for (int i = 0; i < 20; i++) strcat(deep, "} ");
  CHECK(gql_parse(&a, deep, strlen(deep), &lim, &d, &e) == -1);
  CHECK(e.limit == 1);
  CHECK(strstr(e.message, "nests deeper than 16") != NULL);
  char wide[4096] = "{ ";
  for (int i = 0; i < 150; i++) strcat(wide, "a ");
  strcat(wide, "}");
  CHECK(gql_parse(&a, wide, strlen(wide), &lim, &d, &e) == -1);
  CHECK(strstr(e.message, "more than 100 tokens") != NULL);
  /* the arena's cap is a limit too */
  arena small;
  arena_init(&small, 4096);
  CHECK(gql_parse(&small, wide, strlen(wide), NULL, &d, &e) == -1);
  arena_release(&small);
  arena_release(&a);
}

TEST(locations_count_utf16_units) {
  const char *src = "# \xc3\xa9\xf0\x9f\x98\x80\n  x";
  gql_loc l = gql_loc_of(src, strlen(src), (uint32_t)(strlen(src) - 1));
  CHECK_INT(l.line, 2);
  CHECK_INT(l.column, 3);
  l = gql_loc_of(src, strlen(src), 8);
  CHECK_INT(l.line, 1);
  CHECK_INT(l.column, 6); /* "# " + é (1) + 😀 (2) */
}

TEST_MAIN(RUN(parses_the_whole_query_language); RUN(refuses_what_the_grammar_does_not_allow);
          RUN(errors_say_what_was_found_where); RUN(builds_the_tree_with_offsets); RUN(decodes_strings_and_block_strings);
          RUN(limits_stop_hostile_documents); RUN(locations_count_utf16_units))
