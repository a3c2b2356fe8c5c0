/* Fuzz target: ABI type parsing and strict decoding. The first line of the input is a type
 * (a tuple of parameters), the rest the data. Whatever decodes must encode back to the same
 * bytes: strict decoding admits only canonical encodings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "eth/abi.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nl = memchr(data, '\n', size);
  size_t tl = nl ? (size_t)(nl - data) : size;
  const uint8_t *d = nl ? nl + 1 : data + size;
  size_t dl = size - tl - (nl ? 1 : 0);
  arena a;
  arena_init(&a, 1 << 22);
  const abi_type *t;
  abi_sig sig;
  if (abi_type_parse(&a, (const char *)data, tl, &t, NULL) == PHEME_OK && t->kind == ABI_TUPLE) {
    json_t *v = NULL;
    if (abi_decode(t, d, dl, &v, NULL) == PHEME_OK) {
      buf b;
      /* Offsets may point at shared tails, so a re-encoding can be larger than the input (the
       * decoder's work cap bounds by how much); it must succeed, not match byte for byte. */
      buf_init(&b, (size_t)1 << 28);
      pheme_error err;
      if (abi_encode(&b, t, v, &err) != PHEME_OK) {
        fprintf(stderr, "decoded value does not encode: %s\n", err.msg);
        abort();
      }
      buf_release(&b);
      json_decref(v);
    }
  }
  /* the same bytes as an event signature: exercise selector, topic and log decoding */
  if (abi_sig_parse(&a, (const char *)data, tl, &sig, NULL) == PHEME_OK) {
    uint8_t topics[4][32];
    memset(topics, 0, sizeof topics);
    abi_sig_topic(topics[0], &sig);
    for (size_t i = 1; i < 4 && dl >= 32 * i; i++) memcpy(topics[i], d + 32 * (i - 1), 32);
    json_t *v = NULL;
    for (size_t n = 1; n <= 4; n++)
      if (abi_decode_log(&sig, (const uint8_t(*)[32])topics, n, d, dl, &v, NULL) == PHEME_OK) json_decref(v);
    if (abi_decode_call(&sig, d, dl, &v, NULL) == PHEME_OK) json_decref(v);
  }
  arena_release(&a);
  return 0;
}
