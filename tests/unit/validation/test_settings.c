/* Configuration keys for validation (src/validation/settings.c): defaults, overrides, refusals. */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "test.h"
#include "validation/settings.h"

#include "core/banned.h"

TEST(dedup_from_config) {
  pheme_config c;
  char err[256];
  REQUIRE(config_init(&c) == 0);
  dedup_params p;
  CHECK(validation_dedup_params(&c, &p, err, sizeof err) == PHEME_OK);
  CHECK(p.threshold == 0.70);
  CHECK_INT(p.shingle_words, 3);
  CHECK_INT(p.hashes, 128);
  CHECK(p.bands * p.rows <= 128 && p.bands > 1);
  CHECK(config_set(&c, "dedup_bands", "16", "test", err, sizeof err) == 0);
  CHECK(validation_dedup_params(&c, &p, err, sizeof err) == PHEME_SYS_CONFIG); /* rows missing */
  CHECK(config_set(&c, "dedup_rows", "9", "test", err, sizeof err) == 0);
  CHECK(validation_dedup_params(&c, &p, err, sizeof err) == PHEME_SYS_CONFIG); /* 144 > 128 */
  CHECK(config_set(&c, "dedup_rows", "8", "test", err, sizeof err) == 0);
  CHECK(validation_dedup_params(&c, &p, err, sizeof err) == PHEME_OK);
  CHECK(p.bands == 16 && p.rows == 8);
  CHECK(config_set(&c, "dedup_threshold", "0", "test", err, sizeof err) != 0);
  config_release(&c);
}

TEST(openai_from_config) {
  pheme_config c;
  char err[256], *key;
  REQUIRE(config_init(&c) == 0);
  openai_config o;
  CHECK(validation_openai_config(&c, &o, &key, err, sizeof err) == PHEME_SYS_CONFIG);
  CHECK(config_set(&c, "openai_base_url", "http://127.0.0.1:11434/v1", "test", err, sizeof err) == 0);
  CHECK(config_set(&c, "openai_model", "llama3.1", "test", err, sizeof err) == 0);
  CHECK(config_set(&c, "openai_key_env", "PHEME_TEST_NO_SUCH_VAR", "test", err, sizeof err) == 0);
  unsetenv("PHEME_TEST_NO_SUCH_VAR");
  CHECK(validation_openai_config(&c, &o, &key, err, sizeof err) == PHEME_SYS_CONFIG);
  CHECK(strstr(err, "PHEME_TEST_NO_SUCH_VAR") != NULL);
  setenv("PHEME_TEST_NO_SUCH_VAR", "sk-local", 1);
  CHECK(config_set(&c, "openai_timeout_ms", "5000", "test", err, sizeof err) == 0);
  REQUIRE(validation_openai_config(&c, &o, &key, err, sizeof err) == PHEME_OK);
  CHECK_STR(o.api_key, "sk-local");
  CHECK_STR(o.model, "llama3.1");
  CHECK_INT(o.timeout_ms, 5000);
  CHECK_INT(o.retries, 2);
  assessor a;
  CHECK(assessor_openai(&a, &o, err, sizeof err) == ASSESS_OK);
  assessor_destroy(&a);
  free(key);
  unsetenv("PHEME_TEST_NO_SUCH_VAR");
  config_release(&c);
}

TEST_MAIN(RUN(dedup_from_config); RUN(openai_from_config))
