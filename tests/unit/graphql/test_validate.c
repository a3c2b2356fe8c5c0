/* The validation rules of spec §5 (src/graphql/validate.c) on a small schema (toy.h): every rule
 * accepts what it should and refuses what it should, with graphql-js's message and locations. */
#include "graphql/parse.h"
#include "graphql/validate.h"

#include "test.h"
#include "toy.h"

static gql_schema S;

/* The rules broken by src, as "Rule;Rule;" (empty when valid); the first message in *msg. */
static const char *rules(arena *a, const char *src, const char **msg, gql_errors *out) {
  gql_document d;
  gql_parse_error e;
  if (gql_parse(a, src, strlen(src), NULL, &d, &e)) return "(syntax)";
  gql_errors_init(out, a);
  gql_validate(&S, &d, a, out);
  char *r = arena_strdup(a, "");
  for (int i = 0; i < out->n; i++) r = arena_printf(a, "%s%s;", r, out->items[i].rule ? out->items[i].rule : "?");
  if (msg) *msg = out->n ? out->items[0].message : "";
  return r;
}

#define VALID(src)                                   \
  do {                                               \
    gql_errors e_;                                   \
    const char *m_;                                  \
    CHECK_STR(rules(&a, src, &m_, &e_), "");         \
    if (e_.n) fprintf(stderr, "  (%s)\n", m_);       \
  } while (0)
#define INVALID(src, want_rules, want_msg)           \
  do {                                               \
    gql_errors e_;                                   \
    const char *m_;                                  \
    CHECK_STR(rules(&a, src, &m_, &e_), want_rules); \
    if (want_msg) CHECK_STR(m_, (const char *)want_msg); \
  } while (0)

TEST(accepts_valid_documents) {
  arena a;
  arena_init(&a, 1 << 22);
  VALID("{ hello }");
  VALID("{ hello(name: \"x\") dog { name barks friends(first: 3) { id } } __typename }");
  VALID("query Q($n: String = \"x\") { hello(name: $n) }");
  VALID("query Q($x: Int!) { n(x: $x) }");
  VALID("query Q($f: Filter) { echo(filter: $f) }");
  VALID("{ echo(filter: {color: RED, names: \"one\"}, colors: RED) }");
  VALID("{ pet { name ... on Dog { barks } ... on Cat { meows } } }");
  VALID("{ dog { ...D } } fragment D on Dog { name ...P } fragment P on Pet { name }");
  VALID("{ dog { name @include(if: true) n: name @skip(if: false) } }");
  VALID("{ dog { name } dog { barks } }");
  VALID("{ pet { ... on Dog { x: name } ... on Cat { x: name } } }");
  VALID("{ __schema { types { name fields(includeDeprecated: true) { name } } } __type(name: \"Dog\") { kind } }");
  VALID("mutation { bark }");
  VALID("query A { hello } query B { dog { id } }");
  arena_release(&a);
}

TEST(operations_and_fragments) {
  arena a;
  arena_init(&a, 1 << 22);
  INVALID("{ hello } type T { a: Int } extend schema { query: Q }", "ExecutableDefinitions;ExecutableDefinitions;",
          "The \"T\" definition is not executable.");
  INVALID("query A { hello } query A { hello }", "UniqueOperationNames;", "There can be only one operation named \"A\".");
  INVALID("{ hello } query B { hello }", "LoneAnonymousOperation;", "This anonymous operation must be the only defined operation.");
  INVALID("{ dog { ...D } } fragment D on Dog { name } fragment D on Dog { id }", "UniqueFragmentNames;",
          "There can be only one fragment named \"D\".");
  INVALID("{ dog { ...X } }", "KnownFragmentNames;", "Unknown fragment \"X\".");
  INVALID("{ hello } fragment D on Dog { name }", "NoUnusedFragments;", "Fragment \"D\" is never used.");
  INVALID("{ dog { ...A } } fragment A on Dog { ...B } fragment B on Dog { ...A }", "NoFragmentCycles;",
          "Cannot spread fragment \"A\" within itself via \"B\".");
  INVALID("{ dog { ...A } } fragment A on Dog { name ...A }", "NoFragmentCycles;", "Cannot spread fragment \"A\" within itself.");
  INVALID("{ dog { ... on Nope { name } } }", "KnownTypeNames;", "Unknown type \"Nope\".");
  INVALID("{ dog { ...F } } fragment F on Color { name }", "FragmentsOnCompositeTypes;",
          "Fragment \"F\" cannot condition on non composite type \"Color\".");
  INVALID("{ dog { ... on Cat { meows } } }", "PossibleFragmentSpreads;",
          "Fragment cannot be spread here as objects of type \"Dog\" can never be of type \"Cat\".");
  INVALID("{ dog { ...C } } fragment C on Cat { name }", "PossibleFragmentSpreads;",
          "Fragment \"C\" cannot be spread here as objects of type \"Dog\" can never be of type \"Cat\".");
  arena_release(&a);
}

