/* The builtin assessor (src/validation/builtin.c): what it measures on a worked example,
 * determinism, monotonicity (adding a criterion's terms, text or accepted evidence never lowers a
 * score), input checks; and the fallback rule (src/validation/fallback.c) as pure logic. */
#include <string.h>

#include "test.h"
#include "validation/assessor.h"
#include "validation/fallback.h"

#include "core/banned.h"

static const assess_criterion crit[] = {
    {1, "Correctness", "The contract handles reentrancy and overflow", 2.0},
    {2, "Tests", "Unit tests cover edge cases", 1.0},
    {3, "Docs", "A README", 1.0}, /* "docs" and "readme": terms of 4+ bytes */
};
static const char *const accepted[] = {"link", "code"};
static const assess_task task = {"Harden the vault", "Fix the vault contract.", crit, 3, accepted, 2};

static assessment run(const char *text, const assess_evidence *ev, size_t nev) {
  assessor b = assessor_builtin();
  assess_submission s = {text, strlen(text), ev, nev};
  assessment a;
  char err[256];
  if (assessor_run(&b, &task, &s, &a, err, sizeof err) != ASSESS_OK) abort();
  return a;
}

TEST(worked_example) {
  const char *text =
      "The vault now guards against reentrancy with a lock.\n\n"
      "- overflow checks use checked math\n- unit tests added\n\n"
      "```\nfunction withdraw() nonReentrant {}\n```\n";
  assess_evidence ev[] = {{"link", "https://example.org/pr/1", 0, NULL}};
  assessment a = run(text, ev, 1);
  /* Correctness terms: correctness contract handles reentrancy overflow -> found reentrancy, overflow */
  CHECK_INT(a.n_criteria, 3);
  CHECK_INT(a.criterion_scores[0], 40);
  /* Tests terms: tests unit cover edge cases -> found tests, unit */
  CHECK_INT(a.criterion_scores[1], 40);
  /* Docs terms: docs readme -> none */
  CHECK_INT(a.criterion_scores[2], 0);
  json_t *st = json_object_get(a.measured, "structure");
  CHECK_INT(json_integer_value(json_object_get(st, "paragraphs")), 3);
  CHECK_INT(json_integer_value(json_object_get(st, "list_items")), 2);
  CHECK_INT(json_integer_value(json_object_get(st, "code_blocks")), 1);
  long long words = json_integer_value(json_object_get(st, "words"));
  CHECK_INT(words, 20); /* 9 + 5 + 3 + 3 (the fences are no words) */
  /* structure = 0.4*20/300 + 0.3*3/4 + 0.15*2/3 + 0.15*1 = 0.0267+0.225+0.1+0.15 = 0.5017 -> 50 */
  CHECK_INT(json_integer_value(json_object_get(st, "score")), 50);
  /* evidence = 0.6*1 + 0.4*min(1, 1/2) = 0.8 -> 80 */
  CHECK_INT(json_integer_value(json_object_get(json_object_get(a.measured, "evidence"), "score")), 80);
  /* rubric = (2*40 + 40 + 0)/4 = 30; overall = 0.6*30 + 0.25*50.17 + 0.15*80 = 18+12.54+12 = 42.54 -> 43 */
  CHECK_INT(json_integer_value(json_object_get(a.measured, "rubric_coverage")), 30);
  CHECK_INT(a.overall, 43);
  CHECK(a.confidence > 0.2199 && a.confidence < 0.2201); /* 0.2 + 0.3 * 20/300 */
  CHECK_STR(a.assessor, "builtin");
  CHECK_STR(a.model, BUILTIN_MODEL);
  CHECK(strstr(a.feedback, "not a language model") != NULL);
  CHECK(strstr(a.feedback, "Docs: 0 of 2 terms found (missing: docs, readme)") != NULL);
  assessment_release(&a);
}

TEST(deterministic) {
  const char *text = "Reentrancy fixed; overflow handled. Tests cover edge cases.\n\nSee README.";
  assessment a = run(text, NULL, 0), b = run(text, NULL, 0);
  CHECK_MEM(a.criterion_scores, sizeof a.criterion_scores, b.criterion_scores, sizeof b.criterion_scores);
  CHECK_INT(a.overall, b.overall);
  CHECK(a.confidence == b.confidence);
  CHECK_STR(a.feedback, b.feedback);
  char *ma = json_dumps(a.measured, JSON_SORT_KEYS), *mb = json_dumps(b.measured, JSON_SORT_KEYS);
  CHECK_STR(ma, mb);
  free(ma);
  free(mb);
  assessment_release(&a);
  assessment_release(&b);
}

