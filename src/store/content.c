/* Evidence content records; see store/content.h. */
#include "store/content.h"

#include <string.h>

#include "core/util.h"
#include "store/internal.h"
#include "core/banned.h"

#define CONTENT_COLS "id, cid, size, media_type, coalesce(uploader_id, 0), created_at"

static void read_content(const db_result *r, int i, content_record *c) {
  c->id = db_int(r, i, 0);
  size_t n = 0;
  const uint8_t *p = db_blob(r, i, 1, &n);
  if (n > STORE_CID_MAX) n = 0;
  if (n) memcpy(c->cid, p, n);
  c->cid_len = n;
  c->size = db_int(r, i, 2);
  c->media_type = db_text(r, i, 3);
  c->uploader_id = db_int(r, i, 4);
  c->created_at = db_int(r, i, 5);
}

pheme_err store_content_put(store *s, arena *a, const store_actor *who, const uint8_t *cid,
                            size_t cid_len, int64_t size, const char *media_type,
                            int64_t uploader_id, content_record *out, int *created) {
  if (cid_len == 0 || cid_len > STORE_CID_MAX || size < 0) return PHEME_DATA_INVALID;
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  db_result r;
  /* ON CONFLICT keeps a concurrent upload of the same bytes from failing: one row wins */
  e = Q(&x, &r,
        "INSERT INTO content (cid, size, media_type, uploader_id, created_at) VALUES ($1, $2, $3, $4, "
        "$5) ON CONFLICT (cid) DO NOTHING RETURNING id",
        dbv_blob(cid, cid_len), dbv_int(size), dbv_text(media_type),
        uploader_id > 0 ? dbv_int(uploader_id) : dbv_null(), dbv_int(time_now_ms()));
  int fresh = !e && r.rows == 1;
  if (fresh) e = sx_audit(&x, who, "content.put", "content", db_int(&r, 0, 0), NULL);
  if (!e) e = Q(&x, &r, "SELECT " CONTENT_COLS " FROM content WHERE cid = $1", dbv_blob(cid, cid_len));
  if (!e && r.rows == 0) e = PHEME_SYS_STORAGE; /* NEVER: inserted or already there */
  if (!e) {
    read_content(&r, 0, out);
    if (out->size != size) e = PHEME_DATA_CONFLICT;
  }
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  if (!e) *created = fresh;
  return e;
}

pheme_err store_content_get(store *s, arena *a, const uint8_t *cid, size_t cid_len,
                            content_record *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT " CONTENT_COLS " FROM content WHERE cid = $1", dbv_blob(cid, cid_len));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) read_content(&r, 0, out);
  sx_end(&x);
  return e;
}

pheme_err store_content_exists(store *s, const uint8_t *cid, size_t cid_len, int *stored) {
  sx x;
  pheme_err e = sx_read(s, NULL, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT 1 FROM content WHERE cid = $1", dbv_blob(cid, cid_len));
  if (!e) *stored = r.rows > 0;
  sx_end(&x);
  return e;
}