TEST(fields_and_arguments) {
  arena a;
  arena_init(&a, 1 << 22);
  INVALID("{ nope }", "FieldsOnCorrectType;", "Cannot query field \"nope\" on type \"Query\".");
  INVALID("{ pet { barks } }", "FieldsOnCorrectType;", "Cannot query field \"barks\" on type \"Pet\".");
  INVALID("{ hello { x } }", "ScalarLeafs;", "Field \"hello\" must not have a selection since type \"String!\" has no subfields.");
  INVALID("{ dog }", "ScalarLeafs;", "Field \"dog\" of type \"Dog\" must have a selection of subfields. Did you mean \"dog { ... }\"?");
  INVALID("{ hello(nom: \"x\") }", "KnownArgumentNames;", "Unknown argument \"nom\" on field \"Query.hello\".");
  INVALID("{ hello(name: \"x\", name: \"y\") }", "UniqueArgumentNames;", "There can be only one argument named \"name\".");
  INVALID("{ n }", "ProvidedRequiredArguments;", "Field \"n\" argument \"x\" of type \"Int!\" is required, but it was not provided.");
  INVALID("{ n(x: \"1\") }", "ValuesOfCorrectType;", "Int cannot represent non-integer value: \"1\"");
  INVALID("{ n(x: 3000000000) }", "ValuesOfCorrectType;", "Int cannot represent non 32-bit signed integer value: 3000000000");
  INVALID("{ n(x: null) }", "ValuesOfCorrectType;", "Expected value of type \"Int!\", found null.");
  INVALID("{ echo(filter: {min: 1}) }", "ValuesOfCorrectType;", "Field \"Filter.color\" of required type \"Color!\" was not provided.");
  INVALID("{ echo(filter: {color: RED, nope: 1}) }", "ValuesOfCorrectType;", "Field \"nope\" is not defined by type \"Filter\".");
  INVALID("{ echo(filter: {color: PINK}) }", "ValuesOfCorrectType;",
          "Value \"PINK\" does not exist in \"Color\" enum.");
  INVALID("{ echo(filter: {color: \"RED\"}) }", "ValuesOfCorrectType;",
          "Enum \"Color\" cannot represent non-enum value: \"RED\".");
  INVALID("{ echo(filter: 3) }", "ValuesOfCorrectType;", "Expected value of type \"Filter\", found 3.");
  INVALID("{ echo(filter: {color: RED, color: RED}) }", "UniqueInputFieldNames;", "There can be only one input field named \"color\".");
  INVALID("{ hello @nope }", "KnownDirectives;", "Unknown directive \"@nope\".");
  INVALID("query @skip(if: true) { hello }", "KnownDirectives;", "Directive \"@skip\" may not be used on QUERY.");
  INVALID("{ hello @skip(if: true) @skip(if: false) }", "UniqueDirectivesPerLocation;",
          "The directive \"@skip\" can only be used once at this location.");
  INVALID("{ hello @skip }", "ProvidedRequiredArguments;",
          "Directive \"@skip\" argument \"if\" of type \"Boolean!\" is required, but it was not provided.");
  INVALID("{ hello @skip(if: true, unless: 1) }", "KnownArgumentNames;", "Unknown argument \"unless\" on directive \"@skip\".");
  arena_release(&a);
}

TEST(variables) {
  arena a;
  arena_init(&a, 1 << 22);
  INVALID("query ($a: Int, $a: Int) { n(x: $a) }", "UniqueVariableNames;VariablesInAllowedPosition;",
          "There can be only one variable named \"$a\".");
  INVALID("query ($d: Dog) { hello }", "VariablesAreInputTypes;NoUnusedVariables;", "Variable \"$d\" cannot be non-input type \"Dog\".");
  INVALID("query ($d: Nope) { hello }", "KnownTypeNames;NoUnusedVariables;", "Unknown type \"Nope\".");
  INVALID("query Q { n(x: $x) }", "NoUndefinedVariables;", "Variable \"$x\" is not defined by operation \"Q\".");
  INVALID("{ dog { ...F } } fragment F on Dog { friends(first: $k) { id } }", "NoUndefinedVariables;", "Variable \"$k\" is not defined.");
  INVALID("query Q($x: Int) { hello }", "NoUnusedVariables;", "Variable \"$x\" is never used in operation \"Q\".");
  INVALID("query Q($x: Int) { n(x: $x) }", "VariablesInAllowedPosition;",
          "Variable \"$x\" of type \"Int\" used in position expecting type \"Int!\".");
  VALID("query Q($x: Int = 3) { n(x: $x) }");
  INVALID("query Q($x: String) { n(x: $x) }", "VariablesInAllowedPosition;", NULL);
  INVALID("query Q($x: Int = \"no\") { n(x: $x) }", "ValuesOfCorrectType;", NULL);
  INVALID("query Q($c: Color!) { echo(colors: $c) }", "VariablesInAllowedPosition;",
          "Variable \"$c\" of type \"Color!\" used in position expecting type \"[Color!]\".");
  VALID("query Q($c: [Color!]) { echo(colors: $c) }");
  INVALID("query Q($c: [Color]) { echo(colors: $c) }", "VariablesInAllowedPosition;", NULL);
  arena_release(&a);
}