TEST(monotonic) {
  static const char *adds[] = {" contract", " handles", " cover", " edge", " cases", " docs",
                               " README", " correctness", " more words here", "\n\nA new paragraph.",
                               "\n- item", "\n```\ncode\n```\n"};
  char text[2048] = "Initial text about the vault.";
  assess_evidence ev[3] = {{"link", "https://a", 0, NULL}, {"code", "bafkqaaa", 10, "text/plain"},
                           {"image", "bafkqaab", 10, "image/png"}};
  assessment prev = run(text, NULL, 0);
  for (size_t i = 0; i < sizeof adds / sizeof adds[0]; i++) {
    size_t n = strlen(text);
    snprintf(text + n, sizeof text - n, "%s", adds[i]);
    assessment a = run(text, NULL, 0);
    for (size_t k = 0; k < 3; k++) CHECK(a.criterion_scores[k] >= prev.criterion_scores[k]);
    CHECK(a.overall >= prev.overall);
    CHECK(a.confidence >= prev.confidence);
    assessment_release(&prev);
    prev = a;
  }
  CHECK_INT(prev.criterion_scores[2], 100);
  /* evidence: adding accepted items never lowers; an unaccepted one changes nothing */
  int last = prev.overall;
  for (size_t k = 1; k <= 3; k++) {
    assessment a = run(text, ev, k);
    CHECK(a.overall >= last);
    if (k == 3) CHECK_INT(a.overall, last);
    last = a.overall;
    assessment_release(&a);
  }
  assessment_release(&prev);
}

TEST(input_is_checked) {
  assessor b = assessor_builtin();
  assess_submission s = {"x", 1, NULL, 0};
  assessment a;
  char err[256];
  assess_criterion dup[] = {{1, "A", "", 1}, {2, "A", "", 1}};
  assess_task t = {"T", "", dup, 2, NULL, 0};
  CHECK_INT(assessor_run(&b, &t, &s, &a, err, sizeof err), ASSESS_INPUT);
  CHECK(strstr(err, "'A' appears twice") != NULL);
  assess_criterion zero[] = {{1, "A", "", 0}};
  t.criteria = zero;
  t.n_criteria = 1;
  CHECK_INT(assessor_run(&b, &t, &s, &a, err, sizeof err), ASSESS_INPUT);
  t.n_criteria = 0;
  CHECK_INT(assessor_run(&b, &t, &s, &a, err, sizeof err), ASSESS_INPUT);
  assess_evidence bad = {"link", NULL, 0, NULL};
  s.evidence = &bad;
  s.n_evidence = 1;
  CHECK_INT(assessor_run(&b, &task, &s, &a, err, sizeof err), ASSESS_INPUT);
  /* an empty text is assessed (low), not refused */
  assess_submission empty = {"", 0, NULL, 0};
  CHECK_INT(assessor_run(&b, &task, &empty, &a, err, sizeof err), ASSESS_OK);
  CHECK(a.overall < 20);
  assessment_release(&a);
}

TEST(fallback_rule) {
  const char *ids[] = {"openai", "builtin"};
  fallback_policy p = {1};
  fallback_state st = {0, 1};
  char why[512];
  CHECK_INT(fallback_next(&p, &st, ids, 2, ASSESS_TIMEOUT, "no answer within 300 ms", why, sizeof why), FALLBACK_RETRY);
  CHECK(st.assessor == 0 && st.attempt == 2);
  CHECK_STR(why, "openai failed (timeout: no answer within 300 ms); retrying openai (attempt 2 of 2)");
  CHECK_INT(fallback_next(&p, &st, ids, 2, ASSESS_TIMEOUT, "", why, sizeof why), FALLBACK_NEXT);
  CHECK(st.assessor == 1 && st.attempt == 1);
  CHECK(strstr(why, "next: builtin") != NULL);
  CHECK_INT(fallback_next(&p, &st, ids, 2, ASSESS_NOMEM, "", why, sizeof why), FALLBACK_RETRY);
  CHECK_INT(fallback_next(&p, &st, ids, 2, ASSESS_NOMEM, "", why, sizeof why), FALLBACK_PEER_ONLY);
  CHECK(strstr(why, "peer review alone") != NULL);
  /* not retryable: straight to the next */
  st = (fallback_state){0, 1};
  CHECK_INT(fallback_next(&p, &st, ids, 2, ASSESS_REFUSED, "model refused", why, sizeof why), FALLBACK_NEXT);
  st = (fallback_state){0, 1};
  CHECK_INT(fallback_next(&p, &st, ids, 2, ASSESS_HTTP, "", why, sizeof why), FALLBACK_NEXT);
  /* no retries configured */
  fallback_policy none = {0};
  st = (fallback_state){0, 1};
  CHECK_INT(fallback_next(&none, &st, ids, 2, ASSESS_SERVER, "", why, sizeof why), FALLBACK_NEXT);
  st = (fallback_state){0, 1};
  CHECK_INT(fallback_next(&none, &st, ids, 1, ASSESS_SERVER, "", why, sizeof why), FALLBACK_PEER_ONLY);
  /* each code's name, message and retry flag */
  CHECK_STR(assess_code_name(ASSESS_MISSING_CRITERION), "missing_criterion");
  CHECK(assess_code_retryable(ASSESS_RATE_LIMITED));
  CHECK(!assess_code_retryable(ASSESS_REFUSED));
  CHECK_INT(assess_code_err(ASSESS_SCHEMA), PHEME_DATA_INVALID);
}

TEST_MAIN(RUN(worked_example); RUN(deterministic); RUN(monotonic); RUN(input_is_checked);
          RUN(fallback_rule))
