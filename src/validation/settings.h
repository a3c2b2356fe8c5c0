/* The validation engine's settings from the configuration table (src/core/config.c: dedup_*,
 * assessors, openai_*), turned into the structs the modules take. */
#ifndef PHEME_VALIDATION_SETTINGS_H
#define PHEME_VALIDATION_SETTINGS_H

#include <stddef.h>

#include "core/config.h"
#include "core/err.h"
#include "validation/assessor.h"
#include "validation/dedup.h"

/* dedup_params from dedup_threshold (percent), dedup_shingle_words, dedup_hashes, dedup_bands and
 * dedup_rows. PHEME_SYS_CONFIG with err naming the problem (e.g. bands x rows > hashes). */
pheme_err validation_dedup_params(const pheme_config *c, dedup_params *p, char *err, size_t errlen)
    PHEME_MUST_CHECK;

/* openai_config from openai_*; the key is loaded (openai_key_load) into *key, which the config
 * points at and the caller frees after assessor_openai copied it. PHEME_SYS_CONFIG when
 * openai_base_url or openai_model is empty or the key cannot be read. Defaults: backoff 500 ms,
 * longest wait 60 s, answers up to OPENAI_MAX_ANSWER. */
pheme_err validation_openai_config(const pheme_config *c, openai_config *o, char **key, char *err,
                                   size_t errlen) PHEME_MUST_CHECK;

#endif
