/* Fuzz target: the ERC-6492 unwrapping of a contract wallet's sign-in signature
 * (sigcheck_unwrap_6492). The input is the signature, as a client sends it. Nothing without the
 * suffix unwraps; what unwraps has parts that fit in the input, and wraps again
 * (abi.encode(factory, calldata, signature) || suffix) into a signature that unwraps to the same
 * parts (not always the same bytes: the strict decoder allows two offsets to share a tail);
 * a refusal is PHEME_DATA_INVALID with a reason. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/sigcheck.h"
#include "core/arena.h"
#include "core/buf.h"
#include "eth/abi.h"
#include "eth/hex.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *hex(arena *a, const uint8_t *p, size_t n) {
  char *s = arena_alloc(a, HEX_LEN(n) + 1);
  if (!s) abort();
  return hex_encode(s, p, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  arena a;
  arena_init(&a, 1 << 22);
  char why[256];
  sigcheck_6492 w;
  int wrapped = sigcheck_is_6492(data, size);
  pheme_err e = sigcheck_unwrap_6492(&a, data, size, &w, why, sizeof why);
  if (!wrapped && e == PHEME_OK) abort(); /* no suffix, no unwrapping */
  if (e == PHEME_OK) {
    /* each part sits after a length word inside what precedes the suffix (offsets may point
     * anywhere in it, even into the head, as Solidity's abi.decode allows) */
    if (w.factory_calldata_len > size - 32 - 32 || w.signature_len > size - 32 - 32) abort();
    const abi_type *t;
    pheme_error ee;
    if (abi_type_parse(&a, "(address,bytes,bytes)", 21, &t, &ee)) abort();
    json_t *v = json_pack("[sss]", hex(&a, w.factory, 20), hex(&a, w.factory_calldata, w.factory_calldata_len),
                          hex(&a, w.signature, w.signature_len));
    buf b;
    buf_init(&b, 2 * SIGCHECK_MAX_SIG);
    if (!v || abi_encode(&b, t, v, &ee)) abort();
    json_decref(v);
    for (int i = 0; i < 16; i++)
      if (buf_add(&b, "\x64\x92", 2)) abort();
    sigcheck_6492 again;
    if (sigcheck_unwrap_6492(&a, (const uint8_t *)b.data, b.len, &again, why, sizeof why) != PHEME_OK)
      abort();
    if (memcmp(again.factory, w.factory, 20) || again.factory_calldata_len != w.factory_calldata_len ||
        again.signature_len != w.signature_len ||
        memcmp(again.factory_calldata, w.factory_calldata, w.factory_calldata_len) ||
        memcmp(again.signature, w.signature, w.signature_len))
      abort();
    buf_release(&b);
  } else if (e != PHEME_DATA_INVALID || !why[0]) {
    abort(); /* a refusal is always PHEME_DATA_INVALID with a reason */
  }
  arena_release(&a);
  return 0;
}
