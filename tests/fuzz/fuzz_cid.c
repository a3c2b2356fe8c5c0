/* Fuzz target: the CID text parser (src/content/cid.c) and the CID builder. Whatever parses must
 * format back to exactly the input (the text form is canonical: lower-case base32, zero trailing
 * bits), and its binary form must read back to the same CID; a refusal must say why. The input is
 * also fed to the builder in pieces the input's first byte sizes, and must give the CID it gives
 * whole. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/cid.h"
#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cid c;
  char why[160] = "";
  if (cid_parse(&c, (const char *)data, size, why, sizeof why) == 0) {
    char back[CID_TEXT_SIZE];
    cid_format(&c, back);
    if (strlen(back) != size || memcmp(back, data, size) != 0) abort();
    uint8_t bin[CID_BIN_LEN];
    cid_to_bytes(&c, bin);
    cid again;
    if (cid_from_bytes(&again, bin, sizeof bin) || !cid_equal(&c, &again)) abort();
  } else if (!why[0]) {
    abort();
  }
  /* small shapes reach several tree levels with the fuzzer's small inputs */
  cid_builder *whole = cid_builder_new_shaped(16, 3), *parts = cid_builder_new_shaped(16, 3);
  if (!whole || !parts) abort();
  cid_builder_add(whole, data, size);
  size_t step = size ? (size_t)data[0] % 23 + 1 : 1;
  for (size_t o = 0; o < size; o += step) cid_builder_add(parts, data + o, size - o < step ? size - o : step);
  cid a, b;
  uint64_t na, nb;
  cid_builder_finish(whole, &a, &na);
  cid_builder_finish(parts, &b, &nb);
  if (!cid_equal(&a, &b) || na != size || nb != size) abort();
  cid_builder_free(whole);
  cid_builder_free(parts);
  return 0;
}
