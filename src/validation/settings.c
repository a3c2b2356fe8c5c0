/* Configuration keys -> validation structs; see settings.h. */
#include "validation/settings.h"

#include <string.h>

#include "core/banned.h"

pheme_err validation_dedup_params(const pheme_config *c, dedup_params *p, char *err, size_t errlen) {
  return dedup_params_init(p, (double)c->dedup_threshold / 100.0, (unsigned)c->dedup_shingle_words,
                           (unsigned)c->dedup_hashes, (unsigned)c->dedup_bands,
                           (unsigned)c->dedup_rows, err, errlen);
}

pheme_err validation_openai_config(const pheme_config *c, openai_config *o, char **key, char *err,
                                   size_t errlen) {
  *key = NULL;
  memset(o, 0, sizeof *o);
  if (!c->openai_base_url || !*c->openai_base_url || !c->openai_model || !*c->openai_model) {
    return pheme_fail(PHEME_SYS_CONFIG, err, errlen, "the openai assessor needs openai_base_url and openai_model");
  }
  pheme_err e = openai_key_load(c->openai_key_env, c->openai_key_file, key, err, errlen);
  if (e != PHEME_OK) return e;
  o->base_url = c->openai_base_url;
  o->model = c->openai_model;
  o->api_key = *key;
  o->timeout_ms = (long)c->openai_timeout_ms;
  o->retries = (unsigned)c->openai_retries;
  o->backoff_ms = 500;
  o->max_wait_ms = 60000;
  o->max_answer_bytes = OPENAI_MAX_ANSWER;
  return PHEME_OK;
}
