/* Fuzz target: the headers of GET /ipfs/:cid and POST /api/v1/content — Range and If-None-Match
 * (src/http/range.c) and the Content-Type's media type and the allowed list (src/content/media.c).
 * The input's first 8 bytes are the file's size; the rest is the header text. A partial range must
 * lie inside the file and not be empty; a media type that parses is lower-case type/subtype, and
 * parses again to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/content.h"
#include "http/range.h"
#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint64_t file = 0;
  size_t head = size < 8 ? size : 8;
  for (size_t i = 0; i < head; i++) file = file << 8 | data[i];
  if (data[0] & 0x80) file &= 0xffff; /* small files half of the time */
  char *text = malloc(size - head + 1);
  if (!text) return 0;
  memcpy(text, data + head, size - head);
  text[size - head] = 0;
  uint64_t start = 0, len = 0;
  range_result r = http_range_parse(text, file, &start, &len);
  if (r == RANGE_PARTIAL && (len == 0 || start >= file || len > file - start)) abort();
  (void)http_etag_match(text, "\"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku\"");
  (void)http_etag_match("\"x\", W/\"y\"", text);
  char type[CONTENT_MEDIA_TYPE_MAX], again[CONTENT_MEDIA_TYPE_MAX];
  if (content_media_type_parse(text, type) == 0) {
    const char *slash = strchr(type, '/');
    if (!slash || slash == type || !slash[1] || strchr(slash + 1, '/')) abort();
    for (const char *p = type; *p; p++)
      if (*p >= 'A' && *p <= 'Z') abort();
    if (content_media_type_parse(type, again) || strcmp(type, again)) abort();
    if (!content_media_type_allowed(type, type)) abort();
  } else if (type[0]) {
    abort();
  }
  (void)content_media_type_allowed(text, "image/png");
  free(text);
  return 0;
}
