/* Fuzz target: the webhook URL parse (webhook_url_split in jobs/webhooks.c; the resolution that
 * follows it is not fuzzed: it asks DNS). Any bytes as a URL: refused with a reason, or a host of
 * at most 255 bytes without brackets or a zone and a port in 1..65535; never a crash or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/webhooks.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *url = malloc(size + 1);
  if (!url) return 0;
  memcpy(url, data, size);
  url[size] = 0;
  webhook_target t;
  char msg[400] = "";
  pheme_err e = webhook_url_split(url, &t, msg, sizeof msg);
  if (e && !msg[0]) abort();
  if (!e) {
    size_t hl = strlen(t.host);
    if (hl == 0 || hl >= sizeof t.host || strchr(t.host, '%') || t.host[0] == '[') abort();
    if (t.port < 1 || t.port > 65535) abort();
  }
  free(url);
  return 0;
}
