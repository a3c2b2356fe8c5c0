/* The openai assessor (src/validation/openai.c) against tests/validation/fake_openai.mjs, a local
 * OpenAI-compatible server started here on 127.0.0.1 and stopped by its PID: every behaviour the
 * server can be told (good, 429 with Retry-After, 500, a hang, malformed JSON, a refusal, a schema
 * violation, a missing criterion, an out-of-range score, a cut-off answer), the request it received
 * (model, messages, stream, response_format), the key (sent, never in an error), the fallback to the
 * builtin assessor and to peer review alone; and openai_parse_answer on hand-written answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_openai.h"
#include "test.h"
#include "validation/assessor.h"
#include "validation/fallback.h"

#include "core/banned.h"

#define KEY "sk-test-7f3a9c2e1d"
#define MODEL "fake-gpt"

static fake_openai fake;
static long waits[16];
static int nwaits;
static void record_sleep(void *ctx, long ms) {
  (void)ctx;
  if (nwaits < 16) waits[nwaits++] = ms;
}

static const assess_criterion crit[] = {{1, "Correctness", "handles reentrancy", 2.0},
                                        {2, "Tests", "edge cases covered", 1.0}};
static const char *const accepted[] = {"link"};
static const assess_task task = {"Harden the vault", "Fix the vault contract.", crit, 2, accepted, 1};
static const assess_evidence ev[] = {{"link", "https://example.org/pr/1", 0, NULL}};
static const assess_submission sub = {"Added a reentrancy guard and tests.", 35, ev, 1};

static openai_config cfg(long timeout_ms, unsigned retries) {
  static char base[96];
  snprintf(base, sizeof base, "%s/v1", fake.base);
  return (openai_config){.base_url = base, .model = MODEL, .api_key = KEY, .timeout_ms = timeout_ms,
                         .retries = retries, .backoff_ms = 50, .max_wait_ms = 5000,
                         .sleep_ms = record_sleep};
}

static assess_code run_with(const char *queue, long timeout_ms, unsigned retries, assessment *a,
                            char *err, size_t errlen) {
  if (fake_queue(&fake, queue) != 0) return ASSESS__COUNT;
  nwaits = 0;
  assessor o;
  openai_config c = cfg(timeout_ms, retries);
  if (assessor_openai(&o, &c, err, errlen) != ASSESS_OK) return ASSESS__COUNT;
  assess_code rc = assessor_run(&o, &task, &sub, a, err, errlen);
  assessor_destroy(&o);
  return rc;
}

TEST(good_answer_and_the_request_received) {
  assessment a;
  char err[512];
  REQUIRE(run_with("[\"good\"]", 5000, 0, &a, err, sizeof err) == ASSESS_OK);
  CHECK_INT(a.n_criteria, 2);
  CHECK_INT(a.criterion_scores[0], 70);
  CHECK_INT(a.criterion_scores[1], 75);
  CHECK_INT(a.overall, 78);
  CHECK(a.confidence > 0.829 && a.confidence < 0.831);
  CHECK(strstr(a.feedback, "solid work") != NULL);
  CHECK_STR(a.assessor, "openai");
  CHECK_STR(a.model, MODEL);
  CHECK_INT(json_integer_value(json_object_get(a.measured, "attempts")), 1);
  assessment_release(&a);
  json_t *reqs = fake_call(&fake, "/_requests", NULL);
  REQUIRE(json_array_size(reqs) == 1);
  json_t *r = json_array_get(reqs, 0), *body = json_object_get(r, "body");
  CHECK_INT(json_array_size(json_object_get(r, "problems")), 0);
  CHECK_STR(json_string_value(json_object_get(r, "path")), "/v1/chat/completions");
  CHECK_STR(json_string_value(json_object_get(r, "authorization")), "Bearer " KEY);
  CHECK_STR(json_string_value(json_object_get(body, "model")), MODEL);
  CHECK(json_is_false(json_object_get(body, "stream")));
  json_t *msgs = json_object_get(body, "messages");
  CHECK_INT(json_array_size(msgs), 2);
  CHECK_STR(json_string_value(json_object_get(json_array_get(msgs, 0), "role")), "system");
  const char *user = json_string_value(json_object_get(json_array_get(msgs, 1), "content"));
  CHECK(user && strstr(user, "Task: Harden the vault") && strstr(user, "Correctness (weight 2)") &&
        strstr(user, "Added a reentrancy guard") && strstr(user, "link https://example.org/pr/1"));
  json_t *rf = json_object_get(body, "response_format");
  CHECK_STR(json_string_value(json_object_get(rf, "type")), "json_schema");
  json_t *schema = json_object_get(json_object_get(rf, "json_schema"), "schema");
  json_t *names = json_object_get(json_object_get(json_object_get(json_object_get(json_object_get(
      json_object_get(schema, "properties"), "criteria"), "items"), "properties"), "name"), "enum");
  CHECK_INT(json_array_size(names), 2);
  CHECK_STR(json_string_value(json_array_get(names, 0)), "Correctness");
  CHECK_STR(json_string_value(json_array_get(names, 1)), "Tests");
  json_decref(reqs);
}

static int set_retry_after(const char *secs) {
  char body[64];
  snprintf(body, sizeof body, "{\"retryAfter\":\"%s\"}", secs);
  json_t *r = fake_call(&fake, "/_control", body);
  int ok = r != NULL;
  json_decref(r);
  return ok ? 0 : -1;
}

TEST(rate_limited_honours_retry_after) {
  assessment a;
  char err[512];
  REQUIRE(set_retry_after("2") == 0);
  CHECK_INT(run_with("[\"429\",\"good\"]", 5000, 2, &a, err, sizeof err), ASSESS_OK);
  CHECK_INT(nwaits, 1);
  CHECK_INT(waits[0], 2000);
  CHECK_INT(json_integer_value(json_object_get(a.measured, "attempts")), 2);
  assessment_release(&a);
  /* 429 every time: RATE_LIMITED after 1 + retries attempts */
  CHECK_INT(run_with("[\"429\",\"429\",\"429\"]", 5000, 2, &a, err, sizeof err), ASSESS_RATE_LIMITED);
  CHECK_INT(nwaits, 2);
  assessment_release(&a);
  /* a Retry-After beyond what the configuration allows ends the retries at once */
  REQUIRE(set_retry_after("3600") == 0);
  CHECK_INT(run_with("[\"429\",\"good\"]", 5000, 2, &a, err, sizeof err), ASSESS_RATE_LIMITED);
  CHECK(strstr(err, "exceeds") != NULL);
  CHECK_INT(nwaits, 0);
  assessment_release(&a);
  REQUIRE(set_retry_after("1") == 0);
}

