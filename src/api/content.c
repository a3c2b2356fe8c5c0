/* Evidence content over HTTP: POST /api/v1/content takes the file as the request body, streamed
 * into the CID computation and the content backend (never held whole in memory), and GET
 * /ipfs/:cid serves a stored file, immutable, with its ETag, conditional GETs and byte ranges.
 * The work happens in src/content; see docs/internals/content.md. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "content/content.h"
#include "core/log.h"
#include "core/util.h"
#include "http/range.h"
#include "core/banned.h"

typedef struct {
  content_upload *u;
  const char *media_type;
} upload_state;

static pheme_err upload_begin(http_req *r) {
  app *a = req_app(r);
  if (!a->content) {
    return http_error(r, PHEME_SYS_CONFIG, "no content backend is configured");
  }
  const char *ct = http_request_header(r, "Content-Type");
  char type[CONTENT_MEDIA_TYPE_MAX];
  if (!ct || content_media_type_parse(ct, type)) {
    return http_error(r, PHEME_API_MEDIA_TYPE, "the Content-Type '%.80s' is not a media type (type/subtype)",
               ct ? ct : "(none)");
  }
  if (!content_media_type_allowed(a->cfg->content_types, type)) {
    return http_error(r, PHEME_API_MEDIA_TYPE, "media type '%s' is not allowed for content (allowed: %.300s)",
               type, a->cfg->content_types);
  }
  uint64_t max = (uint64_t)a->cfg->content_max_size;
  const char *cl = http_request_header(r, "Content-Length");
  long long len;
  if (cl && parse_int(cl, 0, (long long)1 << 62, &len) == 0 && (uint64_t)len > max) {
    return http_error(r, PHEME_API_TOO_LARGE, "a file of %lld bytes is over the limit of %llu bytes", len,
               (unsigned long long)max);
  }
  upload_state *st = arena_zalloc(&r->arena, sizeof *st);
  if (!st || !(st->media_type = arena_strdup(&r->arena, type))) {
    return http_error(r, PHEME_SYS_NOMEM, NULL);
  }
  char err[512];
  pheme_err e = content_upload_begin(a->content, max, &st->u, err, sizeof err);
  if (e) {
    log_error("content upload: %s", err);
    return http_error(r, e, "cannot store the file now");
  }
  r->body_state = st;
  return 0;
}

static void upload_abort(http_req *r) {
  upload_state *st = r->body_state;
  r->body_state = NULL;
  if (st) content_upload_abort(st->u);
}

static pheme_err upload_piece(http_req *r, const char *data, size_t n) {
  upload_state *st = r->body_state;
  char err[512];
  pheme_err e = content_upload_write(st->u, data, n, err, sizeof err);
  if (!e) return 0;
  upload_abort(r);
  if (e == PHEME_API_TOO_LARGE) return http_error(r, e, "%s", err);
  log_error("content upload: %s", err);
  return http_error(r, e, "cannot store the file now");
}

const http_body_stream content_upload_stream = {upload_begin, upload_piece, upload_abort};

void content_post(http_req *r) {
  upload_state *st = r->body_state;
  r->body_state = NULL;
  if (!st) PHEME_BUG("content upload without its stream state");
  store_actor who = api_actor(r);
  cid c;
  content_record rec;
  int created;
  char err[512];
  pheme_err e = content_upload_commit(st->u, req_store(r), &r->arena, &who, st->media_type,
                                      r->who.user_id, &c, &rec, &created, err, sizeof err);
  if (e) {
    log_error("content upload: %s", err);
    api_fail(r, e, "content");
    return;
  }
  char text[CID_TEXT_SIZE];
  cid_format(&c, text);
  buf b;
  jw w;
  api_begin(&b, &w);
  jw_obj(&w);
  jw_key(&w, "cid");
  jw_str(&w, text);
  jw_key(&w, "size");
  jw_int(&w, rec.size);
  jw_key(&w, "mediaType");
  jw_str(&w, rec.media_type);
  jw_end(&w);
  char *loc = arena_printf(&r->arena, "/ipfs/%s", text);
  if (loc) http_header(r, "Location", loc);
  api_send(r, 201, &b, &w);
}

void content_get(http_req *r) {
  const char *text = http_param(r, "cid");
  cid c;
  char why[160];
  if (cid_parse(&c, text, strlen(text), why, sizeof why)) {
    http_error(r, PHEME_API_BAD_REQUEST, "invalid CID '%.80s': %s", text, why);
    return;
  }
  uint8_t bin[CID_BIN_LEN];
  cid_to_bytes(&c, bin);
  content_record rec;
  pheme_err e = store_content_get(req_store(r), &r->arena, bin, sizeof bin, &rec);
  if (e == PHEME_DATA_NOT_FOUND) {
    http_error(r, e, "content %s is not stored here", text);
    return;
  }
  if (e) {
    api_fail(r, e, "content");
    return;
  }
  app *a = req_app(r);
  content_reader rd;
  char err[512];
  e = a->content ? a->content->ops->open(a->content, &c, &rd, err, sizeof err) : PHEME_SYS_CONFIG;
  if (e) {
    /* a row without its file: the folder was tampered with or lost */
    log_error("content %s is recorded but cannot be read: %s", text, a->content ? err : "no backend");
    http_error(r, e == PHEME_DATA_NOT_FOUND ? PHEME_DATA_NOT_FOUND : e, "content %s cannot be read now", text);
    return;
  }
  if (rd.fd < 0) {
    /* every backend so far gives a descriptor; one that does not needs a streamed answer */
    content_reader_close(&rd);
    http_error(r, PHEME_SYS_INTERNAL, "the content backend gives no file to serve");
    return;
  }
  char *etag = arena_printf(&r->arena, "\"%s\"", text);
  if (!etag) {
    content_reader_close(&rd);
    http_error(r, PHEME_SYS_NOMEM, NULL);
    return;
  }
  http_header(r, "ETag", etag);
  http_header(r, "Cache-Control", "public, max-age=31536000, immutable");
  http_header(r, "Accept-Ranges", "bytes");
  if (http_etag_match(http_request_header(r, "If-None-Match"), etag)) {
    content_reader_close(&rd);
    http_body(r, 304, NULL, 0, NULL);
    return;
  }
  uint64_t start = 0, len = rd.size;
  switch (http_range_parse(http_request_header(r, "Range"), rd.size, &start, &len)) {
    case RANGE_UNSATISFIABLE:
      content_reader_close(&rd);
      http_header(r, "Content-Range", arena_printf(&r->arena, "bytes */%llu", (unsigned long long)rd.size));
      http_error(r, PHEME_API_RANGE, "range '%.80s' is outside the %llu bytes of %s",
                 http_request_header(r, "Range"), (unsigned long long)rd.size, text);
      return;
    case RANGE_PARTIAL:
      http_header(r, "Content-Range",
                  arena_printf(&r->arena, "bytes %llu-%llu/%llu", (unsigned long long)start,
                               (unsigned long long)(start + len - 1), (unsigned long long)rd.size));
      http_file(r, 206, rd.fd, start, len, rec.media_type);
      rd.fd = -1;
      return;
    case RANGE_NONE:
      break;
  }
  http_file(r, 200, rd.fd, 0, rd.size, rec.media_type);
  rd.fd = -1;
}
