/* Static files of the web app (web/dist): exact files, index.html for app routes (SPA fallback),
 * ETag / If-None-Match, long caching for hashed assets, and precompressed .gz twins. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/internal.h"
#include "core/banned.h"

static const struct {
  const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
    {".json", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
    {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"}, {".webp", "image/webp"},
    {".ico", "image/x-icon"}, {".woff2", "font/woff2"}, {".woff", "font/woff"},
    {".txt", "text/plain; charset=utf-8"}, {".map", "application/json"},
    {".webmanifest", "application/manifest+json"}, {".wasm", "application/wasm"},
};

static const char *type_of(const char *path) {
  const char *dot = strrchr(path, '.');
  if (dot && !strchr(dot, '/'))
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
      if (strcmp(dot, types[i].ext) == 0) return types[i].type;
  return "application/octet-stream";
}

/* A path is served only when every segment is a plain name: no "..", no ".", no hidden files,
 * no backslashes or NULs. */
static int safe_path(const char *p) {
  if (p[0] != '/') return 0;
  for (const char *s = p; *s; s++) {
    if (*s == '\\') return 0;
    if (*s == '/' && s[1] == '.') return 0;
  }
  return strlen(p) < 1024;
}

static int open_regular(const char *path, struct stat *st) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Whether Accept-Encoding takes gzip: a "gzip" or "*" token whose q is not zero (RFC 9110 §12.5.3). */
static int accepts_gzip(const char *ae) {
  int gzip = -1, star = -1; /* -1 unnamed, 0 refused, 1 taken */
  for (const char *p = ae; p && *p;) {
    while (*p == ' ' || *p == ',') p++;
    size_t n = strcspn(p, ",");
    size_t name = strcspn(p, " ;,");
    int q = 1;
    const char *semi = memchr(p, ';', n);
    if (semi) {
      const char *qp = strstr(semi, "q=");
      if (qp && qp < p + n) {
        qp += 2;
        /* q=0, q=0.0, q=0.000 refuse; anything else takes */
        q = 0;
        for (const char *d = qp; d < p + n && *d != ' '; d++)
          if (*d >= '1' && *d <= '9') q = 1;
      }
    }
    if (name == 4 && strncasecmp(p, "gzip", 4) == 0) gzip = q;
    else if (name == 1 && *p == '*') star = q;
    p += n;
  }
  return gzip >= 0 ? gzip : star > 0;
}

/* Whether If-None-Match names etag: "*", or a list of tags compared weakly (RFC 9110 §13.1.2). */
static int none_match(const char *inm, const char *etag) {
  size_t elen = strlen(etag);
  for (const char *p = inm; p && *p;) {
    while (*p == ' ' || *p == ',') p++;
    size_t n = strcspn(p, ",");
    const char *a = p, *b = p + n;
    while (b > a && b[-1] == ' ') b--;
    if (b - a == 1 && *a == '*') return 1;
    if (b - a > 2 && a[0] == 'W' && a[1] == '/') a += 2;
    if ((size_t)(b - a) == elen && memcmp(a, etag, elen) == 0) return 1;
    p += n;
  }
  return 0;
}

int static_serve(http_server *s, http_req *r) {
  if (!s->o.web_root || !*s->o.web_root || !safe_path(r->path)) return 0;
  if (strncmp(r->path, "/api/", 5) == 0) return 0;
  const char *rel = strcmp(r->path, "/") == 0 ? "/index.html" : r->path;
  char file[2048];
  snprintf(file, sizeof file, "%s%s", s->o.web_root, rel);
  struct stat st;
  int fd = open_regular(file, &st);
  if (fd < 0) {
    /* SPA fallback: a path whose last segment has no extension is an app route. */
    const char *last = strrchr(r->path, '/');
    if (last && strchr(last, '.')) return 0;
    rel = "/index.html";
    snprintf(file, sizeof file, "%s%s", s->o.web_root, rel);
    if ((fd = open_regular(file, &st)) < 0) return 0;
  }
  const char *ctype = type_of(rel);
  /* A .gz twin is used when the client takes gzip and the twin is at least as new. */
  const char *ae = http_request_header(r, "Accept-Encoding");
  int gz = 0;
  if (ae && accepts_gzip(ae)) {
    char gzfile[2100];
    snprintf(gzfile, sizeof gzfile, "%s.gz", file);
    struct stat gst;
    int gfd = open_regular(gzfile, &gst);
    if (gfd >= 0 && gst.st_mtime >= st.st_mtime) {
      close(fd);
      fd = gfd;
      st = gst;
      gz = 1;
    } else if (gfd >= 0) {
      close(gfd);
    }
  }
  char *etag = arena_printf(&r->arena, "\"%llx-%llx%s\"", (unsigned long long)st.st_size,
                            (unsigned long long)st.st_mtime, gz ? "-gz" : "");
  const char *inm = http_request_header(r, "If-None-Match");
  r->content_type = ctype;
  r->status = 200;
  r->answered = 1;
  r->is_static = 1;
  r->route_index = (int)s->o.nroutes;
  if (etag) http_header(r, "ETag", etag);
  http_header(r, "Cache-Control", strncmp(rel, "/assets/", 8) == 0
                                      ? "public, max-age=31536000, immutable"
                                      : "no-cache");
  http_header(r, "Vary", "Accept-Encoding");
  if (gz) http_header(r, "Content-Encoding", "gzip");
  if (etag && inm && none_match(inm, etag)) {
    close(fd);
    r->status = 304;
    r->out = NULL;
    r->out_len = 0;
    return 1;
  }
  r->static_fd = fd;
  r->static_size = (uint64_t)st.st_size;
  return 1;
}