TEST(server_errors_are_retried_with_backoff) {
  assessment a;
  char err[512];
  CHECK_INT(run_with("[\"500\",\"500\",\"good\"]", 5000, 2, &a, err, sizeof err), ASSESS_OK);
  CHECK_INT(nwaits, 2);
  CHECK(waits[0] >= 50 && waits[0] <= 63);   /* 50 ms + up to 25% jitter */
  CHECK(waits[1] >= 100 && waits[1] <= 125); /* doubled */
  assessment_release(&a);
  CHECK_INT(run_with("[\"500\",\"500\"]", 5000, 1, &a, err, sizeof err), ASSESS_SERVER);
  CHECK(strstr(err, "HTTP 500") != NULL);
  assessment_release(&a);
}

TEST(hang_times_out) {
  assessment a;
  char err[512];
  /* 1.5 s: long enough for the fake's good answer on a loaded machine */
  CHECK_INT(run_with("[\"hang\",\"hang\"]", 1500, 1, &a, err, sizeof err), ASSESS_TIMEOUT);
  CHECK(strstr(err, "1500 ms") != NULL);
  assessment_release(&a);
  CHECK_INT(run_with("[\"hang\",\"good\"]", 1500, 1, &a, err, sizeof err), ASSESS_OK);
  assessment_release(&a);
}

