/* Fuzz target: the generated event decoders (chain/events_gen.h, src/chain/evdec.c) on any log.
 * Input: byte 0 chooses the event (index into ev_all, modulo their count); byte 1's low three bits
 * give the topic count (0..4, 5..7 read as 4) and its bit 7 says whether topic 0 comes from the
 * input (set) or is the event's own (clear, so the fuzzer reaches the fields); then 32 bytes per
 * topic read from the input (topic 0 included only when bit 7 is set), then the data.
 *
 * Invariants: the decoder reads only inside the topics and data it was given (the data is a
 * buffer of its exact size); a refusal has a message naming the event; and it agrees with
 * eth/abi.h's abi_decode_log: both accept (with equal arguments) or both refuse — except where
 * one of them stops early on its work budget. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/events_gen.h"
#include "core/arena.h"
#include "eth/abi.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  const ev_desc *d = ev_all[data[0] % EV_ALL_COUNT];
  size_t nt = data[1] & 7;
  if (nt > 4) nt = 4;
  int own_topic0 = !(data[1] & 0x80);
  data += 2;
  size -= 2;
  uint8_t topics[4][32];
  memset(topics, 0, sizeof topics);
  for (size_t i = 0; i < nt; i++) {
    if (i == 0 && own_topic0) {
      memcpy(topics[0], d->topic, 32);
      continue;
    }
    size_t k = size < 32 ? size : 32;
    memcpy(topics[i], data, k);
    data += k;
    size -= k;
  }
  uint8_t *log = malloc(size ? size : 1);
  if (!log) return 0;
  if (size) memcpy(log, data, size);
  void *ev = malloc(d->size);
  char why[300] = "";
  pheme_err mine = d->decode((const uint8_t(*)[32])topics, nt, size ? log : NULL, size, ev, why, sizeof why);
  if (mine && !strstr(why, d->name)) abort(); /* a refusal names its event */

  arena a;
  arena_init(&a, 1 << 20);
  abi_sig sig;
  pheme_error err;
  memset(&err, 0, sizeof err);
  if (abi_sig_parse(&a, d->signature, strlen(d->signature), &sig, &err)) abort();
  json_t *ref = NULL;
  pheme_err theirs = abi_decode_log(&sig, (const uint8_t(*)[32])topics, nt, log, size, &ref, &err);
  int budget = strstr(err.msg, "too much work") != NULL || strstr(why, "too much work") != NULL;
  if (!mine && !theirs) {
    json_t *got = ev_args_json(d, ev);
    if (got && !json_equal(got, ref)) abort();
    json_decref(got);
  } else if (!mine != !theirs && !budget) {
    abort();
  }
  json_decref(ref);
  arena_release(&a);
  free(ev);
  free(log);
  return 0;
}
