/* Fuzz target: the JSON request path — strict parsing of a body, then the field checks of every
 * request schema of the API (what a handler sees before it reads a value). A body a schema takes
 * holds its names (JF_NAME) in NFC and free of what names may not hold, and its long text
 * (JF_TEXT) free of controls but newline and tab. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *j = NULL;
  char msg[256];
  if (json_parse_body((const char *)data, size, &j, msg, sizeof msg) != PHEME_OK) return 0;
  for (size_t i = 0; i < api_schema_count; i++) {
    pheme_err e = json_check(j, api_schemas[i]->fields, api_schemas[i]->nfields, msg, sizeof msg);
    if (e != PHEME_OK) continue;
    for (size_t k = 0; k < api_schemas[i]->nfields; k++) {
      const json_field *f = &api_schemas[i]->fields[k];
      const json_t *v = json_object_get(j, f->name);
      if (!v || (f->type != JF_NAME && f->type != JF_TEXT)) continue;
      const char *t = json_string_value(v);
      size_t n = json_string_length(v);
      unsigned cp;
      if (!t || json_text_check(t, n, f->type == JF_NAME, &cp)) abort();
      if (f->type == JF_NAME) {
        size_t m;
        char *nfc = json_text_nfc(t, n, &m);
        if (!nfc) abort();
        if (m != n || memcmp(nfc, t, n) != 0) abort(); /* stored in NFC, and NFC is stable */
        free(nfc);
      }
    }
  }
  json_decref(j);
  return 0;
}