TEST(bad_answers_get_their_codes) {
  static const struct {
    const char *queue;
    assess_code want;
    const char *says;
  } cases[] = {
      {"[\"malformed\"]", ASSESS_MALFORMED, "content is not JSON"},
      {"[\"http_malformed\"]", ASSESS_MALFORMED, "answer is not JSON"},
      {"[\"refusal\"]", ASSESS_REFUSED, "model refused: 'I"},
      {"[\"schema\"]", ASSESS_SCHEMA, "unexpected field 'grade'"},
      {"[\"missing\"]", ASSESS_MISSING_CRITERION, "'Tests' is not scored"},
      {"[\"range\"]", ASSESS_RANGE, "'Correctness' scored 150"},
      {"[\"length\"]", ASSESS_MALFORMED, "cut off"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    assessment a;
    char err[512] = "";
    assess_code c = run_with(cases[i].queue, 5000, 2, &a, err, sizeof err);
    if (c != cases[i].want || !strstr(err, cases[i].says))
      fprintf(stderr, "  %s: code %s, err '%s'\n", cases[i].queue, assess_code_name(c), err);
    CHECK_INT(c, cases[i].want);
    CHECK(strstr(err, cases[i].says) != NULL);
    CHECK_INT(nwaits, 0); /* the assessor does not retry an answer; the fallback rule decides */
    assessment_release(&a);
  }
}

TEST(wrong_key_and_model_are_refused_and_the_key_never_shows) {
  assessment a;
  char err[512];
  CHECK(fake_queue(&fake, "[]") == 0);
  assessor o;
  openai_config c = cfg(5000, 2);
  c.api_key = "sk-wrong-0000";
  REQUIRE(assessor_openai(&o, &c, err, sizeof err) == ASSESS_OK);
  CHECK_INT(assessor_run(&o, &task, &sub, &a, err, sizeof err), ASSESS_HTTP);
  CHECK(strstr(err, "HTTP 401") != NULL);
  CHECK(strstr(err, "sk-") == NULL);
  char *rec = json_dumps(a.measured, 0);
  CHECK(rec && strstr(rec, "sk-") == NULL);
  free(rec);
  assessment_release(&a);
  assessor_destroy(&o);
  c = cfg(5000, 2);
  c.model = "no-such-model";
  REQUIRE(assessor_openai(&o, &c, err, sizeof err) == ASSESS_OK);
  CHECK_INT(assessor_run(&o, &task, &sub, &a, err, sizeof err), ASSESS_HTTP);
  CHECK(strstr(err, "HTTP 404") != NULL);
  assessment_release(&a);
  assessor_destroy(&o);
  c = cfg(5000, 2);
  c.base_url = "ftp://127.0.0.1/v1";
  CHECK_INT(assessor_openai(&o, &c, err, sizeof err), ASSESS_CONFIG);
  /* nothing listening: TRANSPORT after the retries */
  c = cfg(2000, 1);
  c.base_url = "http://127.0.0.1:1/v1";
  REQUIRE(assessor_openai(&o, &c, err, sizeof err) == ASSESS_OK);
  nwaits = 0;
  CHECK_INT(assessor_run(&o, &task, &sub, &a, err, sizeof err), ASSESS_TRANSPORT);
  CHECK_INT(nwaits, 1);
  assessment_release(&a);
  assessor_destroy(&o);
}

TEST(fallback_runs_retry_then_builtin_then_peer_review) {
  char err[512];
  assessor chain[2];
  openai_config c = cfg(5000, 0);
  REQUIRE(assessor_openai(&chain[0], &c, err, sizeof err) == ASSESS_OK);
  chain[1] = assessor_builtin();
  fallback_policy p = {1};
  assessment a;
  json_t *rec;
  /* malformed, then good on the retry */
  CHECK(fake_queue(&fake, "[\"malformed\",\"good\"]") == 0);
  CHECK_INT(fallback_run(chain, 2, &p, &task, &sub, &a, &rec), ASSESS_OK);
  CHECK_STR(a.assessor, "openai");
  CHECK_INT(json_array_size(rec), 2);
  CHECK(json_object_get(a.measured, "fallback") != NULL);
  assessment_release(&a);
  json_decref(rec);
  /* refused: not retried, the builtin answers, the record says why */
  CHECK(fake_queue(&fake, "[\"refusal\"]") == 0);
  CHECK_INT(fallback_run(chain, 2, &p, &task, &sub, &a, &rec), ASSESS_OK);
  CHECK_STR(a.assessor, "builtin");
  const char *why = json_string_value(json_object_get(json_array_get(rec, 0), "next"));
  CHECK(why && strstr(why, "openai failed (refused") && strstr(why, "next: builtin"));
  assessment_release(&a);
  json_decref(rec);
  /* openai alone, failing twice: peer review alone */
  CHECK(fake_queue(&fake, "[\"500\",\"500\"]") == 0);
  CHECK_INT(fallback_run(chain, 1, &p, &task, &sub, &a, &rec), ASSESS_SERVER);
  CHECK_INT(json_array_size(rec), 2);
  why = json_string_value(json_object_get(json_array_get(rec, 1), "next"));
  CHECK(why && strstr(why, "peer review alone"));
  assessment_release(&a);
  json_decref(rec);
  assessor_destroy(&chain[0]);
}

TEST(key_loading) {
  char *k, err[256];
  setenv("PHEME_TEST_OPENAI_KEY", "sk-env", 1);
  CHECK(openai_key_load("PHEME_TEST_OPENAI_KEY", NULL, &k, err, sizeof err) == PHEME_OK);
  CHECK_STR(k, "sk-env");
  free(k);
  char path[] = "/tmp/pheme-key-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, "sk-file\n", 8) == 8);
  close(fd);
  unsetenv("PHEME_TEST_OPENAI_KEY");
  CHECK(openai_key_load("PHEME_TEST_OPENAI_KEY", path, &k, err, sizeof err) == PHEME_OK);
  CHECK_STR(k, "sk-file");
  free(k);
  unlink(path);
  CHECK(openai_key_load("PHEME_TEST_OPENAI_KEY", path, &k, err, sizeof err) == PHEME_SYS_CONFIG);
  CHECK(strstr(err, path) != NULL);
  CHECK(openai_key_load("PHEME_TEST_OPENAI_KEY", "", &k, err, sizeof err) == PHEME_SYS_CONFIG);
  CHECK(openai_key_load("", "", &k, err, sizeof err) == PHEME_OK);
  CHECK_STR(k, "");
  free(k);
}

/* a long text is cut for the prompt at 64 KiB, never inside a UTF-8 character; text that is not
 * UTF-8 is an input error, not a crash */
TEST(long_and_invalid_texts) {
  size_t n = 70000;
  char *t = malloc(n + 1);
  t[0] = 'a'; /* then é (2 bytes) to the end: from t the cut at 65536 falls inside an é, from t + 1 not */
  for (size_t i = 1; i + 1 < n; i += 2) memcpy(t + i, "\xc3\xa9", 2);
  n = 1 + (n - 2) / 2 * 2;
  t[n] = 0;
  assess_submission s = {t, n, NULL, 0};
  openai_config c = cfg(5000, 0);
  for (size_t off = 0; off < 2; off++) {
    s.text = t + off;
    s.text_len = n - off;
    json_t *b = openai_request_body(&c, &task, &s);
    CHECK(b != NULL);
    json_decref(b);
  }
  assessor o;
  char err[512];
  assessment a;
  REQUIRE(assessor_openai(&o, &c, err, sizeof err) == ASSESS_OK);
  assess_submission bad = {"caf\xe9", 4, NULL, 0};
  CHECK(fake_queue(&fake, "[]") == 0);
  CHECK_INT(assessor_run(&o, &task, &bad, &a, err, sizeof err), ASSESS_INPUT);
  assessment_release(&a);
  assessor_destroy(&o);
  free(t);
}

/* the parser on answers written here, not by the fake */
TEST(parser_edges) {
  static const struct {
    const char *body;
    assess_code want;
  } cases[] = {
      {"", ASSESS_MALFORMED},
      {"[]", ASSESS_MALFORMED},
      {"{\"choices\":[]}", ASSESS_MALFORMED},
      {"{\"choices\":[{\"message\":{\"content\":null}}]}", ASSESS_MALFORMED},
      {"{\"choices\":[{\"message\":{\"content\":\"[1]\"}}]}", ASSESS_SCHEMA},
      {"{\"choices\":[{\"finish_reason\":\"content_filter\",\"message\":{\"content\":\"\"}}]}", ASSESS_REFUSED},
      {"{\"choices\":[{\"message\":{\"content\":\"{\\\"criteria\\\":[{\\\"name\\\":\\\"Correctness\\\",\\\"score\\\":1},{\\\"name\\\":\\\"Tests\\\",\\\"score\\\":2}],\\\"overall\\\":3,\\\"confidence\\\":1,\\\"feedback\\\":\\\"\\\"}\"}}]}", ASSESS_OK},
      {"{\"choices\":[{\"message\":{\"content\":\"{\\\"criteria\\\":[{\\\"name\\\":\\\"Correctness\\\",\\\"score\\\":1},{\\\"name\\\":\\\"Correctness\\\",\\\"score\\\":2}],\\\"overall\\\":3,\\\"confidence\\\":1,\\\"feedback\\\":\\\"\\\"}\"}}]}", ASSESS_SCHEMA},
      {"{\"choices\":[{\"message\":{\"content\":\"{\\\"criteria\\\":[{\\\"name\\\":\\\"Correctness\\\",\\\"score\\\":1.5},{\\\"name\\\":\\\"Tests\\\",\\\"score\\\":2}],\\\"overall\\\":3,\\\"confidence\\\":1,\\\"feedback\\\":\\\"\\\"}\"}}]}", ASSESS_SCHEMA},
      {"{\"choices\":[{\"message\":{\"content\":\"{\\\"criteria\\\":[{\\\"name\\\":\\\"Correctness\\\",\\\"score\\\":1},{\\\"name\\\":\\\"Tests\\\",\\\"score\\\":2}],\\\"overall\\\":3,\\\"confidence\\\":1.01,\\\"feedback\\\":\\\"\\\"}\"}}]}", ASSESS_RANGE},
      {"{\"choices\":[{\"message\":{\"content\":\"{\\\"criteria\\\":[{\\\"name\\\":\\\"Correctness\\\",\\\"score\\\":1},{\\\"name\\\":\\\"Tests\\\",\\\"score\\\":2}],\\\"overall\\\":-1,\\\"confidence\\\":1,\\\"feedback\\\":\\\"\\\"}\"}}]}", ASSESS_RANGE},
      {"{\"choices\":[{\"message\":{\"content\":\"{\\\"criteria\\\":[],\\\"overall\\\":3,\\\"confidence\\\":1}\"}}]}", ASSESS_SCHEMA},
      {"{\"choices\":[{\"message\":{\"content\":\"{\\\"overall\\\":3,\\\"overall\\\":4}\"}}]}", ASSESS_MALFORMED},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    assessment a = {0};
    char err[512] = "";
    assess_code c = openai_parse_answer(cases[i].body, strlen(cases[i].body), &task, &a, err, sizeof err);
    if (c != cases[i].want) fprintf(stderr, "  case %zu: %s (%s)\n", i, assess_code_name(c), err);
    CHECK_INT(c, cases[i].want);
    assessment_release(&a);
  }
}

int main(void) {
  int rc = fake_start(&fake, MODEL, KEY);
  if (rc == 1) {
    fprintf(stderr, "test_openai: SKIPPED: node is not on PATH (the fake OpenAI server needs it)\n");
    return 0;
  }
  if (rc != 0) {
    fprintf(stderr, "test_openai: cannot start %s\n", FAKE_SCRIPT);
    return 1;
  }
  RUN(good_answer_and_the_request_received);
  RUN(rate_limited_honours_retry_after);
  RUN(server_errors_are_retried_with_backoff);
  RUN(hang_times_out);
  RUN(bad_answers_get_their_codes);
  RUN(wrong_key_and_model_are_refused_and_the_key_never_shows);
  RUN(fallback_runs_retry_then_builtin_then_peer_review);
  RUN(key_loading);
  RUN(parser_edges);
  RUN(long_and_invalid_texts);
  fake_stop(&fake);
  fprintf(stderr, "test_openai: %d tests, %d failed\n", test__ran, test__failed_tests);
  return test__failed_tests > 100 ? 100 : test__failed_tests;
}