TEST(overlapping_fields) {
  arena a;
  arena_init(&a, 1 << 22);
  INVALID("{ dog { x: name x: barks } }", "OverlappingFieldsCanBeMerged;",
          "Fields \"x\" conflict because \"name\" and \"barks\" are different fields. Use different aliases on the fields to fetch both if this was intentional.");
  INVALID("{ dog { friends(first: 1) { id } friends(first: 2) { id } } }", "OverlappingFieldsCanBeMerged;",
          "Fields \"friends\" conflict because they have differing arguments. Use different aliases on the fields to fetch both if this was intentional.");
  INVALID("{ dog { friends { x: name } friends { x: id } } }", "OverlappingFieldsCanBeMerged;",
          "Fields \"friends\" conflict because subfields \"x\" conflict because \"name\" and \"id\" are different fields. Use different aliases on the fields to fetch both if this was intentional.");
  INVALID("{ pet { ... on Dog { x: barks } ... on Cat { x: name } } }", "OverlappingFieldsCanBeMerged;",
          "Fields \"x\" conflict because they return conflicting types \"Boolean\" and \"String!\". Use different aliases on the fields to fetch both if this was intentional.");
  INVALID("{ dog { ...A ...B } } fragment A on Dog { x: name } fragment B on Dog { x: id }", "OverlappingFieldsCanBeMerged;", NULL);
  VALID("{ dog { ...A ...A name } } fragment A on Dog { name }");
  /* the locations name both fields */
  gql_errors e;
  rules(&a, "{ dog { x: name\n x: barks } }", NULL, &e);
  REQUIRE(e.n == 1);
  CHECK_INT(e.items[0].nat, 2);
  arena_release(&a);
}

TEST(errors_carry_locations) {
  arena a;
  arena_init(&a, 1 << 22);
  const char *src = "query Q {\n  nope\n  n(x: $v)\n}";
  gql_errors e;
  rules(&a, src, NULL, &e);
  REQUIRE(e.n == 2);
  gql_loc l = gql_loc_of(src, strlen(src), e.items[0].at[0]);
  CHECK_INT(l.line, 2);
  CHECK_INT(l.column, 3);
  /* undefined variable: the use, then the operation */
  CHECK_INT(e.items[1].nat, 2);
  l = gql_loc_of(src, strlen(src), e.items[1].at[0]);
  CHECK_INT(l.line, 3);
  CHECK_INT(l.column, 8);
  l = gql_loc_of(src, strlen(src), e.items[1].at[1]);
  CHECK_INT(l.line, 1);
  CHECK_INT(l.column, 1);
  arena_release(&a);
}

TEST(a_fragment_bomb_stays_bounded) {
  arena a;
  arena_init(&a, 1 << 26);
  /* each fragment spreads the next twice: 2^20 fields if expanded naively */
  char *src = arena_alloc(&a, 1 << 16);
  strcpy(src, "{ dog { ...F0 } }");
  for (int i = 0; i < 20; i++)
    sprintf(src + strlen(src), " fragment F%d on Dog { x: name ...F%d ...F%d }", i, i + 1, i + 1);
  strcat(src, " fragment F20 on Dog { x: name }");
  gql_errors e;
  const char *r = rules(&a, src, NULL, &e);
  REQUIRE(r != NULL);
  CHECK_INT(e.n, 1); /* refused as too complex, not validated halfway */
  CHECK(e.n && e.items[0].code == PHEME_GQL_LIMIT);
  arena_release(&a);
}

int main(int argc, char **argv) {
  (void)argc;
  char err[256] = "";
  if (gql_schema_build(&S, toy_types, TOY_N(toy_types), "Query", "Mutation", NULL, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  RUN(accepts_valid_documents);
  RUN(operations_and_fragments);
  RUN(fields_and_arguments);
  RUN(variables);
  RUN(overlapping_fields);
  RUN(errors_carry_locations);
  RUN(a_fragment_bomb_stays_bounded);
  gql_schema_release(&S);
  fprintf(stderr, "%s: %d tests, %d failed\n", argv[0], test__ran, test__failed_tests);
  return test__failed_tests;
}
