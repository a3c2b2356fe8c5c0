/* Media types of uploads: the Content-Type header's type/subtype, and the allowed list; see
 * content.h. */
#include <string.h>

#include "content/content.h"
#include "core/banned.h"

/* RFC 9110 tchar */
static int is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
  return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

int content_media_type_parse(const char *header, char out[CONTENT_MEDIA_TYPE_MAX]) {
  out[0] = 0;
  const char *p = header;
  while (*p == ' ' || *p == '\t') p++;
  size_t n = 0;
  int slash = -1;
  for (; *p && *p != ';' && *p != ' ' && *p != '\t'; p++) {
    if (n + 1 >= CONTENT_MEDIA_TYPE_MAX) goto bad;
    if (*p == '/') {
      if (slash >= 0) goto bad;
      slash = (int)n;
    } else if (!is_tchar((unsigned char)*p)) {
      goto bad;
    }
    out[n++] = lower(*p);
  }
  out[n] = 0;
  while (*p == ' ' || *p == '\t') p++;
  if (*p && *p != ';') goto bad;
  if (slash <= 0 || (size_t)slash + 1 >= n) goto bad;
  return 0;
bad:
  out[0] = 0;
  return -1;
}

int content_media_type_allowed(const char *allowed, const char *type) {
  size_t tn = strlen(type);
  const char *slash = strchr(type, '/');
  if (!tn || !slash) return 0;
  size_t major = (size_t)(slash - type);
  for (const char *p = allowed; *p;) {
    size_t n = strcspn(p, ",");
    const char *a = p, *b = p + n;
    while (a < b && (*a == ' ' || *a == '\t')) a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t')) b--;
    size_t len = (size_t)(b - a);
    int same = len == tn;
    for (size_t i = 0; same && i < len; i++) same = lower(a[i]) == type[i];
    if (same) return 1;
    /* a whole type: "image/" and a star */
    if (len == major + 2 && a[major] == '/' && a[major + 1] == '*') {
      int pre = 1;
      for (size_t i = 0; pre && i < major; i++) pre = lower(a[i]) == type[i];
      if (pre) return 1;
    }
    p += n + (p[n] == ',');
  }
  return 0;
}
