/* Fuzz target: the JSON request path — strict parsing of a body, then the field checks of every
 * request schema of the API (what a handler sees before it reads a value). */
#include <stdint.h>
#include <stddef.h>

#include "api/api.h"
#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *j = NULL;
  char msg[256];
  if (json_parse_body((const char *)data, size, &j, msg, sizeof msg) != PHEME_OK) return 0;
  for (size_t i = 0; i < api_schema_count; i++) {
    pheme_err e = json_check(j, api_schemas[i]->fields, api_schemas[i]->nfields, msg, sizeof msg);
    (void)e;
  }
  json_decref(j);
  return 0;
}
