/* Fuzz target: the link sanity check of the validation pipeline (src/validation/pipeline.c,
 * pipeline_link_check), which reads evidence URLs people submit. It must never crash; a refusal
 * must say why; an accepted link is http(s), within PIPE_URL_MAX bytes, without spaces or control
 * characters, and names either stored content by a CID that parses, or a host that is not
 * private. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "content/cid.h"
#include "core/arena.h"
#include "validation/pipeline.h"
#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > PIPE_URL_MAX + 16) return 0;
  char *url = malloc(size + 1);
  if (!url) return 0;
  memcpy(url, data, size);
  url[size] = 0;
  arena a;
  arena_init(&a, 0);
  char why[300] = "";
  const char *cid_text = NULL;
  if (pipeline_link_check(&a, url, &cid_text, why, sizeof why) == 0) {
    size_t n = strlen(url);
    if (n == 0 || n > PIPE_URL_MAX) abort();
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) abort();
    for (size_t i = 0; i < n; i++)
      if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f) abort();
    if (cid_text) {
      cid c;
      char cwhy[128];
      if (cid_parse(&c, cid_text, strlen(cid_text), cwhy, sizeof cwhy) != 0) abort();
    }
  } else if (!why[0]) {
    abort();
  }
  arena_release(&a);
  free(url);
  return 0;
}
