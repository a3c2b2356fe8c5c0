/* Segment-by-segment matching of a path against the route table; see router.h. */
#include "http/router.h"

#include <stdio.h>
#include <string.h>

#include "core/banned.h"

/* Matches path against pattern; fills params when given. */
static int match(const char *pattern, const char *path, route_params *params) {
  if (params) params->n = 0;
  /* Most routes differ from the path before their first parameter: one compare rejects them. */
  size_t literal = strcspn(pattern, ":");
  if (strncmp(pattern, path, literal) != 0) return 0;
  const char *p = pattern, *s = path;
  while (*p && *s) {
    if (*p != '/' || *s != '/') return 0;
    p++;
    s++;
    const char *pe = strchr(p, '/'), *se = strchr(s, '/');
    size_t pl = pe ? (size_t)(pe - p) : strlen(p), sl = se ? (size_t)(se - s) : strlen(s);
    if (*p == ':') {
      if (sl == 0 || sl >= sizeof params->value[0]) return 0;
      if (params) {
        if (params->n >= ROUTE_MAX_PARAMS) return 0;
        params->name[params->n] = p + 1;
        memcpy(params->value[params->n], s, sl);
        params->value[params->n][sl] = 0;
        params->n++;
      }
    } else if (pl != sl || memcmp(p, s, pl) != 0) {
      return 0;
    }
    p += pl;
    s += sl;
  }
  return *p == 0 && *s == 0;
}

route_result router_match(const http_route *routes, size_t n, const char *method, const char *path,
                          const http_route **out, route_params *params, char *allow,
                          size_t allow_len) {
  int path_seen = 0;
  size_t used = 0;
  if (allow_len) allow[0] = 0;
  for (size_t i = 0; i < n; i++) {
    if (!match(routes[i].pattern, path, NULL)) continue;
    if (strcmp(routes[i].method, method) == 0) {
      match(routes[i].pattern, path, params);
      *out = &routes[i];
      return ROUTE_FOUND;
    }
    path_seen = 1;
    if (allow_len && !strstr(allow, routes[i].method)) {
      int w = snprintf(allow + used, allow_len - used, "%s%s", used ? ", " : "", routes[i].method);
      if (w > 0 && (size_t)w < allow_len - used) used += (size_t)w;
    }
  }
  return path_seen ? ROUTE_NO_METHOD : ROUTE_NO_PATH;
}

pheme_err router_check(const http_route *routes, size_t n, char *why, size_t len) {
  for (size_t i = 0; i < n; i++) {
    const char *p = routes[i].pattern;
    if (p[0] != '/' || strstr(p, "//") || (strlen(p) > 1 && p[strlen(p) - 1] == '/')) {
      return pheme_fail(PHEME_SYS_INTERNAL, why, len, "route '%s %s': malformed pattern", routes[i].method, p);
    }
    if (!routes[i].handler || !routes[i].summary || !routes[i].tag) {
      return pheme_fail(PHEME_SYS_INTERNAL, why, len, "route '%s %s': handler, summary and tag are required", routes[i].method, p);
    }
    for (size_t j = 0; j < i; j++) {
      if (strcmp(routes[i].method, routes[j].method) != 0) continue;
      /* Same shape: every segment either equal or both parameters. */
      const char *a = routes[i].pattern, *b = routes[j].pattern;
      int same = 1;
      while (*a && *b && same) {
        const char *ae = strchr(a + 1, '/'), *be = strchr(b + 1, '/');
        size_t al = ae ? (size_t)(ae - a) : strlen(a), bl = be ? (size_t)(be - b) : strlen(b);
        int ap = a[1] == ':', bp = b[1] == ':';
        same = (ap && bp) || (!ap && !bp && al == bl && memcmp(a, b, al) == 0);
        a += al;
        b += bl;
      }
      if (same && !*a && !*b) {
        return pheme_fail(PHEME_SYS_INTERNAL, why, len, "routes '%s %s' and '%s' overlap", routes[i].method, routes[i].pattern,
                 routes[j].pattern);
      }
    }
  }
  return 0;
}
